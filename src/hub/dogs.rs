//! `adaptlab fetch stanford-dogs`: the official images.tar and lists.tar, downloaded with
//! resume, unpacked into a staging folder, and checked by reading both splits (every
//! listed image must exist) before the data set is moved into place.
use super::download::{download, Progress};
use crate::data::stanford_dogs::{Split, StanfordDogs};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

pub const OFFICIAL_BASE: &str = "http://vision.stanford.edu/aditya86/ImageNetDogs";
pub const FILES: [&str; 2] = ["lists.tar", "images.tar"];

#[derive(Debug)]
pub struct Fetched {
    pub root: PathBuf,
    pub train: usize,
    pub test: usize,
    pub classes: usize,
}

/// Downloads from `base` (an http(s) or file:// URL) into `cache`/downloads and unpacks
/// into `cache`/datasets/stanford-dogs, unless a valid copy is already there.
pub fn fetch(base: &str, cache: &Path, progress: &Progress) -> Result<Fetched> {
    let root = cache.join("datasets").join("stanford-dogs");
    if let Ok(f) = verify(&root) {
        return Ok(f);
    }
    let downloads = cache.join("downloads").join("stanford-dogs");
    for name in FILES {
        let dest = downloads.join(name);
        if !dest.is_file() {
            download(&format!("{}/{name}", base.trim_end_matches('/')), &dest, None, None, progress)?;
        }
    }
    let mut checked = None;
    crate::fsx::replace_dir(&root, |staging| {
        for name in FILES {
            let file = std::fs::File::open(downloads.join(name))?;
            // tar's unpack refuses entries that would escape the folder.
            tar::Archive::new(file)
                .unpack(staging)
                .with_context(|| format!("unpacking {name} (corrupt download? delete {} and fetch again)", downloads.join(name).display()))?;
        }
        checked = Some(verify(staging).context("the unpacked archives are not a complete Stanford Dogs")?);
        Ok(())
    })?;
    let checked = checked.context("the archives were unpacked")?;
    Ok(Fetched { root, ..checked })
}

fn verify(root: &Path) -> Result<Fetched> {
    let train = StanfordDogs::open(root, Split::Train)?;
    let test = StanfordDogs::open(root, Split::Test)?;
    Ok(Fetched { root: root.to_path_buf(), train: train.items.len(), test: test.items.len(), classes: train.classes.len() })
}
