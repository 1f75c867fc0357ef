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

/// Inputs that longer passes (`make fuzz`) found, kept in tests/fuzz_regressions/ as
/// `<reader>-<what>`: each must now be refused with an error, within the allocation bound.
/// (parquet-huge-thrift-list: a footer whose Thrift list claims billions of elements made
/// parquet 57 reserve 143 GB and abort; parquet 60 bounds lists by the bytes left.
/// parquet-huge-dictionary: a dictionary page claiming more values than bytes made parquet
/// 60's decoder reserve 28 GB; `formats::parquet_file::open` refuses it first.)
#[test]
fn inputs_found_by_longer_passes_are_refused_cleanly() {
    let dir = fuzz_targets::scratch();
    let targets = fuzz_targets::targets(dir.path());
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let mut checked = 0;
    for entry in std::fs::read_dir(&folder).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let target = targets.iter().find(|t| name.starts_with(&format!("{}-", t.name))).unwrap_or_else(|| panic!("{name}: no reader of that name"));
        let input = std::fs::read(&path).unwrap();
        let (outcome, largest) = fuzz_targets::with_largest_allocation(|| (target.read)(&input));
        eprintln!("{name}: {outcome:?}");
        assert!(outcome.is_err(), "{name}: read without error");
        assert!(largest <= fuzz_targets::ALLOCATION_BOUND, "{name}: asked for {largest} bytes at once");
        checked += 1;
    }
    assert!(checked >= 1);
}
