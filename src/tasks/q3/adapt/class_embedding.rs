//! `clip_class_embedding` (Q3d): a trainable embedding per class, (d1) in the joint
//! embedding space (text-initialised, and randomly initialised as an ablation) and (d2)
//! as CoOp context tokens fed through the frozen text encoder.
use super::few_shot::first_meeting;
use super::fit::predict;
use super::methods::Method;
use super::{prepare, study};
use crate::nn::class_head::CosineHead;
use crate::tasks::q3::params::{ClassEmbeddingMethod, ClassEmbeddingParams};
use crate::tasks::registry::Task;
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
    const CODE_VERSION: u32 = 1;

    fn run(p: &Self::Params, ctx: &TaskContext) -> Result<()> {
        run(p, ctx)
    }
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
    let curve = |m: Method| s.curves.iter().find(|c| c.method == m.label());
    if let (Some(text), Some(random)) = (curve(Method::TextInit), curve(Method::RandomInit)) {
        if let (Some(t), Some(r)) = (text.points.first(), random.points.first()) {
            ctx.value("text_beats_random_at_fewest", t.mean > r.mean);
            ctx.value("text_minus_random_at_fewest", t.mean - r.mean);
        }
        ctx.value("random_meets_text_at", first_meeting(text, random).map_or(serde_json::Value::Null, serde_json::Value::from));
    }
    if let Some(best) = s.runs.iter().max_by(|a, b| a.test.top1.total_cmp(&b.test.top1)) {
        ctx.value("best_method", best.method.label());
        ctx.value("best_top1", best.test.top1);
        ctx.value("best_gain_over_zero_shot", best.test.top1 - s.zero_shot.top1);
    }
    Ok(())
}
