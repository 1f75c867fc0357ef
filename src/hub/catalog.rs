//! The model weights and data sets the hw5 suite uses, and where each is expected on disk,
//! so `adaptlab doctor` can say what is present before a long run starts.
use std::path::{Path, PathBuf};

pub enum Source {
    /// A Hugging Face hub repository, looked up in the hub cache (`models--org--name`).
    HubModel { repo: &'static str },
    /// A data set unpacked under `$ADAPTLAB_CACHE/datasets/<dir>`.
    Dataset { dir: &'static str },
}

pub struct Asset {
    pub name: &'static str,
    pub used_by: &'static str,
    pub source: Source,
}

pub const ASSETS: &[Asset] = &[
    Asset { name: "CLIP ConvNeXt-Base (laion2b_s13b_b82k_augreg)", used_by: "q3",
        source: Source::HubModel { repo: "laion/CLIP-convnext_base_w-laion2B-s13B-b82K-augreg" } },
    Asset { name: "CLIP ConvNeXt-XXLarge (laion2b_s34b_b82k_augreg_soup)", used_by: "q3f",
        source: Source::HubModel { repo: "laion/CLIP-convnext_xxlarge-laion2B-s34B-b82K-augreg-soup" } },
    Asset { name: "ViT-Base/16 in21k", used_by: "q5",
        source: Source::HubModel { repo: "google/vit-base-patch16-224-in21k" } },
    Asset { name: "Persian GPT-2", used_by: "q4",
        source: Source::HubModel { repo: "HooshvareLab/gpt2-fa" } },
    Asset { name: "Stanford Dogs", used_by: "q3", source: Source::Dataset { dir: "stanford-dogs" } },
    Asset { name: "Food101", used_by: "q5", source: Source::Dataset { dir: "food101" } },
];

/// Where the asset lives (or would live), and whether something usable is there.
pub fn locate(asset: &Asset, hub_cache: &Path, cache: &Path) -> (PathBuf, bool) {
    match asset.source {
        Source::HubModel { repo } => {
            let dir = hub_cache.join(format!("models--{}", repo.replace('/', "--")));
            let present = std::fs::read_dir(dir.join("snapshots"))
                .map(|mut snapshots| snapshots.any(|s| s.is_ok_and(|s| dir_has_files(&s.path()))))
                .unwrap_or(false);
            (dir, present)
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
