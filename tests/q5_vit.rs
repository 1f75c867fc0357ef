//! Question 5 end to end on the demo's tiny ViT and generated dishes: the three methods
//! into the report; the trained adapter and `adaptlab vit predict` against transformers
//! + peft; a training run killed mid-epoch that resumes to the same weights as an
//! uninterrupted one; the transforms against torchvision and ViTImageProcessor; the
//! Food-101 readers and `fetch food101`.
mod common;
use adaptlab::data::food101::{Food101, ImageRef, Layout};
use adaptlab::data::image::decode_file;
use adaptlab::data::loader::Transform;
use adaptlab::data::synth_food::{write_dataset, FoodLikeSpec};
use adaptlab::data::clip_preprocess::normalise;
use adaptlab::data::vit_transform::{hflip, resized_crop, EvalResize, VitEval, VIT_MEAN, VIT_STD};
use adaptlab::data::image::mode::to_rgb;
use adaptlab::hub::download::Progress;
use adaptlab::hub::food;
use adaptlab::report::{self, Lang};
use adaptlab::run::RunOptions;
use adaptlab::paths::Paths;
use adaptlab::tasks::parse_suite;
use adaptlab::store::Store;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use tch::Tensor;

fn suite(epochs: u32, save_steps: u32, methods: &str) -> String {
    format!(
        r#"
name: q5
defaults: {{ seed: 11, device: cpu }}
experiments:
  - id: vit
    part: q5
    task: vit_pretrain
    params: {{ hidden_size: 32, layers: 2, heads: 2, image_size: 32, patch_size: 8, steps: 40, batch_size: 32, lr: 0.002 }}
  - id: lora
    part: q5
    task: vit_lora
    needs: [vit]
    params:
      model: demo
      dataset: demo
      subset: 200
      validation: 0.2
      methods: {methods}
      lora: {{ r: 4, lora_alpha: 8, lora_dropout: 0.1, target_modules: [query, value], modules_to_save: [classifier] }}
      train: {{ epochs: {epochs}, batch_size: 16, grad_accum: 2, lr: 0.01, full_lr: 0.001, save_steps: {save_steps}, eval_batch_size: 32 }}
      top_k: 3
"#
    )
}

use common::max_diff;

/// The folder of `exp` in the newest run stored under `root` (laid out as `Paths::under`).
fn exp_dir(root: &Path, exp: &str) -> PathBuf {
    let store = Store::open(&Paths::under(root).home).unwrap();
    let run = store.resolve_run_id("latest").unwrap();
    store.exp_dir(&run, exp)
}

