//! `vit_lora`: the PEFT notebook's experiment. Each selected method (LoRA, full
//! fine-tuning, linear probe) trains the same base on the same split with the same
//! Trainer; the report compares accuracy, trainable parameters, time, memory and the
//! size of what is saved, then the lead method predicts a new image.
use super::dataset::{self, Splits};
use super::model::{self, BaseModel, Built, Method};
use super::predict::{InferenceInfo, Predictor, Ranked, INFERENCE_FILE};
use super::pretrain::hub_config;
use crate::data::loader::{ImageRef, Transform};
use crate::data::vit_transform::{VitEval, VitTrain, VIT_MEAN, VIT_STD};
use crate::nn::adapter::save_peft_adapter;
use crate::nn::weights::{load_strict, read_checkpoint, sorted_variables, write_safetensors};
use crate::results::{ColumnKind, ResultTable};
use super::params::VitLoraParams;
use crate::findings;
use crate::tasks::registry::Task;
use serde::Serialize;
use crate::tasks::TaskContext;
use crate::train::classifier::{self, Outcome, Precision, Split, TrainConfig};
use crate::train::{memory, Observer};
use anyhow::{Context, Result};
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use tch::Tensor;

/// Metrics of one method go out as `<method>/<name>`, so the curves sit side by side.
pub struct Prefixed<'a> {
    pub ctx: &'a TaskContext<'a>,
    pub prefix: &'a str,
}

impl Observer for Prefixed<'_> {
    fn metric(&self, name: &str, step: u64, value: f64) {
        self.ctx.metric(&format!("{}/{name}", self.prefix), step, value);
    }

    fn progress(&self, done: u64, total: u64, unit: &str) {
        self.ctx.progress(done, total, unit);
    }

    fn log(&self, line: String) {
        self.ctx.log(format!("{}: {line}", self.prefix));
    }

    fn check_cancelled(&self) -> Result<()> {
        self.ctx.check_cancelled()
    }
}

/// What one method's run measured.
struct MethodResult {
    method: Method,
    trainable: i64,
    total: i64,
    outcome: Outcome,
    peak_rss: Option<u64>,
    state_bytes: i64,
    saved_bytes: u64,
}

/// The `vit_lora` kind.
pub struct VitLora;

impl Task for VitLora {
    type Params = VitLoraParams;
    const KIND: &'static str = "vit_lora";
    const QUESTION: Option<u8> = Some(5);
    const SUMMARY: &'static str = "ViT + LoRA on Food101, Trainer-style, then prediction";
    const ANSWERS: &'static [&'static str] = &["q5-data", "q5-model", "q5-train", "q5-eval", "q5-predict"];
    const CODE_VERSION: u32 = 3;

    fn run(p: &Self::Params, ctx: &TaskContext) -> Result<()> {
        run(p, ctx)
    }
}

pub fn run(p: &VitLoraParams, ctx: &TaskContext) -> Result<()> {
    let splits = ctx.stage("data", || dataset::open(ctx.paths(), &p.dataset, p.subset, p.validation, ctx.seed))?;
    let base = ctx.stage("model", || model::resolve(&p.model, p.weights.as_deref(), &p.revision, ctx))?;
    let num_labels = splits.data.num_classes() as i64;
    ctx.value("model", base.name.clone());
    ctx.value("classes", num_labels);
    ctx.value("train_images", splits.train.len() as i64);
    ctx.value("eval_images", splits.eval.len() as i64);
    ctx.value("eval_split", splits.eval_name.clone());
    // The same, as data the report words in its language.
    if p.subset == 0 {
        ctx.value("eval_on", "test");
    } else {
        ctx.value("eval_on", "held_out");
        ctx.value("held_out_fraction", p.validation);
        ctx.value("subset_images", (splits.train.len() + splits.eval.len()) as i64);
    }
    ctx.value("data_layout", format!("{:?}", splits.data.layout).to_lowercase());
    let precision = if p.train.precision == Precision::Fp16 && !ctx.device.is_cuda() {
        ctx.warn("fp16 mixed precision needs CUDA; training in fp32 on this device");
        Precision::Fp32
    } else {
        p.train.precision
    };
    ctx.value("precision", format!("{precision:?}").to_lowercase());
    ctx.value("lora_r", p.lora.r);
    ctx.value("lora_alpha", p.lora.lora_alpha);
    ctx.value("lora_targets", p.lora.target_modules.join(", "));
    ctx.value("epochs", p.train.epochs);
    ctx.value("batch_size", p.train.batch_size);
    ctx.value("grad_accum", p.train.grad_accum);
    ctx.value("effective_batch", p.train.batch_size * p.train.grad_accum);
    ctx.value("lr", p.train.lr);
    ctx.value("full_lr", p.train.full_lr);
    let methods: Vec<Method> = p.methods.clone();
    let tensors = model::base_tensors(&base)?;
    let mut results = Vec::new();
    for &method in &methods {
        let result = ctx.stage(method.key(), || train_method(method, p, &splits, &base, &tensors, precision, ctx))?;
        results.push(result);
    }
    report_tables(&results, ctx)?;
    let lead = methods[0];
    ctx.stage("predict", || predict(lead, p, &splits, &base, &tensors, ctx))
}

