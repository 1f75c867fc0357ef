//! A causal LM's `config.json`, as transformers writes it, read into one shape for every
//! architecture adaptlab runs. Fields we do not implement are refused by name here, so a
//! model that would compute something else never loads silently.
use anyhow::{bail, Context, Result};
use serde_json::Value;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    /// GPT2LMHeadModel: learned positions, LayerNorm, Conv1D (in×out) weights, fused qkv.
    Gpt2,
    /// Llama, Mistral and Qwen2: RoPE, RMSNorm, SwiGLU, grouped-query attention.
    Llama,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    GeluTanh,
    GeluErf,
    Relu,
    Silu,
}

/// Rotary embeddings: the base, and Llama 3's frequency-dependent scaling or linear scaling.
#[derive(Debug, Clone, PartialEq)]
pub struct Rope {
    pub theta: f64,
    pub scaling: RopeScaling,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RopeScaling {
    None,
    Linear { factor: f64 },
    Llama3 { factor: f64, low_freq_factor: f64, high_freq_factor: f64, original_max_position_embeddings: f64 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct LmConfig {
    pub arch: Arch,
    /// `model_type` as written (gpt2, llama, mistral, qwen2).
    pub model_type: String,
    pub vocab_size: i64,
    pub hidden_size: i64,
    pub num_layers: i64,
    pub num_heads: i64,
    pub num_kv_heads: i64,
    pub head_dim: i64,
    pub intermediate_size: i64,
    pub max_positions: i64,
    pub norm_eps: f64,
    pub activation: Activation,
    pub rope: Option<Rope>,
    /// Biases on q/k/v (Qwen2 always; Llama when `attention_bias`).
    pub qkv_bias: bool,
    /// Bias on the attention output projection (Llama's `attention_bias` covers it).
    pub o_bias: bool,
    pub mlp_bias: bool,
    pub tie_word_embeddings: bool,
    /// Mistral's sliding attention window, when set.
    pub sliding_window: Option<i64>,
    pub bos_token_id: Option<i64>,
    pub eos_token_ids: Vec<i64>,
    pub pad_token_id: Option<i64>,
}

impl LmConfig {
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {} (a model folder holds config.json, the weights and tokenizer.json)", path.display()))?;
        let raw: Value = serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))?;
        Self::from_json(&raw).with_context(|| format!("in {}", path.display()))
    }

    pub fn from_json(raw: &Value) -> Result<Self> {
        let model_type = raw["model_type"].as_str().context("field `model_type` is missing; adaptlab reads gpt2, llama, mistral and qwen2 configs")?;
        match model_type {
            "gpt2" => gpt2(raw),
            "llama" | "mistral" | "qwen2" => llama_family(raw, model_type),
            other => bail!("field `model_type`: `{other}` is not supported; adaptlab runs gpt2, llama, mistral and qwen2 (Qwen2.5 is qwen2)"),
        }
    }

    /// Parameters in the weights (embeddings counted once when tied), for bandwidth estimates.
    pub fn parameter_count(&self) -> i64 {
        let h = self.hidden_size;
        let kv = self.num_kv_heads * self.head_dim;
        let q = self.num_heads * self.head_dim;
        let attn = h * q + 2 * h * kv + q * h;
        let mlp = match self.arch {
            Arch::Gpt2 => 2 * h * self.intermediate_size,
            Arch::Llama => 3 * h * self.intermediate_size,
        };
        let embed = self.vocab_size * h * if self.tie_word_embeddings { 1 } else { 2 };
        let positions = if self.arch == Arch::Gpt2 { self.max_positions * h } else { 0 };
        embed + positions + self.num_layers * (attn + mlp)
    }
}

fn int(raw: &Value, key: &str) -> Result<i64> {
    raw[key].as_i64().with_context(|| format!("field `{key}` is missing or not an integer"))
}

fn int_or(raw: &Value, key: &str, default: i64) -> Result<i64> {
    match &raw[key] {
        Value::Null => Ok(default),
        v => v.as_i64().with_context(|| format!("field `{key}` is not an integer")),
    }
}

fn float_or(raw: &Value, key: &str, default: f64) -> Result<f64> {
    match &raw[key] {
        Value::Null => Ok(default),
        v => v.as_f64().with_context(|| format!("field `{key}` is not a number")),
    }
}

