//! The MoCo training loop: a run stopped mid-epoch and resumed from its checkpoint ends
//! exactly where the uninterrupted run ends (both encoders, the queue and its bookkeeping,
//! the per-epoch history); the key-consistency measurement recomputes a queued key exactly
//! when the key encoder has not moved (m = 1); in-batch negatives (K = 0) train; and the
//! false-negative losses are the ones their definitions give.
use adaptlab::data::moco_augment::Augment;
use adaptlab::nn::moco::{FalseNegatives, Moco, MocoConfig};
use adaptlab::nn::resnet::ResNetConfig;
use adaptlab::train::moco::{key_consistency, train, KnnSet, MocoTrainConfig, TrainSet};
use adaptlab::train::Observer;
use std::cell::Cell;
use tch::{Device, Kind, Tensor};

/// Cancels the run at the `stop_at`-th check (never when None).
struct Stopper {
    checks: Cell<u32>,
    stop_at: Option<u32>,
}

impl Observer for Stopper {
    fn metric(&self, _: &str, _: u64, _: f64) {}
    fn progress(&self, _: u64, _: u64, _: &str) {}
    fn log(&self, _: String) {}
    fn check_cancelled(&self) -> anyhow::Result<()> {
        self.checks.set(self.checks.get() + 1);
        if self.stop_at.is_some_and(|s| self.checks.get() >= s) {
            anyhow::bail!("stopped by the test");
        }
        Ok(())
    }
}

fn model(queue: i64, momentum: f64) -> Moco {
    tch::manual_seed(11);
    let encoder = ResNetConfig { cifar_stem: true, num_classes: Some(8), bn_splits: 2, mlp_head: true, width: 4, ..ResNetConfig::resnet18() };
    Moco::new(MocoConfig { encoder, queue, momentum, temperature: 0.2 }, Device::Cpu).unwrap()
}

/// Pixels from a fixed formula: tests run in parallel threads that share torch's global
/// generator, so nothing here may depend on it.
fn images(n: i64) -> Tensor {
    let i = Tensor::arange(n * 3 * 16 * 16, (Kind::Int64, Device::Cpu));
    (&i * 7919 + (&i * &i) / 13).remainder(251).to_kind(Kind::Uint8).view([n, 3, 16, 16])
}

/// A second model with `src`'s weights and queue.
fn copy_of(src: &Moco) -> Moco {
    let mut m = model(src.cfg.queue, src.cfg.momentum);
    m.query_vs.copy(&src.query_vs).unwrap();
    m.key_vs.copy(&src.key_vs).unwrap();
    m.load_queue_state(&src.queue_state()).unwrap();
    m
}

fn config(steps: u64, handling: FalseNegatives) -> MocoTrainConfig {
    MocoTrainConfig { batch_size: 8, total_steps: steps, lr: 0.05, sgd_momentum: 0.9, weight_decay: 5e-4, seed: 3, false_negatives: handling, knn_k: 5, knn_t: 0.1, eval_points: 10, save_seconds: 0.0 }
}

