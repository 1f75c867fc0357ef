//! Running the Python reference scripts (tests/parity/*.py) for parity tests.
//! A missing interpreter or library fails the test with the command that fixes it:
//! parity tests are never skipped silently.
use std::path::{Path, PathBuf};
use std::process::Command;

/// `ADAPTLAB_PYTHON`, else the project venv's interpreter that `make test` sets up.
pub fn interpreter() -> PathBuf {
    std::env::var_os("ADAPTLAB_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"))
}

/// Runs `tests/parity/<script>` with `args`; panics with its stderr on failure.
pub fn run_reference(script: &str, args: &[&str]) {
    let python = interpreter();
    assert!(
        python.exists(),
        "the Python reference interpreter {} does not exist: run `make setup-ref` (or set ADAPTLAB_PYTHON)",
        python.display()
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/parity").join(script);
    let out = Command::new(&python).arg(&path).args(args).output().expect("the Python interpreter starts");
    assert!(
        out.status.success(),
        "{} {} failed (is the reference environment installed? `make setup-ref`):\n{}",
        python.display(),
        script,
        String::from_utf8_lossy(&out.stderr)
    );
}
