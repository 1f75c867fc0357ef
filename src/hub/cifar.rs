//! `adaptlab fetch cifar10`: the authors' Python-version archive, MD5-checked, unpacked into
//! `$ADAPTLAB_CACHE/datasets/cifar10` whole or not at all, and read back before it counts.
use super::download::Progress;
use super::food::download_checked;
use crate::data::cifar10::Cifar10;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// Where the data set is kept under the cache.
pub fn root(cache: &Path) -> PathBuf {
    cache.join("datasets").join("cifar10")
}

/// Downloads (resuming a partial file), checks and unpacks the archive at `url`, unless a
/// readable copy is there already. `md5` None skips the check (a mirror of another archive).
/// Returns the folder and the numbers of training and test images.
pub fn fetch(url: &str, md5: Option<&str>, cache: &Path, progress: &Progress) -> Result<(PathBuf, usize, usize)> {
    let root = root(cache);
    if let Ok(data) = Cifar10::open(&root) {
        return Ok((root, data.train.labels.len(), data.test.labels.len()));
    }
    let archive = cache.join("downloads").join("cifar-10-python.tar.gz");
    download_checked(url, &archive, md5, progress)?;
    let mut counts = (0, 0);
    crate::fsx::replace_dir(&root, |staging| {
        let file = std::fs::File::open(&archive)?;
        tar::Archive::new(flate2::read::GzDecoder::new(file))
            .unpack(staging)
            .with_context(|| format!("unpacking {} (corrupt download? delete it and fetch again)", archive.display()))?;
        let data = Cifar10::open(staging).context("the unpacked archive is not a complete CIFAR-10")?;
        counts = (data.train.labels.len(), data.test.labels.len());
        Ok(())
    })?;
    Ok((root, counts.0, counts.1))
}
