//! What every decoder layer shares: the key/value cache, the attention mask (causal, key
//! padding, sliding window) built once per forward, and rotary position embeddings.
use super::config::{Rope, RopeScaling};
use tch::{Device, Kind, Tensor};

/// Keys and values of every layer, preallocated to `capacity` positions so that a decode
/// step writes one slot instead of concatenating the whole history.
pub struct KvCache {
    layers: Vec<Option<(Tensor, Tensor)>>,
    /// Filled positions.
    pub len: i64,
    pub capacity: i64,
}

impl KvCache {
    pub fn new(num_layers: i64, capacity: i64) -> Self {
        Self { layers: (0..num_layers).map(|_| None).collect(), len: 0, capacity }
    }

    /// Writes this step's keys/values [b, kv_heads, q, d] for `layer` and returns all of
    /// them so far [b, kv_heads, len + q, d].
    pub fn update(&mut self, layer: usize, k: &Tensor, v: &Tensor) -> (Tensor, Tensor) {
        let q = k.size()[2];
        assert!(self.len + q <= self.capacity, "KV cache of {} positions overflows (the generator checks lengths first)", self.capacity);
        let (kc, vc) = self.layers[layer].get_or_insert_with(|| {
            let mut shape = k.size();
            shape[2] = self.capacity;
            (Tensor::zeros(&shape, (k.kind(), k.device())), Tensor::zeros(&shape, (v.kind(), v.device())))
        });
        kc.narrow(2, self.len, q).copy_(k);
        vc.narrow(2, self.len, q).copy_(v);
        (kc.narrow(2, 0, self.len + q), vc.narrow(2, 0, self.len + q))
    }

    /// Called by the model after all layers have written `q` positions.
    pub fn advance(&mut self, q: i64) {
        self.len += q;
    }

    /// Each batch row repeated `n` times in place (row i becomes rows i*n..i*n+n), so that
    /// n samples continue one prompt without recomputing it.
    pub fn repeat_rows(&mut self, n: i64) {
        if n == 1 {
            return;
        }
        for (k, v) in self.layers.iter_mut().flatten() {
            *k = k.repeat_interleave_self_int(n, 0, None);
            *v = v.repeat_interleave_self_int(n, 0, None);
        }
    }
}

/// The boolean mask [b, 1, q, past + q] (true attends) for queries at cache slots
/// past..past+q: causal by slot, minus padded keys, within the sliding window if any.
/// Each query sees its own slot, so a padded query row is never empty (no NaN).
/// `None` when plain causal attention suffices (no padding, no window).
pub fn attention_mask(key_mask: Option<&Tensor>, past: i64, q: i64, window: Option<i64>, device: Device) -> Option<Tensor> {
    let total = past + q;
    let padded = key_mask.is_some_and(|m| !bool::try_from(m.all()).unwrap_or(true));
    let window_bites = window.is_some_and(|w| w < total);
    if !padded && !window_bites {
        return None;
    }
    let query_slot = Tensor::arange_start(past, total, (Kind::Int64, device)).unsqueeze(1);
    let key_slot = Tensor::arange(total, (Kind::Int64, device)).unsqueeze(0);
    let mut allowed = key_slot.le_tensor(&query_slot);
    if let Some(w) = window {
        allowed = allowed.logical_and(&(&query_slot - &key_slot).lt(w));
    }
    let mut allowed = allowed.unsqueeze(0).unsqueeze(0);
    if let Some(m) = key_mask {
        allowed = allowed.logical_and(&m.to_kind(Kind::Bool).unsqueeze(1).unsqueeze(1));
    }
    let diagonal = key_slot.eq_tensor(&query_slot).unsqueeze(0).unsqueeze(0);
    Some(allowed.logical_or(&diagonal))
}

/// x·Wᵀ + b over the last axis with x flattened to rows: libtorch's bf16 linear on a
/// 3-D input takes a path tens of times slower on the CPU than on the same rows in 2-D.
pub fn linear_rows(x: &Tensor, weight: &Tensor, bias: Option<&Tensor>) -> Tensor {
    let mut shape = x.size();
    let rows = x.reshape([-1, shape[shape.len() - 1]]);
    *shape.last_mut().expect("at least 1-D") = weight.size()[0];
    rows.linear(weight, bias).view(shape.as_slice())
}

