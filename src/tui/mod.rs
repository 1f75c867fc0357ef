//! The ratatui dashboard: suite tree, live view, results, history and report tabs.
//! `app` holds state and reacts to events and keys; `view` and the panes draw it.
pub mod app;
pub mod help;
pub mod history_pane;
pub mod live_pane;
pub mod report_pane;
pub mod results_pane;
pub mod suite_pane;
pub mod terminal;
pub mod theme;
pub mod view;

use crate::report;
use crate::run::{self, RunHandle, RunOptions};
use crate::cli::{ExitCode, SuiteArg, DEFAULT_REPORT_DIR};
use crate::paths::Paths;
use crate::store::{diff::diff_runs, Store};
use anyhow::Result;
use app::{Action, App};
use ratatui::crossterm::event::{self, Event as TermEvent, KeyCode, KeyEventKind, KeyModifiers};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use theme::Theme;

const FRAME: Duration = Duration::from_millis(100);

pub fn run(suite: &SuiteArg, paths: &Paths) -> Result<ExitCode> {
    let suite = match crate::commands::load_suite_or_explain(suite, "the dashboard did not open") {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let store = Store::open(&paths.home)?;
    let mut app = App::new(suite);
    if let Err(e) = load_latest(&mut app, &store) {
        app.message = Some(format!("could not read the last run: {e:#}"));
    }
    let mut term = terminal::enter()?;
    let result = event_loop(&mut term, app, &store, paths);
    terminal::leave();
    result
}

fn event_loop(term: &mut terminal::Term, mut app: App, store: &Store, paths: &Paths) -> Result<ExitCode> {
    let theme = Theme::from_env();
    let mut handle: Option<RunHandle> = None;
    loop {
        term.draw(|f| view::draw(f, &app, &theme))?;
        if let Some(h) = &handle {
            while let Ok(ev) = h.events.try_recv() {
                app.on_event(&ev, Instant::now());
            }
            if h.is_finished() && h.events.is_empty() {
                if let Some(h) = handle.take() {
                    if let Err(e) = h.wait() {
                        app.message = Some(format!("{e:#}"));
                    }
                }
                app.history.runs = store.runs().unwrap_or_default();
            }
        }
        if !event::poll(FRAME)? {
            continue;
        }
        let TermEvent::Key(key) = event::read()? else { continue };
        if key.kind != KeyEventKind::Press {
            continue;
        }
        let ch = match key.code {
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => if app.running { 'c' } else { 'q' },
            KeyCode::Char(c) => c,
            KeyCode::Up => '↑',
            KeyCode::Down => '↓',
            KeyCode::Enter => '\n',
            KeyCode::Tab => '\t',
            KeyCode::Esc => '\u{1b}',
            _ => continue,
        };
        match app.on_key(ch) {
            Action::None => {}
            Action::Quit => return Ok(ExitCode::Success),
            Action::Start { only, force } => match run::start(app.suite.clone(), RunOptions { only, force }, paths) {
                Ok(h) => handle = Some(h),
                Err(e) => app.message = Some(format!("{e:#}")),
            },
            Action::Cancel => {
                if let Some(h) = &handle {
                    h.cancel.cancel();
                }
            }
            Action::RefreshHistory => app.history.runs = store.runs().unwrap_or_default(),
            Action::OpenRun(id) => match store.experiments(&id) {
                Ok(exps) => app.history.opened = Some((id, exps)),
                Err(e) => app.message = Some(format!("{e:#}")),
            },
            Action::Compare(a, b) => match (store.experiments(&a), store.experiments(&b)) {
                (Ok(x), Ok(y)) => app.history.diff = Some((a, b, diff_runs(&x, &y))),
                (Err(e), _) | (_, Err(e)) => app.message = Some(format!("{e:#}")),
            },
            Action::RenderReport => match render_report(&app, store) {
                Ok(paths) => app.report_paths = Some(paths),
                Err(e) => app.message = Some(format!("report: {e:#}")),
            },
            Action::RenderPdf => match render_report(&app, store) {
                Ok(paths) => {
                    app.report_pdf = Some(report::pdf::print(&paths.1, &paths.1.with_extension("pdf")).map_err(|e| format!("{e:#}")));
                    app.report_paths = Some(paths);
                }
                Err(e) => app.message = Some(format!("report: {e:#}")),
            },
        }
    }
}

/// Fills the dashboard with the newest stored run of the same suite, if any.
fn load_latest(app: &mut App, store: &Store) -> Result<()> {
    let Some(run) = store.runs()?.into_iter().find(|r| r.suite_name == app.suite.name) else { return Ok(()) };
    let rows = store
        .experiments(&run.id)?
        .into_iter()
        .map(|row| -> Result<_> {
            let tables = store.tables(&run.id, &row.exp_id)?;
            let metrics = store.metrics(&run.id, &row.exp_id)?;
            Ok((row, tables, metrics))
        })
        .collect::<Result<Vec<_>>>()?;
    app.load_run(&run.id, rows);
    Ok(())
}

fn render_report(app: &App, store: &Store) -> Result<(PathBuf, PathBuf)> {
    let run_id = match &app.run_id {
        Some(id) => id.clone(),
        None => store.resolve_run_id("latest")?,
    };
    let written = report::render_run(store, &run_id, app.report_lang, Path::new(DEFAULT_REPORT_DIR))?;
    Ok((written.markdown, written.html))
}
