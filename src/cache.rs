//! Content-addressed caches under `$ADAPTLAB_CACHE`: a key is the sha256 of everything
//! that decides the content (model id, weights hash, data split, transform, file list),
//! tensors are safetensors and metadata JSON, and every write is temp-file + rename.
use crate::store::atomic;
use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use tch::Tensor;

pub fn key(parts: &serde_json::Value) -> String {
    hex::encode(Sha256::digest(parts.to_string().as_bytes()))
}

/// sha256 of a file, remembered in a sidecar keyed by size and modification time so a
/// multi-gigabyte checkpoint is hashed once.
pub fn file_sha256(path: &Path) -> Result<String> {
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    let stamp = format!("{}:{:?}", meta.len(), meta.modified().ok());
    let sidecar = crate::paths::cache().join("sha256").join(key(&serde_json::json!([path.canonicalize().unwrap_or(path.to_path_buf()), stamp])));
    if let Ok(known) = std::fs::read_to_string(&sidecar) {
        return Ok(known.trim().to_string());
    }
    let mut file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).with_context(|| format!("hashing {}", path.display()))?;
    let digest = hex::encode(hasher.finalize());
    let _ = atomic::write(&sidecar, digest.as_bytes());
    Ok(digest)
}

/// A cache entry: `<dir>/<key>.safetensors` with `<key>.json` beside it.
pub struct Entry {
    pub tensors: PathBuf,
    pub meta: PathBuf,
}

pub fn entry(kind: &str, key: &str) -> Entry {
    let dir = crate::paths::cache().join(kind);
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
        let dir = self.tensors.parent().context("cache entry has a directory")?;
        std::fs::create_dir_all(dir)?;
        let tmp = tempfile::NamedTempFile::new_in(dir)?;
        Tensor::write_safetensors(tensors, tmp.path()).context("writing cached tensors")?;
        tmp.persist(&self.tensors).context("storing cached tensors")?;
        atomic::write_json(&self.meta, meta)
    }
}

/// A generated data set at `$ADAPTLAB_CACHE/datasets/<name>`, written by `write` into a
/// staging folder on first use and moved into place whole; `marker` (a path inside it)
/// says it is complete.
pub fn generated_dataset(name: &str, marker: &str, write: impl FnOnce(&Path) -> Result<()>) -> Result<PathBuf> {
    let root = crate::paths::cache().join("datasets").join(name);
    if !root.join(marker).is_file() {
        let parent = root.parent().context("cache path")?;
        std::fs::create_dir_all(parent)?;
        let tmp = tempfile::tempdir_in(parent)?;
        write(tmp.path())?;
        let staged = tmp.keep();
        // Another process may have placed it meanwhile; theirs is as good as ours.
        if std::fs::rename(&staged, &root).is_err() && !root.join(marker).is_file() {
            anyhow::bail!("could not place the generated data set at {}", root.display());
        }
    }
    Ok(root)
}
