//! ViT by folder or hub repository, for tasks and commands alike: the base checkpoint
//! (a transformers model folder, or `config.json` + weights fetched into the hub cache),
//! the config file the hub writes, and the predictor that labels images with a trained
//! model (a fine-tuned folder, or a base plus a PEFT LoRA adapter).
use anyhow::{Context, Result};
use crate::data::loader::{ImageRef, Transform};
use crate::data::vit_transform::{EvalResize, VitEval};
use crate::hub::download::Progress;
use crate::hub::hf;
use crate::nn::adapter::load_peft_adapter;
use crate::nn::vit::VitConfig;
use crate::nn::vit::{classification_keys, Stores, Vit};
use crate::nn::weights::{load_strict, read_checkpoint};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::path::PathBuf;
use tch::nn::VarStore;
use tch::nn;
use tch::{Device, Kind, Tensor};

/// A base checkpoint on disk.
#[derive(Debug, Clone)]
pub struct BaseModel {
    pub name: String,
    pub config: VitConfig,
    pub weights: PathBuf,
}

/// config.json + model.safetensors (or pytorch_model.bin) in a folder.
pub fn from_folder(dir: &Path, name: &str) -> Result<BaseModel> {
    let config_path = dir.join("config.json");
    let text = std::fs::read_to_string(&config_path).with_context(|| format!("reading {} (a model folder holds config.json and model.safetensors)", config_path.display()))?;
    let config: VitConfig = serde_json::from_str(&text).with_context(|| format!("{} is not a ViT config.json", config_path.display()))?;
    let weights = ["model.safetensors", "pytorch_model.bin"].iter().map(|f| dir.join(f)).find(|p| p.is_file()).with_context(|| format!("{} has no model.safetensors or pytorch_model.bin", dir.display()))?;
    Ok(BaseModel { name: name.to_string(), config, weights })
}

/// Downloads (or finds in the hub cache) `repo`'s config and weights.
pub fn from_hub(cache: &Path, repo: &str, revision: &str) -> Result<BaseModel> {
    let progress = Progress { report: &|_, _| {} };
    let offline = hf::offline();
    let config = hf::fetch(&hf::endpoint(), cache, repo, revision, "config.json", offline, &progress)?;
    let weights = hf::fetch(&hf::endpoint(), cache, repo, revision, "model.safetensors", offline, &progress)
        .or_else(|first| hf::fetch(&hf::endpoint(), cache, repo, revision, "pytorch_model.bin", offline, &progress).map_err(|_| first))?;
    let dir = config.parent().context("snapshot folder")?;
    let mut base = from_folder(dir, repo)?;
    base.weights = weights;
    Ok(base)
}

/// What inference needs besides the weights; written beside an adapter or model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InferenceInfo {
    /// Label names by index.
    pub labels: Vec<String>,
    pub eval_resize: EvalResize,
    pub image_mean: [f32; 3],
    pub image_std: [f32; 3],
}

pub const INFERENCE_FILE: &str = "inference.json";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranked {
    pub label: String,
    pub prob: f64,
}

pub struct Predictor {
    pub vit: Vit,
    _stores: (VarStore, Option<VarStore>),
    pub info: InferenceInfo,
    transform: VitEval,
    device: Device,
    /// The weights' and activations' type: fp32, or bf16 for fast CPU inference.
    kind: Kind,
}

fn read_info(dir: &Path) -> Option<InferenceInfo> {
    serde_json::from_str(&std::fs::read_to_string(dir.join(INFERENCE_FILE)).ok()?).ok()
}

/// id2label of a transformers config.json, in index order.
fn config_labels(model_dir: &Path, n: usize) -> Vec<String> {
    let raw: serde_json::Value = std::fs::read_to_string(model_dir.join("config.json")).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default();
    (0..n).map(|i| raw["id2label"][i.to_string()].as_str().map_or_else(|| format!("LABEL_{i}"), String::from)).collect()
}

impl Predictor {
    /// A model folder (config.json + weights) and an optional adapter folder.
    pub fn load(model_dir: &Path, adapter: Option<&Path>, device: Device) -> Result<Self> {
        let base = from_folder(model_dir, &model_dir.display().to_string())?;
        Self::from_base(&base, Some(model_dir), adapter, device)
    }

