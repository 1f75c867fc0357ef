//! `adaptlab bench vit`: Q5's training speed and memory against transformers' Trainer +
//! peft on the same random-weight ViT, the same LoRA config and the same JPEGs, in one
//! invocation; and the input pipeline against ViTImageProcessor.
use crate::cli::{ExitCode, VitBenchArgs};
use super::bench_clip::write_images;
use crate::data::image::decode_file;
use crate::data::loader::{load, ImageRef, Transform};
use crate::data::vit_transform::{EvalResize, VitEval, VitTrain};
use crate::nn::vit::{Stores, Vit, VitConfig};
use crate::tasks::q5::params::LoraParams;
use crate::tasks::q5::model::{base_tensors, build, Method};
use crate::zoo::vit::from_folder;
use crate::nn::weights::write_safetensors;
use crate::zoo::vit::{as_vit_model, hub_config};
use crate::train::classifier::{train, Precision, Split, TrainConfig};
use crate::train::{memory, Observer};
use anyhow::{Context, Result};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;
use tch::Tensor;

/// Collects the loop's per-step throughput.
struct Rates(RefCell<Vec<f64>>);

impl Observer for Rates {
    fn metric(&self, name: &str, _step: u64, value: f64) {
        if name == "train/images_per_s" {
            self.0.borrow_mut().push(value);
        }
    }
    fn progress(&self, _: u64, _: u64, _: &str) {}
    fn log(&self, _: String) {}
    fn check_cancelled(&self) -> Result<()> {
        Ok(())
    }
}

/// A random-weight ViT-Base of the in21k config, saved as the hub saves a ViTModel.
fn write_base(dir: &Path) -> Result<()> {
    let cfg = VitConfig::default();
    let vs = tch::nn::VarStore::new(tch::Device::Cpu);
    let _vit = Vit::new(&Stores { base: vs.root(), adapter: None }, &cfg, None);
    std::fs::create_dir_all(dir)?;
    write_safetensors(&dir.join("model.safetensors"), &as_vit_model(&vs, &cfg))?;
    std::fs::write(dir.join("config.json"), serde_json::to_vec_pretty(&hub_config(&cfg))?)?;
    Ok(())
}

