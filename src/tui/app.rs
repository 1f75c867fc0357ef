//! Dashboard state and how events and keys change it. No drawing here (see view.rs),
//! no tasks: the runner's events are the only source of live data.
use crate::events::{Event, LogLevel, RunStatus, StageState, ExpStatus};
use crate::progress::Rate;
use crate::results::ResultTable;
use crate::spec::Suite;
use crate::store::diff::DiffLine;
use crate::store::{ExpRow, RunRow};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Live,
    Results,
    History,
    Report,
}

pub const TABS: [Tab; 4] = [Tab::Live, Tab::Results, Tab::History, Tab::Report];

impl Tab {
    pub fn title(self) -> &'static str {
        match self {
            Tab::Live => "1 Live",
            Tab::Results => "2 Results",
            Tab::History => "3 History",
            Tab::Report => "4 Report",
        }
    }
}

const LOG_LINES: usize = 200;

/// What the dashboard knows about one experiment of the suite.
#[derive(Debug, Clone, Default)]
pub struct ExpLive {
    pub status: ExpStatus,
    pub stage: Option<String>,
    pub rate: Option<Rate>,
    pub metrics: BTreeMap<String, Vec<(f64, f64)>>,
    pub logs: VecDeque<(LogLevel, String)>,
    pub tables: Vec<ResultTable>,
    pub values: BTreeMap<String, serde_json::Value>,
    pub error: Option<String>,
    pub seconds: Option<f64>,
    pub reused_from: Option<String>,
    /// What a language model is writing now: (prompt label, text, tokens, tokens/s).
    pub generating: Option<(String, String, u64, f64)>,
}

/// History tab: past runs, one opened, one marked for comparison.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub runs: Vec<RunRow>,
    pub selected: usize,
    pub opened: Option<(String, Vec<ExpRow>)>,
    pub marked: Option<String>,
    /// (run A, run B, lines of the comparison).
    pub diff: Option<(String, String, Vec<DiffLine>)>,
}

/// What the user asked for that the event loop must carry out (it owns the runner and store).
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    None,
    Quit,
    /// Start a run: all experiments, or only these ids; `force` recomputes.
    Start { only: Vec<String>, force: bool },
    Cancel,
    RefreshHistory,
    OpenRun(String),
    Compare(String, String),
    RenderReport,
    /// The report, then report.pdf through a headless Chromium.
    RenderPdf,
}

pub struct App {
    pub suite: Suite,
    pub tab: Tab,
    pub selected: usize,
    pub exps: HashMap<String, ExpLive>,
    pub run_id: Option<String>,
    pub running: bool,
    pub last_status: Option<RunStatus>,
    pub history: History,
    pub report_lang: crate::report::Lang,
    pub report_paths: Option<(PathBuf, PathBuf)>,
    /// report.pdf once printed, or why it could not be.
    pub report_pdf: Option<Result<PathBuf, String>>,
    pub metric_choice: usize,
    pub show_help: bool,
    pub message: Option<String>,
    /// The selection moves to each experiment as it starts, until the user moves it.
    pub follow: bool,
    /// The suite's ETA from the last runs' times.
    pub eta: crate::progress::SuiteEta,
}

impl App {
    pub fn new(suite: Suite) -> Self {
        let exps = suite
            .experiments
            .iter()
            .map(|e| {
                let status = if e.enabled { ExpStatus::Pending } else { ExpStatus::Disabled };
                (e.id.clone(), ExpLive { status, ..Default::default() })
            })
            .collect();
        Self {
            suite,
            tab: Tab::Live,
            selected: 0,
            exps,
            run_id: None,
            running: false,
            last_status: None,
            history: History::default(),
            report_lang: crate::report::Lang::En,
            report_paths: None,
            report_pdf: None,
            metric_choice: 0,
            show_help: false,
            message: None,
            follow: true,
            eta: Default::default(),
        }
    }

