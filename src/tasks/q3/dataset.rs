//! Which data set a Q3 experiment reads: the real Stanford Dogs in the cache, the
//! generated demo set (made on first use), or a folder in the same layout.
use crate::data::stanford_dogs::{Split, StanfordDogs};
use crate::data::synth_dogs::{write_dataset, DogsLikeSpec};
use anyhow::{Context, Result};
use std::path::PathBuf;

/// The demo's generated set: 12 colour-shape classes, 40 train and 20 test images each.
pub fn demo_spec() -> DogsLikeSpec {
    DogsLikeSpec { classes: 12, train_per_class: 40, test_per_class: 20, image_size: 64, seed: 1 }
}

/// The data set's folder and an id for cache keys.
pub fn resolve(dataset: &str) -> Result<(PathBuf, String)> {
    match dataset {
        "demo" => {
            let root = crate::paths::cache().join("datasets").join("demo-dogs-v1");
            if !root.join("test_list.mat").is_file() {
                let parent = root.parent().context("cache path")?;
                std::fs::create_dir_all(parent)?;
                let tmp = tempfile::tempdir_in(parent)?;
                write_dataset(tmp.path(), &demo_spec())?;
                let staged = tmp.keep();
                if std::fs::rename(&staged, &root).is_err() && !root.join("test_list.mat").is_file() {
                    anyhow::bail!("could not place the generated data set at {}", root.display());
                }
            }
            Ok((root, "demo-dogs-v1".into()))
        }
        "stanford-dogs" => Ok((crate::paths::cache().join("datasets").join("stanford-dogs"), "stanford-dogs".into())),
        path => Ok((PathBuf::from(path), format!("path:{path}"))),
    }
}

pub fn open(dataset: &str, split: Split) -> Result<(StanfordDogs, String)> {
    let (root, id) = resolve(dataset)?;
    let data = StanfordDogs::open(&root, split)?;
    Ok((data, format!("{id}:{split:?}")))
}