    /// `model_dir`, when given, is where config.json's labels are looked up.
    pub fn from_base(base: &BaseModel, model_dir: Option<&Path>, adapter: Option<&Path>, device: Device) -> Result<Self> {
        let checkpoint = classification_keys(read_checkpoint(&base.weights)?);
        let mut base_vs = VarStore::new(device);
        let (vit, adapter_vs, num_labels) = match adapter {
            Some(dir) => {
                let (cfg, tensors) = load_peft_adapter(dir)?;
                let head = tensors.iter().find(|(k, _)| k == "classifier.weight").with_context(|| format!("{} has no trained classifier (modules_to_save: [classifier])", dir.display()))?;
                let num_labels = head.1.size()[0];
                let mut adapter_vs = VarStore::new(device);
                let vit = Vit::new(&Stores { base: base_vs.root(), adapter: Some((adapter_vs.root(), &cfg)) }, &base.config, Some(num_labels));
                load_strict(&mut adapter_vs, tensors, &dir.display().to_string())?;
                (vit, Some(adapter_vs), num_labels)
            }
            None => {
                let head = checkpoint
                    .iter()
                    .find(|(k, _)| k == "classifier.weight")
                    .with_context(|| format!("{} has no classifier head (a bare ViTModel); pass the trained adapter with --adapter", base.weights.display()))?;
                let num_labels = head.1.size()[0];
                (Vit::new(&Stores { base: base_vs.root(), adapter: None }, &base.config, Some(num_labels)), None, num_labels)
            }
        };
        let base_tensors: Vec<(String, Tensor)> = if adapter_vs.is_some() { checkpoint.into_iter().filter(|(k, _)| !k.starts_with("classifier.")).collect() } else { checkpoint };
        load_strict(&mut base_vs, base_tensors, &base.weights.display().to_string())?;
        let info = adapter.and_then(read_info).or_else(|| model_dir.and_then(read_info)).unwrap_or_else(|| InferenceInfo {
            labels: model_dir.map_or_else(|| (0..num_labels).map(|i| format!("LABEL_{i}")).collect(), |d| config_labels(d, num_labels as usize)),
            eval_resize: EvalResize::ResizeCenterCrop,
            image_mean: crate::data::vit_transform::VIT_MEAN,
            image_std: crate::data::vit_transform::VIT_STD,
        });
        anyhow::ensure!(info.labels.len() == num_labels as usize, "{} names {} labels but the head has {num_labels}", INFERENCE_FILE, info.labels.len());
        Ok(Self::new(vit, (base_vs, adapter_vs), info, device))
    }

    /// A model already in memory (its weights in `stores`), labelled and preprocessed by `info`.
    pub fn new(vit: Vit, stores: (VarStore, Option<VarStore>), info: InferenceInfo, device: Device) -> Self {
        let transform = VitEval { size: vit.cfg.image_size as usize, resize: info.eval_resize, mean: info.image_mean, std: info.image_std };
        // Inference: fold LoRA into the weights once.
        tch::no_grad(|| vit.merge());
        Self { vit, _stores: stores, info, transform, device, kind: Kind::Float }
    }

    /// Weights and activations in `kind` (bf16 on the CPU's bf16 matrix units). LayerNorm
    /// and the attention softmax accumulate in fp32 inside PyTorch's bf16 kernels, and
    /// the final softmax runs on fp32 logits.
    pub fn with_kind(mut self, kind: Kind) -> Self {
        let _guard = tch::no_grad_guard();
        self._stores.0.set_kind(kind);
        if let Some(adapter) = self._stores.1.as_mut() {
            adapter.set_kind(kind);
        }
        self.kind = kind;
        self
    }

    /// The `k` most probable labels of an image.
    pub fn predict(&self, image: &ImageRef, k: usize) -> Result<Vec<Ranked>> {
        let img = image.decode()?;
        let size = self.transform.size as i64;
        let pixels = Tensor::from_slice(&self.transform.apply(&img, 0)).view([1, 3, size, size]).to_device(self.device).to_kind(self.kind);
        let probs = tch::no_grad(|| self.vit.forward_t(&pixels, false).to_kind(Kind::Float).softmax(-1, Kind::Float).squeeze_dim(0));
        Ok(top_k(&probs, &self.info.labels, k))
    }
}

/// The `k` largest of `probs` [labels] with their names, most probable first.
pub fn top_k(probs: &Tensor, labels: &[String], k: usize) -> Vec<Ranked> {
    let k = k.min(labels.len()).max(1) as i64;
    let (values, indices) = probs.topk(k, -1, true, true);
    let values: Vec<f64> = Vec::try_from(&values.to_kind(Kind::Double).to_device(Device::Cpu)).unwrap_or_default();
    let indices: Vec<i64> = Vec::try_from(&indices.to_device(Device::Cpu)).unwrap_or_default();
    indices.iter().zip(values).map(|(&i, prob)| Ranked { label: labels[i as usize].clone(), prob }).collect()
}

/// The encoder's tensors under ViTModel's names, plus a pooler as the hub file has.
pub fn as_vit_model(vs: &nn::VarStore, cfg: &VitConfig) -> Vec<(String, Tensor)> {
    let mut out: Vec<(String, Tensor)> = vs
        .variables()
        .into_iter()
        .filter_map(|(k, t)| k.strip_prefix("vit.").map(|rest| (rest.to_string(), t.detach().to_device(tch::Device::Cpu))))
        .collect();
    let h = cfg.hidden_size;
    out.push(("pooler.dense.weight".into(), Tensor::randn([h, h], (Kind::Float, tch::Device::Cpu)) * 0.02));
    out.push(("pooler.dense.bias".into(), Tensor::zeros([h], (Kind::Float, tch::Device::Cpu))));
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// config.json as transformers writes it for a ViTModel.
pub fn hub_config(cfg: &VitConfig) -> serde_json::Value {
    let mut v = serde_json::to_value(cfg).unwrap_or_default();
    v["model_type"] = "vit".into();
    v["architectures"] = serde_json::json!(["ViTModel"]);
    v["hidden_dropout_prob"] = 0.0.into();
    v["attention_probs_dropout_prob"] = 0.0.into();
    v["initializer_range"] = 0.02.into();
    v
}
