//! Which CLIP to load: the demo's tiny CLIP (from an experiment this one needs), a local
//! weights file, or an open_clip pretrained tag found in the Hugging Face hub cache.
use crate::paths::Paths;
use crate::nn::clip::{Clip, ClipConfig};
use crate::nn::weights::{load_strict, read_checkpoint};
use crate::tasks::TaskContext;
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

/// For an experiment: the demo weights come from the experiment in `needs` that wrote them.
pub fn load(model: &str, weights: Option<&str>, ctx: &TaskContext) -> Result<LoadedClip> {
    let weights = if model == "demo" {
        let source = ctx.input_with_file(DEMO_WEIGHTS).context("`model: demo` needs an experiment of task `clip_pretrain` in `needs`")?;
        Some(ctx.input_file(&source, DEMO_WEIGHTS)?)
    } else {
        weights.map(PathBuf::from)
    };
    load_model(model, weights.as_deref(), ctx.paths(), ctx.device)
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
