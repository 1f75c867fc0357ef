//! GPT-2 (transformers' GPT2LMHeadModel): learned token and position embeddings,
//! pre-LayerNorm blocks with fused qkv. Conv1D layers store weights as [in, out], so
//! they multiply from the right as they are in the checkpoint.
use super::attention::{attend, linear_rows, KvCache};
use super::config::{Activation, LmConfig};
use super::lora::{LoraSlot, Target};
use super::params::ParamSource;
use tch::nn::{self, Init};
use tch::Tensor;

const STD: Init = Init::Randn { mean: 0.0, stdev: 0.02 };

struct Conv1d {
    weight: Tensor,
    bias: Tensor,
}

impl Conv1d {
    fn new(p: nn::Path, src: &mut ParamSource, n_in: i64, n_out: i64) -> Self {
        Self { weight: src.get(&p, "weight", &[n_in, n_out], STD), bias: src.get(&p, "bias", &[n_out], Init::Const(0.0)) }
    }

    /// bias + x·W as one addmm over the flattened rows: libtorch's 3-D matmul path is
    /// several times slower in bf16 on the CPU.
    fn forward(&self, x: &Tensor) -> Tensor {
        let mut shape = x.size();
        let rows = x.reshape([-1, shape[shape.len() - 1]]);
        let out = self.bias.addmm(&rows, &self.weight);
        *shape.last_mut().expect("at least 1-D") = self.weight.size()[1];
        out.view(shape.as_slice())
    }
}

pub struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
    eps: f64,
}

impl LayerNorm {
    fn new(p: nn::Path, src: &mut ParamSource, dim: i64, eps: f64) -> Self {
        Self { weight: src.get(&p, "weight", &[dim], Init::Const(1.0)), bias: src.get(&p, "bias", &[dim], Init::Const(0.0)), eps }
    }

    pub fn forward(&self, x: &Tensor) -> Tensor {
        x.layer_norm([*self.weight.size().last().unwrap_or(&0)], Some(&self.weight), Some(&self.bias), self.eps, true)
    }
}

/// The MLP's activation. GPT-2's tanh-GELU in reduced precision is written out as
/// transformers' NewGELU formula: libtorch's fused bf16 kernel is several times slower on
/// the CPU than these elementwise ops (in fp32 the fused one is faster).
pub fn activate(x: &Tensor, act: Activation) -> Tensor {
    match act {
        Activation::GeluTanh if x.kind() != tch::Kind::Float => {
            let inner = (x + x.pow_tensor_scalar(3) * 0.044715) * (2.0 / std::f64::consts::PI).sqrt();
            x * 0.5 * (inner.tanh() + 1.0)
        }
        Activation::GeluTanh => x.gelu("tanh"),
        Activation::GeluErf => x.gelu("none"),
        Activation::Relu => x.relu(),
        Activation::Silu => x.silu(),
    }
}

struct Block {
    ln_1: LayerNorm,
    c_attn: Conv1d,
    c_attn_lora: LoraSlot,
    attn_proj: Conv1d,
    ln_2: LayerNorm,
    c_fc: Conv1d,
    mlp_proj: Conv1d,
}

pub struct Gpt2 {
    pub wte: Tensor,
    wpe: Tensor,
    blocks: Vec<Block>,
    ln_f: LayerNorm,
    lm_head: Option<Tensor>,
    heads: i64,
    activation: Activation,
}

