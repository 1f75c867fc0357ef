//! The params of the Q3 kinds, each kind with its own type so that a key a kind does
//! not read is an error (and never reaches the spec hash). Choices are serde enums:
//! serde's "unknown variant, expected one of" names the allowed values.
use crate::data::stanford_dogs::{ClassNames, Split};
use crate::spec::validate::{Validate, Violations};
use serde::{Deserialize, Serialize};

/// The zero-shot prompt every Q3 kind starts from unless the suite names another.
const DEFAULT_TEMPLATE: &str = "a photo of a {}, a type of dog.";

/// Precision of CLIP inference: fp16 and bf16 through CUDA autocast; on the CPU, bf16
/// puts the image tower's weights and activations in bf16.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InferencePrecision {
    #[default]
    Fp32,
    Fp16,
    Bf16,
}

impl InferencePrecision {
    pub fn as_str(self) -> &'static str {
        match self {
            InferencePrecision::Fp32 => "fp32",
            InferencePrecision::Fp16 => "fp16",
            InferencePrecision::Bf16 => "bf16",
        }
    }
}

/// The demo's two CLIP sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DemoClipSize {
    #[default]
    Small,
    /// Twice the widths, one more block per stage.
    Large,
}

impl DemoClipSize {
    pub fn as_str(self) -> &'static str {
        match self {
            DemoClipSize::Small => "small",
            DemoClipSize::Large => "large",
        }
    }
}

/// `clip_pretrain` (demo only): a tiny CLIP trained contrastively on generated,
/// captioned colour-shape images, so the Q3 pipeline runs with no downloads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClipPretrainParams {
    /// `small`, or `large`: the demo's stand-ins for ConvNeXt-Base and ConvNeXt-XXLarge.
    pub size: DemoClipSize,
    pub steps: u32,
    /// Captioned images per step (distinct colour-shape pairs, at most 48).
    pub batch_size: u32,
    pub lr: f64,
    pub image_size: u32,
    pub embed_dim: u32,
}

impl Default for ClipPretrainParams {
    fn default() -> Self {
        Self { size: DemoClipSize::Small, steps: 300, batch_size: 32, lr: 2e-3, image_size: 64, embed_dim: 64 }
    }
}

impl Validate for ClipPretrainParams {
    fn validate(&self, v: &mut Violations) {
        v.range("steps", self.steps, 1, 1_000_000);
        v.range("batch_size", self.batch_size, 2, 48);
        v.positive("lr", self.lr, 1.0);
        v.range("image_size", self.image_size, 32, 256);
        v.range("embed_dim", self.embed_dim, 8, 1024);
    }
}

