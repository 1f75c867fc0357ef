//! The Llama family (transformers' LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM):
//! RMSNorm, rotary positions, grouped-query attention, SwiGLU. The three differ only in
//! biases (Qwen2's q/k/v), Mistral's sliding window and the rope parameters.
use super::attention::{apply_rotary, attend, inverse_frequencies, linear_rows, rotary_tables, KvCache};
use super::config::{Activation, LmConfig};
use super::gpt2::activate;
use super::lora::{LoraSlot, Target};
use super::params::ParamSource;
use tch::nn::{self, Init};
use tch::{Kind, Tensor};

const STD: Init = Init::Randn { mean: 0.0, stdev: 0.02 };

struct Linear {
    weight: Tensor,
    bias: Option<Tensor>,
    lora: LoraSlot,
}

impl Linear {
    fn new(p: nn::Path, src: &mut ParamSource, n_in: i64, n_out: i64, bias: bool) -> Self {
        Self { weight: src.get(&p, "weight", &[n_out, n_in], STD), bias: bias.then(|| src.get(&p, "bias", &[n_out], Init::Const(0.0))), lora: LoraSlot::default() }
    }

    fn forward(&self, x: &Tensor) -> Tensor {
        self.lora.apply(x, linear_rows(x, &self.weight, self.bias.as_ref()))
    }

    fn target(&self, name: String) -> Target<'_> {
        let w = self.weight.size();
        Target { name, slot: &self.lora, in_dim: w[1], out_dim: w[0] }
    }
}

pub struct RmsNorm {
    weight: Tensor,
    eps: f64,
}

impl RmsNorm {
    fn new(p: nn::Path, src: &mut ParamSource, dim: i64, eps: f64) -> Self {
        Self { weight: src.get(&p, "weight", &[dim], Init::Const(1.0)), eps }
    }

    /// In fp32 whatever the dtype, cast back before the weight, as transformers does.
    pub fn forward(&self, x: &Tensor) -> Tensor {
        let kind = x.kind();
        let x32 = x.to_kind(Kind::Float);
        let variance = x32.pow_tensor_scalar(2).mean_dim(-1, true, Kind::Float);
        &self.weight * (x32 * (variance + self.eps).rsqrt()).to_kind(kind)
    }
}

struct Layer {
    input_norm: RmsNorm,
    q: Linear,
    k: Linear,
    v: Linear,
    o: Linear,
    post_norm: RmsNorm,
    gate: Linear,
    up: Linear,
    down: Linear,
}

pub struct Llama {
    pub embed_tokens: Tensor,
    layers: Vec<Layer>,
    norm: RmsNorm,
    lm_head: Option<Tensor>,
    inv_freq: Tensor,
    heads: i64,
    kv_heads: i64,
    head_dim: i64,
    activation: Activation,
    window: Option<i64>,
}

