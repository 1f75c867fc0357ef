//! Persists the event stream: SQLite rows for what the report and history query, and
//! `events.jsonl` + per-experiment files in the run directory. Then forwards each event
//! to the live consumer (dashboard or printer).
use crate::events::{Event, ExpStatus};
use crate::plots::{line_chart, Series};
use crate::results::ResultTable;
use crate::fsx;
use crate::store::Store;
use crossbeam_channel::Sender;
use serde::Serialize;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Recorder {
    inner: Mutex<Inner>,
    tx: Sender<Event>,
}

struct Inner {
    store: Store,
    run_id: String,
    log: BufWriter<File>,
    started: Instant,
    /// Last time a progress event of each experiment went to events.jsonl.
    last_progress: HashMap<String, Instant>,
    /// Results of the experiment in flight, for its result.json.
    values: HashMap<String, serde_json::Map<String, serde_json::Value>>,
    tables: HashMap<String, Vec<ResultTable>>,
    failures: Vec<String>,
}

#[derive(Serialize)]
struct Stamped<'a> {
    at: f64,
    #[serde(flatten)]
    event: &'a Event,
}

const PROGRESS_LOG_INTERVAL: Duration = Duration::from_secs(1);

impl Recorder {
    pub fn new(store: Store, run_id: &str, tx: Sender<Event>) -> anyhow::Result<Self> {
        let path = store.run_dir(run_id).join("events.jsonl");
        let file = std::fs::OpenOptions::new().create(true).append(true).open(&path)?;
        Ok(Self {
            inner: Mutex::new(Inner {
                store,
                run_id: run_id.to_string(),
                log: BufWriter::new(file),
                started: Instant::now(),
                last_progress: HashMap::new(),
                values: HashMap::new(),
                tables: HashMap::new(),
                failures: Vec::new(),
            }),
            tx,
        })
    }

    /// Runs `f` with the store (the runner's own queries go through the same connection).
    pub fn with_store<T>(&self, f: impl FnOnce(&Store, &str) -> T) -> T {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        f(&inner.store, &inner.run_id)
    }

    /// Sends an event to the live consumer only (for results already in the store).
    pub fn forward(&self, event: Event) {
        let _ = self.tx.send(event);
    }

    /// Persists and forwards an event. Store errors never stop a run: they are
    /// reported as warnings on the stream and collected for the run summary.
    pub fn record(&self, event: Event) {
        {
            let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            if let Err(e) = inner.persist(&event) {
                let message = format!("could not save to the run store: {e:#}");
                inner.failures.push(message.clone());
                let _ = self.tx.send(Event::Log {
                    exp: event.exp().unwrap_or("run").to_string(),
                    level: crate::events::LogLevel::Warn,
                    line: message,
                });
            }
        }
        let _ = self.tx.send(event);
    }

    pub fn store_failures(&self) -> Vec<String> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).failures.clone()
    }
}

