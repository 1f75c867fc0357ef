//! `pem_compose`: the experiments behind Q1's answers. LoRA and (IA)³ modules are trained on
//! the Q5 ViT and data (Food-101 on a GPU, the generated dishes in the demo), then composed
//! with `nn::pem` and scored, with no gradient step after training:
//! - generalisation: modules on two non-iid halves, merged with λ chosen on validation
//!   data, against each module alone and against one module trained on both halves;
//! - initialisation: the same with the second LoRA's A drawn from another seed, and the
//!   cross terms that the parameter average then carries;
//! - negation: a module of one group of classes, negated and added to one of all classes.
use super::cross_terms::{cross_terms, CrossTerms};
use super::modules::{self, ModuleTrainer, Trained};
use super::params::{PemComposeParams, Study};
use super::scoring::{EvalSet, Scores, Slot};
use super::split::{in_group, non_iid_halves};
use crate::data::food101::{subset_split, Food101};
use crate::data::loader::{ImageRef, Transform};
use crate::data::vit_transform::VitEval;
use crate::findings::Outcome;
use crate::nn::adapter::AdapterConfig;
use crate::nn::pem::{self, AddForm, Module};
use crate::results::{ColumnKind, ResultTable};
use crate::tasks::q5::{dataset, model};
use crate::tasks::q5::model::Method;
use crate::tasks::registry::Task;
use crate::tasks::TaskContext;
use crate::train::classifier::Precision;
use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;
use tch::Tensor;

/// The `pem_compose` kind.
pub struct PemCompose;

impl Task for PemCompose {
    type Params = PemComposeParams;
    const KIND: &'static str = "pem_compose";
    const QUESTION: Option<u8> = Some(1);
    const SUMMARY: &'static str = "LoRA / (IA)³ modules composed by addition and negation";
    const ANSWERS: &'static [&'static str] = &["q1a", "q1b", "q1c", "q1d", "q1e"];
    const CODE_VERSION: u32 = 1;

    fn run(p: &Self::Params, ctx: &TaskContext) -> Result<()> {
        run(p, ctx)
    }
}

/// The images of one run.
struct Data {
    classes: usize,
    names: Vec<String>,
    train: Vec<(ImageRef, usize)>,
    validation: Vec<(ImageRef, usize)>,
    test: Vec<(ImageRef, usize)>,
}

fn open_data(p: &PemComposeParams, ctx: &TaskContext) -> Result<Data> {
    let data = Food101::open(&dataset::resolve(ctx.paths(), &p.dataset)?)?;
    let take = if p.subset == 0 { data.train.len() } else { p.subset as usize };
    let (train, validation) = subset_split(&data.train, data.layout, take, p.validation, ctx.seed);
    let pairs = |v: Vec<crate::data::food101::Example>| v.into_iter().map(|e| (e.image, e.label)).collect::<Vec<_>>();
    // A limit takes test images spread evenly over the split, so every class keeps its share.
    let limit = p.test_limit as usize;
    let test: Vec<_> = if limit == 0 || data.test.len() <= limit {
        data.test.clone()
    } else {
        (0..limit).map(|i| data.test[i * data.test.len() / limit].clone()).collect()
    };
    let data = Data { classes: data.num_classes(), names: data.classes.clone(), train: pairs(train), validation: pairs(validation), test: pairs(test) };
    anyhow::ensure!(!data.train.is_empty() && !data.validation.is_empty() && !data.test.is_empty(), "the split leaves no training, validation or test images (subset {}, validation {})", p.subset, p.validation);
    Ok(data)
}

/// One composed module scored on both sets.
#[derive(Clone)]
struct Point {
    lambda: f64,
    validation: Scores,
    test: Scores,
}

/// The λ chosen on validation accuracy; ties go to the weight nearest the plain average.
fn choose(points: &[Point], score: impl Fn(&Point) -> f64) -> &Point {
    points
        .iter()
        .max_by(|a, b| score(a).total_cmp(&score(b)).then_with(|| (b.lambda - 0.5).abs().total_cmp(&(a.lambda - 0.5).abs())))
        .expect("the λ grid is not empty")
}

fn as_module(t: &Trained) -> Module {
    Module { config: t.config.clone(), tensors: t.tensors.iter().map(|(k, v)| (k.clone(), v.shallow_clone())).collect() }
}

fn is_head(name: &str) -> bool {
    !name.contains(".lora_A.") && !name.contains(".lora_B.") && !name.ends_with("ia3_l")
}

