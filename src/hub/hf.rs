//! The Hugging Face hub's download protocol and cache layout, shared with the Python
//! libraries: `<cache>/models--org--name/blobs/<etag>`, `snapshots/<commit>/<file>`
//! (a symlink to the blob) and `refs/<revision>` holding the commit. A file already in
//! the cache is reused; LFS files are verified against their sha256 ETag.
use super::download::{download, head, Progress};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

pub fn endpoint() -> String {
    std::env::var("HF_ENDPOINT").ok().filter(|s| !s.is_empty()).unwrap_or_else(|| "https://huggingface.co".into())
}

pub fn token() -> Option<String> {
    std::env::var("HF_TOKEN").ok().filter(|s| !s.is_empty())
}

pub fn offline() -> bool {
    std::env::var("HF_HUB_OFFLINE").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

pub fn repo_dir(cache: &Path, repo: &str) -> PathBuf {
    cache.join(format!("models--{}", repo.replace('/', "--")))
}

/// A data set repository's folder (`datasets--org--name`).
pub fn dataset_dir(cache: &Path, repo: &str) -> PathBuf {
    cache.join(format!("datasets--{}", repo.replace('/', "--")))
}

/// Downloads the (path, LFS sha256) `files` of a data set repository at `revision` into
/// its blobs, each verified when its sha256 is known, and links them into the snapshot
/// named by the revision (a commit id is what the hub would give); returns the snapshot.
pub fn fetch_dataset_files(endpoint: &str, hub_cache: &Path, repo: &str, revision: &str, files: &[(String, Option<String>)], progress: &Progress) -> Result<PathBuf> {
    let root = dataset_dir(hub_cache, repo);
    let snapshot = root.join("snapshots").join(revision);
    for (path, sha) in files {
        let blob_name = sha.clone().unwrap_or_else(|| path.replace('/', "_"));
        let blob = root.join("blobs").join(&blob_name);
        if !blob.is_file() {
            eprintln!("{path}");
            download(&format!("{endpoint}/datasets/{repo}/resolve/{revision}/{path}"), &blob, sha.as_deref(), token().as_deref(), progress)?;
        }
        let link = snapshot.join(path);
        if !link.exists() {
            std::fs::create_dir_all(link.parent().context("snapshot path")?)?;
            let depth = path.matches('/').count() + 2;
            let relative = PathBuf::from("../".repeat(depth)).join("blobs").join(&blob_name);
            #[cfg(unix)]
            std::os::unix::fs::symlink(&relative, &link).or_else(|_| std::fs::copy(&blob, &link).map(|_| ()))?;
            #[cfg(not(unix))]
            std::fs::copy(&blob, &link)?;
        }
    }
    Ok(snapshot)
}

/// The snapshot folder of `revision` (a branch resolved through `refs/`, or a commit).
pub fn snapshot_dir(cache: &Path, repo: &str, revision: &str) -> PathBuf {
    let dir = repo_dir(cache, repo);
    let commit = std::fs::read_to_string(dir.join("refs").join(revision)).ok().map(|s| s.trim().to_string()).unwrap_or_else(|| revision.to_string());
    dir.join("snapshots").join(commit)
}

/// The cached file for `revision`, if `refs/<revision>` and the snapshot exist.
pub fn cached(cache: &Path, repo: &str, revision: &str, filename: &str) -> Option<PathBuf> {
    let path = snapshot_dir(cache, repo, revision).join(filename);
    path.is_file().then_some(path)
}

/// The first of `filenames` present in any snapshot of `repo` (newest commit name last
/// in sort order wins), for files placed in the cache by any tool.
pub fn any_snapshot_file(cache: &Path, repo: &str, filenames: &[&str]) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo_dir(cache, repo).join("snapshots")).ok()?.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    dirs.sort();
    dirs.iter().rev().find_map(|d| filenames.iter().map(|f| d.join(f)).find(|p| p.is_file()))
}

/// Returns the local path of `filename` in `repo`, downloading it into the cache first
/// unless it is there (or `offline`, which only looks).
pub fn fetch(endpoint: &str, cache: &Path, repo: &str, revision: &str, filename: &str, offline: bool, progress: &Progress) -> Result<PathBuf> {
    if let Some(path) = cached(cache, repo, revision, filename) {
        return Ok(path);
    }
    if offline {
        bail!(
            "{repo}/{filename} ({revision}) is not in the hub cache {} and offline mode is on; \
             download it on a machine with internet (`adaptlab fetch`) and copy the cache folder",
            cache.display()
        );
    }
    let url = format!("{endpoint}/{repo}/resolve/{revision}/{filename}");
    let (status, headers) = head(&url, token().as_deref())?;
    let get = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim_matches('"').to_string());
    match status {
        200 | 301 | 302 | 303 | 307 | 308 => {}
        401 | 403 => bail!("{url}: HTTP {status}; the repository may be gated: accept its terms on the hub and set HF_TOKEN"),
        404 => bail!("{url}: no such file in {repo} at {revision}"),
        other => bail!("{url}: HTTP {other}"),
    }
    let commit = get("x-repo-commit").unwrap_or_else(|| revision.to_string());
    // LFS files carry their sha256 as the linked ETag; small files a git hash.
    let lfs_sha = get("x-linked-etag").filter(|e| e.len() == 64 && e.chars().all(|c| c.is_ascii_hexdigit()));
    let etag = lfs_sha.clone().or_else(|| get("etag")).unwrap_or_else(|| commit.clone());
    let dir = repo_dir(cache, repo);
    let blob = dir.join("blobs").join(&etag);
    if !blob.is_file() {
        let target = get("location").map(|l| if l.starts_with('/') { format!("{endpoint}{l}") } else { l }).unwrap_or(url.clone());
        download(&target, &blob, lfs_sha.as_deref(), token().as_deref(), progress)?;
    }
    let snapshot = dir.join("snapshots").join(&commit);
    let link = snapshot.join(filename);
    // Files in subfolders (`onnx/model.onnx`) link one level further up per folder.
    let parent = link.parent().unwrap_or(&snapshot);
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    if !link.exists() {
        let up = "../".repeat(filename.split('/').count() + 1);
        let relative = PathBuf::from(format!("{up}blobs")).join(&etag);
        #[cfg(unix)]
        std::os::unix::fs::symlink(&relative, &link).or_else(|_| std::fs::copy(&blob, &link).map(|_| ())).with_context(|| format!("linking {}", link.display()))?;
        #[cfg(not(unix))]
        std::fs::copy(&blob, &link).with_context(|| format!("copying {}", link.display()))?;
    }
    std::fs::create_dir_all(dir.join("refs"))?;
    if revision != commit {
        crate::fsx::write_atomic(&dir.join("refs").join(revision), commit.as_bytes())?;
    }
    Ok(link)
}
