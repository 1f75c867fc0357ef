//! Runs a suite's selected experiments in dependency order on a worker thread.
//! Each experiment is reused when an earlier run finished one with the same spec hash
//! (its params, seed, device, task code version and its inputs' hashes), unless forced.
use crate::paths::Paths;
use super::recorder::Recorder;
use super::{device, select};
use crate::events::{CancelToken, Cancelled, Event, RunStatus};
use crate::spec::{Experiment, Suite};
use crate::store::{NewExperiment, Store};
use crate::tasks::{self, EventSink, TaskContext};
use anyhow::{Context, Result};
use crossbeam_channel::Receiver;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::thread::JoinHandle;
use std::time::Instant;

/// The worker thread's name; panic hooks use it to leave task panics to the runner.
pub const RUNNER_THREAD: &str = "adaptlab-runner";

/// libtorch's random generator is process-wide: two experiments running at once in one
/// process (two runs, or tests) would interleave their draws and break "same seed, same
/// result". Seeding and running a task happen under this lock.
static TORCH_RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Run only these ids (and what they need); empty = the whole suite.
    pub only: Vec<String>,
    /// Recompute even when an identical finished experiment exists.
    pub force: bool,
}

#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub run_id: String,
    pub status: RunStatus,
    /// Ids that failed or were skipped because a dependency did not finish.
    pub not_finished: Vec<String>,
    pub store_failures: Vec<String>,
}

pub struct RunHandle {
    pub run_id: String,
    pub events: Receiver<Event>,
    pub cancel: CancelToken,
    join: JoinHandle<RunOutcome>,
}

impl RunHandle {
    /// Waits for the worker; a worker that died is reported as an error.
    pub fn wait(self) -> Result<RunOutcome> {
        self.join.join().map_err(|_| anyhow::anyhow!("the runner thread crashed; the run is recorded as interrupted"))
    }

    pub fn is_finished(&self) -> bool {
        self.join.is_finished()
    }
}

/// Creates the run in the store under `paths.home` and starts it on a worker thread.
pub fn start(suite: Suite, options: RunOptions, paths: &Paths) -> Result<RunHandle> {
    let selected = select::select(&suite, &options.only)?;
    paths.sweep_stale_temporaries();
    crate::fsx::ensure_writable(&paths.home, "ADAPTLAB_HOME")?;
    crate::fsx::ensure_writable(&paths.cache, "ADAPTLAB_CACHE")?;
    let store = Store::open(&paths.home)?;
    let run_id = store.create_run(&suite.name, &suite.source, &suite.text, &selected)?;
    for (position, id) in selected.iter().enumerate() {
        let e = suite.experiment(id).context("selected id is in the suite")?;
        store.add_experiment(&run_id, position, &NewExperiment {
            exp_id: &e.id,
            part: &e.part.to_string(),
            task: e.task,
            title: &e.stored_title(),
            seed: e.seed,
            device: &e.device.to_string(),
        })?;
    }
    let (tx, rx) = crossbeam_channel::unbounded();
    let recorder = Recorder::new(store, &run_id, tx)?;
    let cancel = CancelToken::default();
    let worker_cancel = cancel.clone();
    let id = run_id.clone();
    let paths = paths.clone();
    let join = std::thread::Builder::new()
        .name(RUNNER_THREAD.into())
        .spawn(move || execute(&suite, &selected, &options, &paths, &recorder, &worker_cancel, &id))
        .context("starting the runner thread")?;
    Ok(RunHandle { run_id, events: rx, cancel, join })
}

impl EventSink for Recorder {
    fn emit(&self, event: Event) {
        self.record(event);
    }
}

fn execute(suite: &Suite, selected: &[String], options: &RunOptions, paths: &Paths, rec: &Recorder, cancel: &CancelToken, run_id: &str) -> RunOutcome {
    rec.record(Event::RunStarted { run_id: run_id.into(), suite: suite.name.clone(), selected: selected.to_vec() });
    let hashes = spec_hashes(suite, selected);
    send_estimates(suite, selected, &hashes, options.force, rec);
    let mut finished: HashSet<&str> = HashSet::new();
    let mut not_finished = Vec::new();
    let mut cancelled = false;
    for id in selected {
        let Some(exp) = suite.experiment(id) else { continue };
        let exp_id = exp.id.clone();
        if !exp.enabled && !options.only.contains(&exp.id) {
            rec.record(Event::Skipped { exp: exp_id, reason: "disabled in the suite (`enabled: false`)".into() });
            continue;
        }
        if cancel.is_cancelled() {
            cancelled = true;
            rec.record(Event::Cancelled { exp: exp_id });
            continue;
        }
        if let Some(missing) = exp.needs.iter().find(|n| !finished.contains(n.as_str())) {
            not_finished.push(exp_id.clone());
            rec.record(Event::Skipped { exp: exp_id, reason: format!("needs `{missing}`, which did not finish") });
            continue;
        }
        let hash = &hashes[exp.id.as_str()];
        match run_one(exp, hash, options.force, paths, rec, cancel) {
            Outcome::Finished => {
                finished.insert(&exp.id);
            }
            Outcome::Failed => not_finished.push(exp_id),
            Outcome::Cancelled => cancelled = true,
        }
    }
    let status = if cancelled {
        RunStatus::Cancelled
    } else if not_finished.is_empty() {
        RunStatus::Finished
    } else {
        RunStatus::Failed
    };
    rec.record(Event::RunFinished { run_id: run_id.into(), status });
    RunOutcome { run_id: run_id.into(), status, not_finished, store_failures: rec.store_failures() }
}

