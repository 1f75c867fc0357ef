//! The classification training loop, as Hugging Face's Trainer runs it: shuffled
//! batches, gradient accumulation, AdamW with the linear schedule, gradient clipping,
//! fp16 autocast with dynamic loss scaling on CUDA, evaluation and a checkpoint every
//! epoch (and every `save_steps` optimizer steps), the best epoch's weights restored
//! at the end. Every random choice (order, crops, flips, dropout) is a function of the
//! seed and the position in training, so a run resumed from a checkpoint continues
//! exactly as the uninterrupted run would have.
use super::checkpoint::{self, EpochRecord, LoopState};
use super::optim::{AdamW, AdamWConfig};
use super::schedule::LinearSchedule;
use super::Observer;
use crate::data::loader::{load, ImageRef, Transform};
use crate::data::rng::SplitMix64;
use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;
use tch::{Device, Kind, Tensor};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    #[default]
    Fp32,
    /// CUDA autocast to float16 with dynamic loss scaling (the notebook's `fp16=True`).
    Fp16,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    pub epochs: u32,
    pub batch_size: usize,
    pub grad_accum: usize,
    pub lr: f64,
    /// Fraction of all optimizer steps spent warming up.
    pub warmup_ratio: f64,
    pub adamw: AdamWConfig,
    /// 0 turns clipping off.
    pub max_grad_norm: f64,
    pub precision: Precision,
    /// Also checkpoint every this many optimizer steps (0: only at epoch ends).
    pub save_steps: u64,
    pub seed: u64,
    pub eval_batch_size: usize,
}

/// Labelled images and the transform that prepares them.
pub struct Split<'a> {
    pub items: &'a [(ImageRef, usize)],
    pub transform: Arc<dyn Transform>,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub history: Vec<EpochRecord>,
    pub best_epoch: u32,
    pub best_accuracy: f64,
    pub seconds: f64,
    pub optimizer_steps: u64,
    pub images: u64,
    /// Where the run resumed, when it did ("epoch 2, step 14").
    pub resumed_from: Option<String>,
    pub skipped: Vec<(String, String)>,
}

/// The model as the loop sees it: pixels → logits, in training mode or not.
pub type Forward<'a> = &'a dyn Fn(&Tensor, bool) -> Tensor;

const SCALE_START: f64 = 65536.0;
const SCALE_GROWTH_INTERVAL: u64 = 2000;

pub(crate) fn mix(a: u64, b: u64) -> u64 {
    SplitMix64::new(a ^ b.wrapping_mul(0x9E37_79B9_7F4A_7C15)).next_u64()
}

/// The epoch's order of the training items.
pub(crate) fn epoch_order(n: usize, seed: u64, epoch: u32) -> Vec<usize> {
    let mut rng = SplitMix64::new(mix(seed, u64::from(epoch) + 1));
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, rng.below(i + 1));
    }
    order
}

