//! Training a soft prompt on a frozen causal LM, and classifying with a verbaliser: each
//! label is a word, and the prediction is the label whose tokens are most probable after
//! the (prompted) input. Only the prompt's embeddings receive gradients.
use super::optim::{AdamW, AdamWConfig};
use crate::nn::lm::prompt_tuning::SoftPrompt;
use crate::nn::lm::CausalLm;
use anyhow::{bail, Result};
use tch::{Kind, Tensor};

/// Right-pads rows into ids [b, t], mask [b, t] and labels [b, t] (-100 where not scored).
fn pad_rows(rows: &[(Vec<i64>, Vec<i64>)], pad: i64) -> (Tensor, Tensor, Tensor) {
    let t = rows.iter().map(|(p, c)| p.len() + c.len()).max().unwrap_or(0);
    let (mut ids, mut mask, mut labels) = (Vec::new(), Vec::new(), Vec::new());
    for (prompt, target) in rows {
        let len = prompt.len() + target.len();
        ids.extend(prompt.iter().chain(target).copied().chain(std::iter::repeat_n(pad, t - len)));
        mask.extend(std::iter::repeat_n(1i64, len).chain(std::iter::repeat_n(0, t - len)));
        labels.extend(std::iter::repeat_n(-100i64, prompt.len()).chain(target.iter().copied()).chain(std::iter::repeat_n(-100, t - len)));
    }
    let shape = [rows.len() as i64, t as i64];
    (Tensor::from_slice(&ids).view(shape), Tensor::from_slice(&mask).view(shape), Tensor::from_slice(&labels).view(shape))
}

/// Sum of log p(target tokens | prompt) per row, with an optional soft prompt in front.
pub fn continuation_logprobs(lm: &CausalLm, soft: Option<&SoftPrompt>, rows: &[(Vec<i64>, Vec<i64>)]) -> Result<Vec<f64>> {
    if rows.iter().any(|(p, c)| p.is_empty() || c.is_empty()) {
        bail!("every scored row needs a non-empty prompt and continuation");
    }
    let longest = rows.iter().map(|(p, c)| p.len() + c.len()).max().unwrap_or(0) as i64 + soft.map_or(0, |s| s.len());
    if longest > lm.cfg.max_positions {
        bail!("an input of {longest} tokens exceeds the model's context of {}; shorten the texts or the prompt", lm.cfg.max_positions);
    }
    let _guard = tch::no_grad_guard();
    let device = lm.device();
    let (ids, mask, labels) = pad_rows(rows, 0);
    let (ids, mask, labels) = (ids.to_device(device), mask.to_device(device), labels.to_device(device));
    let logits = match soft {
        Some(s) => {
            let l = s.forward(lm, &ids, &mask);
            l.narrow(1, s.len(), ids.size()[1])
        }
        None => lm.forward(&ids, None),
    };
    // Token i is predicted at position i - 1.
    let t = ids.size()[1];
    let logp = logits.narrow(1, 0, t - 1).to_kind(Kind::Float).log_softmax(-1, Kind::Float);
    let targets = labels.narrow(1, 1, t - 1);
    let scored = targets.ne(-100);
    let picked = logp.gather(2, &targets.clamp_min(0).unsqueeze(-1), false).squeeze_dim(-1) * scored.to_kind(Kind::Float);
    Ok(Vec::try_from(picked.sum_dim_intlist(1, false, Kind::Double).to_device(tch::Device::Cpu))?)
}