impl Llama {
    pub fn new(root: &nn::Path, src: &mut ParamSource, cfg: &LmConfig) -> Self {
        let m = root / "model";
        let (h, d, eps) = (cfg.hidden_size, cfg.head_dim, cfg.norm_eps);
        let (qd, kvd, inter) = (cfg.num_heads * d, cfg.num_kv_heads * d, cfg.intermediate_size);
        let layers = (0..cfg.num_layers)
            .map(|i| {
                let l = &m / "layers" / i;
                let a = &l / "self_attn";
                let mlp = &l / "mlp";
                Layer {
                    input_norm: RmsNorm::new(&l / "input_layernorm", src, h, eps),
                    q: Linear::new(&a / "q_proj", src, h, qd, cfg.qkv_bias),
                    k: Linear::new(&a / "k_proj", src, h, kvd, cfg.qkv_bias),
                    v: Linear::new(&a / "v_proj", src, h, kvd, cfg.qkv_bias),
                    o: Linear::new(&a / "o_proj", src, qd, h, cfg.o_bias),
                    post_norm: RmsNorm::new(&l / "post_attention_layernorm", src, h, eps),
                    gate: Linear::new(&mlp / "gate_proj", src, h, inter, cfg.mlp_bias),
                    up: Linear::new(&mlp / "up_proj", src, h, inter, cfg.mlp_bias),
                    down: Linear::new(&mlp / "down_proj", src, inter, h, cfg.mlp_bias),
                }
            })
            .collect();
        let rope = cfg.rope.clone().expect("the llama family has rope parameters");
        Self {
            embed_tokens: src.get(&(&m / "embed_tokens"), "weight", &[cfg.vocab_size, h], STD),
            layers,
            norm: RmsNorm::new(&m / "norm", src, h, eps),
            lm_head: (!cfg.tie_word_embeddings).then(|| src.get(&(root / "lm_head"), "weight", &[cfg.vocab_size, h], STD)),
            inv_freq: Tensor::from_slice(&inverse_frequencies(&rope, d)).to_device(root.device()),
            heads: cfg.num_heads,
            kv_heads: cfg.num_kv_heads,
            head_dim: d,
            activation: cfg.activation,
            window: cfg.sliding_window,
        }
    }

    pub fn window(&self) -> Option<i64> {
        self.window
    }

    pub fn embed(&self, ids: &Tensor) -> Tensor {
        Tensor::embedding(&self.embed_tokens, ids, -1, false, false)
    }

    pub fn hidden(&self, embeds: &Tensor, positions: &Tensor, mask: Option<&Tensor>, mut cache: Option<&mut KvCache>) -> Tensor {
        let past = cache.as_ref().map_or(0, |c| c.len);
        let (batch, q, _) = embeds.size3().expect("[b, q, h]");
        let (cos, sin) = rotary_tables(&self.inv_freq, positions, embeds.kind());
        let mut x = embeds.shallow_clone();
        for (i, l) in self.layers.iter().enumerate() {
            let normed = l.input_norm.forward(&x);
            let heads = |t: Tensor, n: i64| t.view([batch, q, n, self.head_dim]).transpose(1, 2);
            let query = apply_rotary(&heads(l.q.forward(&normed), self.heads), &cos, &sin);
            let key = apply_rotary(&heads(l.k.forward(&normed), self.kv_heads), &cos, &sin);
            let value = heads(l.v.forward(&normed), self.kv_heads);
            let (key, value) = match cache.as_deref_mut() {
                Some(c) => c.update(i, &key, &value),
                None => (key, value),
            };
            let a = attend(&query, &key, &value, mask, past).transpose(1, 2).reshape([batch, q, self.heads * self.head_dim]);
            x = x + l.o.forward(&a);
            let normed = l.post_norm.forward(&x);
            x = x + l.down.forward(&(activate(&l.gate.forward(&normed), self.activation) * l.up.forward(&normed)));
        }
        if let Some(c) = cache {
            c.advance(q);
        }
        self.norm.forward(&x)
    }

    /// PEFT's default LoRA targets for the Llama family: the query and value projections.
    pub fn lora_targets(&self) -> Vec<Target<'_>> {
        let mut out = Vec::new();
        for (i, l) in self.layers.iter().enumerate() {
            out.push(l.q.target(format!("model.layers.{i}.self_attn.q_proj")));
            out.push(l.v.target(format!("model.layers.{i}.self_attn.v_proj")));
        }
        out
    }

    pub fn logits(&self, hidden: &Tensor) -> Tensor {
        linear_rows(hidden, self.lm_head.as_ref().unwrap_or(&self.embed_tokens), None)
    }
}

/// Drops what older checkpoints carry beside the parameters (rotary buffers, a tied head).
pub fn normalise_keys(tensors: Vec<(String, Tensor)>, tied: bool) -> Vec<(String, Tensor)> {
    tensors.into_iter().filter(|(k, _)| !k.ends_with(".rotary_emb.inv_freq") && !(tied && k == "lm_head.weight")).collect()
}
