//! `clip_per_class` (Q3c): precision, recall, one-vs-rest accuracy and F1 per class, the
//! confusion matrix and most-confused pairs; then, for the class with the worst F1, a
//! search over other prompts (name variants × templates, and their ensemble) chosen on a
//! held-out part of the TRAIN split, with its effect measured once on test.
use super::eval::{evaluate, per_class_table, Evaluation};
use super::features::{class_embeddings, image_features, similarities};
use super::{dataset, model};
use crate::data::stanford_dogs::{hold_out, Class, Split};
use crate::results::{ColumnKind, ResultTable};
use super::params::PerClassParams;
use crate::findings::Outcome;
use serde::Serialize;
use crate::tasks::registry::Task;
use crate::tasks::TaskContext;
use anyhow::Result;
use serde_json::json;
use tch::Tensor;

/// The `clip_per_class` kind.
pub struct ClipPerClass;

impl Task for ClipPerClass {
    type Params = PerClassParams;
    const KIND: &'static str = "clip_per_class";
    const QUESTION: Option<u8> = Some(3);
    const SUMMARY: &'static str = "per-class metrics and worst-class prompt search";
    const ANSWERS: &'static [&'static str] = &["q3c"];
    const CODE_VERSION: u32 = 3;

    fn run(p: &Self::Params, ctx: &TaskContext) -> Result<()> {
        run(p, ctx)
    }
}

const SEARCH_TEMPLATES: [&str; 4] = ["a photo of a {}.", "a photo of a {}, a type of dog.", "a close-up photo of a {}.", "a photo of the {}, a breed of dog."];

/// Names a prompt may use for a class: curated, raw, WordNet lemmas, demo synonyms.
fn name_variants(class: &Class) -> Vec<String> {
    let mut names = vec![class.curated_name.clone(), class.raw_name.clone()];
    names.extend(class.lemmas.iter().cloned());
    names.extend(crate::data::synth_dogs::synonyms(&class.raw_name));
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.to_lowercase()));
    names
}

#[derive(Debug, Clone, Serialize)]
pub struct PerClassFindings {
    /// The held-out images chose a prompt other than the original for the worst class.
    pub prompt_changed: bool,
    /// With a new prompt: the worst class's test F1 after against before.
    pub test_effect: Option<Outcome>,
}

