//! `adaptlab --report` and `adaptlab run`: run a suite headless, then (for --report)
//! render the report. Exit 0 only when every selected experiment finished.
use super::load_suite_or_explain;
use crate::cli::{ExitCode, ReportArgs, RunArgs};
use crate::events::RunStatus;
use crate::headless;
use crate::paths::Paths;
use crate::report;
use crate::run::{self, RunOptions};
use crate::store::Store;
use anyhow::Result;
use std::io::IsTerminal;

pub fn run(args: &RunArgs, report_to: Option<&ReportArgs>, paths: &Paths) -> Result<ExitCode> {
    let suite = match load_suite_or_explain(&args.suite, "nothing was run") {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    // A report that cannot be written should be known now, not after hours of training.
    if let Some(out) = report_to {
        crate::fsx::ensure_writable(&out.out, "--out")?;
    }
    let handle = run::start(suite, RunOptions { only: args.only.clone(), force: args.force }, paths)?;
    let cancel = handle.cancel.clone();
    // First Ctrl-C / SIGTERM: stop at the next step and keep what finished. Second: exit now.
    let _ = ctrlc::set_handler(move || {
        if cancel.is_cancelled() {
            eprintln!("\nstopping immediately; the run will be marked interrupted");
            std::process::exit(ExitCode::Cancelled.code());
        }
        eprintln!("\ncancelling at the next step (Ctrl-C again to exit at once)...");
        cancel.cancel();
    });
    headless::print_events(&handle.events, std::io::stderr().is_terminal());
    let outcome = handle.wait()?;
    for failure in &outcome.store_failures {
        eprintln!("warning: {failure}");
    }
    if let Some(out) = report_to {
        let store = Store::open(&paths.home)?;
        match report::render_run(&store, &outcome.run_id, out.lang, &out.out) {
            Ok(written) => {
                eprintln!("report: {}", written.markdown.display());
                eprintln!("        {}", written.html.display());
                if out.pdf && !print_pdf(&written.html) {
                    return Ok(ExitCode::Failure);
                }
            }
            Err(e) => {
                // The results are stored; only the report is missing.
                eprintln!("error: the report could not be written: {e:#}");
                eprintln!("the run's results are stored; render the report again with `adaptlab report --run {} --out DIR`", outcome.run_id);
                return Ok(ExitCode::Failure);
            }
        }
    }
    eprintln!("run id: {} (review with `adaptlab runs show {}`)", outcome.run_id, outcome.run_id);
    Ok(match outcome.status {
        RunStatus::Finished => ExitCode::Success,
        RunStatus::Cancelled => ExitCode::Cancelled,
        _ => {
            eprintln!("not finished: {}", outcome.not_finished.join(", "));
            ExitCode::Failure
        }
    })
}

/// report.pdf beside `html`; false (with the reason printed) when it could not be made.
fn print_pdf(html: &std::path::Path) -> bool {
    match report::pdf::print(html, &html.with_extension("pdf")) {
        Ok(pdf) => {
            eprintln!("        {}", pdf.display());
            true
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            false
        }
    }
}

/// `adaptlab report --run ID`: re-render without recomputing.
pub fn rerender(run: &str, out: &ReportArgs, paths: &Paths) -> Result<ExitCode> {
    let store = Store::open(&paths.home)?;
    let run_id = store.resolve_run_id(run)?;
    let written = report::render_run(&store, &run_id, out.lang, &out.out)?;
    println!("{}", written.markdown.display());
    println!("{}", written.html.display());
    if out.pdf {
        match report::pdf::print(&written.html, &written.html.with_extension("pdf")) {
            Ok(pdf) => println!("{}", pdf.display()),
            Err(e) => {
                eprintln!("error: {e:#}");
                return Ok(ExitCode::Failure);
            }
        }
    }
    Ok(ExitCode::Success)
}
