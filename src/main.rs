use adaptlab::cli::{BenchCommand, ClipCommand, Cli, Command, ExitCode, FetchCommand, LmCommand, VitCommand};
use adaptlab::commands;
use adaptlab::paths::Paths;
use clap::Parser;
use std::io::IsTerminal;

fn main() {
    let cli = Cli::parse();
    cli.images.apply();
    adaptlab::hub::needs::set_offline(cli.run.offline || matches!(&cli.command, Some(adaptlab::cli::Command::Run { args, .. }) if args.offline));
    // The only place that reads the environment for locations; everything below gets them.
    let paths = Paths::from_env();
    let code = dispatch(cli, &paths).unwrap_or_else(|e| {
        eprintln!("error: {e:#}");
        ExitCode::Failure
    });
    std::process::exit(code.code());
}

fn dispatch(cli: Cli, paths: &Paths) -> anyhow::Result<ExitCode> {
    match cli.command {
        None if cli.report => commands::headless_run::run(&cli.run, Some(&cli.output), paths),
        None if std::io::stdout().is_terminal() => adaptlab::tui::run(&cli.run.suite, paths),
        None => {
            eprintln!("adaptlab: no terminal for the dashboard; use `adaptlab --report` or a subcommand (see --help)");
            Ok(ExitCode::InvalidSuite)
        }
        Some(Command::Tui(suite)) => adaptlab::tui::run(&suite, paths),
        Some(Command::Run { mut args, legacy_suite }) => {
            args.suite = args.suite.or_legacy(legacy_suite);
            commands::headless_run::run(&args, None, paths)
        }
        Some(Command::Report { run, output }) => commands::headless_run::rerender(&run, &output, paths),
        Some(Command::Check { suite, legacy_suite }) => Ok(commands::check::run(&suite.or_legacy(legacy_suite))),
        Some(Command::Runs { command }) => commands::runs::run(&command, paths),
        Some(Command::Doctor { json }) => commands::doctor::run(json, paths),
        Some(Command::Fetch { what: None, suite: Some(suite), list }) => commands::fetch::suite(&suite, list, paths),
        Some(Command::Fetch { what: None, suite: None, .. }) => {
            eprintln!("adaptlab fetch: name what to fetch (see `adaptlab fetch --help`) or give --suite SUITE");
            Ok(ExitCode::InvalidSuite)
        }
        Some(Command::Fetch { what: Some(FetchCommand::Clip(args)), .. }) => commands::fetch::clip(&args, paths),
        Some(Command::Fetch { what: Some(FetchCommand::StanfordDogs { url }), .. }) => commands::fetch::stanford_dogs(&url, paths),
        Some(Command::Fetch { what: Some(FetchCommand::Food101(args)), .. }) => commands::fetch::food101(&args, paths),
        Some(Command::Fetch { what: Some(FetchCommand::Cifar10 { url, md5 }), .. }) => commands::fetch::cifar10(&url, &md5, paths),
        Some(Command::Fetch { what: Some(FetchCommand::Model(args)), .. }) => commands::fetch::model(&args, paths),
        Some(Command::Fetch { what: Some(FetchCommand::SentimentDksf { revision }), .. }) => commands::fetch::sentiment_dksf(&revision, paths),
        Some(Command::Fetch { what: Some(FetchCommand::Parsinlu { url, sha256 }), .. }) => commands::fetch::parsinlu(&url, &sha256, paths),
        Some(Command::Lm { command: LmCommand::Generate(args) }) => commands::lm::generate(&args, paths),
        Some(Command::Lm { command: LmCommand::Score(args) }) => commands::lm::score(&args, paths),
        Some(Command::Lm { command: LmCommand::DemoModel { out } }) => commands::lm::demo_model(out.as_deref(), paths),
        Some(Command::Vit { command: VitCommand::Predict(args) }) => commands::vit::predict(&args),
        Some(Command::Bench { what: BenchCommand::Adapt(args) }) => commands::bench_adapt::adapt(&args),
        Some(Command::Bench { what: BenchCommand::Vit(args) }) => commands::bench_vit::vit(&args),
        Some(Command::Bench { what: BenchCommand::Clip(args) }) => commands::bench_clip::clip(&args),
        Some(Command::Bench { what: BenchCommand::Moco(args) }) => commands::bench_moco::moco(&args),
        Some(Command::Bench { what: BenchCommand::Lm(args) }) => commands::bench_lm::lm(&args),
        Some(Command::Clip { command: ClipCommand::Classify(args) }) => commands::clip::classify(&args, paths),
        Some(Command::Pem { command }) => commands::pem::run(&command),
    }
}
