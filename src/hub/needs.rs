//! What a suite needs from the internet (model weights, data sets), found from its
//! experiments' `model:` and `dataset:` params, and fetched on first use as open_clip's
//! `pretrained=`, transformers' `from_pretrained` and torchvision's `download=True` do:
//! with progress, the checksums the fetch commands verify, and nothing at all when
//! offline (`HF_HUB_OFFLINE=1` or `--offline`), where the tasks' messages say which
//! `adaptlab fetch` to run instead.
use super::download::{head, Progress};
use super::{catalog, hf};
use crate::paths::Paths;
use anyhow::{Context, Result};
use std::sync::atomic::{AtomicBool, Ordering};

static OFFLINE_FLAG: AtomicBool = AtomicBool::new(false);

/// `--offline` on the command line (the environment's HF_HUB_OFFLINE counts too).
pub fn set_offline(on: bool) {
    OFFLINE_FLAG.store(on, Ordering::Relaxed);
}

pub fn offline() -> bool {
    OFFLINE_FLAG.load(Ordering::Relaxed) || hf::offline()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    /// open_clip weights `model:tag` from their hub repository.
    Clip { model: String, tag: String, repo: &'static str },
    /// A Hugging Face model repository (`ORG/NAME[@REVISION]`).
    Model(String),
    StanfordDogs,
    Food101,
    Cifar10,
    SentimentDksf,
    Parsinlu,
}

/// The needs of one experiment's params: every `model` and `dataset` value, at any depth.
pub fn of_params(params: &serde_json::Value) -> Vec<Need> {
    let mut out = Vec::new();
    walk(params, &mut out);
    out
}

fn walk(value: &serde_json::Value, out: &mut Vec<Need>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                if let (Some(text), true) = (v.as_str(), key == "model" || key == "dataset") {
                    if let Some(need) = need_of(key, text) {
                        if !out.contains(&need) {
                            out.push(need);
                        }
                    }
                } else {
                    walk(v, out);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
        _ => {}
    }
}

fn need_of(key: &str, text: &str) -> Option<Need> {
    if key == "dataset" {
        return match text {
            "stanford-dogs" => Some(Need::StanfordDogs),
            "food101" => Some(Need::Food101),
            "cifar10" => Some(Need::Cifar10),
            "sentiment-dksf" => Some(Need::SentimentDksf),
            "parsinlu" => Some(Need::Parsinlu),
            _ => None, // `demo` or a local path
        };
    }
    if let Some((model, tag)) = text.split_once(':') {
        return catalog::open_clip_repo(model, tag).map(|repo| Need::Clip { model: model.into(), tag: tag.into(), repo });
    }
    // ORG/NAME on the hub; a local folder or `demo` needs nothing.
    let local = std::path::Path::new(text).exists() || text.starts_with('.') || text.starts_with('/');
    (text.contains('/') && !local).then(|| Need::Model(text.to_string()))
}

impl Need {
    pub fn name(&self) -> String {
        match self {
            Need::Clip { model, tag, repo } => format!("CLIP {model}:{tag} ({repo})"),
            Need::Model(spec) => format!("model {spec}"),
            Need::StanfordDogs => "Stanford Dogs (images.tar, lists.tar)".into(),
            Need::Food101 => format!("Food-101 ({} parquet files)", super::food::HUB_REPO),
            Need::Cifar10 => "CIFAR-10 (cifar-10-python.tar.gz)".into(),
            Need::SentimentDksf => format!("sentiment-dksf ({})", super::q4_data::SENTIMENT_REPO),
            Need::Parsinlu => "ParsiNLU multiple choice (train.jsonl, test.jsonl)".into(),
        }
    }

    /// The command that fetches it by hand.
    pub fn command(&self) -> String {
        match self {
            Need::Clip { model, tag, .. } => format!("adaptlab fetch clip {model}:{tag}"),
            Need::Model(spec) => format!("adaptlab fetch model {spec}"),
            Need::StanfordDogs => "adaptlab fetch stanford-dogs".into(),
            Need::Food101 => "adaptlab fetch food101".into(),
            Need::Cifar10 => "adaptlab fetch cifar10".into(),
            Need::SentimentDksf => "adaptlab fetch sentiment-dksf".into(),
            Need::Parsinlu => "adaptlab fetch parsinlu".into(),
        }
    }

    /// Whether a usable copy is on this machine already.
    pub fn present(&self, paths: &Paths) -> bool {
        let has_files = |dir: std::path::PathBuf| std::fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(false);
        match self {
            Need::Clip { repo, .. } => hf::any_snapshot_file(&paths.hub, repo, &catalog::OPEN_CLIP_WEIGHTS).is_some(),
            Need::Model(spec) => super::model_repo::resolve_model(spec, &paths.hub, true, &|_, _, _| {}).is_ok(),
            Need::StanfordDogs => has_files(paths.dataset("stanford-dogs")),
            Need::Food101 => super::food::cached_snapshot(&paths.hub).is_some() || has_files(paths.dataset("food101")),
            Need::Cifar10 => has_files(super::cifar::root(&paths.cache)),
            Need::SentimentDksf => super::q4_data::sentiment_snapshot(&paths.hub).is_some(),
            Need::Parsinlu => super::q4_data::verify_parsinlu(&paths.cache).is_ok(),
        }
    }

    /// Its download size in bytes, asked of the server (HEAD or the hub's listing).
    pub fn size(&self) -> Result<Option<u64>> {
        let endpoint = hf::endpoint();
        let length = |url: &str| -> Result<Option<u64>> {
            let (status, headers) = head(url, hf::token().as_deref())?;
            anyhow::ensure!(status < 400, "{url}: HTTP {status}");
            let get = |k: &str| headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(k)).and_then(|(_, v)| v.trim().parse::<u64>().ok());
            Ok(get("x-linked-size").or_else(|| get("content-length")))
        };
        let dataset_files = |repo: &str, keep: &dyn Fn(&str) -> bool| -> Result<Option<u64>> {
            let url = format!("{endpoint}/api/datasets/{repo}/tree/main?recursive=true");
            let listing: serde_json::Value = serde_json::from_str(&super::download::get_text(&url, hf::token().as_deref())?).with_context(|| format!("{url}: not a JSON listing"))?;
            let files = listing.as_array().with_context(|| format!("{url}: not a list"))?;
            Ok(Some(files.iter().filter(|f| f["path"].as_str().is_some_and(keep)).map(|f| f["lfs"]["size"].as_u64().or(f["size"].as_u64()).unwrap_or(0)).sum()))
        };
        match self {
            Need::Clip { repo, .. } => length(&format!("{endpoint}/{repo}/resolve/main/{}", catalog::OPEN_CLIP_WEIGHTS[0])),
            Need::Model(spec) => {
                let (repo, revision) = super::model_repo::parse_repo(spec)?;
                let files = super::model_repo::wanted(&super::model_repo::list_files(&endpoint, &repo, &revision)?);
                Ok(Some(files.iter().map(|f| f.size).sum()))
            }
            Need::StanfordDogs => {
                let mut total = 0;
                for file in super::dogs::FILES {
                    total += length(&format!("{}/{file}", super::dogs::OFFICIAL_BASE))?.unwrap_or(0);
                }
                Ok(Some(total))
            }
            Need::Food101 => dataset_files(super::food::HUB_REPO, &|p| p.starts_with("data/") && p.ends_with(".parquet")),
            Need::Cifar10 => length(crate::data::cifar10::PYTHON_URL),
            Need::SentimentDksf => dataset_files(super::q4_data::SENTIMENT_REPO, &super::q4_data::is_data_file),
            Need::Parsinlu => {
                let mut total = 0;
                for file in super::q4_data::PARSINLU_FILES {
                    total += length(&format!("{}/{file}", super::q4_data::PARSINLU_BASE))?.unwrap_or(0);
                }
                Ok(Some(total))
            }
        }
    }

    /// Downloads it with the checks of its `adaptlab fetch` command.
    pub fn fetch(&self, paths: &Paths, progress: &Progress) -> Result<()> {
        let endpoint = hf::endpoint();
        match self {
            Need::Clip { repo, .. } => {
                let [preferred, fallback] = catalog::OPEN_CLIP_WEIGHTS;
                hf::fetch(&endpoint, &paths.hub, repo, "main", preferred, false, progress)
                    .or_else(|first| hf::fetch(&endpoint, &paths.hub, repo, "main", fallback, false, progress).map_err(|_| first))?;
            }
            Need::Model(spec) => {
                let report = |_: &super::model_repo::RepoFile, done: u64, total: Option<u64>| (progress.report)(done, total);
                super::model_repo::resolve_model(spec, &paths.hub, false, &report)?;
            }
            Need::StanfordDogs => {
                super::dogs::fetch(super::dogs::OFFICIAL_BASE, &paths.cache, progress)?;
            }
            Need::Food101 => {
                super::food::fetch_hub(&endpoint, &paths.hub, "main", progress)?;
            }
            Need::Cifar10 => {
                super::cifar::fetch(crate::data::cifar10::PYTHON_URL, Some(crate::data::cifar10::PYTHON_MD5), &paths.cache, progress)?;
            }
            Need::SentimentDksf => {
                super::q4_data::fetch_sentiment(&endpoint, &paths.hub, "main", progress)?;
            }
            Need::Parsinlu => {
                super::q4_data::fetch_parsinlu(super::q4_data::PARSINLU_BASE, &paths.cache, &[], progress)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_come_from_model_and_dataset_params_at_any_depth() {
        let params = serde_json::json!({
            "model": "convnext_base_w:laion2b_s13b_b82k_augreg",
            "dataset": "stanford-dogs",
            "nested": { "model": "google/vit-base-patch16-224-in21k", "dataset": "demo" },
            "list": [{ "dataset": "parsinlu" }],
            "other": "food101"
        });
        let needs = of_params(&params);
        assert_eq!(needs.len(), 4, "{needs:?}");
        assert!(needs.contains(&Need::StanfordDogs) && needs.contains(&Need::Parsinlu));
        assert!(needs.contains(&Need::Model("google/vit-base-patch16-224-in21k".into())));
        assert!(needs.iter().any(|n| matches!(n, Need::Clip { repo, .. } if repo.contains("convnext_base_w"))));
        assert!(of_params(&serde_json::json!({ "model": "demo", "dataset": "/data/scans" })).is_empty());
    }
}