    /// Shows a stored run's results (the latest run of this suite, on start).
    pub fn load_run(&mut self, run_id: &str, rows: Vec<(ExpRow, Vec<ResultTable>, Vec<(String, u64, f64)>)>) {
        self.run_id = Some(run_id.to_string());
        for (row, tables, metrics) in rows {
            let Some(exp) = self.exps.get_mut(&row.exp_id) else { continue };
            let mut series: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
            for (name, step, value) in metrics {
                series.entry(name).or_default().push((step as f64, value));
            }
            *exp = ExpLive {
                status: row.status,
                metrics: series,
                tables,
                values: row.values.into_iter().collect(),
                error: row.error,
                seconds: row.seconds,
                reused_from: row.reused_from,
                ..Default::default()
            };
        }
    }

    pub fn selected_id(&self) -> Option<&str> {
        self.suite.experiments.get(self.selected).map(|e| e.id.as_str())
    }

    pub fn selected_live(&self) -> Option<&ExpLive> {
        self.selected_id().and_then(|id| self.exps.get(id))
    }

    /// (experiments settled, experiments in the run) while a run goes.
    pub fn run_progress(&self) -> Option<(usize, usize)> {
        if !self.running {
            return None;
        }
        let in_run = self.exps.values().filter(|e| !matches!(e.status, ExpStatus::Pending | ExpStatus::Disabled));
        let (mut done, mut total) = (0, 0);
        for e in in_run {
            total += 1;
            done += usize::from(matches!(e.status, ExpStatus::Finished | ExpStatus::Failed | ExpStatus::Cancelled | ExpStatus::Skipped));
        }
        Some((done, total))
    }

    fn select_running(&mut self) {
        if let Some(i) = self.suite.experiments.iter().position(|e| self.exps.get(&e.id).is_some_and(|x| x.status == ExpStatus::Running)) {
            self.selected = i;
        }
    }

    /// Applies one runner event.
    pub fn on_event(&mut self, event: &Event, now: Instant) {
        self.eta.on(event, now);
        if let Event::RunStarted { run_id, selected, .. } = event {
            self.run_id = Some(run_id.clone());
            self.running = true;
            for id in selected {
                if let Some(e) = self.exps.get_mut(id) {
                    *e = ExpLive { status: ExpStatus::Queued, ..Default::default() };
                }
            }
            return;
        }
        if let Event::RunFinished { status, .. } = event {
            self.running = false;
            self.last_status = Some(*status);
            self.message = Some(format!("run finished: {}", status.as_str()));
            return;
        }
        if let (Event::ExperimentStarted { exp, .. }, true) = (event, self.follow) {
            if let Some(i) = self.suite.experiments.iter().position(|e| &e.id == exp) {
                self.selected = i;
            }
        }
        let Some(exp) = event.exp().and_then(|id| self.exps.get_mut(id)) else { return };
        match event {
            Event::ExperimentStarted { .. } => exp.status = ExpStatus::Running,
            Event::Stage { name, state: StageState::Started, .. } => exp.stage = Some(name.clone()),
            Event::Stage { .. } => {}
            Event::Progress { done, total, unit, .. } => match exp.rate.as_mut() {
                Some(r) => r.update(*done, *total, unit, now),
                None => exp.rate = Some(Rate::new(*done, *total, unit, now)),
            },
            Event::Metric { name, step, value, .. } => {
                exp.metrics.entry(name.clone()).or_default().push((*step as f64, *value));
            }
            Event::Log { level, line, .. } => {
                exp.logs.push_back((*level, line.clone()));
                while exp.logs.len() > LOG_LINES {
                    exp.logs.pop_front();
                }
            }
            Event::Table { table, .. } => {
                exp.tables.retain(|t| t.name != table.name);
                exp.tables.push(table.clone());
            }
            Event::Value { name, value, .. } => {
                exp.values.insert(name.clone(), value.clone());
            }
            Event::Artifact { .. } => {}
            Event::Finished { seconds, reused_from, .. } => {
                exp.status = ExpStatus::Finished;
                exp.seconds = Some(*seconds);
                exp.reused_from = reused_from.clone();
                exp.stage = None;
                exp.generating = None;
            }
            Event::Failed { error, .. } => {
                exp.status = ExpStatus::Failed;
                exp.error = Some(error.clone());
            }
            Event::Cancelled { .. } => exp.status = ExpStatus::Cancelled,
            Event::Skipped { reason, .. } => {
                exp.status = ExpStatus::Skipped;
                exp.error = Some(reason.clone());
            }
            Event::Generating { label, text, tokens, tokens_per_s, .. } => {
                exp.generating = Some((label.clone(), text.clone(), *tokens, *tokens_per_s));
            }
            Event::RunStarted { .. } | Event::RunFinished { .. } | Event::Estimate { .. } => {}
        }
    }