/// Replaces the heads of `merged` by the `weights`-average of the inputs' heads (the
/// authors' `--merge_head`), for the forms that do not average them themselves.
fn average_heads(merged: &mut Module, inputs: &[&Trained], weights: &[f64]) {
    for (name, t) in merged.tensors.iter_mut().filter(|(k, _)| is_head(k)) {
        let parts = inputs.iter().zip(weights).filter_map(|(m, w)| m.tensors.iter().find(|(k, _)| k == name).map(|(_, v)| v * *w));
        if let Some(sum) = parts.reduce(|a, b| a + b) {
            *t = sum;
        }
    }
}

/// How a negated module is put on the module trained on everything.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Unlearn {
    /// The paper's addition of the negated module: (1 − λ)·θ_all + λ·(⊖θ_group), weights
    /// summing to one as in the authors' `merge.py` (so the kept module is scaled by 1 − λ too).
    Average,
    /// The scaled negation on top of the kept module, as the authors' GPT-2 script puts
    /// it on the base model: ΔW_all − λ·ΔW_group for LoRA, l_all ⊙ (1 − λ(l_group − 1)) for
    /// (IA)³ (both vectors scale the same activation).
    Stacked,
}

impl Unlearn {
    fn key(self) -> &'static str {
        match self {
            Unlearn::Average => "average",
            Unlearn::Stacked => "stacked",
        }
    }
}

/// `extra` applied on top of `kept`: LoRA updates add (ranks concatenated), (IA)³ vectors
/// multiply.
fn stack(kept: &Trained, extra: &Module) -> Result<Module> {
    match &kept.config {
        AdapterConfig::Lora(_) => pem::add(&[as_module(kept), extra.shallow_clone()], &[1.0, 1.0], AddForm::Cat),
        AdapterConfig::Ia3(_) => {
            let tensors = kept
                .tensors
                .iter()
                .map(|(k, t)| {
                    let other = extra.tensors.iter().find(|(n, _)| n == k).map(|(_, v)| v);
                    match other {
                        Some(v) if k.ends_with("ia3_l") => (k.clone(), t * v),
                        _ => (k.clone(), t.shallow_clone()),
                    }
                })
                .collect();
            Ok(Module { config: kept.config.clone(), tensors })
        }
    }
}

/// Scores the composition of modules, reusing one model per module shape.
struct Scorer<'a> {
    base: &'a model::BaseModel,
    base_tensors: &'a [(String, Tensor)],
    classes: i64,
    validation: &'a EvalSet,
    test: &'a EvalSet,
    ctx: &'a TaskContext<'a>,
    slots: Vec<(AdapterConfig, Slot)>,
    /// Seconds spent computing merges (the arithmetic only), by form.
    merge_seconds: Vec<(&'static str, f64)>,
}

impl Scorer<'_> {
    fn slot(&mut self, config: &AdapterConfig) -> Result<&mut Slot> {
        if let Some(i) = self.slots.iter().position(|(c, _)| c == config) {
            return Ok(&mut self.slots[i].1);
        }
        let slot = Slot::new(config.clone(), self.base, self.base_tensors, self.classes, self.ctx.device)?;
        self.slots.push((config.clone(), slot));
        Ok(&mut self.slots.last_mut().expect("just pushed").1)
    }

    fn score(&mut self, module: &Module, what: &str, lambda: f64) -> Result<Point> {
        self.ctx.check_cancelled()?;
        let (validation, test, device) = (self.validation, self.test, self.ctx.device);
        let slot = self.slot(&module.config)?;
        slot.load(&module.tensors, what)?;
        Ok(Point { lambda, validation: slot.score(validation, device), test: slot.score(test, device) })
    }

    fn score_trained(&mut self, t: &Trained) -> Result<Point> {
        self.score(&as_module(t), &t.name, f64::NAN)
    }

    /// λ·one + (1 − λ)·two over the grid, in `form`.
    fn sweep(&mut self, one: &Trained, two: &Trained, lambdas: &[f64], form: AddForm, label: &'static str) -> Result<Vec<Point>> {
        let mut points = Vec::new();
        for &lambda in lambdas {
            let weights = [lambda, 1.0 - lambda];
            let started = Instant::now();
            let mut merged = pem::add(&[as_module(one), as_module(two)], &weights, form)?;
            if form != AddForm::Average {
                average_heads(&mut merged, &[one, two], &weights);
            }
            self.merge_seconds.push((label, started.elapsed().as_secs_f64()));
            points.push(self.score(&merged, &format!("{} + {} ({label}, λ = {lambda})", one.name, two.name), lambda)?);
        }
        Ok(points)
    }

    /// The negated group module put on the module trained on everything, over the grid,
    /// keeping the latter's head.
    fn negation_sweep(&mut self, all: &Trained, group: &Trained, lambdas: &[f64], form: Unlearn) -> Result<Vec<Point>> {
        let mut points = Vec::new();
        for &lambda in lambdas {
            let started = Instant::now();
            let mut merged = match form {
                Unlearn::Average => pem::add(&[as_module(all), pem::negate(&as_module(group))], &[1.0 - lambda, lambda], AddForm::Average)?,
                Unlearn::Stacked => stack(all, &pem::negate_scaled(&as_module(group), lambda))?,
            };
            average_heads(&mut merged, &[all], &[1.0]);
            self.merge_seconds.push(("negation", started.elapsed().as_secs_f64()));
            points.push(self.score(&merged, &format!("{} with ⊖{} ({}, λ = {lambda})", all.name, group.name, form.key()), lambda)?);
        }
        Ok(points)
    }

    /// The median time of one merge, of one form or of all.
    fn median_merge_ms(&self, label: Option<&str>) -> Option<f64> {
        let mut times: Vec<f64> = self.merge_seconds.iter().filter(|(l, _)| label.is_none_or(|x| *l == x)).map(|(_, s)| s * 1e3).collect();
        times.sort_by(f64::total_cmp);
        times.get(times.len() / 2).copied()
    }
}

