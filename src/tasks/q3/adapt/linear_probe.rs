//! `clip_linear_probe` (Q3e): the text encoder dropped, a fully connected layer trained
//! on the frozen image features, with the CLIP paper's L-BFGS logistic regression as the
//! reference line; optionally drawn beside a (d) experiment's results.
use super::few_shot::{self, first_meeting, images_value};
use super::methods::Method;
use super::{prepare, study};
use crate::results::ResultTable;
use super::super::params::{require_needed, LinearProbeParams, ProbeMethod};
use crate::spec::validate::Violations;
use crate::findings::Outcome;
use crate::tasks::registry::Task;
use serde::Serialize;
use crate::tasks::q3::stored::Stored;
use crate::tasks::TaskContext;
use anyhow::{Context, Result};

/// The `clip_linear_probe` kind.
pub struct ClipLinearProbe;

impl Task for ClipLinearProbe {
    type Params = LinearProbeParams;
    const KIND: &'static str = "clip_linear_probe";
    const QUESTION: Option<u8> = Some(3);
    const SUMMARY: &'static str = "linear probe on the frozen image encoder";
    const ANSWERS: &'static [&'static str] = &["q3e"];
    const CODE_VERSION: u32 = 2;

    fn check(p: &LinearProbeParams, needs: &[String], v: &mut Violations) {
        if let Some(id) = &p.class_embedding {
            require_needed("class_embedding", id, needs, v);
        }
    }

    fn run(p: &Self::Params, ctx: &TaskContext) -> Result<()> {
        run(p, ctx)
    }
}

/// What (e) found; accuracies are level within `ACCURACY_TOLERANCE`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ProbeFindings {
    pub probe_vs_zero_shot: Option<Outcome>,
    /// The gradient-descent probe against the L-BFGS reference.
    pub probe_vs_lbfgs: Option<Outcome>,
    /// (d)'s text-initialised head against the probe at the fewest shots.
    pub text_init_vs_probe_at_fewest: Option<Outcome>,
}

/// (e)'s methods, in the order they run and are reported.
const OWN_METHODS: [ProbeMethod; 2] = [ProbeMethod::Probe, ProbeMethod::Lbfgs];

pub fn run(params: &LinearProbeParams, ctx: &TaskContext) -> Result<()> {
    let p = &params.settings();
    let prep = prepare(p, ctx)?;
    let methods = study::selected(&params.methods, &OWN_METHODS);
    let s = study::run(&prep, p, &methods, ctx)?;
    let run_of = |m: Method| s.runs.iter().find(|r| r.method == m);
    let mut found = ProbeFindings::default();
    if let Some(probe) = run_of(Method::Probe) {
        ctx.value("probe_minus_zero_shot", probe.test.top1 - s.zero_shot.top1);
        found.probe_vs_zero_shot = Some(Outcome::accuracy(probe.test.top1, s.zero_shot.top1));
    }
    if let (Some(probe), Some(lbfgs)) = (run_of(Method::Probe), run_of(Method::Lbfgs)) {
        ctx.value("probe_minus_lbfgs", probe.test.top1 - lbfgs.test.top1);
        found.probe_vs_lbfgs = Some(Outcome::accuracy(probe.test.top1, lbfgs.test.top1));
    }
    // The CLIP paper: zero-shot CLIP matches a linear probe trained on about 4 images a class.
    if let Some(probe) = s.curves.iter().find(|c| c.method == Method::Probe.key()) {
        let matched = probe.points.iter().find(|pt| pt.mean >= s.zero_shot.top1);
        ctx.value("probe_matches_zero_shot_at", images_value(matched));
    }
    let Some(other) = &params.class_embedding else {
        ctx.findings(&found);
        return Ok(());
    };
    let stored = Stored::read(ctx, other)?;
    anyhow::ensure!(
        stored.value("model").as_str() == Some(prep.model_name.as_str()),
        "`{other}` used the model {}, this experiment {}; compare experiments of the same model",
        stored.value("model"),
        prep.model_name
    );
    // One table with zero-shot, (d) and (e).
    let theirs = stored.table("methods").context(format!("`{other}` stored no methods table"))?;
    let ours = study::methods_table(&s.zero_shot, &s.runs);
    let mut all = ResultTable { name: "all_methods".into(), title: "Zero-shot, (d) and (e) on the test split".into(), columns: theirs.columns.clone(), rows: theirs.rows.clone() };
    all.rows.extend(ours.rows.into_iter().skip(1));
    ctx.table(all);
    // One few-shot plot with every method.
    let mut curves = stored.table(few_shot::TABLE).map(few_shot::from_table).unwrap_or_default();
    let text = curves.iter().find(|c| c.method == Method::TextInit.key()).cloned();
    curves.extend(s.curves.iter().cloned());
    if !curves.is_empty() {
        ctx.table(few_shot::table("few_shot_all", &curves));
    }
    let probe = s.curves.iter().find(|c| c.method == Method::Probe.key());
    if let (Some(text), Some(probe)) = (text, probe) {
        if let (Some(t), Some(l)) = (text.points.first(), probe.points.first()) {
            ctx.value("text_init_fewest_top1", t.mean);
            ctx.value("probe_fewest_top1", l.mean);
            found.text_init_vs_probe_at_fewest = Some(Outcome::accuracy(t.mean, l.mean));
        }
        ctx.value("probe_meets_text_init_at", images_value(first_meeting(&text, probe)));
        if let (Some(t), Some(l)) = (text.points.last(), probe.points.last()) {
            ctx.value("probe_minus_text_init_full", l.mean - t.mean);
        }
    }
    ctx.value("compared_with", other.clone());
    ctx.findings(&found);
    Ok(())
}
