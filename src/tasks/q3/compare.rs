//! `clip_compare` (Q3f): ConvNeXt-Base against ConvNeXt-XXLarge (or the demo's small and
//! large CLIPs): accuracy side by side, and the per-class F1 change, read from the
//! results the two models' experiments wrote.
use crate::results::{ColumnKind, ResultTable};
use super::params::{require_needed, ClipCompareParams};
use crate::spec::validate::Violations;
use crate::findings::Outcome;
use crate::tasks::registry::Task;
use serde::Serialize;
use super::stored::Stored;
use crate::tasks::TaskContext;
use anyhow::Result;
use serde_json::json;
use std::collections::BTreeMap;

/// What (f) found; accuracies are level within `ACCURACY_TOLERANCE`.
#[derive(Debug, Clone, Serialize)]
pub struct CompareFindings {
    /// The larger model's zero-shot top-1 against the smaller's.
    pub scale: Outcome,
    /// The large-minus-base gap between the best adapted classifiers against the
    /// zero-shot gap: Behind means adaptation narrows it.
    pub gap_after_adaptation: Option<Outcome>,
}

/// The `clip_compare` kind.
pub struct ClipCompare;

impl Task for ClipCompare {
    type Params = ClipCompareParams;
    const KIND: &'static str = "clip_compare";
    const QUESTION: Option<u8> = Some(3);
    const SUMMARY: &'static str = "ConvNeXt-Base vs ConvNeXt-XXLarge side by side";
    const ANSWERS: &'static [&'static str] = &["q3f"];
    const CODE_VERSION: u32 = 4;

    fn check(p: &ClipCompareParams, needs: &[String], v: &mut Violations) {
        for (field, id) in p.named() {
            require_needed(&field, id, needs, v);
        }
    }

    fn run(p: &Self::Params, ctx: &TaskContext) -> Result<()> {
        run(p, ctx)
    }
}

fn f1_by_class(s: &Stored) -> BTreeMap<String, f64> {
    let Some(t) = s.table("per_class") else { return BTreeMap::new() };
    let (ci, fi) = (t.column("class"), t.column("f1"));
    let (Some(ci), Some(fi)) = (ci, fi) else { return BTreeMap::new() };
    t.rows
        .iter()
        .filter_map(|r| Some((r[ci].as_str()?.to_string(), r[fi].as_f64()?)))
        .filter(|(name, _)| !super::eval::is_summary_row(name))
        .collect()
}

pub fn run(p: &ClipCompareParams, ctx: &TaskContext) -> Result<()> {
    let base = Stored::read(ctx, &p.base)?;
    let large = Stored::read(ctx, &p.large)?;
    let num = |s: &Stored, k: &str| s.number(k);
    let text = |s: &Stored, k: &str| s.value(k);

    let mut models = ResultTable::new(
        "models",
        "Zero-shot accuracy of the two models",
        &[("model", ColumnKind::Text), ("prompt", ColumnKind::Text), ("top1", ColumnKind::Percent), ("top5", ColumnKind::Percent), ("mean_per_class", ColumnKind::Percent)],
    );
    for s in [&base, &large] {
        models.push(vec![text(s, "model"), text(s, "template"), json!(num(s, "top1")), json!(num(s, "top5")), json!(num(s, "mean_per_class"))]);
    }
    ctx.table(models);

    let (fb, fl) = (f1_by_class(&base), f1_by_class(&large));
    let mut changes: Vec<(String, f64, f64)> = fb.iter().filter_map(|(c, b)| fl.get(c).map(|l| (c.clone(), *b, *l))).collect();
    anyhow::ensure!(!changes.is_empty(), "the two experiments share no classes (were they run on the same data set?)");
    changes.sort_by(|a, b| (b.2 - b.1).total_cmp(&(a.2 - a.1)).then(a.0.cmp(&b.0)));
    let mut table = ResultTable::new(
        "per_class_f1",
        "F1 per class, largest gain first",
        &[("class", ColumnKind::Text), ("f1_base", ColumnKind::Percent), ("f1_large", ColumnKind::Percent), ("change_points", ColumnKind::Float)],
    );
    for (c, b, l) in &changes {
        table.push(vec![json!(c), json!(b), json!(l), json!((l - b) * 100.0)]);
    }
    ctx.table(table);

    if let (Some(bt), Some(lt)) = (&p.base_templates, &p.large_templates) {
        let (bt, lt) = (Stored::read(ctx, bt)?, Stored::read(ctx, lt)?);
        let mut prompts = ResultTable::new(
            "templates",
            "Prompt study of the two models",
            &[("quantity", ColumnKind::Term), ("base", ColumnKind::Percent), ("large", ColumnKind::Percent)],
        );
        // The quantity is named by the value it reads (a term of the catalogs).
        for key in ["best_top1", "best_single_top1", "ensemble7_top1", "ensemble80_top1", "generic_mean_top1"] {
            prompts.push(vec![json!(key), json!(num(&bt, key)), json!(num(&lt, key))]);
        }
        ctx.table(prompts);
        ctx.value("base_best_prompt", text(&bt, "best_prompt"));
        ctx.value("large_best_prompt", text(&lt, "best_prompt"));
        if let (Some(b), Some(l)) = (num(&bt, "ensemble80_top1"), num(&lt, "ensemble80_top1")) {
            ctx.value("ensemble80_gain", l - b);
        }
    }

    let mut gap_after_adaptation = None;
    if !p.base_adapted.is_empty() || !p.large_adapted.is_empty() {
        let (table, gaps) = adaptation_table(ctx, &p.base_adapted, &p.large_adapted)?;
        ctx.table(table);
        ctx.value("adaptation_compared", true);
        if let Some((zero_shot_gap, adapted_gap, best_base, best_large)) = gaps {
            ctx.value("zero_shot_gap", zero_shot_gap);
            ctx.value("adapted_gap", adapted_gap);
            ctx.value("best_adapted_base", best_base);
            ctx.value("best_adapted_large", best_large);
            gap_after_adaptation = Some(Outcome::accuracy(adapted_gap, zero_shot_gap));
        }
    }

    let improved = changes.iter().filter(|c| c.2 > c.1 + 1e-12).count();
    let worsened = changes.iter().filter(|c| c.2 + 1e-12 < c.1).count();
    let (first, last) = (&changes[0], &changes[changes.len() - 1]);
    ctx.value("base_model", text(&base, "model"));
    ctx.value("large_model", text(&large, "model"));
    ctx.value("base_top1", num(&base, "top1").unwrap_or_default());
    ctx.value("large_top1", num(&large, "top1").unwrap_or_default());
    ctx.value("top1_gain", num(&large, "top1").unwrap_or_default() - num(&base, "top1").unwrap_or_default());
    ctx.value("classes_compared", changes.len());
    ctx.value("classes_improved", improved);
    ctx.value("classes_worsened", worsened);
    ctx.value("biggest_gain_class", first.0.clone());
    ctx.value("biggest_gain", first.2 - first.1);
    ctx.value("biggest_loss_class", last.0.clone());
    ctx.value("biggest_loss", last.2 - last.1);
    let (b1, l1) = (num(&base, "top1").unwrap_or_default(), num(&large, "top1").unwrap_or_default());
    ctx.findings(&CompareFindings { scale: Outcome::accuracy(l1, b1), gap_after_adaptation });
    Ok(())
}

