//! The runner: event order, reuse by spec hash, --force, failures that do not stop
//! the others, cancellation, interrupted runs, determinism by seed.
mod common;
use adaptlab::events::{Event, RunStatus, StageState};
use adaptlab::run::{self, RunOptions};
use adaptlab::paths::Paths;
use adaptlab::tasks::parse_suite;
use adaptlab::store::Store;
use common::*;

fn kinds(events: &[Event]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in events {
        let label = match e {
            Event::RunStarted { .. } => "run_started".to_string(),
            Event::ExperimentStarted { exp, .. } => format!("started {exp}"),
            Event::Stage { exp, name, state: StageState::Started } => format!("stage {exp} {name}"),
            Event::Progress { exp, .. } => format!("progress {exp}"),
            Event::Finished { exp, reused_from, .. } => format!("finished {exp} reused={}", reused_from.is_some()),
            Event::Failed { exp, .. } => format!("failed {exp}"),
            Event::Skipped { exp, .. } => format!("skipped {exp}"),
            Event::Cancelled { exp } => format!("cancelled {exp}"),
            Event::RunFinished { status, .. } => format!("run_finished {}", status.as_str()),
            _ => continue,
        };
        if out.last() != Some(&label) {
            out.push(label);
        }
    }
    out
}

#[test]
fn events_come_in_order_and_the_store_matches() {
    let home = tempfile::tempdir().unwrap();
    let (events, outcome) = run_all(tiny_suite(3, 12), RunOptions::default(), home.path());
    assert_eq!(outcome.status, RunStatus::Finished);
    assert_eq!(kinds(&events), vec![
        "run_started", "started smoke", "stage smoke generate data", "stage smoke train", "progress smoke",
        "stage smoke evaluate", "finished smoke reused=false", "skipped later", "run_finished finished",
    ]);
    let metrics = events.iter().filter(|e| matches!(e, Event::Metric { name, .. } if name == "train/loss")).count();
    assert_eq!(metrics, 12, "one training-loss point per step");

    let store = Store::open(&Paths::under(home.path()).home).unwrap();
    let run = store.run(&outcome.run_id).unwrap().unwrap();
    assert_eq!(run.status, "finished");
    let exps = store.experiments(&outcome.run_id).unwrap();
    assert_eq!(exps.iter().map(|e| e.status.as_str()).collect::<Vec<_>>(), ["finished", "skipped"]);
    assert_eq!(exps[0].values.get("test_accuracy"), value(&events, "smoke", "test_accuracy").as_ref());
    assert_eq!(store.metrics(&outcome.run_id, "smoke").unwrap().iter().filter(|m| m.0 == "train/loss").count(), 12);
    let tables = store.tables(&outcome.run_id, "smoke").unwrap();
    assert_eq!(tables.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["summary", "per_class"]);
    let artifacts: Vec<String> = store.artifacts(&outcome.run_id, "smoke").unwrap().into_iter().map(|a| a.1).collect();
    assert_eq!(artifacts, ["curve-test_accuracy.svg", "curve-train_accuracy.svg", "curve-train_loss.svg"]);
    // The run directory holds the snapshot, the event log and the per-experiment files.
    let dir = store.run_dir(&outcome.run_id);
    assert!(std::fs::read_to_string(dir.join("suite.yaml")).unwrap().contains("Tiny smoke"));
    let log = std::fs::read_to_string(dir.join("events.jsonl")).unwrap();
    assert!(log.lines().all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()));
    assert!(log.lines().last().unwrap().contains("\"run_finished\""));
    for file in ["result.json", "summary.csv", "per_class.csv", "curve-train_loss.svg", "curve-test_accuracy.svg"] {
        assert!(store.exp_dir(&outcome.run_id, "smoke").join(file).is_file(), "{file}");
    }
}

#[test]
fn unchanged_experiment_is_reused_and_force_recomputes() {
    let home = tempfile::tempdir().unwrap();
    let (first, a) = run_all(tiny_suite(3, 12), RunOptions::default(), home.path());
    let (second, b) = run_all(tiny_suite(3, 12), RunOptions::default(), home.path());
    assert!(second.iter().any(|e| matches!(e, Event::Finished { reused_from: Some(r), .. } if *r == a.run_id)));
    assert!(!second.iter().any(|e| matches!(e, Event::ExperimentStarted { .. })), "nothing recomputed");
    assert_eq!(value(&first, "smoke", "test_accuracy"), value(&second, "smoke", "test_accuracy"));
    let store = Store::open(&Paths::under(home.path()).home).unwrap();
    assert_eq!(store.experiments(&b.run_id).unwrap()[0].values, store.experiments(&a.run_id).unwrap()[0].values);
    assert_eq!(store.tables(&b.run_id, "smoke").unwrap(), store.tables(&a.run_id, "smoke").unwrap());

    let (forced, _) = run_all(tiny_suite(3, 12), RunOptions { force: true, ..Default::default() }, home.path());
    assert!(forced.iter().any(|e| matches!(e, Event::Finished { reused_from: None, .. })));
    assert_eq!(value(&first, "smoke", "test_accuracy"), value(&forced, "smoke", "test_accuracy"), "same seed, same result");

    let (changed, _) = run_all(tiny_suite(4, 12), RunOptions::default(), home.path());
    assert!(changed.iter().any(|e| matches!(e, Event::ExperimentStarted { .. })), "another seed is another experiment");
    assert_ne!(value(&first, "smoke", "final_loss"), value(&changed, "smoke", "final_loss"));
}