fn train_config(method: Method, p: &VitLoraParams, precision: Precision, seed: u64) -> TrainConfig {
    p.train.config(if method == Method::Full { p.train.full_lr } else { p.train.lr }, precision, seed)
}

fn train_method(method: Method, p: &VitLoraParams, splits: &Splits, base: &BaseModel, tensors: &[(String, Tensor)], precision: Precision, ctx: &TaskContext) -> Result<MethodResult> {
    // Every method starts from the same draw of its new weights.
    tch::manual_seed(ctx.seed as i64);
    let built = model::build(method, base, tensors, &p.lora, &p.ia3.config(), splits.data.num_classes() as i64, ctx.device)?;
    let (trainable, total) = (built.trainable_params(), built.total_params);
    ctx.log(format!("{}: {trainable} of {total} parameters trainable ({:.2}%)", method.title(), 100.0 * trainable as f64 / total as f64));
    let size = base.config.image_size as usize;
    let eval_tf: Arc<dyn Transform> = Arc::new(VitEval::new(size, p.eval_resize));
    let train_tf: Arc<dyn Transform> = Arc::new(VitTrain::new(size, ctx.seed));
    let cfg = train_config(method, p, precision, ctx.seed);
    let params: Vec<(String, Tensor)> = built.trainable.iter().map(|(n, t)| (n.clone(), t.shallow_clone())).collect();
    memory::reset_peak();
    let forward = |x: &Tensor, train: bool| built.vit.forward_t(x, train);
    let outcome = classifier::train(
        &forward,
        params,
        Split { items: &splits.train, transform: train_tf },
        Split { items: &splits.eval, transform: eval_tf },
        &cfg,
        &ctx.resume_dir().join(method.key()),
        ctx.device,
        &Prefixed { ctx, prefix: method.key() },
    )?;
    let peak_rss = memory::peak_bytes();
    // Weights of the whole model plus, for what trains, its gradient and two moments.
    let bytes_per = |t: &Tensor| t.numel() as i64 * t.kind().elt_size_in_bytes() as i64;
    let all_bytes: i64 = [&built.base, &built.adapter].iter().flat_map(|vs| vs.variables().into_values()).map(|t| bytes_per(&t)).sum();
    let state_bytes = all_bytes + 3 * built.trainable.iter().map(|(_, t)| bytes_per(t)).sum::<i64>();
    let saved_bytes = save(method, &built, base, splits, p, ctx)?;
    if let Some(from) = &outcome.resumed_from {
        ctx.value(&format!("{}_resumed_from", method.key()), from.clone());
    }
    if !outcome.skipped.is_empty() {
        ctx.warn(format!("{}: {} unreadable training images skipped (first: {} — {})", method.key(), outcome.skipped.len(), outcome.skipped[0].0, outcome.skipped[0].1));
    }
    Ok(MethodResult { method, trainable, total, outcome, peak_rss, state_bytes, saved_bytes })
}

fn info(splits: &Splits, p: &VitLoraParams) -> InferenceInfo {
    InferenceInfo { labels: splits.data.classes.clone(), eval_resize: p.eval_resize, image_mean: VIT_MEAN, image_std: VIT_STD }
}

