//! MoCo's training loop, as the official CIFAR-10 demo runs it: two augmented views of each
//! image, the momentum step and the queue (`nn::moco`), SGD with momentum and weight decay
//! under a cosine schedule, a kNN monitor on the query encoder's features. Every random
//! choice is a function of the seed and the position in training (the epoch's order, each
//! view's augmentation, the key batch's shuffle), and a checkpoint holds both encoders,
//! the queue with its bookkeeping and the momentum buffers, so a resumed run continues
//! exactly as the uninterrupted one. Checkpoints are written at epoch ends (at most one per
//! `save_seconds`), at the end, and when the user stops the run.
use super::checkpoint::{self, EpochRecord, LoopState};
use super::classifier::{epoch_order, mix};
use super::sgd::{cosine_lr, Sgd};
use super::Observer;
use crate::data::moco_augment::{normalise, Augment};
use crate::data::rng::SplitMix64;
use crate::nn::moco::{knn_predict, FalseNegatives, Moco};
use anyhow::{ensure, Result};
use std::path::Path;
use std::time::Instant;
use tch::nn::ModuleT;
use tch::{Kind, Tensor};

#[derive(Debug, Clone, PartialEq)]
pub struct MocoTrainConfig {
    pub batch_size: i64,
    /// Optimizer steps in all; epochs are as many passes as that takes.
    pub total_steps: u64,
    pub lr: f64,
    pub sgd_momentum: f64,
    pub weight_decay: f64,
    pub seed: u64,
    pub false_negatives: FalseNegatives,
    /// kNN monitor: neighbours and temperature (the demo's 200 and 0.1).
    pub knn_k: i64,
    pub knn_t: f64,
    /// kNN evaluations over the run (every epoch when there are at most this many).
    pub eval_points: u32,
    pub save_seconds: f64,
}

/// The images trained on: u8 [N, 3, S, S] on the model's device, and the source image of
/// each (its own index, or the original an offline copy was made from).
pub struct TrainSet<'a> {
    pub images: &'a Tensor,
    pub sources: &'a [i64],
    pub augment: &'a Augment,
}

/// Labelled images for the kNN monitor: the bank (training images with labels) and the
/// images scored against it.
pub struct KnnSet<'a> {
    pub bank: &'a Tensor,
    pub bank_labels: &'a Tensor,
    pub test: &'a Tensor,
    pub test_labels: &'a Tensor,
    pub classes: i64,
}

#[derive(Debug, Clone)]
pub struct MocoOutcome {
    /// One record per epoch: train_loss, eval_accuracy (kNN, NaN where not evaluated),
    /// extra["same_source"] (queued copies of the query's own image, mean per query).
    pub history: Vec<EpochRecord>,
    pub steps: u64,
    pub seconds: f64,
    pub images: u64,
    pub resumed_from: Option<String>,
    /// Key consistency half-way through: (age in steps, mean cosine) per queued batch.
    pub consistency: Vec<(u64, f64)>,
}

/// A permutation of 0..n drawn from (seed, step): the key batch's shuffle.
pub fn shuffle_for(n: i64, seed: u64, step: u64) -> Vec<i64> {
    let mut rng = SplitMix64::new(mix(seed ^ 0x5348_5546, step + 1));
    let mut order: Vec<i64> = (0..n).collect();
    for i in (1..n as usize).rev() {
        order.swap(i, rng.below(i + 1));
    }
    order
}

/// The augmentation key of view `view` (0 query, 1 key) of image `index` in `epoch`.
pub fn view_key(seed: u64, epoch: u32, index: i64, view: u64) -> u64 {
    mix(mix(seed, u64::from(epoch) + 1), (index as u64) << 1 | view)
}

/// `f` of the normalised u8 `images`, `batch` at a time, without gradients, concatenated.
pub fn batched(images: &Tensor, batch: i64, f: impl Fn(&Tensor) -> Tensor) -> Tensor {
    tch::no_grad(|| {
        let n = images.size()[0];
        let parts: Vec<Tensor> = (0..n).step_by(batch.max(1) as usize).map(|s| f(&normalise(&images.narrow(0, s, batch.min(n - s))))).collect();
        Tensor::cat(&parts, 0)
    })
}

/// Unit features of the query encoder (its head's output, as the demo's monitor uses).
pub fn head_features(moco: &Moco, images: &Tensor, batch: i64) -> Tensor {
    batched(images, batch, |x| {
        let f = moco.query.forward_t(x, false);
        &f / f.norm_scalaropt_dim(2.0, [1i64].as_slice(), true).clamp_min(1e-12)
    })
}