fn snapshot(m: &Moco) -> Vec<(String, Tensor)> {
    let mut out: Vec<(String, Tensor)> = Vec::new();
    for (p, vs) in [("q", &m.query_vs), ("k", &m.key_vs)] {
        out.extend(vs.variables().into_iter().map(|(n, t)| (format!("{p}.{n}"), t.copy())));
    }
    out.extend(m.queue_state().into_iter().map(|(n, t)| (n, t.copy())));
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn a_resumed_run_ends_where_the_uninterrupted_one_does() {
    let x = images(24);
    // Pairs of images share a source, as offline copies do; cancellation uses it.
    let sources: Vec<i64> = (0..24).map(|i| i / 2).collect();
    let aug = Augment::moco_v2(16);
    let data = TrainSet { images: &x, sources: &sources, augment: &aug };
    let labels = Tensor::from_slice(&(0..24).map(|i| i % 3).collect::<Vec<i64>>());
    let monitor = KnnSet { bank: &x, bank_labels: &labels, test: &x, test_labels: &labels, classes: 3 };
    let cfg = config(9, FalseNegatives::Cancel);

    let start = model(16, 0.9);
    let whole_dir = tempfile::tempdir().unwrap();
    let mut whole = copy_of(&start);
    let done = train(&mut whole, &data, Some(&monitor), &cfg, whole_dir.path(), &Stopper { checks: Cell::new(0), stop_at: None }).unwrap();
    assert_eq!(done.steps, 9);
    assert_eq!(done.history.len(), 3, "24 images in batches of 8: three steps per epoch");
    assert!(done.history.iter().all(|h| h.train_loss.is_finite() && h.eval_accuracy.is_finite()));

    let dir = tempfile::tempdir().unwrap();
    let mut first = copy_of(&start);
    // The fifth check comes before the fifth step: four steps done, mid-epoch.
    let err = train(&mut first, &data, Some(&monitor), &cfg, dir.path(), &Stopper { checks: Cell::new(0), stop_at: Some(5) }).unwrap_err();
    assert!(err.to_string().contains("stopped"));
    let mut resumed = copy_of(&start);
    let out = train(&mut resumed, &data, Some(&monitor), &cfg, dir.path(), &Stopper { checks: Cell::new(0), stop_at: None }).unwrap();
    assert!(out.resumed_from.as_deref().is_some_and(|r| r.contains("step 4")), "{:?}", out.resumed_from);
    let differing: Vec<String> = snapshot(&whole).iter().zip(snapshot(&resumed).iter()).filter(|((_, a), (_, b))| !a.equal(b)).map(|((n, a), (_, b))| format!("{n} by {}", (a.to_kind(Kind::Double) - b.to_kind(Kind::Double)).abs().max().double_value(&[]))).collect();
    assert!(differing.is_empty(), "differ after resuming: {differing:?}");
    let losses = |h: &[adaptlab::train::checkpoint::EpochRecord]| h.iter().map(|r| (r.train_loss, r.eval_accuracy, r.extra.get("same_source").copied())).collect::<Vec<_>>();
    assert_eq!(losses(&done.history), losses(&out.history));
    assert_eq!(done.consistency, out.consistency);
}

#[test]
fn a_frozen_key_encoder_recomputes_its_queued_keys_exactly() {
    let x = images(32);
    let sources: Vec<i64> = (0..32).collect();
    let aug = Augment::moco_v2(16);
    let data = TrainSet { images: &x, sources: &sources, augment: &aug };
    let dir = tempfile::tempdir().unwrap();
    let mut moco = model(16, 1.0);
    let out = train(&mut moco, &data, None, &config(6, FalseNegatives::Keep), dir.path(), &Stopper { checks: Cell::new(0), stop_at: None }).unwrap();
    assert_eq!(out.consistency.len(), 2, "a queue of 16 holds two batches of 8");
    for (age, cos) in &out.consistency {
        assert!((cos - 1.0).abs() < 1e-5, "with m = 1 a key {age} steps old has cosine {cos}");
    }
    let again = key_consistency(&moco, &data, 3, out.steps);
    assert!(again.iter().all(|(_, c)| (c - 1.0).abs() < 1e-5));
    // The query encoder did move: m = 1 only froze the keys.
    let q = moco.query_vs.variables()["conv1.weight"].copy();
    let k = moco.key_vs.variables()["conv1.weight"].copy();
    assert!(!q.allclose(&k, 1e-6, 1e-6, false));
}

#[test]
fn in_batch_negatives_train_without_a_queue() {
    let x = images(16);
    let sources: Vec<i64> = (0..16).collect();
    let aug = Augment::moco_v2(16);
    let data = TrainSet { images: &x, sources: &sources, augment: &aug };
    let dir = tempfile::tempdir().unwrap();
    let mut moco = model(0, 0.99);
    let out = train(&mut moco, &data, None, &config(4, FalseNegatives::Keep), dir.path(), &Stopper { checks: Cell::new(0), stop_at: None }).unwrap();
    assert!(out.history.iter().all(|h| h.train_loss.is_finite()));
    assert!(out.consistency.is_empty(), "no queue, nothing to measure");
    assert_eq!(moco.queue.size(), vec![8, 0]);
}

#[test]
fn false_negative_losses_follow_their_definitions() {
    let moco = model(16, 0.9);
    let x = adaptlab::data::moco_augment::normalise(&images(4));
    let perm = Tensor::from_slice(&[0i64, 1, 2, 3]);
    let mut same = vec![false; 4 * 16];
    same[3] = true; // query 0: queued key 3 is a copy of its image
    same[16 + 5] = true;
    same[16 + 6] = true; // query 1: keys 5 and 6
    let same = Tensor::from_slice(&same).view([4, 16]);
    let (moco2, moco3) = (copy_of(&moco), copy_of(&moco));
    let base = moco.step_with(&x, &x, Some(&perm), Some(&same), FalseNegatives::Keep);
    let logits = base.logits.detach();
    let lse = |t: &Tensor| t.logsumexp([1i64].as_slice(), false);
    let positive = logits.narrow(1, 0, 1).squeeze_dim(1);
    let keep = (lse(&logits) - &positive).mean(Kind::Float).double_value(&[]);
    assert!((base.loss.double_value(&[]) - keep).abs() < 1e-5);
    // Cancel: the marked negatives leave the denominator.
    let mask = Tensor::cat(&[Tensor::zeros([4, 1], (Kind::Bool, Device::Cpu)), same.shallow_clone()], 1);
    let kept = logits.masked_fill(&mask, -1e9);
    let cancel = (lse(&kept) - &positive).mean(Kind::Float).double_value(&[]);
    // Attract: they join the numerator.
    let numerator = logits.masked_fill(&mask.logical_not().logical_and(&Tensor::cat(&[Tensor::zeros([4, 1], (Kind::Bool, Device::Cpu)), Tensor::ones([4, 16], (Kind::Bool, Device::Cpu))], 1)), -1e9);
    let attract = (lse(&logits) - lse(&numerator)).mean(Kind::Float).double_value(&[]);
    let got_cancel = moco2.step_with(&x, &x, Some(&perm), Some(&same), FalseNegatives::Cancel).loss.double_value(&[]);
    let got_attract = moco3.step_with(&x, &x, Some(&perm), Some(&same), FalseNegatives::Attract).loss.double_value(&[]);
    assert!((got_cancel - cancel).abs() < 1e-5, "{got_cancel} vs {cancel}");
    assert!((got_attract - attract).abs() < 1e-5, "{got_attract} vs {attract}");
    assert!(got_cancel < keep && got_attract < keep, "removing or attracting negatives lowers the loss");
}
