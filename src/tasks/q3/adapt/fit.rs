//! Training a classifier on frozen features: mini-batch AdamW or SGD with cosine decay,
//! validation accuracy tracked along the way, the best step's weights kept (so the
//! validation split chooses when to stop), and a grid over learning rate and weight
//! decay chosen on validation too. The test split is never seen here.
use crate::data::rng::SplitMix64;
use crate::nn::class_head::FeatureClassifier;
use crate::tasks::q3::params::{FitParams, Optimizer};
use anyhow::Result;
use std::collections::HashMap;
use std::time::Instant;
use tch::nn::{self, OptimizerConfig, VarStore};
use tch::{Kind, Tensor};

/// Features [n, embed] and labels [n] (int64), on the training device.
#[derive(Clone, Copy)]
pub struct Labelled<'a> {
    pub features: &'a Tensor,
    pub labels: &'a Tensor,
}

impl Labelled<'_> {
    pub fn len(&self) -> usize {
        self.labels.size()[0] as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One point of the grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Setting {
    pub lr: f64,
    pub weight_decay: f64,
}

#[derive(Debug, Clone)]
pub struct FitOutcome {
    pub setting: Setting,
    /// Best validation accuracy and the step it was reached at (0: before training).
    pub val_accuracy: f64,
    pub best_step: u64,
    pub steps: u64,
    /// (step, mean training loss since the previous point) and (step, validation accuracy).
    pub loss_curve: Vec<(f64, f64)>,
    pub val_curve: Vec<(f64, f64)>,
    pub seconds: f64,
}

/// Scores [n, classes] for many rows, in chunks, without gradients.
pub fn predict(model: &dyn FeatureClassifier, features: &Tensor) -> Tensor {
    let _guard = tch::no_grad_guard();
    let chunks: Vec<Tensor> = features.split(4096, 0).iter().map(|c| model.logits(c).to_kind(Kind::Float)).collect();
    Tensor::cat(&chunks, 0)
}

pub fn accuracy(model: &dyn FeatureClassifier, data: Labelled) -> f64 {
    let predicted = predict(model, data.features).argmax(-1, false);
    predicted.eq_tensor(data.labels).to_kind(Kind::Float).mean(Kind::Float).double_value(&[])
}

fn snapshot(vs: &VarStore) -> HashMap<String, Tensor> {
    vs.variables().into_iter().map(|(k, v)| (k, v.detach().copy())).collect()
}

fn restore(vs: &VarStore, saved: &HashMap<String, Tensor>) {
    tch::no_grad(|| {
        for (name, mut var) in vs.variables() {
            if let Some(value) = saved.get(&name) {
                var.copy_(value);
            }
        }
    });
}

/// Trains `model`'s variables in `vs` on `train`, keeping the weights of the step with
/// the best accuracy on `val` (evaluated before training and about ten times during it).
/// `tick` is called every step (cancellation, progress) with (step, total steps).
pub fn fit(model: &dyn FeatureClassifier, vs: &VarStore, train: Labelled, val: Labelled, params: &FitParams, setting: Setting, seed: u64, tick: &mut dyn FnMut(u64, u64) -> Result<()>) -> Result<FitOutcome> {
    let started = Instant::now();
    let n = train.len();
    anyhow::ensure!(n > 0, "no training examples");
    let batch = (params.batch_size as usize).min(n);
    let steps_per_epoch = n.div_ceil(batch) as u64;
    let total = (params.epochs as u64 * steps_per_epoch).max(params.min_steps as u64).max(1);
    let eval_every = (total / 10).max(1);
    let mut opt = match params.optimizer {
        Optimizer::Sgd => nn::Sgd { momentum: 0.9, wd: setting.weight_decay, ..Default::default() }.build(vs, setting.lr)?,
        Optimizer::Adamw => nn::AdamW { wd: setting.weight_decay, ..Default::default() }.build(vs, setting.lr)?,
    };
    let mut rng = SplitMix64::new(seed);
    let mut order: Vec<i64> = (0..n as i64).collect();
    let mut cursor = n;
    let first = accuracy(model, val);
    let (mut best, mut best_step, mut saved) = (first, 0u64, snapshot(vs));
    let mut val_curve = vec![(0.0, first)];
    let mut loss_curve = Vec::new();
    // Summed on the device and read only at evaluation points: no sync every step.
    let (mut loss_sum, mut loss_count) = (Tensor::zeros([], (Kind::Float, train.features.device())), 0u32);
    for step in 1..=total {
        if cursor + batch > n {
            for i in (1..n).rev() {
                order.swap(i, rng.below(i + 1));
            }
            cursor = 0;
        }
        let index = Tensor::from_slice(&order[cursor..cursor + batch]).to_device(train.features.device());
        cursor += batch;
        let progress = (step - 1) as f64 / total as f64;
        opt.set_lr(setting.lr * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos()));
        let logits = model.logits(&train.features.index_select(0, &index));
        let loss = logits.to_kind(Kind::Float).cross_entropy_for_logits(&train.labels.index_select(0, &index));
        opt.backward_step(&loss);
        loss_sum += loss.detach();
        loss_count += 1;
        if step % eval_every == 0 || step == total {
            loss_curve.push((step as f64, loss_sum.double_value(&[]) / loss_count as f64));
            let _ = loss_sum.zero_();
            loss_count = 0;
            let acc = accuracy(model, val);
            val_curve.push((step as f64, acc));
            if acc > best {
                (best, best_step, saved) = (acc, step, snapshot(vs));
            }
        }
        tick(step, total)?;
    }
    restore(vs, &saved);
    Ok(FitOutcome { setting, val_accuracy: best, best_step, steps: total, loss_curve, val_curve, seconds: started.elapsed().as_secs_f64() })
}

