//! One MoCo pre-training run of a study and its evaluation (kNN and a linear classifier on
//! frozen features, both with the labelled share only). A finished run's result is kept
//! in the experiment's resume folder, so an interrupted experiment redoes only the runs
//! it had not finished, and those from their last checkpoint.
use super::params::MocoParams;
use crate::data::moco_augment::Augment;
use crate::data::split::per_class_holdout;
use crate::nn::lbfgs::LbfgsOptions;
use crate::nn::logistic::LogisticRegression;
use crate::nn::moco::{FalseNegatives, Moco, MocoConfig};
use crate::nn::resnet::ResNetConfig;
use crate::tasks::TaskContext;
use crate::train::checkpoint::EpochRecord;
use crate::train::moco::{self as trainer, KnnSet, MocoTrainConfig, TrainSet};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;
use tch::{Device, Kind, Tensor};

/// What distinguishes one run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSpec {
    /// Folder name and the prefix of its metrics (`momentum/0.99`).
    pub key: String,
    pub momentum: f64,
    pub queue: i64,
    pub steps: u64,
    pub false_negatives: FalseNegatives,
    pub seed: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunResult {
    pub key: String,
    pub history: Vec<EpochRecord>,
    pub steps: u64,
    pub seconds: f64,
    pub images_per_second: f64,
    pub final_loss: f64,
    pub knn: Option<f64>,
    pub linear: Option<f64>,
    /// (age in steps, mean cosine) half-way through training.
    pub consistency: Vec<(u64, f64)>,
    /// Queued copies of the query's own image, mean per query over the run.
    pub same_source: f64,
    pub training_images: usize,
    /// The loss of a uniform guess over the candidates: log(1 + K), or log(batch) with
    /// in-batch negatives.
    pub uniform_loss: f64,
}

impl RunResult {
    /// Mean cosine of the oldest tenth of the queue (at least one batch).
    pub fn oldest_consistency(&self) -> Option<f64> {
        let n = self.consistency.len();
        let tail = &self.consistency[n - (n / 10).max(1).min(n)..];
        (!tail.is_empty()).then(|| tail.iter().map(|c| c.1).sum::<f64>() / tail.len() as f64)
    }

    /// The loss never got 1% below a uniform guess: the run learnt nothing to tell its
    /// positive from its negatives (MoCo's "does not converge").
    pub fn stuck(&self) -> bool {
        self.final_loss >= 0.99 * self.uniform_loss
    }

    pub fn mean_consistency(&self) -> Option<f64> {
        (!self.consistency.is_empty()).then(|| self.consistency.iter().map(|c| c.1).sum::<f64>() / self.consistency.len() as f64)
    }
}

/// Labelled images for evaluation, on the device.
pub struct Evaluation {
    pub bank: Tensor,
    pub bank_labels: Tensor,
    pub test: Tensor,
    pub test_labels: Tensor,
    pub classes: i64,
}

impl Evaluation {
    pub fn knn_set(&self) -> KnnSet<'_> {
        KnnSet { bank: &self.bank, bank_labels: &self.bank_labels, test: &self.test, test_labels: &self.test_labels, classes: self.classes }
    }
}

pub fn encoder_config(p: &MocoParams) -> ResNetConfig {
    let base = ResNetConfig::by_name(&p.encoder).unwrap_or_else(ResNetConfig::resnet18);
    ResNetConfig { cifar_stem: p.cifar_stem, num_classes: Some(p.dim), bn_splits: p.bn_splits, mlp_head: p.mlp_head, width: p.width, ..base }
}

/// Pooled backbone features (eval mode) of u8 images.
fn backbone_features(moco: &Moco, images: &Tensor) -> Tensor {
    trainer::batched(images, 256, |x| moco.query.features_t(x, false))
}

