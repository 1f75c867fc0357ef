//! `make fuzz` (or `cargo run --release --example fuzz -- [--seconds N] [--seed S] [READER...]`):
//! the fuzz loop of tests/fuzz_targets for as long as asked, each reader in turn (all by
//! default) in its own process, printing inputs tried, inputs read and distinct outcomes
//! per reader. Inputs that panic, allocate beyond the bound, or kill the process (an
//! allocation the system refuses aborts it) are saved under target/fuzz-failures/; the
//! exit status is 1 when there are any.
#[path = "../tests/fuzz_targets/mod.rs"]
mod fuzz_targets;

#[global_allocator]
static ALLOCATOR: fuzz_targets::Counting = fuzz_targets::Counting;

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut seconds, mut seed, mut only, mut child) = (600u64, 1u64, Vec::new(), false);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seconds" => seconds = args.next().and_then(|v| v.parse().ok()).expect("--seconds N"),
            "--seed" => seed = args.next().and_then(|v| v.parse().ok()).expect("--seed S"),
            "--child" => child = true,
            "--list" => {
                println!("{}", fuzz_targets::names(fuzz_targets::scratch().path()).join("\n"));
                return;
            }
            name => only.push(name.to_string()),
        }
    }
    let dir = fuzz_targets::scratch();
    let names = fuzz_targets::names(dir.path());
    for name in &only {
        if !names.contains(&name.as_str()) {
            eprintln!("no reader `{name}`; readers: {}", names.join(", "));
            std::process::exit(2);
        }
    }
    if child {
        // One reader, in this process.
        let targets = fuzz_targets::targets(dir.path());
        let target = targets.iter().find(|t| t.name == only[0]).expect("a reader");
        let summary = fuzz_targets::run(target, seed, std::time::Duration::from_secs(seconds), u64::MAX);
        println!("{:16} {:>10} {:>10} {:>9}  panics {}, over the bound {}", target.name, summary.inputs, summary.accepted, summary.outcomes, summary.panics.len(), summary.too_large.len());
        let failures = fuzz_targets::save_failures(target.name, &summary, &fuzz_targets::crashes_dir());
        for f in &failures {
            println!("{f}");
        }
        std::process::exit(i32::from(!failures.is_empty()));
    }
    println!("{:16} {:>10} {:>10} {:>9}  (bound: one allocation ≤ {} MiB; seed {seed}; {seconds} s each)", "reader", "inputs", "read", "outcomes", fuzz_targets::ALLOCATION_BOUND >> 20);
    let me = std::env::current_exe().expect("this program's path");
    let mut failed = false;
    for name in names.iter().filter(|n| only.is_empty() || only.iter().any(|o| o == *n)) {
        let status = std::process::Command::new(&me).args(["--child", name, "--seconds", &seconds.to_string(), "--seed", &seed.to_string()]).status().expect("starting a fuzz process");
        if status.code().is_none() || status.code() == Some(134) {
            println!("{name:16} the process died ({status}); the input it was reading: {}", fuzz_targets::last_input_file(name).display());
            failed = true;
        } else {
            failed |= !status.success();
        }
    }
    std::process::exit(i32::from(failed));
}