/// Declares a CLIP params struct: the fields every CLIP kind reads (the model, the data
/// set and how to run the image tower; written here once),
/// then the kind's own. serde's `flatten` would share them too, but it cannot be combined
/// with `deny_unknown_fields` and loses the path of a mistyped field.
macro_rules! clip_params {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident: $ty:ty = $default:expr,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct $name {
            /// `NAME:TAG` of an open_clip model (`convnext_base_w:laion2b_s13b_b82k_augreg`),
            /// or `demo` for the tiny CLIP an experiment in `needs` trained.
            pub model: String,
            /// A local weights file instead of the hub's (`open_clip_model.safetensors` or `.bin`).
            pub weights: Option<String>,
            /// `stanford-dogs` (the fetched data set), `demo` (generated), or a path.
            pub dataset: String,
            /// Images per batch when computing features.
            pub batch_size: u32,
            /// fp32, bf16 (CUDA autocast, or bf16 weights and activations on the CPU), or
            /// fp16 (CUDA autocast; fp32 on the CPU).
            pub precision: InferencePrecision,
            $($(#[$fmeta])* pub $field: $ty,)*
        }

        impl Default for $name {
            fn default() -> Self {
                Self {
                    model: "demo".into(),
                    weights: None,
                    dataset: "demo".into(),
                    batch_size: 32,
                    precision: InferencePrecision::Fp32,
                    $($field: $default,)*
                }
            }
        }

        impl $name {
            /// The checks every CLIP kind shares: a model it can find, a batch size.
            fn validate_clip(&self, v: &mut Violations) {
                if self.model != "demo" && !self.model.contains(':') && self.weights.is_none() {
                    v.push("model", format!("`{}` names no pretrained tag", self.model), Some("write NAME:TAG, e.g. convnext_base_w:laion2b_s13b_b82k_augreg, or give `weights: FILE`".into()));
                }
                v.range("batch_size", self.batch_size, 1, 4096);
            }
        }
    };
}

/// A prompt needs a slot for the class name.
fn check_template(v: &mut Violations, template: &str) {
    if !template.contains("{}") {
        v.push("template", format!("the template `{template}` has no `{{}}` for the class name"), Some("write e.g. \"a photo of a {}.\"".into()));
    }
}

clip_params! {
    /// `clip_zero_shot` (Q3a).
    ZeroShotParams {
        /// `test` or `train`.
        split: Split = Split::Test,
        /// Raw folder names or curated names.
        class_names: ClassNames = ClassNames::Curated,
        /// The prompt; `{}` is replaced by the class name.
        template: String = DEFAULT_TEMPLATE.into(),
    }
}

impl Validate for ZeroShotParams {
    fn validate(&self, v: &mut Violations) {
        self.validate_clip(v);
        check_template(v, &self.template);
    }
}

clip_params! {
    /// `clip_templates` (Q3b): the same features scored with many prompts.
    TemplatesParams {
        split: Split = Split::Test,
        /// `kind | template` lines; empty means the built-in study set.
        templates: Vec<String> = Vec::new(),
    }
}

impl Validate for TemplatesParams {
    fn validate(&self, v: &mut Violations) {
        self.validate_clip(v);
        if let Some(bad) = self.templates.iter().find(|t| !t.contains("{}")) {
            v.push("templates", format!("the template `{bad}` has no `{{}}` for the class name"), None);
        }
    }
}

clip_params! {
    /// `clip_per_class` (Q3c): per-class metrics, then a prompt search for the worst class.
    PerClassParams {
        split: Split = Split::Test,
        class_names: ClassNames = ClassNames::Curated,
        /// The prompt measured, and the first candidate of the search.
        template: String = DEFAULT_TEMPLATE.into(),
        /// Fraction of each training class held out to choose the worst class's prompt.
        holdout: f64 = 0.2,
    }
}

impl Validate for PerClassParams {
    fn validate(&self, v: &mut Violations) {
        self.validate_clip(v);
        check_template(v, &self.template);
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

impl Default for ClipCompareParams {
    /// Only for the registry's Default bound: `base` and `large` are required in YAML.
    fn default() -> Self {
        Self { base: String::new(), large: String::new(), base_templates: None, large_templates: None, base_adapted: Vec::new(), large_adapted: Vec::new() }
    }
}

impl Validate for ClipCompareParams {
    fn validate(&self, v: &mut Violations) {
        if self.base == self.large {
            v.push("large", "`base` and `large` name the same experiment", Some("name the two models' zero-shot experiments".into()));
        }
    }
}

impl ClipCompareParams {
    /// Every experiment the params name, with the field that names it.
    pub fn named(&self) -> Vec<(String, &String)> {
        let mut named = vec![("base".to_string(), &self.base), ("large".to_string(), &self.large)];
        named.extend(self.base_templates.iter().map(|id| ("base_templates".to_string(), id)));
        named.extend(self.large_templates.iter().map(|id| ("large_templates".to_string(), id)));
        named.extend(self.base_adapted.iter().enumerate().map(|(i, id)| (format!("base_adapted[{i}]"), id)));
        named.extend(self.large_adapted.iter().enumerate().map(|(i, id)| (format!("large_adapted[{i}]"), id)));
        named
    }
}

/// An experiment id a params field names must be in `needs`, so it runs first.
pub fn require_needed(field: &str, id: &str, needs: &[String], v: &mut Violations) {
    if !needs.iter().any(|n| n == id) {
        v.push(field, format!("`{id}` is not in this experiment's `needs`"), Some(format!("add `{id}` to `needs` so it runs first")));
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Optimizer {
    #[default]
    Adamw,
    /// With momentum 0.9.
    Sgd,
}

/// Gradient-descent training of a classifier on frozen CLIP features (Q3d/e). Lists are
/// grids: every combination is trained and the validation split picks one (and the
/// step to stop at); the test split is scored once, with the pick.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FitParams {
    pub optimizer: Optimizer,
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
        Self { optimizer: Optimizer::Adamw, lrs: vec![1e-3], weight_decays: vec![0.0], epochs: 20, batch_size: 256, min_steps: 200 }
    }
}

impl FitParams {
    fn validate(&self, prefix: &str, v: &mut Violations) {
        let field = |name: &str| format!("{prefix}.{name}");
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

/// CoOp's learned context (Q3d2) and how it is trained. The training fields repeat
/// `FitParams`' because serde's `flatten` cannot be combined with `deny_unknown_fields`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CoopParams {
    /// Context vectors per class when `ctx_init` is empty (CoOp uses 16 or 4).
    pub ctx_tokens: u32,
    /// Words whose token embeddings start the context ("a photo of a"); their token
    /// count sets the context length. Empty: random N(0, 0.02²) init.
    pub ctx_init: String,
    pub optimizer: Optimizer,
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
            optimizer: self.optimizer,
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

/// (d)'s methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassEmbeddingMethod {
    TextInit,
    RandomInit,
    Coop,
}

/// (e)'s methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeMethod {
    Probe,
    Lbfgs,
}

clip_params! {
    /// `clip_class_embedding` (Q3d): class vectors trained on the train split's frozen
    /// CLIP features, scored on the test split.
    ClassEmbeddingParams {
        class_names: ClassNames = ClassNames::Curated,
        /// The zero-shot prompt: the baseline, and the init of the text-initialised head.
        template: String = DEFAULT_TEMPLATE.into(),
        /// Fraction of each training class held out for validation (choices, not training).
        validation: f64 = 0.1,
        /// Which methods run; empty: all of them.
        methods: Vec<ClassEmbeddingMethod> = Vec::new(),
        /// Few-shot study: training images per class (the full set is always run).
        shots: Vec<u32> = vec![1, 2, 4, 8, 16],
        /// Seeds per few-shot point (mean ± std in the report).
        few_shot_seeds: u32 = 3,
        /// (d1) the class-embedding head.
        head: FitParams = FitParams { lrs: vec![1e-4, 1e-3], ..FitParams::default() },
        /// (d2) CoOp.
        coop: CoopParams = CoopParams::default(),
    }
}

clip_params! {
    /// `clip_linear_probe` (Q3e): a linear classifier on the frozen image features.
    LinearProbeParams {
        class_names: ClassNames = ClassNames::Curated,
        /// The zero-shot prompt: the baseline, and the init of the text-initialised head.
        template: String = DEFAULT_TEMPLATE.into(),
        /// Fraction of each training class held out for validation (choices, not training).
        validation: f64 = 0.1,
        /// Which methods run; empty: both.
        methods: Vec<ProbeMethod> = Vec::new(),
        shots: Vec<u32> = vec![1, 2, 4, 8, 16],
        few_shot_seeds: u32 = 3,
        /// The probe trained by gradient descent.
        probe: FitParams = FitParams { lrs: vec![1e-3, 1e-2], weight_decays: vec![0.0, 1e-4, 1e-2], epochs: 30, ..FitParams::default() },
        /// The L-BFGS logistic-regression reference.
        lbfgs: LbfgsParams = LbfgsParams::default(),
        /// The clip_class_embedding experiment (in `needs`) whose results join this
        /// one's in the combined table and few-shot plot.
        class_embedding: Option<String> = None,
    }
}

/// The checks (d) and (e) share.
fn validate_study(v: &mut Violations, validation: f64, shots: &[u32], few_shot_seeds: u32) {
    if !(validation > 0.0 && validation < 1.0) {
        v.push("validation", format!("`validation` is {validation}, it must be between 0 and 1"), Some("0.1 holds out a tenth of each class".into()));
    }
    if let Some(bad) = shots.iter().find(|&&k| k == 0 || k > 10_000) {
        v.push("shots", format!("{bad} is not a number of shots"), Some("list images per class, e.g. [1, 2, 4, 8, 16]".into()));
    }
    v.range("few_shot_seeds", few_shot_seeds, 1, 100);
}

impl Validate for ClassEmbeddingParams {
    fn validate(&self, v: &mut Violations) {
        self.validate_clip(v);
        check_template(v, &self.template);
        validate_study(v, self.validation, &self.shots, self.few_shot_seeds);
        self.head.validate("head", v);
        self.coop.fit().validate("coop", v);
        if self.coop.ctx_init.trim().is_empty() {
            v.range("coop.ctx_tokens", self.coop.ctx_tokens, 1, 64);
        } else if !self.coop.ctx_init.is_ascii() {
            // A template in any script tokenizes; this only keeps the count predictable.
            v.push("coop.ctx_init", "`ctx_init` must be plain ASCII words", Some("e.g. \"a photo of a\"".into()));
        }
    }
}

impl Validate for LinearProbeParams {
    fn validate(&self, v: &mut Violations) {
        self.validate_clip(v);
        check_template(v, &self.template);
        validate_study(v, self.validation, &self.shots, self.few_shot_seeds);
        self.probe.validate("probe", v);
        if self.lbfgs.cs.is_empty() || self.lbfgs.cs.iter().any(|c| !(*c > 0.0 && c.is_finite())) {
            v.push("lbfgs.cs", "`cs` must list positive inverse regularisation strengths", Some("e.g. [1, 10, 100, 1000]".into()));
        }
        v.range("lbfgs.max_iter", self.lbfgs.max_iter, 1, 100_000);
    }
}

/// What the (d)/(e) pipeline reads, from either kind's params: the shared fields and the
/// settings of the methods the kind runs.
#[derive(Debug, Clone)]
pub struct AdaptSettings {
    pub model: String,
    pub weights: Option<String>,
    pub dataset: String,
    pub class_names: ClassNames,
    pub template: String,
    pub batch_size: u32,
    pub precision: InferencePrecision,
    pub validation: f64,
    pub shots: Vec<u32>,
    pub few_shot_seeds: u32,
    pub head: FitParams,
    pub coop: CoopParams,
    pub probe: FitParams,
    pub lbfgs: LbfgsParams,
}

macro_rules! adapt_settings {
    ($p:expr, $($own:ident: $value:expr),*) => {
        AdaptSettings {
            model: $p.model.clone(),
            weights: $p.weights.clone(),
            dataset: $p.dataset.clone(),
            class_names: $p.class_names,
            template: $p.template.clone(),
            batch_size: $p.batch_size,
            precision: $p.precision,
            validation: $p.validation,
            shots: $p.shots.clone(),
            few_shot_seeds: $p.few_shot_seeds,
            $($own: $value,)*
        }
    };
}

impl ClassEmbeddingParams {
    /// (e)'s settings are never read for (d); they keep their defaults.
    pub fn settings(&self) -> AdaptSettings {
        let other = LinearProbeParams::default();
        adapt_settings!(self, head: self.head.clone(), coop: self.coop.clone(), probe: other.probe, lbfgs: other.lbfgs)
    }
}

impl LinearProbeParams {
    /// (d)'s settings are never read for (e); they keep their defaults.
    pub fn settings(&self) -> AdaptSettings {
        let other = ClassEmbeddingParams::default();
        adapt_settings!(self, head: other.head, coop: other.coop, probe: self.probe.clone(), lbfgs: self.lbfgs.clone())
    }
}
