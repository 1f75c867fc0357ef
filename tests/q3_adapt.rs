//! Question 3 (d) and (e): the class-embedding heads, CoOp and the linear probes on the
//! demo's tiny CLIP and generated data, end to end into the report; and the guarantees
//! the methods rest on (frozen encoders, exact zero-shot init, exact CoOp prompts).
mod common;
use adaptlab::events::{Event, RunStatus};
use adaptlab::nn::clip::Clip;
use adaptlab::report::{self, Lang};
use adaptlab::run::RunOptions;
use adaptlab::tasks::q3::params::{ClassEmbeddingParams, ClipPretrainParams, CoopParams};
use adaptlab::paths::Paths;
use adaptlab::tasks::parse_suite;
use adaptlab::store::Store;
use adaptlab::tasks::q3::adapt::methods::{self, coop_tokens, Method};
use adaptlab::tasks::q3::adapt::Prepared;
use adaptlab::tasks::q3::model::LoadedClip;
use adaptlab::tokenize::ClipTokenizer;
use tch::{nn::VarStore, Device, Kind, Tensor};

const SUITE: &str = r#"
name: q3de
defaults: { seed: 3, device: cpu }
experiments:
  - id: clip
    part: q3
    task: clip_pretrain
    params: { steps: 60, batch_size: 24, lr: 0.003, image_size: 48, embed_dim: 32 }
  - id: zs
    part: q3a
    task: clip_zero_shot
    needs: [clip]
    params: { model: demo, dataset: demo, template: "a photo of a {}." }
  - id: ce
    part: q3d
    task: clip_class_embedding
    needs: [clip]
    params:
      <<: &study { model: demo, dataset: demo, template: "a photo of a {}.", shots: [1, 4], few_shot_seeds: 2 }
      head: { lrs: [0.01], epochs: 5, batch_size: 64, min_steps: 30 }
      coop: { lrs: [0.01], epochs: 2, batch_size: 64, min_steps: 20 }
  - id: lp
    part: q3e
    task: clip_linear_probe
    needs: [clip, ce]
    params:
      <<: *study
      class_embedding: ce
      probe: { lrs: [0.05], weight_decays: [0.0, 0.0001], epochs: 5, batch_size: 64, min_steps: 30 }
      lbfgs: { cs: [1, 100] }
"#;

fn value(events: &[Event], exp: &str, name: &str) -> serde_json::Value {
    common::value(events, exp, name).unwrap_or_else(|| panic!("{exp} has no value {name}"))
}