/// Test accuracy of a logistic regression on frozen features of the labelled images, its
/// L2 strength chosen on a fifth of them held out, then refitted on all.
pub fn linear_accuracy(moco: &Moco, eval: &Evaluation, seed: u64) -> f64 {
    let train = backbone_features(moco, &eval.bank).to_device(Device::Cpu).to_kind(Kind::Double);
    let test = backbone_features(moco, &eval.test).to_device(Device::Cpu).to_kind(Kind::Double);
    let mean = train.mean_dim([0i64].as_slice(), true, Kind::Double);
    let std = train.std_dim([0i64].as_slice(), false, true).clamp_min(1e-6);
    let (train, test) = ((&train - &mean) / &std, (&test - &mean) / &std);
    let labels = eval.bank_labels.to_device(Device::Cpu);
    let test_labels = eval.test_labels.to_device(Device::Cpu);
    let as_usize: Vec<usize> = Vec::<i64>::try_from(&labels).unwrap_or_default().iter().map(|&l| l as usize).collect();
    let (fit_idx, val_idx) = per_class_holdout(&as_usize, 0.2, seed ^ 0x4c49_4e45);
    let opts = LbfgsOptions { max_iter: 300, ..Default::default() };
    let index = |v: &[usize]| Tensor::from_slice(&v.iter().map(|&i| i as i64).collect::<Vec<_>>());
    let accuracy = |m: &LogisticRegression, x: &Tensor, y: &Tensor| m.logits(x).argmax(-1, false).eq_tensor(y).to_kind(Kind::Float).mean(Kind::Float).double_value(&[]);
    let c = if val_idx.is_empty() || fit_idx.is_empty() {
        1.0
    } else {
        let (fi, vi) = (index(&fit_idx), index(&val_idx));
        let (xf, yf, xv, yv) = (train.index_select(0, &fi), labels.index_select(0, &fi), train.index_select(0, &vi), labels.index_select(0, &vi));
        let mut best = (f64::NEG_INFINITY, 1.0);
        for c in [0.01, 0.1, 1.0, 10.0] {
            let m = LogisticRegression::fit(&xf, &yf, eval.classes, c, None, opts);
            let a = accuracy(&m, &xv, &yv);
            if a > best.0 {
                best = (a, c);
            }
        }
        best.1
    };
    let model = LogisticRegression::fit(&train, &labels, eval.classes, c, None, opts);
    accuracy(&model, &test, &test_labels)
}

