//! `make fuzz` (or `cargo run --release --example fuzz -- [--seconds N] [--seed S] [READER...]`):
//! the fuzz loop of tests/fuzz_targets for as long as asked, each reader in turn (all by
//! default), printing inputs tried, inputs read and distinct outcomes per reader. Inputs
//! that panic or allocate too much are saved under target/fuzz-failures/; the exit
//! status is 1 when there are any.
#[path = "../tests/fuzz_targets/mod.rs"]
mod fuzz_targets;

#[global_allocator]
static ALLOCATOR: fuzz_targets::Counting = fuzz_targets::Counting;

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut seconds, mut seed, mut only) = (600u64, 1u64, Vec::new());
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seconds" => seconds = args.next().and_then(|v| v.parse().ok()).expect("--seconds N"),
            "--seed" => seed = args.next().and_then(|v| v.parse().ok()).expect("--seed S"),
            "--list" => {
                println!("{}", fuzz_targets::names(fuzz_targets::scratch().path()).join("\n"));
                return;
            }
            name => only.push(name.to_string()),
        }
    }
    let dir = fuzz_targets::scratch();
    let targets = fuzz_targets::targets(dir.path());
    for name in &only {
        if !targets.iter().any(|t| t.name == name) {
            eprintln!("no reader `{name}`; readers: {}", fuzz_targets::names(dir.path()).join(", "));
            std::process::exit(2);
        }
    }
    let mut failures = Vec::new();
    println!("{:16} {:>10} {:>10} {:>9}  (bound: one allocation ≤ {} MiB; seed {seed}; {seconds} s each)", "reader", "inputs", "read", "outcomes", fuzz_targets::ALLOCATION_BOUND >> 20);
    for target in targets.iter().filter(|t| only.is_empty() || only.iter().any(|n| n == t.name)) {
        let summary = fuzz_targets::run(target, seed, std::time::Duration::from_secs(seconds), u64::MAX);
        println!("{:16} {:>10} {:>10} {:>9}  panics {}, over the bound {}", target.name, summary.inputs, summary.accepted, summary.outcomes, summary.panics.len(), summary.too_large.len());
        failures.extend(fuzz_targets::save_failures(target.name, &summary, &fuzz_targets::crashes_dir()));
    }
    for f in &failures {
        println!("{f}");
    }
    std::process::exit(i32::from(!failures.is_empty()));
}