/// The modules one kind (LoRA or (IA)³) trained.
struct Trainees {
    method: Method,
    half1: Trained,
    half2: Trained,
    union: Trained,
    group: Option<Trained>,
    other_init: Option<Trained>,
}

impl Trainees {
    fn all(&self) -> Vec<&Trained> {
        [Some(&self.half1), Some(&self.half2), Some(&self.union), self.group.as_ref(), self.other_init.as_ref()].into_iter().flatten().collect()
    }
}

/// What the generalisation study found for one kind of module.
#[derive(Debug, Clone, Serialize)]
pub struct MergeFindings {
    /// The merge (paper's average, λ chosen on validation) against the better module alone.
    pub merge_vs_single: Outcome,
    /// The merge against the module trained on both halves.
    pub merge_vs_union: Outcome,
    /// Whether validation chose a λ strictly inside (0, 1): both modules contribute.
    pub lambda_inside: bool,
    /// The exact ΔW sum against the average (LoRA only).
    pub exact_vs_average: Option<Outcome>,
}

/// What the negation study found for one kind of module.
#[derive(Debug, Clone, Serialize)]
pub struct NegationFindings {
    /// Accuracy on the negated module's classes at the chosen λ against λ = 0.
    pub group: Outcome,
    /// Accuracy on the other classes at the chosen λ against λ = 0.
    pub rest: Outcome,
    /// Whether the group lost more than the rest.
    pub targeted: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PemFindings {
    pub lora: Option<MergeFindings>,
    pub ia3: Option<MergeFindings>,
    /// The average of modules from different starts against the average from one start.
    pub other_init_vs_same: Option<Outcome>,
    /// From different starts: the exact ΔW sum against the average.
    pub other_init_exact_vs_average: Option<Outcome>,
    /// The cross terms' cosine with the wanted sum, different starts against one start.
    pub other_init_cosine: Option<Outcome>,
    pub lora_negation_average: Option<NegationFindings>,
    pub lora_negation_stacked: Option<NegationFindings>,
    pub ia3_negation_average: Option<NegationFindings>,
    pub ia3_negation_stacked: Option<NegationFindings>,
    /// Every trained tensor was bit-identical after all the composing.
    pub modules_unchanged: bool,
}

pub fn run(p: &PemComposeParams, ctx: &TaskContext) -> Result<()> {
    let data = ctx.stage("data", || open_data(p, ctx))?;
    let base = ctx.stage("model", || model::resolve(&p.model, p.weights.as_deref(), &p.revision, ctx))?;
    let base_tensors = model::base_tensors(&base)?;
    let (first_half, second_half) = non_iid_halves(&data.train, data.classes, p.majority, ctx.seed);
    let group_items: Vec<(ImageRef, usize)> = data.train.iter().filter(|(_, l)| in_group(*l, data.classes)).cloned().collect();
    describe(p, &data, &first_half, &second_half, &base.name, ctx);
    let precision = if p.train.precision == Precision::Fp16 && !ctx.device.is_cuda() {
        ctx.warn("fp16 mixed precision needs CUDA; training in fp32 on this device");
        Precision::Fp32
    } else {
        p.train.precision
    };
    let trainer = ModuleTrainer { p, base: &base, base_tensors: &base_tensors, validation: &data.validation, num_labels: data.classes as i64, labels: &data.names, precision, ctx };
    let mut trained = Vec::new();
    for &method in &p.methods {
        let m = method.key();
        let half1 = ctx.stage(&format!("{m}: first half"), || trainer.train(method, "half1", &first_half, None))?;
        let half2 = ctx.stage(&format!("{m}: second half"), || trainer.train(method, "half2", &second_half, None))?;
        let union = ctx.stage(&format!("{m}: both halves"), || trainer.train(method, "union", &data.train, None))?;
        let group = if p.runs(Study::Negation) { Some(ctx.stage(&format!("{m}: first group"), || trainer.train(method, "group", &group_items, None))?) } else { None };
        let other_init = if p.runs(Study::Initialisation) && method == Method::Lora {
            Some(ctx.stage(&format!("{m}: second half, other start"), || trainer.train(method, "half2-other-init", &second_half, Some(ctx.seed.wrapping_add(1))))?)
        } else {
            None
        };
        trained.push(Trainees { method, half1, half2, union, group, other_init });
    }

    let size = base.config.image_size as usize;
    let eval_tf: Arc<dyn Transform> = Arc::new(VitEval::new(size, p.eval_resize));
    let (validation, test) = ctx.stage("evaluation images", || {
        let batch = p.train.eval_batch_size as usize;
        Ok((EvalSet::new(&data.validation, eval_tf.clone(), batch, data.classes), EvalSet::new(&data.test, eval_tf.clone(), batch, data.classes)))
    })?;
    for set in [&validation, &test] {
        if let Some((name, why)) = set.skipped.first() {
            ctx.warn(format!("{} unreadable evaluation images skipped (first: {name} — {why})", set.skipped.len()));
        }
    }
    anyhow::ensure!(!validation.is_empty() && !test.is_empty(), "no evaluation image could be read");
    ctx.value("validation_scored", validation.len() as i64);
    ctx.value("test_scored", test.len() as i64);

    let everything: Vec<&Trained> = trained.iter().flat_map(Trainees::all).collect();
    let before = modules::snapshot(&everything);
    let mut scorer = Scorer { base: &base, base_tensors: &base_tensors, classes: data.classes as i64, validation: &validation, test: &test, ctx, slots: Vec::new(), merge_seconds: Vec::new() };
    let mut found = PemFindings::default();
    let mut tables = Tables::new();
    ctx.stage("composing", || {
        for t in &trained {
            let singles = [scorer.score_trained(&t.half1)?, scorer.score_trained(&t.half2)?, scorer.score_trained(&t.union)?];
            let mut same = None;
            if p.runs(Study::Generalisation) {
                let (merge, chosen) = generalisation(t, &singles, p, &mut scorer, &mut tables, ctx)?;
                same = Some(chosen);
                match t.method {
                    Method::Ia3 => found.ia3 = Some(merge),
                    _ => found.lora = Some(merge),
                }
            }
            if let Some(other) = &t.other_init {
                initialisation(t, other, same, p, &mut scorer, &mut tables, &mut found, ctx)?;
            }
            if let Some(group) = &t.group {
                for form in [Unlearn::Average, Unlearn::Stacked] {
                    let neg = Some(negation(t, group, &singles[2], form, p, &mut scorer, &mut tables, ctx)?);
                    match (t.method, form) {
                        (Method::Ia3, Unlearn::Average) => found.ia3_negation_average = neg,
                        (Method::Ia3, Unlearn::Stacked) => found.ia3_negation_stacked = neg,
                        (_, Unlearn::Average) => found.lora_negation_average = neg,
                        (_, Unlearn::Stacked) => found.lora_negation_stacked = neg,
                    }
                }
            }
        }
        Ok(())
    })?;
    found.modules_unchanged = modules::unchanged(&everything, &before);
    anyhow::ensure!(found.modules_unchanged, "composing changed a trained module: the operators must not write into their inputs");
    costs(&trained, &scorer, &mut tables, ctx);
    tables.publish(ctx);
    ctx.findings(&found);
    Ok(())
}

fn describe(p: &PemComposeParams, data: &Data, half1: &[(ImageRef, usize)], half2: &[(ImageRef, usize)], base: &str, ctx: &TaskContext) {
    let share = |h: &[(ImageRef, usize)]| h.iter().filter(|(_, l)| in_group(*l, data.classes)).count() as f64 / h.len().max(1) as f64;
    ctx.value("model", base.to_string());
    ctx.value("classes", data.classes as i64);
    ctx.value("group_classes", data.classes.div_ceil(2) as i64);
    ctx.value("train_images", data.train.len() as i64);
    ctx.value("validation_images", data.validation.len() as i64);
    ctx.value("test_images", data.test.len() as i64);
    ctx.value("half1_images", half1.len() as i64);
    ctx.value("half2_images", half2.len() as i64);
    ctx.value("half1_group_share", share(half1));
    ctx.value("half2_group_share", share(half2));
    ctx.value("majority", p.majority);
    ctx.value("lora_r", p.lora.r);
    ctx.value("lora_alpha", p.lora.lora_alpha);
    ctx.value("lora_targets", p.lora.target_modules.join(", "));
    ctx.value("epochs", p.train.epochs);
    ctx.value("lr", p.train.lr);
    ctx.value("lambda_count", p.lambdas.len() as i64);
    ctx.value("methods", p.methods.iter().map(|m| m.term()).collect::<Vec<_>>());
}

/// The report's tables, filled study by study.
struct Tables {
    generalisation: ResultTable,
    initialisation: ResultTable,
    negation: ResultTable,
    costs: ResultTable,
}

impl Tables {
    fn new() -> Tables {
        Tables {
            generalisation: ResultTable::new(
                "generalisation",
                "Modules on two non-iid halves, alone and merged",
                &[("method", ColumnKind::Term), ("module", ColumnKind::Term), ("lambda", ColumnKind::Float), ("validation_accuracy", ColumnKind::Percent), ("test_accuracy", ColumnKind::Percent), ("group_accuracy", ColumnKind::Percent), ("rest_accuracy", ColumnKind::Percent)],
            ),
            initialisation: ResultTable::new(
                "initialisation",
                "LoRA modules from one start and from two",
                &[("start", ColumnKind::Term), ("second_module", ColumnKind::Percent), ("lambda", ColumnKind::Float), ("average_merge", ColumnKind::Percent), ("exact_merge", ColumnKind::Percent), ("cross_ratio", ColumnKind::Float), ("cross_cosine", ColumnKind::Float)],
            ),
            negation: ResultTable::new(
                "negation",
                "Negating the first group's module",
                &[("method", ColumnKind::Term), ("form", ColumnKind::Term), ("lambda", ColumnKind::Float), ("group_accuracy", ColumnKind::Percent), ("rest_accuracy", ColumnKind::Percent), ("test_accuracy", ColumnKind::Percent), ("chosen", ColumnKind::Term)],
            ),
            costs: ResultTable::new(
                "costs",
                "What the modules cost",
                &[("method", ColumnKind::Term), ("module", ColumnKind::Term), ("trainable", ColumnKind::Integer), ("saved_kib", ColumnKind::Float), ("train_seconds", ColumnKind::Float), ("optimizer_steps", ColumnKind::Integer)],
            ),
        }
    }

