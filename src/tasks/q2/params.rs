//! Params of `moco`: the data, the encoder and the recipe shared by every run, and one
//! block per study.
use crate::nn::moco::FalseNegatives;
use crate::spec::validate::{Validate, Violations};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Study {
    /// (a) the key encoder's momentum.
    Momentum,
    /// (b) the number of queued negatives.
    Queue,
    /// (c) 2,000 images, offline copies, false negatives.
    Offline,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MocoParams {
    /// `cifar10` (after `adaptlab fetch cifar10`), `demo` (generated shapes), or a folder of
    /// images (class sub-folders optional; `train/` and `test/` inside are used as such).
    pub dataset: String,
    /// Side the images are kept and viewed at.
    pub image_size: i64,
    /// Training images used by studies (a) and (b) (spread over the set); 0: all.
    pub subset: u32,
    /// Test images scored; 0: all.
    pub test_limit: u32,
    /// For a labelled folder without `test/`: the share of each class held out for testing.
    pub holdout: f64,
    /// Demo data only: generated training and test images and their classes.
    pub demo_train: u32,
    pub demo_test: u32,
    pub demo_classes: u32,
    /// `resnet18` or `resnet50` (torchvision's layout).
    pub encoder: String,
    /// Channels of the first stage (64 is torchvision's; the CPU demo narrows it).
    pub width: i64,
    /// The 3×3 stem without max-pool for small images (the CIFAR demo's).
    pub cifar_stem: bool,
    /// BatchNorm groups emulating shuffled BN on one device (the demo's 8).
    pub bn_splits: i64,
    pub dim: i64,
    pub mlp_head: bool,
    pub temperature: f64,
    pub batch_size: i64,
    pub lr: f64,
    pub sgd_momentum: f64,
    pub weight_decay: f64,
    pub knn_k: i64,
    pub knn_t: f64,
    /// Share of each class's training images whose labels the evaluation may use (kNN bank
    /// and linear classifier).
    pub label_fraction: f64,
    /// kNN evaluations per run.
    pub eval_points: u32,
    pub studies: Vec<Study>,
    pub momentum: MomentumStudy,
    pub queue: QueueStudy,
    pub offline: OfflineStudy,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MomentumStudy {
    pub values: Vec<f64>,
    pub queue: i64,
    pub steps: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QueueStudy {
    /// K values; 0 means the batch's other keys are the only negatives.
    pub sizes: Vec<i64>,
    pub momentum: f64,
    /// One more run with this momentum and the largest K: a big queue of inconsistent keys.
    pub inconsistent_momentum: Option<f64>,
    pub steps: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OfflineStudy {
    /// Unlabelled images standing in for the 2,000 MRI scans (a seeded subset).
    pub images: u32,
    /// Offline copies per image (10: 2,000 become 22,000).
    pub copies: u32,
    /// Optimizer steps of every setting, so none wins by training longer.
    pub steps: u64,
    pub momentum: f64,
    pub queue: i64,
    /// Seeds of the subset, the copies and the training; results are mean ± std.
    pub seeds: Vec<u64>,
    /// Also train on every training image (the upper reference).
    pub full_reference: bool,
}

impl Default for MocoParams {
    /// The official CIFAR-10 demo's recipe (ResNet-18, CIFAR stem, 8 BN groups, 128-d, K
    /// 4096, m 0.99, τ 0.1, lr 0.06, wd 5e-4) with MoCo v2's MLP head and augmentations,
    /// at batch 256.
    fn default() -> Self {
        Self {
            dataset: "cifar10".into(),
            image_size: 32,
            subset: 0,
            test_limit: 0,
            holdout: 0.2,
            demo_train: 2000,
            demo_test: 500,
            demo_classes: 8,
            encoder: "resnet18".into(),
            width: 64,
            cifar_stem: true,
            bn_splits: 8,
            dim: 128,
            mlp_head: true,
            temperature: 0.1,
            batch_size: 256,
            lr: 0.06,
            sgd_momentum: 0.9,
            weight_decay: 5e-4,
            knn_k: 200,
            knn_t: 0.1,
            label_fraction: 0.1,
            eval_points: 10,
            studies: vec![Study::Momentum, Study::Queue, Study::Offline],
            momentum: MomentumStudy::default(),
            queue: QueueStudy::default(),
            offline: OfflineStudy::default(),
        }
    }
}

impl Default for MomentumStudy {
    fn default() -> Self {
        Self { values: vec![0.0, 0.9, 0.99, 0.999, 0.9999], queue: 4096, steps: 2000 }
    }
}

impl Default for QueueStudy {
    fn default() -> Self {
        Self { sizes: vec![0, 256, 1024, 4096, 16384], momentum: 0.99, inconsistent_momentum: Some(0.0), steps: 2000 }
    }
}

impl Default for OfflineStudy {
    fn default() -> Self {
        Self { images: 2000, copies: 10, steps: 1000, momentum: 0.99, queue: 1024, seeds: vec![0, 1, 2], full_reference: true }
    }
}

impl MocoParams {
    pub fn runs(&self, s: Study) -> bool {
        self.studies.contains(&s)
    }
}

/// How a setting of study (c) trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OfflineSetting {
    /// The 2,000 images, online augmentation only.
    Online,
    /// 22,000: the originals and their copies as independent instances.
    Offline,
    /// The same, copies of the query's image left out of its negatives.
    OfflineCancel,
    /// The same, those copies counted as positives.
    OfflineAttract,
    /// Every training image (the upper reference).
    Full,
}

impl OfflineSetting {
    pub fn key(self) -> &'static str {
        match self {
            OfflineSetting::Online => "online",
            OfflineSetting::Offline => "offline",
            OfflineSetting::OfflineCancel => "offline_cancel",
            OfflineSetting::OfflineAttract => "offline_attract",
            OfflineSetting::Full => "all_images",
        }
    }

    pub fn false_negatives(self) -> FalseNegatives {
        match self {
            OfflineSetting::OfflineCancel => FalseNegatives::Cancel,
            OfflineSetting::OfflineAttract => FalseNegatives::Attract,
            _ => FalseNegatives::Keep,
        }
    }
}

fn check_queue(v: &mut Violations, field: &str, k: i64, batch: i64) {
    if k < 0 {
        v.push(field, format!("{k} is negative"), Some("K counts queued keys; 0 uses only the batch's other keys".into()));
    } else if k > 0 && batch > 0 && k % batch != 0 {
        v.push(field, format!("{k} is not a multiple of batch_size {batch}"), Some("each step replaces one batch of keys; pick K as a multiple of the batch".into()));
    }
}

fn check_momentum(v: &mut Violations, field: &str, m: f64) {
    if !(0.0..=1.0).contains(&m) {
        v.push(field, format!("{m} is not in [0, 1]"), Some("the key encoder's momentum m is a weight in [0, 1]; the paper uses 0.999".into()));
    }
}

impl Validate for MocoParams {
    fn validate(&self, v: &mut Violations) {
        if !matches!(self.encoder.as_str(), "resnet18" | "resnet34" | "resnet50" | "resnet101") {
            v.push("encoder", format!("unknown encoder `{}`", self.encoder), Some("use resnet18, resnet34, resnet50 or resnet101".into()));
        }
        if !(8..=512).contains(&self.image_size) {
            v.push("image_size", format!("{} is outside 8–512", self.image_size), Some("32 for CIFAR-10".into()));
        }
        if self.width < 4 || self.width > 256 {
            v.push("width", format!("{} is outside 4–256", self.width), Some("torchvision's ResNets use 64".into()));
        }
        if self.bn_splits < 1 || (self.batch_size > 0 && self.batch_size % self.bn_splits != 0) {
            v.push("bn_splits", format!("{} does not divide batch_size {}", self.bn_splits, self.batch_size), Some("the batch is split into equal BatchNorm groups".into()));
        }
        if self.batch_size < 2 {
            v.push("batch_size", format!("{} is too small", self.batch_size), Some("contrastive learning needs at least two images per batch".into()));
        }
        v.positive("temperature", self.temperature, 10.0);
        v.positive("lr", self.lr, 10.0);
        v.positive("label_fraction", self.label_fraction, 1.0);
        v.positive("holdout", self.holdout, 0.9);
        if self.dim < 1 {
            v.push("dim", "the feature dimension must be positive", Some("128 as in MoCo".into()));
        }
        if self.knn_k < 1 {
            v.push("knn_k", "k must be positive", Some("the demo's monitor uses 200".into()));
        }
        if self.studies.is_empty() {
            v.push("studies", "no study selected", Some("list momentum, queue, offline".into()));
        }
        if self.runs(Study::Momentum) {
            if self.momentum.values.is_empty() {
                v.push("momentum.values", "no momentum to try", Some("e.g. [0.0, 0.9, 0.99, 0.999, 0.9999]".into()));
            }
            for m in &self.momentum.values {
                check_momentum(v, "momentum.values", *m);
            }
            check_queue(v, "momentum.queue", self.momentum.queue, self.batch_size);
            if self.momentum.steps == 0 {
                v.push("momentum.steps", "no training steps", None);
            }
        }
        if self.runs(Study::Queue) {
            if self.queue.sizes.is_empty() {
                v.push("queue.sizes", "no queue size to try", Some("e.g. [0, 256, 1024, 4096, 16384]".into()));
            }
            for k in &self.queue.sizes {
                check_queue(v, "queue.sizes", *k, self.batch_size);
            }
            check_momentum(v, "queue.momentum", self.queue.momentum);
            if let Some(m) = self.queue.inconsistent_momentum {
                check_momentum(v, "queue.inconsistent_momentum", m);
            }
            if self.queue.steps == 0 {
                v.push("queue.steps", "no training steps", None);
            }
        }
        if self.runs(Study::Offline) {
            let o = &self.offline;
            if (o.images as i64) < self.batch_size {
                v.push("offline.images", format!("{} images do not fill one batch of {}", o.images, self.batch_size), Some("use more images or a smaller batch_size".into()));
            }
            if o.copies == 0 {
                v.push("offline.copies", "no offline copies", Some("the question makes 10 copies of each image".into()));
            }
            if o.seeds.is_empty() {
                v.push("offline.seeds", "no seed", Some("e.g. [0, 1, 2] for mean ± std".into()));
            }
            check_momentum(v, "offline.momentum", o.momentum);
            check_queue(v, "offline.queue", o.queue, self.batch_size);
            if o.queue == 0 {
                v.push("offline.queue", "false negatives are counted in the queue", Some("use a queue (e.g. 4096)".into()));
            }
            if o.steps == 0 {
                v.push("offline.steps", "no training steps", None);
            }
        }
    }
}
