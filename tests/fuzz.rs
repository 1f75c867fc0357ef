//! The short fuzz pass of `make test`: every reader of outside files gets its seeds and
//! then mutated inputs for a few seconds (a new seed each run, printed); none may panic or
//! ask for more than `ALLOCATION_BOUND` bytes at once. `make fuzz` runs 10 minutes a reader.
#[path = "fuzz_targets/mod.rs"]
mod fuzz_targets;

#[global_allocator]
static ALLOCATOR: fuzz_targets::Counting = fuzz_targets::Counting;

#[test]
fn every_reader_survives_mutated_inputs() {
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let dir = fuzz_targets::scratch();
    let mut failures = Vec::new();
    for target in fuzz_targets::targets(dir.path()) {
        let summary = fuzz_targets::run(&target, seed, std::time::Duration::from_secs(3), 200_000);
        eprintln!("{:16} {:6} inputs, {:5} read, {:3} outcomes (seed {seed})", target.name, summary.inputs, summary.accepted, summary.outcomes);
        assert!(summary.accepted >= target.seeds.len().min(1) as u64, "{}: even the seeds were refused", target.name);
        failures.extend(fuzz_targets::save_failures(target.name, &summary, &fuzz_targets::crashes_dir()));
    }
    assert!(failures.is_empty(), "seed {seed}:\n{}", failures.join("\n"));
}
