//! `adaptlab fetch clip NAME:TAG`, `adaptlab fetch stanford-dogs`, `adaptlab fetch food101`.
use crate::hub::download::Progress;
use crate::hub::{dogs, hf};
use crate::tasks::q3::model::hub_repo;
use anyhow::{Context, Result};

fn progress_line(done: u64, total: Option<u64>) {
    let mb = |b: u64| b as f64 / 1_048_576.0;
    match total {
        Some(t) => eprint!("\r  {:.1} / {:.1} MB ({:.0}%)   ", mb(done), mb(t), done as f64 * 100.0 / t.max(1) as f64),
        None => eprint!("\r  {:.1} MB   ", mb(done)),
    }
}

pub fn clip(model: &str, revision: &str, offline: bool) -> Result<i32> {
    let (name, tag) = model.split_once(':').context("write the model as NAME:TAG, e.g. convnext_base_w:laion2b_s13b_b82k_augreg")?;
    let repo = hub_repo(name, tag).with_context(|| format!("no known hub repository for `{model}`"))?;
    let cache = crate::paths::hf_hub_cache();
    let offline = offline || hf::offline();
    let progress = Progress { report: &progress_line };
    eprintln!("{repo} → {}", cache.display());
    // open_clip prefers the safetensors file and falls back to the PyTorch pickle.
    let [preferred, fallback] = crate::hub::catalog::OPEN_CLIP_WEIGHTS;
    let path = hf::fetch(&hf::endpoint(), &cache, repo, revision, preferred, offline, &progress)
        .or_else(|first| hf::fetch(&hf::endpoint(), &cache, repo, revision, fallback, offline, &progress).map_err(|_| first))?;
    eprintln!();
    println!("{}", path.display());
    Ok(0)
}

pub fn stanford_dogs(base: &str) -> Result<i32> {
    let cache = crate::paths::cache();
    let progress = Progress { report: &progress_line };
    let fetched = dogs::fetch(base, &cache, &progress)?;
    eprintln!();
    println!("{}: {} classes, {} train and {} test images", fetched.root.display(), fetched.classes, fetched.train, fetched.test);
    Ok(0)
}

pub fn food101(source: &str, revision: &str, url: &str, md5: &str) -> Result<i32> {
    let progress = Progress { report: &progress_line };
    let fetched = if source == "hub" {
        crate::hub::food::fetch_hub(&hf::endpoint(), &crate::paths::hf_hub_cache(), revision, &progress)?
    } else {
        let md5 = (md5 != "none").then_some(md5);
        crate::hub::food::fetch_official(url, md5, &crate::paths::cache(), &progress)?
    };
    eprintln!();
    println!("{}: {} classes, {} train and {} test images", fetched.root.display(), fetched.classes, fetched.train, fetched.test);
    Ok(0)
}
