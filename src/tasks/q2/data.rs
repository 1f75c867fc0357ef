//! The images the MoCo runs train and evaluate on: CIFAR-10, generated shapes, or a user's
//! folder, as u8 [N, 3, S, S] with labels where there are any; and the offline copies of
//! study (c).
use super::params::MocoParams;
use crate::data::cifar10::Cifar10;
use crate::data::image_folder;
use crate::data::moco_augment::Augment;
use crate::data::split::per_class_holdout;
use crate::data::synth;
use crate::paths::Paths;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use tch::{Kind, Tensor};

pub struct Images {
    /// u8 [N, 3, S, S] on the CPU.
    pub images: Tensor,
    pub labels: Option<Vec<i64>>,
}

impl Images {
    pub fn len(&self) -> usize {
        self.images.size()[0] as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The images at `index`, in that order.
    pub fn take(&self, index: &[usize]) -> Images {
        let t = Tensor::from_slice(&index.iter().map(|&i| i as i64).collect::<Vec<_>>());
        Images { images: self.images.index_select(0, &t), labels: self.labels.as_ref().map(|l| index.iter().map(|&i| l[i]).collect()) }
    }

    /// `limit` images spread evenly over the set (all when 0 or more than there are).
    pub fn spread(&self, limit: usize) -> Images {
        let n = self.len();
        if limit == 0 || limit >= n {
            return self.take(&(0..n).collect::<Vec<_>>());
        }
        self.take(&(0..limit).map(|i| i * n / limit).collect::<Vec<_>>())
    }
}

pub struct Dataset {
    pub name: String,
    pub classes: Vec<String>,
    pub train: Images,
    /// None for an unlabelled folder: nothing can be scored.
    pub test: Option<Images>,
    pub skipped: Vec<(PathBuf, String)>,
}

fn to_u8(x: &Tensor) -> Tensor {
    (x * 255.0).round().clamp(0.0, 255.0).to_kind(Kind::Uint8)
}

fn labels_of(t: &Tensor) -> Vec<i64> {
    Vec::try_from(&t.to_kind(Kind::Int64)).unwrap_or_default()
}

pub fn open(p: &MocoParams, paths: &Paths, seed: u64) -> Result<Dataset> {
    let side = p.image_size;
    match p.dataset.as_str() {
        "demo" => {
            let classes = p.demo_classes as usize;
            let train = synth::shapes(p.demo_train as usize, classes, side as usize, seed ^ 0x4d4f_434f);
            let test = synth::shapes(p.demo_test as usize, classes, side as usize, seed ^ 0x5445_5354);
            Ok(Dataset {
                name: "demo".into(),
                classes: train.class_names.clone(),
                train: Images { images: to_u8(&train.images), labels: Some(labels_of(&train.labels)) },
                test: Some(Images { images: to_u8(&test.images), labels: Some(labels_of(&test.labels)) }),
                skipped: Vec::new(),
            })
        }
        "cifar10" => {
            let root = paths.dataset("cifar10");
            let data = Cifar10::open(&root).with_context(|| format!("CIFAR-10 is not readable in {}; run `adaptlab fetch cifar10`", root.display()))?;
            let resize = |x: &Tensor| if side == 32 { x.shallow_clone() } else { to_u8(&(x.to_kind(Kind::Float) / 255.0).upsample_bilinear2d([side, side], false, None, None)) };
            Ok(Dataset {
                name: "cifar10".into(),
                classes: data.classes.clone(),
                train: Images { images: resize(&data.train.images), labels: Some(data.train.labels.clone()) },
                test: Some(Images { images: resize(&data.test.images), labels: Some(data.test.labels.clone()) }),
                skipped: Vec::new(),
            })
        }
        folder => open_folder(Path::new(folder), p, seed),
    }
}

/// `train/` and `test/` when the folder has both, else the folder itself with a held-out
/// share of each class for testing (none when it is unlabelled).
fn open_folder(root: &Path, p: &MocoParams, seed: u64) -> Result<Dataset> {
    let side = p.image_size as usize;
    let name = root.display().to_string();
    if root.join("train").is_dir() && root.join("test").is_dir() {
        let train = image_folder::read(&root.join("train"), side)?;
        let test = image_folder::read(&root.join("test"), side)?;
        let mut skipped = train.skipped;
        skipped.extend(test.skipped);
        let test_images = Images { images: test.images, labels: test.labels };
        return Ok(Dataset { name, classes: train.classes, train: Images { images: train.images, labels: train.labels }, test: test_images.labels.is_some().then_some(test_images), skipped });
    }
    let all = image_folder::read(root, side)?;
    let images = Images { images: all.images, labels: all.labels };
    let Some(labels) = images.labels.clone() else {
        return Ok(Dataset { name, classes: Vec::new(), train: images, test: None, skipped: all.skipped });
    };
    let as_usize: Vec<usize> = labels.iter().map(|&l| l as usize).collect();
    let (kept, held) = per_class_holdout(&as_usize, p.holdout, seed);
    let test = (!held.is_empty()).then(|| images.take(&held));
    Ok(Dataset { name, classes: all.classes, train: images.take(&kept), test, skipped: all.skipped })
}

/// Which training images' labels the evaluation may use: `fraction` of each class.
pub fn labelled(labels: &[i64], fraction: f64, seed: u64) -> Vec<usize> {
    let as_usize: Vec<usize> = labels.iter().map(|&l| l as usize).collect();
    let (_, held) = per_class_holdout(&as_usize, fraction, seed ^ 0x4c41_4245);
    let mut held = held;
    held.sort_unstable();
    held
}

/// `copies` augmented copies of every image (MoCo v2's recipe drawn from `seed`), after the
/// originals: the offline-augmented set, and for each of its images the original's index.
pub fn offline_copies(originals: &Tensor, copies: u32, seed: u64) -> (Tensor, Vec<i64>) {
    let (n, _, side, _) = originals.size4().expect("images [N, 3, S, S]");
    let aug = Augment::moco_v2(side);
    let mut parts = vec![originals.shallow_clone()];
    let mut sources: Vec<i64> = (0..n).collect();
    for c in 0..copies {
        let keys: Vec<u64> = (0..n).map(|i| crate::train::classifier::mix(seed ^ 0x4f46_464c, (u64::from(c) << 32) | i as u64)).collect();
        parts.push(to_u8(&aug.pixels(originals, &keys)));
        sources.extend(0..n);
    }
    (Tensor::cat(&parts, 0), sources)
}