pub fn run(p: &PerClassParams, ctx: &TaskContext) -> Result<()> {
    let model = ctx.stage("load model", || model::load(&p.model, p.weights.as_deref(), ctx))?;
    let (test, test_id) = ctx.stage("open data set", || dataset::open(ctx.paths(), &p.dataset, p.split))?;
    let (train, train_id) = dataset::open(ctx.paths(), &p.dataset, Split::Train)?;
    let names = test.names(p.class_names);
    let n_classes = names.len();
    let test_feats = ctx.stage("test image features", || image_features(&model, &test.items, &test_id, p.batch_size as usize, p.precision, ctx))?;
    let base = ctx.stage("text embeddings", || Ok(class_embeddings(&model.clip, &names, std::slice::from_ref(&p.template), ctx.device)))?;
    let before = evaluate(&similarities(&test_feats.features, &base), &test_feats.labels, n_classes);
    ctx.table(per_class_table(&before, &names));
    ctx.table(confused_pairs(&before, &names));
    // The matrix as data: the report draws it with titles in its own language.
    ctx.value("confusion", json!({"classes": names, "rows": confusion_rows(&before)}));
    let (mp, mr, mf) = before.confusion.macro_avg();
    let (_, _, wf) = before.confusion.weighted_avg();
    for (k, v) in [("top1", before.top1), ("macro_precision", mp), ("macro_recall", mr), ("macro_f1", mf), ("weighted_f1", wf)] {
        ctx.value(k, v);
    }

    let per = before.confusion.per_class();
    let worst = (0..n_classes).min_by(|&a, &b| per[a].f1.total_cmp(&per[b].f1).then(a.cmp(&b))).expect("classes");
    let confused_with: Vec<(usize, u64)> = {
        let mut row: Vec<(usize, u64)> = (0..n_classes).filter(|&j| j != worst).map(|j| (j, before.confusion.get(worst, j) + before.confusion.get(j, worst))).filter(|x| x.1 > 0).collect();
        row.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        row.truncate(3);
        row
    };
    ctx.value("worst_class", names[worst].clone());
    ctx.value("worst_f1_before", per[worst].f1);
    if let Some(&(j, count)) = confused_with.first() {
        ctx.value("worst_confused_with", names[j].clone());
        ctx.value("worst_confused_count", count);
    }

    // Prompt search on held-out TRAIN images only.
    let train_feats = ctx.stage("train image features", || image_features(&model, &train.items, &train_id, p.batch_size as usize, p.precision, ctx))?;
    let (_, held) = hold_out(&train.items, p.holdout, ctx.seed);
    let held_paths: std::collections::HashSet<&std::path::Path> = held.iter().map(|i| i.path.as_path()).collect();
    let keep: Vec<i64> = train_feats.rows.iter().enumerate().filter(|(_, &r)| held_paths.contains(train.items[r as usize].path.as_path())).map(|(i, _)| i as i64).collect();
    let held_features = train_feats.features.index_select(0, &Tensor::from_slice(&keep));
    let held_labels: Vec<i64> = keep.iter().map(|&i| train_feats.labels[i as usize]).collect();

    let class = &test.classes[worst];
    let mut candidates: Vec<(String, Vec<String>)> = Vec::new();
    for name in name_variants(class) {
        for t in std::iter::once(p.template.as_str()).chain(SEARCH_TEMPLATES) {
            let prompt = super::templates::fill(t, &name);
            if !candidates.iter().any(|c| c.0 == prompt) {
                candidates.push((prompt.clone(), vec![prompt]));
            }
        }
    }
    let all: Vec<String> = candidates.iter().map(|c| c.0.clone()).collect();
    candidates.push(("ensemble_of_candidates".to_string(), all));

    let base_prompt = super::templates::fill(&p.template, &names[worst]);
    let score_on_held = |classes: &Tensor| evaluate(&similarities(&held_features, classes), &held_labels, n_classes);
    let base_held = score_on_held(&base).confusion.per_class()[worst].f1;
    let mut search = ResultTable::new(
        "prompt_search",
        &format!("Prompts for \"{}\" scored on held-out training images", names[worst]),
        &[("prompt", ColumnKind::Term), ("heldout_f1", ColumnKind::Percent), ("heldout_top1", ColumnKind::Percent)],
    );
    let mut best = (base_prompt.clone(), base_held, base.shallow_clone());
    let total = candidates.len() as u64;
    ctx.stage("prompt search", || {
        for (i, (label, prompts)) in candidates.iter().enumerate() {
            ctx.check_cancelled()?;
            let row = prompt_embedding(&model.clip, prompts, ctx.device);
            let trial = with_row(&base, worst, &row);
            let e = score_on_held(&trial);
            let f1 = e.confusion.per_class()[worst].f1;
            search.push(vec![json!(label), json!(f1), json!(e.top1)]);
            if f1 > best.1 + 1e-12 {
                best = (label.clone(), f1, trial);
            }
            ctx.progress(i as u64 + 1, total, "prompts");
        }
        Ok(())
    })?;
    ctx.table(search);

    // The test set, once: the chosen prompt for the worst class, the others unchanged.
    let after = evaluate(&similarities(&test_feats.features, &best.2), &test_feats.labels, n_classes);
    let per_after = after.confusion.per_class();
    let mut effect = ResultTable::new(
        "prompt_effect",
        "Effect on the test split",
        &[("class", ColumnKind::Text), ("role", ColumnKind::Term), ("f1_before", ColumnKind::Percent), ("f1_after", ColumnKind::Percent), ("change_points", ColumnKind::Float)],
    );
    effect.push(vec![json!(names[worst]), json!("worst_class"), json!(per[worst].f1), json!(per_after[worst].f1), json!((per_after[worst].f1 - per[worst].f1) * 100.0)]);
    for &(j, _) in &confused_with {
        effect.push(vec![json!(names[j]), json!("confused_with_it"), json!(per[j].f1), json!(per_after[j].f1), json!((per_after[j].f1 - per[j].f1) * 100.0)]);
    }
    effect.push(vec![json!(null), json!("all_classes_top1"), json!(before.top1), json!(after.top1), json!((after.top1 - before.top1) * 100.0)]);
    ctx.table(effect);
    ctx.value("base_prompt", base_prompt.clone());
    ctx.value("chosen_prompt", best.0.clone());
    ctx.value("prompt_changed", best.0 != base_prompt);
    ctx.value("heldout_f1_base", base_held);
    ctx.value("heldout_f1_chosen", best.1);
    ctx.value("heldout_images", held_labels.len());
    ctx.value("candidates", total);
    ctx.value("worst_f1_after", per_after[worst].f1);
    ctx.value("worst_f1_change", per_after[worst].f1 - per[worst].f1);
    ctx.value("top1_after", after.top1);
    ctx.value("top1_change", after.top1 - before.top1);
    let changed = best.0 != base_prompt;
    ctx.findings(&PerClassFindings { prompt_changed: changed, test_effect: changed.then(|| Outcome::accuracy(per_after[worst].f1, per[worst].f1)) });
    Ok(())
}

/// The ensemble embedding of finished prompts (each already holds the class name).
fn prompt_embedding(clip: &crate::nn::clip::Clip, prompts: &[String], device: tch::Device) -> Tensor {
    class_embeddings(clip, &[String::new()], prompts, device).squeeze_dim(0)
}

fn with_row(classes: &Tensor, row: usize, value: &Tensor) -> Tensor {
    let out = classes.copy();
    out.get(row as i64).copy_(value);
    out
}

fn confusion_rows(e: &Evaluation) -> Vec<Vec<f64>> {
    let n = e.confusion.classes;
    (0..n)
        .map(|t| {
            let total: u64 = (0..n).map(|p| e.confusion.get(t, p)).sum();
            (0..n).map(|p| e.confusion.get(t, p) as f64 / total.max(1) as f64).collect()
        })
        .collect()
}

fn confused_pairs(e: &Evaluation, names: &[String]) -> ResultTable {
    let mut t = ResultTable::new(
        "confused_pairs",
        "Most confused pairs (test)",
        &[("true_class", ColumnKind::Text), ("predicted", ColumnKind::Text), ("images", ColumnKind::Integer), ("share", ColumnKind::Percent)],
    );
    let per = e.confusion.per_class();
    for (a, b, count) in e.confusion.most_confused(10) {
        t.push(vec![json!(names[a]), json!(names[b]), json!(count), json!(count as f64 / per[a].support.max(1) as f64)]);
    }
    t
}
