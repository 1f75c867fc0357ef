//! `clip_templates` (Q3b): the same images scored with single templates (generic,
//! dog-specific, descriptive), the 7- and 80-template ensembles, and raw or curated
//! class names. Image features are shared with (a) through the feature cache.
use super::eval::evaluate;
use super::features::{class_embeddings, image_features, similarities};
use super::templates::{OPENAI_IMAGENET, SIMPLE_IMAGENET};
use super::{dataset, model};
use crate::data::stanford_dogs::ClassNames;
use crate::results::{ColumnKind, ResultTable};
use super::params::TemplatesParams;
use crate::findings::Outcome;
use serde::Serialize;
use crate::tasks::registry::Task;
use crate::tasks::TaskContext;
use anyhow::Result;
use serde_json::json;

/// The `clip_templates` kind.
pub struct ClipTemplates;

impl Task for ClipTemplates {
    type Params = TemplatesParams;
    const KIND: &'static str = "clip_templates";
    const QUESTION: Option<u8> = Some(3);
    const SUMMARY: &'static str = "prompt-template study";
    const ANSWERS: &'static [&'static str] = &["q3b"];
    const CODE_VERSION: u32 = 3;

    fn run(p: &Self::Params, ctx: &TaskContext) -> Result<()> {
        run(p, ctx)
    }
}

/// The built-in study: (template, kind).
pub const STUDY: [(&str, &str); 9] = [
    ("{}", "generic"),
    ("a photo of a {}.", "generic"),
    ("itap of a {}.", "generic"),
    ("a blurry photo of a {}.", "generic"),
    ("a photo of a {}, a type of dog.", "dog-specific"),
    ("a photo of my {}, a dog breed.", "dog-specific"),
    ("a close-up photo of a {}, a type of pet.", "dog-specific"),
    ("a photo of a {}, a dog with its typical coat and ears.", "descriptive"),
    ("a photo of a {}, a breed known for its size and shape.", "descriptive"),
];

/// What the template study found, each an accuracy comparison (level within
/// `ACCURACY_TOLERANCE`).
#[derive(Debug, Clone, Serialize)]
pub struct TemplateFindings {
    /// The best ensemble against the best single prompt.
    pub ensemble: Outcome,
    /// The best kind of added context against generic templates (when the study has both).
    pub context: Option<Outcome>,
    /// Curated class names against raw folder names, averaged over prompts.
    pub names: Outcome,
}

