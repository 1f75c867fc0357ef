//! The data a report template sees, read from the run store (never from a live task).
use crate::results::ResultTable;
use crate::store::{ExpRow, RunRow, Store};
use anyhow::{Context, Result};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Fa,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fa => "fa",
        }
    }

    /// The other of the two languages (the dashboard's `l`).
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Fa,
            Lang::Fa => Lang::En,
        }
    }

    pub fn dir(self) -> &'static str {
        match self {
            Lang::En => "ltr",
            Lang::Fa => "rtl",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportModel {
    pub lang: Lang,
    pub dir: &'static str,
    pub run: RunRow,
    pub generated_at: String,
    /// Experiments by question (`q.demo`, `q.q1` .. `q.q5`); every question is present,
    /// with no experiments if the run has none for it.
    pub q: BTreeMap<String, QuestionModel>,
    pub counts: Counts,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Counts {
    pub total: usize,
    pub finished: usize,
    pub failed: usize,
    pub skipped: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct QuestionModel {
    pub experiments: Vec<ExpModel>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExpModel {
    pub id: String,
    pub part: String,
    pub task: String,
    pub title: String,
    pub status: String,
    pub finished: bool,
    pub error: Option<String>,
    pub seed: u64,
    pub device: String,
    pub seconds: Option<f64>,
    pub reused_from: Option<String>,
    pub values: serde_json::Map<String, serde_json::Value>,
    pub tables: BTreeMap<String, ResultTable>,
    /// Metric name → points (step, value).
    pub metrics: BTreeMap<String, Vec<(u64, f64)>>,
    /// Artifact name → its file in the run directory.
    pub artifacts: BTreeMap<String, String>,
}

const QUESTION_KEYS: [&str; 6] = ["demo", "q1", "q2", "q3", "q4", "q5"];

pub fn build(store: &Store, run_id: &str, lang: Lang) -> Result<ReportModel> {
    let run = store.run(run_id)?.with_context(|| format!("no run `{run_id}` in {}", store.home().display()))?;
    let rows = store.experiments(run_id)?;
    let mut q: BTreeMap<String, QuestionModel> = QUESTION_KEYS.iter().map(|k| (k.to_string(), QuestionModel { experiments: Vec::new() })).collect();
    let mut counts = Counts::default();
    for row in rows {
        let exp = exp_model(store, run_id, row)?;
        counts.total += 1;
        match exp.status.as_str() {
            "finished" => counts.finished += 1,
            "skipped" => counts.skipped += 1,
            _ => counts.failed += 1,
        }
        if let Some(question) = q.get_mut(&question_key(&exp.part)) {
            question.experiments.push(exp);
        }
    }
    Ok(ReportModel {
        lang,
        dir: lang.dir(),
        run,
        generated_at: crate::clock::now_text(),
        q,
        counts,
    })
}

fn question_key(part: &str) -> String {
    if part == "demo" {
        "demo".into()
    } else {
        part.chars().take(2).collect()
    }
}

fn exp_model(store: &Store, run_id: &str, row: ExpRow) -> Result<ExpModel> {
    let tables = store.tables(run_id, &row.exp_id)?;
    let dir = store.exp_dir(run_id, &row.exp_id);
    let artifacts = store.artifacts(run_id, &row.exp_id)?.into_iter().map(|(name, file)| (name, dir.join(file).display().to_string())).collect();
    let mut metrics: BTreeMap<String, Vec<(u64, f64)>> = BTreeMap::new();
    for (name, step, value) in store.metrics(run_id, &row.exp_id)? {
        metrics.entry(name).or_default().push((step, value));
    }
    Ok(ExpModel {
        finished: row.status == "finished",
        id: row.exp_id,
        part: row.part,
        task: row.task,
        title: row.title,
        status: row.status,
        error: row.error,
        seed: row.seed,
        device: row.device,
        seconds: row.seconds,
        reused_from: row.reused_from,
        values: row.values,
        tables: tables.into_iter().map(|t| (t.name.clone(), t)).collect(),
        metrics,
        artifacts,
    })
}