/// kNN accuracy of the test images against the bank.
pub fn knn_accuracy(moco: &Moco, set: &KnnSet, k: i64, t: f64, batch: i64) -> f64 {
    let bank = head_features(moco, set.bank, batch);
    let test = head_features(moco, set.test, batch);
    let predicted = knn_predict(&test, &bank, set.bank_labels, set.classes, k, t);
    predicted.eq_tensor(set.test_labels).to_kind(Kind::Float).mean(Kind::Float).double_value(&[])
}

fn params_of(moco: &Moco) -> Vec<(String, Tensor)> {
    let mut out: Vec<(String, Tensor)> = Vec::new();
    for (prefix, vs) in [("query", &moco.query_vs), ("key", &moco.key_vs)] {
        let mut vars: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
        vars.sort_by(|a, b| a.0.cmp(&b.0));
        out.extend(vars.into_iter().map(|(n, t)| (format!("{prefix}.{n}"), t)));
    }
    out.extend(moco.queue_state().into_iter().map(|(n, t)| (format!("state.{n}"), t)));
    out
}

fn restore(moco: &mut Moco, saved: &[(String, Tensor)]) -> Result<()> {
    for (prefix, vs) in [("query", &moco.query_vs), ("key", &moco.key_vs)] {
        tch::no_grad(|| -> Result<()> {
            for (name, t) in vs.variables() {
                let key = format!("{prefix}.{name}");
                let (_, s) = saved.iter().find(|(k, _)| *k == key).ok_or_else(|| anyhow::anyhow!("the checkpoint lacks `{key}`"))?;
                ensure!(s.size() == t.size(), "checkpoint tensor `{key}` has shape {:?}, the model {:?}", s.size(), t.size());
                t.shallow_clone().copy_(s);
            }
            Ok(())
        })?;
    }
    let state: Vec<(String, Tensor)> = saved.iter().filter_map(|(k, t)| k.strip_prefix("state.").map(|k| (k.to_string(), t.shallow_clone()))).collect();
    moco.load_queue_state(&state)
}

/// Mean cosine between each queued key and the same view's key recomputed now (same
/// images, views and shuffle, key encoder in training mode as when it was queued), by
/// age. The key encoder's BatchNorm statistics are put back afterwards.
pub fn key_consistency(moco: &Moco, data: &TrainSet, seed: u64, steps_done: u64) -> Vec<(u64, f64)> {
    let k = moco.cfg.queue;
    if k == 0 {
        return Vec::new();
    }
    let ids: Vec<i64> = Vec::try_from(&moco.queue_ids.to_device(tch::Device::Cpu)).unwrap_or_default();
    let views: Vec<i64> = Vec::try_from(&moco.queue_views.to_device(tch::Device::Cpu)).unwrap_or_default();
    let steps: Vec<i64> = Vec::try_from(&moco.queue_steps.to_device(tch::Device::Cpu)).unwrap_or_default();
    let buffers: Vec<(String, Tensor)> = moco.key_vs.variables().into_iter().filter(|(_, t)| !t.requires_grad()).map(|(n, t)| (n, t.copy())).collect();
    let device = moco.queue.device();
    let mut out = Vec::new();
    let mut start = 0usize;
    tch::no_grad(|| {
        while start < ids.len() {
            let step = steps[start];
            let end = (start..ids.len()).find(|&i| steps[i] != step).unwrap_or(ids.len());
            if step >= 0 && ids[start] >= 0 {
                let batch_ids = &ids[start..end];
                let index = Tensor::from_slice(batch_ids).to_device(device);
                let keys: Vec<u64> = views[start..end].iter().map(|&v| v as u64).collect();
                let im_k = data.augment.views(&data.images.index_select(0, &index), &keys);
                let perm = Tensor::from_slice(&shuffle_for(batch_ids.len() as i64, seed, step as u64)).to_device(device);
                let f = moco.key.forward_t(&im_k.index_select(0, &perm), true);
                let f = &f / f.norm_scalaropt_dim(2.0, [1i64].as_slice(), true).clamp_min(1e-12);
                let f = f.index_select(0, &perm.argsort(0, false));
                let stored = moco.queue.narrow(1, start as i64, (end - start) as i64).transpose(0, 1);
                let cos = (f * stored).sum(Kind::Float).double_value(&[]) / (end - start) as f64;
                out.push((steps_done.saturating_sub(step as u64), cos));
            }
            start = end;
        }
        let vars = moco.key_vs.variables();
        for (n, t) in &buffers {
            vars[n].shallow_clone().copy_(t);
        }
    });
    out.sort_by_key(|p| p.0);
    out
}

