//! Every way a suite can be wrong gives `file:line:col: message` plus a hint.
use adaptlab::spec::SuiteRef;
use adaptlab::tasks::{load_suite, parse_suite};

fn errors(yaml: &str) -> String {
    match parse_suite(yaml, "suite.yaml") {
        Ok(_) => panic!("expected errors for:\n{yaml}"),
        Err(e) => e.to_string(),
    }
}

const HEAD: &str = "name: t\nexperiments:\n";

#[test]
fn builtin_suites_are_valid() {
    let demo = load_suite(&SuiteRef::Builtin("demo")).unwrap();
    assert!(demo.experiment("demo.smoke").is_some_and(|e| e.enabled));
    let hw5 = load_suite(&SuiteRef::Builtin("hw5")).unwrap();
    for q in 1..=5u8 {
        assert!(hw5.experiments.iter().any(|e| e.part.question == Some(q)), "hw5 has an entry for q{q}");
    }
    // Dependencies come first.
    let pos = |id: &str| hw5.experiments.iter().position(|e| e.id == id).unwrap();
    assert!(pos("q3.base.zero-shot") < pos("q3.base.templates"));
}

#[test]
fn yaml_syntax_error_has_its_location() {
    insta::assert_snapshot!(errors("name: t\nexperiments:\n  - id: a\n    needs: [b, c\n    part: q1\n"));
}

#[test]
fn unknown_keys_are_named_with_a_suggestion() {
    insta::assert_snapshot!("unknown_top_level", errors("name: t\nexperiment:\n  - id: a\n"));
    insta::assert_snapshot!("unknown_experiment_key", errors(&format!("{HEAD}  - id: a\n    part: demo\n    task: smoke\n    seeed: 3\n")));
    insta::assert_snapshot!("unknown_param", errors(&format!("{HEAD}  - id: a\n    part: demo\n    task: smoke\n    params:\n      steps: 10\n      lrr: 0.1\n")));
}

#[test]
fn an_unknown_key_in_a_nested_block_points_at_its_own_line() {
    let block = errors(&format!("{HEAD}  - id: a\n    part: q5\n    task: vit_lora\n    params:\n      lora:\n        r: 4\n        target_modlues: [query]\n"));
    assert!(block.starts_with("suite.yaml:9:9:") && block.contains("did you mean `target_modules`?"), "{block}");
    let flow = errors(&format!("{HEAD}  - id: a\n    part: q5\n    task: vit_lora\n    params:\n      train: {{ epochs: 2, batchsize: 8 }}\n"));
    assert!(flow.starts_with("suite.yaml:7:") && flow.contains("did you mean `batch_size`?"), "{flow}");
}

#[test]
fn missing_and_mistyped_fields() {
    insta::assert_snapshot!("missing_task", errors(&format!("{HEAD}  - id: a\n    part: demo\n")));
    insta::assert_snapshot!("seed_not_a_number", errors(&format!("{HEAD}  - id: a\n    part: demo\n    task: smoke\n    seed: lots\n")));
    insta::assert_snapshot!("param_wrong_type", errors(&format!("{HEAD}  - id: a\n    part: demo\n    task: smoke\n    params:\n      steps: many\n")));
}

#[test]
fn values_out_of_range_point_at_the_value() {
    insta::assert_snapshot!(errors(&format!(
        "{HEAD}  - id: a\n    part: demo\n    task: smoke\n    params:\n      lr: 5.0\n      classes: 12\n"
    )));
}

#[test]
fn semantic_errors_are_all_reported_in_file_order() {
    let yaml = format!(
        "{HEAD}  - id: a\n    part: q9\n    task: smoke\n  - id: a\n    part: q3\n    task: clip_zeroshot\n    device: gpu\n  - id: B!\n    part: q1\n    task: moco\n    needs: [zz, B!]\n"
    );
    insta::assert_snapshot!(errors(&yaml));
}

#[test]
fn dependency_cycle_is_named() {
    let yaml = format!("{HEAD}  - id: a\n    part: q3\n    task: clip_templates\n    needs: [b]\n  - id: b\n    part: q3\n    task: clip_per_class\n    needs: [a]\n");
    insta::assert_snapshot!(errors(&yaml));
}

