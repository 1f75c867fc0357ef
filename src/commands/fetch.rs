//! `adaptlab fetch clip NAME:TAG`, `adaptlab fetch stanford-dogs`, `adaptlab fetch food101`,
//! `adaptlab fetch cifar10`.
use crate::hub::download::Progress;
use crate::hub::{dogs, hf};
use crate::cli::{ExitCode, FetchClipArgs, FetchFoodArgs, FoodSource};
use crate::paths::Paths;
use anyhow::{Context, Result};

fn progress_line(done: u64, total: Option<u64>) {
    let mb = |b: u64| b as f64 / 1_048_576.0;
    match total {
        Some(t) => eprint!("\r  {:.1} / {:.1} MB ({:.0}%)   ", mb(done), mb(t), done as f64 * 100.0 / t.max(1) as f64),
        None => eprint!("\r  {:.1} MB   ", mb(done)),
    }
}

pub fn clip(args: &FetchClipArgs, paths: &Paths) -> Result<ExitCode> {
    let (model, revision) = (&args.model, &args.revision);
    let (name, tag) = model.split_once(':').context("write the model as NAME:TAG, e.g. convnext_base_w:laion2b_s13b_b82k_augreg")?;
    let repo = crate::hub::catalog::open_clip_repo(name, tag).with_context(|| format!("no known hub repository for `{model}`"))?;
    let cache = &paths.hub;
    let offline = args.offline || hf::offline();
    let progress = Progress { report: &progress_line };
    eprintln!("{repo} → {}", cache.display());
    // open_clip prefers the safetensors file and falls back to the PyTorch pickle.
    let [preferred, fallback] = crate::hub::catalog::OPEN_CLIP_WEIGHTS;
    let path = hf::fetch(&hf::endpoint(), cache, repo, revision, preferred, offline, &progress)
        .or_else(|first| hf::fetch(&hf::endpoint(), cache, repo, revision, fallback, offline, &progress).map_err(|_| first))?;
    eprintln!();
    println!("{}", path.display());
    Ok(ExitCode::Success)
}

pub fn sentiment_dksf(revision: &str, paths: &Paths) -> Result<ExitCode> {
    let progress = Progress { report: &progress_line };
    let snapshot = crate::hub::q4_data::fetch_sentiment(&hf::endpoint(), &paths.hub, revision, &progress)?;
    eprintln!();
    let files = crate::hub::q4_data::data_files(&snapshot);
    println!("{}: {} data file(s)", snapshot.display(), files.len());
    Ok(ExitCode::Success)
}

pub fn parsinlu(url: &str, sha256: &[String], paths: &Paths) -> Result<ExitCode> {
    let expected: Vec<(String, String)> = sha256
        .iter()
        .map(|s| s.split_once('=').map(|(f, h)| (f.trim().to_string(), h.trim().to_string())).with_context(|| format!("`--sha256 {s}`: write FILE=SHA256, e.g. test.jsonl=<64 hex digits>")))
        .collect::<Result<_>>()?;
    let progress = Progress { report: &progress_line };
    let (dir, sums) = crate::hub::q4_data::fetch_parsinlu(url, &paths.cache, &expected, &progress)?;
    eprintln!();
    for (file, sha) in &sums {
        println!("{}  {}", sha, dir.join(file).display());
    }
    Ok(ExitCode::Success)
}

pub fn stanford_dogs(base: &str, paths: &Paths) -> Result<ExitCode> {
    let cache = &paths.cache;
    let progress = Progress { report: &progress_line };
    let fetched = dogs::fetch(base, cache, &progress)?;
    eprintln!();
    println!("{}: {} classes, {} train and {} test images", fetched.root.display(), fetched.classes, fetched.train, fetched.test);
    Ok(ExitCode::Success)
}

pub fn cifar10(url: &str, md5: &str, paths: &Paths) -> Result<ExitCode> {
    let progress = Progress { report: &progress_line };
    let (root, train, test) = crate::hub::cifar::fetch(url, (md5 != "none").then_some(md5), &paths.cache, &progress)?;
    eprintln!();
    println!("{}: 10 classes, {train} train and {test} test images", root.display());
    Ok(ExitCode::Success)
}

