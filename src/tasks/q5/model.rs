//! Which ViT a Q5 experiment adapts (a hub repository, a local folder, or the demo's
//! pre-trained tiny ViT) and how each method builds it: LoRA (frozen base, LoRA pairs
//! and a trained head, as PEFT lays them out), full fine-tuning (everything trained), and the
//! linear probe (frozen base + head).
use crate::nn::adapter::AdapterConfig;
use crate::nn::ia3::Ia3Config;
use crate::nn::lora::LoraConfig;
use crate::nn::vit::{classification_keys, Stores, Vit};
use crate::nn::weights::{load_strict, read_checkpoint, sorted_variables};
use super::params::LoraParams;
use crate::tasks::TaskContext;
pub use crate::zoo::vit::{from_folder, from_hub, BaseModel};
use anyhow::{Context, Result};
use std::path::Path;
use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

/// The folder the demo pre-training writes: a transformers model folder (config.json,
/// model.safetensors) in the hub's ViTModel layout.
pub const DEMO_DIR: &str = "vit_base";

/// The experiment's base model: `demo` from the `vit_pretrain` experiment in `needs`,
/// `weights` when given, else the hub.
pub fn resolve(model: &str, weights: Option<&str>, revision: &str, ctx: &TaskContext) -> Result<BaseModel> {
    if model == "demo" {
        let id = ctx.input_with_file(&format!("{DEMO_DIR}/model.safetensors")).context("`model: demo` needs an experiment of task `vit_pretrain` in `needs`")?;
        let dir = ctx.input_file(&id, DEMO_DIR)?;
        return from_folder(&dir, &format!("demo ViT ({id})"));
    }
    match weights {
        Some(dir) => from_folder(Path::new(dir), model),
        None => from_hub(&ctx.paths().hub, model, revision),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Lora,
    Full,
    Probe,
    /// (IA)³: learned vectors on keys, values and the FFN's intermediate activation.
    Ia3,
}

impl Method {

    pub fn key(self) -> &'static str {
        match self {
            Method::Lora => "lora",
            Method::Full => "full",
            Method::Probe => "probe",
            Method::Ia3 => "ia3",
        }
    }

    /// The term the report words it by (`term-<key>` in the catalogs); the probe is the
    /// linear probe of Q5, not Q3's (e).
    pub fn term(self) -> &'static str {
        match self {
            Method::Lora => "lora",
            Method::Full => "full",
            Method::Probe => "linear_probe",
            Method::Ia3 => "ia3",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Method::Lora => "LoRA",
            Method::Full => "full fine-tuning",
            Method::Probe => "linear probe",
            Method::Ia3 => "(IA)³",
        }
    }
}

pub fn lora_config(p: &LoraParams) -> LoraConfig {
    LoraConfig { r: i64::from(p.r), lora_alpha: p.lora_alpha, lora_dropout: p.lora_dropout, target_modules: p.target_modules.clone(), modules_to_save: p.modules_to_save.clone() }
}

/// A new head only: no LoRA pairs, the classifier trained.
pub fn head_only() -> LoraConfig {
    LoraConfig { r: 1, lora_alpha: 1.0, lora_dropout: 0.0, target_modules: Vec::new(), modules_to_save: vec!["classifier".into()] }
}

/// A ViT built for one method, its weights split between the base and the adapter
/// (LoRA pairs and the head).
pub struct Built {
    pub vit: Vit,
    pub base: VarStore,
    pub adapter: VarStore,
    pub config: AdapterConfig,
    /// The tensors the optimizer updates, by name, in a fixed order.
    pub trainable: Vec<(String, Tensor)>,
    pub total_params: i64,
}

/// The base checkpoint's encoder tensors under ViTForImageClassification's names (any
/// classifier dropped: each method gets a new head). Read once per task, shared by every
/// method built on it.
pub fn base_tensors(base: &BaseModel) -> Result<Vec<(String, Tensor)>> {
    Ok(classification_keys(read_checkpoint(&base.weights)?).into_iter().filter(|(k, _)| !k.starts_with("classifier.")).collect())
}

/// Builds `method`'s model on `base` with a fresh `num_labels` head (HF's init:
/// trunc_normal_(std=0.02) with its default ±2 bounds, i.e. N(0, 0.02²); zero bias) and,
/// for LoRA, fresh pairs from the current seed. `tensors` are `base_tensors(base)`.
pub fn build(method: Method, base: &BaseModel, tensors: &[(String, Tensor)], lora: &LoraParams, ia3: &Ia3Config, num_labels: i64, device: Device) -> Result<Built> {
    let config = match method {
        Method::Lora => AdapterConfig::Lora(lora_config(lora)),
        Method::Ia3 => AdapterConfig::Ia3(ia3.clone()),
        Method::Full | Method::Probe => AdapterConfig::Lora(head_only()),
    };
    build_with(config, method == Method::Full, base, tensors, num_labels, device)
}

/// Builds the base with any adapter `config` (a merged module's rank, say), the base
/// trained too when `train_base`.
pub fn build_with(config: AdapterConfig, train_base: bool, base: &BaseModel, tensors: &[(String, Tensor)], num_labels: i64, device: Device) -> Result<Built> {
    let mut base_vs = VarStore::new(device);
    let adapter_vs = VarStore::new(device);
    let vit = Vit::new(&Stores { base: base_vs.root(), adapter: Some((adapter_vs.root(), &config)) }, &base.config, Some(num_labels));
    let shared = tensors.iter().map(|(k, t)| (k.clone(), t.shallow_clone())).collect();
    load_strict(&mut base_vs, shared, &base.weights.display().to_string())?;
    tch::no_grad(|| {
        for (name, t) in adapter_vs.variables() {
            if name.starts_with("classifier.") {
                let mut t = t.shallow_clone();
                if name.ends_with("weight") {
                    t.copy_(&(Tensor::randn(t.size(), (Kind::Float, device)) * 0.02));
                } else {
                    let _ = t.zero_();
                }
            }
        }
    });
    if !train_base {
        base_vs.freeze();
    }
    let mut trainable = sorted_variables(&adapter_vs);
    if train_base {
        trainable.extend(sorted_variables(&base_vs));
    }
    let total_params = [&base_vs, &adapter_vs].iter().flat_map(|vs| vs.variables().into_values()).map(|t| t.numel() as i64).sum();
    Ok(Built { vit, base: base_vs, adapter: adapter_vs, config, trainable, total_params })
}

impl Built {
    pub fn trainable_params(&self) -> i64 {
        self.trainable.iter().map(|(_, t)| t.numel() as i64).sum()
    }
}