    fn publish(self, ctx: &TaskContext) {
        for table in [self.generalisation, self.initialisation, self.negation, self.costs] {
            if !table.rows.is_empty() {
                ctx.table(table);
            }
        }
    }
}

/// Records a sweep as `<series>/validation` and `<series>/test`, at step 100·λ.
fn record_sweep(series: &str, points: &[Point], ctx: &TaskContext) {
    for pt in points {
        let step = (pt.lambda * 100.0).round() as u64;
        ctx.metric(&format!("{series}/validation"), step, pt.validation.accuracy());
        ctx.metric(&format!("{series}/test"), step, pt.test.accuracy());
    }
}

fn row(method: Method, module: &str, lambda: Option<f64>, pt: &Point) -> Vec<serde_json::Value> {
    vec![json!(method.term()), json!(module), lambda.map_or(json!(null), |l| json!(l)), json!(pt.validation.accuracy()), json!(pt.test.accuracy()), json!(pt.test.group()), json!(pt.test.rest())]
}

/// The merges of the two halves chosen on validation: (average, exact ΔW).
type Chosen = (Point, Option<Point>);

fn generalisation(t: &Trainees, singles: &[Point; 3], p: &PemComposeParams, scorer: &mut Scorer, tables: &mut Tables, ctx: &TaskContext) -> Result<(MergeFindings, Chosen)> {
    let m = t.method.key();
    let average = scorer.sweep(&t.half1, &t.half2, &p.lambdas, AddForm::Average, "average")?;
    record_sweep(&format!("{m}/average"), &average, ctx);
    let chosen = choose(&average, |pt| pt.validation.accuracy()).clone();
    let exact = if t.method == Method::Lora {
        let points = scorer.sweep(&t.half1, &t.half2, &p.lambdas, AddForm::Cat, "exact")?;
        record_sweep(&format!("{m}/exact"), &points, ctx);
        Some(choose(&points, |pt| pt.validation.accuracy()).clone())
    } else {
        None
    };
    let [one, two, union] = singles;
    // How much λ matters: the test accuracy over the grid, and at the plain average.
    let tests: Vec<f64> = average.iter().map(|pt| pt.test.accuracy()).collect();
    ctx.value(&format!("{m}_sweep_min"), tests.iter().copied().fold(f64::INFINITY, f64::min));
    ctx.value(&format!("{m}_sweep_max"), tests.iter().copied().fold(f64::NEG_INFINITY, f64::max));
    if let Some(mid) = average.iter().find(|pt| (pt.lambda - 0.5).abs() < 1e-9) {
        ctx.value(&format!("{m}_even_accuracy"), mid.test.accuracy());
    }
    let g = &mut tables.generalisation;
    g.push(row(t.method, "module_half1", None, one));
    g.push(row(t.method, "module_half2", None, two));
    g.push(row(t.method, "merge_average", Some(chosen.lambda), &chosen));
    if let Some(e) = &exact {
        g.push(row(t.method, "merge_exact", Some(e.lambda), e));
    }
    g.push(row(t.method, "module_union", None, union));

    let best_single = one.test.accuracy().max(two.test.accuracy());
    ctx.value(&format!("{m}_half1_accuracy"), one.test.accuracy());
    ctx.value(&format!("{m}_half2_accuracy"), two.test.accuracy());
    ctx.value(&format!("{m}_half1_group_accuracy"), one.test.group());
    ctx.value(&format!("{m}_half1_rest_accuracy"), one.test.rest());
    ctx.value(&format!("{m}_half2_group_accuracy"), two.test.group());
    ctx.value(&format!("{m}_half2_rest_accuracy"), two.test.rest());
    ctx.value(&format!("{m}_best_single_accuracy"), best_single);
    ctx.value(&format!("{m}_union_accuracy"), union.test.accuracy());
    ctx.value(&format!("{m}_merge_lambda"), chosen.lambda);
    ctx.value(&format!("{m}_merge_accuracy"), chosen.test.accuracy());
    ctx.value(&format!("{m}_merge_group_accuracy"), chosen.test.group());
    ctx.value(&format!("{m}_merge_rest_accuracy"), chosen.test.rest());
    ctx.value(&format!("{m}_merge_minus_single"), chosen.test.accuracy() - best_single);
    ctx.value(&format!("{m}_merge_minus_union"), chosen.test.accuracy() - union.test.accuracy());
    if let Some(e) = &exact {
        ctx.value(&format!("{m}_exact_lambda"), e.lambda);
        ctx.value(&format!("{m}_exact_accuracy"), e.test.accuracy());
        ctx.value(&format!("{m}_exact_minus_average"), e.test.accuracy() - chosen.test.accuracy());
    }
    let found = MergeFindings {
        merge_vs_single: Outcome::accuracy(chosen.test.accuracy(), best_single),
        merge_vs_union: Outcome::accuracy(chosen.test.accuracy(), union.test.accuracy()),
        lambda_inside: chosen.lambda > 0.0 && chosen.lambda < 1.0,
        exact_vs_average: exact.as_ref().map(|e| Outcome::accuracy(e.test.accuracy(), chosen.test.accuracy())),
    };
    Ok((found, (chosen, exact)))
}

/// `same`: the generalisation study's merges of the same modules, when it ran.
fn initialisation(t: &Trainees, other: &Trained, same: Option<Chosen>, p: &PemComposeParams, scorer: &mut Scorer, tables: &mut Tables, found: &mut PemFindings, ctx: &TaskContext) -> Result<()> {
    let m = t.method.key();
    let pick = |points: &[Point]| choose(points, |pt| pt.validation.accuracy()).clone();
    let (same_avg, same_exact) = match same {
        Some((avg, Some(exact))) => (avg, exact),
        _ => (pick(&scorer.sweep(&t.half1, &t.half2, &p.lambdas, AddForm::Average, "average")?), pick(&scorer.sweep(&t.half1, &t.half2, &p.lambdas, AddForm::Cat, "exact")?)),
    };
    let other_points = scorer.sweep(&t.half1, other, &p.lambdas, AddForm::Average, "average")?;
    record_sweep(&format!("{m}/other_init"), &other_points, ctx);
    let other_avg = pick(&other_points);
    let other_exact = pick(&scorer.sweep(&t.half1, other, &p.lambdas, AddForm::Cat, "exact")?);
    let second_same = scorer.score_trained(&t.half2)?;
    let second_other = scorer.score_trained(other)?;
    let same_cross = cross_terms(&t.half1.tensors, &t.half2.tensors).context("the LoRA modules have no pairs in common")?;
    let other_cross = cross_terms(&t.half1.tensors, &other.tensors).context("the LoRA modules have no pairs in common")?;
    let cross_row = |start: &str, second: &Point, avg: &Point, exact: &Point, c: CrossTerms| {
        vec![json!(start), json!(second.test.accuracy()), json!(avg.lambda), json!(avg.test.accuracy()), json!(exact.test.accuracy()), json!(c.ratio), json!(c.cosine)]
    };
    tables.initialisation.push(cross_row("same_start", &second_same, &same_avg, &same_exact, same_cross));
    tables.initialisation.push(cross_row("other_start", &second_other, &other_avg, &other_exact, other_cross));
    for (prefix, second, avg, exact, c) in [("init_same", &second_same, &same_avg, &same_exact, same_cross), ("init_other", &second_other, &other_avg, &other_exact, other_cross)] {
        ctx.value(&format!("{prefix}_second_accuracy"), second.test.accuracy());
        ctx.value(&format!("{prefix}_lambda"), avg.lambda);
        ctx.value(&format!("{prefix}_average_accuracy"), avg.test.accuracy());
        ctx.value(&format!("{prefix}_exact_accuracy"), exact.test.accuracy());
        ctx.value(&format!("{prefix}_cross_ratio"), c.ratio);
        ctx.value(&format!("{prefix}_cross_cosine"), c.cosine);
    }
    ctx.value("init_average_drop", same_avg.test.accuracy() - other_avg.test.accuracy());
    ctx.value("init_other_exact_minus_average", other_exact.test.accuracy() - other_avg.test.accuracy());
    found.other_init_vs_same = Some(Outcome::accuracy(other_avg.test.accuracy(), same_avg.test.accuracy()));
    found.other_init_exact_vs_average = Some(Outcome::accuracy(other_exact.test.accuracy(), other_avg.test.accuracy()));
    // Cosines differ meaningfully only by more than 0.1.
    found.other_init_cosine = Some(Outcome::compare(other_cross.cosine, same_cross.cosine, 0.1));
    Ok(())
}

/// How far accuracy on the kept classes may fall (validation) for a λ to count as
/// unlearning rather than damage: five points.
const KEEP_TOLERANCE: f64 = 0.05;

/// The unlearning λ, chosen on validation data: the largest drop on the forgotten group
/// among the λ that keep the other classes within `KEEP_TOLERANCE` of the kept module;
/// ties go to the smaller λ.
fn choose_unlearning<'p>(points: &'p [Point], before: &Point) -> &'p Point {
    let keeps = |pt: &&Point| pt.validation.rest() >= before.validation.rest() - KEEP_TOLERANCE;
    points
        .iter()
        .filter(keeps)
        .max_by(|a, b| b.validation.group().total_cmp(&a.validation.group()).then_with(|| b.lambda.total_cmp(&a.lambda)))
        .unwrap_or_else(|| points.iter().min_by(|a, b| a.lambda.total_cmp(&b.lambda)).expect("the λ grid is not empty"))
}

