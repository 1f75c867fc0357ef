//! The dashboard, rendered with ratatui's TestBackend at 80x24 and snapshotted,
//! and its key handling (what each key asks the event loop to do).
use adaptlab::events::{Event, LogLevel, StageState};
use adaptlab::results::{ColumnKind, ResultTable};
use adaptlab::spec::SuiteRef;
use adaptlab::tasks::load_suite;
use adaptlab::store::{diff::diff_runs, ExpRow, RunRow};
use adaptlab::tui::app::{Action, App, Tab};
use adaptlab::tui::theme::Theme;
use adaptlab::tui::view;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use serde_json::json;
use std::time::{Duration, Instant};

fn demo_app() -> App {
    App::new(load_suite(&SuiteRef::Builtin("demo")).unwrap())
}

fn frame(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal.draw(|f| view::draw(f, app, &Theme { colour: false })).unwrap();
    terminal.backend().to_string()
}

fn ev(e: Event, app: &mut App, at: Instant) {
    app.on_event(&e, at);
}

/// A run of demo.smoke halfway through training, with metrics and a log line.
fn mid_run(app: &mut App) -> Instant {
    let t0 = Instant::now();
    let exp = "demo.smoke".to_string();
    ev(Event::RunStarted { run_id: "20261126-120000-abcd".into(), suite: "demo".into(), selected: vec![exp.clone()] }, app, t0);
    ev(Event::ExperimentStarted { exp: exp.clone(), spec_hash: "h".into(), device: "cpu".into() }, app, t0);
    ev(Event::Stage { exp: exp.clone(), name: "train".into(), state: StageState::Started }, app, t0);
    ev(Event::Log { exp: exp.clone(), level: LogLevel::Info, line: "3000 train and 600 test images".into() }, app, t0);
    for step in 1..=150u64 {
        let loss = 1.8 * (-(step as f64) / 40.0).exp() + 0.05;
        ev(Event::Metric { exp: exp.clone(), name: "train/loss".into(), step, value: loss }, app, t0);
        ev(Event::Progress { exp: exp.clone(), done: step, total: 300, unit: "steps".into() }, app, t0 + Duration::from_millis(20 * step));
    }
    t0
}

#[test]
fn initial_frame() {
    insta::assert_snapshot!(frame(&demo_app()));
}

