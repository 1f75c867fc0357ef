//! `adaptlab clip classify`: zero-shot labels for any images with any CLIP we load.
use crate::cli::{ClassifyArgs, ExitCode};
use crate::paths::Paths;
use crate::data::clip_preprocess::ClipPreprocess;
use crate::data::image::decode_file;
use crate::nn::clip::normalize;
use crate::zoo::clip::class_embeddings;
use crate::zoo::clip::load_model;
use anyhow::{Context, Result};
use tch::{Kind, Tensor};

pub fn classify(a: &ClassifyArgs, paths: &Paths) -> Result<ExitCode> {
    anyhow::ensure!(a.labels.len() >= 2, "give at least two labels (--label L, repeated)");
    anyhow::ensure!(a.template.contains("{}"), "the template `{}` has no `{{}}` for the label", a.template);
    let device = if tch::Cuda::is_available() { tch::Device::Cuda(0) } else { tch::Device::Cpu };
    let model = load_model(&a.model, a.weights.as_deref(), paths, device)?;
    let kind = a.precision.kind(device)?;
    crate::zoo::clip::set_visual_kind(&model.vs, kind);
    let pre = ClipPreprocess::new(model.clip.cfg.vision.image_size as usize);
    let classes = class_embeddings(&model.clip, &a.labels, std::slice::from_ref(&a.template), device);
    let scale = model.clip.logit_scale.exp().to_kind(Kind::Float).to_device(tch::Device::Cpu);
    let mut results = Vec::new();
    let mut failed = 0;
    for path in &a.images {
        let image = match decode_file(path) {
            Ok(img) => img,
            Err(e) => {
                eprintln!("skipped: {e:#}");
                failed += 1;
                continue;
            }
        };
        let size = pre.size as i64;
        let pixels = Tensor::from_slice(&pre.apply(&image)).view([1, 3, size, size]).to_device(device);
        let probs = {
            let _guard = tch::no_grad_guard();
            let feats = normalize(&crate::zoo::clip::encode_images_as(&model.clip, &pixels, kind)).to_device(tch::Device::Cpu);
            (feats.matmul(&classes.transpose(0, 1)) * &scale).softmax(-1, Kind::Float)
        };
        let probs = Vec::<f32>::try_from(probs.view([-1])).context("reading probabilities")?;
        results.push((path.clone(), probs));
    }
    if let Some(warning) = crate::data::image::decode::truncated_loaded_warning() {
        eprintln!("warning: {warning}");
    }
    if a.json {
        let out: Vec<serde_json::Value> = results
            .iter()
            .map(|(p, probs)| {
                let map: serde_json::Map<String, serde_json::Value> = a.labels.iter().zip(probs).map(|(l, v)| (l.clone(), serde_json::json!(v))).collect();
                serde_json::json!({"image": p, "probs": map})
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        for (p, probs) in &results {
            let mut order: Vec<usize> = (0..probs.len()).collect();
            order.sort_by(|&x, &y| probs[y].total_cmp(&probs[x]));
            let top: Vec<String> = order.iter().take(5).map(|&i| format!("{} {:.1}%", a.labels[i], probs[i] * 100.0)).collect();
            println!("{}: {}", p.display(), top.join(", "));
        }
    }
    Ok(if failed > 0 { ExitCode::Failure } else { ExitCode::Success })
}
