//! `adaptlab check SUITE`: validate and summarise, exit 2 on problems.
use crate::spec::{kinds::TaskKind, load_suite, SuiteRef};

pub fn run(suite: &str) -> i32 {
    let suite_ref = SuiteRef::parse(suite);
    match load_suite(&suite_ref) {
        Err(errors) => {
            eprintln!("{errors}");
            eprintln!("{} problem(s) in {suite_ref}", errors.0.len());
            2
        }
        Ok(suite) => {
            println!("{suite_ref}: suite `{}` is valid, {} experiment(s)", suite.name, suite.experiments.len());
            for e in &suite.experiments {
                let mut notes = Vec::new();
                if !e.enabled {
                    notes.push("disabled".to_string());
                }
                if !TaskKind::info(e.task).implemented {
                    notes.push("task not implemented in this build".to_string());
                }
                if !e.needs.is_empty() {
                    notes.push(format!("needs {}", e.needs.join(", ")));
                }
                let notes = if notes.is_empty() { String::new() } else { format!("  ({})", notes.join("; ")) };
                println!("  {:<28} {:<7} {:<22} seed {:<6} {}{notes}", e.id, e.part.to_string(), e.task.name(), e.seed, e.device);
            }
            0
        }
    }
}
