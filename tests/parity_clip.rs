//! open_clip ConvNeXt CLIP parity: the same random weights (built by open_clip itself,
//! every parameter perturbed) give the same image and text features within 1e-4.
mod common;
use adaptlab::nn::clip::{Clip, ClipConfig};
use adaptlab::nn::weights::{load_strict, read_checkpoint};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tch::{nn::VarStore, Device, Tensor};

/// Generates the reference once per test binary (the weights file is 700 MB).
fn reference_dir(model: &str) -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = DIR.get_or_init(|| tempfile::tempdir().unwrap());
    let out = dir.path().join(model);
    if !out.join("reference.safetensors").exists() {
        common::python::run_reference("clip_reference.py", &[model, out.to_str().unwrap()]);
    }
    out
}

fn load(model: &str, dir: &Path) -> (VarStore, Clip) {
    let cfg = ClipConfig::preset(model).unwrap();
    let mut vs = VarStore::new(Device::Cpu);
    let clip = Clip::new(&vs.root(), &cfg);
    let tensors = read_checkpoint(&dir.join("open_clip_model.safetensors")).unwrap();
    load_strict(&mut vs, tensors, "open_clip_model.safetensors").unwrap();
    (vs, clip)
}

fn max_abs_diff(a: &Tensor, b: &Tensor) -> f64 {
    assert_eq!(a.size(), b.size());
    (a - b).abs().max().double_value(&[])
}

fn check_model(model: &str) {
    let dir = reference_dir(model);
    let (_vs, clip) = load(model, &dir);
    let reference: HashMap<String, Tensor> = Tensor::read_safetensors(dir.join("reference.safetensors")).unwrap().into_iter().collect();
    let _guard = tch::no_grad_guard();
    let image = clip.encode_image(&reference["images"]);
    let text = clip.encode_text(&reference["tokens"]);
    let logits = clip.logits(&image, &text);
    let scale = reference["image_features"].abs().max().double_value(&[]);
    assert!(scale > 0.1, "features are not trivially small ({scale})");
    for (name, ours) in [("image_features", &image), ("text_features", &text), ("logits", &logits)] {
        let diff = max_abs_diff(ours, &reference[name]);
        eprintln!("{model} {name}: max |adaptlab − open_clip| = {diff:e} (largest value {:.3})", reference[name].abs().max().double_value(&[]));
        assert!(diff < 1e-4, "{model} {name}: max |adaptlab − open_clip| = {diff:e}");
    }
}

#[test]
fn convnext_base_w_matches_open_clip() {
    check_model("convnext_base_w");
}

#[test]
fn loading_is_strict_and_names_the_problem() {
    let dir = reference_dir("convnext_base_w");
    let file = dir.join("open_clip_model.safetensors");
    // The wrong architecture for these weights.
    let mut vs = VarStore::new(Device::Cpu);
    let _clip = Clip::new(&vs.root(), &ClipConfig::preset("convnext_base").unwrap());
    let err = load_strict(&mut vs, read_checkpoint(&file).unwrap(), "the file").unwrap_err().to_string();
    assert!(err.contains("shape") || err.contains("missing"), "{err}");
    // A missing key is named.
    let mut vs = VarStore::new(Device::Cpu);
    let _clip = Clip::new(&vs.root(), &ClipConfig::preset("convnext_base_w").unwrap());
    let tensors: Vec<_> = read_checkpoint(&file).unwrap().into_iter().filter(|(k, _)| k != "visual.head.proj.weight").collect();
    let err = load_strict(&mut vs, tensors, "the file").unwrap_err().to_string();
    assert!(err.contains("1 key(s) missing") && err.contains("`visual.head.proj.weight`"), "{err}");
    // A truncated file is a clear error, not a crash.
    let truncated = dir.join("truncated.safetensors");
    std::fs::write(&truncated, &std::fs::read(&file).unwrap()[..1000]).unwrap();
    let err = format!("{:#}", read_checkpoint(&truncated).unwrap_err());
    assert!(err.contains("truncated.safetensors") && err.contains("re-download"), "{err}");
}

#[test]
#[ignore = "1.2 B parameters (about 10 GB of RAM and minutes on CPU): run with --ignored"]
fn convnext_xxlarge_matches_open_clip() {
    check_model("convnext_xxlarge");
}

/// `adaptlab clip classify` on the random full-size model and two photographs gives
/// open_clip's label probabilities (preprocessing, tokenizer and both towers together).
#[test]
fn clip_classify_matches_open_clip() {
    let dir = reference_dir("convnext_base_w");
    let expected: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("classify.json")).unwrap()).unwrap();
    let labels: Vec<&str> = expected["labels"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_adaptlab"));
    cmd.args(["clip", "classify", "--model", "convnext_base_w", "--weights"]).arg(dir.join("open_clip_model.safetensors"));
    cmd.args(["--template", expected["template"].as_str().unwrap(), "--json"]);
    for l in &labels {
        cmd.args(["--label", l]);
    }
    cmd.arg(dir.join("china.jpg")).arg(dir.join("flower.jpg"));
    cmd.env("ADAPTLAB_CACHE", dir.join("cache"));
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ours: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for (mine, theirs) in ours.as_array().unwrap().iter().zip(expected["results"].as_array().unwrap()) {
        assert!(mine["image"].as_str().unwrap().ends_with(theirs["image"].as_str().unwrap()));
        let total: f64 = labels.iter().map(|l| mine["probs"][l].as_f64().unwrap()).sum();
        assert!((total - 1.0).abs() < 1e-5);
        for l in &labels {
            let (a, b) = (mine["probs"][l].as_f64().unwrap(), theirs["probs"][l].as_f64().unwrap());
            assert!((a - b).abs() < 1e-4, "{l}: adaptlab {a} vs open_clip {b}");
        }
    }
}
