//! Suite names the CLI accepts: a YAML path, or `demo` / `hw5` (embedded in the binary,
//! so they work from any directory; a file of that name in the current directory wins).
use super::kind::KindDef;
use super::load::{parse_suite, SpecError, SpecErrors};
use super::model::Suite;
use std::path::{Path, PathBuf};

pub const DEMO_YAML: &str = include_str!("../../experiments/demo.yaml");
pub const HW5_YAML: &str = include_str!("../../experiments/hw5.yaml");

#[derive(Debug, Clone, PartialEq)]
pub enum SuiteRef {
    Builtin(&'static str),
    File(PathBuf),
}

impl SuiteRef {
    pub fn parse(text: &str) -> SuiteRef {
        let path = Path::new(text);
        match text {
            "demo" | "hw5" if !path.is_file() => SuiteRef::Builtin(if text == "demo" { "demo" } else { "hw5" }),
            _ => SuiteRef::File(path.to_path_buf()),
        }
    }
}

impl std::fmt::Display for SuiteRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SuiteRef::Builtin(name) => write!(f, "builtin:{name}"),
            SuiteRef::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// Reads and validates a suite against the task kinds in `kinds`.
pub fn load_suite(suite: &SuiteRef, kinds: &[&'static dyn KindDef]) -> Result<Suite, SpecErrors> {
    match suite {
        SuiteRef::Builtin("demo") => parse_suite(DEMO_YAML, "builtin:demo", kinds),
        SuiteRef::Builtin(_) => parse_suite(HW5_YAML, "builtin:hw5", kinds),
        SuiteRef::File(path) => {
            let file = path.display().to_string();
            let text = std::fs::read_to_string(path).map_err(|e| {
                SpecErrors(vec![SpecError {
                    file: file.clone(),
                    line: 1,
                    col: 1,
                    message: format!("cannot read the suite file: {e}"),
                    hint: Some("pass a YAML file path, or a built-in suite name: `demo`, `hw5`".into()),
                }])
            })?;
            parse_suite(&text, &file, kinds)
        }
    }
}