enum Outcome {
    Finished,
    Failed,
    Cancelled,
}

fn run_one(exp: &Experiment, hash: &str, force: bool, paths: &Paths, rec: &Recorder, cancel: &CancelToken) -> Outcome {
    let exp_id = exp.id.clone();
    let device = match device::resolve(exp.device) {
        Ok(d) => d,
        Err(e) => {
            rec.record(Event::Failed { exp: exp_id, error: format!("{e:#}") });
            return Outcome::Failed;
        }
    };
    if !force {
        match reuse(exp, hash, rec) {
            Ok(true) => return Outcome::Finished,
            Ok(false) => {}
            Err(e) => rec.record(Event::Log {
                exp: exp_id.clone(),
                level: crate::events::LogLevel::Warn,
                line: format!("could not reuse the earlier result, recomputing: {e:#}"),
            }),
        }
    }
    rec.record(Event::ExperimentStarted { exp: exp_id.clone(), spec_hash: hash.into(), device: device::name(device) });
    if let Err(e) = fetch_on_first_use(exp, paths, rec) {
        rec.record(Event::Failed { exp: exp_id, error: format!("{e:#}") });
        return Outcome::Failed;
    }
    let _rng = TORCH_RNG.lock().unwrap_or_else(|p| p.into_inner());
    tch::manual_seed(exp.seed as i64);
    let (out_dir, inputs) = rec.with_store(|s, run| {
        let inputs = exp.needs.iter().map(|n| (n.clone(), s.exp_dir(run, n))).collect();
        (s.exp_dir(run, &exp.id), inputs)
    });
    let resume_dir = paths.resume(hash);
    if force {
        let _ = std::fs::remove_dir_all(&resume_dir);
    }
    carry_curves_over(exp, hash, &resume_dir, rec);
    let ctx = TaskContext::new(&exp.id, exp.seed, device, rec, cancel, out_dir, paths.clone()).with_inputs(inputs).with_resume_dir(resume_dir.clone());
    let started = Instant::now();
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| match tasks::find(exp.task) {
        Some(task) => task.run(&exp.params, &ctx),
        None => Err(anyhow::anyhow!("no task kind `{}` in this build", exp.task)),
    }));
    // Files decoded although truncated (--load-truncated-images) are named, never silent.
    if let Some(warning) = crate::data::image::decode::truncated_loaded_warning() {
        ctx.warn(warning);
    }
    match result {
        Ok(Ok(())) => {
            // Finished: the checkpoints of earlier attempts are no longer needed.
            let _ = std::fs::remove_dir_all(&resume_dir);
            rec.record(Event::Finished { exp: exp_id, seconds: started.elapsed().as_secs_f64(), reused_from: None });
            Outcome::Finished
        }
        Ok(Err(e)) if e.is::<Cancelled>() => {
            rec.record(Event::Cancelled { exp: exp_id });
            Outcome::Cancelled
        }
        Ok(Err(e)) => {
            rec.record(Event::Failed { exp: exp_id, error: format!("{e:#}") });
            Outcome::Failed
        }
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            rec.record(Event::Failed { exp: exp_id, error: format!("the task crashed: {message}") });
            Outcome::Failed
        }
    }
}

/// Copies an identical earlier result into this run and replays it to the live view.
fn reuse(exp: &Experiment, hash: &str, rec: &Recorder) -> Result<bool> {
    let earlier = rec.with_store(|s, _| s.find_reusable(hash))?;
    let Some((from_run, from_exp)) = earlier else { return Ok(false) };
    let (rows, tables, metrics) = rec.with_store(|s, run| -> Result<_> {
        s.experiment_started(run, &exp.id, hash, &exp.device.to_string())?;
        s.copy_results(&from_run, &from_exp, run, &exp.id)?;
        Ok((s.experiments(&from_run)?, s.tables(run, &exp.id)?, s.metrics(run, &exp.id)?))
    })?;
    let source = rows.into_iter().find(|r| r.exp_id == from_exp);
    for (name, value) in source.as_ref().map(|r| r.values.clone()).unwrap_or_default() {
        rec.record(Event::Value { exp: exp.id.clone(), name, value });
    }
    for table in tables {
        rec.forward(Event::Table { exp: exp.id.clone(), table });
    }
    for (name, step, value) in metrics {
        rec.forward(Event::Metric { exp: exp.id.clone(), name, step, value });
    }
    let seconds = source.and_then(|r| r.seconds).unwrap_or(0.0);
    rec.record(Event::Finished { exp: exp.id.clone(), seconds, reused_from: Some(from_run) });
    Ok(true)
}

