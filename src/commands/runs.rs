//! `adaptlab runs list | show | diff | rm`: the run history as tables (or JSON).
use crate::cli::{ExitCode, RunsCommand};
use crate::events::ExpStatus;
use crate::results::format_float;
use crate::store::diff::diff_runs;
use crate::store::{ExpRow, RunRow, Store};
use crate::paths::Paths;
use anyhow::Result;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};
use serde_json::{json, Value};

pub fn run(command: &RunsCommand, paths: &Paths) -> Result<ExitCode> {
    let store = Store::open(&paths.home)?;
    match command {
        RunsCommand::List { json } => list(&store, *json),
        RunsCommand::Show { run, json } => show(&store, run, *json),
        RunsCommand::Diff { run_a, run_b, json } => diff(&store, run_a, run_b, *json),
        RunsCommand::Rm { run } => {
            let id = store.resolve_run_id(run)?;
            store.delete_run(&id)?;
            println!("deleted run {id}");
            Ok(ExitCode::Success)
        }
    }
}

fn new_table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).set_header(header.iter().map(Cell::new));
    t
}

fn list(store: &Store, as_json: bool) -> Result<ExitCode> {
    let runs = store.runs()?;
    if as_json {
        let rows: Vec<Value> = runs
            .iter()
            .map(|r| -> Result<Value> {
                let exps = store.experiments(&r.id)?;
                Ok(json!({"run": r, "finished": exps.iter().filter(|e| e.status == ExpStatus::Finished).count(), "experiments": exps.len()}))
            })
            .collect::<Result<_>>()?;
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::Success);
    }
    if runs.is_empty() {
        println!("no runs yet in {}; try `adaptlab --report --suite demo`", store.home().display());
        return Ok(ExitCode::Success);
    }
    let mut t = new_table(&["run", "suite", "started (UTC)", "status", "finished", "time"]);
    for r in &runs {
        let exps = store.experiments(&r.id)?;
        let done = exps.iter().filter(|e| e.status == ExpStatus::Finished).count();
        let seconds: f64 = exps.iter().filter(|e| e.reused_from.is_none()).filter_map(|e| e.seconds).sum();
        t.add_row(vec![
            Cell::new(&r.id),
            Cell::new(&r.suite_name),
            Cell::new(r.started_at.replace('T', " ").trim_end_matches('Z')),
            Cell::new(&r.status),
            Cell::new(format!("{done}/{}", exps.len())).set_alignment(CellAlignment::Right),
            Cell::new(format!("{seconds:.1} s")).set_alignment(CellAlignment::Right),
        ]);
    }
    println!("{t}");
    Ok(ExitCode::Success)
}

fn show(store: &Store, run: &str, as_json: bool) -> Result<ExitCode> {
    let id = store.resolve_run_id(run)?;
    let Some(run) = store.run(&id)? else { anyhow::bail!("run {id} disappeared") };
    let exps = store.experiments(&id)?;
    if as_json {
        let exps: Vec<Value> = exps
            .iter()
            .map(|e| -> Result<Value> { Ok(json!({"experiment": e, "tables": store.tables(&id, &e.exp_id)?})) })
            .collect::<Result<_>>()?;
        println!("{}", serde_json::to_string_pretty(&json!({"run": run, "experiments": exps}))?);
        return Ok(ExitCode::Success);
    }
    print_run_header(&run);
    let mut t = new_table(&["experiment", "part", "task", "status", "time", "note"]);
    for e in &exps {
        t.add_row(vec![
            Cell::new(&e.exp_id),
            Cell::new(&e.part),
            Cell::new(&e.task),
            Cell::new(e.status.as_str()),
            Cell::new(e.seconds.map_or(String::new(), |s| format!("{s:.1} s"))).set_alignment(CellAlignment::Right),
            Cell::new(note(e)),
        ]);
    }
    println!("{t}");
    for e in exps.iter().filter(|e| !e.values.is_empty() || e.status == ExpStatus::Finished) {
        let tables = store.tables(&id, &e.exp_id)?;
        if e.values.is_empty() && tables.is_empty() {
            continue;
        }
        println!("\n{} — {}", e.exp_id, e.title);
        if !e.values.is_empty() {
            let mut vt = new_table(&["value", ""]);
            for (k, v) in &e.values {
                vt.add_row(vec![Cell::new(k), Cell::new(crate::report::i18n::english().shown_value(Some(v)))]);
            }
            println!("{vt}");
        }
        for table in tables {
            let headings: Vec<String> = table.columns.iter().map(|c| crate::report::i18n::english().column(&c.key)).collect();
            let mut tt = new_table(&headings.iter().map(String::as_str).collect::<Vec<_>>());
            for r in 0..table.rows.len() {
                tt.add_row((0..table.columns.len()).map(|c| Cell::new(crate::report::i18n::english().cell(&table, r, c))).collect::<Vec<_>>());
            }
            println!("{}\n{tt}", table.title);
        }
    }
    Ok(ExitCode::Success)
}

fn print_run_header(run: &RunRow) {
    println!("run {}  suite {} ({})", run.id, run.suite_name, run.suite_source);
    println!("started {}  finished {}  status {}  adaptlab {}", run.started_at, run.finished_at.as_deref().unwrap_or("—"), run.status, run.version);
}

fn note(e: &ExpRow) -> String {
    match (&e.reused_from, &e.error) {
        (Some(r), _) => format!("reused from {r}"),
        (None, Some(err)) => err.chars().take(60).collect(),
        _ => String::new(),
    }
}

fn diff(store: &Store, a: &str, b: &str, as_json: bool) -> Result<ExitCode> {
    let (ida, idb) = (store.resolve_run_id(a)?, store.resolve_run_id(b)?);
    let lines = diff_runs(&store.experiments(&ida)?, &store.experiments(&idb)?);
    if as_json {
        println!("{}", serde_json::to_string_pretty(&json!({"a": ida, "b": idb, "experiments": lines}))?);
        return Ok(ExitCode::Success);
    }
    println!("A = {ida}\nB = {idb}");
    let mut t = new_table(&["experiment", "status A", "status B", "spec", "value", "A", "B", "B − A"]);
    for line in &lines {
        let spec = match line.same_spec {
            Some(true) => "same",
            Some(false) => "changed",
            None => "—",
        };
        let status = |s: &Option<String>| s.clone().unwrap_or_else(|| "absent".into());
        let head = [line.experiment.clone(), status(&line.status_a), status(&line.status_b), spec.to_string()];
        if line.changed_values.is_empty() {
            t.add_row(head.iter().cloned().chain(["", "", "", ""].map(String::from)).collect::<Vec<_>>());
        }
        for (i, c) in line.changed_values.iter().enumerate() {
            let lead = if i == 0 { head.clone() } else { Default::default() };
            let delta = c.delta().map_or("—".to_string(), format_float);
            t.add_row(lead.into_iter().chain([c.name.clone(), crate::report::i18n::english().shown_value(c.a.as_ref()), crate::report::i18n::english().shown_value(c.b.as_ref()), delta]).collect::<Vec<_>>());
        }
    }
    println!("{t}");
    Ok(ExitCode::Success)
}