/// Trains `params` (the trainable tensors of `forward`'s model, by name) and leaves the
/// best epoch's values in them. Checkpoints go to `dir`; one found there is resumed.
pub fn train(forward: Forward, params: Vec<(String, Tensor)>, train: Split, eval: Split, cfg: &TrainConfig, dir: &Path, device: Device, obs: &dyn Observer) -> Result<Outcome> {
    if cfg.precision == Precision::Fp16 && !device.is_cuda() {
        bail!("fp16 mixed precision needs CUDA; on {device:?} set `precision: fp32`");
    }
    anyhow::ensure!(!train.items.is_empty(), "no training images");
    let micro_per_epoch = train.items.len().div_ceil(cfg.batch_size) as u64;
    let accum = cfg.grad_accum.max(1) as u64;
    let steps_per_epoch = micro_per_epoch.div_ceil(accum);
    let total_steps = steps_per_epoch * u64::from(cfg.epochs);
    let schedule = LinearSchedule { base: cfg.lr, warmup: (cfg.warmup_ratio * total_steps as f64).ceil() as u64, total: total_steps };
    let mut opt = AdamW::new(params.iter().map(|(n, t)| (n.clone(), t.shallow_clone())).collect(), cfg.adamw);
    let mut state = LoopState { loss_scale: SCALE_START, ..Default::default() };
    let mut resumed_from = None;
    if let Some(restored) = checkpoint::latest(dir)? {
        copy_into(&params, &restored.params)?;
        opt.load_state(&restored.moments, restored.state.adam_steps)?;
        state = restored.state;
        let at = format!("epoch {}, step {}", state.epoch + 1, state.optimizer_steps);
        obs.log(format!("resuming from the checkpoint at {at} ({})", restored.dir.display()));
        resumed_from = Some(at);
    }
    // The loop's position with the optimizer's step count and the time so far: what a
    // checkpoint holds.
    let save = |state: &LoopState, seconds: f64, opt: &AdamW| -> Result<()> {
        let s = LoopState { seconds, adam_steps: opt.steps, ..state.clone() };
        checkpoint::save(dir, &s, &params, &opt.state()).map(|_| ())
    };
    while state.epoch < cfg.epochs {
        let epoch = state.epoch;
        let order = epoch_order(train.items.len(), cfg.seed, epoch);
        // Resuming inside an epoch skips the micro-batches already trained.
        let rest = &order[((state.micro_done * cfg.batch_size as u64) as usize).min(order.len())..];
        let items: Vec<(ImageRef, u64)> = rest.iter().map(|&i| (train.items[i].0.clone(), mix(u64::from(epoch) + 1, i as u64))).collect();
        let labels: Vec<i64> = rest.iter().map(|&i| train.items[i].1 as i64).collect();
        let mut loader = load(items, train.transform.clone(), cfg.batch_size, 4);
        let segment = Instant::now();
        let seconds_before = state.seconds;
        let mut group_loss = Tensor::zeros([], (Kind::Float, device));
        // (summed loss, images) over the epoch.
        let mut epoch_loss = (0.0f64, 0u64);
        let mut group_images = 0u64;
        let mut group_started = Instant::now();
        let mut micro = state.micro_done;
        opt.zero_grad();
        loop {
            if let Err(e) = obs.check_cancelled() {
                // Keep what the finished optimizer steps did (`state` stands at the last
                // group boundary); a partly accumulated group is redone on resume.
                save(&state, seconds_before + segment.elapsed().as_secs_f64(), &opt)?;
                return Err(e);
            }
            let Some(batch) = loader.next() else { break };
            let n = batch.indices.len();
            let group_index = micro / accum;
            let group_len = (micro_per_epoch - group_index * accum).min(accum);
            tch::manual_seed((mix(cfg.seed, (u64::from(epoch) << 32) | micro) >> 1) as i64);
            let pixels = batch.pixels.to_device(device);
            let batch_labels: Vec<i64> = batch.indices.iter().map(|&b| labels[b]).collect();
            let labels = Tensor::from_slice(&batch_labels).to_device(device);
            let logits = match cfg.precision {
                Precision::Fp32 => forward(&pixels, true),
                Precision::Fp16 => tch::autocast(true, || forward(&pixels, true)),
            };
            let loss = logits.to_kind(Kind::Float).cross_entropy_for_logits(&labels);
            let scale = if cfg.precision == Precision::Fp16 { state.loss_scale } else { 1.0 };
            (&loss * (scale / group_len as f64)).backward();
            group_loss += loss.detach() * n as f64;
            group_images += n as u64;
            micro += 1;
            let group_done = micro.is_multiple_of(accum) || micro == micro_per_epoch;
            if !group_done {
                continue;
            }
            let lr = schedule.lr_at(state.optimizer_steps);
            let stepped = finish_group(&mut opt, &mut state, cfg, lr);
            state.optimizer_steps += 1;
            state.micro_done = micro;
            state.images += group_images;
            let summed = group_loss.double_value(&[]);
            let mean_loss = summed / group_images.max(1) as f64;
            epoch_loss.0 += summed;
            epoch_loss.1 += group_images;
            obs.metric("train/loss", state.optimizer_steps, mean_loss);
            obs.metric("train/learning_rate", state.optimizer_steps, lr);
            obs.metric("train/images_per_s", state.optimizer_steps, group_images as f64 / group_started.elapsed().as_secs_f64().max(1e-9));
            if !stepped {
                obs.log(format!("fp16: gradients overflowed at step {}; step skipped, loss scale now {}", state.optimizer_steps, state.loss_scale));
            }
            obs.progress(state.optimizer_steps, total_steps, "steps");
            group_loss = Tensor::zeros([], (Kind::Float, device));
            group_images = 0;
            group_started = Instant::now();
            opt.zero_grad();
            if cfg.save_steps > 0 && state.optimizer_steps.is_multiple_of(cfg.save_steps) && micro < micro_per_epoch {
                save(&state, seconds_before + segment.elapsed().as_secs_f64(), &opt)?;
            }
        }
        state.skipped.extend(loader.skipped());
        drop(loader);
        let (eval_loss, eval_accuracy) = evaluate(forward, &eval, cfg, device, obs)?;
        state.seconds = seconds_before + segment.elapsed().as_secs_f64();
        let record = EpochRecord {
            epoch: epoch + 1,
            step: state.optimizer_steps,
            train_loss: if epoch_loss.1 > 0 { epoch_loss.0 / epoch_loss.1 as f64 } else { f64::NAN },
            eval_loss,
            eval_accuracy,
            seconds: state.seconds,
            extra: Default::default(),
        };
        obs.metric("eval/accuracy", u64::from(epoch + 1), eval_accuracy);
        obs.metric("eval/loss", u64::from(epoch + 1), eval_loss);
        obs.log(format!("epoch {}: eval accuracy {:.4}, loss {:.4}", epoch + 1, eval_accuracy, eval_loss));
        state.history.push(record);
        if state.best.is_none_or(|(_, acc)| eval_accuracy > acc) {
            state.best = Some((epoch + 1, eval_accuracy));
            checkpoint::save_best(dir, &params)?;
        }
        state.epoch += 1;
        state.micro_done = 0;
        save(&state, state.seconds, &opt)?;
    }
    let (best_epoch, best_accuracy) = state.best.unwrap_or((cfg.epochs, f64::NAN));
    copy_into(&params, &checkpoint::load_best(dir)?)?;
    Ok(Outcome {
        history: state.history,
        best_epoch,
        best_accuracy,
        seconds: state.seconds,
        optimizer_steps: state.optimizer_steps,
        images: state.images,
        resumed_from,
        skipped: state.skipped,
    })
}