impl Inner {
    fn persist(&mut self, event: &Event) -> anyhow::Result<()> {
        let run_id = self.run_id.clone();
        let log_it = match event {
            Event::Progress { exp, done, total, .. } => {
                let now = Instant::now();
                let due = self.last_progress.get(exp).is_none_or(|t| now.duration_since(*t) >= PROGRESS_LOG_INTERVAL);
                if due || done >= total {
                    self.last_progress.insert(exp.clone(), now);
                }
                due || done >= total
            }
            // Once per generated token: the dashboard shows it, the event log does not keep it.
            Event::Generating { .. } => false,
            _ => true,
        };
        if log_it {
            let line = serde_json::to_string(&Stamped { at: self.started.elapsed().as_secs_f64(), event })?;
            writeln!(self.log, "{line}")?;
        }
        match event {
            Event::ExperimentStarted { exp, spec_hash, device } => {
                self.values.remove(exp);
                self.tables.remove(exp);
                self.store.experiment_started(&run_id, exp, spec_hash, device)?;
            }
            Event::Metric { exp, name, step, value } => self.store.record_metric(&run_id, exp, name, *step, *value)?,
            Event::Table { exp, table } => {
                self.store.record_table(&run_id, exp, table)?;
                let csv = table_csv(table);
                fsx::write_atomic(&self.store.exp_dir(&run_id, exp).join(format!("{}.csv", table.name)), csv.as_bytes())?;
                let tables = self.tables.entry(exp.clone()).or_default();
                tables.retain(|t| t.name != table.name);
                tables.push(table.clone());
            }
            Event::Artifact { exp, name, file } => self.store.record_artifact(&run_id, exp, name, file)?,
            Event::Value { exp, name, value } => {
                self.values.entry(exp.clone()).or_default().insert(name.clone(), value.clone());
            }
            Event::Finished { exp, seconds, reused_from } => {
                // A reused experiment's values arrive as Value events replayed by the
                // runner; its result.json was copied with its directory.
                let values = self.values.remove(exp).unwrap_or_default();
                if reused_from.is_none() {
                    self.write_result(exp, ExpStatus::Finished, None, &values)?;
                    self.write_curves(exp)?;
                }
                self.store.experiment_ended(&run_id, exp, ExpStatus::Finished, None, Some(*seconds), &values, reused_from.as_deref())?;
            }
            Event::Failed { exp, error } => self.end(exp, ExpStatus::Failed, Some(error))?,
            Event::Cancelled { exp } => self.end(exp, ExpStatus::Cancelled, Some("cancelled by the user"))?,
            Event::Skipped { exp, reason } => self.end(exp, ExpStatus::Skipped, Some(reason))?,
            Event::RunFinished { status, .. } => {
                self.log.flush()?;
                self.store.finish_run(&run_id, *status)?;
            }
            _ => {}
        }
        if matches!(event, Event::Finished { .. } | Event::Failed { .. } | Event::Stage { .. }) {
            self.log.flush()?;
        }
        Ok(())
    }

    /// One SVG line chart per metric in the experiment's directory, recorded as artifacts.
    fn write_curves(&mut self, exp: &str) -> anyhow::Result<()> {
        let mut series: Vec<Series> = Vec::new();
        for (name, step, value) in self.store.metrics(&self.run_id, exp)? {
            match series.last_mut() {
                Some(s) if s.name == name => s.points.push((step as f64, value)),
                _ => series.push(Series { name, points: vec![(step as f64, value)] }),
            }
        }
        for s in &series {
            let file = format!("curve-{}.svg", s.name.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_"));
            let svg = line_chart(&s.name, "step", std::slice::from_ref(s))?;
            fsx::write_atomic(&self.store.exp_dir(&self.run_id, exp).join(&file), svg.as_bytes())?;
            self.store.record_artifact(&self.run_id, exp, &s.name, &file)?;
        }
        Ok(())
    }

    fn end(&mut self, exp: &str, status: ExpStatus, error: Option<&str>) -> anyhow::Result<()> {
        let values = self.values.remove(exp).unwrap_or_default();
        self.write_result(exp, status, error, &values)?;
        self.store.experiment_ended(&self.run_id, exp, status, error, None, &values, None)
    }

    fn write_result(&mut self, exp: &str, status: ExpStatus, error: Option<&str>, values: &serde_json::Map<String, serde_json::Value>) -> anyhow::Result<()> {
        let tables = self.tables.remove(exp).unwrap_or_default();
        let path = self.store.exp_dir(&self.run_id, exp).join("result.json");
        fsx::write_json_atomic(&path, &serde_json::json!({
            "experiment": exp,
            "status": status,
            "error": error,
            "values": values,
            "tables": tables,
        }))
    }
}

/// RFC 4180 CSV of a table (raw values, not display-formatted).
pub fn table_csv(table: &ResultTable) -> String {
    let field = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = table.columns.iter().map(|c| field(&c.key)).collect::<Vec<_>>().join(",");
    out.push('\n');
    for row in &table.rows {
        let cells: Vec<String> = row
            .iter()
            .map(|v| match v {
                serde_json::Value::String(s) => field(s),
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}