/// One optimizer step on the images `idx` of `data` (its position: `epoch`, `step`):
/// both views, the shuffled key batch, the loss, SGD at `lr`, and the keys enqueued.
/// Returns the loss and the queued copies of each query's own source image (mean).
#[allow(clippy::too_many_arguments)]
pub fn train_step(moco: &mut Moco, opt: &mut Sgd, data: &TrainSet, sources: &Tensor, idx: &[i64], epoch: u32, step: u64, lr: f64, cfg: &MocoTrainConfig) -> Result<(f64, f64)> {
    let device = moco.queue.device();
    let b = idx.len() as i64;
    let index = Tensor::from_slice(idx).to_device(device);
    let images = data.images.index_select(0, &index);
    let keys_q: Vec<u64> = idx.iter().map(|&i| view_key(cfg.seed, epoch, i, 0)).collect();
    let keys_k: Vec<u64> = idx.iter().map(|&i| view_key(cfg.seed, epoch, i, 1)).collect();
    let im_q = data.augment.views(&images, &keys_q);
    let im_k = data.augment.views(&images, &keys_k);
    let perm = Tensor::from_slice(&shuffle_for(b, cfg.seed, step)).to_device(device);
    let same = (moco.cfg.queue > 0).then(|| {
        let queued = sources.index_select(0, &moco.queue_ids.clamp_min(0)).where_self(&moco.queue_ids.ge(0), &Tensor::full_like(&moco.queue_ids, -2));
        sources.index_select(0, &index).unsqueeze(1).eq_tensor(&queued.unsqueeze(0))
    });
    let out = moco.step_with(&im_q, &im_k, Some(&perm), same.as_ref(), cfg.false_negatives);
    opt.zero_grad();
    out.loss.backward();
    opt.step(lr);
    let views: Vec<i64> = keys_k.iter().map(|&k| k as i64).collect();
    moco.enqueue_with(&out.keys, &index, &Tensor::from_slice(&views).to_device(device), step as i64)?;
    let loss = out.loss.double_value(&[]);
    ensure!(loss.is_finite(), "the loss is {loss} at step {step}; lower `lr`");
    Ok((loss, same.map_or(0.0, |s| s.sum(Kind::Float).double_value(&[]) / b as f64)))
}

/// The optimizer of a MoCo run: SGD over the query encoder's trainable tensors, by name.
pub fn optimizer(moco: &Moco, cfg: &MocoTrainConfig) -> Sgd {
    let mut v: Vec<(String, Tensor)> = moco.query_vs.variables().into_iter().filter(|(_, t)| t.requires_grad()).collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    Sgd::new(v, cfg.sgd_momentum, cfg.weight_decay)
}