#[test]
fn a_failure_does_not_stop_the_others_and_dependents_are_skipped() {
    let yaml = format!("{}  - id: pending\n    part: q4\n    task: reasoning\n    params: {{ dataset: /nonexistent/questions.jsonl }}\n  - id: after\n    part: q5\n    task: vit_lora\n    needs: [pending]\n", tiny_yaml(1, 4));
    let suite = parse_suite(&yaml, "t.yaml").unwrap();
    let home = tempfile::tempdir().unwrap();
    let (events, outcome) = run_all(suite, RunOptions::default(), home.path());
    assert_eq!(outcome.status, RunStatus::Failed);
    assert_eq!(outcome.not_finished, ["pending", "after"]);
    let failure = events.iter().find_map(|e| match e { Event::Failed { error, .. } => Some(error.clone()), _ => None }).unwrap();
    assert!(failure.contains("/nonexistent/questions.jsonl"), "{failure}");
    assert!(kinds(&events).contains(&"finished smoke reused=false".to_string()));
    assert!(events.iter().any(|e| matches!(e, Event::Skipped { exp, reason } if exp == "after" && reason.contains("pending"))));
}

#[test]
fn only_selects_an_experiment_and_what_it_needs() {
    let yaml = format!("{}  - id: other\n    part: demo\n    task: smoke\n    params: {{steps: 2, train_images: 40, test_images: 10, classes: 2}}\n", tiny_yaml(1, 4));
    let suite = parse_suite(&yaml, "t.yaml").unwrap();
    assert_eq!(run::select::select(&suite, &["other".into()]).unwrap(), ["other"]);
    let err = run::select::select(&suite, &["smok".into()]).unwrap_err().to_string();
    assert!(err.contains("did you mean `smoke`?"), "{err}");
    // An explicitly selected disabled experiment runs (and here fails: its data file is missing).
    let home = tempfile::tempdir().unwrap();
    let (events, outcome) = run_all(suite, RunOptions { only: vec!["later".into()], force: false }, home.path());
    assert_eq!(outcome.status, RunStatus::Failed);
    assert!(events.iter().any(|e| matches!(e, Event::Failed { exp, .. } if exp == "later")));
}

#[test]
fn cancel_stops_at_the_next_step_and_keeps_the_record() {
    let yaml = format!("{}  - id: second\n    part: demo\n    task: smoke\n    params: {{steps: 5}}\n", tiny_yaml(2, 100_000));
    let suite = parse_suite(&yaml, "t.yaml").unwrap();
    let home = tempfile::tempdir().unwrap();
    let handle = run::start(suite, RunOptions::default(), &Paths::under(home.path())).unwrap();
    let mut events = Vec::new();
    for e in handle.events.iter() {
        if matches!(e, Event::Progress { done: 3, .. }) {
            handle.cancel.cancel();
        }
        events.push(e);
    }
    let outcome = handle.wait().unwrap();
    assert_eq!(outcome.status, RunStatus::Cancelled);
    let steps = events.iter().filter(|e| matches!(e, Event::Progress { .. })).count();
    assert!(steps < 10, "stopped within a step or two, not after {steps}");
    assert!(
        kinds(&events).ends_with(&["cancelled smoke".into(), "skipped later".into(), "cancelled second".into(), "run_finished cancelled".into()]),
        "{:?}",
        kinds(&events)
    );
    let store = Store::open(&Paths::under(home.path()).home).unwrap();
    assert_eq!(store.run(&outcome.run_id).unwrap().unwrap().status, "cancelled");
    // The partial metrics are kept for inspection.
    assert!(!store.metrics(&outcome.run_id, "smoke").unwrap().is_empty());
}

#[test]
fn a_run_left_running_by_a_dead_process_is_marked_interrupted_and_resumes() {
    let home = tempfile::tempdir().unwrap();
    let (_, done) = run_all(tiny_suite(5, 6), RunOptions::default(), home.path());
    {
        let store = Store::open(&Paths::under(home.path()).home).unwrap();
        let id = store.create_run("tiny", "t.yaml", "name: tiny", &["smoke".into()]).unwrap();
        let conn = rusqlite::Connection::open(Paths::under(home.path()).home.join("runs.sqlite")).unwrap();
        // A pid that no process has (pid_max is below 2^22 on Linux).
        conn.execute("UPDATE runs SET pid = 4194999 WHERE id = ?1", [&id]).unwrap();
    }
    let store = Store::open(&Paths::under(home.path()).home).unwrap();
    let interrupted: Vec<_> = store.runs().unwrap().into_iter().filter(|r| r.status == "interrupted").collect();
    assert_eq!(interrupted.len(), 1);
    assert_ne!(interrupted[0].id, done.run_id);
    // Running the suite again reuses what finished before the interruption.
    let (events, _) = run_all(tiny_suite(5, 6), RunOptions::default(), home.path());
    assert!(events.iter().any(|e| matches!(e, Event::Finished { reused_from: Some(_), .. })));
}