    /// Applies a key; returns what the event loop must do.
    pub fn on_key(&mut self, key: char) -> Action {
        if self.show_help {
            self.show_help = false;
            return Action::None;
        }
        self.message = None;
        match key {
            'q' if self.running => {
                self.message = Some("a run is in progress: press c to cancel it, then q".into());
                Action::None
            }
            'q' => Action::Quit,
            '?' => {
                self.show_help = true;
                Action::None
            }
            '1'..='4' => {
                self.tab = TABS[key as usize - '1' as usize];
                if self.tab == Tab::History {
                    return Action::RefreshHistory;
                }
                Action::None
            }
            '\t' => {
                let i = TABS.iter().position(|t| *t == self.tab).unwrap_or(0);
                self.tab = TABS[(i + 1) % TABS.len()];
                if self.tab == Tab::History {
                    return Action::RefreshHistory;
                }
                Action::None
            }
            'j' | '↓' => {
                self.move_selection(1);
                Action::None
            }
            'k' | '↑' => {
                self.move_selection(-1);
                Action::None
            }
            'm' if self.tab == Tab::Live => {
                self.metric_choice += 1;
                Action::None
            }
            'f' if self.tab != Tab::History => {
                self.follow = true;
                self.select_running();
                self.message = Some("following the running experiment".into());
                Action::None
            }
            'r' | '\n' | 'F' if self.tab != Tab::History && self.tab != Tab::Report => self.start(key),
            'c' if self.running => {
                self.message = Some("cancelling at the next step...".into());
                Action::Cancel
            }
            '\n' if self.tab == Tab::History => match self.history.runs.get(self.history.selected) {
                Some(run) => Action::OpenRun(run.id.clone()),
                None => Action::None,
            },
            'm' if self.tab == Tab::History => self.mark_for_compare(),
            'g' if self.tab == Tab::Report => Action::RenderReport,
            'p' if self.tab == Tab::Report => Action::RenderPdf,
            'l' if self.tab == Tab::Report => {
                self.report_lang = self.report_lang.other();
                Action::None
            }
            _ => Action::None,
        }
    }

    fn start(&mut self, key: char) -> Action {
        if self.running {
            self.message = Some("a run is already in progress".into());
            return Action::None;
        }
        match key {
            'r' => Action::Start { only: Vec::new(), force: false },
            _ => match self.selected_id() {
                Some(id) => Action::Start { only: vec![id.to_string()], force: key == 'F' },
                None => Action::None,
            },
        }
    }

    fn mark_for_compare(&mut self) -> Action {
        let Some(run) = self.history.runs.get(self.history.selected).map(|r| r.id.clone()) else { return Action::None };
        match self.history.marked.take() {
            Some(first) if first != run => Action::Compare(first, run),
            _ => {
                self.message = Some(format!("marked {run}; select another run and press m to compare"));
                self.history.marked = Some(run);
                Action::None
            }
        }
    }

    fn move_selection(&mut self, delta: i64) {
        let (len, index) = match self.tab {
            Tab::History => (self.history.runs.len(), &mut self.history.selected),
            _ => (self.suite.experiments.len(), &mut self.selected),
        };
        if len == 0 {
            return;
        }
        *index = (*index as i64 + delta).rem_euclid(len as i64) as usize;
        if self.tab == Tab::History {
            self.history.opened = None;
            self.history.diff = None;
        } else if self.running && self.follow {
            self.follow = false;
            self.message = Some("stopped following the running experiment; f follows it again".into());
        }
    }
}