#[test]
fn demo_methods_report_and_predictions_match_peft() {
    let home = tempfile::tempdir().unwrap();
    let (events, outcome) = common::run_all(parse_suite(&suite(3, 0, "[lora, full, probe]"), "q5.yaml").unwrap(), RunOptions::default(), home.path());
    assert!(outcome.not_finished.is_empty(), "{:?}", events.iter().filter(|e| matches!(e, adaptlab::events::Event::Failed { .. })).collect::<Vec<_>>());
    let v = |name: &str| common::value(&events, "lora", name).unwrap_or_else(|| panic!("no value {name}"));
    // r=4 on query and value of 2 layers (width 32) + a 10-class head.
    assert_eq!(v("lora_trainable"), 2 * 2 * (4 * 32 + 32 * 4) + 32 * 10 + 10);
    assert_eq!(v("probe_trainable"), 32 * 10 + 10);
    assert_eq!(v("full_trainable"), v("full_total"));
    for m in ["lora", "full", "probe"] {
        let acc = v(&format!("{m}_accuracy")).as_f64().unwrap();
        assert!((0.0..=1.0).contains(&acc), "{m}: {acc}");
    }
    assert!(v("lora_saved_mib").as_f64().unwrap() < v("full_saved_mib").as_f64().unwrap());

    // The trained adapter in peft, and `adaptlab vit predict`, give the same probabilities.
    let base = exp_dir(home.path(), "vit").join("vit_base");
    let adapter = exp_dir(home.path(), "lora").join("lora_adapter");
    let images: Vec<String> = ["pizza/102060.jpg", "sushi/106071.jpg", "donuts/108065.jpg"]
        .iter()
        .map(|f| Paths::under(home.path()).dataset("demo-food-v1").join("food-101/images").join(f).display().to_string())
        .collect();
    let out = home.path().join("peft_probs.safetensors");
    let mut args = vec!["predict", base.to_str().unwrap(), adapter.to_str().unwrap(), out.to_str().unwrap()];
    args.extend(images.iter().map(String::as_str));
    common::python::run_reference("q5_reference.py", &args);
    let reference = Tensor::read_safetensors(&out).unwrap().remove(0).1;
    let cli = Command::new(env!("CARGO_BIN_EXE_adaptlab"))
        .args(["vit", "predict", "--model-dir", base.to_str().unwrap(), "--adapter", adapter.to_str().unwrap(), "--top", "10", "--json"])
        .args(&images)
        .output()
        .unwrap();
    assert!(cli.status.success(), "{}", String::from_utf8_lossy(&cli.stderr));
    let json: serde_json::Value = serde_json::from_slice(&cli.stdout).unwrap();
    let labels: Vec<String> = serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(adapter.join("inference.json")).unwrap()).unwrap()["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_string())
        .collect();
    for (i, entry) in json.as_array().unwrap().iter().enumerate() {
        assert_eq!(entry["image"], images[i]);
        for ranked in entry["top"].as_array().unwrap() {
            let k = labels.iter().position(|l| l == ranked["label"].as_str().unwrap()).unwrap();
            let expected = reference.double_value(&[i as i64, k as i64]);
            let ours = ranked["prob"].as_f64().unwrap();
            assert!((ours - expected).abs() < 1e-4, "image {i} label {k}: {ours} vs peft {expected}");
        }
    }

    // The report: Q5's tables, curves and the prediction, in both languages.
    let store = Store::open(&Paths::under(home.path()).home).unwrap();
    let written = report::render_run(&store, &outcome.run_id, Lang::En, &home.path().join("report")).unwrap();
    let md = std::fs::read_to_string(&written.markdown).unwrap();
    for needle in ["Question 5", "| LoRA |", "| full fine-tuning |", "| linear probe |", "| eval accuracy |", "Prediction on a new image", "predicted_image", "| probability |"] {
        assert!(md.contains(needle), "the report lacks {needle}");
    }
    assert!(md.contains(&format!("{:.2}%", v("lora_trainable_pct").as_f64().unwrap())), "the trainable share is read from the run");
    let fa = report::render_run(&store, &outcome.run_id, Lang::Fa, &home.path().join("fa")).unwrap();
    assert!(std::fs::read_to_string(fa.markdown).unwrap().contains("LoRA"));
}