/// Test accuracy of every method of the (d)/(e) experiments, both models side by side;
/// and the large-minus-base top-1 gap in zero-shot and between the best adapted methods.
type Gaps = Option<(f64, f64, String, String)>;

/// (method, [top-1, top-5, mean per-class]) rows of the experiments' methods tables.
fn method_rows(ctx: &TaskContext, ids: &[String]) -> Result<Vec<(String, [Option<f64>; 3])>> {
    let mut rows: Vec<(String, [Option<f64>; 3])> = Vec::new();
    for id in ids {
        let stored = Stored::read(ctx, id)?;
        let t = stored.table("methods").ok_or_else(|| anyhow::anyhow!("`{id}` stored no methods table (is it a clip_class_embedding or clip_linear_probe experiment?)"))?;
        let Some(mi) = t.column("method") else { continue };
        let cols = ["top1", "top5", "mean_per_class"].map(|c| t.column(c));
        for r in &t.rows {
            let Some(m) = r[mi].as_str() else { continue };
            if !rows.iter().any(|x| x.0 == m) {
                rows.push((m.to_string(), cols.map(|c| c.and_then(|c| r[c].as_f64()))));
            }
        }
    }
    Ok(rows)
}

fn adaptation_table(ctx: &TaskContext, base: &[String], large: &[String]) -> Result<(ResultTable, Gaps)> {
    let (b, l) = (method_rows(ctx, base)?, method_rows(ctx, large)?);
    let mut table = ResultTable::new(
        "adaptation",
        "Test accuracy by method and model",
        &[("method", ColumnKind::Term), ("base_top1", ColumnKind::Percent), ("base_top5", ColumnKind::Percent), ("base_mean_per_class", ColumnKind::Percent),
          ("large_top1", ColumnKind::Percent), ("large_top5", ColumnKind::Percent), ("large_mean_per_class", ColumnKind::Percent), ("top1_change_points", ColumnKind::Float)],
    );
    let mut order: Vec<String> = b.iter().map(|x| x.0.clone()).collect();
    order.extend(l.iter().map(|x| x.0.clone()).filter(|m| !b.iter().any(|x| &x.0 == m)));
    for m in order {
        let find = |rows: &[(String, [Option<f64>; 3])]| rows.iter().find(|x| x.0 == m).map_or([None; 3], |x| x.1);
        let (vb, vl) = (find(&b), find(&l));
        let change = vb[0].zip(vl[0]).map(|(vb, vl)| (vl - vb) * 100.0);
        table.push(vec![json!(m), json!(vb[0]), json!(vb[1]), json!(vb[2]), json!(vl[0]), json!(vl[1]), json!(vl[2]), json!(change)]);
    }
    let top1 = |rows: &[(String, [Option<f64>; 3])], m: &str| rows.iter().find(|x| x.0 == m).and_then(|x| x.1[0]);
    let best = |rows: &[(String, [Option<f64>; 3])]| rows.iter().filter(|x| x.0 != "zero_shot").filter_map(|x| x.1[0].map(|v| (x.0.clone(), v))).max_by(|a, b| a.1.total_cmp(&b.1));
    let gaps = match (top1(&b, "zero_shot"), top1(&l, "zero_shot"), best(&b), best(&l)) {
        (Some(zb), Some(zl), Some(bb), Some(bl)) => Some((zl - zb, bl.1 - bb.1, bb.0, bl.0)),
        _ => None,
    };
    Ok((table, gaps))
}
