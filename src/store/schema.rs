//! The SQLite schema as an ordered list of migrations; `PRAGMA user_version` records
//! how many have been applied. Append new migrations, never edit applied ones.
use anyhow::{bail, Context, Result};
use rusqlite::Connection;

pub const MIGRATIONS: &[&str] = &[
    // 1: runs and their experiments, with results as rows.
    "CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        suite_name TEXT NOT NULL,
        suite_source TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL,
        pid INTEGER,
        host TEXT,
        version TEXT NOT NULL,
        selected TEXT NOT NULL
    );
    CREATE TABLE experiments (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        exp_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        part TEXT NOT NULL,
        task TEXT NOT NULL,
        title TEXT NOT NULL,
        seed INTEGER NOT NULL,
        device TEXT NOT NULL,
        spec_hash TEXT,
        status TEXT NOT NULL,
        error TEXT,
        started_at TEXT,
        finished_at TEXT,
        seconds REAL,
        reused_from TEXT,
        PRIMARY KEY (run_id, exp_id)
    );
    CREATE TABLE metrics (
        run_id TEXT NOT NULL,
        exp_id TEXT NOT NULL,
        name TEXT NOT NULL,
        step INTEGER NOT NULL,
        value REAL NOT NULL,
        FOREIGN KEY (run_id, exp_id) REFERENCES experiments(run_id, exp_id) ON DELETE CASCADE
    );
    CREATE TABLE result_tables (
        run_id TEXT NOT NULL,
        exp_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        json TEXT NOT NULL,
        FOREIGN KEY (run_id, exp_id) REFERENCES experiments(run_id, exp_id) ON DELETE CASCADE
    );
    CREATE TABLE artifacts (
        run_id TEXT NOT NULL,
        exp_id TEXT NOT NULL,
        name TEXT NOT NULL,
        file TEXT NOT NULL,
        FOREIGN KEY (run_id, exp_id) REFERENCES experiments(run_id, exp_id) ON DELETE CASCADE
    );",
    // 2: lookups the runner and the report make on every run.
    "CREATE INDEX metrics_by_exp ON metrics(run_id, exp_id, name, step);
     CREATE INDEX experiments_by_hash ON experiments(spec_hash, status);",
    // 3: named scalar results (accuracy, counts) that templates read directly.
    "ALTER TABLE experiments ADD COLUMN values_json TEXT NOT NULL DEFAULT '{}';",
];

pub fn version(conn: &Connection) -> Result<usize> {
    let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    Ok(v as usize)
}

/// Applies the migrations the database has not seen, each in its own transaction.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    let current = version(conn)?;
    if current > MIGRATIONS.len() {
        bail!(
            "the run store has schema version {current}, newer than this adaptlab knows ({}); \
             upgrade adaptlab or point ADAPTLAB_HOME elsewhere",
            MIGRATIONS.len()
        );
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql).with_context(|| format!("applying store migration {}", i + 1))?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}