#[allow(clippy::too_many_arguments)]
fn negation(t: &Trainees, group: &Trained, union: &Point, form: Unlearn, p: &PemComposeParams, scorer: &mut Scorer, tables: &mut Tables, ctx: &TaskContext) -> Result<NegationFindings> {
    let m = t.method.key();
    let points = scorer.negation_sweep(&t.union, group, &p.negation_lambdas, form)?;
    let series = format!("{m}/negation_{}", form.key());
    for pt in &points {
        let step = (pt.lambda * 100.0).round() as u64;
        ctx.metric(&format!("{series}/group"), step, pt.test.group());
        ctx.metric(&format!("{series}/rest"), step, pt.test.rest());
    }
    let chosen = choose_unlearning(&points, union).clone();
    for pt in &points {
        let mark = if pt.lambda == chosen.lambda { json!("chosen") } else { json!(null) };
        tables.negation.push(vec![json!(t.method.term()), json!(format!("negation_{}", form.key())), json!(pt.lambda), json!(pt.test.group()), json!(pt.test.rest()), json!(pt.test.accuracy()), mark]);
    }
    if form == Unlearn::Average {
        let group_alone = scorer.score_trained(group)?;
        ctx.value(&format!("{m}_group_module_group"), group_alone.test.group());
        ctx.value(&format!("{m}_group_module_rest"), group_alone.test.rest());
    }
    let prefix = format!("{m}_negation_{}", form.key());
    let group_drop = union.test.group() - chosen.test.group();
    let rest_drop = union.test.rest() - chosen.test.rest();
    ctx.value(&format!("{prefix}_lambda"), chosen.lambda);
    ctx.value(&format!("{prefix}_group_before"), union.test.group());
    ctx.value(&format!("{prefix}_rest_before"), union.test.rest());
    ctx.value(&format!("{prefix}_group_after"), chosen.test.group());
    ctx.value(&format!("{prefix}_rest_after"), chosen.test.rest());
    ctx.value(&format!("{prefix}_group_drop"), group_drop);
    ctx.value(&format!("{prefix}_rest_drop"), rest_drop);
    // The largest λ of the grid, to say what pushing further does.
    if let Some(last) = points.iter().max_by(|a, b| a.lambda.total_cmp(&b.lambda)) {
        ctx.value(&format!("{prefix}_max_lambda"), last.lambda);
        ctx.value(&format!("{prefix}_max_group"), last.test.group());
        ctx.value(&format!("{prefix}_max_rest"), last.test.rest());
    }
    Ok(NegationFindings {
        group: Outcome::accuracy(chosen.test.group(), union.test.group()),
        rest: Outcome::accuracy(chosen.test.rest(), union.test.rest()),
        targeted: group_drop > rest_drop + crate::findings::ACCURACY_TOLERANCE,
    })
}

