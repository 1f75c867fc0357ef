//! `clip_zero_shot` (Q3a): classify the split's images by their similarity to one
//! prompt per class; top-1, top-5, mean per-class accuracy and per-class metrics.
use super::eval::{evaluate, per_class_table};
use super::features::{class_embeddings, image_features, similarities};
use super::{dataset, model};
use crate::results::{ColumnKind, ResultTable};
use super::params::ZeroShotParams;
use crate::tasks::registry::Task;
use crate::tasks::TaskContext;
use anyhow::Result;
use serde_json::json;

/// The `clip_zero_shot` kind.
pub struct ClipZeroShot;

impl Task for ClipZeroShot {
    type Params = ZeroShotParams;
    const KIND: &'static str = "clip_zero_shot";
    const QUESTION: Option<u8> = Some(3);
    const SUMMARY: &'static str = "CLIP zero-shot accuracy on Stanford Dogs";
    const ANSWERS: &'static [&'static str] = &["q3a"];
    const CODE_VERSION: u32 = 2;

    fn run(p: &Self::Params, ctx: &TaskContext) -> Result<()> {
        run(p, ctx)
    }
}

pub fn run(p: &ZeroShotParams, ctx: &TaskContext) -> Result<()> {
    let model = ctx.stage("load model", || model::load(&p.model, p.weights.as_deref(), ctx))?;
    let (data, dataset_id) = ctx.stage("open data set", || dataset::open(ctx.paths(), &p.dataset, p.split))?;
    let names = data.names(p.class_names);
    ctx.log(format!("{} images of {} classes ({:?} split), model {}", data.items.len(), names.len(), p.split, model.id));
    let feats = ctx.stage("image features", || image_features(&model, &data.items, &dataset_id, p.batch_size as usize, p.precision, ctx))?;
    let classes = ctx.stage("text embeddings", || Ok(class_embeddings(&model.clip, &names, std::slice::from_ref(&p.template), ctx.device)))?;
    // The demo's models are told apart by their architecture name.
    let model_name = if p.model == "demo" { model.clip.cfg.name.clone() } else { p.model.clone() };
    ctx.stage("evaluate", || {
        let e = evaluate(&similarities(&feats.features, &classes), &feats.labels, names.len());
        let mut summary = ResultTable::new(
            "summary",
            "Zero-shot accuracy",
            &[("model", ColumnKind::Text), ("prompt", ColumnKind::Text), ("images", ColumnKind::Integer), ("skipped", ColumnKind::Integer),
              ("top1", ColumnKind::Percent), ("top5", ColumnKind::Percent), ("mean_per_class", ColumnKind::Percent)],
        );
        summary.push(vec![json!(model_name), json!(p.template), json!(feats.labels.len()), json!(feats.skipped.len()), json!(e.top1), json!(e.top5), json!(e.mean_per_class)]);
        ctx.table(summary);
        ctx.table(per_class_table(&e, &names));
        if !feats.skipped.is_empty() {
            ctx.table(skipped_table(&feats.skipped, &data.root));
            ctx.value("skipped_files", feats.skipped.len());
        }
        ctx.value("top1", e.top1);
        ctx.value("top5", e.top5);
        ctx.value("mean_per_class", e.mean_per_class);
        ctx.value("images", feats.labels.len());
        ctx.value("skipped_images", feats.skipped.len());
        ctx.value("classes", names.len());
        ctx.value("chance", 1.0 / names.len().max(1) as f64);
        ctx.value("model", model_name.clone());
        ctx.value("template", p.template.clone());
        ctx.log(format!("top-1 {:.2}%, top-5 {:.2}%", e.top1 * 100.0, e.top5 * 100.0));
        Ok(())
    })
}

/// The images that could not be read: each file (relative to the data set) and what was
/// wrong with it, as a term the report words (the full message is in the log).
fn skipped_table(skipped: &[(String, String)], root: &std::path::Path) -> ResultTable {
    let mut t = ResultTable::new("skipped_files", "Images skipped", &[("file", ColumnKind::Text), ("problem", ColumnKind::Term)]);
    for (file, message) in skipped {
        let shown = std::path::Path::new(file).strip_prefix(root).map_or_else(|_| file.clone(), |p| p.display().to_string());
        t.push(vec![json!(shown), json!(format!("image-{}", crate::data::image::decode::problem_kind(message)))]);
    }
    t
}
