//! `clip_class_embedding` (Q3d): a trainable embedding per class, (d1) in the joint
//! embedding space (text-initialised, and randomly initialised as an ablation) and (d2)
//! as CoOp context tokens fed through the frozen text encoder.
use super::few_shot::{first_meeting, images_value};
use super::fit::predict;
use super::methods::Method;
use super::{prepare, study};
use crate::nn::class_head::CosineHead;
use crate::tasks::q3::params::{ClassEmbeddingMethod, ClassEmbeddingParams};
use crate::findings::Outcome;
use crate::tasks::registry::Task;
use serde::Serialize;
use crate::tasks::TaskContext;
use anyhow::Result;
use tch::nn::VarStore;

/// The `clip_class_embedding` kind.
pub struct ClipClassEmbedding;

impl Task for ClipClassEmbedding {
    type Params = ClassEmbeddingParams;
    const KIND: &'static str = "clip_class_embedding";
    const QUESTION: Option<u8> = Some(3);
    const SUMMARY: &'static str = "a trainable embedding per class";
    const ANSWERS: &'static [&'static str] = &["q3d"];
    const CODE_VERSION: u32 = 2;

    fn run(p: &Self::Params, ctx: &TaskContext) -> Result<()> {
        run(p, ctx)
    }
}

/// What (d) found; comparisons of accuracies are level within `ACCURACY_TOLERANCE`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ClassEmbeddingFindings {
    /// Whether validation chose to train the text-initialised head at all (a best step
    /// above 0); false keeps the zero-shot vectors.
    pub text_init_trained: Option<bool>,
    /// CoOp against the text-initialised joint-space head, on test.
    pub coop_vs_head: Option<Outcome>,
    /// The text-initialised head against the random one at the fewest shots.
    pub text_vs_random_at_fewest: Option<Outcome>,
    /// More than one method shares the best test accuracy.
    pub best_tie: bool,
    /// The best method against zero-shot CLIP.
    pub best_vs_zero_shot: Option<Outcome>,
}

/// (d)'s methods, in the order they run and are reported.
const OWN_METHODS: [ClassEmbeddingMethod; 3] = [ClassEmbeddingMethod::TextInit, ClassEmbeddingMethod::RandomInit, ClassEmbeddingMethod::Coop];

pub fn run(params: &ClassEmbeddingParams, ctx: &TaskContext) -> Result<()> {
    let p = &params.settings();
    let prep = prepare(p, ctx)?;
    // Before any training the text-initialised head must be zero-shot CLIP itself.
    let agreement = {
        let vs = VarStore::new(ctx.device);
        let head = CosineHead::from_embeddings(&vs.root(), &prep.zero_shot.to_device(ctx.device), prep.scale);
        let ours = predict(&head, &prep.test_features).argmax(-1, false).to_device(tch::Device::Cpu);
        let zero_shot = prep.zero_shot_scores().argmax(-1, false);
        ours.eq_tensor(&zero_shot).to_kind(tch::Kind::Float).mean(tch::Kind::Float).double_value(&[])
    };
    ctx.value("text_init_agrees_with_zero_shot", agreement);
    if agreement < 1.0 {
        ctx.warn(format!("the text-initialised head agrees with zero-shot on only {:.3}% of test images before training", agreement * 100.0));
    }
    let methods = study::selected(&params.methods, &OWN_METHODS);
    let s = study::run(&prep, p, &methods, ctx)?;

    if s.runs.iter().any(|r| r.method == Method::Coop) {
        let (_, m, _) = super::methods::coop_tokens(&prep.names, &p.coop);
        ctx.value("coop_context_tokens", m);
        ctx.value("coop_init_words", p.coop.ctx_init.trim());
    }
    let mut found = ClassEmbeddingFindings::default();
    let curve = |m: Method| s.curves.iter().find(|c| c.method == m.key());
    if let (Some(text), Some(random)) = (curve(Method::TextInit), curve(Method::RandomInit)) {
        if let (Some(t), Some(r)) = (text.points.first(), random.points.first()) {
            ctx.value("text_minus_random_at_fewest", t.mean - r.mean);
            found.text_vs_random_at_fewest = Some(Outcome::accuracy(t.mean, r.mean));
        }
        ctx.value("random_meets_text_at", images_value(first_meeting(text, random)));
    }
    let run = |m: Method| s.runs.iter().find(|r| r.method == m);
    // The differences the text states, in points once the report formats them.
    if let Some(head) = run(Method::TextInit) {
        ctx.value("text_init_minus_zero_shot", head.test.top1 - s.zero_shot.top1);
        if let Some(random) = run(Method::RandomInit) {
            ctx.value("random_minus_text_init", random.test.top1 - head.test.top1);
        }
    }
    if let Some(coop) = run(Method::Coop) {
        ctx.value("coop_minus_zero_shot", coop.test.top1 - s.zero_shot.top1);
    }
    if let (Some(coop), Some(head)) = (run(Method::Coop), run(Method::TextInit)) {
        found.coop_vs_head = Some(Outcome::accuracy(coop.test.top1, head.test.top1));
    }
    if let Some(head) = run(Method::TextInit) {
        found.text_init_trained = head.outcome.as_ref().map(|o| o.best_step > 0);
    }
    if let Some(best) = s.runs.iter().map(|r| r.test.top1).reduce(f64::max) {
        // Every method level with the best shares the place: a tie is named as one.
        let leaders: Vec<&str> = s.runs.iter().filter(|r| Outcome::accuracy(r.test.top1, best) == Outcome::Level).map(|r| r.method.key()).collect();
        ctx.value("best_methods", leaders.clone());
        ctx.value("best_top1", best);
        ctx.value("best_gain_over_zero_shot", best - s.zero_shot.top1);
        found.best_tie = leaders.len() > 1;
        found.best_vs_zero_shot = Some(Outcome::accuracy(best, s.zero_shot.top1));
    }
    ctx.findings(&found);
    Ok(())
}
