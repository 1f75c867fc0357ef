//! The model weights and data sets the hw5 suite uses, and where each is expected on disk,
//! so `adaptlab doctor` can say what is present before a long run starts.
use std::path::{Path, PathBuf};

pub enum Source {
    /// A file of a Hugging Face hub repository, looked up in the hub cache.
    HubModel { repo: &'static str, files: &'static [&'static str] },
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

pub const ASSETS: &[Asset] = &[
    Asset { name: "CLIP ConvNeXt-Base (laion2b_s13b_b82k_augreg)", used_by: "q3",
        source: Source::HubModel { repo: "laion/CLIP-convnext_base_w-laion2B-s13B-b82K-augreg", files: &OPEN_CLIP_WEIGHTS } },
    Asset { name: "CLIP ConvNeXt-XXLarge (laion2b_s34b_b82k_augreg_soup)", used_by: "q3f",
        source: Source::HubModel { repo: "laion/CLIP-convnext_xxlarge-laion2B-s34B-b82K-augreg-soup", files: &OPEN_CLIP_WEIGHTS } },
    Asset { name: "ViT-Base/16 in21k", used_by: "q5",
        source: Source::HubModel { repo: "google/vit-base-patch16-224-in21k", files: &["model.safetensors", "pytorch_model.bin"] } },
    Asset { name: "Persian GPT-2", used_by: "q4",
        source: Source::HubModel { repo: "HooshvareLab/gpt2-fa", files: &["model.safetensors", "pytorch_model.bin"] } },
    Asset { name: "Stanford Dogs", used_by: "q3", source: Source::Dataset { dir: "stanford-dogs" } },
    Asset { name: "Food101", used_by: "q5", source: Source::Dataset { dir: "food101" } },
];

/// Where the asset lives (or would live), and whether something usable is there.
pub fn locate(asset: &Asset, hub_cache: &Path, cache: &Path) -> (PathBuf, bool) {
    match asset.source {
        Source::HubModel { repo, files } => {
            let found = super::hf::any_snapshot_file(hub_cache, repo, files);
            (found.clone().unwrap_or_else(|| super::hf::repo_dir(hub_cache, repo)), found.is_some())
        }
        Source::Dataset { dir } => {
            let path = cache.join("datasets").join(dir);
            let present = dir_has_files(&path);
            (path, present)
        }
    }
}

fn dir_has_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(false)
}
