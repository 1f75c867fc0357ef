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

impl Validate for ClipEvalParams {
    fn validate(&self, v: &mut Violations) {
        if !self.template.contains("{}") {
            v.push("template", format!("the template `{}` has no `{{}}` for the class name", self.template), Some("write e.g. \"a photo of a {}.\"".into()));
        }
        if let Some(bad) = self.templates.iter().find(|t| !t.contains("{}")) {
            v.push("templates", format!("the template `{bad}` has no `{{}}` for the class name"), None);
        }
        if self.model != "demo" && !self.model.contains(':') && self.weights.is_none() {
            v.push("model", format!("`{}` names no pretrained tag", self.model), Some("write NAME:TAG, e.g. convnext_base_w:laion2b_s13b_b82k_augreg, or give `weights: FILE`".into()));
        }
        if !(self.holdout > 0.0 && self.holdout < 1.0) {
            v.push("holdout", format!("`holdout` is {}, it must be between 0 and 1", self.holdout), None);
        }
        v.range("batch_size", self.batch_size, 1, 4096);
        if !["fp32", "fp16", "bf16"].contains(&self.precision.as_str()) {
            v.push("precision", format!("`{}` is not a precision", self.precision), Some("use fp32, fp16 or bf16".into()));
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
}

impl Validate for ClipCompareParams {
    fn validate(&self, v: &mut Violations) {
        if self.base == self.large {
            v.push("large", "`base` and `large` name the same experiment", Some("name the two models' zero-shot experiments".into()));
        }
    }
}
