//! Every hub repository and open_clip tag adaptlab knows, listed once: the model weights and
//! data sets the hw5 suite uses, where each is expected on disk (so `adaptlab doctor` can say
//! what is present before a long run starts), and which repository holds each open_clip tag.
use std::path::{Path, PathBuf};

pub enum Source {
    /// A file of a Hugging Face hub repository, looked up in the hub cache.
    HubModel { repo: &'static str, files: &'static [&'static str] },
    /// An open_clip pretrained tag (its repository from `OPEN_CLIP_TAGS`).
    OpenClip { model: &'static str, tag: &'static str },
    /// A data set unpacked under `$ADAPTLAB_CACHE/datasets/<dir>`.
    Dataset { dir: &'static str },
}

pub struct Asset {
    pub name: &'static str,
    pub used_by: &'static str,
    pub source: Source,
}

/// Weights file names open_clip looks for in a hub repository, in its order of preference.
pub const OPEN_CLIP_WEIGHTS: [&str; 2] = ["open_clip_model.safetensors", "open_clip_pytorch_model.bin"];

/// open_clip pretrained tags and the hub repositories that hold them (open_clip
/// `pretrained.py`): (architecture, tag, repository).
pub const OPEN_CLIP_TAGS: &[(&str, &str, &str)] = &[
    ("convnext_base_w", "laion2b_s13b_b82k", "laion/CLIP-convnext_base_w-laion2B-s13B-b82K"),
    ("convnext_base_w", "laion2b_s13b_b82k_augreg", "laion/CLIP-convnext_base_w-laion2B-s13B-b82K-augreg"),
    ("convnext_xxlarge", "laion2b_s34b_b82k_augreg", "laion/CLIP-convnext_xxlarge-laion2B-s34B-b82K-augreg"),
    ("convnext_xxlarge", "laion2b_s34b_b82k_augreg_rewind", "laion/CLIP-convnext_xxlarge-laion2B-s34B-b82K-augreg-rewind"),
    ("convnext_xxlarge", "laion2b_s34b_b82k_augreg_soup", "laion/CLIP-convnext_xxlarge-laion2B-s34B-b82K-augreg-soup"),
];

/// The hub repository of an open_clip pretrained tag.
pub fn open_clip_repo(model: &str, tag: &str) -> Option<&'static str> {
    OPEN_CLIP_TAGS.iter().find(|(m, t, _)| *m == model && *t == tag).map(|(_, _, repo)| *repo)
}

pub const ASSETS: &[Asset] = &[
    Asset { name: "CLIP ConvNeXt-Base (laion2b_s13b_b82k_augreg)", used_by: "q3",
        source: Source::OpenClip { model: "convnext_base_w", tag: "laion2b_s13b_b82k_augreg" } },
    Asset { name: "CLIP ConvNeXt-XXLarge (laion2b_s34b_b82k_augreg_soup)", used_by: "q3f",
        source: Source::OpenClip { model: "convnext_xxlarge", tag: "laion2b_s34b_b82k_augreg_soup" } },
    Asset { name: "ViT-Base/16 in21k", used_by: "q5",
        source: Source::HubModel { repo: "google/vit-base-patch16-224-in21k", files: &["model.safetensors", "pytorch_model.bin"] } },
    Asset { name: "Persian GPT-2", used_by: "q4",
        source: Source::HubModel { repo: "HooshvareLab/gpt2-fa", files: &["model.safetensors", "pytorch_model.bin"] } },
    Asset { name: "Stanford Dogs", used_by: "q3", source: Source::Dataset { dir: "stanford-dogs" } },
    Asset { name: "Food101", used_by: "q5", source: Source::Dataset { dir: "food101" } },
];

/// Where the asset lives (or would live), and whether something usable is there.
pub fn locate(asset: &Asset, hub_cache: &Path, cache: &Path) -> (PathBuf, bool) {
    let (repo, files): (&str, &[&str]) = match asset.source {
        Source::OpenClip { model, tag } => (open_clip_repo(model, tag).unwrap_or(model), &OPEN_CLIP_WEIGHTS),
        Source::HubModel { repo, files } => (repo, files),
        Source::Dataset { dir } => {
            let path = cache.join("datasets").join(dir);
            let present = dir_has_files(&path);
            return (path, present);
        }
    };
    let found = super::hf::any_snapshot_file(hub_cache, repo, files);
    (found.clone().unwrap_or_else(|| super::hf::repo_dir(hub_cache, repo)), found.is_some())
}

fn dir_has_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(false)
}
