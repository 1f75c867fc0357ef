//! `adaptlab doctor`: what this build links, what the machine offers, what is on disk.
use crate::hub::catalog::{locate, ASSETS};
use crate::cli::ExitCode;
use crate::paths::Paths;
use anyhow::Result;
use serde_json::json;

pub fn run(as_json: bool, paths: &Paths) -> Result<ExitCode> {
    let cuda = tch::Cuda::is_available();
    let devices = tch::Cuda::device_count();
    let (hub, cache) = (&paths.hub, &paths.cache);
    let assets: Vec<serde_json::Value> = ASSETS
        .iter()
        .map(|a| {
            let (path, present) = locate(a, hub, cache);
            json!({"name": a.name, "used_by": a.used_by, "present": present, "path": path})
        })
        .collect();
    let report = json!({
        "adaptlab": env!("CARGO_PKG_VERSION"),
        "libtorch_version": env!("ADAPTLAB_LIBTORCH_VERSION"),
        "libtorch_lib": env!("ADAPTLAB_LIBTORCH_LIB"),
        "cuda_available": cuda,
        "cuda_devices": devices,
        "cudnn_available": tch::Cuda::cudnn_is_available(),
        "threads": tch::get_num_threads(),
        "home": paths.home,
        "cache": cache,
        "hf_hub_cache": hub,
        "assets": assets,
    });
    if as_json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(ExitCode::Success);
    }
    println!("adaptlab {}", env!("CARGO_PKG_VERSION"));
    println!("libtorch {} ({})", env!("ADAPTLAB_LIBTORCH_VERSION"), env!("ADAPTLAB_LIBTORCH_LIB"));
    if cuda {
        println!("CUDA: available, {devices} device(s), cuDNN {}", if tch::Cuda::cudnn_is_available() { "yes" } else { "no" });
    } else {
        println!("CUDA: not available (CPU only; on a GPU box check the driver with nvidia-smi, or build against a CUDA 12 torch: see README)");
    }
    println!("threads: {}", tch::get_num_threads());
    println!("run store (ADAPTLAB_HOME): {}", paths.home.display());
    println!("cache (ADAPTLAB_CACHE):    {}", cache.display());
    println!("Hugging Face hub cache:    {}", hub.display());
    println!("weights and data sets:");
    for a in &assets {
        let mark = if a["present"].as_bool() == Some(true) { "present" } else { "missing" };
        println!("  {mark:8} {} [{}]  {}", a["name"].as_str().unwrap_or(""), a["used_by"].as_str().unwrap_or(""), a["path"].as_str().unwrap_or(""));
    }
    Ok(ExitCode::Success)
}
