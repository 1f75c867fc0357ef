//! What a running task sees: its identity, device and seed, the locations it may read
//! and write (its output folder, the caches in `Paths`), and calls that turn into events.
//! Tasks never touch the UI or the store, and never read the environment.
use crate::fsx;
use crate::paths::Paths;
use crate::events::{CancelToken, Cancelled, Event, LogLevel, StageState};
use crate::results::ResultTable;
use anyhow::{Context as _, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

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
    /// Output directories of the experiments this one `needs`, by id.
    inputs: HashMap<String, PathBuf>,
    /// Survives an interrupted attempt of this same experiment (same spec hash).
    resume_dir: Option<PathBuf>,
    paths: Paths,
}

impl<'a> TaskContext<'a> {
    pub fn new(exp_id: &str, seed: u64, device: tch::Device, sink: &'a dyn EventSink, cancel: &'a CancelToken, out_dir: PathBuf, paths: Paths) -> Self {
        Self { exp_id: exp_id.to_string(), seed, device, sink, cancel, out_dir, inputs: HashMap::new(), resume_dir: None, paths }
    }

    /// The run store, caches and hub folders of this run.
    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    pub fn with_resume_dir(mut self, dir: PathBuf) -> Self {
        self.resume_dir = Some(dir);
        self
    }

    /// A folder for checkpoints that outlives an interrupted attempt: the next attempt of
    /// the same experiment (same spec hash) finds them there. The runner removes it once
    /// the experiment finishes. Without a runner, a folder inside the output directory.
    pub fn resume_dir(&self) -> PathBuf {
        self.resume_dir.clone().unwrap_or_else(|| self.out_dir.join("resume"))
    }

    pub fn with_inputs(mut self, inputs: HashMap<String, PathBuf>) -> Self {
        self.inputs = inputs;
        self
    }

    /// A file another experiment (one this one `needs`) wrote as an artifact.
    pub fn input_file(&self, exp_id: &str, file_name: &str) -> Result<PathBuf> {
        let dir = self.inputs.get(exp_id).with_context(|| format!("experiment `{exp_id}` is not among this experiment's `needs`"))?;
        let path = dir.join(file_name);
        anyhow::ensure!(path.exists(), "`{exp_id}` did not produce {file_name} (looked in {})", dir.display());
        Ok(path)
    }

    /// The id of a needed experiment that produced `file_name`.
    pub fn input_with_file(&self, file_name: &str) -> Option<String> {
        let mut ids: Vec<&String> = self.inputs.keys().collect();
        ids.sort();
        ids.into_iter().find(|id| self.inputs[*id].join(file_name).is_file()).cloned()
    }

    /// Writes an artifact through `write` (given the final path's temporary sibling),
    /// then moves it into place and announces it; for files written by other libraries.
    pub fn artifact_with(&self, name: &str, file_name: &str, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
        fsx::write_atomic_with(&self.out_dir.join(file_name), write).with_context(|| format!("saving artifact {name}"))?;
        self.emit(Event::Artifact { exp: self.exp_id.clone(), name: name.into(), file: file_name.into() });
        Ok(())
    }

    /// Writes a file into the experiment's directory (atomically) and announces it.
    pub fn artifact(&self, name: &str, file_name: &str, bytes: &[u8]) -> Result<()> {
        fsx::write_atomic(&self.out_dir.join(file_name), bytes).with_context(|| format!("saving artifact {name}"))?;
        self.emit(Event::Artifact { exp: self.exp_id.clone(), name: name.into(), file: file_name.into() });
        Ok(())
    }

    /// This experiment's output folder.
    pub fn out_dir(&self) -> &Path {
        &self.out_dir
    }

    /// Writes a folder artifact through `write` (given a temporary sibling folder), then
    /// moves it into place and announces it; returns its final path.
    pub fn artifact_dir(&self, name: &str, dir_name: &str, write: impl FnOnce(&Path) -> Result<()>) -> Result<PathBuf> {
        let dest = fsx::replace_dir(&self.out_dir.join(dir_name), write).with_context(|| format!("saving artifact {name}"))?;
        self.emit(Event::Artifact { exp: self.exp_id.clone(), name: name.into(), file: dir_name.into() });
        Ok(dest)
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

    /// The text being generated for `label` (a prompt's id), for the live pane.
    pub fn generating(&self, label: &str, text: &str, tokens: u64, tokens_per_s: f64) {
        self.emit(Event::Generating { exp: self.exp_id.clone(), label: label.into(), text: text.into(), tokens, tokens_per_s });
    }

    pub fn table(&self, table: ResultTable) {
        self.emit(Event::Table { exp: self.exp_id.clone(), table });
    }

    pub fn value(&self, name: &str, value: impl Into<serde_json::Value>) {
        self.emit(Event::Value { exp: self.exp_id.clone(), name: name.into(), value: value.into() });
    }

    /// The task's verdicts (which prompt won, whether LoRA reaches full fine-tuning ...),
    /// stored as the value `findings`; the report picks its sentences by them.
    pub fn findings(&self, findings: &impl serde::Serialize) {
        // Plain data (enums, numbers, options) always serialises.
        self.value("findings", serde_json::to_value(findings).unwrap_or_default());
    }

    /// Err(Cancelled) once the user asked to stop; call it every step.
    pub fn check_cancelled(&self) -> Result<()> {
        if self.cancel.is_cancelled() {
            return Err(Cancelled.into());
        }
        Ok(())
    }
}

impl crate::train::Observer for TaskContext<'_> {
    fn metric(&self, name: &str, step: u64, value: f64) {
        TaskContext::metric(self, name, step, value);
    }

    fn progress(&self, done: u64, total: u64, unit: &str) {
        TaskContext::progress(self, done, total, unit);
    }

    fn log(&self, line: String) {
        TaskContext::log(self, line);
    }

    fn check_cancelled(&self) -> Result<()> {
        TaskContext::check_cancelled(self)
    }
}