fn bool_or(raw: &Value, key: &str, default: bool) -> Result<bool> {
    match &raw[key] {
        Value::Null => Ok(default),
        v => v.as_bool().with_context(|| format!("field `{key}` is not true or false")),
    }
}

/// `eos_token_id` may be one id or a list (Llama 3 Instruct).
fn ids(raw: &Value, key: &str) -> Result<Vec<i64>> {
    match &raw[key] {
        Value::Null => Ok(vec![]),
        Value::Array(a) => a.iter().map(|v| v.as_i64().with_context(|| format!("field `{key}` holds a non-integer"))).collect(),
        v => Ok(vec![v.as_i64().with_context(|| format!("field `{key}` is not an integer"))?]),
    }
}

fn activation(name: &str, key: &str) -> Result<Activation> {
    Ok(match name {
        "gelu_new" | "gelu_pytorch_tanh" | "gelu_fast" => Activation::GeluTanh,
        "gelu" => Activation::GeluErf,
        "relu" => Activation::Relu,
        "silu" | "swish" => Activation::Silu,
        other => bail!("field `{key}`: activation `{other}` is not supported (gelu_new, gelu, relu, silu are)"),
    })
}

fn gpt2(raw: &Value) -> Result<LmConfig> {
    for (key, unsupported) in [("scale_attn_by_inverse_layer_idx", true), ("reorder_and_upcast_attn", true), ("scale_attn_weights", false)] {
        if raw[key].as_bool() == Some(unsupported) {
            bail!("field `{key}`: {unsupported} is not supported (GPT-2 checkpoints on the hub use the default)");
        }
    }
    let hidden = int(raw, "n_embd")?;
    let heads = int(raw, "n_head")?;
    if heads <= 0 || hidden % heads != 0 {
        bail!("field `n_head`: {heads} does not divide n_embd {hidden}");
    }
    let act = raw["activation_function"].as_str().unwrap_or("gelu_new");
    Ok(LmConfig {
        arch: Arch::Gpt2,
        model_type: "gpt2".into(),
        vocab_size: int(raw, "vocab_size")?,
        hidden_size: hidden,
        num_layers: int(raw, "n_layer")?,
        num_heads: heads,
        num_kv_heads: heads,
        head_dim: hidden / heads,
        intermediate_size: int_or(raw, "n_inner", 4 * hidden)?,
        max_positions: int(raw, "n_positions")?,
        norm_eps: float_or(raw, "layer_norm_epsilon", 1e-5)?,
        activation: activation(act, "activation_function")?,
        rope: None,
        qkv_bias: true,
        o_bias: true,
        mlp_bias: true,
        tie_word_embeddings: bool_or(raw, "tie_word_embeddings", true)?,
        sliding_window: None,
        bos_token_id: raw["bos_token_id"].as_i64(),
        eos_token_ids: ids(raw, "eos_token_id")?,
        pad_token_id: raw["pad_token_id"].as_i64(),
    })
}

fn rope_scaling(raw: &Value) -> Result<RopeScaling> {
    let s = &raw["rope_scaling"];
    if s.is_null() {
        return Ok(RopeScaling::None);
    }
    let kind = s["rope_type"].as_str().or_else(|| s["type"].as_str()).context("field `rope_scaling` has no `rope_type`")?;
    let f = |key: &str| s[key].as_f64().with_context(|| format!("field `rope_scaling.{key}` is missing or not a number"));
    Ok(match kind {
        "default" => RopeScaling::None,
        "linear" => RopeScaling::Linear { factor: f("factor")? },
        "llama3" => RopeScaling::Llama3 {
            factor: f("factor")?,
            low_freq_factor: f("low_freq_factor")?,
            high_freq_factor: f("high_freq_factor")?,
            original_max_position_embeddings: f("original_max_position_embeddings")?,
        },
        other => bail!("field `rope_scaling.rope_type`: `{other}` is not supported (default, linear and llama3 are)"),
    })
}