pub fn vit(a: &VitBenchArgs) -> Result<ExitCode> {
    let dir = tempfile::tempdir()?;
    let train_images = a.batch * (a.steps + 1);
    let n = train_images.max(a.images);
    eprintln!("writing {n} JPEGs and a random-weight ViT-Base ...");
    std::fs::create_dir_all(dir.path().join("images"))?;
    let paths = write_images(&dir.path().join("images"), n)?;
    let model_dir = dir.path().join("model");
    write_base(&model_dir)?;
    let threads = tch::get_num_threads().max(1) as usize;

    // Training: the notebook's LoRA config through the Trainer loop, one epoch of
    // steps + 1 batches (the first warms up), no accumulation.
    let base = from_folder(&model_dir, "random ViT-Base")?;
    tch::manual_seed(0);
    let built = build(Method::Lora, &base, &base_tensors(&base)?, &LoraParams::default(), &crate::nn::ia3::Ia3Config::vit(), 10, tch::Device::Cpu)?;
    let items: Vec<(ImageRef, usize)> = paths[..train_images].iter().enumerate().map(|(i, p)| (ImageRef::File(p.clone()), i % 10)).collect();
    let cfg = TrainConfig {
        epochs: 1,
        batch_size: a.batch,
        grad_accum: 1,
        lr: 5e-3,
        warmup_ratio: 0.0,
        adamw: Default::default(),
        max_grad_norm: 1.0,
        precision: Precision::Fp32,
        save_steps: 0,
        seed: 0,
        eval_batch_size: a.batch,
    };
    let rates = Rates(RefCell::new(Vec::new()));
    let forward = |x: &Tensor, t: bool| built.vit.forward_t(x, t);
    eprintln!("training {} steps of batch {} with adaptlab ...", a.steps + 1, a.batch);
    let params = built.trainable.iter().map(|(k, t)| (k.clone(), t.shallow_clone())).collect();
    train(
        &forward,
        params,
        Split { items: &items, transform: Arc::new(VitTrain::new(224, 0)) },
        Split { items: &items[..a.batch], transform: Arc::new(VitEval::new(224, EvalResize::ResizeCenterCrop)) },
        &cfg,
        &dir.path().join("checkpoints"),
        tch::Device::Cpu,
        &rates,
    )?;
    let rates = rates.0.into_inner();
    let timed = &rates[1.min(rates.len() - 1)..];
    let ours_steps = timed.iter().map(|r| r / a.batch as f64).sum::<f64>() / timed.len() as f64;
    let ours_peak = memory::peak_bytes().unwrap_or(0) as f64;

    // Input pipeline as the image processor does it (decode, squash to 224, normalise).
    let squash = VitEval::new(224, EvalResize::Squash);
    let pipeline: Vec<PathBuf> = paths[..a.images.min(paths.len())].to_vec();
    let start = Instant::now();
    for p in &pipeline {
        squash.apply(&decode_file(p)?, 0);
    }
    let ours_one = pipeline.len() as f64 / start.elapsed().as_secs_f64();
    let start = Instant::now();
    let loaded: usize = load(pipeline.iter().map(|p| (ImageRef::File(p.clone()), 0)).collect(), Arc::new(squash), 32, 4).map(|b| b.indices.len()).sum();
    let ours_parallel = loaded as f64 / start.elapsed().as_secs_f64();

    eprintln!("running transformers Trainer + peft on the same weights and images ...");
    let out = std::process::Command::new(&a.python.python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("python/bench_vit.py"))
        .args([model_dir.to_str().unwrap_or_default(), dir.path().join("images").to_str().unwrap_or_default()])
        .args([a.steps.to_string(), a.batch.to_string(), threads.to_string()])
        .output()
        .with_context(|| format!("running {} (set ADAPTLAB_PYTHON or run `make setup-ref`)", a.python.python.display()))?;
    anyhow::ensure!(out.status.success(), "the Python benchmark failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let py: serde_json::Value = serde_json::from_slice(out.stdout.rsplit(|&b| b == b'\n').find(|l| l.starts_with(b"{")).unwrap_or_default()).context("reading the Python benchmark's JSON")?;
    let f = |k: &str| py[k].as_f64().unwrap_or(f64::NAN);
    let (py_steps, py_peak, py_proc) = (f("steps_per_s"), f("peak_rss_bytes"), f("processor_images_per_s"));

    let mib = |b: f64| b / 1_048_576.0;
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).set_header(vec!["measure", "adaptlab", "transformers + peft", "ratio"]);
    t.add_row(vec![format!("LoRA training, steps/s (batch {}, {threads} threads)", a.batch), format!("{ours_steps:.3}"), format!("{py_steps:.3}"), format!("{:.2}×", ours_steps / py_steps)]);
    t.add_row(vec!["peak resident memory, MiB (lower is better)".to_string(), format!("{:.0}", mib(ours_peak)), format!("{:.0}", mib(py_peak)), format!("{:.2}×", ours_peak / py_peak)]);
    t.add_row(vec!["image processor, images/s on one core".to_string(), format!("{ours_one:.1}"), format!("{py_proc:.1}"), format!("{:.2}×", ours_one / py_proc)]);
    t.add_row(vec![format!("input pipeline, images/s ({} rayon threads)", rayon::current_num_threads()), format!("{ours_parallel:.1}"), format!("{py_proc:.1}"), format!("{:.2}×", ours_parallel / py_proc)]);
    println!("random-weight ViT-Base (in21k config), LoRA r=16 on query/value + a 10-class head, {} generated JPEGs (320–640 px)", paths.len());
    println!("{t}");
    Ok(ExitCode::Success)
}
