use adaptlab::cli::{Cli, Command};
use adaptlab::commands;
use clap::Parser;
use std::io::IsTerminal;

fn main() {
    let cli = Cli::parse();
    let code = match dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            1
        }
    };
    std::process::exit(code);
}

fn dispatch(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        None if cli.report => commands::headless_run::run(&cli.run, Some(&cli.output)),
        None if std::io::stdout().is_terminal() => adaptlab::tui::run(&cli.run.suite),
        None => {
            eprintln!("adaptlab: no terminal for the dashboard; use `adaptlab --report` or a subcommand (see --help)");
            Ok(2)
        }
        Some(Command::Tui { suite }) => adaptlab::tui::run(&suite),
        Some(Command::Run { suite, only, force }) => {
            let args = adaptlab::cli::RunArgs { suite, only, force };
            commands::headless_run::run(&args, None)
        }
        Some(Command::Report { run, output }) => commands::headless_run::rerender(&run, &output),
        Some(Command::Check { suite }) => Ok(commands::check::run(&suite)),
        Some(Command::Runs { command }) => commands::runs::run(&command),
        Some(Command::Doctor { json }) => commands::doctor::run(json),
        Some(Command::Fetch { what: adaptlab::cli::FetchCommand::Clip { model, revision, offline } }) => commands::fetch::clip(&model, &revision, offline),
        Some(Command::Fetch { what: adaptlab::cli::FetchCommand::StanfordDogs { url } }) => commands::fetch::stanford_dogs(&url),
        Some(Command::Fetch { what: adaptlab::cli::FetchCommand::Food101 { source, revision, url, md5 } }) => commands::fetch::food101(&source, &revision, &url, &md5),
        Some(Command::Vit { command: adaptlab::cli::VitCommand::Predict { model_dir, adapter, top, json, images } }) => {
            commands::vit::predict(&commands::vit::PredictArgs { model_dir, adapter, top, json, images })
        }
        Some(Command::Bench { what: adaptlab::cli::BenchCommand::Adapt { model, classes, per_class, device } }) => {
            commands::bench_adapt::adapt(&commands::bench_adapt::AdaptBenchArgs { model, classes, per_class, device })
        }
        Some(Command::Bench { what: adaptlab::cli::BenchCommand::Vit { steps, batch, images, python } }) => {
            commands::bench_vit::vit(&commands::bench_vit::VitBenchArgs { steps, batch, images, python })
        }
        Some(Command::Bench { what: adaptlab::cli::BenchCommand::Clip { model, images, batch, classes, rounds, python } }) => {
            commands::bench::clip(&commands::bench::BenchArgs { model, images, batch, classes, rounds, python })
        }
        Some(Command::Clip { command: adaptlab::cli::ClipCommand::Classify { model, weights, labels, template, json, images } }) => {
            commands::clip::classify(&commands::clip::ClassifyArgs { model, weights, labels, template, json, images })
        }
    }
}
