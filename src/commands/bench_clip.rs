//! `adaptlab bench clip`: adaptlab against open_clip in one invocation, on the same
//! random-weight model and the same generated JPEGs; prints the ratios.
use crate::cli::{ClipBenchArgs, ExitCode};
use crate::data::clip_preprocess::ClipPreprocess;
use crate::data::image::decode_file;
use crate::data::loader::load_images;
use crate::data::rng::SplitMix64;
use crate::data::synth_dogs::{draw_parts, COLOURS, SHAPES};
use crate::nn::clip::{normalize, Clip, ClipConfig};
use crate::zoo::clip::class_embeddings;
use super::bench_peer::{paired, PythonPeer};
use anyhow::{Context, Result};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use std::path::{Path, PathBuf};
use std::time::Instant;


/// Photograph-sized JPEGs (random 320–640 px sides) of generated scenes, baseline-coded at
/// quality 90 as cameras and the data sets' own files are (mozjpeg's default would be
/// progressive, which both decoders handle more slowly).
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
            comp.set_fastest_defaults();
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

pub fn clip(a: &ClipBenchArgs) -> Result<ExitCode> {
    let cfg = ClipConfig::preset(&a.model).with_context(|| format!("unknown model {}", a.model))?;
    let dir = tempfile::tempdir()?;
    eprintln!("writing {} JPEGs and a random-weight {} ...", a.images, a.model);
    let paths = write_images(dir.path(), a.images)?;
    let vs = tch::nn::VarStore::new(tch::Device::Cpu);
    let clip = Clip::new(&vs.root(), &cfg);
    let weights = dir.path().join("weights.safetensors");
    vs.save(&weights)?;
    // The same weights again, the image tower in bf16 (CPU inference on bf16 matrix units).
    let mut vs_bf16 = tch::nn::VarStore::new(tch::Device::Cpu);
    let clip_bf16 = Clip::new(&vs_bf16.root(), &cfg);
    vs_bf16.load(&weights)?;
    crate::zoo::clip::set_visual_kind(&vs_bf16, tch::Kind::BFloat16);
    let pre = ClipPreprocess::new(cfg.vision.image_size as usize);
    let threads = tch::get_num_threads().max(1) as usize;
    let names: Vec<String> = (0..a.classes).map(|i| format!("class {i}")).collect();

    eprintln!("starting open_clip on the same weights and images ...");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/bench_clip.py");
    let args = [a.model.clone(), path_arg(&weights), path_arg(dir.path()), a.batch.to_string(), threads.to_string(), a.classes.to_string()];
    let mut peer = PythonPeer::start(&a.python.python, &script, &args)?;

    // Each round measures both sides back to back; the medians are reported.
    let rounds = a.rounds.max(1);
    let (mut preprocessing, mut end_to_end, mut end_to_end_bf16) = (Vec::new(), Vec::new(), Vec::new());
    let (mut top1_fp32, mut top1_bf16, mut worst_cosine) = (Vec::new(), Vec::new(), 1.0f64);
    let (mut text1_seconds, mut image_seconds) = (f64::MAX, f64::MAX);
    for round in 1..=rounds {
        eprintln!("round {round} of {rounds}: preprocessing on one core ...");
        let start = Instant::now();
        for p in &paths {
            pre.apply(&decode_file(p)?);
        }
        preprocessing.push((paths.len() as f64 / start.elapsed().as_secs_f64(), peer.measure("preprocess")?));

        eprintln!("round {round} of {rounds}: zero-shot end to end ...");
        // Parallel decode ahead of the model, features, scores.
        let start = Instant::now();
        let text = class_embeddings(&clip, &names, &["a photo of a {}.".to_string()], tch::Device::Cpu);
        let text_seconds = start.elapsed().as_secs_f64();
        let start_images = Instant::now();
        for batch in load_images(paths.clone(), pre.clone(), a.batch, 3) {
            let _guard = tch::no_grad_guard();
            let _ = normalize(&clip.encode_image(&batch.pixels)).matmul(&text.transpose(0, 1)).argmax(-1, false);
        }
        let images = start_images.elapsed().as_secs_f64();
        let theirs = peer.measure("end_to_end")?;
        end_to_end.push((paths.len() as f64 / (text_seconds + images), theirs));

        eprintln!("round {round} of {rounds}: zero-shot end to end, image tower in bf16 ...");
        let start = Instant::now();
        let text_bf16 = class_embeddings(&clip_bf16, &names, &["a photo of a {}.".to_string()], tch::Device::Cpu);
        for batch in load_images(paths.clone(), pre.clone(), a.batch, 3) {
            let _guard = tch::no_grad_guard();
            let _ = normalize(&crate::zoo::clip::encode_images_as(&clip_bf16, &batch.pixels, tch::Kind::BFloat16)).matmul(&text_bf16.transpose(0, 1)).argmax(-1, false);
        }
        end_to_end_bf16.push((paths.len() as f64 / start.elapsed().as_secs_f64(), theirs));
        if round == 1 {
            // Agreement with fp32 on the same images: top-1 and feature cosine.
            for batch in load_images(paths.clone(), pre.clone(), a.batch, 3) {
                let _guard = tch::no_grad_guard();
                let f32s = normalize(&clip.encode_image(&batch.pixels));
                let b16 = normalize(&crate::zoo::clip::encode_images_as(&clip_bf16, &batch.pixels, tch::Kind::BFloat16));
                top1_fp32.extend(Vec::<i64>::try_from(f32s.matmul(&text.transpose(0, 1)).argmax(-1, false))?);
                top1_bf16.extend(Vec::<i64>::try_from(b16.matmul(&text.transpose(0, 1)).argmax(-1, false))?);
                worst_cosine = worst_cosine.min((&f32s * &b16).sum_dim_intlist(-1, false, tch::Kind::Float).min().double_value(&[]));
            }
        }
        text1_seconds = text1_seconds.min(text_seconds);
        image_seconds = image_seconds.min(images);
    }
    drop(peer);

    // A 10-template study against one template on Stanford Dogs' 8,580 test images,
    // with image features computed once (the cache) and reused.
    let templates: Vec<String> = crate::tasks::q3::templates::OPENAI_IMAGENET[..10].iter().map(|s| s.to_string()).collect();
    let start = Instant::now();
    let _ = class_embeddings(&clip, &names, &templates, tch::Device::Cpu);
    let text10_seconds = start.elapsed().as_secs_f64();
    let per_image = image_seconds / paths.len() as f64;
    let features_full = per_image * 8580.0;
    let study_ratio = (features_full + text10_seconds) / (features_full + text1_seconds);
    let pre = paired(&preprocessing);
    let e2e = paired(&end_to_end);
    let e2e_bf16 = paired(&end_to_end_bf16);
    let agree = top1_fp32.iter().zip(&top1_bf16).filter(|(a, b)| a == b).count() as f64 / top1_fp32.len().max(1) as f64;

    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).set_header(vec!["measure", "adaptlab", "open_clip", "ratio"]);
    t.add_row(vec!["preprocessing, images/s on one core".to_string(), format!("{:.1}", pre.ours), format!("{:.1}", pre.theirs), format!("{:.2}×", pre.ratio)]);
    t.add_row(vec![format!("zero-shot end to end, images/s ({threads} threads, batch {})", a.batch), format!("{:.2}", e2e.ours), format!("{:.2}", e2e.theirs), format!("{:.2}×", e2e.ratio)]);
    t.add_row(vec![format!("zero-shot end to end, image tower in bf16 (against open_clip fp32)"), format!("{:.2}", e2e_bf16.ours), format!("{:.2}", e2e_bf16.theirs), format!("{:.2}×", e2e_bf16.ratio)]);
    t.add_row(vec![format!("bf16 against fp32: top-1 agreement over {} images; lowest feature cosine", top1_fp32.len()), format!("{:.1}%; {worst_cosine:.4}", agree * 100.0), "—".into(), String::new()]);
    t.add_row(vec!["10-template study / 1 template (8,580 images, cached features)".to_string(), format!("{study_ratio:.3}×"), "—".into(), String::new()]);
    println!("{} random-weight, {} generated baseline JPEGs (320–640 px), {} classes", a.model, paths.len(), a.classes);
    println!("medians of {rounds} rounds, each measuring both sides back to back; ratio = median of the rounds' ratios");
    println!("{t}");
    Ok(ExitCode::Success)
}

fn path_arg(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}
