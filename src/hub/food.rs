//! `adaptlab fetch food101`, from either source:
//! - `hub`: the Hugging Face hub's parquet files of `ethz/food101`, listed through the
//!   hub's tree API and stored in the hub cache layout (`datasets--ethz--food101`), each
//!   verified against its LFS sha256;
//! - `official`: ETH Zürich's food-101.tar.gz (4.65 GiB), verified by the MD5 that
//!   torchvision also checks, unpacked, read once to check it is complete, then moved
//!   into `$ADAPTLAB_CACHE/datasets/food101`.
use super::download::{download, get_text, Progress};
use super::hf;
use crate::data::food101::Food101;
use anyhow::{bail, Context, Result};
use std::io::Read;
use std::path::{Path, PathBuf};

pub const HUB_REPO: &str = "ethz/food101";
pub const OFFICIAL_URL: &str = "http://data.vision.ee.ethz.ch/cvl/food-101.tar.gz";
pub const OFFICIAL_MD5: &str = "85eeb15f3717b99a5da872d97d918f87";

#[derive(Debug)]
pub struct Fetched {
    pub root: PathBuf,
    pub classes: usize,
    pub train: usize,
    pub test: usize,
}

fn summary(data: &Food101) -> Fetched {
    Fetched { root: data.root.clone(), classes: data.num_classes(), train: data.train.len(), test: data.test.len() }
}

/// A snapshot of the hub's parquet files already in the cache, if any.
pub fn cached_snapshot(hub_cache: &Path) -> Option<PathBuf> {
    let mut snaps: Vec<PathBuf> = std::fs::read_dir(hf::dataset_dir(hub_cache, HUB_REPO).join("snapshots")).ok()?.flatten().map(|e| e.path()).filter(|p| p.join("data").is_dir()).collect();
    snaps.sort();
    snaps.pop()
}

/// Downloads every `data/*.parquet` of the repository at `revision` from `endpoint`.
pub fn fetch_hub(endpoint: &str, hub_cache: &Path, revision: &str, progress: &Progress) -> Result<Fetched> {
    let listing_url = format!("{endpoint}/api/datasets/{HUB_REPO}/tree/{revision}/data");
    let listing: serde_json::Value = serde_json::from_str(&get_text(&listing_url, hf::token().as_deref())?).with_context(|| format!("{listing_url}: not a JSON listing"))?;
    let files: Vec<(String, Option<String>)> = listing
        .as_array()
        .with_context(|| format!("{listing_url}: expected a list of files"))?
        .iter()
        .filter_map(|f| {
            let path = f["path"].as_str()?;
            path.ends_with(".parquet").then(|| (path.to_string(), f["lfs"]["oid"].as_str().map(String::from)))
        })
        .collect();
    if files.is_empty() {
        bail!("{listing_url} lists no parquet files");
    }
    let snapshot = hf::fetch_dataset_files(endpoint, hub_cache, HUB_REPO, revision, &files, progress)?;
    let data = Food101::open(&snapshot).context("the downloaded parquet files do not read as Food-101")?;
    Ok(summary(&data))
}

/// Downloads and unpacks the official archive into `cache`/datasets/food101, unless a
/// complete copy is there. `md5` None skips the check (a mirror of another archive).
pub fn fetch_official(url: &str, md5: Option<&str>, cache: &Path, progress: &Progress) -> Result<Fetched> {
    let root = cache.join("datasets").join("food101");
    if let Ok(data) = Food101::open(&root) {
        return Ok(summary(&data));
    }
    let archive = cache.join("downloads").join("food-101.tar.gz");
    download_checked(url, &archive, md5, progress)?;
    let mut checked = None;
    crate::fsx::replace_dir(&root, |staging| {
        let file = std::fs::File::open(&archive)?;
        tar::Archive::new(flate2::read::GzDecoder::new(file))
            .unpack(staging)
            .with_context(|| format!("unpacking {} (corrupt download? delete it and fetch again)", archive.display()))?;
        let found = summary(&Food101::open(staging).context("the unpacked archive is not a complete Food-101")?);
        // Where the data sits inside the unpacked tree (the archive's `food-101/`).
        let inner = found.root.strip_prefix(staging).map(Path::to_path_buf).unwrap_or_default();
        checked = Some((found, inner));
        Ok(())
    })?;
    let (checked, inner) = checked.context("the archive was unpacked")?;
    Ok(Fetched { root: root.join(inner), ..checked })
}

/// Downloads `url` to `archive` (resuming a partial file) unless it is there, then checks its
/// MD5 when one is given; a mismatch removes the file so the next attempt starts clean.
pub fn download_checked(url: &str, archive: &Path, md5: Option<&str>, progress: &Progress) -> Result<()> {
    if !archive.is_file() {
        download(url, archive, None, None, progress)?;
    }
    if let Some(expected) = md5 {
        let actual = md5_file(archive)?;
        if !actual.eq_ignore_ascii_case(expected) {
            std::fs::remove_file(archive).ok();
            bail!("{url}: MD5 is {actual}, expected {expected}; the download was removed, run the command again");
        }
    }
    Ok(())
}

pub fn md5_file(path: &Path) -> Result<String> {
    use md5::{Digest, Md5};
    let mut file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut hasher = Md5::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}
