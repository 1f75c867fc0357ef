//! The data a report template sees, read from the run store (never from a live task).
use crate::results::ResultTable;
use crate::store::{ExpRow, RunRow, Store};
use anyhow::{Context, Result};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
    /// demo, q1..q5 in order; every question is present even with no experiments.
    pub questions: Vec<QuestionModel>,
    /// The same questions by key (`q.demo`, `q.q3`) for templates.
    pub q: BTreeMap<String, QuestionModel>,
    /// Every experiment by id, for templates that address one directly.
    pub by_id: BTreeMap<String, ExpModel>,
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
    pub key: String,
    pub experiments: Vec<ExpModel>,
    pub any_finished: bool,
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
    pub table_order: Vec<String>,
    /// Metric name → points (step, value).
    pub metrics: BTreeMap<String, Vec<(u64, f64)>>,
    /// Artifact name → its file in the run directory.
    pub artifacts: BTreeMap<String, String>,
}

const QUESTION_KEYS: [&str; 6] = ["demo", "q1", "q2", "q3", "q4", "q5"];

pub fn build(store: &Store, run_id: &str, lang: Lang) -> Result<ReportModel> {
    let run = store.run(run_id)?.with_context(|| format!("no run `{run_id}` in {}", store.home().display()))?;
    let rows = store.experiments(run_id)?;
    let mut by_id = BTreeMap::new();
    let mut questions: Vec<QuestionModel> = QUESTION_KEYS
        .iter()
        .map(|k| QuestionModel { key: k.to_string(), experiments: Vec::new(), any_finished: false })
        .collect();
    let mut counts = Counts::default();
    for row in rows {
        let exp = exp_model(store, run_id, row)?;
        counts.total += 1;
        match exp.status.as_str() {
            "finished" => counts.finished += 1,
            "skipped" => counts.skipped += 1,
            _ => counts.failed += 1,
        }
        let key = question_key(&exp.part);
        if let Some(q) = questions.iter_mut().find(|q| q.key == key) {
            q.any_finished |= exp.finished;
            q.experiments.push(exp.clone());
        }
        by_id.insert(exp.id.clone(), exp);
    }
    let q = questions.iter().map(|q| (q.key.clone(), q.clone())).collect();
    Ok(ReportModel {
        lang,
        dir: lang.dir(),
        run,
        generated_at: crate::store::now_text(),
        questions,
        q,
        by_id,
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
        table_order: tables.iter().map(|t| t.name.clone()).collect(),
        tables: tables.into_iter().map(|t| (t.name.clone(), t)).collect(),
        metrics,
        artifacts,
    })
}
