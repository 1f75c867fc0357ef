//! The one event stream every consumer (TUI, headless printer, store) reads, and the
//! cancel flag that flows the other way.
use crate::results::ResultTable;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageState {
    Started,
    Finished,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    Info,
    Warn,
}

/// Final state of a whole run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    /// Every selected experiment finished (or was reused).
    Finished,
    /// At least one experiment failed; the others ran.
    Failed,
    Cancelled,
    /// The process died mid-run (found on the next start).
    Interrupted,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Finished => "finished",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
            RunStatus::Interrupted => "interrupted",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Running, Self::Finished, Self::Failed, Self::Cancelled, Self::Interrupted]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    RunStarted { run_id: String, suite: String, selected: Vec<String> },
    ExperimentStarted { exp: String, spec_hash: String, device: String },
    Stage { exp: String, name: String, state: StageState },
    Progress { exp: String, done: u64, total: u64, unit: String },
    Metric { exp: String, name: String, step: u64, value: f64 },
    Log { exp: String, level: LogLevel, line: String },
    Table { exp: String, table: ResultTable },
    /// A file the task wrote into its experiment directory.
    Artifact { exp: String, name: String, file: String },
    Finished { exp: String, seconds: f64, reused_from: Option<String> },
    Failed { exp: String, error: String },
    Cancelled { exp: String },
    /// A named scalar result (accuracy, counts) the report and the dashboard show.
    Value { exp: String, name: String, value: serde_json::Value },
    /// Not run: disabled in the suite, or a dependency did not finish.
    Skipped { exp: String, reason: String },
    RunFinished { run_id: String, status: RunStatus },
}

impl Event {
    /// The experiment an event belongs to, if any.
    pub fn exp(&self) -> Option<&str> {
        match self {
            Event::RunStarted { .. } | Event::RunFinished { .. } => None,
            Event::ExperimentStarted { exp, .. }
            | Event::Stage { exp, .. }
            | Event::Progress { exp, .. }
            | Event::Metric { exp, .. }
            | Event::Log { exp, .. }
            | Event::Table { exp, .. }
            | Event::Artifact { exp, .. }
            | Event::Value { exp, .. }
            | Event::Finished { exp, .. }
            | Event::Failed { exp, .. }
            | Event::Cancelled { exp }
            | Event::Skipped { exp, .. } => Some(exp),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// The error a task returns when it stops because of a cancel request.
#[derive(Debug, thiserror::Error)]
#[error("cancelled by the user")]
pub struct Cancelled;
