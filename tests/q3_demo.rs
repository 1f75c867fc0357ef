//! Question 3 end to end on the demo: a tiny CLIP is trained, then zero-shot, the
//! template study and the per-class analysis run on the generated Stanford-Dogs-format
//! data; features are cached and reused; the report shows the section with its charts.
mod common;
use adaptlab::events::{Event, RunStatus};
use adaptlab::report::{self, Lang};
use adaptlab::run::RunOptions;
use adaptlab::paths::Paths;
use adaptlab::tasks::parse_suite;
use adaptlab::store::Store;

const SUITE: &str = r#"
name: q3
defaults: { seed: 5, device: cpu }
experiments:
  - id: clip
    part: q3
    task: clip_pretrain
    params: { steps: 60, batch_size: 24, lr: 0.003, image_size: 48, embed_dim: 32 }
  - id: zs
    part: q3a
    task: clip_zero_shot
    needs: [clip]
    params: &p { model: demo, dataset: demo, template: "a photo of a {}." }
  - id: zs-bf16
    part: q3a
    task: clip_zero_shot
    needs: [clip]
    params: { model: demo, dataset: demo, template: "a photo of a {}.", precision: bf16 }
  - id: tpl
    part: q3b
    task: clip_templates
    needs: [clip]
    params: { model: demo, dataset: demo, templates: ["generic | {}", "domain | a drawing of a {}."] }
  - id: pc
    part: q3c
    task: clip_per_class
    needs: [clip]
    params: *p
  - id: big
    part: q3f
    task: clip_pretrain
    params: { size: large, steps: 20, batch_size: 16, lr: 0.001, image_size: 32, embed_dim: 32 }
  - id: big-zs
    part: q3f
    task: clip_zero_shot
    needs: [big]
    params: *p
  - id: cmp
    part: q3f
    task: clip_compare
    needs: [zs, big-zs]
    params: { base: zs, large: big-zs }
"#;

fn value(events: &[Event], exp: &str, name: &str) -> f64 {
    common::value(events, exp, name).and_then(|v| v.as_f64()).unwrap_or_else(|| panic!("{exp} has no numeric value {name}"))
}