/// Saves what the method produced, as the Python libraries would load it; returns the
/// bytes of the weights file(s): a PEFT adapter, a full transformers model, or a head.
fn save(method: Method, built: &Built, base: &BaseModel, splits: &Splits, p: &VitLoraParams, ctx: &TaskContext) -> Result<u64> {
    let info_json = serde_json::to_vec_pretty(&info(splits, p))?;
    match method {
        Method::Lora | Method::Ia3 => ctx.artifact_dir(adapter_artifact(method), adapter_folder(method), |dir| {
            save_peft_adapter(dir, &built.config, &sorted_variables(&built.adapter), &base.name)?;
            Ok(std::fs::write(dir.join(INFERENCE_FILE), &info_json)?)
        })
        .map(|dir| file_bytes(&dir.join("adapter_model.safetensors"))),
        Method::Full => ctx.artifact_dir("model", "full_model", |dir| {
            let mut all = sorted_variables(&built.base);
            all.extend(sorted_variables(&built.adapter));
            write_safetensors(&dir.join("model.safetensors"), &all)?;
            let mut config = hub_config(&base.config);
            config["architectures"] = json!(["ViTForImageClassification"]);
            config["id2label"] = splits.data.classes.iter().enumerate().map(|(i, c)| (i.to_string(), json!(c))).collect::<serde_json::Map<_, _>>().into();
            config["label2id"] = splits.data.classes.iter().enumerate().map(|(i, c)| (c.clone(), json!(i))).collect::<serde_json::Map<_, _>>().into();
            std::fs::write(dir.join("config.json"), serde_json::to_vec_pretty(&config)?)?;
            Ok(std::fs::write(dir.join(INFERENCE_FILE), &info_json)?)
        })
        .map(|dir| file_bytes(&dir.join("model.safetensors"))),
        Method::Probe => {
            ctx.artifact_with("head", "probe_head.safetensors", |path| write_safetensors(path, &sorted_variables(&built.adapter)))?;
            Ok(file_bytes(&ctx.out_dir().join("probe_head.safetensors")))
        }
    }
}

/// Where a PEFT method's adapter is saved, and the artifact's name.
fn adapter_folder(method: Method) -> &'static str {
    if method == Method::Ia3 { "ia3_adapter" } else { "lora_adapter" }
}

fn adapter_artifact(method: Method) -> &'static str {
    if method == Method::Ia3 { "ia3_adapter" } else { "adapter" }
}

