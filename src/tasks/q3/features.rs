//! Image features of a data split, computed once per (model weights, split, transform,
//! file list) and cached, so the template study, the per-class analysis and re-runs
//! reuse them. Class embeddings from prompts are the zoo's (`zoo::clip::class_embeddings`).
use super::model::LoadedClip;
pub use crate::zoo::clip::{class_embeddings, similarities};
use super::params::InferencePrecision;
use crate::data::clip_preprocess::ClipPreprocess;
use crate::data::loader::load_images;
use crate::data::stanford_dogs::Item;
use crate::nn::clip::Clip;
use crate::tasks::TaskContext;
use anyhow::{Context, Result};
use serde_json::json;
use tch::{Kind, Tensor};

pub struct ImageFeatures {
    /// [n, embed] float32 on the CPU, not normalised; rows follow `labels`.
    pub features: Tensor,
    pub labels: Vec<i64>,
    /// For each row, the position of its image in the item list.
    pub rows: Vec<i64>,
    /// Images that could not be read: (path, reason).
    pub skipped: Vec<(String, String)>,
}

pub fn image_features(model: &LoadedClip, items: &[Item], dataset_id: &str, batch_size: usize, precision: InferencePrecision, ctx: &TaskContext) -> Result<ImageFeatures> {
    let pre = ClipPreprocess::new(model.clip.cfg.vision.image_size as usize);
    let files: Vec<String> = items.iter().map(|i| i.path.display().to_string()).collect();
    let key = crate::cache::key(&json!({
        "kind": "clip-image-features-v2",
        "model": model.id,
        "weights": model.weights_sha,
        "dataset": dataset_id,
        "transform": {"pipeline": "open_clip-eval", "size": pre.size, "mean": pre.mean, "std": pre.std},
        "files": crate::cache::key(&json!(files)),
        "precision": precision.as_str(),
    }));
    let entry = crate::cache::entry(&ctx.paths().cache, "features", &key);
    if entry.exists() {
        let (tensors, meta) = entry.load()?;
        let get = |n: &str| tensors.iter().find(|(k, _)| k == n).map(|(_, t)| t.shallow_clone()).with_context(|| format!("cached features lack `{n}`"));
        let labels = Vec::<i64>::try_from(get("labels")?)?;
        let rows = Vec::<i64>::try_from(get("rows")?)?;
        let skipped = serde_json::from_value(meta["skipped"].clone()).unwrap_or_default();
        ctx.log(format!("reused cached image features of {} images ({})", labels.len(), &key[..12]));
        return Ok(ImageFeatures { features: get("features")?, labels, rows, skipped });
    }
    if precision == InferencePrecision::Bf16 && !ctx.device.is_cuda() {
        crate::zoo::clip::set_visual_kind(&model.vs, Kind::BFloat16);
    }
    let paths = items.iter().map(|i| i.path.clone()).collect();
    let mut loader = load_images(paths, pre, batch_size, 3);
    let mut chunks = Vec::new();
    let mut labels = Vec::with_capacity(items.len());
    let mut rows = Vec::with_capacity(items.len());
    let mut done = 0u64;
    for batch in loader.by_ref() {
        ctx.check_cancelled()?;
        let feats = {
            let _guard = tch::no_grad_guard();
            let x = batch.pixels.to_device(ctx.device);
            encode_images(&model.clip, &x, precision, ctx.device).to_kind(Kind::Float).to_device(tch::Device::Cpu)
        };
        chunks.push(feats);
        labels.extend(batch.indices.iter().map(|&i| items[i].label as i64));
        rows.extend(batch.indices.iter().map(|&i| i as i64));
        done += batch.indices.len() as u64;
        ctx.progress(done, items.len() as u64, "images");
    }
    let skipped: Vec<(String, String)> = loader.skipped();
    for (path, reason) in &skipped {
        ctx.warn(format!("skipped unreadable image {path}: {reason}"));
    }
    anyhow::ensure!(!chunks.is_empty(), "no image of the split could be read ({} skipped)", skipped.len());
    let features = Tensor::cat(&chunks, 0);
    let (label_tensor, row_tensor) = (Tensor::from_slice(&labels), Tensor::from_slice(&rows));
    entry.save(&[("features", &features), ("labels", &label_tensor), ("rows", &row_tensor)], &json!({"skipped": skipped, "count": labels.len()}))?;
    Ok(ImageFeatures { features, labels, rows, skipped })
}

/// The image tower in the requested precision: autocast on CUDA; on the CPU, bf16
/// weights and activations (the tower was converted before the first batch).
fn encode_images(clip: &Clip, x: &Tensor, precision: InferencePrecision, device: tch::Device) -> Tensor {
    match precision {
        InferencePrecision::Fp32 => clip.encode_image(x),
        _ if device.is_cuda() => tch::autocast(true, || clip.encode_image(x)),
        InferencePrecision::Bf16 => crate::zoo::clip::encode_images_as(clip, x, Kind::BFloat16),
        // The CPU has no fast fp16 kernels; fp16 is refused when the params are read.
        InferencePrecision::Fp16 => clip.encode_image(x),
    }
}
