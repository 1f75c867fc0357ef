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

/// The state of one experiment, as the store keeps it and the views show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpStatus {
    /// Selected, not started yet.
    #[default]
    Pending,
    /// Waiting in the dashboard's run that was just started.
    Queued,
    /// `enabled: false` in the suite (the dashboard's view of the suite).
    Disabled,
    Running,
    Finished,
    Failed,
    Cancelled,
    /// Not run: disabled, or a dependency did not finish.
    Skipped,
    /// The process died while it was running (found on the next start).
    Interrupted,
}

impl ExpStatus {
    pub const ALL: [ExpStatus; 9] = [
        ExpStatus::Pending,
        ExpStatus::Queued,
        ExpStatus::Disabled,
        ExpStatus::Running,
        ExpStatus::Finished,
        ExpStatus::Failed,
        ExpStatus::Cancelled,
        ExpStatus::Skipped,
        ExpStatus::Interrupted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExpStatus::Pending => "pending",
            ExpStatus::Queued => "queued",
            ExpStatus::Disabled => "disabled",
            ExpStatus::Running => "running",
            ExpStatus::Finished => "finished",
            ExpStatus::Failed => "failed",
            ExpStatus::Cancelled => "cancelled",
            ExpStatus::Skipped => "skipped",
            ExpStatus::Interrupted => "interrupted",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl std::fmt::Display for ExpStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    RunStarted { run_id: String, suite: String, selected: Vec<String> },
    /// How long an experiment is expected to take: its last run's time (0 when its
    /// result will be reused). Sent after `RunStarted` for those that have one.
    Estimate { exp: String, seconds: f64 },
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
    /// The text a language model is generating for the current prompt (`label`), with the
    /// tokens so far and the decode rate. Shown live, not stored (it comes once per token).
    Generating { exp: String, label: String, text: String, tokens: u64, tokens_per_s: f64 },
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
            | Event::Skipped { exp, .. }
            | Event::Estimate { exp, .. }
            | Event::Generating { exp, .. } => Some(exp),
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