#[test]
fn empty_suite_and_unreadable_file() {
    insta::assert_snapshot!("empty", errors("name: t\nexperiments: []\n"));
    let missing = load_suite(&SuiteRef::File("no/such/suite.yaml".into())).unwrap_err().to_string();
    insta::assert_snapshot!("unreadable", missing);
}

#[test]
fn defaults_apply_and_explicit_values_win() {
    let suite = parse_suite(
        "name: t\ndefaults:\n  seed: 5\n  device: cpu\nexperiments:\n  - id: a\n    part: demo\n    task: smoke\n  - id: b\n    part: demo\n    task: smoke\n    seed: 9\n    device: cuda:1\n",
        "t.yaml",
    )
    .unwrap();
    assert_eq!((suite.experiments[0].seed, suite.experiments[0].device.to_string()), (5, "cpu".to_string()));
    assert_eq!((suite.experiments[1].seed, suite.experiments[1].device.to_string()), (9, "cuda:1".to_string()));
}

#[test]
fn compare_must_name_experiments_it_needs() {
    let yaml = format!("{HEAD}  - id: zs\n    part: q3a\n    task: clip_zero_shot\n  - id: cmp\n    part: q3f\n    task: clip_compare\n    needs: [zs]\n    params: {{ base: zs, large: other }}\n");
    insta::assert_snapshot!(errors(&yaml));
}

#[test]
fn a_byte_order_mark_is_not_content() {
    let yaml = format!("\u{feff}{HEAD}  - id: a\n    part: demo\n    task: smoke\n");
    let suite = parse_suite(&yaml, "bom.yaml").expect("a suite saved with a BOM reads as without one");
    assert_eq!(suite.experiments.len(), 1);
    // Locations still count from the first real line.
    let bad = format!("\u{feff}{HEAD}  - id: a\n    part: demo\n    task: smokee\n");
    assert!(errors_in(&bad).contains("suite.yaml:5:"), "{}", errors_in(&bad));
}

fn errors_in(yaml: &str) -> String {
    parse_suite(yaml, "suite.yaml").err().map(|e| e.to_string()).unwrap_or_default()
}

#[test]
fn a_tab_in_the_indentation_says_yaml_wants_spaces() {
    let e = errors(&format!("{HEAD}  - id: a\n\tpart: demo\n    task: smoke\n"));
    assert!(e.contains("suite.yaml:4:") && e.contains("indents with spaces, not tabs") && e.contains("line 4"), "{e}");
}

#[test]
fn messages_name_no_rust_types() {
    for yaml in ["just text\n", "name: t\nexperiments: 3\n", "name: t\nexperiments:\n  - 5\n", "name: t\ndefaults: [1]\nexperiments: []\n"] {
        let e = errors(yaml);
        assert!(!e.contains("struct ") && !e.contains("Raw"), "{e}");
    }
    let e = errors(&format!("{HEAD}  - id: a\n    part: q4\n    task: prompt_tuning\n    params:\n      train: 5\n"));
    assert!(!e.contains("struct ") && e.contains("mapping"), "{e}");
}

/// The corpus in tests/fixtures/malformed_suites: every file is refused, and every
/// message carries its file:line:col and a hint. The messages are one snapshot, so a
/// change to any wording is reviewed.
#[test]
fn malformed_suite_corpus() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/malformed_suites");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 50, "the corpus holds {} suites", files.len());
    let mut all = String::new();
    let mut without_hint = Vec::new();
    let mut accepted = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).unwrap();
        let errors = match parse_suite(&text, &name) {
            Ok(_) => {
                accepted.push(name);
                continue;
            }
            Err(e) => e,
        };
        assert!(!errors.0.is_empty(), "{name}: no message");
        for e in &errors.0 {
            assert!(e.file == name && e.line >= 1 && e.col >= 1, "{name}: no location in {e}");
            assert!(e.to_string().starts_with(&format!("{name}:{}:{}: ", e.line, e.col)), "{e}");
            if e.hint.as_deref().is_none_or(str::is_empty) {
                without_hint.push(e.to_string());
            }
        }
        all.push_str(&format!("{errors}\n\n"));
    }
    assert!(accepted.is_empty(), "accepted: {accepted:?}");
    assert!(without_hint.is_empty(), "messages without a hint:\n{}", without_hint.join("\n"));
    insta::assert_snapshot!(all);
}