/// The spec hash of every selected experiment, in suite order (a dependency's comes first).
/// An experiment only runs once its dependencies finished, so these are the hashes its
/// run would compute.
fn spec_hashes<'a>(suite: &'a Suite, selected: &[String]) -> HashMap<&'a str, String> {
    let mut hashes: HashMap<&str, String> = HashMap::new();
    for exp in selected.iter().filter_map(|id| suite.experiment(id)) {
        let hash = spec_hash(exp, &hashes);
        hashes.insert(&exp.id, hash);
    }
    hashes
}

/// Each experiment's expected time, for the suite's ETA: 0 when an identical result will
/// be reused, else how long it took last time; none when it never ran.
fn send_estimates(suite: &Suite, selected: &[String], hashes: &HashMap<&str, String>, force: bool, rec: &Recorder) {
    for exp in selected.iter().filter_map(|id| suite.experiment(id)) {
        let hash = &hashes[exp.id.as_str()];
        let seconds = rec.with_store(|s, _| -> Result<Option<f64>> {
            if !force && s.find_reusable(hash)?.is_some() {
                return Ok(Some(0.0));
            }
            s.last_seconds(hash, &exp.id, &suite.name)
        });
        if let Ok(Some(seconds)) = seconds {
            rec.forward(Event::Estimate { exp: exp.id.clone(), seconds });
        }
    }
}

/// When the experiment resumes from checkpoints, the curves its earlier attempt logged
/// come along: parts it finished are not trained (nor logged) again, and steps after the
/// checkpoint are logged again with the same values, replacing the copies.
fn carry_curves_over(exp: &Experiment, hash: &str, resume_dir: &std::path::Path, rec: &Recorder) {
    let has_checkpoints = std::fs::read_dir(resume_dir).map(|mut d| d.next().is_some()).unwrap_or(false);
    if !has_checkpoints {
        return;
    }
    let copied = rec.with_store(|s, run| -> Result<Vec<(String, u64, f64)>> {
        let Some((from_run, from_exp)) = s.find_unfinished_attempt(hash, run)? else { return Ok(Vec::new()) };
        s.copy_metrics(&from_run, &from_exp, run, &exp.id)?;
        s.metrics(run, &exp.id)
    });
    match copied {
        Ok(points) => {
            for (name, step, value) in points {
                rec.forward(Event::Metric { exp: exp.id.clone(), name, step, value });
            }
        }
        Err(e) => rec.record(Event::Log { exp: exp.id.clone(), level: crate::events::LogLevel::Warn, line: format!("the curves of the interrupted attempt could not be carried over: {e:#}") }),
    }
}

/// Downloads the weights and data sets the experiment names that are not here yet (unless
/// offline, when the task's own message says what to fetch), with progress in its log.
fn fetch_on_first_use(exp: &Experiment, paths: &Paths, rec: &Recorder) -> Result<()> {
    use crate::hub::needs::{of_params, offline};
    if offline() {
        return Ok(());
    }
    for need in of_params(exp.params.json()).into_iter().filter(|n| !n.present(paths)) {
        let log = |line: String| rec.record(Event::Log { exp: exp.id.clone(), level: crate::events::LogLevel::Info, line });
        log(format!("downloading {} (first use; HF_HUB_OFFLINE=1 or --offline turns this off)", need.name()));
        let last_tenth = std::cell::Cell::new(u64::MAX);
        let report = |done: u64, total: Option<u64>| {
            let Some(total) = total.filter(|&t| t > 0) else { return };
            let tenth = done * 10 / total;
            if tenth != last_tenth.get() {
                last_tenth.set(tenth);
                log(format!("  {} / {} MB ({}%)", done >> 20, total >> 20, tenth * 10));
            }
        };
        need.fetch(paths, &crate::hub::download::Progress { report: &report })
            .with_context(|| format!("downloading {} (or fetch it by hand: `{}`)", need.name(), need.command()))?;
    }
    Ok(())
}

/// sha256 over what decides the result: the experiment's identity, its task's code
/// version, and the hashes of the experiments it reads from.
pub fn spec_hash(exp: &Experiment, known: &HashMap<&str, String>) -> String {
    let needs: Vec<&str> = exp.needs.iter().map(|n| known.get(n.as_str()).map_or("?", String::as_str)).collect();
    let mut doc = serde_json::json!({
        "identity": exp.identity(),
        "code_version": tasks::find(exp.task).map_or(0, |t| t.code_version()),
        "needs": needs,
    });
    // Decoding truncated images changes which images a run sees; only when switched on,
    // so every other hash stays as it was.
    if crate::data::image::decode::load_truncated() {
        doc["load_truncated_images"] = serde_json::json!(true);
    }
    hex::encode(Sha256::digest(doc.to_string().as_bytes()))
}