/// A trained model with the variables it owns.
pub struct Trained<M> {
    pub model: M,
    pub vs: VarStore,
    pub outcome: FitOutcome,
}

/// Trains one fresh model (from `build`, with the torch seed reset so every setting
/// starts from the same init) per grid point; returns the one best on validation (the
/// first of equals) and every point's outcome.
pub fn grid_search<M: FeatureClassifier>(build: &dyn Fn(&VarStore) -> M, device: tch::Device, train: Labelled, val: Labelled, params: &FitParams, seed: u64, tick: &mut dyn FnMut(u64, u64) -> Result<()>) -> Result<(Trained<M>, Vec<FitOutcome>)> {
    let mut best: Option<Trained<M>> = None;
    let mut all = Vec::new();
    for &lr in &params.lrs {
        for &weight_decay in &params.weight_decays {
            tch::manual_seed(seed as i64);
            let vs = VarStore::new(device);
            let model = build(&vs);
            let outcome = fit(&model, &vs, train, val, params, Setting { lr, weight_decay }, seed, tick)?;
            all.push(outcome.clone());
            if best.as_ref().is_none_or(|b| outcome.val_accuracy > b.outcome.val_accuracy) {
                best = Some(Trained { model, vs, outcome });
            }
        }
    }
    let best = best.ok_or_else(|| anyhow::anyhow!("the grid is empty: give `lrs` and `weight_decays`"))?;
    Ok((best, all))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::class_head::LinearProbe;
    use tch::Device;

    #[test]
    fn loss_decreases_and_the_best_step_is_restored() {
        tch::manual_seed(1);
        let centres = Tensor::randn([4, 16], (Kind::Float, Device::Cpu));
        let labels = Tensor::arange(400, (Kind::Int64, Device::Cpu)).remainder(4);
        let features = centres.index_select(0, &labels) + Tensor::randn([400, 16], (Kind::Float, Device::Cpu)) * 0.8;
        let (train, val) = (Labelled { features: &features.narrow(0, 0, 300), labels: &labels.narrow(0, 0, 300) }, Labelled { features: &features.narrow(0, 300, 100), labels: &labels.narrow(0, 300, 100) });
        let params = FitParams { lrs: vec![1e-2], epochs: 30, batch_size: 32, min_steps: 0, ..FitParams::default() };
        let vs = VarStore::new(Device::Cpu);
        let probe = LinearProbe::new(&vs.root(), 16, 4);
        let outcome = fit(&probe, &vs, train, val, &params, Setting { lr: 1e-2, weight_decay: 0.0 }, 0, &mut |_, _| Ok(())).unwrap();
        let (first, last) = (outcome.loss_curve[0].1, outcome.loss_curve.last().unwrap().1);
        assert!(last < first * 0.5, "loss {first} → {last}");
        assert!(outcome.val_accuracy > 0.8, "{outcome:?}");
        // The weights left in the model are the best step's: their accuracy is the reported one.
        assert!((accuracy(&probe, val) - outcome.val_accuracy).abs() < 1e-9);
        assert_eq!(outcome.steps, 30 * 10);
    }
}