pub fn food101(args: &FetchFoodArgs, paths: &Paths) -> Result<ExitCode> {
    let progress = Progress { report: &progress_line };
    let fetched = match args.source {
        FoodSource::Hub => crate::hub::food::fetch_hub(&hf::endpoint(), &paths.hub, &args.revision, &progress)?,
        FoodSource::Official => {
            let md5 = (args.md5 != "none").then_some(args.md5.as_str());
            crate::hub::food::fetch_official(&args.url, md5, &paths.cache, &progress)?
        }
    };
    eprintln!();
    println!("{}: {} classes, {} train and {} test images", fetched.root.display(), fetched.classes, fetched.train, fetched.test);
    Ok(ExitCode::Success)
}

pub fn model(args: &crate::cli::FetchModelArgs, paths: &Paths) -> Result<ExitCode> {
    use crate::hub::model_repo::{fetch_files, list_files, parse_repo, wanted};
    let (repo, revision) = parse_repo(&args.repo)?;
    let offline = args.offline || hf::offline();
    if offline {
        let dir = crate::zoo::lm::model_dir(&args.repo, &paths.hub, true)?;
        println!("{}", dir.display());
        return Ok(ExitCode::Success);
    }
    let listed = list_files(&hf::endpoint(), &repo, &revision)?;
    let files = if args.all_files { listed } else { wanted(&listed) };
    let total: u64 = files.iter().map(|f| f.size).sum();
    eprintln!("{repo}@{revision}: {} files, {:.1} MB → {}", files.len(), total as f64 / 1_048_576.0, paths.hub.display());
    let report = |file: &crate::hub::model_repo::RepoFile, done: u64, t: Option<u64>| {
        eprint!("\r  {} ", file.path);
        progress_line(done, t.or(Some(file.size)));
    };
    let dir = fetch_files(&hf::endpoint(), &paths.hub, &repo, &revision, &files, false, &report)?;
    eprintln!();
    println!("{}", dir.display());
    Ok(ExitCode::Success)
}

/// `adaptlab fetch --suite SUITE [--list]`: what the suite needs, with sizes and what is
/// here already, then each missing one fetched.
pub fn suite(suite: &str, list_only: bool, paths: &Paths) -> Result<ExitCode> {
    use crate::hub::needs::offline;
    use crate::run::select::needs_of as of_suite;
    let suite_ref = crate::spec::SuiteRef::parse(suite);
    let suite = crate::tasks::load_suite(&suite_ref).map_err(|e| anyhow::anyhow!("{e}"))?;
    let needs = of_suite(&suite, &[]);
    if needs.is_empty() {
        println!("suite {} downloads nothing (generated data and local files only)", suite.name);
        return Ok(ExitCode::Success);
    }
    let gb = |b: u64| format!("{:.2} GB", b as f64 / 1e9);
    let mut missing = Vec::new();
    let mut total = 0u64;
    let mut size_error = None;
    println!("suite {} needs {} download(s):", suite.name, needs.len());
    for need in &needs {
        let (state, size) = if need.present(paths) {
            ("here", String::new())
        } else if offline() {
            ("missing", String::new())
        } else {
            match need.size() {
                Ok(Some(bytes)) => {
                    total += bytes;
                    ("to fetch", gb(bytes))
                }
                Ok(None) => ("to fetch", "?".to_string()),
                Err(e) => {
                    size_error.get_or_insert(format!("{e:#}"));
                    ("to fetch", "?".to_string())
                }
            }
        };
        println!("  {:9} {:>10}  {}", state, size, need.name());
        if state != "here" {
            missing.push(need);
        }
    }
    if missing.is_empty() {
        println!("everything is here");
        return Ok(ExitCode::Success);
    }
    if total > 0 {
        println!("{} to download{}", gb(total), if size_error.is_some() { " and the sizes marked ?" } else { "" });
    }
    if let Some(e) = size_error {
        println!("(sizes marked ? could not be asked: {e})");
    }
    if list_only {
        return Ok(ExitCode::Success);
    }
    if offline() {
        for need in &missing {
            eprintln!("missing: {} (offline mode is on; on a machine with internet run `{}`)", need.name(), need.command());
        }
        return Ok(ExitCode::Failure);
    }
    let progress = Progress { report: &progress_line };
    let mut failed = false;
    for need in missing {
        eprintln!("{}", need.name());
        if let Err(e) = need.fetch(paths, &progress) {
            eprintln!("\nerror: {e:#} (retry with `{}`)", need.command());
            failed = true;
        } else {
            eprintln!();
        }
    }
    Ok(if failed { ExitCode::Failure } else { ExitCode::Success })
}
