//! Typed parameters per task kind, with their defaults and allowed ranges.
//! Unknown keys are rejected by serde; ranges by `Validate`, which names the field
//! so the loader can point at its line.
use serde::{Deserialize, Serialize};

/// One range or consistency problem in a params block: the field, what is wrong, a hint.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pub field: String,
    pub message: String,
    pub hint: Option<String>,
}

#[derive(Default)]
pub struct Violations(pub Vec<Violation>);

impl Violations {
    pub fn push(&mut self, field: &str, message: impl Into<String>, hint: Option<String>) {
        self.0.push(Violation { field: field.into(), message: message.into(), hint });
    }

    /// Requires `lo <= value <= hi`.
    pub fn range<T: PartialOrd + std::fmt::Display + Copy>(&mut self, field: &str, value: T, lo: T, hi: T) {
        if !(value >= lo && value <= hi) {
            self.push(
                field,
                format!("`{field}` is {value}, outside the allowed range {lo}..={hi}"),
                Some(format!("set `{field}` between {lo} and {hi}")),
            );
        }
    }

    /// Requires `0 < value <= hi` for a float (learning rates, scales).
    pub fn positive(&mut self, field: &str, value: f64, hi: f64) {
        if !(value > 0.0 && value <= hi) {
            self.push(
                field,
                format!("`{field}` is {value}, it must be > 0 and <= {hi}"),
                Some(format!("typical values for `{field}` are 1e-4 to 1e-1")),
            );
        }
    }
}

pub trait Validate {
    fn validate(&self, v: &mut Violations);
}

/// `smoke`: a small CNN trained on procedurally generated shape images.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmokeParams {
    /// Number of shape classes (the generator knows 8).
    pub classes: u32,
    /// Square image side in pixels.
    pub image_size: u32,
    pub train_images: u32,
    pub test_images: u32,
    /// Optimiser steps.
    pub steps: u32,
    pub batch_size: u32,
    /// Adam learning rate.
    pub lr: f64,
    /// Evaluate on the test images every this many steps (and at the end).
    pub eval_every: u32,
    /// Channels of the first conv layer (doubled in the second).
    pub width: u32,
}

impl Default for SmokeParams {
    fn default() -> Self {
        Self {
            classes: 6,
            image_size: 32,
            train_images: 3000,
            test_images: 600,
            steps: 300,
            batch_size: 64,
            lr: 2e-3,
            eval_every: 50,
            width: 16,
        }
    }
}

pub const SMOKE_MAX_CLASSES: u32 = 8;

impl Validate for SmokeParams {
    fn validate(&self, v: &mut Violations) {
        v.range("classes", self.classes, 2, SMOKE_MAX_CLASSES);
        v.range("image_size", self.image_size, 16, 128);
        v.range("train_images", self.train_images, self.classes.max(1) * 4, 200_000);
        v.range("test_images", self.test_images, self.classes.max(1), 100_000);
        v.range("steps", self.steps, 1, 1_000_000);
        v.range("batch_size", self.batch_size, 1, 4096);
        v.positive("lr", self.lr, 1.0);
        v.range("eval_every", self.eval_every, 1, 1_000_000);
        v.range("width", self.width, 2, 256);
    }
}

/// `clip_pretrain` (demo only): a tiny CLIP trained contrastively on generated,
/// captioned colour-shape images, so the Q3 pipeline runs with no downloads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClipPretrainParams {
    /// `small`, or `large` (twice the widths, one more block per stage): the demo's
    /// stand-ins for ConvNeXt-Base and ConvNeXt-XXLarge.
    pub size: String,
    pub steps: u32,
    /// Captioned images per step (distinct colour-shape pairs, at most 48).
    pub batch_size: u32,
    pub lr: f64,
    pub image_size: u32,
    pub embed_dim: u32,
}

impl Default for ClipPretrainParams {
    fn default() -> Self {
        Self { size: "small".into(), steps: 300, batch_size: 32, lr: 2e-3, image_size: 64, embed_dim: 64 }
    }
}