/// Sizes, training time and merge time: composing is arithmetic on a few tensors.
fn costs(trained: &[Trainees], scorer: &Scorer, tables: &mut Tables, ctx: &TaskContext) {
    let mut steps = 0;
    let mut train_seconds = 0.0;
    for t in trained {
        for module in t.all() {
            let part = module.name.trim_start_matches(t.method.key()).trim_start_matches('-').replace('-', "_");
            tables.costs.push(vec![json!(t.method.term()), json!(format!("module_{part}")), json!(module.trainable), json!(module.saved_bytes as f64 / 1024.0), json!(module.outcome.seconds), json!(module.outcome.optimizer_steps)]);
            steps += module.outcome.optimizer_steps;
            train_seconds += module.outcome.seconds;
        }
        let m = t.method.key();
        ctx.value(&format!("{m}_trainable"), t.half1.trainable);
        ctx.value(&format!("{m}_trainable_fraction"), t.half1.trainable as f64 / t.half1.total.max(1) as f64);
        ctx.value("total_params", t.half1.total);
        ctx.value(&format!("{m}_saved_kib"), t.half1.saved_bytes as f64 / 1024.0);
        ctx.value(&format!("{m}_module_seconds"), t.half1.outcome.seconds);
    }
    ctx.value("training_steps", steps as i64);
    ctx.value("module_count", trained.iter().map(|t| t.all().len() as i64).sum::<i64>());
    ctx.value("training_seconds", train_seconds);
    ctx.value("merges", scorer.merge_seconds.len() as i64);
    if let Some(ms) = scorer.median_merge_ms(None) {
        ctx.value("merge_ms", ms);
    }
    for label in ["average", "exact", "negation"] {
        if let Some(ms) = scorer.median_merge_ms(Some(label)) {
            ctx.value(&format!("merge_ms_{label}"), ms);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(lambda: f64, correct: i64) -> Point {
        let s = Scores { correct: vec![correct, 0], total: vec![10, 10] };
        Point { lambda, validation: s.clone(), test: s }
    }

    #[test]
    fn lambda_is_chosen_on_validation_and_ties_go_to_the_average() {
        let points = [point(0.0, 5), point(0.3, 8), point(0.5, 8), point(1.0, 2)];
        assert_eq!(choose(&points, |p| p.validation.accuracy()).lambda, 0.5);
        let points = [point(0.0, 9), point(0.5, 8)];
        assert_eq!(choose(&points, |p| p.validation.accuracy()).lambda, 0.0);
    }

    fn split_point(lambda: f64, group: i64, rest: i64) -> Point {
        // Two classes: class 0 is the group, class 1 the rest; 100 images each.
        let s = Scores { correct: vec![group, rest], total: vec![100, 100] };
        Point { lambda, validation: s.clone(), test: s }
    }

    #[test]
    fn unlearning_takes_the_largest_group_drop_that_keeps_the_rest() {
        let before = split_point(0.0, 90, 80);
        let points = [before.clone(), split_point(0.2, 60, 78), split_point(0.4, 30, 76), split_point(0.6, 5, 40)];
        // λ = 0.6 forgets most but costs the rest 40 points; 0.4 keeps it within 5.
        assert_eq!(choose_unlearning(&points, &before).lambda, 0.4);
        let harmful = [before.clone(), split_point(0.2, 60, 60)];
        assert_eq!(choose_unlearning(&harmful, &before).lambda, 0.0, "no λ keeps the rest: nothing is unlearnt");
    }
}
