//! Params of `pem_compose`.
use crate::data::vit_transform::EvalResize;
use crate::spec::validate::{Validate, Violations};
use crate::tasks::q5::model::Method;
use crate::tasks::q5::params::{Ia3Params, LoraParams, VitTrainParams};
use serde::{Deserialize, Serialize};

/// The studies the task can run; each is a table and a plot in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Study {
    /// Two modules on non-iid halves, merged (answers (b) and (d)).
    Generalisation,
    /// The same with the second LoRA's A drawn from another seed (answer (c)).
    Initialisation,
    /// A module of one group of classes negated and added to one of all classes (answers (d), (e)).
    Negation,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PemComposeParams {
    /// A hub repository, or `demo` (the weights of a `vit_pretrain` experiment in `needs`).
    pub model: String,
    /// A local folder with config.json and model.safetensors instead of the hub.
    pub weights: Option<String>,
    pub revision: String,
    /// `food101`, `demo` (generated dishes), or a folder in either layout.
    pub dataset: String,
    /// Training images used (the first N of the train split); the rest of the pipeline
    /// splits them into training and validation.
    pub subset: u32,
    /// Fraction of the subset held out as validation: the best epoch and every λ are
    /// chosen on it, never on the test split.
    pub validation: f64,
    /// Test images scored (spread over the test split); 0: all of them.
    pub test_limit: u32,
    /// The module kinds composed: `lora` and/or `ia3`.
    pub methods: Vec<Method>,
    pub lora: LoraParams,
    pub ia3: Ia3Params,
    pub train: VitTrainParams,
    /// Share of the first group's examples that go to the first half (the authors'
    /// `dataset_split.py` uses 0.8).
    pub majority: f64,
    /// Weights λ of the first module in λ·θ₁ + (1 − λ)·θ₂.
    pub lambdas: Vec<f64>,
    /// Weights λ of the negated module in (1 − λ)·θ_all + λ·(⊖θ_group).
    pub negation_lambdas: Vec<f64>,
    pub studies: Vec<Study>,
    pub eval_resize: EvalResize,
}

impl Default for PemComposeParams {
    fn default() -> Self {
        Self {
            model: "google/vit-base-patch16-224-in21k".into(),
            weights: None,
            revision: "main".into(),
            dataset: "food101".into(),
            subset: 5000,
            validation: 0.1,
            test_limit: 2000,
            methods: vec![Method::Lora, Method::Ia3],
            lora: LoraParams::default(),
            ia3: Ia3Params::default(),
            train: VitTrainParams::default(),
            majority: 0.8,
            lambdas: (0..=10).map(|i| f64::from(i) / 10.0).collect(),
            negation_lambdas: (0..=6).map(|i| f64::from(i) / 10.0).collect(),
            studies: vec![Study::Generalisation, Study::Initialisation, Study::Negation],
            eval_resize: EvalResize::ResizeCenterCrop,
        }
    }
}

impl PemComposeParams {
    pub fn runs(&self, study: Study) -> bool {
        self.studies.contains(&study)
    }
}

fn check_grid(v: &mut Violations, field: &str, grid: &[f64]) {
    if grid.is_empty() {
        v.push(field, "the grid is empty", Some("list weights between 0 and 1, e.g. [0.0, 0.5, 1.0]".into()));
    }
    if let Some(bad) = grid.iter().find(|l| !(0.0..=1.0).contains(*l)) {
        v.push(field, format!("{bad} is not in [0, 1]"), Some("the weights of a merge lie between 0 and 1".into()));
    }
}

impl Validate for PemComposeParams {
    fn validate(&self, v: &mut Violations) {
        if self.methods.is_empty() {
            v.push("methods", "no module kind selected", Some("list lora, ia3 or both".into()));
        }
        if let Some(m) = self.methods.iter().find(|m| !matches!(m, Method::Lora | Method::Ia3)) {
            v.push("methods", format!("`{}` is not a parameter-efficient module", m.key()), Some("module arithmetic composes lora and ia3 modules".into()));
        }
        if self.studies.is_empty() {
            v.push("studies", "no study selected", Some("list generalisation, initialisation, negation".into()));
        }
        if self.runs(Study::Initialisation) && !self.methods.contains(&Method::Lora) {
            v.push("studies", "the initialisation study needs `lora` in methods", Some("(IA)³ vectors always start at ones; different starts are LoRA's A matrices".into()));
        }
        v.positive("validation", self.validation, 0.9);
        if !(0.5..1.0).contains(&self.majority) {
            v.push("majority", format!("{} is not in [0.5, 1)", self.majority), Some("0.8 is the authors' split".into()));
        }
        check_grid(v, "lambdas", &self.lambdas);
        check_grid(v, "negation_lambdas", &self.negation_lambdas);
        if self.negation_lambdas.contains(&1.0) {
            v.push("negation_lambdas", "λ = 1 keeps only the negated module", Some("the negated module alone is not unlearning; stop below 1".into()));
        }
        self.lora.check_ranges(v);
        if self.methods.contains(&Method::Lora) && self.lora.target_modules.is_empty() {
            v.push("lora.target_modules", "LoRA needs at least one target module", Some("the authors' default is [query, value]".into()));
        }
        for (field, saves) in [("lora.modules_to_save", &self.lora.modules_to_save), ("ia3.modules_to_save", &self.ia3.modules_to_save)] {
            if !saves.iter().any(|m| m == "classifier") {
                v.push(field, "the new classifier must be trained with the module", Some("add classifier to modules_to_save".into()));
            }
        }
        self.train.check_ranges(v);
    }
}