#[test]
fn live_frame_mid_run_shows_progress_rate_eta_chart_and_log() {
    let mut app = demo_app();
    mid_run(&mut app);
    let text = frame(&app);
    assert!(text.contains("150/300 steps"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn live_pane_shows_the_text_a_language_model_is_writing() {
    let mut app = demo_app();
    let t0 = mid_run(&mut app);
    let text = "Step 1: 3 + 5 = 8. Step 2: 8 - 2 = 6. Answer: 6";
    let e = Event::Generating { exp: "demo.smoke".into(), label: "q17".into(), text: text.into(), tokens: 23, tokens_per_s: 41.5 };
    ev(e, &mut app, t0);
    let shown = frame(&app);
    assert!(shown.contains("generating · q17 · 23 tokens · 41.5 tokens/s"), "{shown}");
    assert!(shown.contains("Answer: 6"), "the newest words are in view: {shown}");
    ev(Event::Finished { exp: "demo.smoke".into(), seconds: 3.0, reused_from: None }, &mut app, t0);
    assert!(!frame(&app).contains("generating"), "the chart returns when the experiment ends");
}

#[test]
fn results_frame_after_finishing() {
    let mut app = demo_app();
    let t0 = mid_run(&mut app);
    let exp = "demo.smoke".to_string();
    let mut table = ResultTable::new("per_class", "Test metrics per class", &[("class", ColumnKind::Text), ("F1", ColumnKind::Percent)]);
    table.push(vec![json!("circle"), json!(0.98)]);
    table.push(vec![json!("ring"), json!(0.91)]);
    ev(Event::Table { exp: exp.clone(), table }, &mut app, t0);
    ev(Event::Value { exp: exp.clone(), name: "test_accuracy".into(), value: json!(0.9533) }, &mut app, t0);
    ev(Event::Finished { exp: exp.clone(), seconds: 6.2, reused_from: None }, &mut app, t0);
    ev(Event::RunFinished { run_id: "20261126-120000-abcd".into(), status: adaptlab::events::RunStatus::Finished }, &mut app, t0);
    assert_eq!(app.on_key('2'), Action::None);
    assert_eq!(app.tab, Tab::Results);
    insta::assert_snapshot!(frame(&app));
}

#[test]
fn help_overlay() {
    let mut app = demo_app();
    app.on_key('?');
    insta::assert_snapshot!(frame(&app));
    app.on_key('x');
    assert!(!app.show_help, "any key closes the help");
}

fn row(id: &str, status: &str, acc: f64) -> ExpRow {
    ExpRow {
        exp_id: id.into(), part: "demo".into(), task: "smoke".into(), title: id.into(), seed: 1, device: "cpu".into(),
        spec_hash: Some("h".into()), status: adaptlab::events::ExpStatus::parse(status).unwrap(), error: None, started_at: None, seconds: Some(5.0), reused_from: None,
        values: json!({"test_accuracy": acc}).as_object().unwrap().clone(),
    }
}

fn run_row(id: &str, status: &str) -> RunRow {
    RunRow {
        id: id.into(), suite_name: "demo".into(), suite_source: "builtin:demo".into(), started_at: "2026-11-26T12:00:00Z".into(),
        finished_at: None, status: status.into(), version: "0.1.0".into(), selected: vec![],
    }
}

#[test]
fn history_compares_two_marked_runs() {
    let mut app = demo_app();
    assert_eq!(app.on_key('3'), Action::RefreshHistory);
    app.history.runs = vec![run_row("20261126-120500-bbbb", "finished"), run_row("20261126-120000-aaaa", "cancelled")];
    assert_eq!(app.on_key('m'), Action::None);
    app.on_key('j');
    let action = app.on_key('m');
    assert_eq!(action, Action::Compare("20261126-120500-bbbb".into(), "20261126-120000-aaaa".into()));
    let (a, b) = (vec![row("demo.smoke", "finished", 0.95)], vec![row("demo.smoke", "cancelled", 0.5)]);
    app.history.diff = Some(("20261126-120500-bbbb".into(), "20261126-120000-aaaa".into(), diff_runs(&a, &b)));
    insta::assert_snapshot!(frame(&app));
}

#[test]
fn keys_start_cancel_and_guard_quitting() {
    let mut app = demo_app();
    assert_eq!(app.on_key('r'), Action::Start { only: vec![], force: false });
    assert_eq!(app.on_key('\n'), Action::Start { only: vec!["demo.smoke".into()], force: false });
    app.on_key('j');
    assert_eq!(app.on_key('F'), Action::Start { only: vec!["demo.q5.tiny-vit".into()], force: true });
    assert_eq!(app.on_key('q'), Action::Quit);
    mid_run(&mut app);
    assert_eq!(app.on_key('r'), Action::None, "one run at a time");
    assert_eq!(app.on_key('q'), Action::None, "quitting mid-run needs a cancel first");
    assert!(app.message.as_deref().unwrap_or("").contains("press c"));
    assert_eq!(app.on_key('c'), Action::Cancel);
    app.on_key('4');
    assert_eq!(app.on_key('g'), Action::RenderReport);
}

#[test]
fn fits_small_and_large_terminals() {
    let mut app = demo_app();
    mid_run(&mut app);
    for (w, h) in [(60, 16), (80, 24), (200, 60)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal.draw(|f| view::draw(f, &app, &Theme { colour: false })).unwrap();
    }
}

/// The Live tab follows the experiment that is running until the user moves the
/// selection; `f` follows again. The title bar counts the run's settled experiments.
#[test]
fn the_selection_follows_the_running_experiment_until_moved() {
    let mut app = demo_app();
    let t0 = Instant::now();
    let ids: Vec<String> = app.suite.experiments.iter().take(3).map(|e| e.id.clone()).collect();
    let start = |exp: &str| Event::ExperimentStarted { exp: exp.into(), spec_hash: "h".into(), device: "cpu".into() };
    let finish = |exp: &str| Event::Finished { exp: exp.into(), seconds: 1.0, reused_from: None };
    ev(Event::RunStarted { run_id: "r".into(), suite: "demo".into(), selected: ids.clone() }, &mut app, t0);
    ev(start(&ids[0]), &mut app, t0);
    assert_eq!(app.selected_id(), Some(ids[0].as_str()));
    ev(finish(&ids[0]), &mut app, t0);
    ev(start(&ids[1]), &mut app, t0);
    assert_eq!(app.selected_id(), Some(ids[1].as_str()), "the pane moves on with the run");
    let text = frame(&app);
    assert!(text.contains("▶ 1/3 done") && text.contains("following the run"), "{text}");
    app.on_key('k');
    assert!(!app.follow);
    ev(finish(&ids[1]), &mut app, t0);
    ev(start(&ids[2]), &mut app, t0);
    assert_eq!(app.selected_id(), Some(ids[0].as_str()), "a selection the user made stays");
    app.on_key('f');
    assert_eq!(app.selected_id(), Some(ids[2].as_str()), "f jumps back to the running experiment");
    assert!(app.follow);
}