impl Gpt2 {
    pub fn new(root: &nn::Path, src: &mut ParamSource, cfg: &LmConfig) -> Self {
        let t = root / "transformer";
        let h = cfg.hidden_size;
        let eps = cfg.norm_eps;
        let blocks = (0..cfg.num_layers)
            .map(|i| {
                let b = &t / "h" / i;
                Block {
                    ln_1: LayerNorm::new(&b / "ln_1", src, h, eps),
                    c_attn: Conv1d::new(&b / "attn" / "c_attn", src, h, 3 * h),
                    c_attn_lora: LoraSlot::default(),
                    attn_proj: Conv1d::new(&b / "attn" / "c_proj", src, h, h),
                    ln_2: LayerNorm::new(&b / "ln_2", src, h, eps),
                    c_fc: Conv1d::new(&b / "mlp" / "c_fc", src, h, cfg.intermediate_size),
                    mlp_proj: Conv1d::new(&b / "mlp" / "c_proj", src, cfg.intermediate_size, h),
                }
            })
            .collect();
        Self {
            wte: src.get(&(&t / "wte"), "weight", &[cfg.vocab_size, h], STD),
            wpe: src.get(&(&t / "wpe"), "weight", &[cfg.max_positions, h], Init::Randn { mean: 0.0, stdev: 0.01 }),
            blocks,
            ln_f: LayerNorm::new(&t / "ln_f", src, h, eps),
            lm_head: (!cfg.tie_word_embeddings).then(|| src.get(&(root / "lm_head"), "weight", &[cfg.vocab_size, h], STD)),
            heads: cfg.num_heads,
            activation: cfg.activation,
        }
    }

    pub fn embed(&self, ids: &Tensor) -> Tensor {
        Tensor::embedding(&self.wte, ids, -1, false, false)
    }

    /// Final hidden states [b, q, h] of token embeddings [b, q, h] at `positions` [b, q].
    pub fn hidden(&self, embeds: &Tensor, positions: &Tensor, mask: Option<&Tensor>, mut cache: Option<&mut KvCache>) -> Tensor {
        let past = cache.as_ref().map_or(0, |c| c.len);
        let mut x = embeds + Tensor::embedding(&self.wpe, positions, -1, false, false);
        for (i, b) in self.blocks.iter().enumerate() {
            let (batch, q, h) = x.size3().expect("[b, q, h]");
            let d = h / self.heads;
            let normed = b.ln_1.forward(&x);
            let qkv = b.c_attn_lora.apply(&normed, b.c_attn.forward(&normed));
            let split = |j: i64| qkv.narrow(2, j * h, h).view([batch, q, self.heads, d]).transpose(1, 2);
            let (query, key, value) = (split(0), split(1), split(2));
            let (key, value) = match cache.as_deref_mut() {
                Some(c) => c.update(i, &key, &value),
                None => (key, value),
            };
            let a = attend(&query, &key, &value, mask, past).transpose(1, 2).reshape([batch, q, h]);
            x = x + b.attn_proj.forward(&a);
            let m = b.mlp_proj.forward(&activate(&b.c_fc.forward(&b.ln_2.forward(&x)), self.activation));
            x = x + m;
        }
        if let Some(c) = cache {
            c.advance(embeds.size()[1]);
        }
        self.ln_f.forward(&x)
    }

    /// PEFT's default LoRA target for GPT-2: the fused q/k/v projection.
    pub fn lora_targets(&self) -> Vec<Target<'_>> {
        self.blocks
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let w = b.c_attn.weight.size();
                Target { name: format!("transformer.h.{i}.attn.c_attn"), slot: &b.c_attn_lora, in_dim: w[0], out_dim: w[1] }
            })
            .collect()
    }

    pub fn logits(&self, hidden: &Tensor) -> Tensor {
        // x·Wᵀ by rows: a matmul against the transposed view, or a 3-D linear, is slow in
        // bf16 on the CPU.
        linear_rows(hidden, self.lm_head.as_ref().unwrap_or(&self.wte), None)
    }
}

/// Checkpoint names in GPT2LMHeadModel's form: the original OpenAI layout has no
/// `transformer.` prefix, and older saves carry the causal-mask buffers and a tied head.
pub fn normalise_keys(tensors: Vec<(String, Tensor)>, tied: bool) -> Vec<(String, Tensor)> {
    tensors
        .into_iter()
        .filter(|(k, _)| !k.ends_with(".attn.bias") && !k.ends_with(".attn.masked_bias") && !(tied && k == "lm_head.weight"))
        .map(|(k, t)| if k.starts_with("transformer.") || k.starts_with("lm_head.") { (k, t) } else { (format!("transformer.{k}"), t) })
        .collect()
}

