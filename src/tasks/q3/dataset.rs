//! Which data set a Q3 experiment reads: the real Stanford Dogs in the cache, the
//! generated demo set (made on first use), or a folder in the same layout.
use crate::data::stanford_dogs::{Split, StanfordDogs};
use crate::data::synth_dogs::{write_dataset, DogsLikeSpec};
use crate::paths::Paths;
use anyhow::Result;
use std::path::PathBuf;

/// The demo's generated set: 12 colour-shape classes, 40 train and 20 test images each.
pub fn demo_spec() -> DogsLikeSpec {
    DogsLikeSpec { classes: 12, train_per_class: 40, test_per_class: 20, image_size: 64, seed: 1 }
}

/// The data set's folder and an id for cache keys.
pub fn resolve(paths: &Paths, dataset: &str) -> Result<(PathBuf, String)> {
    match dataset {
        "demo" => Ok((crate::cache::generated_dataset(paths, "demo-dogs-v1", "test_list.mat", |dir| write_dataset(dir, &demo_spec()))?, "demo-dogs-v1".into())),
        "stanford-dogs" => Ok((paths.dataset("stanford-dogs"), "stanford-dogs".into())),
        path => Ok((PathBuf::from(path), format!("path:{path}"))),
    }
}

pub fn open(paths: &Paths, dataset: &str, split: Split) -> Result<(StanfordDogs, String)> {
    let (root, id) = resolve(paths, dataset)?;
    let data = StanfordDogs::open(&root, split)?;
    Ok((data, format!("{id}:{split:?}")))
}
