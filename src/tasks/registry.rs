//! Every task kind, listed once. A kind is one type implementing `Task` (its params, its
//! YAML name, its question, the assignment parts it answers, its code version, its
//! cross-field checks and its run) and one line in `TASKS`, the way ripgrep lists each
//! flag once. The suite loader, the runner, `check`, the report's coverage table and
//! the dashboard all read this list; nothing else enumerates kinds.
use super::{q1, q2, q3, q4, q5, smoke, TaskContext};
use crate::spec::kind::{KindDef, Params, ParamsError};
use crate::spec::validate::{Validate, Violations};
use crate::spec::{SpecErrors, Suite, SuiteRef};
use serde::de::DeserializeOwned;
use serde::Serialize;

pub trait Task: Send + Sync + 'static {
    type Params: Serialize + DeserializeOwned + Default + Validate + Send + Sync + 'static;
    /// The YAML `task:` name and the name of its report partial.
    const KIND: &'static str;
    /// The homework question, or None for the demo's pipeline check.
    const QUESTION: Option<u8>;
    const SUMMARY: &'static str;
    /// The parts of the assignment its section answers (`Part::key` of the coverage table).
    const ANSWERS: &'static [&'static str] = &[];
    /// Bump when the code changes what it computes, so stored results are not reused.
    const CODE_VERSION: u32;
    /// Checks that need the experiment's `needs` (ids the params name must be in it).
    fn check(_p: &Self::Params, _needs: &[String], _v: &mut Violations) {}
    fn run(p: &Self::Params, ctx: &TaskContext) -> anyhow::Result<()>;
}

/// The object-safe face of a `Task`, for the list.
pub trait DynTask: KindDef {
    fn code_version(&self) -> u32;
    fn answers(&self) -> &'static [&'static str];
    fn run(&self, params: &Params, ctx: &TaskContext) -> anyhow::Result<()>;
}

impl<T: Task> KindDef for T {
    fn name(&self) -> &'static str {
        T::KIND
    }

    fn question(&self) -> Option<u8> {
        T::QUESTION
    }

    fn summary(&self) -> &'static str {
        T::SUMMARY
    }

    fn implemented(&self) -> bool {
        true
    }

    fn parse_params(&self, value: serde_norway::Value, needs: &[String], v: &mut Violations) -> Result<Params, ParamsError> {
        let p: T::Params = serde_path_to_error::deserialize(value)?;
        p.validate(v);
        T::check(&p, needs, v);
        // Params are plain data; serialising them to JSON cannot fail.
        Ok(Params::new(p).expect("params serialise to JSON"))
    }
}

impl<T: Task> DynTask for T {
    fn code_version(&self) -> u32 {
        T::CODE_VERSION
    }

    fn answers(&self) -> &'static [&'static str] {
        T::ANSWERS
    }

    fn run(&self, params: &Params, ctx: &TaskContext) -> anyhow::Result<()> {
        let p = params.get::<T::Params>().ok_or_else(|| anyhow::anyhow!("params of `{}` have the wrong type", T::KIND))?;
        T::run(p, ctx)
    }
}

/// A kind suites may list before this build implements it: any params are kept as they
/// are, and running it fails with `NotImplemented`.
pub struct Pending {
    pub kind: &'static str,
    pub question: u8,
    pub summary: &'static str,
    pub answers: &'static [&'static str],
}

impl KindDef for Pending {
    fn name(&self) -> &'static str {
        self.kind
    }

    fn question(&self) -> Option<u8> {
        Some(self.question)
    }

    fn summary(&self) -> &'static str {
        self.summary
    }

    fn implemented(&self) -> bool {
        false
    }

    fn parse_params(&self, value: serde_norway::Value, _needs: &[String], _v: &mut Violations) -> Result<Params, ParamsError> {
        let json: serde_json::Value = serde_path_to_error::deserialize(value)?;
        Ok(Params::new(json).expect("JSON serialises"))
    }
}

impl DynTask for Pending {
    fn code_version(&self) -> u32 {
        0
    }

    fn answers(&self) -> &'static [&'static str] {
        self.answers
    }

    fn run(&self, _params: &Params, _ctx: &TaskContext) -> anyhow::Result<()> {
        Err(NotImplemented(self.kind).into())
    }
}

/// The task kind exists in suites but this build does not implement it yet.
#[derive(Debug, thiserror::Error)]
#[error("task kind `{0}` is not implemented in this build of adaptlab; disable the experiment (`enabled: false`) or run the others with `--only`")]
pub struct NotImplemented(pub &'static str);

/// Every kind, in the order of the assignment.
pub static TASKS: &[&dyn DynTask] = &[
    &smoke::Smoke,
    &q1::compose::PemCompose,
    &q2::moco::MocoTask,
    &q3::pretrain::ClipPretrain,
    &q3::zero_shot::ClipZeroShot,
    &q3::template_study::ClipTemplates,
    &q3::per_class::ClipPerClass,
    &q3::adapt::class_embedding::ClipClassEmbedding,
    &q3::adapt::linear_probe::ClipLinearProbe,
    &q3::compare::ClipCompare,
    &q4::prompt_tuning::PromptTuning,
    &q4::reasoning::Reasoning,
    &q5::pretrain::VitPretrain,
    &q5::vit_lora::VitLora,
];

pub fn find(name: &str) -> Option<&'static dyn DynTask> {
    TASKS.iter().copied().find(|t| t.name() == name)
}

/// The list as the suite loader takes it.
pub fn kinds() -> Vec<&'static dyn KindDef> {
    TASKS.iter().map(|&t| t as &dyn KindDef).collect()
}

/// Parses a suite against every registered kind.
pub fn parse_suite(text: &str, file: &str) -> Result<Suite, SpecErrors> {
    crate::spec::parse_suite(text, file, &kinds())
}

/// Reads and parses a suite (a file or a built-in name) against every registered kind.
pub fn load_suite(suite: &SuiteRef) -> Result<Suite, SpecErrors> {
    crate::spec::load_suite(suite, &kinds())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_listed_once() {
        let mut names: Vec<&str> = TASKS.iter().map(|t| t.name()).collect();
        names.sort();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "a kind is listed twice");
    }
}
