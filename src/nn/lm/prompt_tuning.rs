//! Prompt tuning as PEFT defines it (Lester et al. 2021): `n` virtual token embeddings,
//! the only trained parameters, prepended to the input embeddings of a frozen causal LM.
//! The attention mask gets n ones, the labels n ignored positions, and positions run
//! 0..n+t as PEFT leaves them (it drops `position_ids`). Saved and loaded in PEFT's format:
//! `adapter_config.json` (peft_type PROMPT_TUNING) and `adapter_model.safetensors` with one
//! tensor, `prompt_embeddings` [n, token_dim] in fp32.
use super::CausalLm;
use anyhow::{bail, Context, Result};
use std::path::Path;
use tch::nn::{Init, VarStore};
use tch::{Device, Kind, Tensor};

#[derive(Debug, Clone, PartialEq)]
pub enum PromptInit {
    /// The embeddings of a text's tokens (with the tokenizer's special tokens), truncated or
    /// repeated to n, as PEFT's TEXT.
    Text(Vec<i64>),
    /// Embeddings of n vocabulary tokens drawn uniformly (Lester et al.'s sampled vocabulary).
    SampleVocab { seed: u64 },
    /// N(0, 1) entries, as PEFT's RANDOM (an nn.Embedding's default initialisation).
    Random { seed: u64 },
}

impl PromptInit {
    /// PEFT's name for it (`prompt_tuning_init`).
    pub fn peft_name(&self) -> &'static str {
        match self {
            PromptInit::Text(_) => "TEXT",
            PromptInit::SampleVocab { .. } => "SAMPLE_VOCAB",
            PromptInit::Random { .. } => "RANDOM",
        }
    }
}

pub struct SoftPrompt {
    /// [n, token_dim], fp32, trainable.
    pub embeddings: Tensor,
    pub vs: VarStore,
}

/// PEFT's TEXT rule: the ids truncated to n, or repeated until there are n.
pub fn text_init_ids(ids: &[i64], n: usize) -> Result<Vec<i64>> {
    if ids.is_empty() {
        bail!("the prompt's initialisation text has no tokens; give some text or use RANDOM");
    }
    Ok(ids.iter().cycle().take(n).copied().collect())
}

impl SoftPrompt {
    pub fn new(lm: &CausalLm, n: usize, init: &PromptInit) -> Result<Self> {
        if n == 0 {
            bail!("a soft prompt needs at least one virtual token");
        }
        let dim = lm.cfg.hidden_size;
        let vs = VarStore::new(lm.device());
        let table = lm.embedding_matrix();
        let start = tch::no_grad(|| -> Result<Tensor> {
            Ok(match init {
                PromptInit::Text(ids) => {
                    let ids = text_init_ids(ids, n)?;
                    if let Some(bad) = ids.iter().find(|&&i| i < 0 || i >= lm.cfg.vocab_size) {
                        bail!("token id {bad} of the initialisation text is outside the vocabulary of {}", lm.cfg.vocab_size);
                    }
                    table.index_select(0, &Tensor::from_slice(&ids).to_device(lm.device())).to_kind(Kind::Float)
                }
                PromptInit::SampleVocab { seed } => {
                    let mut rng = crate::data::rng::SplitMix64::new(*seed);
                    let ids: Vec<i64> = (0..n).map(|_| rng.below(lm.cfg.vocab_size as usize) as i64).collect();
                    table.index_select(0, &Tensor::from_slice(&ids).to_device(lm.device())).to_kind(Kind::Float)
                }
                PromptInit::Random { seed } => {
                    let mut rng = crate::data::rng::SplitMix64::new(*seed);
                    let values: Vec<f32> = (0..n as i64 * dim).map(|_| rng.normal()).collect();
                    Tensor::from_slice(&values).view([n as i64, dim]).to_device(lm.device())
                }
            })
        })?;
        let embeddings = vs.root().var("prompt_embeddings", &[n as i64, dim], Init::Const(0.0));
        tch::no_grad(|| embeddings.shallow_clone().copy_(&start));
        Ok(Self { embeddings, vs })
    }