fn file_bytes(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn mib(bytes: f64) -> f64 {
    bytes / 1_048_576.0
}

fn report_tables(results: &[MethodResult], ctx: &TaskContext) -> Result<()> {
    let mut comparison = ResultTable::new(
        "comparison",
        "LoRA vs full fine-tuning vs linear probe",
        &[
            ("method", ColumnKind::Term),
            ("trainable", ColumnKind::Integer),
            ("total", ColumnKind::Integer),
            ("trainable_pct", ColumnKind::Float),
            ("best_accuracy", ColumnKind::Percent),
            ("best_epoch", ColumnKind::Integer),
            ("train_seconds", ColumnKind::Float),
            ("images_per_s", ColumnKind::Float),
            ("peak_rss_mib", ColumnKind::Float),
            ("state_mib", ColumnKind::Float),
            ("saved_mib", ColumnKind::Float),
        ],
    );
    let mut history = ResultTable::new(
        "history",
        "Evaluation after every epoch",
        &[
            ("method", ColumnKind::Term),
            ("epoch", ColumnKind::Integer),
            ("step", ColumnKind::Integer),
            ("train_loss", ColumnKind::Float),
            ("eval_loss", ColumnKind::Float),
            ("eval_accuracy", ColumnKind::Percent),
        ],
    );
    for r in results {
        let k = r.method.key();
        let o = &r.outcome;
        let pct = 100.0 * r.trainable as f64 / r.total as f64;
        let images_per_s = o.images as f64 / o.seconds.max(1e-9);
        comparison.push(vec![
            json!(r.method.term()),
            json!(r.trainable),
            json!(r.total),
            json!(pct),
            json!(o.best_accuracy),
            json!(o.best_epoch),
            json!(o.seconds),
            json!(images_per_s),
            r.peak_rss.map_or(json!(null), |b| json!(mib(b as f64))),
            json!(mib(r.state_bytes as f64)),
            json!(mib(r.saved_bytes as f64)),
        ]);
        for e in &o.history {
            history.push(vec![json!(r.method.term()), json!(e.epoch), json!(e.step), json!(e.train_loss), json!(e.eval_loss), json!(e.eval_accuracy)]);
        }
        ctx.value(&format!("{k}_trainable"), r.trainable);
        ctx.value(&format!("{k}_total"), r.total);
        ctx.value(&format!("{k}_trainable_pct"), pct);
        ctx.value(&format!("{k}_trainable_fraction"), r.trainable as f64 / r.total as f64);
        ctx.value(&format!("{k}_accuracy"), o.best_accuracy);
        ctx.value(&format!("{k}_final_accuracy"), o.history.last().map_or(f64::NAN, |e| e.eval_accuracy));
        ctx.value(&format!("{k}_best_epoch"), o.best_epoch);
        ctx.value(&format!("{k}_seconds"), o.seconds);
        ctx.value(&format!("{k}_steps"), o.optimizer_steps as i64);
        ctx.value(&format!("{k}_images_per_s"), images_per_s);
        ctx.value(&format!("{k}_state_mib"), mib(r.state_bytes as f64));
        ctx.value(&format!("{k}_saved_mib"), mib(r.saved_bytes as f64));
        if let Some(b) = r.peak_rss {
            ctx.value(&format!("{k}_peak_rss_mib"), mib(b as f64));
        }
        ctx.value(&format!("{k}_skipped_images"), o.skipped.len() as i64);
    }
    ctx.table(comparison);
    ctx.table(history);
    comparison_values(results, ctx);
    Ok(())
}

/// Two methods within one point of accuracy are reported as level (LoRA "reaches" full
/// fine-tuning); the test sets of the notebook's recipe have 500 images, 5 per point.
const MATCH_TOLERANCE: f64 = 0.01;

/// What the comparison found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VitLoraFindings {
    /// LoRA's best accuracy against full fine-tuning's (level within `MATCH_TOLERANCE`).
    pub lora_vs_full: Option<findings::Outcome>,
    /// LoRA's against the linear probe's (level within `MATCH_TOLERANCE`).
    pub lora_vs_probe: Option<findings::Outcome>,
    /// LoRA's training time as a ratio of full fine-tuning's: Ahead means slower.
    pub lora_time: Option<findings::Outcome>,
    /// LoRA's peak memory as a ratio of full fine-tuning's.
    pub lora_peak_memory: Option<findings::Outcome>,
    /// (IA)³'s best accuracy against LoRA's (level within `MATCH_TOLERANCE`).
    pub ia3_vs_lora: Option<findings::Outcome>,
}

