//! `smoke`: trains a small CNN on generated shapes and reports accuracy per class.
//! It exercises the whole pipeline (events, store, report, dashboard) in well under a minute.
use super::TaskContext;
use crate::data::synth;
use crate::metrics::Confusion;
use crate::nn::small_cnn::SmallCnn;
use crate::results::{ColumnKind, ResultTable};
use crate::spec::validate::{Validate, Violations};
use crate::tasks::registry::Task;
use serde::{Deserialize, Serialize};
use anyhow::Result;
use serde_json::json;
use std::time::Instant;
use tch::nn::{self, ModuleT, OptimizerConfig};
use tch::{Kind, Tensor};

/// `smoke`: a small CNN trained on procedurally generated shape images.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmokeParams {
    /// Number of shape classes (the generator knows 8).
    pub classes: u32,
    /// Square image side in pixels.
    pub image_size: u32,
    pub train_images: u32,
    pub test_images: u32,
    /// Optimiser steps.
    pub steps: u32,
    pub batch_size: u32,
    /// Adam learning rate.
    pub lr: f64,
    /// Evaluate on the test images every this many steps (and at the end).
    pub eval_every: u32,
    /// Channels of the first conv layer (doubled in the second).
    pub width: u32,
}

impl Default for SmokeParams {
    fn default() -> Self {
        Self {
            classes: 6,
            image_size: 32,
            train_images: 3000,
            test_images: 600,
            steps: 300,
            batch_size: 64,
            lr: 2e-3,
            eval_every: 50,
            width: 16,
        }
    }
}

pub const SMOKE_MAX_CLASSES: u32 = 8;

impl Validate for SmokeParams {
    fn validate(&self, v: &mut Violations) {
        v.range("classes", self.classes, 2, SMOKE_MAX_CLASSES);
        v.range("image_size", self.image_size, 16, 128);
        v.range("train_images", self.train_images, self.classes.max(1) * 4, 200_000);
        v.range("test_images", self.test_images, self.classes.max(1), 100_000);
        v.range("steps", self.steps, 1, 1_000_000);
        v.range("batch_size", self.batch_size, 1, 4096);
        v.positive("lr", self.lr, 1.0);
        v.range("eval_every", self.eval_every, 1, 1_000_000);
        v.range("width", self.width, 2, 256);
    }
}

/// The `smoke` kind.
pub struct Smoke;

impl Task for Smoke {
    type Params = SmokeParams;
    const KIND: &'static str = "smoke";
    const QUESTION: Option<u8> = None;
    const SUMMARY: &'static str = "small CNN on generated shapes; checks the whole pipeline on CPU";
    const CODE_VERSION: u32 = 3;

    fn run(p: &Self::Params, ctx: &TaskContext) -> Result<()> {
        run(p, ctx)
    }
}

/// Accuracy above which the network has learnt the shapes themselves: position, size,
/// colours and noise vary, so nothing simpler separates the classes this well.
const LEARNED_ACCURACY: f64 = 0.9;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Learning {
    /// At or above `LEARNED_ACCURACY`.
    Learned,
    /// Above chance (by more than the accuracy tolerance), below `LEARNED_ACCURACY`.
    AboveChance,
    /// Not above chance.
    Chance,
}

#[derive(Debug, Clone, Serialize)]
pub struct SmokeFindings {
    pub learning: Learning,
}

pub fn findings(test_accuracy: f64, chance: f64) -> SmokeFindings {
    let learning = if test_accuracy > LEARNED_ACCURACY {
        Learning::Learned
    } else if crate::findings::Outcome::accuracy(test_accuracy, chance) == crate::findings::Outcome::Ahead {
        Learning::AboveChance
    } else {
        Learning::Chance
    };
    SmokeFindings { learning }
}

