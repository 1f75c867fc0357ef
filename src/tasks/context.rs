//! What a running task sees: its identity, device and seed, and calls that turn into
//! events. Tasks never touch the UI or the store, and know no file layout beyond the
//! directory they are handed for artifacts.
use crate::events::{CancelToken, Cancelled, Event, LogLevel, StageState};
use crate::results::ResultTable;
use anyhow::{Context as _, Result};
use std::path::PathBuf;

/// Where events go; the runner's implementation persists them and forwards them to the UI.
pub trait EventSink: Send + Sync {
    fn emit(&self, event: Event);
}

pub struct TaskContext<'a> {
    pub exp_id: String,
    pub seed: u64,
    pub device: tch::Device,
    sink: &'a dyn EventSink,
    cancel: &'a CancelToken,
    out_dir: PathBuf,
}

impl<'a> TaskContext<'a> {
    pub fn new(exp_id: &str, seed: u64, device: tch::Device, sink: &'a dyn EventSink, cancel: &'a CancelToken, out_dir: PathBuf) -> Self {
        Self { exp_id: exp_id.to_string(), seed, device, sink, cancel, out_dir }
    }

    fn emit(&self, event: Event) {
        self.sink.emit(event);
    }

    /// Runs `body` as a named stage (started/finished events around it).
    pub fn stage<T>(&self, name: &str, body: impl FnOnce() -> Result<T>) -> Result<T> {
        self.check_cancelled()?;
        self.emit(Event::Stage { exp: self.exp_id.clone(), name: name.into(), state: StageState::Started });
        let out = body()?;
        self.emit(Event::Stage { exp: self.exp_id.clone(), name: name.into(), state: StageState::Finished });
        Ok(out)
    }

    pub fn progress(&self, done: u64, total: u64, unit: &str) {
        self.emit(Event::Progress { exp: self.exp_id.clone(), done, total, unit: unit.into() });
    }

    pub fn metric(&self, name: &str, step: u64, value: f64) {
        self.emit(Event::Metric { exp: self.exp_id.clone(), name: name.into(), step, value });
    }

    pub fn log(&self, line: impl Into<String>) {
        self.emit(Event::Log { exp: self.exp_id.clone(), level: LogLevel::Info, line: line.into() });
    }

    pub fn warn(&self, line: impl Into<String>) {
        self.emit(Event::Log { exp: self.exp_id.clone(), level: LogLevel::Warn, line: line.into() });
    }

    pub fn table(&self, table: ResultTable) {
        self.emit(Event::Table { exp: self.exp_id.clone(), table });
    }

    pub fn value(&self, name: &str, value: impl Into<serde_json::Value>) {
        self.emit(Event::Value { exp: self.exp_id.clone(), name: name.into(), value: value.into() });
    }

    /// Writes a file into the experiment's directory (atomically) and announces it.
    pub fn artifact(&self, name: &str, file_name: &str, bytes: &[u8]) -> Result<()> {
        let path = self.out_dir.join(file_name);
        crate::store::atomic::write(&path, bytes).with_context(|| format!("saving artifact {name}"))?;
        self.emit(Event::Artifact { exp: self.exp_id.clone(), name: name.into(), file: file_name.into() });
        Ok(())
    }

    /// Err(Cancelled) once the user asked to stop; call it every step.
    pub fn check_cancelled(&self) -> Result<()> {
        if self.cancel.is_cancelled() {
            return Err(Cancelled.into());
        }
        Ok(())
    }
}