/// Ratios the report's text is chosen by.
fn comparison_values(results: &[MethodResult], ctx: &TaskContext) {
    let mut found = VitLoraFindings::default();
    let get = |m: Method| results.iter().find(|r| r.method == m);
    if let (Some(lora), Some(full)) = (get(Method::Lora), get(Method::Full)) {
        let gap = lora.outcome.best_accuracy - full.outcome.best_accuracy;
        ctx.value("lora_minus_full", gap);
        found.lora_vs_full = Some(findings::Outcome::compare(lora.outcome.best_accuracy, full.outcome.best_accuracy, MATCH_TOLERANCE));
        let time_ratio = lora.outcome.seconds / full.outcome.seconds.max(1e-9);
        ctx.value("lora_time_ratio", time_ratio);
        found.lora_time = Some(findings::Outcome::ratio(time_ratio));
        ctx.value("lora_state_ratio", lora.state_bytes as f64 / full.state_bytes.max(1) as f64);
        ctx.value("lora_saved_ratio", lora.saved_bytes as f64 / full.saved_bytes.max(1) as f64);
        ctx.value("lora_param_ratio", lora.trainable as f64 / full.trainable.max(1) as f64);
        if let (Some(a), Some(b)) = (lora.peak_rss, full.peak_rss) {
            let ratio = a as f64 / b.max(1) as f64;
            ctx.value("lora_peak_ratio", ratio);
            found.lora_peak_memory = Some(findings::Outcome::ratio(ratio));
        }
    }
    if let (Some(ia3), Some(lora)) = (get(Method::Ia3), get(Method::Lora)) {
        ctx.value("ia3_minus_lora", ia3.outcome.best_accuracy - lora.outcome.best_accuracy);
        ctx.value("ia3_to_lora_params", ia3.trainable as f64 / lora.trainable.max(1) as f64);
        found.ia3_vs_lora = Some(findings::Outcome::compare(ia3.outcome.best_accuracy, lora.outcome.best_accuracy, MATCH_TOLERANCE));
    }
    if let (Some(lora), Some(probe)) = (get(Method::Lora), get(Method::Probe)) {
        ctx.value("lora_minus_probe", lora.outcome.best_accuracy - probe.outcome.best_accuracy);
        found.lora_vs_probe = Some(findings::Outcome::compare(lora.outcome.best_accuracy, probe.outcome.best_accuracy, MATCH_TOLERANCE));
    }
    if let Some(best) = results.iter().max_by(|a, b| a.outcome.best_accuracy.total_cmp(&b.outcome.best_accuracy)) {
        ctx.value("best_method", best.method.term());
        ctx.value("best_accuracy", best.outcome.best_accuracy);
    }
    ctx.findings(&found);
}

/// The lead method predicts the YAML's image, or the first test image (never trained on).
fn predict(lead: Method, p: &VitLoraParams, splits: &Splits, base: &BaseModel, tensors: &[(String, Tensor)], ctx: &TaskContext) -> Result<()> {
    let (image, truth) = match &p.predict_image {
        Some(path) => (ImageRef::File(path.into()), None),
        None => {
            let first = splits.data.test.first().context("the data set has no test images to predict")?;
            (first.image.clone(), Some(first.label))
        }
    };
    let out = ctx.out_dir();
    let ranked: Vec<Ranked> = match lead {
        Method::Lora | Method::Ia3 | Method::Full => {
            let predictor = if lead != Method::Full {
                Predictor::from_base(base, None, Some(&out.join(adapter_folder(lead))), ctx.device)?
            } else {
                Predictor::load(&out.join("full_model"), None, ctx.device)?
            };
            predictor.predict(&image, p.top_k as usize)?
        }
        Method::Probe => {
            // The frozen base with the saved head.
            let mut built = model::build(Method::Probe, base, tensors, &p.lora, &p.ia3.config(), splits.data.num_classes() as i64, ctx.device)?;
            let head = out.join("probe_head.safetensors");
            load_strict(&mut built.adapter, read_checkpoint(&head)?, &head.display().to_string())?;
            Predictor::new(built.vit, (built.base, Some(built.adapter)), info(splits, p), ctx.device).predict(&image, p.top_k as usize)?
        }
    };
    let mut table = ResultTable::new("prediction", "Prediction for a new image", &[("rank", ColumnKind::Integer), ("label", ColumnKind::Text), ("probability", ColumnKind::Percent)]);
    for (i, r) in ranked.iter().enumerate() {
        table.push(vec![json!(i + 1), json!(r.label), json!(r.prob)]);
    }
    ctx.table(table);
    ctx.value("predict_method", lead.term());
    ctx.value("predict_image", image.short_name());
    ctx.value("predict_label", ranked[0].label.clone());
    ctx.value("predict_prob", ranked[0].prob);
    if let Some(t) = truth {
        ctx.value("predict_true_label", splits.data.classes[t].clone());
        ctx.value("predict_correct", ranked[0].label == splits.data.classes[t]);
    }
    let bytes = match &image {
        ImageRef::File(path) => std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
        ImageRef::Bytes { data, .. } => data.as_ref().clone(),
    };
    let rows: Vec<(&str, f64)> = ranked.iter().map(|r| (r.label.as_str(), r.prob)).collect();
    ctx.artifact("predicted_image", "predicted_image.svg", crate::svg::image_card(&bytes, &rows).as_bytes())
}
