//! The run store: round trip of every kind of result, schema migration, and refusal
//! of a store written by a newer adaptlab.
use adaptlab::events::RunStatus;
use adaptlab::results::{ColumnKind, ResultTable};
use adaptlab::store::{schema, NewExperiment, Store};
use serde_json::json;

fn new_exp<'a>(id: &'a str) -> NewExperiment<'a> {
    NewExperiment { exp_id: id, part: "q3a", task: "clip_zero_shot", title: "Zero-shot", seed: 7, device: "cpu" }
}

#[test]
fn round_trip_of_rows_tables_metrics_and_values() {
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(home.path()).unwrap();
    let run = store.create_run("s", "s.yaml", "name: s\n", &["a".into()]).unwrap();
    store.add_experiment(&run, 0, &new_exp("a")).unwrap();
    store.experiment_started(&run, "a", "hash-1", "cpu").unwrap();
    for step in 0..5 {
        store.record_metric(&run, "a", "loss", step, 1.0 / (step + 1) as f64).unwrap();
    }
    let mut table = ResultTable::new("t", "A table", &[("class", ColumnKind::Text), ("F1", ColumnKind::Percent)]);
    table.push(vec![json!("pug"), json!(0.5)]);
    store.record_table(&run, "a", &table).unwrap();
    table.rows[0][1] = json!(0.75);
    store.record_table(&run, "a", &table).unwrap(); // same name replaces
    store.record_artifact(&run, "a", "curve", "curve.svg").unwrap();
    let mut values = serde_json::Map::new();
    values.insert("top1".into(), json!(0.81));
    store.experiment_ended(&run, "a", adaptlab::events::ExpStatus::Finished, None, Some(3.5), &values, None).unwrap();
    store.finish_run(&run, RunStatus::Finished).unwrap();
    drop(store);

    let store = Store::open(home.path()).unwrap();
    assert_eq!(store.resolve_run_id("latest").unwrap(), run);
    assert_eq!(store.resolve_run_id(&run[..10]).unwrap(), run);
    let e = &store.experiments(&run).unwrap()[0];
    assert_eq!((e.status.as_str(), e.seconds, e.spec_hash.as_deref()), ("finished", Some(3.5), Some("hash-1")));
    assert_eq!(e.values.get("top1"), Some(&json!(0.81)));
    let metrics = store.metrics(&run, "a").unwrap();
    assert_eq!(metrics.len(), 5);
    assert_eq!(metrics[4], ("loss".to_string(), 4, 0.2));
    assert_eq!(store.tables(&run, "a").unwrap(), vec![table]);
    assert_eq!(store.artifacts(&run, "a").unwrap(), vec![("curve".to_string(), "curve.svg".to_string())]);
    assert_eq!(store.find_reusable("hash-1").unwrap(), Some((run.clone(), "a".to_string())));

    store.delete_run(&run).unwrap();
    assert!(store.runs().unwrap().is_empty());
    assert!(!store.run_dir(&run).exists());
    assert!(store.metrics(&run, "a").unwrap().is_empty(), "rows cascade");
    let err = store.resolve_run_id("latest").unwrap_err().to_string();
    assert!(err.contains("no runs"), "{err}");
}

#[test]
fn an_old_store_is_migrated_and_keeps_its_data() {
    let home = tempfile::tempdir().unwrap();
    {
        let conn = rusqlite::Connection::open(home.path().join("runs.sqlite")).unwrap();
        conn.execute_batch(schema::MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO runs (id, suite_name, suite_source, started_at, status, version, selected)
             VALUES ('old-run', 's', 's.yaml', '2026-01-01T00:00:00Z', 'finished', '0.0.1', '[\"a\"]')",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO experiments (run_id, exp_id, position, part, task, title, seed, device, status, spec_hash)
             VALUES ('old-run', 'a', 0, 'demo', 'smoke', 'A', 1, 'cpu', 'finished', 'h')",
            [],
        )
        .unwrap();
    }
    let store = Store::open(home.path()).unwrap();
    let conn = rusqlite::Connection::open(home.path().join("runs.sqlite")).unwrap();
    assert_eq!(schema::version(&conn).unwrap(), schema::MIGRATIONS.len());
    let runs = store.runs().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].selected, vec!["a".to_string()]);
    let e = &store.experiments("old-run").unwrap()[0];
    assert!(e.values.is_empty(), "the column added by migration 3 defaults to no values");
    assert_eq!(store.find_reusable("h").unwrap(), Some(("old-run".into(), "a".into())));
}

#[test]
fn a_store_from_a_newer_adaptlab_is_refused_with_advice() {
    let home = tempfile::tempdir().unwrap();
    {
        let conn = rusqlite::Connection::open(home.path().join("runs.sqlite")).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let err = format!("{:#}", Store::open(home.path()).err().unwrap());
    assert!(err.contains("schema version 99") && err.contains("ADAPTLAB_HOME"), "{err}");
}

/// Kill-and-restart makes runs that start in the same second; "newest" must still mean
/// the one created last, for the run list, `latest`, reuse and resumed curves alike.
#[test]
fn runs_started_in_the_same_second_keep_their_creation_order() {
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(home.path()).unwrap();
    let mut created = Vec::new();
    for i in 0..8 {
        let run = store.create_run("s", "s.yaml", "name: s\n", &["a".into()]).unwrap();
        store.add_experiment(&run, 0, &new_exp("a")).unwrap();
        store.experiment_started(&run, "a", "hash-1", "cpu").unwrap();
        let status = if i % 2 == 0 { adaptlab::events::ExpStatus::Finished } else { adaptlab::events::ExpStatus::Interrupted };
        store.experiment_ended(&run, "a", status, None, Some(1.0), &serde_json::Map::new(), None).unwrap();
        created.push(run);
    }
    drop(store);
    {
        let conn = rusqlite::Connection::open(home.path().join("runs.sqlite")).unwrap();
        conn.execute("UPDATE runs SET started_at = '2026-12-03T02:00:00Z'", []).unwrap();
    }
    let store = Store::open(home.path()).unwrap();
    let listed: Vec<String> = store.runs().unwrap().into_iter().map(|r| r.id).collect();
    let newest_first: Vec<String> = created.iter().rev().cloned().collect();
    assert_eq!(listed, newest_first);
    assert_eq!(store.resolve_run_id("latest").unwrap(), created[7]);
    assert_eq!(store.find_reusable("hash-1").unwrap(), Some((created[6].clone(), "a".to_string())));
    assert_eq!(store.find_unfinished_attempt("hash-1", "none").unwrap(), Some((created[7].clone(), "a".to_string())));
}
