//! Q4's data sets:
//! - `hezarai/sentiment-dksf` (Digikala and SnappFood comments; text, label 0 negative,
//!   1 positive, 2 neutral): every parquet or CSV file the hub's tree lists, into the hub
//!   cache, LFS files checked against their sha256;
//! - ParsiNLU's multiple-choice questions (train.jsonl, test.jsonl of the persiannlp/parsinlu
//!   repository) from its raw files into `$ADAPTLAB_CACHE/datasets/parsinlu-multiple-choice`.
//!   The repository publishes no checksums, so the first download's sha256 is written to
//!   SHA256SUMS beside the files and every later use verifies against it (a `--sha256`
//!   given by the user is checked on the first download too).
use super::download::{download, get_text, sha256_file, Progress};
use super::hf;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

pub const SENTIMENT_REPO: &str = "hezarai/sentiment-dksf";
pub const PARSINLU_BASE: &str = "https://raw.githubusercontent.com/persiannlp/parsinlu/master/data/multiple-choice";
pub const PARSINLU_FILES: [&str; 2] = ["train.jsonl", "test.jsonl"];
const SUMS: &str = "SHA256SUMS";

pub fn is_data_file(path: &str) -> bool {
    path.ends_with(".parquet") || path.ends_with(".csv")
}

/// The newest cached snapshot of sentiment-dksf holding data files, if any.
pub fn sentiment_snapshot(hub_cache: &Path) -> Option<PathBuf> {
    let mut snaps: Vec<PathBuf> = std::fs::read_dir(hf::dataset_dir(hub_cache, SENTIMENT_REPO).join("snapshots")).ok()?.flatten().map(|e| e.path()).collect();
    snaps.sort();
    snaps.into_iter().rev().find(|s| !data_files(s).is_empty())
}

/// Every parquet/CSV file under `dir`, sorted.
pub fn data_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if is_data_file(&path.to_string_lossy()) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Downloads sentiment-dksf's data files at `revision`; returns the snapshot folder.
pub fn fetch_sentiment(endpoint: &str, hub_cache: &Path, revision: &str, progress: &Progress) -> Result<PathBuf> {
    let url = format!("{endpoint}/api/datasets/{SENTIMENT_REPO}/tree/{revision}?recursive=true");
    let listing: serde_json::Value = serde_json::from_str(&get_text(&url, hf::token().as_deref())?).with_context(|| format!("{url}: not a JSON listing"))?;
    let files: Vec<(String, Option<String>)> = listing
        .as_array()
        .with_context(|| format!("{url}: expected a list of files"))?
        .iter()
        .filter(|f| f["type"].as_str() != Some("directory"))
        .filter_map(|f| {
            let path = f["path"].as_str()?;
            is_data_file(path).then(|| (path.to_string(), f["lfs"]["oid"].as_str().map(String::from)))
        })
        .collect();
    if files.is_empty() {
        bail!("{url} lists no parquet or CSV files");
    }
    hf::fetch_dataset_files(endpoint, hub_cache, SENTIMENT_REPO, revision, &files, progress)
}

pub fn parsinlu_dir(cache: &Path) -> PathBuf {
    cache.join("datasets").join("parsinlu-multiple-choice")
}

fn read_sums(dir: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(dir.join(SUMS))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once("  ").map(|(sha, name)| (name.trim().to_string(), sha.trim().to_string())))
        .collect()
}

/// Checks every file listed in SHA256SUMS; returns the folder when all match.
pub fn verify_parsinlu(cache: &Path) -> Result<PathBuf> {
    let dir = parsinlu_dir(cache);
    let sums = read_sums(&dir);
    if sums.is_empty() {
        bail!("ParsiNLU's multiple-choice files are not in {}; run `adaptlab fetch parsinlu`", dir.display());
    }
    for (name, want) in &sums {
        let path = dir.join(name);
        let got = sha256_file(&path).with_context(|| format!("{} is missing; run `adaptlab fetch parsinlu` again", path.display()))?;
        if &got != want {
            bail!("{} has sha256 {got}, but {} recorded {want} when it was downloaded: the file changed; delete it and run `adaptlab fetch parsinlu`", path.display(), dir.join(SUMS).display());
        }
    }
    Ok(dir)
}

/// Downloads the files from `base` (an http(s) or file:// URL of the folder) unless they
/// are there and verify; `expected` holds (file, sha256) the user gave.
pub fn fetch_parsinlu(base: &str, cache: &Path, expected: &[(String, String)], progress: &Progress) -> Result<(PathBuf, Vec<(String, String)>)> {
    let dir = parsinlu_dir(cache);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut sums = read_sums(&dir);
    for name in PARSINLU_FILES {
        let path = dir.join(name);
        let want = expected.iter().find(|(f, _)| f == name).map(|(_, s)| s.to_lowercase()).or_else(|| sums.iter().find(|(f, _)| f == name).map(|(_, s)| s.clone()));
        if !path.is_file() {
            eprintln!("{name}");
            download(&format!("{}/{name}", base.trim_end_matches('/')), &path, want.as_deref(), None, progress)?;
        }
        let got = sha256_file(&path)?;
        if let Some(w) = &want {
            if &got != w {
                bail!("{} has sha256 {got}, expected {w}; delete it and fetch again (or check the checksum you gave)", path.display());
            }
        }
        sums.retain(|(f, _)| f != name);
        sums.push((name.to_string(), got));
    }
    let text: String = sums.iter().map(|(f, s)| format!("{s}  {f}\n")).collect();
    crate::fsx::write_atomic(&dir.join(SUMS), text.as_bytes())?;
    Ok((dir, sums))
}
