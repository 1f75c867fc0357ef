//! The flow (d) and (e) share: each method trained on the full training part and scored
//! on test; its curves, hyperparameter grid and numbers reported; then the few-shot study.
use super::few_shot::{self, Curve, CurvePoint};
use super::methods::{self, Method, MethodRun};
use super::Prepared;
use crate::data::split::few_shot as sample_shots;
use crate::results::{ColumnKind, ResultTable};
use crate::tasks::q3::params::AdaptSettings;
use crate::tasks::q3::eval::Evaluation;
use crate::tasks::TaskContext;
use anyhow::Result;
use serde_json::json;

pub struct Study {
    pub zero_shot: Evaluation,
    pub runs: Vec<MethodRun>,
    pub curves: Vec<Curve>,
}

/// The methods a task runs: those named in `chosen`, in the task's order (`own`), or all
/// of its own when none is named.
pub fn selected<M: Copy + PartialEq + Into<Method>>(chosen: &[M], own: &[M]) -> Vec<Method> {
    own.iter().filter(|m| chosen.is_empty() || chosen.contains(m)).map(|&m| m.into()).collect()
}

pub fn methods_table(zero_shot: &Evaluation, runs: &[MethodRun]) -> ResultTable {
    let mut t = ResultTable::new(
        "methods",
        "Test accuracy by method",
        &[("method", ColumnKind::Term), ("top1", ColumnKind::Percent), ("top5", ColumnKind::Percent), ("mean_per_class", ColumnKind::Percent),
          ("val_top1", ColumnKind::Percent), ("chosen", ColumnKind::Term), ("trainable", ColumnKind::Integer), ("train_seconds", ColumnKind::Float)],
    );
    t.push(vec![json!("zero_shot"), json!(zero_shot.top1), json!(zero_shot.top5), json!(zero_shot.mean_per_class), json!(null), json!("—"), json!(0), json!(0.0)]);
    for r in runs {
        t.push(vec![json!(r.method.key()), json!(r.test.top1), json!(r.test.top5), json!(r.test.mean_per_class), json!(r.val_accuracy), json!(r.setting), json!(r.trainable), json!(r.seconds)]);
    }
    t
}

fn grid_table(runs: &[MethodRun]) -> ResultTable {
    let mut t = ResultTable::new(
        "grid",
        "Hyperparameters tried (validation split of train)",
        &[("method", ColumnKind::Term), ("setting", ColumnKind::Term), ("val_top1", ColumnKind::Percent), ("best_at", ColumnKind::Term)],
    );
    for r in runs {
        for (setting, acc, detail) in &r.grid {
            t.push(vec![json!(r.method.key()), json!(setting), json!(acc), json!(detail)]);
        }
    }
    t
}

pub fn run(prep: &Prepared, p: &AdaptSettings, methods: &[Method], ctx: &TaskContext) -> Result<Study> {
    let zero_shot = prep.zero_shot_evaluation();
    ctx.value("zero_shot_top1", zero_shot.top1);
    let mut runs = Vec::new();
    for &m in methods {
        let run = ctx.stage(&format!("train {}", m.key()), || {
            methods::run(m, prep, p, None, ctx.seed, ctx.device, &mut |done, total| {
                ctx.progress(done, total, "steps");
                ctx.check_cancelled()
            })
        })?;
        ctx.log(format!("{}: test top-1 {:.2}% ({}, {:.1} s)", m.label(), run.test.top1 * 100.0, run.choice, run.seconds));
        report_run(&run, ctx);
        runs.push(run);
    }
    ctx.table(methods_table(&zero_shot, &runs));
    ctx.table(grid_table(&runs));
    let curves = if p.shots.is_empty() { Vec::new() } else { ctx.stage("few-shot study", || few_shot_study(prep, p, &runs, ctx))? };
    if !curves.is_empty() {
        // The report draws the curves from this table, with wording in its language.
        ctx.table(few_shot::table(few_shot::TABLE, &curves));
    }
    ctx.value("model", prep.model_name.clone());
    ctx.value("classes", prep.classes());
    ctx.value("train_images", prep.train_labels.len());
    ctx.value("validation_images", prep.val_labels.size()[0]);
    ctx.value("test_images", prep.test_labels.len());
    ctx.value("template", p.template.clone());
    Ok(Study { zero_shot, runs, curves })
}

/// Curves and numbers of one full-data run, named by the method's key.
fn report_run(run: &MethodRun, ctx: &TaskContext) {
    let key = run.method.key();
    if let Some(o) = &run.outcome {
        for &(step, loss) in &o.loss_curve {
            ctx.metric(&format!("{key}/train_loss"), step as u64, loss);
        }
        for &(step, acc) in &o.val_curve {
            ctx.metric(&format!("{key}/val_accuracy"), step as u64, acc);
        }
        ctx.value(&format!("{key}_best_step"), o.best_step);
        ctx.value(&format!("{key}_steps"), o.steps);
    }
    ctx.value(&format!("{key}_top1"), run.test.top1);
    ctx.value(&format!("{key}_top5"), run.test.top5);
    ctx.value(&format!("{key}_mean_per_class"), run.test.mean_per_class);
    ctx.value(&format!("{key}_val"), run.val_accuracy);
    ctx.value(&format!("{key}_choice"), run.choice.clone());
    ctx.value(&format!("{key}_setting"), run.setting.clone());
    ctx.value(&format!("{key}_trainable"), run.trainable);
    ctx.value(&format!("{key}_seconds"), run.seconds);
}

/// Every method at each number of shots with `few_shot_seeds` seeds, and on the full
/// training part (the full-data run is the first seed there).
fn few_shot_study(prep: &Prepared, p: &AdaptSettings, full: &[MethodRun], ctx: &TaskContext) -> Result<Vec<Curve>> {
    let labels: Vec<usize> = prep.train_labels.iter().map(|&l| l as usize).collect();
    let mut shots: Vec<u32> = p.shots.clone();
    shots.sort_unstable();
    shots.dedup();
    let seeds = p.few_shot_seeds as u64;
    let total = (full.len() as u64) * (shots.len() as u64 * seeds + seeds - 1);
    let mut done = 0;
    let mut curves = Vec::new();
    let per_class = labels.len() as f64 / prep.classes().max(1) as f64;
    for run in full {
        let mut points = Vec::new();
        for &k in &shots {
            let mut accs = Vec::new();
            for s in 0..seeds {
                let subset = sample_shots(&labels, k as usize, ctx.seed + s);
                let r = methods::run(run.method, prep, p, Some(&subset), ctx.seed + s, ctx.device, &mut |_, _| ctx.check_cancelled())?;
                accs.push(r.test.top1);
                done += 1;
                ctx.progress(done, total, "runs");
            }
            points.push(CurvePoint::of(&k.to_string(), &accs));
        }
        let mut accs = vec![run.test.top1];
        for s in 1..seeds {
            let r = methods::run(run.method, prep, p, None, ctx.seed + s, ctx.device, &mut |_, _| ctx.check_cancelled())?;
            accs.push(r.test.top1);
            done += 1;
            ctx.progress(done, total, "runs");
        }
        points.push(CurvePoint::of(&CurvePoint::full_label(per_class), &accs));
        let curve = Curve { method: run.method.key().to_string(), points };
        if let Some(first) = curve.points.first() {
            ctx.value(&format!("{}_fewest_shots_top1", run.method.key()), first.mean);
        }
        curves.push(curve);
    }
    ctx.value("fewest_shots", shots.first().copied().unwrap_or(0));
    ctx.value("shots_list", shots.clone());
    ctx.value("few_shot_seeds", seeds);
    Ok(curves)
}
