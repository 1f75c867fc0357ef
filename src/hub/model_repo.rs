//! `adaptlab fetch model REPO[@REVISION]`: a whole Hugging Face model repository into the
//! hub cache. The tree API lists the files with their LFS sha256; each file goes through
//! the cache's resumable, verified download. Alternative weight formats (TensorFlow, Flax,
//! ONNX, GGUF, and `.bin` when safetensors exist) are skipped unless asked for.
use super::download::{get_text, sha256_file, Progress};
use super::hf;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq)]
pub struct RepoFile {
    pub path: String,
    pub size: u64,
    /// The LFS object's sha256, for large files.
    pub lfs_sha256: Option<String>,
}

/// `org/name@revision` → (repo, revision), `main` by default.
pub fn parse_repo(spec: &str) -> Result<(String, String)> {
    let (repo, revision) = spec.split_once('@').unwrap_or((spec, "main"));
    let valid = repo.split('/').count() == 2 && repo.split('/').all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)));
    if !valid || revision.is_empty() {
        bail!("`{spec}` is not a hub model name; write ORG/NAME or ORG/NAME@REVISION (e.g. HooshvareLab/gpt2-fa)");
    }
    Ok((repo.to_string(), revision.to_string()))
}

/// The repository's files at `revision` (the hub's tree API, recursive).
pub fn list_files(endpoint: &str, repo: &str, revision: &str) -> Result<Vec<RepoFile>> {
    let url = format!("{endpoint}/api/models/{repo}/tree/{revision}?recursive=true");
    let text = get_text(&url, hf::token().as_deref()).map_err(|e| {
        let msg = format!("{e:#}");
        if msg.contains("HTTP 401") || msg.contains("HTTP 403") {
            anyhow::anyhow!("{repo} is gated or private ({msg}): accept its terms on huggingface.co/{repo}, create a read token, and run again with HF_TOKEN=<token>")
        } else if msg.contains("HTTP 404") {
            anyhow::anyhow!("{repo} at {revision} was not found on the hub ({msg}); check the name and revision")
        } else {
            e
        }
    })?;
    let raw: serde_json::Value = serde_json::from_str(&text).with_context(|| format!("{url} did not return a JSON list"))?;
    let entries = raw.as_array().with_context(|| format!("{url} did not return a JSON list"))?;
    Ok(entries
        .iter()
        .filter(|e| e["type"] == "file")
        .filter_map(|e| {
            Some(RepoFile {
                path: e["path"].as_str()?.to_string(),
                size: e["lfs"]["size"].as_u64().or_else(|| e["size"].as_u64()).unwrap_or(0),
                lfs_sha256: e["lfs"]["oid"].as_str().map(String::from),
            })
        })
        .collect())
}

/// The files a PyTorch user of the repository needs: everything but other frameworks'
/// weights, and `.bin` weights only when there are no safetensors.
pub fn wanted(files: &[RepoFile]) -> Vec<RepoFile> {
    let has_safetensors = files.iter().any(|f| f.path.ends_with(".safetensors"));
    files
        .iter()
        .filter(|f| {
            let p = f.path.as_str();
            let other_framework = p.ends_with(".h5") || p.ends_with(".msgpack") || p.ends_with(".gguf") || p.ends_with(".onnx") || p.ends_with(".ot") || p.starts_with("onnx/") || p.ends_with(".tflite") || p.ends_with(".mlmodel");
            let pickled_duplicate = has_safetensors && (p.ends_with(".bin") || p.ends_with(".pt") || p.ends_with(".pth") || p == "pytorch_model.bin.index.json");
            !other_framework && !pickled_duplicate && !p.starts_with('.')
        })
        .cloned()
        .collect()
}

/// Fetches `files` of `repo` into the cache and returns the snapshot folder.
pub fn fetch_files(endpoint: &str, cache: &Path, repo: &str, revision: &str, files: &[RepoFile], offline: bool, progress: &dyn Fn(&RepoFile, u64, Option<u64>)) -> Result<PathBuf> {
    let mut snapshot = None;
    for file in files {
        let report = |done: u64, total: Option<u64>| progress(file, done, total);
        let path = hf::fetch(endpoint, cache, repo, revision, &file.path, offline, &Progress { report: &report })?;
        if let Some(expected) = &file.lfs_sha256 {
            // The blob is named by its sha256 when the hub sent it as the ETag; otherwise check.
            let blob_name = std::fs::read_link(&path).ok().and_then(|l| l.file_name().map(|n| n.to_string_lossy().into_owned()));
            if blob_name.as_deref() != Some(expected.as_str()) {
                let actual = sha256_file(&path)?;
                if !actual.eq_ignore_ascii_case(expected) {
                    bail!("{repo}/{}: sha256 {actual} differs from the hub's {expected}; delete {} and fetch again", file.path, path.display());
                }
            }
        }
        let depth = file.path.split('/').count();
        snapshot = path.ancestors().nth(depth).map(Path::to_path_buf);
    }
    snapshot.context("the repository lists no files to fetch")
}

/// A model folder for `spec`: an existing directory as it is, or a hub repository fetched
/// (or found, offline) in the cache.
pub fn resolve_model(spec: &str, cache: &Path, offline: bool, progress: &dyn Fn(&RepoFile, u64, Option<u64>)) -> Result<PathBuf> {
    let as_path = Path::new(spec);
    if as_path.is_dir() {
        return Ok(as_path.to_path_buf());
    }
    if spec.starts_with('.') || spec.starts_with('/') || spec.contains("//") {
        bail!("{spec} is not a folder; give a model folder (config.json, weights, tokenizer.json) or a hub name ORG/NAME");
    }
    let (repo, revision) = parse_repo(spec)?;
    if offline {
        let snapshot = hf::snapshot_dir(cache, &repo, &revision);
        if snapshot.join("config.json").is_file() {
            return Ok(snapshot);
        }
        bail!("{repo}@{revision} is not in the hub cache {} and offline mode is on; run `adaptlab fetch model {spec}` on a machine with internet", cache.display());
    }
    let files = wanted(&list_files(&hf::endpoint(), &repo, &revision)?);
    fetch_files(&hf::endpoint(), cache, &repo, &revision, &files, false, progress)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(path: &str) -> RepoFile {
        RepoFile { path: path.into(), size: 1, lfs_sha256: None }
    }

    #[test]
    fn keeps_safetensors_and_drops_other_formats() {
        let files = [f("config.json"), f("model.safetensors"), f("pytorch_model.bin"), f("tf_model.h5"), f("onnx/model.onnx"), f("tokenizer.json"), f(".gitattributes")];
        let kept: Vec<String> = wanted(&files).into_iter().map(|f| f.path).collect();
        assert_eq!(kept, vec!["config.json", "model.safetensors", "tokenizer.json"]);
        let bin_only = [f("config.json"), f("pytorch_model.bin")];
        assert_eq!(wanted(&bin_only).len(), 2, "gpt2-fa has only pytorch_model.bin");
    }

    #[test]
    fn repo_names_and_revisions() {
        assert_eq!(parse_repo("HooshvareLab/gpt2-fa").unwrap(), ("HooshvareLab/gpt2-fa".into(), "main".into()));
        assert_eq!(parse_repo("Qwen/Qwen2.5-0.5B-Instruct@v1").unwrap().1, "v1");
        assert!(parse_repo("gpt2").is_err() && parse_repo("a/b/c").is_err());
    }
}