#[test]
fn demo_chain_runs_caches_features_and_reports() {
    let home = tempfile::tempdir().unwrap();
    let suite = parse_suite(SUITE, "q3.yaml").unwrap();
    let (events, outcome) = common::run_all(suite, RunOptions::default(), home.path());
    let failures: Vec<&Event> = events.iter().filter(|e| matches!(e, Event::Failed { .. })).collect();
    assert_eq!(outcome.status, RunStatus::Finished, "{failures:?}");

    let (top1, top5, chance) = (value(&events, "zs", "top1"), value(&events, "zs", "top5"), value(&events, "zs", "chance"));
    assert!((0.0..=1.0).contains(&top1) && top5 >= top1, "top-1 {top1}, top-5 {top5}");
    assert!(top1 > chance, "even 60 steps of contrastive training beat guessing: {top1} vs {chance}");
    assert_eq!(value(&events, "zs", "images"), 240.0);
    // bf16 on the CPU (the image tower's weights and activations): its own features,
    // the same verdicts within a couple of images of 240.
    let bf16 = value(&events, "zs-bf16", "top1");
    assert!((bf16 - top1).abs() <= 2.0 / 240.0 + 1e-9, "bf16 top-1 {bf16} against fp32 {top1}");
    assert!(!events.iter().any(|e| matches!(e, Event::Log { exp, line, .. } if exp == "zs-bf16" && line.starts_with("reused cached image features"))), "bf16 features are not fp32's");
    // The template study and the per-class analysis reuse (a)'s cached test features.
    let reused = events.iter().filter(|e| matches!(e, Event::Log { exp, line, .. } if (exp == "tpl" || exp == "pc") && line.starts_with("reused cached image features"))).count();
    assert!(reused >= 2, "cached features were reused {reused} times");
    // The per-class analysis measures its prompt choice once on test and reports it.
    let before = value(&events, "pc", "worst_f1_before");
    let after = value(&events, "pc", "worst_f1_after");
    assert!((value(&events, "pc", "worst_f1_change") - (after - before)).abs() < 1e-12);
    assert_eq!(value(&events, "pc", "heldout_images"), 96.0, "20% of each class's 40 training images");

    // (f) reads both models' stored results.
    let gain = value(&events, "cmp", "top1_gain");
    assert!((gain - (value(&events, "big-zs", "top1") - top1)).abs() < 1e-12);
    assert_eq!(value(&events, "cmp", "classes_compared"), 12.0);
    assert_eq!(common::value(&events, "big-zs", "model").unwrap(), "demo_large_convnext");

    let store = Store::open(&Paths::under(home.path()).home).unwrap();
    let out = home.path().join("report");
    let written = report::render_run(&store, &outcome.run_id, Lang::En, &out).unwrap();
    let md = std::fs::read_to_string(written.markdown).unwrap();
    for needle in ["**(a) Zero-shot accuracy.**", "**(b) Prompt templates.**", "**(c) Per-class metrics.**", "**(f) The larger model.**", "plots/tpl-templates-bars.svg", "plots/pc-confusion.svg"] {
        assert!(md.contains(needle), "the report lacks {needle}");
    }
    assert!(out.join("plots/pc-confusion.svg").is_file());
    let fa = report::render_run(&store, &outcome.run_id, Lang::Fa, &home.path().join("fa")).unwrap();
    assert!(std::fs::read_to_string(fa.markdown).unwrap().contains("(الف) دقت بدون نمونه"));

    // A corrupt image and a truncated one in a copy of the data set are skipped,
    // counted and reported (PIL refuses the truncated file too).
    let copy = home.path().join("dogs-copy");
    adaptlab::fsx::copy_dir(&Paths::under(home.path()).dataset("demo-dogs-v1"), &copy).unwrap();
    let test = adaptlab::data::stanford_dogs::StanfordDogs::open(&copy, adaptlab::data::stanford_dogs::Split::Test).unwrap();
    std::fs::write(&test.items[3].path, b"\xff\xd8 this is not a JPEG").unwrap();
    let whole = std::fs::read(&test.items[5].path).unwrap();
    std::fs::write(&test.items[5].path, &whole[..whole.len() / 3]).unwrap();
    let yaml = format!("{SUITE}  - id: zs-copy\n    part: q3a\n    task: clip_zero_shot\n    needs: [clip]\n    params: {{ model: demo, dataset: {:?} }}\n", copy.display().to_string());
    let (events, outcome) = common::run_all(parse_suite(&yaml, "q3.yaml").unwrap(), RunOptions { only: vec!["zs-copy".into()], force: false }, home.path());
    assert_eq!(outcome.status, RunStatus::Finished);
    assert_eq!(value(&events, "zs-copy", "skipped_images"), 2.0);
    assert_eq!(value(&events, "zs-copy", "images"), 238.0);
    assert!(events.iter().any(|e| matches!(e, Event::Log { exp, line, .. } if exp == "zs-copy" && line.contains("skipped unreadable image"))));
    assert!(events.iter().any(|e| matches!(e, Event::Log { exp, line, .. } if exp == "zs-copy" && line.contains("truncated"))), "the truncated file is named as such");
    // The report lists them, each with its problem in the report's language.
    let listed = events.iter().rev().find_map(|e| match e {
        Event::Table { exp, table } if exp == "zs-copy" && table.name == "skipped_files" => Some(table.clone()),
        _ => None,
    });
    let listed = listed.expect("a skipped_files table");
    let mut problems: Vec<&str> = listed.rows.iter().map(|r| r[1].as_str().unwrap()).collect();
    problems.sort();
    assert_eq!(problems, ["image-corrupt", "image-truncated"]);
    let corrupt = test.items[3].path.strip_prefix(&copy).unwrap().display().to_string();
    assert!(listed.rows.iter().any(|r| r[0].as_str() == Some(corrupt.as_str())), "files relative to the data set: {:?}", listed.rows);
    let store = Store::open(&Paths::under(home.path()).home).unwrap();
    for (lang, words) in [(Lang::En, "truncated (its data ends early)"), (Lang::Fa, "ناقص")] {
        let written = report::render_run(&store, &outcome.run_id, lang, &home.path().join(format!("copy-{lang:?}"))).unwrap();
        let md = std::fs::read_to_string(written.markdown).unwrap();
        assert!(md.contains(&corrupt.replace('_', "\\_")) && md.contains(words), "{lang:?}: the skipped files are listed");
    }
}
