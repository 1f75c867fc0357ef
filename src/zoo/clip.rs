//! CLIP by name, for tasks and commands alike: an open_clip `NAME:TAG` found in the Hugging
//! Face hub cache, a local weights file, or the demo's tiny CLIP (its config beside its
//! weights); and class embeddings from prompt templates.
use crate::paths::Paths;
use crate::nn::clip::{normalize, Clip, ClipConfig};
use crate::tokenize::ClipTokenizer;
use tch::{Kind, Tensor};
use crate::nn::weights::{load_strict, read_checkpoint};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use tch::nn::VarStore;

/// Files the demo pretraining writes and the evaluation tasks read.
pub const DEMO_WEIGHTS: &str = "clip.safetensors";
pub const DEMO_CONFIG: &str = "clip_config.json";

pub struct LoadedClip {
    pub clip: Clip,
    pub vs: VarStore,
    /// Stable identity for caches: architecture + weights hash.
    pub id: String,
    pub weights_sha: String,
}

/// A weights file of `repo` already in the hub cache (any snapshot).
pub fn find_in_hub_cache(hub: &Path, repo: &str) -> Option<PathBuf> {
    crate::hub::hf::any_snapshot_file(hub, repo, &crate::hub::catalog::OPEN_CLIP_WEIGHTS)
}

/// `model` is `NAME:TAG` (weights from the hub cache unless `weights` is given), `NAME`
/// with `weights`, or `demo` with the demo's weights file (its config sits beside it).
pub fn load_model(model: &str, weights: Option<&Path>, paths: &Paths, device: tch::Device) -> Result<LoadedClip> {
    let (cfg, weights) = if model == "demo" {
        let weights = weights.context("`demo` needs the weights file (clip.safetensors of a clip_pretrain run)")?.to_path_buf();
        let config = weights.with_file_name(DEMO_CONFIG);
        let text = std::fs::read_to_string(&config).with_context(|| format!("reading {} (it is written beside the demo weights)", config.display()))?;
        (serde_json::from_str::<ClipConfig>(&text).context("reading the demo CLIP's config")?, weights)
    } else {
        let (name, tag) = model.split_once(':').unwrap_or((model, ""));
        let cfg = ClipConfig::preset(name).with_context(|| format!("unknown model `{name}`; known: {}, demo", ClipConfig::PRESETS.join(", ")))?;
        let weights = match weights {
            Some(file) => file.to_path_buf(),
            None => {
                let repo = crate::hub::catalog::open_clip_repo(name, tag).with_context(|| format!("no known hub repository for `{name}:{tag}`; give a weights file"))?;
                let hub = &paths.hub;
                match find_in_hub_cache(hub, repo) {
                    Some(p) => p,
                    None => bail!(
                        "the weights of {name}:{tag} are not in the Hugging Face cache {} (repository {repo}); \
                         download them with `adaptlab fetch clip {name}:{tag}`, or give a local weights file",
                        hub.display()
                    ),
                }
            }
        };
        (cfg, weights)
    };
    let mut vs = VarStore::new(device);
    let clip = Clip::new(&vs.root(), &cfg);
    let tensors = read_checkpoint(&weights)?;
    load_strict(&mut vs, tensors, &weights.display().to_string())?;
    vs.freeze();
    let weights_sha = crate::cache::file_sha256(&paths.cache, &weights)?;
    Ok(LoadedClip { id: format!("{}@{}", cfg.name, &weights_sha[..16]), clip, vs, weights_sha })
}

/// Puts the image tower's weights in `kind` (bf16 for CPU inference; the text tower,
/// run once per class, stays fp32). Idempotent.
pub fn set_visual_kind(vs: &VarStore, kind: Kind) {
    let _guard = tch::no_grad_guard();
    for (name, mut var) in vs.variables() {
        if name.starts_with("visual.") && var.kind() != kind {
            var.set_data(&var.to_kind(kind));
        }
    }
}

/// Image features [batch, embed] in fp32 from a tower whose weights are in `kind`:
/// the pixels go in as `kind`; LayerNorm accumulates in fp32 either way (PyTorch's
/// reduced-precision kernels do), and the features come back as fp32.
pub fn encode_images_as(clip: &Clip, pixels: &Tensor, kind: Kind) -> Tensor {
    clip.encode_image(&pixels.to_kind(kind)).to_kind(Kind::Float)
}

/// Unit-length class embeddings [classes, embed]: each class's prompts from `templates`
/// encoded, normalised, averaged and normalised again (the CLIP-paper ensemble). All
/// prompts go through the text tower in a few large batches.
pub fn class_embeddings(clip: &Clip, names: &[String], templates: &[String], device: tch::Device) -> Tensor {
    const BATCH: usize = 256;
    let _guard = tch::no_grad_guard();
    let tokenizer = ClipTokenizer::get();
    let prompts: Vec<String> = names.iter().flat_map(|name| templates.iter().map(move |t| fill(t, name))).collect();
    let encoded: Vec<Tensor> = prompts
        .chunks(BATCH)
        .map(|chunk| normalize(&clip.encode_text(&tokenizer.tokenize_batch(chunk).to_device(device)).to_kind(Kind::Float)))
        .collect();
    let per_prompt = Tensor::cat(&encoded, 0).view([names.len() as i64, templates.len() as i64, -1]);
    normalize(&per_prompt.mean_dim(1, false, Kind::Float)).to_device(tch::Device::Cpu)
}

/// Scores [images, classes] from features and class embeddings.
pub fn similarities(features: &Tensor, classes: &Tensor) -> Tensor {
    normalize(features).matmul(&classes.transpose(0, 1))
}

/// A prompt for one class: `{}` in the template replaced by the class name.
pub fn fill(template: &str, name: &str) -> String {
    template.replacen("{}", name, 1)
}
