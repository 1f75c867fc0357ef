//! The CLI's commands, each a thin layer over the library.
pub mod bench_adapt;
pub mod bench_clip;
pub mod bench_lm;
pub mod bench_moco;
pub mod bench_peer;
pub mod bench_vit;
pub mod check;
pub mod clip;
pub mod doctor;
pub mod fetch;
pub mod headless_run;
pub mod lm;
pub mod pem;
pub mod runs;
pub mod vit;

use crate::cli::{ExitCode, SuiteArg};
use crate::spec::{Suite, SuiteRef};

/// Reads and validates the suite; on problems prints them (`file:line:col: message`, a
/// hint each) and what happens next, and returns the exit code to end with.
pub fn load_suite_or_explain(arg: &SuiteArg, consequence: &str) -> Result<Suite, ExitCode> {
    let suite_ref = SuiteRef::parse(&arg.suite);
    crate::tasks::load_suite(&suite_ref).map_err(|errors| {
        eprintln!("{errors}");
        eprintln!("{} problem(s) in {suite_ref}; {consequence}", errors.0.len());
        ExitCode::InvalidSuite
    })
}