/// Unscales, checks for overflow (fp16), clips and steps. False when the step was
/// skipped because a gradient overflowed.
fn finish_group(opt: &mut AdamW, state: &mut LoopState, cfg: &TrainConfig, lr: f64) -> bool {
    let fp16 = cfg.precision == Precision::Fp16;
    if fp16 {
        opt.scale_grads(1.0 / state.loss_scale);
    }
    let norm = opt.grad_norm();
    if fp16 && !norm.is_finite() {
        state.loss_scale /= 2.0;
        state.good_steps = 0;
        return false;
    }
    if cfg.max_grad_norm > 0.0 && norm > cfg.max_grad_norm {
        opt.scale_grads(cfg.max_grad_norm / (norm + 1e-6));
    }
    opt.step(lr);
    if fp16 {
        state.good_steps += 1;
        if state.good_steps.is_multiple_of(SCALE_GROWTH_INTERVAL) {
            state.loss_scale *= 2.0;
        }
    }
    true
}

/// (mean loss, accuracy) over `split`, without gradients.
pub fn evaluate(forward: Forward, split: &Split, cfg: &TrainConfig, device: Device, obs: &dyn Observer) -> Result<(f64, f64)> {
    let items: Vec<(ImageRef, u64)> = split.items.iter().map(|(img, _)| (img.clone(), 0)).collect();
    let loader = load(items, split.transform.clone(), cfg.eval_batch_size.max(1), 4);
    let (mut loss_sum, mut correct, mut seen) = (0.0, 0i64, 0i64);
    tch::no_grad(|| -> Result<()> {
        for batch in loader {
            obs.check_cancelled()?;
            let labels: Vec<i64> = batch.indices.iter().map(|&i| split.items[i].1 as i64).collect();
            let labels = Tensor::from_slice(&labels).to_device(device);
            let pixels = batch.pixels.to_device(device);
            let logits = match cfg.precision {
                Precision::Fp32 => forward(&pixels, false),
                Precision::Fp16 => tch::autocast(true, || forward(&pixels, false)),
            }
            .to_kind(Kind::Float);
            let n = labels.size()[0];
            loss_sum += logits.cross_entropy_for_logits(&labels).double_value(&[]) * n as f64;
            correct += logits.argmax(-1, false).eq_tensor(&labels).sum(Kind::Int64).int64_value(&[]);
            seen += n;
        }
        Ok(())
    })?;
    anyhow::ensure!(seen > 0, "no evaluation image could be read");
    Ok((loss_sum / seen as f64, correct as f64 / seen as f64))
}

/// Copies saved tensors into the live parameters by name.
fn copy_into(params: &[(String, Tensor)], saved: &[(String, Tensor)]) -> Result<()> {
    tch::no_grad(|| {
        for (name, p) in params {
            let Some((_, t)) = saved.iter().find(|(k, _)| k == name) else { bail!("the checkpoint lacks `{name}`") };
            anyhow::ensure!(t.size() == p.size(), "checkpoint tensor `{name}` has shape {:?}, the model {:?}", t.size(), p.size());
            p.shallow_clone().copy_(t);
        }
        Ok(())
    })
}
