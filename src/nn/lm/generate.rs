//! Text generation and scoring on a `CausalLm`: batched prompts left-padded into one KV
//! cache, `n` samples per prompt continuing from the prompt's cache, greedy decoding or
//! sampling (temperature, top-k, top-p, repetition penalty, seeded), EOS and stop strings.
//! Logit processing follows transformers' order: repetition penalty, temperature, top-k,
//! top-p.
use super::attention::KvCache;
use super::CausalLm;
use crate::data::rng::SplitMix64;
use anyhow::{bail, Result};
use tch::{Kind, Tensor};

#[derive(Debug, Clone, PartialEq)]
pub struct Sampling {
    /// 0 is greedy.
    pub temperature: f64,
    pub top_k: Option<usize>,
    pub top_p: Option<f64>,
    /// 1.0 is none; CTRL's penalty on every token already in the sequence.
    pub repetition_penalty: f64,
    pub max_new_tokens: usize,
    /// Samples per prompt.
    pub n: usize,
    pub seed: u64,
    /// Generation of a sequence ends after any of these appears in its new text.
    pub stop: Vec<String>,
    /// End-of-sequence ids (the config's, or the tokenizer's).
    pub eos: Vec<i64>,
}

impl Default for Sampling {
    fn default() -> Self {
        Self { temperature: 0.0, top_k: None, top_p: None, repetition_penalty: 1.0, max_new_tokens: 64, n: 1, seed: 0, stop: vec![], eos: vec![] }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Finish {
    Eos,
    Stop,
    Length,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub prompt: usize,
    pub sample: usize,
    /// New token ids, without the EOS that ended them.
    pub tokens: Vec<i64>,
    /// Their text, cut before a stop string.
    pub text: String,
    pub finish: Finish,
}

/// What the generator reports as it goes (the dashboard's live pane, the rate line).
pub enum GenEvent<'a> {
    Prefill { tokens: usize, seconds: f64 },
    /// The text so far of one sequence, after a new token.
    Token { prompt: usize, sample: usize, text: &'a str },
    Done { new_tokens: usize, seconds: f64 },
}

/// Turns token ids back into text (the tokenizer's decode, special tokens skipped).
pub type Decode<'a> = &'a dyn Fn(&[i64]) -> String;

/// Where the stop string starts in `text`, if any.
fn stop_at(text: &str, stop: &[String]) -> Option<usize> {
    stop.iter().filter(|s| !s.is_empty()).filter_map(|s| text.find(s.as_str())).min()
}

/// Applies the repetition penalty, temperature, top-k and top-p to one row of logits
/// (f32, on the CPU) in place; masked entries become -inf.
pub fn process_logits(logits: &mut [f32], seen: &[i64], s: &Sampling) {
    if s.repetition_penalty != 1.0 {
        let p = s.repetition_penalty as f32;
        let mut done = std::collections::HashSet::new();
        for &t in seen {
            if t >= 0 && (t as usize) < logits.len() && done.insert(t) {
                let v = &mut logits[t as usize];
                *v = if *v < 0.0 { *v * p } else { *v / p };
            }
        }
    }
    if s.temperature <= 0.0 {
        return;
    }
    let t = s.temperature as f32;
    logits.iter_mut().for_each(|v| *v /= t);
    let mut order: Vec<usize> = (0..logits.len()).collect();
    let needs_sort = s.top_k.is_some_and(|k| k > 0 && k < logits.len()) || s.top_p.is_some_and(|p| p < 1.0);
    if !needs_sort {
        return;
    }
    order.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]));
    let mut keep = logits.len();
    if let Some(k) = s.top_k.filter(|&k| k > 0) {
        keep = keep.min(k);
    }
    if let Some(p) = s.top_p.filter(|&p| p < 1.0) {
        // transformers keeps the smallest set whose mass reaches p (at least one token).
        let max = logits[order[0]];
        let weights: Vec<f64> = order[..keep].iter().map(|&i| ((logits[i] - max) as f64).exp()).collect();
        let total: f64 = weights.iter().sum();
        let mut mass = 0.0;
        let mut n = 0;
        for w in &weights {
            n += 1;
            mass += w / total;
            if mass >= p {
                break;
            }
        }
        keep = keep.min(n.max(1));
    }
    for &i in &order[keep..] {
        logits[i] = f32::NEG_INFINITY;
    }
}

/// Greedy argmax, or a draw from softmax(logits) with `rng`.
pub fn choose(logits: &[f32], greedy: bool, rng: &mut SplitMix64) -> i64 {
    if greedy {
        let mut best = 0;
        for (i, v) in logits.iter().enumerate() {
            if *v > logits[best] {
                best = i;
            }
        }
        return best as i64;
    }
    let max = logits.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    let weights: Vec<f64> = logits.iter().map(|&v| ((v - max) as f64).exp()).collect();
    let total: f64 = weights.iter().sum();
    let mut r = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * total;
    for (i, w) in weights.iter().enumerate() {
        r -= w;
        if r < 0.0 {
            return i as i64;
        }
    }
    weights.iter().rposition(|w| *w > 0.0).unwrap_or(0) as i64
}