pub fn run(p: &TemplatesParams, ctx: &TaskContext) -> Result<()> {
    let model = ctx.stage("load model", || model::load(&p.model, p.weights.as_deref(), ctx))?;
    let (data, dataset_id) = ctx.stage("open data set", || dataset::open(ctx.paths(), &p.dataset, p.split))?;
    let feats = ctx.stage("image features", || image_features(&model, &data.items, &dataset_id, p.batch_size as usize, p.precision, ctx))?;
    let singles: Vec<(String, String)> = if p.templates.is_empty() {
        STUDY.iter().map(|(t, k)| (t.to_string(), k.to_string())).collect()
    } else {
        // An entry may name its kind: "domain | a drawing of a {}."
        p.templates
            .iter()
            .map(|t| match t.split_once(" | ") {
                Some((kind, template)) => (template.trim().to_string(), kind.trim().to_string()),
                None => (t.clone(), "single".to_string()),
            })
            .collect()
    };
    let mut variants: Vec<(String, String, Vec<String>)> = singles.into_iter().map(|(t, k)| (t.clone(), k, vec![t])).collect();
    // Ensembles are named by a term of the catalogs, since they are not prompts.
    variants.push(("ensemble7".into(), "ensemble".into(), SIMPLE_IMAGENET.iter().map(|s| s.to_string()).collect()));
    variants.push(("ensemble80".into(), "ensemble".into(), OPENAI_IMAGENET.iter().map(|s| s.to_string()).collect()));

    let mut table = ResultTable::new(
        "templates",
        "Zero-shot accuracy by prompt",
        &[("prompt", ColumnKind::Term), ("kind", ColumnKind::Term), ("class_names", ColumnKind::Term),
          ("top1", ColumnKind::Percent), ("top5", ColumnKind::Percent), ("mean_per_class", ColumnKind::Percent)],
    );
    let total = (variants.len() * 2) as u64;
    let mut done = 0;
    let mut results = Vec::new();
    ctx.stage("score prompts", || {
        for which in [ClassNames::Raw, ClassNames::Curated] {
            let names = data.names(which);
            for (label, kind, templates) in &variants {
                ctx.check_cancelled()?;
                let classes = class_embeddings(&model.clip, &names, templates, ctx.device);
                let e = evaluate(&similarities(&feats.features, &classes), &feats.labels, names.len());
                let names_label = format!("{which:?}").to_lowercase();
                table.push(vec![json!(label), json!(kind), json!(names_label), json!(e.top1), json!(e.top5), json!(e.mean_per_class)]);
                results.push((label.clone(), kind.clone(), which, e.top1));
                done += 1;
                ctx.progress(done, total, "prompts");
            }
        }
        Ok(())
    })?;
    ctx.table(table);

    let curated: Vec<&(String, String, ClassNames, f64)> = results.iter().filter(|r| r.2 == ClassNames::Curated).collect();
    let best = curated.iter().max_by(|a, b| a.3.total_cmp(&b.3)).expect("at least one prompt");
    let worst = curated.iter().min_by(|a, b| a.3.total_cmp(&b.3)).expect("at least one prompt");
    let best_single = curated.iter().filter(|r| r.1 != "ensemble").max_by(|a, b| a.3.total_cmp(&b.3)).expect("singles");
    let find = |label: &str, names: ClassNames| results.iter().find(|r| r.0 == label && r.2 == names).map(|r| r.3);
    let mean_of = |kind: &str| {
        let xs: Vec<f64> = curated.iter().filter(|r| r.1 == kind).map(|r| r.3).collect();
        (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
    };
    ctx.value("best_prompt", best.0.clone());
    ctx.value("best_top1", best.3);
    ctx.value("worst_prompt", worst.0.clone());
    ctx.value("worst_top1", worst.3);
    ctx.value("best_single_prompt", best_single.0.clone());
    ctx.value("best_single_top1", best_single.3);
    ctx.value("bare_name_top1", find("{}", ClassNames::Curated).map_or(json!(null), |v| json!(v)));
    ctx.value("ensemble7_top1", find("ensemble7", ClassNames::Curated).unwrap_or_default());
    ctx.value("ensemble80_top1", find("ensemble80", ClassNames::Curated).unwrap_or_default());
    let mut kinds: Vec<&str> = curated.iter().map(|r| r.1.as_str()).filter(|k| *k != "ensemble").collect();
    kinds.dedup();
    for kind in &kinds {
        if let Some(m) = mean_of(kind) {
            ctx.value(&format!("mean_top1_{}", kind.replace('-', "_")), m);
        }
    }
    // The kind of added context that helped most, against generic templates.
    let generic = mean_of("generic");
    let best_context = kinds.iter().filter(|k| **k != "generic").filter_map(|k| mean_of(k).map(|m| (*k, m))).max_by(|a, b| a.1.total_cmp(&b.1));
    let mut context = None;
    if let (Some(g), Some((kind, m))) = (generic, best_context) {
        ctx.value("generic_mean_top1", g);
        ctx.value("best_context_kind", kind);
        ctx.value("best_context_mean_top1", m);
        ctx.value("context_minus_generic", m - g);
        context = Some(Outcome::accuracy(m, g));
    }
    let best_ensemble = curated.iter().filter(|r| r.1 == "ensemble").map(|r| r.3).fold(f64::NEG_INFINITY, f64::max);
    ctx.value("best_ensemble_top1", best_ensemble);
    let raw_mean = results.iter().filter(|r| r.2 == ClassNames::Raw).map(|r| r.3).sum::<f64>() / variants.len() as f64;
    let curated_mean = curated.iter().map(|r| r.3).sum::<f64>() / variants.len() as f64;
    ctx.value("raw_names_mean_top1", raw_mean);
    ctx.value("curated_names_mean_top1", curated_mean);
    ctx.value("prompts", variants.len());
    ctx.findings(&TemplateFindings { ensemble: Outcome::accuracy(best_ensemble, best_single.3), context, names: Outcome::accuracy(curated_mean, raw_mean) });
    Ok(())
}
