//! `adaptlab bench clip`: adaptlab against open_clip in one invocation, on the same
//! random-weight model and the same generated JPEGs; prints the ratios.
use crate::data::clip_preprocess::ClipPreprocess;
use crate::data::image::decode_file;
use crate::data::loader::load_images;
use crate::data::rng::SplitMix64;
use crate::data::synth_dogs::{draw_parts, COLOURS, SHAPES};
use crate::nn::clip::{normalize, Clip, ClipConfig};
use crate::tasks::q3::features::class_embeddings;
use anyhow::{Context, Result};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub struct BenchArgs {
    pub model: String,
    pub images: usize,
    pub batch: usize,
    pub classes: usize,
    pub python: PathBuf,
}

/// Photographs-sized JPEGs (random 320–640 px sides) of generated scenes.
pub(crate) fn write_images(dir: &Path, n: usize) -> Result<Vec<PathBuf>> {
    let mut rng = SplitMix64::new(42);
    (0..n)
        .map(|i| {
            let size = 320 + rng.below(320);
            let planar = draw_parts(rng.below(COLOURS.len()), SHAPES[rng.below(SHAPES.len())], size, &mut rng);
            let plane = size * size;
            let planar = &planar;
            let rgb: Vec<u8> = (0..plane).flat_map(|p| (0..3).map(move |c| (planar[c * plane + p] * 255.0) as u8)).collect();
            let mut comp = mozjpeg::Compress::new(mozjpeg::ColorSpace::JCS_RGB);
            comp.set_size(size, size);
            comp.set_quality(90.0);
            let mut started = comp.start_compress(Vec::new())?;
            started.write_scanlines(&rgb)?;
            let path = dir.join(format!("img{i:04}.jpg"));
            std::fs::write(&path, started.finish()?)?;
            Ok(path)
        })
        .collect()
}

pub fn clip(a: &BenchArgs) -> Result<i32> {
    let cfg = ClipConfig::preset(&a.model).with_context(|| format!("unknown model {}", a.model))?;
    let dir = tempfile::tempdir()?;
    eprintln!("writing {} JPEGs and a random-weight {} ...", a.images, a.model);
    let paths = write_images(dir.path(), a.images)?;
    let vs = tch::nn::VarStore::new(tch::Device::Cpu);
    let clip = Clip::new(&vs.root(), &cfg);
    let weights = dir.path().join("weights.safetensors");
    vs.save(&weights)?;
    let pre = ClipPreprocess::new(cfg.vision.image_size as usize);
    let threads = tch::get_num_threads().max(1) as usize;

    // Preprocessing on one thread.
    let start = Instant::now();
    for p in &paths {
        pre.apply(&decode_file(p)?);
    }
    let ours_pre = paths.len() as f64 / start.elapsed().as_secs_f64();

    // End to end: parallel decode ahead of the model, features, scores.
    let names: Vec<String> = (0..a.classes).map(|i| format!("class {i}")).collect();
    let start = Instant::now();
    let text = class_embeddings(&clip, &names, &["a photo of a {}.".to_string()], tch::Device::Cpu);
    let text1_seconds = start.elapsed().as_secs_f64();
    let start_images = Instant::now();
    for batch in load_images(paths.clone(), pre.clone(), a.batch, 3) {
        let _guard = tch::no_grad_guard();
        let _ = normalize(&clip.encode_image(&batch.pixels)).matmul(&text.transpose(0, 1)).argmax(-1, false);
    }
    let image_seconds = start_images.elapsed().as_secs_f64();
    let ours_e2e = paths.len() as f64 / (text1_seconds + image_seconds);

    // A 10-template study against one template on Stanford Dogs' 8,580 test images,
    // with image features computed once (the cache) and reused.
    let templates: Vec<String> = crate::tasks::q3::templates::OPENAI_IMAGENET[..10].iter().map(|s| s.to_string()).collect();
    let start = Instant::now();
    let _ = class_embeddings(&clip, &names, &templates, tch::Device::Cpu);
    let text10_seconds = start.elapsed().as_secs_f64();
    let per_image = image_seconds / paths.len() as f64;
    let features_full = per_image * 8580.0;
    let study_ratio = (features_full + text10_seconds) / (features_full + text1_seconds);

    eprintln!("running open_clip on the same weights and images ...");
    let out = std::process::Command::new(&a.python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("python/bench_clip.py"))
        .args([&a.model, weights.to_str().unwrap_or_default(), dir.path().to_str().unwrap_or_default()])
        .args([a.batch.to_string(), threads.to_string(), a.classes.to_string()])
        .output()
        .with_context(|| format!("running {} (set ADAPTLAB_PYTHON or run `make setup-ref`)", a.python.display()))?;
    anyhow::ensure!(out.status.success(), "the Python benchmark failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let py: serde_json::Value = serde_json::from_slice(&out.stdout).context("reading the Python benchmark's JSON")?;
    let (py_pre, py_e2e) = (py["preprocess_per_core"].as_f64().unwrap_or(f64::NAN), py["end_to_end"].as_f64().unwrap_or(f64::NAN));

    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).set_header(vec!["measure", "adaptlab", "open_clip", "ratio"]);
    t.add_row(vec!["preprocessing, images/s on one core".to_string(), format!("{ours_pre:.1}"), format!("{py_pre:.1}"), format!("{:.2}×", ours_pre / py_pre)]);
    t.add_row(vec![format!("zero-shot end to end, images/s ({threads} threads, batch {})", a.batch), format!("{ours_e2e:.2}"), format!("{py_e2e:.2}"), format!("{:.2}×", ours_e2e / py_e2e)]);
    t.add_row(vec!["10-template study / 1 template (8,580 images, cached features)".to_string(), format!("{study_ratio:.3}×"), "—".into(), String::new()]);
    println!("{} random-weight, {} generated JPEGs (320–640 px), {} classes", a.model, paths.len(), a.classes);
    println!("{t}");
    Ok(0)
}