/// The same suite under the binary, in its own home and cache.
fn run_binary(home: &Path, yaml: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_adaptlab"))
        .args(["run", "--suite", yaml.to_str().unwrap()])
        .env("ADAPTLAB_HOME", Paths::under(home).home)
        .env("ADAPTLAB_CACHE", Paths::under(home).cache)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

fn adapter_tensors(home: &Path) -> Vec<(String, Tensor)> {
    let mut t = Tensor::read_safetensors(exp_dir(home, "lora").join("lora_adapter/adapter_model.safetensors")).unwrap();
    t.sort_by(|a, b| a.0.cmp(&b.0));
    t
}

#[test]
fn training_killed_mid_epoch_resumes_to_the_uninterrupted_result() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = dir.path().join("q5.yaml");
    std::fs::write(&yaml, suite(3, 1, "[lora]")).unwrap();
    let (straight, killed) = (dir.path().join("straight"), dir.path().join("killed"));
    assert!(run_binary(&straight, &yaml).wait().unwrap().success());

    // Kill once a checkpoint inside epoch 2 exists (save_steps: 1 writes one per step).
    let mut child = run_binary(&killed, &yaml);
    let deadline = Instant::now() + Duration::from_secs(240);
    let mid_epoch = |root: &Path| -> bool {
        let Ok(hashes) = std::fs::read_dir(root.join("cache/resume")) else { return false };
        hashes.flatten().any(|h| {
            std::fs::read_dir(h.path().join("lora")).map_or(false, |entries| {
                entries.flatten().any(|e| {
                    let name = e.file_name().to_string_lossy().to_string();
                    // checkpoint-<epoch>-<micro>-<steps>: epoch index 1, micro > 0.
                    name.starts_with("checkpoint-000001-") && !name.starts_with("checkpoint-000001-000000")
                })
            })
        })
    };
    while !mid_epoch(&killed) {
        assert!(Instant::now() < deadline, "no mid-epoch checkpoint appeared");
        assert!(child.try_wait().unwrap().is_none(), "the run ended before it could be killed");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(run_binary(&killed, &yaml).wait().unwrap().success(), "the second attempt finishes");

    let store = Store::open(&Paths::under(&killed).home).unwrap();
    let runs = store.runs().unwrap();
    assert_eq!(runs.len(), 2);
    let resumed = store.experiments(&runs[0].id).unwrap().into_iter().find(|e| e.exp_id == "lora").unwrap();
    let from = resumed.values.get("lora_resumed_from").unwrap_or_else(|| panic!("not resumed: {:?}", resumed.values));
    assert!(from.as_str().unwrap().starts_with("epoch 2"), "{from}");
    assert!(!killed.join("cache/resume").read_dir().unwrap().any(|e| e.unwrap().path().join("lora").exists()), "checkpoints are removed once finished");

    let (a, b) = (adapter_tensors(&straight), adapter_tensors(&killed));
    assert_eq!(a.len(), b.len());
    for ((ka, ta), (kb, tb)) in a.iter().zip(&b) {
        assert_eq!(ka, kb);
        assert!(max_diff(ta, tb) < 1e-6, "{ka} differs by {} after the resume", max_diff(ta, tb));
    }
}

#[test]
fn transforms_match_torchvision_and_the_vit_processor() {
    let dir = tempfile::tempdir().unwrap();
    common::python::run_reference("q5_reference.py", &["transforms", dir.path().to_str().unwrap()]);
    let meta: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("names.json")).unwrap()).unwrap();
    let pixels = Tensor::read_safetensors(dir.path().join("pixels.safetensors")).unwrap();
    let get = |k: String| pixels.iter().find(|(n, _)| *n == k).unwrap().1.shallow_clone();
    let b = meta["box"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect::<Vec<_>>();
    // One level of 8-bit rounding, in normalised units (÷ std 0.5).
    let tolerance = 2.0 / 255.0 + 1e-5;
    for (i, name) in meta["images"].as_array().unwrap().iter().enumerate() {
        let img = decode_file(&dir.path().join("images").join(name.as_str().unwrap())).unwrap();
        let as_tensor = |v: Vec<f32>| Tensor::from_slice(&v).view([3, 224, 224]);
        let eval = as_tensor(VitEval::new(224, EvalResize::ResizeCenterCrop).apply(&img, 0));
        let squash = as_tensor(VitEval::new(224, EvalResize::Squash).apply(&img, 0));
        let rgb = to_rgb(&img);
        let crop = as_tensor(normalise(&hflip(&resized_crop(&rgb, (b[0], b[1], b[2], b[3]), 224)), VIT_MEAN, VIT_STD));
        for (kind, ours) in [("eval", eval), ("squash", squash), ("crop", crop)] {
            let d = max_diff(&ours, &get(format!("{kind}.{i}")));
            assert!(d <= tolerance, "{name} {kind}: max |Δ| {d}");
        }
    }
}