impl Validate for ClipPretrainParams {
    fn validate(&self, v: &mut Violations) {
        if self.size != "small" && self.size != "large" {
            v.push("size", format!("`{}` is not a size", self.size), Some("use small or large".into()));
        }
        v.range("steps", self.steps, 1, 1_000_000);
        v.range("batch_size", self.batch_size, 2, 48);
        v.positive("lr", self.lr, 1.0);
        v.range("image_size", self.image_size, 32, 256);
        v.range("embed_dim", self.embed_dim, 8, 1024);
    }
}

/// Parameters shared by the CLIP evaluation tasks (zero-shot, template study,
/// per-class analysis).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClipEvalParams {
    /// `NAME:TAG` of an open_clip model (`convnext_base_w:laion2b_s13b_b82k_augreg`), or
    /// `demo` for the tiny CLIP an experiment in `needs` trained.
    pub model: String,
    /// A local weights file instead of the hub's (`open_clip_model.safetensors` or `.bin`).
    pub weights: Option<String>,
    /// `stanford-dogs` (under $ADAPTLAB_CACHE/datasets), `demo` (generated), or a path.
    pub dataset: String,
    pub split: crate::data::stanford_dogs::Split,
    pub class_names: crate::data::stanford_dogs::ClassNames,
    /// The prompt; `{}` is replaced by the class name.
    pub template: String,
    /// Templates of the study (b); empty means the built-in study set.
    pub templates: Vec<String>,
    /// Fraction of each training class held out to choose prompts in (c).
    pub holdout: f64,
    pub batch_size: u32,
    /// fp32, or fp16 / bf16 (CUDA only).
    pub precision: String,
}

impl Default for ClipEvalParams {
    fn default() -> Self {
        Self {
            model: "demo".into(),
            weights: None,
            dataset: "demo".into(),
            split: crate::data::stanford_dogs::Split::Test,
            class_names: crate::data::stanford_dogs::ClassNames::Curated,
            template: "a photo of a {}, a type of dog.".into(),
            templates: Vec::new(),
            holdout: 0.2,
            batch_size: 32,
            precision: "fp32".into(),
        }
    }
}

/// The checks every CLIP task shares: a prompt with a slot, a model it can find, a
/// batch size and a precision.
fn validate_clip(v: &mut Violations, model: &str, weights: &Option<String>, template: &str, batch_size: u32, precision: &str) {
    if !template.contains("{}") {
        v.push("template", format!("the template `{template}` has no `{{}}` for the class name"), Some("write e.g. \"a photo of a {}.\"".into()));
    }
    if model != "demo" && !model.contains(':') && weights.is_none() {
        v.push("model", format!("`{model}` names no pretrained tag"), Some("write NAME:TAG, e.g. convnext_base_w:laion2b_s13b_b82k_augreg, or give `weights: FILE`".into()));
    }
    v.range("batch_size", batch_size, 1, 4096);
    if !["fp32", "fp16", "bf16"].contains(&precision) {
        v.push("precision", format!("`{precision}` is not a precision"), Some("use fp32, fp16 or bf16".into()));
    }
}

impl Validate for ClipEvalParams {
    fn validate(&self, v: &mut Violations) {
        validate_clip(v, &self.model, &self.weights, &self.template, self.batch_size, &self.precision);
        if let Some(bad) = self.templates.iter().find(|t| !t.contains("{}")) {
            v.push("templates", format!("the template `{bad}` has no `{{}}` for the class name"), None);
        }
        if !(self.holdout > 0.0 && self.holdout < 1.0) {
            v.push("holdout", format!("`holdout` is {}, it must be between 0 and 1", self.holdout), None);
        }
    }
}

/// `clip_compare` (Q3f): two models' results side by side, read from the experiments
/// named here (which must be in `needs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClipCompareParams {
    /// Zero-shot experiment of the smaller model (ConvNeXt-Base).
    pub base: String,
    /// Zero-shot experiment of the larger model (ConvNeXt-XXLarge).
    pub large: String,
    /// Optional template studies of the two models, compared too.
    #[serde(default)]
    pub base_templates: Option<String>,
    #[serde(default)]
    pub large_templates: Option<String>,
    /// Optional (d)/(e) experiments of each model; their methods' test accuracy joins
    /// one table (zero-shot, (d1), (d2), (e) for both models).
    #[serde(default)]
    pub base_adapted: Vec<String>,
    #[serde(default)]
    pub large_adapted: Vec<String>,
}

