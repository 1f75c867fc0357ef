//! Which Food-101 a Q5 experiment reads: the fetched data set, the generated demo set
//! (made on first use), or a folder in either layout; and the train/eval split.
use crate::paths::Paths;
use crate::data::food101::{subset_split, Example, Food101};
use crate::data::loader::ImageRef;
use crate::data::synth_food::{write_dataset, FoodLikeSpec};
use anyhow::{Context, Result};
use std::path::PathBuf;

/// The demo's generated set: 10 dishes, 60 train and 20 test images each, 48 px.
pub fn demo_spec() -> FoodLikeSpec {
    FoodLikeSpec { train_per_class: 60, test_per_class: 20, image_size: 48, seed: 5 }
}

const DEMO_DIR: &str = "demo-food-v1";

pub fn resolve(paths: &Paths, dataset: &str) -> Result<PathBuf> {
    match dataset {
        "demo" => crate::cache::generated_dataset(paths, DEMO_DIR, "food-101/meta/test.txt", |dir| write_dataset(dir, &demo_spec())),
        // The official archive unpacked by `fetch food101 --source official`, else the
        // hub's parquet files in the hub cache.
        "food101" => {
            let official = paths.dataset("food101");
            if official.is_dir() {
                return Ok(official);
            }
            crate::hub::food::cached_snapshot(&paths.hub)
                .with_context(|| format!("Food-101 is not in {} nor in the hub cache; run `adaptlab fetch food101`", official.display()))
        }
        path => Ok(PathBuf::from(path)),
    }
}

/// The examples a run trains and evaluates on.
pub struct Splits {
    pub data: Food101,
    pub train: Vec<(ImageRef, usize)>,
    pub eval: Vec<(ImageRef, usize)>,
    /// "validation (10% of train[:5000])" or "test".
    pub eval_name: String,
}

pub fn open(paths: &Paths, dataset: &str, subset: u32, validation: f64, seed: u64) -> Result<Splits> {
    let data = Food101::open(&resolve(paths, dataset)?)?;
    let pairs = |v: Vec<Example>| v.into_iter().map(|e| (e.image, e.label)).collect::<Vec<_>>();
    let (train, eval, eval_name) = if subset == 0 {
        (pairs(data.train.clone()), pairs(data.test.clone()), "test split".to_string())
    } else {
        let (t, v) = subset_split(&data.train, data.layout, subset as usize, validation, seed);
        let name = format!("{:.0}% of the first {} training images, held out", validation * 100.0, subset.min(data.train.len() as u32));
        (pairs(t), pairs(v), name)
    };
    anyhow::ensure!(!train.is_empty() && !eval.is_empty(), "the split leaves no training or no evaluation images (subset {subset}, validation {validation})");
    Ok(Splits { data, train, eval, eval_name })
}