fn llama_family(raw: &Value, model_type: &str) -> Result<LmConfig> {
    let hidden = int(raw, "hidden_size")?;
    let heads = int(raw, "num_attention_heads")?;
    let kv_heads = int_or(raw, "num_key_value_heads", heads)?;
    if heads <= 0 || kv_heads <= 0 || heads % kv_heads != 0 {
        bail!("field `num_key_value_heads`: {kv_heads} does not divide num_attention_heads {heads}");
    }
    let head_dim = int_or(raw, "head_dim", hidden / heads.max(1))?;
    let act = raw["hidden_act"].as_str().unwrap_or("silu");
    let (qkv_bias, o_bias, sliding_window) = match model_type {
        // Qwen2 always has q/k/v biases and none on o_proj.
        "qwen2" => {
            if bool_or(raw, "use_sliding_window", false)? {
                bail!("field `use_sliding_window`: true is not supported for qwen2 (Qwen2.5 models ship with false)");
            }
            (true, false, None)
        }
        "mistral" => (false, false, raw["sliding_window"].as_i64()),
        _ => {
            let b = bool_or(raw, "attention_bias", false)?;
            (b, b, None)
        }
    };
    Ok(LmConfig {
        arch: Arch::Llama,
        model_type: model_type.into(),
        vocab_size: int(raw, "vocab_size")?,
        hidden_size: hidden,
        num_layers: int(raw, "num_hidden_layers")?,
        num_heads: heads,
        num_kv_heads: kv_heads,
        head_dim,
        intermediate_size: int(raw, "intermediate_size")?,
        max_positions: int(raw, "max_position_embeddings")?,
        norm_eps: float_or(raw, "rms_norm_eps", 1e-6)?,
        activation: activation(act, "hidden_act")?,
        rope: Some(Rope { theta: float_or(raw, "rope_theta", 10_000.0)?, scaling: rope_scaling(raw)? }),
        qkv_bias,
        o_bias,
        mlp_bias: model_type == "llama" && bool_or(raw, "mlp_bias", false)?,
        tie_word_embeddings: bool_or(raw, "tie_word_embeddings", false)?,
        sliding_window,
        bos_token_id: raw["bos_token_id"].as_i64(),
        eos_token_ids: ids(raw, "eos_token_id")?,
        pad_token_id: raw["pad_token_id"].as_i64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn gpt2_fa_shape() {
        let c = LmConfig::from_json(&json!({"model_type": "gpt2", "n_embd": 768, "n_head": 12, "n_layer": 12, "n_positions": 1024, "vocab_size": 42001, "activation_function": "gelu_new", "eos_token_id": 5})).unwrap();
        assert_eq!((c.head_dim, c.intermediate_size, c.eos_token_ids.clone()), (64, 3072, vec![5]));
        assert!(c.tie_word_embeddings);
    }

    #[test]
    fn qwen2_has_qkv_bias_and_llama3_reads_scaling() {
        let q = LmConfig::from_json(&json!({"model_type": "qwen2", "hidden_size": 896, "num_attention_heads": 14, "num_key_value_heads": 2, "num_hidden_layers": 24, "intermediate_size": 4864, "max_position_embeddings": 32768, "vocab_size": 151936, "rope_theta": 1000000.0, "tie_word_embeddings": true})).unwrap();
        assert!(q.qkv_bias && !q.o_bias && q.tie_word_embeddings);
        assert_eq!(q.head_dim, 64);
        let l = LmConfig::from_json(&json!({"model_type": "llama", "hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 2, "num_hidden_layers": 2, "intermediate_size": 128, "max_position_embeddings": 256, "vocab_size": 100, "eos_token_id": [1, 2],
            "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}})).unwrap();
        assert!(matches!(l.rope.unwrap().scaling, RopeScaling::Llama3 { .. }));
        assert_eq!(l.eos_token_ids, vec![1, 2]);
    }

    #[test]
    fn unsupported_fields_are_named() {
        let e = LmConfig::from_json(&json!({"model_type": "llama", "hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 2, "intermediate_size": 128, "max_position_embeddings": 256, "vocab_size": 100, "rope_scaling": {"type": "yarn", "factor": 4.0}})).unwrap_err();
        assert!(format!("{e:#}").contains("rope_scaling.rope_type") && format!("{e:#}").contains("yarn"), "{e:#}");
        let e = LmConfig::from_json(&json!({"model_type": "falcon"})).unwrap_err();
        assert!(format!("{e:#}").contains("`falcon` is not supported"));
        let e = LmConfig::from_json(&json!({"model_type": "gpt2", "n_embd": 64, "n_head": 4, "n_layer": 1, "n_positions": 32, "vocab_size": 10, "activation_function": "quick_gelu"})).unwrap_err();
        assert!(format!("{e:#}").contains("activation_function"));
    }
}