impl Validate for ClipCompareParams {
    fn validate(&self, v: &mut Violations) {
        if self.base == self.large {
            v.push("large", "`base` and `large` name the same experiment", Some("name the two models' zero-shot experiments".into()));
        }
    }
}

/// Gradient-descent training of a classifier on frozen CLIP features (Q3d/e). Lists are
/// grids: every combination is trained and the validation split picks one (and the
/// step to stop at); the test split is scored once, with the pick.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FitParams {
    /// `adamw`, or `sgd` (momentum 0.9).
    pub optimizer: String,
    pub lrs: Vec<f64>,
    pub weight_decays: Vec<f64>,
    /// Passes over the training images (cosine learning-rate decay over all steps).
    pub epochs: u32,
    pub batch_size: u32,
    /// At least this many steps, so few-shot runs (a batch or two per epoch) still train.
    pub min_steps: u32,
}

impl Default for FitParams {
    fn default() -> Self {
        Self { optimizer: "adamw".into(), lrs: vec![1e-3], weight_decays: vec![0.0], epochs: 20, batch_size: 256, min_steps: 200 }
    }
}

impl FitParams {
    fn validate(&self, prefix: &str, v: &mut Violations) {
        let field = |name: &str| format!("{prefix}.{name}");
        if self.optimizer != "adamw" && self.optimizer != "sgd" {
            v.push(&field("optimizer"), format!("`{}` is not an optimizer", self.optimizer), Some("use adamw or sgd".into()));
        }
        if self.lrs.is_empty() {
            v.push(&field("lrs"), "`lrs` is empty", Some("give at least one learning rate, e.g. [0.001]".into()));
        }
        for lr in &self.lrs {
            v.positive(&field("lrs"), *lr, 10.0);
        }
        if self.weight_decays.is_empty() || self.weight_decays.iter().any(|w| !(0.0..=1.0).contains(w)) {
            v.push(&field("weight_decays"), "`weight_decays` must list values between 0 and 1", Some("e.g. [0.0] or [0.0, 0.0001, 0.01]".into()));
        }
        v.range(&field("epochs"), self.epochs, 1, 10_000);
        v.range(&field("batch_size"), self.batch_size, 1, 65_536);
        v.range(&field("min_steps"), self.min_steps, 0, 1_000_000);
    }
}

/// CoOp's learned context (Q3d2) and how it is trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CoopParams {
    /// Context vectors per class when `ctx_init` is empty (CoOp uses 16 or 4).
    pub ctx_tokens: u32,
    /// Words whose token embeddings start the context ("a photo of a"); their token
    /// count sets the context length. Empty: random N(0, 0.02²) init.
    pub ctx_init: String,
    pub optimizer: String,
    pub lrs: Vec<f64>,
    pub weight_decays: Vec<f64>,
    pub epochs: u32,
    pub batch_size: u32,
    pub min_steps: u32,
}

impl Default for CoopParams {
    fn default() -> Self {
        let fit = FitParams::default();
        Self {
            ctx_tokens: 4,
            ctx_init: "a photo of a".into(),
            optimizer: fit.optimizer,
            lrs: vec![2e-3],
            weight_decays: fit.weight_decays,
            epochs: 10,
            batch_size: 128,
            min_steps: fit.min_steps,
        }
    }
}

impl CoopParams {
    pub fn fit(&self) -> FitParams {
        FitParams {
            optimizer: self.optimizer.clone(),
            lrs: self.lrs.clone(),
            weight_decays: self.weight_decays.clone(),
            epochs: self.epochs,
            batch_size: self.batch_size,
            min_steps: self.min_steps,
        }
    }
}

/// The CLIP paper's reference probe: L2-regularised logistic regression by L-BFGS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LbfgsParams {
    /// Inverse regularisation strengths (scikit-learn's C), chosen on validation.
    pub cs: Vec<f64>,
    pub max_iter: u32,
}

impl Default for LbfgsParams {
    fn default() -> Self {
        Self { cs: vec![1.0, 10.0, 100.0, 1000.0], max_iter: 1000 }
    }
}

