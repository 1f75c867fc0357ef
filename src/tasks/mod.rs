//! One task per homework part: spec params in, events and result tables out.
pub mod context;
pub mod q3;
pub mod q5;
pub mod smoke;

use crate::spec::{Experiment, TaskKind, TaskParams};
pub use context::{EventSink, TaskContext};

/// The task kind exists in suites but this build does not implement it yet.
#[derive(Debug, thiserror::Error)]
#[error("task kind `{0}` is not implemented in this build of adaptlab; disable the experiment (`enabled: false`) or run the others with `--only`")]
pub struct NotImplemented(pub TaskKind);

/// Bumped when a task's code changes what it computes, so earlier results are not reused.
pub fn code_version(kind: TaskKind) -> u32 {
    match kind {
        TaskKind::Smoke => 2,
        TaskKind::ClipPretrain | TaskKind::ClipZeroShot | TaskKind::ClipTemplates | TaskKind::ClipPerClass => 1,
        TaskKind::ClipCompare => 3,
        TaskKind::ClipClassEmbedding | TaskKind::ClipLinearProbe => 1,
        TaskKind::VitPretrain | TaskKind::VitLora => 1,
        _ => 0,
    }
}

pub fn run(exp: &Experiment, ctx: &TaskContext) -> anyhow::Result<()> {
    match &exp.params {
        TaskParams::Smoke(p) => smoke::run(p, ctx),
        TaskParams::ClipPretrain(p) => q3::pretrain::run(p, ctx),
        TaskParams::ClipCompare(p) => q3::compare::run(p, ctx),
        TaskParams::ClipAdapt(p) => match exp.task {
            TaskKind::ClipClassEmbedding => q3::adapt::class_embedding::run(p, ctx),
            TaskKind::ClipLinearProbe => q3::adapt::linear_probe::run(p, ctx),
            other => Err(NotImplemented(other).into()),
        },
        TaskParams::ClipEval(p) => match exp.task {
            TaskKind::ClipZeroShot => q3::zero_shot::run(p, ctx),
            TaskKind::ClipTemplates => q3::template_study::run(p, ctx),
            TaskKind::ClipPerClass => q3::per_class::run(p, ctx),
            other => Err(NotImplemented(other).into()),
        },
        TaskParams::VitPretrain(p) => q5::pretrain::run(p, ctx),
        TaskParams::VitLora(p) => q5::lora::run(p, ctx),
        TaskParams::NotImplemented(_) => Err(NotImplemented(exp.task).into()),
    }
}