#[test]
fn hub_parquet_files_read_with_their_label_names() {
    let dir = tempfile::tempdir().unwrap();
    common::python::run_reference("q5_reference.py", &["parquet", dir.path().to_str().unwrap()]);
    let data = Food101::open(dir.path()).unwrap();
    assert_eq!(data.layout, Layout::Parquet);
    assert_eq!(data.classes, ["apple_pie", "baby_back_ribs", "baklava"]);
    assert_eq!(data.names[1], "Baby back ribs");
    let truth: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("truth.json")).unwrap()).unwrap();
    let labels = |shards: &[&str]| -> Vec<usize> { shards.iter().flat_map(|s| truth[*s].as_array().unwrap().iter().map(|l| l.as_u64().unwrap() as usize)).collect() };
    assert_eq!(data.train.iter().map(|e| e.label).collect::<Vec<_>>(), labels(&["train-00000-of-00002.parquet", "train-00001-of-00002.parquet"]));
    assert_eq!(data.test.iter().map(|e| e.label).collect::<Vec<_>>(), labels(&["validation-00000-of-00001.parquet"]));
    let img = data.train[0].image.decode().unwrap();
    assert_eq!((img.width, img.height), (50, 40));
    // The broken row is an error naming it, for the loader to skip and count.
    let err = format!("{:#}", data.test[1].image.decode().unwrap_err());
    assert!(err.contains("validation-00000-of-00001.parquet row 1"), "{err}");
    let items: Vec<(ImageRef, u64)> = data.test.iter().map(|e| (e.image.clone(), 0)).collect();
    let mut loader = adaptlab::data::loader::load(items, std::sync::Arc::new(VitEval::new(32, EvalResize::ResizeCenterCrop)), 8, 2);
    let seen: usize = loader.by_ref().map(|b| b.indices.len()).sum();
    assert_eq!((seen, loader.skipped().len()), (3, 1));
}

#[test]
fn fetch_food101_official_from_a_file_mirror() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    write_dataset(&src, &FoodLikeSpec { train_per_class: 3, test_per_class: 2, image_size: 24, seed: 1 }).unwrap();
    let archive = dir.path().join("food-101.tar.gz");
    let status = Command::new("tar").args(["czf", archive.to_str().unwrap(), "-C", src.to_str().unwrap(), "food-101"]).status().unwrap();
    assert!(status.success());
    let md5 = food::md5_file(&archive).unwrap();
    let progress = Progress { report: &|_, _| {} };
    let url = format!("file://{}", archive.display());

    let wrong = dir.path().join("wrong");
    let err = format!("{:#}", food::fetch_official(&url, Some("0123456789abcdef0123456789abcdef"), &wrong, &progress).unwrap_err());
    assert!(err.contains("MD5") && !wrong.join("downloads/food-101.tar.gz").exists(), "{err}");

    let cache = dir.path().join("cache");
    let fetched = food::fetch_official(&url, Some(&md5), &cache, &progress).unwrap();
    assert_eq!((fetched.classes, fetched.train, fetched.test), (10, 30, 20));
    let data = Food101::open(&cache.join("datasets/food101")).unwrap();
    assert_eq!((data.layout, data.names[0].as_str()), (Layout::Tarball, "Ramen"));
    // A second fetch finds the unpacked copy and downloads nothing.
    std::fs::remove_file(cache.join("downloads/food-101.tar.gz")).unwrap();
    assert_eq!(food::fetch_official("file:///nonexistent", Some(&md5), &cache, &progress).unwrap().train, 30);
}

#[test]
fn ia3_trains_saves_a_peft_adapter_predicts_and_reports() {
    let home = tempfile::tempdir().unwrap();
    let (events, outcome) = common::run_all(parse_suite(&suite(2, 0, "[ia3, lora]"), "q5.yaml").unwrap(), RunOptions::default(), home.path());
    assert!(outcome.not_finished.is_empty(), "{:?}", events.iter().filter(|e| matches!(e, adaptlab::events::Event::Failed { .. })).collect::<Vec<_>>());
    let v = |name: &str| common::value(&events, "lora", name).unwrap_or_else(|| panic!("no value {name}"));
    // Keys and values (32 each) and the FFN's second projection (its input, intermediate
    // size 4 × 32) in 2 layers, plus the 10-class head.
    assert_eq!(v("ia3_trainable"), 2 * (32 + 32 + 128) + 32 * 10 + 10);
    assert_eq!(v("predict_method"), "ia3", "the first method predicts");
    let adapter = exp_dir(home.path(), "lora").join("ia3_adapter");
    let config: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(adapter.join("adapter_config.json")).unwrap()).unwrap();
    assert_eq!(config["peft_type"], "IA3");
    let store = Store::open(&Paths::under(home.path()).home).unwrap();
    for lang in [Lang::En, Lang::Fa] {
        let model = report::build(&store, &outcome.run_id, lang).unwrap();
        let (rendered, failed) = report::render_checked(&model).unwrap();
        assert!(failed.is_empty(), "{failed:?}");
        assert!(rendered.markdown.contains("(IA)³"));
    }
}
