//! The data a report template sees, read from the run store (never from a live task).
use crate::events::ExpStatus;
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
    /// The demo's pipeline check, then Q1 to Q5, in order; a question with no experiment
    /// in this run is still listed (its section says so).
    pub questions: Vec<QuestionModel>,
    /// Every part of the assignment, where the report answers it and how.
    pub coverage: Vec<CoverageRow>,
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
    /// `demo`, `q1` .. `q5`: the section's anchor and its messages' prefix.
    pub key: String,
    /// Message id of the heading (`heading-q3`).
    pub heading: String,
    /// The heading's Markdown attribute (`{#q3}`), so the coverage table can link to it.
    pub anchor: String,
    /// Message id of the text that opens the section, when the catalog has one.
    pub intro: Option<String>,
    pub experiments: Vec<ExpModel>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExpModel {
    pub id: String,
    pub part: String,
    pub task: String,
    /// In the report's language when the suite gave one.
    pub title: String,
    pub status: crate::events::ExpStatus,
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
    /// The kind's section, rendered from its layout (filled by the renderer).
    pub section: String,
    /// Why the section could not be rendered, if it could not.
    pub section_error: Option<String>,
}

/// One part of the assignment in the coverage table.
#[derive(Debug, Clone, Serialize)]
pub struct CoverageRow {
    /// Message id naming the part (`part-q3a`).
    pub part: String,
    /// The question section that answers it (`q3`).
    pub section: String,
    /// Message id of the section's heading.
    pub heading: String,
    /// `coverage-numbers` (answered with this run's numbers), `coverage-text` (answered
    /// in text only) or `coverage-missing`.
    pub status: String,
}

/// The question sections, in order.
pub const QUESTION_KEYS: [&str; 6] = ["demo", "q1", "q2", "q3", "q4", "q5"];

/// Every part of the assignment, with the section that answers it.
pub const PARTS: &[(&str, &str)] = &[
    ("q1a", "q1"), ("q1b", "q1"), ("q1c", "q1"), ("q1d", "q1"), ("q1e", "q1"),
    ("q2a", "q2"), ("q2b", "q2"), ("q2c", "q2"),
    ("q3a", "q3"), ("q3b", "q3"), ("q3c", "q3"), ("q3d", "q3"), ("q3e", "q3"), ("q3f", "q3"),
    ("q4-soft", "q4"), ("q4-reasoning", "q4"),
    ("q5-data", "q5"), ("q5-model", "q5"), ("q5-train", "q5"), ("q5-eval", "q5"), ("q5-predict", "q5"),
];

pub fn build(store: &Store, run_id: &str, lang: Lang) -> Result<ReportModel> {
    let catalog = super::i18n::Catalog::new(lang)?;
    let run = store.run(run_id)?.with_context(|| format!("no run `{run_id}` in {}", store.home().display()))?;
    let rows = store.experiments(run_id)?;
    let mut questions: Vec<QuestionModel> = QUESTION_KEYS
        .iter()
        .map(|k| {
            let intro = format!("intro-{k}");
            QuestionModel { key: k.to_string(), heading: format!("heading-{k}"), anchor: format!("{{#{k}}}"), intro: catalog.has(&intro).then_some(intro), experiments: Vec::new() }
        })
        .collect();
    let mut counts = Counts::default();
    for row in rows {
        let exp = exp_model(store, run_id, row, lang)?;
        counts.total += 1;
        match exp.status {
            ExpStatus::Finished => counts.finished += 1,
            ExpStatus::Skipped => counts.skipped += 1,
            _ => counts.failed += 1,
        }
        let key = crate::spec::Part::parse(&exp.part).map_or_else(|| "demo".to_string(), |p| p.question_key());
        if let Some(question) = questions.iter_mut().find(|q| q.key == key) {
            question.experiments.push(exp);
        }
    }
    let coverage = coverage(&questions, &catalog);
    Ok(ReportModel { lang, dir: lang.dir(), run, generated_at: crate::clock::now_text(), questions, coverage, counts })
}

/// Which part each finished experiment answers comes from its kind in the task registry;
/// a part the catalog answers in prose (`answer-<part>`) counts as answered in text.
fn coverage(questions: &[QuestionModel], catalog: &super::i18n::Catalog) -> Vec<CoverageRow> {
    let answered: Vec<&str> = questions
        .iter()
        .flat_map(|q| &q.experiments)
        .filter(|e| e.finished)
        .filter_map(|e| crate::tasks::find(&e.task))
        .flat_map(|t| t.answers().iter().copied())
        .collect();
    PARTS
        .iter()
        .map(|&(part, section)| {
            let status = if answered.contains(&part) {
                "coverage-numbers"
            } else if catalog.has(&format!("answer-{part}")) {
                "coverage-text"
            } else {
                "coverage-missing"
            };
            CoverageRow { part: format!("part-{part}"), section: section.into(), heading: format!("heading-{section}"), status: status.into() }
        })
        .collect()
}

fn exp_model(store: &Store, run_id: &str, row: ExpRow, lang: Lang) -> Result<ExpModel> {
    let tables = store.tables(run_id, &row.exp_id)?;
    let dir = store.exp_dir(run_id, &row.exp_id);
    let artifacts = store.artifacts(run_id, &row.exp_id)?.into_iter().map(|(name, file)| (name, dir.join(file).display().to_string())).collect();
    let mut metrics: BTreeMap<String, Vec<(u64, f64)>> = BTreeMap::new();
    for (name, step, value) in store.metrics(run_id, &row.exp_id)? {
        metrics.entry(name).or_default().push((step, value));
    }
    Ok(ExpModel {
        finished: row.status == ExpStatus::Finished,
        id: row.exp_id,
        part: row.part,
        task: row.task,
        title: match lang {
            Lang::Fa => super::bidi::isolate_ltr_runs(crate::spec::model::Title::from_stored(&row.title).in_lang("fa")),
            Lang::En => crate::spec::model::Title::from_stored(&row.title).en().to_string(),
        },
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
        section: String::new(),
        section_error: None,
    })
}
