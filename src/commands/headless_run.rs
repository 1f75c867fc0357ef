//! `adaptlab --report` and `adaptlab run`: run a suite headless, then (for --report)
//! render the report. Exit 0 only when every selected experiment finished.
use crate::cli::{LangArg, ReportArgs, RunArgs};
use crate::events::RunStatus;
use crate::report::{self, Lang};
use crate::run::{self, RunOptions};
use crate::spec::{load_suite, SuiteRef};
use crate::store::Store;
use crate::{headless, paths};
use anyhow::Result;
use std::io::IsTerminal;

pub fn lang(arg: LangArg) -> Lang {
    match arg {
        LangArg::En => Lang::En,
        LangArg::Fa => Lang::Fa,
    }
}

pub fn run(args: &RunArgs, report_to: Option<&ReportArgs>) -> Result<i32> {
    let suite_ref = SuiteRef::parse(&args.suite);
    let suite = match load_suite(&suite_ref) {
        Ok(s) => s,
        Err(errors) => {
            eprintln!("{errors}");
            eprintln!("the suite has {} problem(s); nothing was run", errors.0.len());
            return Ok(2);
        }
    };
    let home = paths::home();
    let handle = run::start(suite, RunOptions { only: args.only.clone(), force: args.force }, &home)?;
    let cancel = handle.cancel.clone();
    // First Ctrl-C / SIGTERM: stop at the next step and keep what finished. Second: exit now.
    let _ = ctrlc::set_handler(move || {
        if cancel.is_cancelled() {
            eprintln!("\nstopping immediately; the run will be marked interrupted");
            std::process::exit(130);
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
        let store = Store::open(&home)?;
        let written = report::render_run(&store, &outcome.run_id, lang(out.lang), &out.out)?;
        eprintln!("report: {}", written.markdown.display());
        eprintln!("        {}", written.html.display());
    }
    eprintln!("run id: {} (review with `adaptlab runs show {}`)", outcome.run_id, outcome.run_id);
    Ok(match outcome.status {
        RunStatus::Finished => 0,
        RunStatus::Cancelled => 130,
        _ => {
            eprintln!("not finished: {}", outcome.not_finished.join(", "));
            1
        }
    })
}

/// `adaptlab report --run ID`: re-render without recomputing.
pub fn rerender(run: &str, out: &ReportArgs) -> Result<i32> {
    let store = Store::open(&paths::home())?;
    let run_id = store.resolve_run_id(run)?;
    let written = report::render_run(&store, &run_id, lang(out.lang), &out.out)?;
    println!("{}", written.markdown.display());
    println!("{}", written.html.display());
    Ok(0)
}
