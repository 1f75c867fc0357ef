//! Question 1 end to end on a tiny ViT and the generated dishes: the `pem_compose` task
//! trains its modules, composes them and reports; a merge it scored is rebuilt from the
//! saved adapters by `adaptlab pem add` and scored again in peft, image by image; the
//! cross terms it reports are recomputed from the saved files; bad params are refused.
mod common;
use adaptlab::data::food101::Food101;
use adaptlab::events::Event;
use adaptlab::nn::adapter::load_peft_adapter;
use adaptlab::paths::Paths;
use adaptlab::report::{self, Lang};
use adaptlab::run::RunOptions;
use adaptlab::store::Store;
use adaptlab::tasks::parse_suite;
use adaptlab::tasks::q1::cross_terms::cross_terms;
use std::path::{Path, PathBuf};
use std::process::Command;
use tch::Tensor;

fn suite(extra: &str) -> String {
    format!(
        r#"
name: q1
defaults: {{ seed: 5, device: cpu }}
experiments:
  - id: vit
    part: q5
    task: vit_pretrain
    params: {{ hidden_size: 32, layers: 2, heads: 2, image_size: 32, patch_size: 8, steps: 40, batch_size: 32, lr: 0.002 }}
  - id: pem
    part: q1
    task: pem_compose
    needs: [vit]
    params:
      model: demo
      dataset: demo
      subset: 240
      validation: 0.25
      test_limit: 60
      methods: [lora, ia3]
      lora: {{ r: 4, lora_alpha: 4, lora_dropout: 0.0, target_modules: [query, value], modules_to_save: [classifier] }}
      train: {{ epochs: 2, batch_size: 16, grad_accum: 1, lr: 0.01, eval_batch_size: 32 }}
      lambdas: [0.0, 0.5, 1.0]
      negation_lambdas: [0.0, 0.3]
{extra}
"#
    )
}

fn exp_dir(root: &Path, exp: &str) -> PathBuf {
    let store = Store::open(&Paths::under(root).home).unwrap();
    let run = store.resolve_run_id("latest").unwrap();
    store.exp_dir(&run, exp)
}