/// For each input (token ids), the index of the most probable label and every label's score.
pub fn classify(lm: &CausalLm, soft: Option<&SoftPrompt>, inputs: &[Vec<i64>], label_ids: &[Vec<i64>], batch: usize) -> Result<Vec<(usize, Vec<f64>)>> {
    if label_ids.is_empty() {
        bail!("a verbaliser needs at least one label word");
    }
    let rows: Vec<(Vec<i64>, Vec<i64>)> = inputs.iter().flat_map(|x| label_ids.iter().map(move |l| (x.clone(), l.clone()))).collect();
    let per = label_ids.len();
    let mut scores = Vec::with_capacity(rows.len());
    for chunk in rows.chunks((batch.max(1) * per).max(per)) {
        scores.extend(continuation_logprobs(lm, soft, chunk)?);
    }
    Ok(scores
        .chunks(per)
        .map(|s| {
            let best = s.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map_or(0, |(i, _)| i);
            (best, s.to_vec())
        })
        .collect())
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PromptTrainConfig {
    pub steps: usize,
    pub batch: usize,
    pub lr: f64,
    pub seed: u64,
}

/// Trains `soft` on (input, target) pairs with the LM frozen: AdamW on the prompt alone,
/// linear decay, loss on the target tokens only. `progress(step, loss)` after each step.
pub fn train_soft_prompt(lm: &CausalLm, soft: &SoftPrompt, examples: &[(Vec<i64>, Vec<i64>)], cfg: &PromptTrainConfig, progress: &mut dyn FnMut(usize, f64)) -> Result<()> {
    let params = vec![("prompt_embeddings".to_string(), soft.embeddings.shallow_clone())];
    train_on_targets(lm, params, examples, cfg, &|ids, mask, labels| soft.loss(lm, ids, mask, labels), progress)
}

/// Trains LoRA pairs already attached to `lm` (`CausalLm::attach_lora`, whose tensors are
/// `params`) on the same pairs and loss, the base weights frozen.
pub fn train_lora(lm: &CausalLm, params: Vec<(String, Tensor)>, examples: &[(Vec<i64>, Vec<i64>)], cfg: &PromptTrainConfig, progress: &mut dyn FnMut(usize, f64)) -> Result<()> {
    train_on_targets(lm, params, examples, cfg, &|ids, mask, labels| causal_loss(&lm.forward(ids, Some(mask)), labels), progress)
}

/// transformers' causal LM loss: mean cross-entropy of each next token whose label is not -100.
pub fn causal_loss(logits: &Tensor, labels: &Tensor) -> Tensor {
    let logits = logits.to_kind(Kind::Float);
    let (t, vocab) = (logits.size()[1], logits.size()[2]);
    let shifted = logits.narrow(1, 0, t - 1).reshape([-1, vocab]);
    let targets = labels.narrow(1, 1, t - 1).reshape([-1]);
    shifted.cross_entropy_loss::<Tensor>(&targets, None, tch::Reduction::Mean, -100, 0.0)
}

type LossFn<'a> = dyn Fn(&Tensor, &Tensor, &Tensor) -> Tensor + 'a;

/// AdamW on `params` over seeded shuffled batches of `examples`, linear decay to zero.
fn train_on_targets(lm: &CausalLm, params: Vec<(String, Tensor)>, examples: &[(Vec<i64>, Vec<i64>)], cfg: &PromptTrainConfig, loss_of: &LossFn, progress: &mut dyn FnMut(usize, f64)) -> Result<()> {
    if examples.is_empty() {
        bail!("no training examples");
    }
    let longest = examples.iter().map(|(p, c)| p.len() + c.len()).max().unwrap_or(0) as i64;
    if longest > lm.cfg.max_positions {
        bail!("a training example of {longest} tokens exceeds the model's context of {}; shorten the texts", lm.cfg.max_positions);
    }
    let device = lm.device();
    let mut opt = AdamW::new(params, AdamWConfig::default());
    let mut rng = crate::data::rng::SplitMix64::new(cfg.seed);
    let mut order: Vec<usize> = Vec::new();
    for step in 0..cfg.steps {
        let mut batch = Vec::with_capacity(cfg.batch);
        while batch.len() < cfg.batch.max(1) {
            if order.is_empty() {
                order = (0..examples.len()).collect();
                rng.shuffle(&mut order);
            }
            batch.push(examples[order.pop().expect("refilled above")].clone());
        }
        let (ids, mask, labels) = pad_rows(&batch, 0);
        let loss = tch::with_grad(|| loss_of(&ids.to_device(device), &mask.to_device(device), &labels.to_device(device)));
        opt.zero_grad();
        loss.backward();
        opt.step(cfg.lr * (cfg.steps - step) as f64 / cfg.steps as f64);
        progress(step + 1, loss.double_value(&[]));
    }
    Ok(())
}