    pub fn len(&self) -> i64 {
        self.embeddings.size()[0]
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The prompt before `embeds` [b, t, h] and ones before `mask` [b, t]:
    /// ([b, n + t, h], [b, n + t]).
    pub fn prepend(&self, embeds: &Tensor, mask: &Tensor) -> (Tensor, Tensor) {
        let b = embeds.size()[0];
        let prompt = self.embeddings.to_kind(embeds.kind()).unsqueeze(0).expand([b, -1, -1], false);
        let ones = Tensor::ones([b, self.len()], (mask.kind(), mask.device()));
        (Tensor::cat(&[&prompt, embeds], 1), Tensor::cat(&[&ones, mask], 1))
    }

    /// Logits [b, n + t, vocab] of the prompted model, positions 0..n+t as in PEFT.
    pub fn forward(&self, lm: &CausalLm, ids: &Tensor, mask: &Tensor) -> Tensor {
        let (embeds, mask) = self.prepend(&lm.embed(ids), mask);
        let total = embeds.size()[1];
        let positions = Tensor::arange(total, (Kind::Int64, ids.device())).unsqueeze(0).expand([ids.size()[0], total], false);
        lm.logits(&lm.hidden(&embeds, &positions, Some(&mask), None))
    }

    /// transformers' causal LM loss with the prompt's positions ignored: mean cross-entropy
    /// of each next token whose label is not -100.
    pub fn loss(&self, lm: &CausalLm, ids: &Tensor, mask: &Tensor, labels: &Tensor) -> Tensor {
        let logits = self.forward(lm, ids, mask).to_kind(Kind::Float);
        let b = ids.size()[0];
        let ignored = Tensor::full([b, self.len()], -100, (Kind::Int64, labels.device()));
        let labels = Tensor::cat(&[&ignored, labels], 1);
        let t = logits.size()[1];
        let vocab = logits.size()[2];
        let shifted = logits.narrow(1, 0, t - 1).reshape([-1, vocab]);
        let targets = labels.narrow(1, 1, t - 1).reshape([-1]);
        shifted.cross_entropy_loss::<Tensor>(&targets, None, tch::Reduction::Mean, -100, 0.0)
    }

    /// Writes PEFT's adapter folder (whole or not at all).
    pub fn save_peft(&self, dir: &Path, lm: &CausalLm, init: &PromptInit, init_text: Option<&str>, base_model: &str) -> Result<()> {
        let config = serde_json::json!({
            "peft_type": "PROMPT_TUNING",
            "task_type": "CAUSAL_LM",
            "base_model_name_or_path": base_model,
            "inference_mode": true,
            "num_virtual_tokens": self.len(),
            "token_dim": lm.cfg.hidden_size,
            "num_transformer_submodules": 1,
            "num_attention_heads": lm.cfg.num_heads,
            "num_layers": lm.cfg.num_layers,
            "prompt_tuning_init": if matches!(init, PromptInit::Text(_)) { "TEXT" } else { "RANDOM" },
            "prompt_tuning_init_text": init_text,
            "tokenizer_name_or_path": if matches!(init, PromptInit::Text(_)) { Some(base_model) } else { None },
            "tokenizer_kwargs": null,
            "revision": null,
            "modules_to_save": null,
        });
        let tensor = self.embeddings.detach().to_kind(Kind::Float).to_device(Device::Cpu).contiguous();
        crate::fsx::replace_dir(dir, |staging| {
            std::fs::write(staging.join("adapter_config.json"), serde_json::to_string_pretty(&config)?)?;
            crate::nn::weights::write_safetensors(&staging.join("adapter_model.safetensors"), &[("prompt_embeddings".to_string(), tensor.shallow_clone())])
        })?;
        Ok(())
    }

    /// Reads a PEFT prompt-tuning folder for `lm`, checking type, width and token count.
    pub fn load_peft(dir: &Path, lm: &CausalLm) -> Result<Self> {
        let config_path = dir.join("adapter_config.json");
        let text = std::fs::read_to_string(&config_path).with_context(|| format!("reading {} (is {} a PEFT adapter folder?)", config_path.display(), dir.display()))?;
        let raw: serde_json::Value = serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", config_path.display()))?;
        if raw["peft_type"] != "PROMPT_TUNING" {
            bail!("{}: field `peft_type` is {}, not PROMPT_TUNING", config_path.display(), raw["peft_type"]);
        }
        if raw["num_transformer_submodules"].as_i64().unwrap_or(1) != 1 {
            bail!("{}: field `num_transformer_submodules` must be 1 (a decoder-only model)", config_path.display());
        }
        let n = raw["num_virtual_tokens"].as_i64().with_context(|| format!("{}: field `num_virtual_tokens` is missing", config_path.display()))?;
        let weights = dir.join("adapter_model.safetensors");
        let tensors = Tensor::read_safetensors(&weights).with_context(|| format!("reading {}", weights.display()))?;
        let (_, t) = tensors.into_iter().find(|(k, _)| k == "prompt_embeddings").with_context(|| format!("{} has no `prompt_embeddings` tensor", weights.display()))?;
        if t.size() != [n, lm.cfg.hidden_size] {
            bail!("{}: `prompt_embeddings` is {:?}, but the config says {n} tokens and the model's width is {}", weights.display(), t.size(), lm.cfg.hidden_size);
        }
        let vs = VarStore::new(lm.device());
        let embeddings = vs.root().var("prompt_embeddings", &[n, lm.cfg.hidden_size], Init::Const(0.0));
        tch::no_grad(|| embeddings.shallow_clone().copy_(&t.to_kind(Kind::Float).to_device(lm.device())));
        Ok(Self { embeddings, vs })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_init_truncates_or_repeats_like_peft() {
        assert_eq!(text_init_ids(&[5, 6, 7], 2).unwrap(), vec![5, 6]);
        assert_eq!(text_init_ids(&[5, 6, 7], 7).unwrap(), vec![5, 6, 7, 5, 6, 7, 5]);
        assert!(text_init_ids(&[], 3).is_err());
    }
}
