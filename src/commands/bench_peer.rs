//! The Python side of a benchmark as a long-lived process that measures on request, so
//! that rounds of ours and theirs can alternate: on a shared machine the speed drifts
//! over minutes, and a ratio of two measurements taken side by side is far steadier
//! than one of two runs taken minutes apart.
use anyhow::{bail, Context, Result};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

pub struct PythonPeer {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    stderr_path: tempfile::TempPath,
}

impl PythonPeer {
    /// Starts `python script args...` and waits for its `{"ready": true}` line.
    pub fn start(python: &Path, script: &Path, args: &[String]) -> Result<Self> {
        let stderr_file = tempfile::NamedTempFile::new()?;
        let stderr = stderr_file.reopen()?;
        let mut child = Command::new(python)
            .arg(script)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .with_context(|| format!("running {} (set ADAPTLAB_PYTHON or run `make setup-ref`)", python.display()))?;
        let stdin = child.stdin.take().context("the Python benchmark's stdin")?;
        let stdout = BufReader::new(child.stdout.take().context("the Python benchmark's stdout")?);
        let mut peer = Self { child, stdin, stdout, stderr_path: stderr_file.into_temp_path() };
        let ready = peer.read_reply()?;
        if ready["ready"] != serde_json::Value::Bool(true) {
            bail!("the Python benchmark did not start as expected: {ready}");
        }
        Ok(peer)
    }

    /// Asks for one measurement and returns its number.
    /// A request may carry arguments after its name (`train 5`); the reply is keyed by the name.
    pub fn measure(&mut self, request: &str) -> Result<f64> {
        writeln!(self.stdin, "{request}").and_then(|_| self.stdin.flush()).map_err(|e| self.failure(&e.to_string()))?;
        let reply = self.read_reply()?;
        let name = request.split_whitespace().next().unwrap_or(request);
        reply[name].as_f64().with_context(|| format!("the Python benchmark answered {reply} to {request}"))
    }

    /// The next JSON line; libraries may print other lines first.
    fn read_reply(&mut self) -> Result<serde_json::Value> {
        loop {
            let mut line = String::new();
            if self.stdout.read_line(&mut line)? == 0 {
                return Err(self.failure("it exited"));
            }
            if line.trim_start().starts_with('{') {
                return serde_json::from_str(line.trim()).context("reading the Python benchmark's JSON");
            }
        }
    }

    fn failure(&self, what: &str) -> anyhow::Error {
        let stderr = std::fs::read_to_string(&self.stderr_path).unwrap_or_default();
        let tail: Vec<&str> = stderr.lines().rev().take(30).collect();
        anyhow::anyhow!("the Python benchmark failed ({what}):\n{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"))
    }
}

impl Drop for PythonPeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Median of paired ratios and of each side, from rounds taken side by side.
pub struct Paired {
    pub ours: f64,
    pub theirs: f64,
    pub ratio: f64,
}

pub fn paired(rounds: &[(f64, f64)]) -> Paired {
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n == 0 {
            f64::NAN
        } else if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    };
    Paired {
        ours: median(rounds.iter().map(|r| r.0).collect()),
        theirs: median(rounds.iter().map(|r| r.1).collect()),
        ratio: median(rounds.iter().map(|r| r.0 / r.1).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_sides_and_of_paired_ratios() {
        let p = paired(&[(10.0, 5.0), (4.0, 4.0), (9.0, 3.0)]);
        assert_eq!((p.ours, p.theirs, p.ratio), (9.0, 4.0, 2.0));
        let even = paired(&[(2.0, 1.0), (3.0, 1.0)]);
        assert_eq!((even.ours, even.ratio), (2.5, 2.5));
        assert!(paired(&[]).ratio.is_nan());
    }
}
