//! Content-addressed caches under `$ADAPTLAB_CACHE`: a key is the sha256 of everything
//! that decides the content (model id, weights hash, data split, transform, file list),
//! tensors are safetensors and metadata JSON, and every write is temp-file + rename.
use crate::paths::Paths;
use crate::fsx;
use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use tch::Tensor;

pub fn key(parts: &serde_json::Value) -> String {
    hex::encode(Sha256::digest(parts.to_string().as_bytes()))
}

/// sha256 of a file, remembered in a sidecar keyed by size and modification time so a
/// multi-gigabyte checkpoint is hashed once.
pub fn file_sha256(cache: &Path, path: &Path) -> Result<String> {
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    let stamp = format!("{}:{:?}", meta.len(), meta.modified().ok());
    let sidecar = cache.join("sha256").join(key(&serde_json::json!([path.canonicalize().unwrap_or(path.to_path_buf()), stamp])));
    if let Ok(known) = std::fs::read_to_string(&sidecar) {
        return Ok(known.trim().to_string());
    }
    let mut file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).with_context(|| format!("hashing {}", path.display()))?;
    let digest = hex::encode(hasher.finalize());
    let _ = fsx::write_atomic(&sidecar, digest.as_bytes());
    Ok(digest)
}

/// A cache entry: `<dir>/<key>.safetensors` with `<key>.json` beside it.
pub struct Entry {
    pub tensors: PathBuf,
    pub meta: PathBuf,
}

/// The entry `key` of the cache `kind` under `cache`.
pub fn entry(cache: &Path, kind: &str, key: &str) -> Entry {
    let dir = cache.join(kind);
    Entry { tensors: dir.join(format!("{key}.safetensors")), meta: dir.join(format!("{key}.json")) }
}

impl Entry {
    pub fn exists(&self) -> bool {
        self.tensors.is_file() && self.meta.is_file()
    }

    pub fn load(&self) -> Result<(Vec<(String, Tensor)>, serde_json::Value)> {
        let tensors = Tensor::read_safetensors(&self.tensors).with_context(|| format!("reading cache {}", self.tensors.display()))?;
        let meta = serde_json::from_str(&std::fs::read_to_string(&self.meta)?).with_context(|| format!("reading {}", self.meta.display()))?;
        Ok((tensors, meta))
    }

    pub fn save(&self, tensors: &[(&str, &Tensor)], meta: &serde_json::Value) -> Result<()> {
        fsx::write_atomic_with(&self.tensors, |tmp| Ok(Tensor::write_safetensors(tensors, tmp)?)).context("storing cached tensors")?;
        fsx::write_json_atomic(&self.meta, meta)
    }
}

/// A generated data set at `<cache>/datasets/<name>`, written by `write` into a staging
/// folder on first use and moved into place whole; `marker` (a path inside it) says it
/// is complete.
pub fn generated_dataset(paths: &Paths, name: &str, marker: &str, write: impl FnOnce(&Path) -> Result<()>) -> Result<PathBuf> {
    fsx::create_dir_once(&paths.dataset(name), marker, write)
}