/// Scaled dot-product attention of q [b, h, q, d] over k, v [b, kv_h, t, d], with the
/// causal shortcut when there is no explicit mask.
pub fn attend(q: &Tensor, k: &Tensor, v: &Tensor, mask: Option<&Tensor>, past: i64) -> Tensor {
    let gqa = q.size()[1] != k.size()[1];
    match mask {
        Some(m) => Tensor::scaled_dot_product_attention(q, k, v, Some(m), 0.0, false, None, gqa),
        // One query at the end sees every key; a fresh prompt is plain causal.
        None if q.size()[2] == 1 || past == 0 => Tensor::scaled_dot_product_attention::<Tensor>(q, k, v, None, 0.0, q.size()[2] > 1, None, gqa),
        None => Tensor::scaled_dot_product_attention(q, k, v, Some(&causal_mask(past, q.size()[2], q.device())), 0.0, false, None, gqa),
    }
}

/// [1, 1, q, past + q]: query slot i (at past + i) sees key slots up to its own.
fn causal_mask(past: i64, q: i64, device: Device) -> Tensor {
    let query_slot = Tensor::arange_start(past, past + q, (Kind::Int64, device)).unsqueeze(1);
    Tensor::arange(past + q, (Kind::Int64, device)).unsqueeze(0).le_tensor(&query_slot).unsqueeze(0).unsqueeze(0)
}

/// Inverse frequencies [head_dim / 2] in fp32, with the config's scaling applied as
/// transformers' rope initialisers compute it.
pub fn inverse_frequencies(rope: &Rope, head_dim: i64) -> Vec<f32> {
    let base: Vec<f64> = (0..head_dim / 2).map(|i| 1.0 / rope.theta.powf((2 * i) as f32 as f64 / head_dim as f64)).collect();
    let out: Vec<f64> = match rope.scaling {
        RopeScaling::None => base,
        RopeScaling::Linear { factor } => base.iter().map(|f| f / factor).collect(),
        RopeScaling::Llama3 { factor, low_freq_factor, high_freq_factor, original_max_position_embeddings: old } => {
            let low_wavelen = old / low_freq_factor;
            let high_wavelen = old / high_freq_factor;
            base.iter()
                .map(|&f| {
                    let wavelen = 2.0 * std::f64::consts::PI / f;
                    if wavelen < high_wavelen {
                        f
                    } else if wavelen > low_wavelen {
                        f / factor
                    } else {
                        let smooth = (old / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor);
                        (1.0 - smooth) * f / factor + smooth * f
                    }
                })
                .collect()
        }
    };
    out.iter().map(|&f| f as f32).collect()
}

/// cos and sin [b, 1, q, head_dim] for `positions` [b, q], in `kind`.
pub fn rotary_tables(inv_freq: &Tensor, positions: &Tensor, kind: Kind) -> (Tensor, Tensor) {
    let freqs = positions.to_kind(Kind::Float).unsqueeze(-1) * inv_freq.view([1, 1, -1]);
    let emb = Tensor::cat(&[&freqs, &freqs], -1).unsqueeze(1);
    (emb.cos().to_kind(kind), emb.sin().to_kind(kind))
}

/// x·cos + rotate_half(x)·sin, rotate_half swapping the two halves with a sign.
pub fn apply_rotary(x: &Tensor, cos: &Tensor, sin: &Tensor) -> Tensor {
    let half = x.size()[3] / 2;
    let rotated = Tensor::cat(&[&(-x.narrow(3, half, half)), &x.narrow(3, 0, half)], 3);
    x * cos + rotated * sin
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_is_causal_skips_padding_and_never_empties_a_row() {
        let key_mask = Tensor::from_slice(&[0i64, 1, 1]).view([1, 3]);
        let m = attention_mask(Some(&key_mask), 0, 3, None, Device::Cpu).unwrap();
        let v: Vec<bool> = Vec::try_from(m.flatten(0, -1)).unwrap();
        assert_eq!(v, vec![true, false, false, false, true, false, false, true, true]);
        assert!(attention_mask(Some(&Tensor::ones([1, 3], (Kind::Int64, Device::Cpu))), 0, 3, None, Device::Cpu).is_none());
        let w = attention_mask(None, 0, 4, Some(2), Device::Cpu).unwrap();
        let v: Vec<bool> = Vec::try_from(w.flatten(0, -1)).unwrap();
        assert_eq!(&v[12..16], &[false, false, true, true], "the last query sees only its window");
    }

    #[test]
    fn llama3_scaling_keeps_high_and_divides_low_frequencies() {
        let rope = Rope { theta: 500_000.0, scaling: RopeScaling::Llama3 { factor: 8.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 8192.0 } };
        let plain = inverse_frequencies(&Rope { theta: 500_000.0, scaling: RopeScaling::None }, 128);
        let scaled = inverse_frequencies(&rope, 128);
        assert_eq!(scaled[0], plain[0]);
        assert!((scaled[63] - plain[63] / 8.0).abs() < 1e-12);
    }
}