/// Runs `spec` on `images` (u8 on the device, with `sources`), or loads its earlier result.
/// `progress`: (steps of the runs before this one, steps of all the task's runs), so the
/// dashboard's bar covers the whole task.
#[allow(clippy::too_many_arguments)]
pub fn run(spec: &RunSpec, p: &MocoParams, images: &Tensor, sources: &[i64], eval: Option<&Evaluation>, root: &Path, progress: (u64, u64), ctx: &TaskContext) -> Result<RunResult> {
    let dir = root.join(spec.key.replace('/', "-"));
    let result_file = dir.join("result.json");
    if let Ok(bytes) = std::fs::read(&result_file) {
        if let Ok(done) = serde_json::from_slice::<RunResult>(&bytes) {
            ctx.log(format!("{}: finished earlier, result reused", spec.key));
            publish(&done, ctx, true);
            return Ok(done);
        }
    }
    ctx.log(format!("{}: m = {}, K = {}, {} steps on {} images", spec.key, spec.momentum, spec.queue, spec.steps, images.size()[0]));
    tch::manual_seed((crate::train::classifier::mix(spec.seed, 0x4d4f_434f) >> 1) as i64);
    let cfg = MocoConfig { encoder: encoder_config(p), queue: spec.queue, momentum: spec.momentum, temperature: p.temperature };
    let mut moco = Moco::new(cfg, ctx.device)?;
    let augment = Augment::moco_v2(p.image_size);
    let data = TrainSet { images, sources, augment: &augment };
    let train_cfg = MocoTrainConfig {
        batch_size: p.batch_size,
        total_steps: spec.steps,
        lr: p.lr,
        sgd_momentum: p.sgd_momentum,
        weight_decay: p.weight_decay,
        seed: spec.seed,
        false_negatives: spec.false_negatives,
        knn_k: p.knn_k,
        knn_t: p.knn_t,
        eval_points: p.eval_points,
        save_seconds: 60.0,
    };
    let knn_set = eval.map(Evaluation::knn_set);
    let observer = RunObserver { ctx, key: &spec.key, before: progress.0, total: progress.1 };
    let out = trainer::train(&mut moco, &data, knn_set.as_ref(), &train_cfg, &dir.join("checkpoints"), &observer)?;
    let knn = out.history.last().map(|h| h.eval_accuracy).filter(|a| a.is_finite());
    let linear = eval.map(|e| linear_accuracy(&moco, e, spec.seed));
    let steps = out.history.iter().map(|h| h.step).max().unwrap_or(0) as f64;
    let same_source = if steps > 0.0 {
        let mut previous = 0u64;
        out.history.iter().map(|h| {
            let w = (h.step - previous) as f64;
            previous = h.step;
            h.extra.get("same_source").copied().unwrap_or(0.0) * w
        }).sum::<f64>() / steps
    } else {
        0.0
    };
    let result = RunResult {
        key: spec.key.clone(),
        final_loss: out.history.last().map_or(f64::NAN, |h| h.train_loss),
        images_per_second: out.images as f64 / out.seconds.max(1e-9),
        history: out.history,
        steps: out.steps,
        seconds: out.seconds,
        knn,
        linear,
        consistency: out.consistency,
        same_source,
        training_images: sources.len(),
        uniform_loss: if spec.queue > 0 { ((1 + spec.queue) as f64).ln() } else { (p.batch_size as f64).ln() },
    };
    publish(&result, ctx, false);
    crate::fsx::write_atomic(&result_file, &serde_json::to_vec_pretty(&result)?).with_context(|| format!("saving {}", result_file.display()))?;
    let _ = std::fs::remove_dir_all(dir.join("checkpoints"));
    Ok(result)
}

/// The run's curves as metrics `<key>/loss` (per epoch, by step) and `<key>/consistency`
/// (by age in steps), for the report's plots; `<key>/knn` too when the run did not just
/// record it live (a result reused or shared).
pub fn publish(r: &RunResult, ctx: &TaskContext, with_knn: bool) {
    for h in &r.history {
        ctx.metric(&format!("{}/loss", r.key), h.step, h.train_loss);
        if with_knn && h.eval_accuracy.is_finite() {
            ctx.metric(&format!("{}/knn", r.key), h.step, h.eval_accuracy);
        }
    }
    for (age, cos) in &r.consistency {
        ctx.metric(&format!("{}/consistency", r.key), *age, *cos);
    }
}

/// The training loop's reports under the run's key, so the dashboard and the store keep
/// each run's curves apart: `<key>/train_loss` per step, `<key>/knn` per evaluation. The
/// learning rate and the throughput per step are left out (the cosine is known; progress
/// events carry the speed).
struct RunObserver<'a, 'b> {
    ctx: &'a TaskContext<'b>,
    key: &'a str,
    before: u64,
    total: u64,
}

impl crate::train::Observer for RunObserver<'_, '_> {
    fn metric(&self, name: &str, step: u64, value: f64) {
        let renamed = match name {
            "train/loss" => "train_loss",
            "eval/knn_accuracy" => "knn",
            _ => return,
        };
        self.ctx.metric(&format!("{}/{renamed}", self.key), step, value);
    }

    fn progress(&self, done: u64, total: u64, unit: &str) {
        self.ctx.progress(self.before + done, self.total.max(self.before + total), unit);
    }

    fn log(&self, line: String) {
        self.ctx.log(format!("{}: {line}", self.key));
    }

    fn check_cancelled(&self) -> Result<()> {
        self.ctx.check_cancelled()
    }
}
