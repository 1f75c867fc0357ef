//! `adaptlab check --suite SUITE`: validate and summarise, exit 2 on problems.
use super::load_suite_or_explain;
use crate::cli::{ExitCode, SuiteArg};
use crate::tasks::find;

pub fn run(arg: &SuiteArg) -> ExitCode {
    let suite = match load_suite_or_explain(arg, "fix them and check again") {
        Ok(suite) => suite,
        Err(code) => return code,
    };
    println!("{}: suite `{}` is valid, {} experiment(s)", suite.source, suite.name, suite.experiments.len());
    for e in &suite.experiments {
        let mut notes = Vec::new();
        if !e.enabled {
            notes.push("disabled".to_string());
        }
        if !find(e.task).is_some_and(|t| t.implemented()) {
            notes.push("task not implemented in this build".to_string());
        }
        if !e.needs.is_empty() {
            notes.push(format!("needs {}", e.needs.join(", ")));
        }
        let notes = if notes.is_empty() { String::new() } else { format!("  ({})", notes.join("; ")) };
        println!("  {:<28} {:<7} {:<22} seed {:<6} {}{notes}", e.id, e.part.to_string(), e.task, e.seed, e.device);
    }
    ExitCode::Success
}
