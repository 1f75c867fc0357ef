//! Causal language models in tch: GPT-2 and the Llama family, loaded from Hugging Face
//! model folders with parameter names equal to transformers' keys, and run with a KV
//! cache. The generation loop, sampling and scoring are in `generate`.
pub mod attention;
pub mod config;
pub mod generate;
pub mod gpt2;
pub mod llama;
pub mod lora;
pub mod params;
pub mod prompt_tuning;

use anyhow::{Context, Result};
use attention::{attention_mask, KvCache};
use config::{Arch, LmConfig};
use params::ParamSource;
use std::path::Path;
use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

enum Body {
    Gpt2(gpt2::Gpt2),
    Llama(llama::Llama),
}

pub struct CausalLm {
    pub cfg: LmConfig,
    body: Body,
    /// The model's parameters under their transformers names (frozen when loaded).
    pub vs: VarStore,
}

/// Positions of each token from a left-padded mask [b, t]: the count of real tokens
/// before it, as transformers derives `position_ids` for generation (pads get 1).
pub fn positions_from_mask(mask: &Tensor) -> Tensor {
    let m = mask.to_kind(Kind::Int64);
    (m.cumsum(-1, Kind::Int64) - 1).masked_fill(&m.eq(0), 1)
}

impl CausalLm {
    /// Builds the architecture of `cfg` from `src` (a checkpoint or a random init).
    pub fn build(cfg: LmConfig, mut src: ParamSource, device: Device) -> Result<Self> {
        let vs = VarStore::new(device);
        let root = vs.root();
        let body = match cfg.arch {
            Arch::Gpt2 => Body::Gpt2(gpt2::Gpt2::new(&root, &mut src, &cfg)),
            Arch::Llama => Body::Llama(llama::Llama::new(&root, &mut src, &cfg)),
        };
        src.finish()?;
        Ok(Self { cfg, body, vs })
    }

    /// A model folder: config.json and its weights (safetensors, sharded or not, or
    /// pytorch_model.bin), in `kind` on `device`.
    pub fn load(dir: &Path, device: Device, kind: Kind) -> Result<Self> {
        let cfg = LmConfig::from_file(&dir.join("config.json"))?;
        let files = params::weight_files(dir)?;
        let tensors: Vec<(String, Tensor)> = params::read_tensors(&files)?.into_iter().collect();
        let tensors = match cfg.arch {
            Arch::Gpt2 => gpt2::normalise_keys(tensors, cfg.tie_word_embeddings),
            Arch::Llama => llama::normalise_keys(tensors, cfg.tie_word_embeddings),
        };
        let source = if files.len() == 1 { files[0].display().to_string() } else { format!("the {} shards in {}", files.len(), dir.display()) };
        let _guard = tch::no_grad_guard();
        Self::build(cfg, ParamSource::checkpoint(tensors.into_iter().collect(), &source, device, kind), device)
            .with_context(|| format!("loading the model in {}", dir.display()))
    }

    pub fn device(&self) -> Device {
        self.vs.device()
    }

    /// The dtype activations run in (the embeddings').
    pub fn kind(&self) -> Kind {
        self.embedding_matrix().kind()
    }

    /// The projections PEFT's LoRA adapts by default for this model type.
    pub fn lora_targets(&self) -> Vec<lora::Target<'_>> {
        match &self.body {
            Body::Gpt2(m) => m.lora_targets(),
            Body::Llama(m) => m.lora_targets(),
        }
    }

    /// Gives every default target a LoRA pair of rank `r` in `store` (named as PEFT names
    /// them, `<module>.lora_A.weight`), returning the pairs' trainable tensors by name.
    pub fn attach_lora(&self, store: &VarStore, r: i64, alpha: f64) -> Vec<(String, Tensor)> {
        for t in self.lora_targets() {
            let mut p = store.root();
            for part in t.name.split('.') {
                p = p / part;
            }
            t.slot.attach(&p, t.in_dim, t.out_dim, r, alpha);
        }
        crate::nn::weights::sorted_variables(store)
    }

    /// Removes every LoRA pair: the model is the loaded one again.
    pub fn detach_lora(&self) {
        for t in self.lora_targets() {
            t.slot.detach();
        }
    }

    /// Token embeddings [vocab, h] (the input embeddings; tied models share them with the head).
    pub fn embedding_matrix(&self) -> &Tensor {
        match &self.body {
            Body::Gpt2(m) => &m.wte,
            Body::Llama(m) => &m.embed_tokens,
        }
    }

    /// Token embeddings of `ids` [b, t] → [b, t, h], without positions.
    pub fn embed(&self, ids: &Tensor) -> Tensor {
        match &self.body {
            Body::Gpt2(m) => m.embed(ids),
            Body::Llama(m) => m.embed(ids),
        }
    }

    fn window(&self) -> Option<i64> {
        match &self.body {
            Body::Gpt2(_) => None,
            Body::Llama(m) => m.window(),
        }
    }

    /// Final hidden states [b, q, h] for `embeds` [b, q, h] at `positions` [b, q].
    /// `key_mask` [b, past + q] marks real tokens (1) and padding (0) over the cache and
    /// this step; `None` means no padding.
    pub fn hidden(&self, embeds: &Tensor, positions: &Tensor, key_mask: Option<&Tensor>, cache: Option<&mut KvCache>) -> Tensor {
        let past = cache.as_ref().map_or(0, |c| c.len);
        let q = embeds.size()[1];
        let mask = attention_mask(key_mask, past, q, self.window(), embeds.device());
        match &self.body {
            Body::Gpt2(m) => m.hidden(embeds, positions, mask.as_ref(), cache),
            Body::Llama(m) => m.hidden(embeds, positions, mask.as_ref(), cache),
        }
    }

    /// Vocabulary logits of hidden states.
    pub fn logits(&self, hidden: &Tensor) -> Tensor {
        match &self.body {
            Body::Gpt2(m) => m.logits(hidden),
            Body::Llama(m) => m.logits(hidden),
        }
    }

    /// Logits [b, t, vocab] of token ids [b, t] with an optional left-padding mask, no cache.
    pub fn forward(&self, ids: &Tensor, mask: Option<&Tensor>) -> Tensor {
        let positions = match mask {
            Some(m) => positions_from_mask(m),
            None => Tensor::arange(ids.size()[1], (Kind::Int64, ids.device())).unsqueeze(0).expand_as(ids),
        };
        self.logits(&self.hidden(&self.embed(ids), &positions, mask, None))
    }
}