/// Left-pads token lists into ids [b, t] and a mask [b, t] (1 real, 0 pad).
pub fn left_pad(prompts: &[Vec<i64>], pad: i64) -> (Tensor, Tensor) {
    let t = prompts.iter().map(Vec::len).max().unwrap_or(0);
    let mut ids = Vec::with_capacity(prompts.len() * t);
    let mut mask = Vec::with_capacity(prompts.len() * t);
    for p in prompts {
        ids.extend(std::iter::repeat_n(pad, t - p.len()).chain(p.iter().copied()));
        mask.extend(std::iter::repeat_n(0i64, t - p.len()).chain(std::iter::repeat_n(1, p.len())));
    }
    let b = prompts.len() as i64;
    (Tensor::from_slice(&ids).view([b, t as i64]), Tensor::from_slice(&mask).view([b, t as i64]))
}

impl CausalLm {
    /// Generates from each of `prompts` (token ids), `s.n` samples each.
    pub fn generate(&self, prompts: &[Vec<i64>], s: &Sampling, decode: Decode, on_event: &mut dyn FnMut(GenEvent)) -> Result<Vec<Completion>> {
        if prompts.is_empty() {
            return Ok(vec![]);
        }
        if let Some(i) = prompts.iter().position(Vec::is_empty) {
            bail!("prompt {} is empty after tokenisation; give it some text (or a chat template with a BOS)", i + 1);
        }
        let longest = prompts.iter().map(Vec::len).max().unwrap_or(0);
        let context = self.cfg.max_positions as usize;
        if longest + s.max_new_tokens > context {
            bail!(
                "a prompt of {longest} tokens plus {} new tokens exceeds the model's context of {context}; shorten the prompt or lower max new tokens",
                s.max_new_tokens
            );
        }
        let _guard = tch::no_grad_guard();
        let device = self.device();
        let n = s.n.max(1);
        let pad = self.cfg.pad_token_id.or(self.cfg.eos_token_ids.first().copied()).unwrap_or(0);
        let (ids, mask) = left_pad(prompts, pad);
        let (ids, mut mask) = (ids.to_device(device), mask.to_device(device));
        let padded = prompts.iter().any(|p| p.len() < longest);
        let mut cache = KvCache::new(self.cfg.num_layers, (longest + s.max_new_tokens) as i64);
        let start = std::time::Instant::now();
        let positions = super::positions_from_mask(&mask);
        let hidden = self.hidden(&self.embed(&ids), &positions, padded.then_some(&mask), Some(&mut cache));
        let mut last = self.logits(&hidden.narrow(1, longest as i64 - 1, 1)).squeeze_dim(1);
        on_event(GenEvent::Prefill { tokens: prompts.iter().map(Vec::len).sum(), seconds: start.elapsed().as_secs_f64() });
        let decode_start = std::time::Instant::now();
        // Sequences are prompt-major: row p*n + j is sample j of prompt p.
        if n > 1 {
            cache.repeat_rows(n as i64);
            mask = mask.repeat_interleave_self_int(n as i64, 0, None);
            last = last.repeat_interleave_self_int(n as i64, 0, None);
        }
        let rows = prompts.len() * n;
        let mut next_position: Vec<i64> = prompts.iter().flat_map(|p| std::iter::repeat_n(p.len() as i64, n)).collect();
        let mut seen: Vec<Vec<i64>> = prompts.iter().flat_map(|p| std::iter::repeat_n(p.clone(), n)).collect();
        let mut out: Vec<Completion> = (0..rows).map(|r| Completion { prompt: r / n, sample: r % n, tokens: vec![], text: String::new(), finish: Finish::Length }).collect();
        let mut active = vec![true; rows];
        let mut rngs: Vec<SplitMix64> = (0..rows).map(|r| SplitMix64::new(s.seed ^ (r as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))).collect();
        let greedy = s.temperature <= 0.0;
        let mut new_tokens = 0;
        for step in 0..s.max_new_tokens {
            let logits: Vec<f32> = Vec::try_from(last.to_kind(Kind::Float).to_device(tch::Device::Cpu).flatten(0, -1))?;
            let vocab = logits.len() / rows;
            let mut chosen = vec![pad; rows];
            for r in 0..rows {
                if !active[r] {
                    continue;
                }
                let mut row = logits[r * vocab..(r + 1) * vocab].to_vec();
                process_logits(&mut row, &seen[r], s);
                let token = choose(&row, greedy, &mut rngs[r]);
                chosen[r] = token;
                seen[r].push(token);
                new_tokens += 1;
                if s.eos.contains(&token) {
                    active[r] = false;
                    out[r].finish = Finish::Eos;
                    continue;
                }
                out[r].tokens.push(token);
                let text = decode(&out[r].tokens);
                if let Some(at) = stop_at(&text, &s.stop) {
                    out[r].text = text[..at].to_string();
                    out[r].finish = Finish::Stop;
                    active[r] = false;
                } else {
                    out[r].text = text;
                }
                on_event(GenEvent::Token { prompt: r / n, sample: r % n, text: &out[r].text });
            }
            if !active.iter().any(|&a| a) || step + 1 == s.max_new_tokens {
                break;
            }
            let ids = Tensor::from_slice(&chosen).view([rows as i64, 1]).to_device(device);
            let positions = Tensor::from_slice(&next_position).view([rows as i64, 1]).to_device(device);
            next_position.iter_mut().for_each(|p| *p += 1);
            mask = Tensor::cat(&[&mask, &Tensor::ones([rows as i64, 1], (Kind::Int64, device))], 1);
            let hidden = self.hidden(&self.embed(&ids), &positions, padded.then_some(&mask), Some(&mut cache));
            last = self.logits(&hidden).squeeze_dim(1);
        }
        on_event(GenEvent::Done { new_tokens, seconds: decode_start.elapsed().as_secs_f64() });
        Ok(out)
    }