fn table_rows(events: &[Event], exp: &str, name: &str) -> usize {
    events
        .iter()
        .rev()
        .find_map(|e| match e {
            Event::Table { exp: x, table } if x == exp && table.name == name => Some(table.rows.len()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{exp} has no table {name}"))
}

#[test]
fn demo_class_embedding_and_linear_probe_reach_the_report() {
    let home = tempfile::tempdir().unwrap();
    let (events, outcome) = common::run_all(parse_suite(SUITE, "q3de.yaml").unwrap(), RunOptions::default(), home.path());
    let failures: Vec<&Event> = events.iter().filter(|e| matches!(e, Event::Failed { .. })).collect();
    assert_eq!(outcome.status, RunStatus::Finished, "{failures:?}");

    // Before training, the text-initialised head is zero-shot CLIP on every test image,
    // and the baseline both tasks report is (a)'s number.
    assert_eq!(value(&events, "ce", "text_init_agrees_with_zero_shot").as_f64(), Some(1.0));
    let zs = value(&events, "zs", "top1").as_f64().unwrap();
    assert_eq!(value(&events, "ce", "zero_shot_top1").as_f64(), Some(zs));
    assert_eq!(value(&events, "lp", "zero_shot_top1").as_f64(), Some(zs));
    for key in ["text_init_top1", "random_init_top1", "coop_top1"] {
        let v = value(&events, "ce", key).as_f64().unwrap();
        assert!((0.0..=1.0).contains(&v), "{key} = {v}");
    }
    // 10% of each class's 40 training images are held out for validation.
    assert_eq!(value(&events, "ce", "validation_images").as_u64(), Some(48));
    assert_eq!(value(&events, "ce", "train_images").as_u64(), Some(432));
    assert_eq!(value(&events, "ce", "coop_context_tokens").as_u64(), Some(4));
    assert_eq!(table_rows(&events, "ce", "methods"), 4, "zero-shot and three methods");
    assert_eq!(table_rows(&events, "ce", "few_shot"), 3 * 3, "three methods at 1, 4 shots and the full set");
    assert_eq!(table_rows(&events, "lp", "grid"), 2 + 2, "two probe settings and two Cs");
    assert_eq!(table_rows(&events, "lp", "all_methods"), 6, "zero-shot, (d1) ×2, (d2), (e) ×2");
    assert!(value(&events, "lp", "lbfgs_choice").as_str().unwrap().starts_with("C "));
    assert!(value(&events, "lp", "lbfgs_setting").as_str().unwrap().starts_with("setting-c?c="));
    // The few-shot curves' spread is over the seeds: 2 runs a point.
    let lp_curves = events.iter().rev().find_map(|e| match e {
        Event::Table { exp, table } if exp == "lp" && table.name == "few_shot" => Some(table.clone()),
        _ => None,
    });
    assert!(lp_curves.unwrap().rows.iter().all(|r| r[4].as_u64() == Some(2)));

    let store = Store::open(&Paths::under(home.path()).home).unwrap();
    let out = home.path().join("report");
    let written = report::render_run(&store, &outcome.run_id, Lang::En, &out).unwrap();
    let md = std::fs::read_to_string(written.markdown).unwrap();
    for needle in ["**(d) A trainable embedding per class.**", "*(d2) CoOp context tokens.*", "**(e) Linear probe.**", "plots/ce-few_shot.svg", "plots/lp-few_shot_all.svg", "plots/ce-text_init_val_accuracy.svg", "| (e) logistic regression, L-BFGS |"] {
        assert!(md.contains(needle), "the report lacks {needle}");
    }
    assert!(out.join("plots/lp-few_shot_all.svg").is_file());
    let fa = report::render_run(&store, &outcome.run_id, Lang::Fa, &home.path().join("fa")).unwrap();
    let fa = std::fs::read_to_string(fa.markdown).unwrap();
    assert!(fa.contains("**(د) یک بردار آموزش‌پذیر برای هر کلاس.**") && fa.contains("**(ه) کاوشگر خطی.**"));
}

/// A tiny CLIP of the demo's architecture with random weights, and features for 5 classes.
fn tiny_setup() -> Prepared {
    tch::manual_seed(0);
    let cfg = adaptlab::tasks::q3::pretrain::tiny_config(&ClipPretrainParams { embed_dim: 16, ..ClipPretrainParams::default() });
    let vs = VarStore::new(Device::Cpu);
    let clip = Clip::new(&vs.root(), &cfg);
    let names: Vec<String> = ["red circle", "blue square", "green triangle", "yellow star", "purple ring"].map(String::from).to_vec();
    let features = |n: i64| Tensor::randn([n, 16], (Kind::Float, Device::Cpu));
    let labels = |n: i64| (0..n).map(|i| i % 5).collect::<Vec<i64>>();
    let zero_shot = adaptlab::tasks::q3::features::class_embeddings(&clip, &names, &["a photo of a {}.".to_string()], Device::Cpu);
    Prepared {
        model: LoadedClip { clip, vs, id: "tiny".into(), weights_sha: "0".into() },
        model_name: "tiny".into(),
        names,
        train_features: features(60),
        train_labels: labels(60),
        val_features: features(20),
        val_labels: Tensor::from_slice(&labels(20)),
        test_features: features(25),
        test_labels: labels(25),
        zero_shot,
        scale: 10.0,
    }
}

#[test]
fn training_changes_nothing_but_the_trainable_parameters() {
    let prep = tiny_setup();
    let frozen: Vec<(String, Tensor)> = prep.model.vs.variables().into_iter().map(|(k, v)| (k, v.copy())).collect();
    let p = ClassEmbeddingParams { coop: CoopParams { lrs: vec![0.05], epochs: 10, batch_size: 20, min_steps: 30, ..CoopParams::default() }, ..ClassEmbeddingParams::default() }.settings();
    for method in Method::ALL {
        let run = methods::run(method, &prep, &p, None, 0, Device::Cpu, &mut |_, _| Ok(())).unwrap();
        if method == Method::Coop {
            // The gradient reached the context vectors through the text transformer.
            let curve = &run.outcome.as_ref().unwrap().loss_curve;
            assert!(curve.last().unwrap().1 < curve[0].1, "CoOp's loss did not decrease: {curve:?}");
            assert_eq!(run.trainable, 5 * 4 * 64, "classes × context tokens × text width");
        }
    }
    for (name, before) in &frozen {
        let after = prep.model.vs.variables()[name].shallow_clone();
        assert!(after.equal(before), "the frozen CLIP parameter {name} changed");
    }
}

#[test]
fn coop_prompts_from_a_template_are_the_templates_own_embeddings() {
    let prep = tiny_setup();
    let clip = &prep.model.clip;
    let (tokens, m, init) = coop_tokens(&prep.names, &CoopParams::default());
    assert_eq!(m, 4, "\"a photo of a\" is four tokens");
    let vs = VarStore::new(Device::Cpu);
    let prompts = adaptlab::nn::coop::ClassPrompts::new(&vs.root(), &clip.text, &tokens, m, init);
    // Cut after the longest prompt's EOS, the causal text tower gives the full-length result.
    assert!(prompts.length() < 77);
    let ours = tch::no_grad(|| prompts.encode(&clip.text));
    let full = tch::no_grad(|| clip.encode_text(&ClipTokenizer::get().tokenize_batch(&prep.names.iter().map(|n| format!("a photo of a {n}.")).collect::<Vec<_>>())));
    let diff = (ours - full).abs().max().double_value(&[]);
    assert!(diff < 1e-5, "max |Δ| {diff}");
}

#[test]
fn each_kind_accepts_only_its_methods() {
    let yaml = r#"
name: bad
experiments:
  - id: clip
    part: q3
    task: clip_pretrain
  - id: ce
    part: q3d
    task: clip_class_embedding
    needs: [clip]
    params: { methods: [text_init, probe] }
  - id: lp
    part: q3e
    task: clip_linear_probe
    needs: [clip]
    params: { class_embedding: ce }
"#;
    let errors = parse_suite(yaml, "bad.yaml").unwrap_err().to_string();
    assert!(errors.contains("bad.yaml:11:") && errors.contains("unknown variant `probe`, expected one of `text_init`, `random_init`, `coop`"), "{errors}");
    assert!(errors.contains("`ce` is not in this experiment's `needs`"), "{errors}");
}