/// `clip_class_embedding` (Q3d) and `clip_linear_probe` (Q3e): classifiers trained on
/// the train split's frozen CLIP features, scored on the test split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClipAdaptParams {
    /// As in the zero-shot tasks.
    pub model: String,
    pub weights: Option<String>,
    pub dataset: String,
    pub class_names: crate::data::stanford_dogs::ClassNames,
    /// The zero-shot prompt: the baseline, and the init of the text-initialised head.
    pub template: String,
    /// Images per batch when computing features.
    pub batch_size: u32,
    pub precision: String,
    /// Fraction of each training class held out for validation (choices, not training).
    pub validation: f64,
    /// Which methods run. clip_class_embedding: `text_init`, `random_init`, `coop`;
    /// clip_linear_probe: `probe`, `lbfgs`. Empty: all of the task's.
    pub methods: Vec<String>,
    /// Few-shot study: training images per class (the full set is always run).
    pub shots: Vec<u32>,
    /// Seeds per few-shot point (mean ± std in the report).
    pub few_shot_seeds: u32,
    /// (d1) the class-embedding head.
    pub head: FitParams,
    /// (d2) CoOp.
    pub coop: CoopParams,
    /// (e) the linear probe trained by gradient descent.
    pub probe: FitParams,
    /// (e) the L-BFGS logistic-regression reference.
    pub lbfgs: LbfgsParams,
    /// clip_linear_probe: the clip_class_embedding experiment (in `needs`) whose results
    /// join this one's in the combined table and few-shot plot.
    pub class_embedding: Option<String>,
}

pub const CLASS_EMBEDDING_METHODS: [&str; 3] = ["text_init", "random_init", "coop"];
pub const LINEAR_PROBE_METHODS: [&str; 2] = ["probe", "lbfgs"];

impl Default for ClipAdaptParams {
    fn default() -> Self {
        Self {
            model: "demo".into(),
            weights: None,
            dataset: "demo".into(),
            class_names: crate::data::stanford_dogs::ClassNames::Curated,
            template: "a photo of a {}, a type of dog.".into(),
            batch_size: 32,
            precision: "fp32".into(),
            validation: 0.1,
            methods: Vec::new(),
            shots: vec![1, 2, 4, 8, 16],
            few_shot_seeds: 3,
            head: FitParams { lrs: vec![1e-4, 1e-3], ..FitParams::default() },
            coop: CoopParams::default(),
            probe: FitParams { lrs: vec![1e-3, 1e-2], weight_decays: vec![0.0, 1e-4, 1e-2], epochs: 30, ..FitParams::default() },
            lbfgs: LbfgsParams::default(),
            class_embedding: None,
        }
    }
}

impl Validate for ClipAdaptParams {
    fn validate(&self, v: &mut Violations) {
        validate_clip(v, &self.model, &self.weights, &self.template, self.batch_size, &self.precision);
        if !(self.validation > 0.0 && self.validation < 1.0) {
            v.push("validation", format!("`validation` is {}, it must be between 0 and 1", self.validation), Some("0.1 holds out a tenth of each class".into()));
        }
        if let Some(bad) = self.shots.iter().find(|&&k| k == 0 || k > 10_000) {
            v.push("shots", format!("{bad} is not a number of shots"), Some("list images per class, e.g. [1, 2, 4, 8, 16]".into()));
        }
        v.range("few_shot_seeds", self.few_shot_seeds, 1, 100);
        self.head.validate("head", v);
        self.coop.fit().validate("coop", v);
        self.probe.validate("probe", v);
        if self.coop.ctx_init.trim().is_empty() {
            v.range("coop.ctx_tokens", self.coop.ctx_tokens, 1, 64);
        } else if !self.coop.ctx_init.is_ascii() {
            // A template in any script tokenizes; this only keeps the count predictable.
            v.push("coop.ctx_init", "`ctx_init` must be plain ASCII words", Some("e.g. \"a photo of a\"".into()));
        }
        if self.lbfgs.cs.is_empty() || self.lbfgs.cs.iter().any(|c| !(*c > 0.0 && c.is_finite())) {
            v.push("lbfgs.cs", "`cs` must list positive inverse regularisation strengths", Some("e.g. [1, 10, 100, 1000]".into()));
        }
        v.range("lbfgs.max_iter", self.lbfgs.max_iter, 1, 100_000);
    }
}
