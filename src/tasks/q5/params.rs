//! Params of the Q5 kinds: `vit_pretrain` (the demo's tiny ViT) and `vit_lora`.
use super::model::Method;
use crate::nn::ia3::{Ia3Config, ModuleNames};
use crate::data::vit_transform::EvalResize;
use crate::spec::validate::{Validate, Violations};
use crate::train::classifier::{Precision, TrainConfig};
use crate::train::optim::AdamWConfig;
use serde::{Deserialize, Serialize};

/// `vit_pretrain` (demo only): a small ViT of the Hugging Face architecture trained to
/// classify generated shapes, saved in the hub's ViTModel layout, so `vit_lora` has a
/// pre-trained model to adapt with no downloads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VitPretrainParams {
    pub hidden_size: u32,
    pub layers: u32,
    pub heads: u32,
    pub image_size: u32,
    pub patch_size: u32,
    pub steps: u32,
    pub batch_size: u32,
    pub lr: f64,
}

impl Default for VitPretrainParams {
    fn default() -> Self {
        Self { hidden_size: 64, layers: 4, heads: 4, image_size: 32, patch_size: 4, steps: 400, batch_size: 64, lr: 1e-3 }
    }
}

impl Validate for VitPretrainParams {
    fn validate(&self, v: &mut Violations) {
        v.range("hidden_size", self.hidden_size, 8, 1024);
        v.range("layers", self.layers, 1, 24);
        v.range("heads", self.heads, 1, 16);
        if !self.hidden_size.is_multiple_of(self.heads.max(1)) {
            v.push("heads", format!("hidden_size {} is not divisible by {} heads", self.hidden_size, self.heads), None);
        }
        v.range("image_size", self.image_size, 8, 512);
        v.range("patch_size", self.patch_size, 1, 64);
        if !self.image_size.is_multiple_of(self.patch_size.max(1)) {
            v.push("patch_size", format!("image_size {} is not a multiple of patch_size {}", self.image_size, self.patch_size), None);
        }
        v.range("steps", self.steps, 1, 1_000_000);
        v.range("batch_size", self.batch_size, 1, 4096);
        v.positive("lr", self.lr, 1.0);
    }
}

/// PEFT's LoraConfig fields the task sets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoraParams {
    pub r: u32,
    pub lora_alpha: f64,
    pub lora_dropout: f64,
    pub target_modules: Vec<String>,
    pub modules_to_save: Vec<String>,
}

impl Default for LoraParams {
    /// The PEFT ViT notebook's configuration.
    fn default() -> Self {
        Self { r: 16, lora_alpha: 16.0, lora_dropout: 0.1, target_modules: vec!["query".into(), "value".into()], modules_to_save: vec!["classifier".into()] }
    }
}

/// PEFT's IA3Config fields the task sets: lists of names or one regex, as in PEFT.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Ia3Params {
    pub target_modules: ModuleNames,
    /// Modules whose input (not output) the vector scales: the FFN's second projection.
    pub feedforward_modules: ModuleNames,
    pub modules_to_save: Vec<String>,
}

impl Default for Ia3Params {
    fn default() -> Self {
        let c = Ia3Config::vit();
        Self { target_modules: c.target_modules, feedforward_modules: c.feedforward_modules, modules_to_save: c.modules_to_save }
    }
}

impl Ia3Params {
    pub fn config(&self) -> Ia3Config {
        Ia3Config { target_modules: self.target_modules.clone(), feedforward_modules: self.feedforward_modules.clone(), modules_to_save: self.modules_to_save.clone() }
    }
}

/// The Trainer's arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VitTrainParams {
    pub epochs: u32,
    /// Images per forward pass (`per_device_train_batch_size`).
    pub batch_size: u32,
    pub grad_accum: u32,
    /// For LoRA and the linear probe.
    pub lr: f64,
    /// For full fine-tuning, which needs a far smaller rate.
    pub full_lr: f64,
    pub warmup_ratio: f64,
    pub weight_decay: f64,
    /// 0 turns clipping off.
    pub max_grad_norm: f64,
    /// fp32, or fp16 (CUDA autocast with loss scaling; fp32 on a CPU).
    pub precision: Precision,
    /// Also checkpoint every this many optimizer steps (0: at epoch ends only).
    pub save_steps: u32,
    pub eval_batch_size: u32,
}

impl LoraParams {
    /// The ranges every kind that trains LoRA checks (under `lora.`).
    pub fn check_ranges(&self, v: &mut Violations) {
        v.range("lora.r", self.r, 1, 4096);
        v.positive("lora.lora_alpha", self.lora_alpha, 1e6);
        if !(0.0..1.0).contains(&self.lora_dropout) {
            v.push("lora.lora_dropout", format!("{} is not in [0, 1)", self.lora_dropout), None);
        }
    }
}

