//! `adaptlab vit predict`: the top labels of images under a trained ViT (a model folder,
//! plus a PEFT LoRA adapter folder when the model was adapted with LoRA).
use crate::cli::{ExitCode, PredictArgs};
use crate::data::loader::ImageRef;
use crate::zoo::vit::Predictor;
use anyhow::Result;

pub fn predict(a: &PredictArgs) -> Result<ExitCode> {
    anyhow::ensure!(a.top >= 1, "--top must be at least 1");
    let device = if tch::Cuda::is_available() { tch::Device::Cuda(0) } else { tch::Device::Cpu };
    let predictor = Predictor::load(&a.model_dir, a.adapter.as_deref(), device)?.with_kind(a.precision.kind(device)?);
    let mut results = Vec::new();
    let mut failed = 0;
    for path in &a.images {
        match predictor.predict(&ImageRef::File(path.clone()), a.top) {
            Ok(top) => results.push((path.clone(), top)),
            Err(e) => {
                eprintln!("skipped: {e:#}");
                failed += 1;
            }
        }
    }
    if let Some(warning) = crate::data::image::decode::truncated_loaded_warning() {
        eprintln!("warning: {warning}");
    }
    if a.json {
        let out: Vec<serde_json::Value> = results.iter().map(|(p, top)| serde_json::json!({"image": p, "top": top})).collect();
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        for (p, top) in &results {
            let text: Vec<String> = top.iter().map(|r| format!("{} {:.1}%", r.label, r.prob * 100.0)).collect();
            println!("{}: {}", p.display(), text.join(", "));
        }
    }
    Ok(if failed > 0 { ExitCode::Failure } else { ExitCode::Success })
}
