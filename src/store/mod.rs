//! Run history: a SQLite index at `$ADAPTLAB_HOME/runs.sqlite` plus one directory per run
//! (`runs/<id>/` with the suite snapshot, `events.jsonl`, per-experiment results and artifacts).
pub mod diff;
pub mod schema;

use crate::fsx;
use crate::results::ResultTable;
use crate::events::{ExpStatus, RunStatus};
use anyhow::{bail, Context, Result};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use std::path::{Path, PathBuf};

pub struct Store {
    conn: Connection,
    home: PathBuf,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RunRow {
    pub id: String,
    pub suite_name: String,
    pub suite_source: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub status: String,
    pub version: String,
    pub selected: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ExpRow {
    pub exp_id: String,
    pub part: String,
    pub task: String,
    pub title: String,
    pub seed: u64,
    pub device: String,
    pub spec_hash: Option<String>,
    pub status: ExpStatus,
    pub error: Option<String>,
    pub started_at: Option<String>,
    pub seconds: Option<f64>,
    pub reused_from: Option<String>,
    pub values: serde_json::Map<String, serde_json::Value>,
}

/// What a new experiment row needs.
pub struct NewExperiment<'a> {
    pub exp_id: &'a str,
    pub part: &'a str,
    pub task: &'a str,
    pub title: &'a str,
    pub seed: u64,
    pub device: &'a str,
}

impl Store {
    /// Opens (creating and migrating) the store under `home`, and marks runs left
    /// `running` by a process that no longer exists as interrupted.
    pub fn open(home: &Path) -> Result<Store> {
        std::fs::create_dir_all(home.join("runs"))
            .with_context(|| format!("creating the run store in {} (set ADAPTLAB_HOME to move it)", home.display()))?;
        let path = home.join("runs.sqlite");
        let mut conn = Connection::open(&path).with_context(|| format!("opening {}", path.display()))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        schema::migrate(&mut conn).with_context(|| format!("migrating {}", path.display()))?;
        let store = Store { conn, home: home.to_path_buf() };
        store.mark_interrupted()?;
        Ok(store)
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    pub fn run_dir(&self, run_id: &str) -> PathBuf {
        self.home.join("runs").join(run_id)
    }

    pub fn exp_dir(&self, run_id: &str, exp_id: &str) -> PathBuf {
        self.run_dir(run_id).join("experiments").join(exp_id)
    }

    fn mark_interrupted(&self) -> Result<()> {
        let host = hostname();
        let mut stmt = self.conn.prepare("SELECT id, pid, host FROM runs WHERE status = 'running'")?;
        let stale: Vec<String> = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?, r.get::<_, Option<String>>(2)?)))?
            .filter_map(|r| r.ok())
            .filter(|(_, pid, h)| h.as_deref() == Some(host.as_str()) && !pid.is_some_and(adaptlab_alive))
            .map(|(id, ..)| id)
            .collect();
        for id in stale {
            self.conn.execute(
                "UPDATE experiments SET status = 'interrupted' WHERE run_id = ?1 AND status IN ('running', 'pending')",
                [&id],
            )?;
            self.conn.execute("UPDATE runs SET status = 'interrupted' WHERE id = ?1", [&id])?;
        }
        Ok(())
    }

    /// Creates a run row and its directory with the suite snapshot.
    pub fn create_run(&self, suite_name: &str, suite_source: &str, suite_text: &str, selected: &[String]) -> Result<String> {
        let id = new_run_id();
        let dir = self.run_dir(&id);
        std::fs::create_dir_all(dir.join("experiments")).with_context(|| format!("creating {}", dir.display()))?;
        fsx::write_atomic(&dir.join("suite.yaml"), suite_text.as_bytes())?;
        self.conn.execute(
            "INSERT INTO runs (id, suite_name, suite_source, started_at, status, pid, host, version, selected)
             VALUES (?1, ?2, ?3, ?4, 'running', ?5, ?6, ?7, ?8)",
            params![id, suite_name, suite_source, crate::clock::now_text(), std::process::id(), hostname(),
                env!("CARGO_PKG_VERSION"), serde_json::to_string(selected)?],
        )?;
        Ok(id)
    }

    pub fn add_experiment(&self, run_id: &str, position: usize, e: &NewExperiment) -> Result<()> {
        self.conn.execute(
            "INSERT INTO experiments (run_id, exp_id, position, part, task, title, seed, device, status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending')",
            params![run_id, e.exp_id, position as i64, e.part, e.task, e.title, e.seed as i64, e.device],
        )?;
        Ok(())
    }

    pub fn experiment_started(&self, run_id: &str, exp_id: &str, spec_hash: &str, device: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE experiments SET status = 'running', spec_hash = ?3, device = ?4, started_at = ?5
             WHERE run_id = ?1 AND exp_id = ?2",
            params![run_id, exp_id, spec_hash, device, crate::clock::now_text()],
        )?;
        Ok(())
    }

    /// One point of a series; a point already at that step is replaced (a resumed
    /// experiment logs again the steps after its checkpoint, which the attempt it resumes
    /// had logged too).
    pub fn record_metric(&self, run_id: &str, exp_id: &str, name: &str, step: u64, value: f64) -> Result<()> {
        self.conn
            .prepare_cached("DELETE FROM metrics WHERE run_id = ?1 AND exp_id = ?2 AND name = ?3 AND step = ?4")?
            .execute(params![run_id, exp_id, name, step as i64])?;
        self.conn
            .prepare_cached("INSERT INTO metrics (run_id, exp_id, name, step, value) VALUES (?1, ?2, ?3, ?4, ?5)")?
            .execute(params![run_id, exp_id, name, step as i64, value])?;
        Ok(())
    }

    /// How long the experiment took when it last ran to the end: at the same spec hash,
    /// else under the same id in a run of the same suite.
    pub fn last_seconds(&self, spec_hash: &str, exp_id: &str, suite: &str) -> Result<Option<f64>> {
        Ok(self
            .conn
            .query_row(
                "SELECT e.seconds FROM experiments e JOIN runs r ON r.id = e.run_id
                 WHERE e.status = 'finished' AND e.reused_from IS NULL AND e.seconds IS NOT NULL
                   AND (e.spec_hash = ?1 OR (e.exp_id = ?2 AND r.suite_name = ?3))
                 ORDER BY (e.spec_hash = ?1) DESC, r.started_at DESC, r.rowid DESC LIMIT 1",
                params![spec_hash, exp_id, suite],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The newest unfinished attempt (interrupted, failed or cancelled, in another run)
    /// at the experiment `spec_hash`: where a resumed experiment's earlier curves are.
    pub fn find_unfinished_attempt(&self, spec_hash: &str, not_run: &str) -> Result<Option<(String, String)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT e.run_id, e.exp_id FROM experiments e JOIN runs r ON r.id = e.run_id
                 WHERE e.spec_hash = ?1 AND e.status IN ('interrupted', 'failed', 'cancelled', 'running') AND e.run_id != ?2
                 ORDER BY r.started_at DESC, r.rowid DESC LIMIT 1",
                params![spec_hash, not_run],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// Copies the metric series of one experiment into another (the results of an
    /// attempt that a resumed experiment continues).
    pub fn copy_metrics(&self, from_run: &str, from_exp: &str, to_run: &str, to_exp: &str) -> Result<usize> {
        Ok(self.conn.execute(
            "INSERT INTO metrics (run_id, exp_id, name, step, value)
             SELECT ?3, ?4, name, step, value FROM metrics WHERE run_id = ?1 AND exp_id = ?2",
            params![from_run, from_exp, to_run, to_exp],
        )?)
    }

    pub fn record_table(&self, run_id: &str, exp_id: &str, table: &ResultTable) -> Result<()> {
        let position: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM result_tables WHERE run_id = ?1 AND exp_id = ?2",
            params![run_id, exp_id],
            |r| r.get(0),
        )?;
        // A table emitted again under the same name replaces the earlier one.
        self.conn.execute(
            "DELETE FROM result_tables WHERE run_id = ?1 AND exp_id = ?2 AND name = ?3",
            params![run_id, exp_id, table.name],
        )?;
        self.conn.execute(
            "INSERT INTO result_tables (run_id, exp_id, position, name, json) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![run_id, exp_id, position, table.name, serde_json::to_string(table)?],
        )?;
        Ok(())
    }

    pub fn record_artifact(&self, run_id: &str, exp_id: &str, name: &str, file: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO artifacts (run_id, exp_id, name, file) VALUES (?1, ?2, ?3, ?4)",
            params![run_id, exp_id, name, file],
        )?;
        Ok(())
    }

    /// Ends an experiment: `finished` with its values, or failed / cancelled / skipped with a reason.
    pub fn experiment_ended(
        &self,
        run_id: &str,
        exp_id: &str,
        status: ExpStatus,
        error: Option<&str>,
        seconds: Option<f64>,
        values: &serde_json::Map<String, serde_json::Value>,
        reused_from: Option<&str>,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE experiments SET status = ?3, error = ?4, seconds = ?5, values_json = ?6, reused_from = ?7, finished_at = ?8
             WHERE run_id = ?1 AND exp_id = ?2",
            params![run_id, exp_id, status.as_str(), error, seconds, serde_json::to_string(values)?, reused_from, crate::clock::now_text()],
        )?;
        Ok(())
    }

    pub fn finish_run(&self, run_id: &str, status: RunStatus) -> Result<()> {
        self.conn.execute(
            "UPDATE runs SET status = ?2, finished_at = ?3 WHERE id = ?1",
            params![run_id, status.as_str(), crate::clock::now_text()],
        )?;
        Ok(())
    }

    /// The newest finished experiment with this spec hash, as (run id, experiment id).
    pub fn find_reusable(&self, spec_hash: &str) -> Result<Option<(String, String)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT e.run_id, e.exp_id FROM experiments e JOIN runs r ON r.id = e.run_id
                 WHERE e.spec_hash = ?1 AND e.status = 'finished' AND e.reused_from IS NULL
                 ORDER BY r.started_at DESC, r.rowid DESC LIMIT 1",
                [spec_hash],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// Copies a finished experiment's results (rows and files) into another run.
    pub fn copy_results(&self, from_run: &str, from_exp: &str, to_run: &str, to_exp: &str) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO metrics (run_id, exp_id, name, step, value)
             SELECT ?3, ?4, name, step, value FROM metrics WHERE run_id = ?1 AND exp_id = ?2",
            params![from_run, from_exp, to_run, to_exp],
        )?;
        tx.execute(
            "INSERT INTO result_tables (run_id, exp_id, position, name, json)
             SELECT ?3, ?4, position, name, json FROM result_tables WHERE run_id = ?1 AND exp_id = ?2",
            params![from_run, from_exp, to_run, to_exp],
        )?;
        tx.execute(
            "INSERT INTO artifacts (run_id, exp_id, name, file)
             SELECT ?3, ?4, name, file FROM artifacts WHERE run_id = ?1 AND exp_id = ?2",
            params![from_run, from_exp, to_run, to_exp],
        )?;
        tx.commit()?;
        crate::fsx::link_or_copy_dir(&self.exp_dir(from_run, from_exp), &self.exp_dir(to_run, to_exp))
    }

    /// Newest first. Start times have whole seconds, so every query that wants "the
    /// newest" breaks ties by rowid (insertion order): a run restarted within the second
    /// its predecessor was killed is still the newer one.
    pub fn runs(&self) -> Result<Vec<RunRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, suite_name, suite_source, started_at, finished_at, status, version, selected
             FROM runs ORDER BY started_at DESC, rowid DESC",
        )?;
        let rows = stmt.query_map([], run_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    pub fn run(&self, run_id: &str) -> Result<Option<RunRow>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, suite_name, suite_source, started_at, finished_at, status, version, selected
                 FROM runs WHERE id = ?1",
                [run_id],
                run_row,
            )
            .optional()?)
    }

    /// A full run id from an id, a unique prefix of one, or `latest`.
    pub fn resolve_run_id(&self, text: &str) -> Result<String> {
        let runs = self.runs()?;
        if runs.is_empty() {
            bail!("there are no runs in {} yet; start one with `adaptlab run demo`", self.home.display());
        }
        if text == "latest" {
            return Ok(runs[0].id.clone());
        }
        let matches: Vec<&RunRow> = runs.iter().filter(|r| r.id.starts_with(text)).collect();
        match matches.as_slice() {
            [one] => Ok(one.id.clone()),
            [] => bail!("no run `{text}`; `adaptlab runs list` shows the run ids"),
            many => bail!(
                "`{text}` matches {} runs ({}, ...); give more of the id",
                many.len(),
                many.iter().take(3).map(|r| r.id.as_str()).collect::<Vec<_>>().join(", ")
            ),
        }
    }

    pub fn experiments(&self, run_id: &str) -> Result<Vec<ExpRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT exp_id, part, task, title, seed, device, spec_hash, status, error, started_at, seconds,
                    reused_from, values_json
             FROM experiments WHERE run_id = ?1 ORDER BY position",
        )?;
        let rows = stmt
            .query_map([run_id], |r| {
                let values: String = r.get(12)?;
                Ok(ExpRow {
                    exp_id: r.get(0)?,
                    part: r.get(1)?,
                    task: r.get(2)?,
                    title: r.get(3)?,
                    seed: r.get::<_, i64>(4)? as u64,
                    device: r.get(5)?,
                    spec_hash: r.get(6)?,
                    // A status an older or newer build wrote reads as interrupted.
                    status: ExpStatus::parse(&r.get::<_, String>(7)?).unwrap_or(ExpStatus::Interrupted),
                    error: r.get(8)?,
                    started_at: r.get(9)?,
                    seconds: r.get(10)?,
                    reused_from: r.get(11)?,
                    values: serde_json::from_str(&values).unwrap_or_default(),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Every metric of an experiment as (name, step, value), in name then step order.
    pub fn metrics(&self, run_id: &str, exp_id: &str) -> Result<Vec<(String, u64, f64)>> {
        let mut stmt = self.conn.prepare(
            "SELECT name, step, value FROM metrics WHERE run_id = ?1 AND exp_id = ?2 ORDER BY name, step, rowid",
        )?;
        let rows = stmt
            .query_map([run_id, exp_id], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64, r.get(2)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    pub fn tables(&self, run_id: &str, exp_id: &str) -> Result<Vec<ResultTable>> {
        let mut stmt = self
            .conn
            .prepare("SELECT json FROM result_tables WHERE run_id = ?1 AND exp_id = ?2 ORDER BY position")?;
        let texts = stmt.query_map([run_id, exp_id], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
        texts
            .iter()
            .map(|t| serde_json::from_str(t).context("a stored result table is not valid JSON"))
            .collect()
    }

    /// Artifacts as (name, path relative to the experiment directory).
    pub fn artifacts(&self, run_id: &str, exp_id: &str) -> Result<Vec<(String, String)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, file FROM artifacts WHERE run_id = ?1 AND exp_id = ?2 ORDER BY rowid")?;
        let rows = stmt.query_map([run_id, exp_id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Deletes a run's rows and directory.
    pub fn delete_run(&self, run_id: &str) -> Result<()> {
        if let Some(run) = self.run(run_id)? {
            if run.status == "running" {
                bail!("run {run_id} is still running; cancel it first");
            }
        }
        self.conn.execute("DELETE FROM runs WHERE id = ?1", [run_id])?;
        let dir = self.run_dir(run_id);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
        }
        Ok(())
    }
}

fn run_row(r: &rusqlite::Row) -> rusqlite::Result<RunRow> {
    let selected: String = r.get(7)?;
    Ok(RunRow {
        id: r.get(0)?,
        suite_name: r.get(1)?,
        suite_source: r.get(2)?,
        started_at: r.get(3)?,
        finished_at: r.get(4)?,
        status: r.get(5)?,
        version: r.get(6)?,
        selected: serde_json::from_str(&selected).unwrap_or_default(),
    })
}

/// Sortable and unique: UTC time to the second plus a few bits of the pid and clock.
fn new_run_id() -> String {
    let now = time::OffsetDateTime::now_utc();
    let fmt = time::macros::format_description!("[year][month][day]-[hour][minute][second]");
    let stamp = now.format(&fmt).unwrap_or_else(|_| "run".into());
    let salt = (now.nanosecond() ^ std::process::id().rotate_left(16)) & 0xffff;
    format!("{stamp}-{salt:04x}")
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "unknown".into())
}

/// Whether `pid` is still an adaptlab process (a reused pid of another program is not).
fn adaptlab_alive(pid: i64) -> bool {
    if pid as u32 == std::process::id() {
        return true;
    }
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|cmd| String::from_utf8_lossy(&cmd).contains("adaptlab"))
        .unwrap_or(false)
}