fn metric(events: &[Event], name: &str, step: u64) -> f64 {
    events
        .iter()
        .find_map(|e| match e {
            Event::Metric { exp, name: n, step: s, value } if exp == "pem" && n == name && *s == step => Some(*value),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no metric {name} at {step}"))
}

#[test]
fn modules_are_trained_composed_and_reported_and_a_merge_matches_peft() {
    let home = tempfile::tempdir().unwrap();
    let (events, outcome) = common::run_all(parse_suite(&suite(""), "q1.yaml").unwrap(), RunOptions::default(), home.path());
    assert!(outcome.not_finished.is_empty(), "{:?}", events.iter().filter(|e| matches!(e, Event::Failed { .. })).collect::<Vec<_>>());
    let v = |name: &str| common::value(&events, "pem", name).unwrap_or_else(|| panic!("no value {name}"));
    // Non-iid halves: 180 training images, 90 per half, the first mostly the group.
    assert_eq!((v("half1_images"), v("half2_images")), (serde_json::json!(90), serde_json::json!(90)));
    assert!(v("half1_group_share").as_f64().unwrap() > 0.7 && v("half2_group_share").as_f64().unwrap() < 0.3);
    // r = 4 on query and value of 2 layers (width 32) + the 10-class head.
    assert_eq!(v("lora_trainable"), 2 * 2 * (4 * 32 + 32 * 4) + 32 * 10 + 10);
    let findings = v("findings");
    assert_eq!(findings["modules_unchanged"], true);
    for key in ["lora", "ia3", "lora_negation_average", "lora_negation_stacked", "ia3_negation_average", "ia3_negation_stacked"] {
        assert!(findings[key].is_object(), "no findings for {key}: {findings}");
    }
    assert!(findings["other_init_vs_same"].is_string());
    let lambda = v("lora_merge_lambda").as_f64().unwrap();
    assert!([0.0, 0.5, 1.0].contains(&lambda));

    // The equal-weight merge of the saved adapters, made by the CLI and scored by peft,
    // gives the accuracy the task recorded for λ = 0.5 on the same test images.
    let dir = exp_dir(home.path(), "pem");
    let merged = home.path().join("merged");
    let (one, two) = (dir.join("adapter-lora-half1"), dir.join("adapter-lora-half2"));
    let cli = Command::new(env!("CARGO_BIN_EXE_adaptlab"))
        .args(["pem", "add", "--out", merged.to_str().unwrap(), &format!("{}:0.5", one.display()), &format!("{}:0.5", two.display())])
        .output()
        .unwrap();
    assert!(cli.status.success(), "{}", String::from_utf8_lossy(&cli.stderr));
    std::fs::copy(one.join("inference.json"), merged.join("inference.json")).unwrap();
    let data = Food101::open(&Paths::under(home.path()).dataset("demo-food-v1")).unwrap();
    // test_limit 60 of the 200 test images, spread evenly.
    let picked: Vec<_> = (0..60).map(|i| data.test[i * data.test.len() / 60].clone()).collect();
    let images: Vec<String> = picked.iter().map(|e| match &e.image {
        adaptlab::data::loader::ImageRef::File(p) => p.display().to_string(),
        other => panic!("the demo set is files: {}", other.name()),
    }).collect();
    let out = home.path().join("probs.safetensors");
    let base = exp_dir(home.path(), "vit").join("vit_base");
    let mut args = vec!["predict", base.to_str().unwrap(), merged.to_str().unwrap(), out.to_str().unwrap()];
    args.extend(images.iter().map(String::as_str));
    common::python::run_reference("q5_reference.py", &args);
    let probs = Tensor::read_safetensors(&out).unwrap().remove(0).1;
    let predicted = Vec::<i64>::try_from(probs.argmax(-1, false)).unwrap();
    let correct = predicted.iter().zip(&picked).filter(|(p, e)| **p == e.label as i64).count();
    let ours = metric(&events, "lora/average/test", 50);
    assert!((ours - correct as f64 / 60.0).abs() < 1e-9, "task {ours} vs peft {}", correct as f64 / 60.0);

    // The cross terms, recomputed from the saved adapters.
    let (_, a) = load_peft_adapter(&one).unwrap();
    let (_, b) = load_peft_adapter(&two).unwrap();
    let (_, c) = load_peft_adapter(&dir.join("adapter-lora-half2-other-init")).unwrap();
    let same = cross_terms(&a, &b).unwrap();
    let other = cross_terms(&a, &c).unwrap();
    assert!((same.ratio - v("init_same_cross_ratio").as_f64().unwrap()).abs() < 1e-4);
    assert!((other.cosine - v("init_other_cross_cosine").as_f64().unwrap()).abs() < 1e-4);
    // The other start really is another draw of A: the first A matrices differ.
    let first_a = |t: &[(String, Tensor)]| t.iter().find(|(k, _)| k.ends_with("lora_A.weight")).unwrap().1.shallow_clone();
    assert!(common::max_diff(&first_a(&b), &first_a(&c)) > 1e-3);

    // Corrupt and mismatched folders are refused naming the file and the mismatch, and
    // nothing is written.
    let truncated = home.path().join("truncated");
    std::fs::create_dir(&truncated).unwrap();
    std::fs::copy(two.join("adapter_config.json"), truncated.join("adapter_config.json")).unwrap();
    let bytes = std::fs::read(two.join("adapter_model.safetensors")).unwrap();
    std::fs::write(truncated.join("adapter_model.safetensors"), &bytes[..bytes.len() / 3]).unwrap();
    let wrong_rank = home.path().join("wrong_rank");
    std::fs::create_dir(&wrong_rank).unwrap();
    std::fs::copy(two.join("adapter_model.safetensors"), wrong_rank.join("adapter_model.safetensors")).unwrap();
    let config = std::fs::read_to_string(two.join("adapter_config.json")).unwrap().replace("\"r\": 4", "\"r\": 8");
    std::fs::write(wrong_rank.join("adapter_config.json"), config).unwrap();
    let ia3 = dir.join("adapter-ia3-half1");
    for (second, needles) in [
        (&truncated, vec!["truncated/adapter_model.safetensors"]),
        (&wrong_rank, vec!["rank 4", "r = 8", "wrong_rank"]),
        (&ia3, vec!["IA3", "LORA", "adapter-ia3-half1"]),
    ] {
        let refused = home.path().join("refused");
        let result = Command::new(env!("CARGO_BIN_EXE_adaptlab")).args(["pem", "add", "--out", refused.to_str().unwrap(), one.to_str().unwrap(), second.to_str().unwrap()]).output().unwrap();
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert!(!result.status.success(), "{}", second.display());
        for needle in needles {
            assert!(stderr.contains(needle), "{needle} not in: {stderr}");
        }
        assert!(!refused.exists(), "nothing is written on an error");
    }

    // The report: Q1's answers and tables in both languages, no section failing.
    let store = Store::open(&Paths::under(home.path()).home).unwrap();
    for (lang, needles) in [
        (Lang::En, ["(a) The goal of PEFT", "(c) Why modules trained from different initialisations", "(e) Limitations", "| first half's module |", "scaled negation"]),
        (Lang::Fa, ["(الف) هدف", "(ج) چرا ترکیب", "(ه) محدودیت", "ماژول نیمه‌ی نخست", "نفیِ مقیاس‌شده"]),
    ] {
        let model = report::build(&store, &outcome.run_id, lang).unwrap();
        let (rendered, failed) = report::render_checked(&model).unwrap();
        assert!(failed.is_empty(), "{failed:?}");
        for needle in needles {
            assert!(rendered.markdown.contains(needle), "the {lang:?} report lacks {needle}");
        }
    }
    let md = report::render_run(&store, &outcome.run_id, Lang::En, &home.path().join("report")).unwrap();
    let text = std::fs::read_to_string(md.markdown).unwrap();
    let merge_pct = format!("{:.2}%", 100.0 * v("lora_merge_accuracy").as_f64().unwrap());
    assert!(text.contains(&merge_pct), "the merge's accuracy {merge_pct} is read from the run");
}

/// One kind and one study: the section renders with what ran and nothing else.
#[test]
fn a_single_study_renders_alone() {
    let home = tempfile::tempdir().unwrap();
    let yaml = suite("").replace("      methods: [lora, ia3]\n", "      methods: [ia3]\n      studies: [negation]\n");
    let (events, outcome) = common::run_all(parse_suite(&yaml, "q1.yaml").unwrap(), RunOptions::default(), home.path());
    assert!(outcome.not_finished.is_empty(), "{:?}", events.iter().filter(|e| matches!(e, Event::Failed { .. })).collect::<Vec<_>>());
    assert!(common::value(&events, "pem", "lora_trainable").is_none(), "no LoRA module was trained");
    assert!(common::value(&events, "pem", "ia3_negation_stacked_lambda").is_some());
    let store = Store::open(&Paths::under(home.path()).home).unwrap();
    for lang in [Lang::En, Lang::Fa] {
        let model = report::build(&store, &outcome.run_id, lang).unwrap();
        let (rendered, failed) = report::render_checked(&model).unwrap();
        assert!(failed.is_empty(), "{lang:?}: {failed:?}");
        assert!(!rendered.markdown.contains("Study 1") && !rendered.markdown.contains("بررسی ۱:"), "a study that did not run is not described");
    }
}

#[test]
fn bad_params_are_refused_with_the_reason() {
    for (params, needle) in [
        ("      methods: [full]\n", "not a parameter-efficient module"),
        ("      methods: [ia3]\n", "initialisation study needs `lora`"),
        ("      negation_lambdas: [0.0, 1.0]\n", "keeps only the negated module"),
        ("      lambdas: [0.5, 1.5]\n", "1.5 is not in [0, 1]"),
        ("      majority: 0.3\n", "0.3 is not in [0.5, 1)"),
    ] {
        let text = suite("").replace("      lambdas: [0.0, 0.5, 1.0]\n", "").replace("      negation_lambdas: [0.0, 0.3]\n", "").replace("      methods: [lora, ia3]\n", "") + "";
        let text = text.replace("      test_limit: 60\n", &format!("      test_limit: 60\n{params}"));
        let err = parse_suite(&text, "q1.yaml").unwrap_err().to_string();
        assert!(err.contains(needle), "{params}: {err}");
        assert!(err.contains("q1.yaml:"), "the message names the file and line: {err}");
    }
}
