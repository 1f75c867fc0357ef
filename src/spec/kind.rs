//! What the suite loader needs to know of a task kind, without knowing the tasks:
//! its YAML name, the question it answers, and how to read and check its params.
//! The task registry (`tasks::registry`) implements this for every kind and hands the
//! list to `parse_suite`, so spec never imports tasks.
use super::validate::Violations;
use std::any::Any;
use std::sync::Arc;

pub type ParamsError = serde_path_to_error::Error<serde_norway::Error>;

pub trait KindDef: Send + Sync {
    /// The YAML `task:` name, also the name of its report partial.
    fn name(&self) -> &'static str;
    /// The homework question (1..=5); None for the demo's pipeline check.
    fn question(&self) -> Option<u8>;
    fn summary(&self) -> &'static str;
    /// False for kinds that suites may list but this build cannot run yet.
    fn implemented(&self) -> bool;
    /// Reads the params block (unknown keys are an error) and checks it, including the
    /// checks that need the experiment's `needs`; problems go into `v` by field.
    fn parse_params(&self, value: serde_norway::Value, needs: &[String], v: &mut Violations) -> Result<Params, ParamsError>;
}

/// A kind's params after parsing: the typed value its task reads, and the JSON form that
/// enters the experiment's identity hash (only the fields the kind reads).
#[derive(Clone)]
pub struct Params {
    json: serde_json::Value,
    typed: Arc<dyn Any + Send + Sync>,
}

impl Params {
    pub fn new<T: serde::Serialize + Send + Sync + 'static>(typed: T) -> Result<Params, serde_json::Error> {
        Ok(Params { json: serde_json::to_value(&typed)?, typed: Arc::new(typed) })
    }

    pub fn json(&self) -> &serde_json::Value {
        &self.json
    }

    /// The typed params, if they are of type `T`.
    pub fn get<T: 'static>(&self) -> Option<&T> {
        self.typed.downcast_ref()
    }
}

impl std::fmt::Debug for Params {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Params({})", self.json)
    }
}

impl PartialEq for Params {
    fn eq(&self, other: &Self) -> bool {
        self.json == other.json
    }
}
