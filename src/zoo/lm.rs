//! A language model by folder or hub name, with its tokenizer: what `adaptlab lm` and the
//! Q4 tasks load. Precision is chosen here: fp32 anywhere, bf16 on CPU or CUDA, fp16 on
//! CUDA only (CPU fp16 matmuls are slow and lose range).
use crate::hub::model_repo::{resolve_model, RepoFile};
use crate::nn::lm::CausalLm;
use crate::tokenize::hf::HfTokenizer;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use tch::{Device, Kind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    Fp32,
    Bf16,
    Fp16,
}

impl Precision {
    pub fn kind(self, device: Device) -> Result<Kind> {
        Ok(match (self, device) {
            (Precision::Fp32, _) => Kind::Float,
            (Precision::Bf16, _) => Kind::BFloat16,
            (Precision::Fp16, Device::Cuda(_)) => Kind::Half,
            (Precision::Fp16, _) => bail!("fp16 runs on CUDA only; on the CPU use bf16 (this CPU family has bf16 matrix units) or fp32"),
        })
    }
}

pub struct LoadedLm {
    pub model: CausalLm,
    pub tokenizer: HfTokenizer,
    pub dir: PathBuf,
}

impl LoadedLm {
    pub fn load(dir: &Path, device: Device, precision: Precision) -> Result<Self> {
        let tokenizer = HfTokenizer::from_dir(dir)?;
        let model = CausalLm::load(dir, device, precision.kind(device)?)?;
        let vocab = tokenizer.vocab_size() as i64;
        if vocab > model.cfg.vocab_size {
            bail!("{}: tokenizer.json has {vocab} tokens but config.json's vocab_size is {}; the two files belong to different models", dir.display(), model.cfg.vocab_size);
        }
        Ok(Self { model, tokenizer, dir: dir.to_path_buf() })
    }

    /// End-of-sequence ids: the config's, plus the tokenizer's eos_token (chat models end
    /// turns with a token the base config may not list).
    pub fn eos_ids(&self) -> Vec<i64> {
        let mut ids = self.model.cfg.eos_token_ids.clone();
        if let Some(id) = self.tokenizer.special_id("eos_token") {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }
}

/// The model folder for a folder path or hub name (fetched into `hub_cache` unless offline).
pub fn model_dir(spec: &str, hub_cache: &Path, offline: bool) -> Result<PathBuf> {
    let report = |file: &RepoFile, done: u64, total: Option<u64>| {
        let mb = |b: u64| b as f64 / 1_048_576.0;
        eprint!("\r  {} {:.1} / {:.1} MB   ", file.path, mb(done), mb(total.unwrap_or(file.size)));
    };
    resolve_model(spec, hub_cache, offline, &report).with_context(|| format!("finding the model `{spec}`"))
}

pub fn pick_device(wanted: Option<&str>) -> Result<Device> {
    Ok(match wanted.unwrap_or("auto") {
        "auto" => if tch::Cuda::is_available() { Device::Cuda(0) } else { Device::Cpu },
        "cpu" => Device::Cpu,
        "cuda" => {
            if !tch::Cuda::is_available() {
                bail!("--device cuda: libtorch sees no CUDA device here; use --device cpu");
            }
            Device::Cuda(0)
        }
        other => bail!("--device {other}: use auto, cpu or cuda"),
    })
}