    /// Log-probability of each continuation token given its context: for each
    /// (context, continuation) pair, the per-token log-probs of the continuation.
    pub fn score(&self, pairs: &[(Vec<i64>, Vec<i64>)]) -> Result<Vec<Vec<f64>>> {
        let _guard = tch::no_grad_guard();
        let context = self.cfg.max_positions as usize;
        let mut out = Vec::with_capacity(pairs.len());
        for (i, (ctx, cont)) in pairs.iter().enumerate() {
            if ctx.is_empty() {
                bail!("item {}: the context is empty; scoring needs at least one token before the continuation (a BOS or a prompt)", i + 1);
            }
            if ctx.len() + cont.len() > context {
                bail!("item {}: {} tokens exceed the model's context of {context}", i + 1, ctx.len() + cont.len());
            }
            let all: Vec<i64> = ctx.iter().chain(cont).copied().collect();
            let ids = Tensor::from_slice(&all).view([1, -1]).to_device(self.device());
            let logp = self.forward(&ids, None).to_kind(Kind::Float).log_softmax(-1, Kind::Float).squeeze_dim(0);
            let targets = Tensor::from_slice(cont).to_device(self.device());
            let rows = logp.narrow(0, ctx.len() as i64 - 1, cont.len() as i64);
            let picked = rows.gather(1, &targets.unsqueeze(1), false).squeeze_dim(1).to_kind(Kind::Double).to_device(tch::Device::Cpu);
            out.push(Vec::try_from(picked)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_and_top_p_keep_the_most_likely() {
        let s = Sampling { temperature: 1.0, top_k: Some(2), ..Sampling::default() };
        let mut l = vec![1.0, 3.0, 2.0, 0.0];
        process_logits(&mut l, &[], &s);
        assert_eq!(l.iter().filter(|v| v.is_finite()).count(), 2);
        assert!(l[1].is_finite() && l[2].is_finite());
        let s = Sampling { temperature: 1.0, top_p: Some(0.5), ..Sampling::default() };
        let mut l = vec![0.0, 5.0, 0.0, 0.0];
        process_logits(&mut l, &[], &s);
        assert_eq!(l.iter().filter(|v| v.is_finite()).count(), 1, "one token already holds over half the mass");
    }

    #[test]
    fn repetition_penalty_lowers_seen_tokens_either_sign() {
        let s = Sampling { repetition_penalty: 2.0, ..Sampling::default() };
        let mut l = vec![2.0, -2.0, 1.0];
        process_logits(&mut l, &[0, 1, 1], &s);
        assert_eq!(l, vec![1.0, -4.0, 1.0]);
    }

    #[test]
    fn sampling_is_seeded_and_follows_the_weights() {
        let logits = vec![0.0f32, (3.0f32).ln()];
        let mut rng = SplitMix64::new(7);
        let ones = (0..4000).filter(|_| choose(&logits, false, &mut rng) == 1).count();
        assert!((2850..3150).contains(&ones), "about 3/4 of draws: {ones}");
        let a: Vec<i64> = { let mut r = SplitMix64::new(3); (0..20).map(|_| choose(&logits, false, &mut r)).collect() };
        let b: Vec<i64> = { let mut r = SplitMix64::new(3); (0..20).map(|_| choose(&logits, false, &mut r)).collect() };
        assert_eq!(a, b);
    }

    #[test]
    fn stop_strings_cut_at_the_earliest() {
        assert_eq!(stop_at("a\n\nQ: b", &["Q:".into(), "\n\n".into()]), Some(1));
        assert_eq!(stop_at("abc", &["".into()]), None);
    }
}