impl VitTrainParams {
    /// The Trainer's ranges (under `train.`), except `full_lr`, which only `vit_lora` reads.
    pub fn check_ranges(&self, v: &mut Violations) {
        v.range("train.epochs", self.epochs, 1, 1000);
        v.range("train.batch_size", self.batch_size, 1, 8192);
        v.range("train.grad_accum", self.grad_accum, 1, 1024);
        v.positive("train.lr", self.lr, 10.0);
        if !(0.0..1.0).contains(&self.warmup_ratio) {
            v.push("train.warmup_ratio", format!("{} is not in [0, 1)", self.warmup_ratio), None);
        }
        if self.weight_decay < 0.0 || self.max_grad_norm < 0.0 {
            v.push("train", "weight_decay and max_grad_norm must not be negative", None);
        }
        v.range("train.eval_batch_size", self.eval_batch_size, 1, 8192);
    }

    /// The training loop's settings at learning rate `lr`.
    pub fn config(&self, lr: f64, precision: Precision, seed: u64) -> TrainConfig {
        TrainConfig {
            epochs: self.epochs,
            batch_size: self.batch_size as usize,
            grad_accum: self.grad_accum as usize,
            lr,
            warmup_ratio: self.warmup_ratio,
            adamw: AdamWConfig { weight_decay: self.weight_decay, ..Default::default() },
            max_grad_norm: self.max_grad_norm,
            precision,
            save_steps: u64::from(self.save_steps),
            seed,
            eval_batch_size: self.eval_batch_size as usize,
        }
    }
}

impl Default for VitTrainParams {
    /// The notebook's TrainingArguments.
    fn default() -> Self {
        Self {
            epochs: 5,
            batch_size: 128,
            grad_accum: 4,
            lr: 5e-3,
            full_lr: 5e-5,
            warmup_ratio: 0.0,
            weight_decay: 0.0,
            max_grad_norm: 1.0,
            precision: Precision::Fp32,
            save_steps: 0,
            eval_batch_size: 128,
        }
    }
}

/// `vit_lora`: ViT + LoRA on Food-101, with full fine-tuning and a linear probe for
/// comparison, then a prediction on a new image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VitLoraParams {
    /// A hub repository (google/vit-base-patch16-224-in21k), or `demo` (the weights of
    /// a `vit_pretrain` experiment in `needs`).
    pub model: String,
    /// A local folder with config.json and model.safetensors instead of the hub.
    pub weights: Option<String>,
    pub revision: String,
    /// `food101` (the fetched data set), `demo` (generated), or a folder in either layout.
    pub dataset: String,
    /// Training images used (the notebook's `train[:5000]`); 0: the full 75,750/25,250
    /// split, evaluated on the test split.
    pub subset: u32,
    /// Fraction of the subset held out for evaluation.
    pub validation: f64,
    /// Which of `lora`, `full`, `probe` run; the first is the one the report leads with.
    pub methods: Vec<Method>,
    pub lora: LoraParams,
    /// PEFT's IA3Config for `method: ia3` (default: keys, values and the FFN's second
    /// projection of every layer, the classifier trained in full).
    pub ia3: Ia3Params,
    pub train: VitTrainParams,
    pub eval_resize: EvalResize,
    /// An image to predict after training; default: the first test image.
    pub predict_image: Option<String>,
    pub top_k: u32,
}

impl Default for VitLoraParams {
    fn default() -> Self {
        Self {
            model: "google/vit-base-patch16-224-in21k".into(),
            weights: None,
            revision: "main".into(),
            dataset: "food101".into(),
            subset: 5000,
            validation: 0.1,
            methods: vec![Method::Lora, Method::Full, Method::Probe],
            lora: LoraParams::default(),
            ia3: Ia3Params::default(),
            train: VitTrainParams::default(),
            eval_resize: EvalResize::ResizeCenterCrop,
            predict_image: None,
            top_k: 5,
        }
    }
}

impl Validate for VitLoraParams {
    fn validate(&self, v: &mut Violations) {
        if self.methods.is_empty() {
            v.push("methods", "no method selected", Some("list some of lora, full, probe".into()));
        }
        v.positive("validation", self.validation, 0.9);
        self.lora.check_ranges(v);
        if self.lora.target_modules.is_empty() && self.methods.contains(&Method::Lora) {
            v.push("lora.target_modules", "LoRA needs at least one target module", Some("the notebook uses [query, value]".into()));
        }
        if self.methods.contains(&Method::Ia3) && !self.ia3.modules_to_save.iter().any(|m| m == "classifier") {
            v.push("ia3.modules_to_save", "(IA)³ needs the new classifier trained", Some("add classifier to modules_to_save".into()));
        }
        self.train.check_ranges(v);
        v.positive("train.full_lr", self.train.full_lr, 10.0);
        v.range("top_k", self.top_k, 1, 1000);
    }
}