pub fn run(p: &SmokeParams, ctx: &TaskContext) -> Result<()> {
    let (train, test) = ctx.stage("generate data", || {
        let size = p.image_size as usize;
        let train = synth::shapes(p.train_images as usize, p.classes as usize, size, ctx.seed);
        let test = synth::shapes(p.test_images as usize, p.classes as usize, size, ctx.seed ^ 0xD1CE);
        ctx.log(format!("{} train and {} test images of {size}x{size}, {} classes", p.train_images, p.test_images, p.classes));
        Ok((train, test))
    })?;
    let device = ctx.device;
    let normalise = |x: &Tensor| ((x - 0.5) / 0.5).to_device(device);
    let train_x = normalise(&train.images);
    let train_y = train.labels.to_device(device);
    let test_x = normalise(&test.images);

    let vs = nn::VarStore::new(device);
    let model = SmallCnn::new(&vs.root(), p.width as i64, p.classes as i64);
    let params: i64 = vs.trainable_variables().iter().map(|t| t.numel() as i64).sum();
    ctx.value("parameters", params);
    let mut opt = nn::Adam::default().build(&vs, p.lr)?;

    let started = Instant::now();
    let mut last_loss = f64::NAN;
    let mut test_accuracy = 0.0;
    ctx.stage("train", || {
        let n = p.train_images as i64;
        let batch = (p.batch_size as i64).min(n);
        let mut order = Tensor::randperm(n, (Kind::Int64, device));
        let mut cursor = 0;
        for step in 1..=p.steps as u64 {
            ctx.check_cancelled()?;
            if cursor + batch > n {
                order = Tensor::randperm(n, (Kind::Int64, device));
                cursor = 0;
            }
            let idx = order.narrow(0, cursor, batch);
            cursor += batch;
            let (x, y) = (train_x.index_select(0, &idx), train_y.index_select(0, &idx));
            let logits = model.forward_t(&x, true);
            let loss = logits.cross_entropy_for_logits(&y);
            opt.backward_step(&loss);
            last_loss = loss.double_value(&[]);
            let batch_acc = logits.argmax(-1, false).eq_tensor(&y).to_kind(Kind::Float).mean(Kind::Float).double_value(&[]);
            ctx.metric("train/loss", step, last_loss);
            ctx.metric("train/accuracy", step, batch_acc);
            if step % p.eval_every as u64 == 0 || step == p.steps as u64 {
                test_accuracy = accuracy(&model, &test_x, &test.labels);
                ctx.metric("test/accuracy", step, test_accuracy);
            }
            ctx.progress(step, p.steps as u64, "steps");
        }
        Ok(())
    })?;
    let seconds = started.elapsed().as_secs_f64();

    ctx.stage("evaluate", || {
        let predicted = predict(&model, &test_x);
        let truth = Vec::<i64>::try_from(&test.labels)?;
        let confusion = Confusion::from_labels(&truth, &predicted, p.classes as usize);
        test_accuracy = confusion.accuracy();
        let steps_per_second = p.steps as f64 / seconds.max(1e-9);

        let mut summary = ResultTable::new(
            "summary",
            "Smoke training run",
            &[("test_accuracy", ColumnKind::Percent), ("final_loss", ColumnKind::Float), ("parameters", ColumnKind::Integer),
              ("steps", ColumnKind::Integer), ("steps_per_s", ColumnKind::Float), ("images_per_s", ColumnKind::Float)],
        );
        summary.push(vec![json!(test_accuracy), json!(last_loss), json!(params), json!(p.steps), json!(steps_per_second),
            json!(steps_per_second * p.batch_size as f64)]);
        ctx.table(summary);

        let mut per_class = ResultTable::new(
            "per_class",
            "Test metrics per class",
            &[("class", ColumnKind::Text), ("images", ColumnKind::Integer), ("precision", ColumnKind::Percent),
              ("recall", ColumnKind::Percent), ("f1", ColumnKind::Percent)],
        );
        let per = confusion.per_class();
        for (name, m) in train.class_names.iter().zip(&per) {
            per_class.push(vec![json!(name), json!(m.support), json!(m.precision), json!(m.recall), json!(m.f1)]);
        }
        ctx.table(per_class);

        let worst = per.iter().enumerate().min_by(|a, b| a.1.f1.total_cmp(&b.1.f1)).map(|(i, _)| i).unwrap_or(0);
        ctx.value("test_accuracy", test_accuracy);
        ctx.value("final_loss", last_loss);
        ctx.value("steps", p.steps);
        ctx.value("classes", p.classes);
        ctx.value("chance_accuracy", 1.0 / p.classes as f64);
        ctx.findings(&findings(test_accuracy, 1.0 / p.classes as f64));
        ctx.value("train_seconds", seconds);
        ctx.value("steps_per_second", steps_per_second);
        ctx.value("worst_class", train.class_names[worst].clone());
        ctx.value("worst_class_f1", per[worst].f1);
        if let Some((t, pr, count)) = confusion.most_confused(1).first().copied() {
            ctx.value("confused_true", train.class_names[t].clone());
            ctx.value("confused_predicted", train.class_names[pr].clone());
            ctx.value("confused_count", count);
        }
        ctx.log(format!("test accuracy {:.2}% after {} steps", test_accuracy * 100.0, p.steps));
        Ok(())
    })
}

fn predict(model: &SmallCnn, x: &Tensor) -> Vec<i64> {
    let _guard = tch::no_grad_guard();
    let chunks: Vec<Tensor> = x.split(256, 0).iter().map(|c| model.forward_t(c, false).argmax(-1, false)).collect();
    Vec::<i64>::try_from(Tensor::cat(&chunks, 0).to_device(tch::Device::Cpu)).unwrap_or_default()
}

fn accuracy(model: &SmallCnn, x: &Tensor, labels: &Tensor) -> f64 {
    let predicted = predict(model, x);
    let truth = Vec::<i64>::try_from(labels).unwrap_or_default();
    let correct = predicted.iter().zip(&truth).filter(|(a, b)| a == b).count();
    correct as f64 / truth.len().max(1) as f64
}