/// Trains `moco` on `data`; checkpoints in `dir` (one found there is resumed).
pub fn train(moco: &mut Moco, data: &TrainSet, monitor: Option<&KnnSet>, cfg: &MocoTrainConfig, dir: &Path, obs: &dyn Observer) -> Result<MocoOutcome> {
    let n = data.images.size()[0];
    let b = cfg.batch_size;
    ensure!(b >= 2 && b <= n, "a batch of {b} does not fit {n} training images; lower `batch_size`");
    ensure!(data.sources.len() as i64 == n, "one source per training image");
    let per_epoch = (n / b) as u64;
    let epochs = cfg.total_steps.div_ceil(per_epoch) as u32;
    let eval_every = epochs.div_ceil(cfg.eval_points.max(1)).max(1);
    let mid_epoch = (cfg.total_steps / 2).div_ceil(per_epoch).max(1) as u32;
    let device = moco.queue.device();
    let sources = Tensor::from_slice(data.sources).to_device(device);
    let mut opt = optimizer(moco, cfg);
    let mut state = LoopState::default();
    let mut resumed_from = None;
    let mut consistency = Vec::new();
    let mut partial = (0.0, 0.0, 0.0);
    if let Some(r) = checkpoint::latest(dir)? {
        restore(moco, &r.params)?;
        opt.load_state(&r.moments)?;
        state = r.state;
        let extra: Extra = state.extra.clone().and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default();
        partial = extra.partial;
        consistency = extra.consistency;
        let at = format!("epoch {}, step {}", state.epoch + 1, state.optimizer_steps);
        obs.log(format!("resuming from the checkpoint at {at} ({})", r.dir.display()));
        resumed_from = Some(at);
    }
    let save = |moco: &Moco, state: &LoopState, opt: &Sgd, partial: (f64, f64, f64), consistency: &[(u64, f64)]| -> Result<()> {
        let s = LoopState { extra: Some(serde_json::to_value(Extra { partial, consistency: consistency.to_vec() })?), ..state.clone() };
        checkpoint::save(dir, &s, &params_of(moco), &opt.state()).map(|_| ())
    };
    let mut last_save = Instant::now();
    while state.optimizer_steps < cfg.total_steps {
        let epoch = state.epoch;
        let order = epoch_order(n as usize, cfg.seed, epoch);
        let segment = Instant::now();
        let seconds_before = state.seconds;
        let mut loss_sum = std::mem::take(&mut partial);
        while state.micro_done < per_epoch && state.optimizer_steps < cfg.total_steps {
            if let Err(e) = obs.check_cancelled() {
                state.seconds = seconds_before + segment.elapsed().as_secs_f64();
                save(moco, &state, &opt, loss_sum, &consistency)?;
                return Err(e);
            }
            let started = Instant::now();
            let from = (state.micro_done * b as u64) as usize;
            let idx: Vec<i64> = order[from..from + b as usize].iter().map(|&i| i as i64).collect();
            let step = state.optimizer_steps;
            let lr = cosine_lr(cfg.lr, step, cfg.total_steps);
            let (loss, same_per_query) = train_step(moco, &mut opt, data, &sources, &idx, epoch, step, lr, cfg)?;
            loss_sum.0 += loss;
            loss_sum.1 += same_per_query;
            loss_sum.2 += 1.0;
            state.optimizer_steps += 1;
            state.micro_done += 1;
            state.images += b as u64;
            obs.metric("train/loss", state.optimizer_steps, loss);
            obs.metric("train/learning_rate", state.optimizer_steps, lr);
            obs.metric("train/images_per_s", state.optimizer_steps, b as f64 / started.elapsed().as_secs_f64().max(1e-9));
            obs.progress(state.optimizer_steps, cfg.total_steps, "steps");
        }
        let last = state.optimizer_steps >= cfg.total_steps;
        let evaluate = (epoch + 1).is_multiple_of(eval_every) || last;
        let knn = match monitor.filter(|_| evaluate) {
            Some(set) => knn_accuracy(moco, set, cfg.knn_k, cfg.knn_t, 256),
            None => f64::NAN,
        };
        if epoch + 1 == mid_epoch || (consistency.is_empty() && last) {
            consistency = key_consistency(moco, data, cfg.seed, state.optimizer_steps);
        }
        state.seconds = seconds_before + segment.elapsed().as_secs_f64();
        let steps = loss_sum.2.max(1.0);
        let mut extra = std::collections::BTreeMap::new();
        extra.insert("same_source".to_string(), loss_sum.1 / steps);
        state.history.push(EpochRecord { epoch: epoch + 1, step: state.optimizer_steps, train_loss: loss_sum.0 / steps, eval_loss: f64::NAN, eval_accuracy: knn, seconds: state.seconds, extra });
        if knn.is_finite() {
            obs.metric("eval/knn_accuracy", state.optimizer_steps, knn);
            obs.log(format!("epoch {}: loss {:.4}, kNN accuracy {:.4}", epoch + 1, loss_sum.0 / steps, knn));
        }
        state.epoch += 1;
        state.micro_done = 0;
        if last || last_save.elapsed().as_secs_f64() >= cfg.save_seconds {
            save(moco, &state, &opt, (0.0, 0.0, 0.0), &consistency)?;
            last_save = Instant::now();
        }
    }
    Ok(MocoOutcome { history: state.history, steps: state.optimizer_steps, seconds: state.seconds, images: state.images, resumed_from, consistency })
}

/// What a MoCo checkpoint keeps besides the classifier loop's state: the running sums of
/// the epoch in progress (so a resumed epoch reports the same mean) and the consistency curve.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Extra {
    /// (loss, same-source negatives per query, steps) summed over the epoch so far.
    partial: (f64, f64, f64),
    consistency: Vec<(u64, f64)>,
}
