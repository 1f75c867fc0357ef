//! Where an LM's parameters come from: a checkpoint (one or sharded safetensors files, or a
//! zip-format `pytorch_model.bin`, read without running pickle code) or a fresh random
//! initialisation. Modules ask for each tensor by its transformers name and shape; a
//! checkpoint's tensors go into the VarStore as they are (converted to the run's dtype and
//! device, no second copy), and `finish` reports every missing, unexpected or misshaped key.
use anyhow::{bail, Context, Result};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use tch::nn::{self, Init};
use tch::{Device, Kind, Tensor};

/// The weight files of a model folder, in the order transformers prefers them.
pub fn weight_files(dir: &Path) -> Result<Vec<PathBuf>> {
    for index in ["model.safetensors.index.json", "pytorch_model.bin.index.json"] {
        let path = dir.join(index);
        if path.is_file() {
            return shards(&path);
        }
    }
    for single in ["model.safetensors", "pytorch_model.bin"] {
        let path = dir.join(single);
        if path.is_file() {
            return Ok(vec![path]);
        }
    }
    bail!(
        "{} has no weights: expected model.safetensors, model.safetensors.index.json (sharded) or pytorch_model.bin; \
         download the model with `adaptlab fetch model REPO`",
        dir.display()
    )
}

/// The shard files an index's `weight_map` names, each once, all present.
fn shards(index: &Path) -> Result<Vec<PathBuf>> {
    let text = std::fs::read_to_string(index).with_context(|| format!("reading {}", index.display()))?;
    let raw: serde_json::Value = serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", index.display()))?;
    let map = raw["weight_map"].as_object().with_context(|| format!("{}: field `weight_map` is missing", index.display()))?;
    let names: BTreeSet<&str> = map.values().filter_map(|v| v.as_str()).collect();
    let dir = index.parent().unwrap_or(Path::new("."));
    let files: Vec<PathBuf> = names.iter().map(|n| dir.join(n)).collect();
    if let Some(absent) = files.iter().find(|f| !f.is_file()) {
        bail!("{} names the shard {} which is not in the folder; the download is incomplete (run `adaptlab fetch model` again)", index.display(), absent.display());
    }
    Ok(files)
}

/// Every tensor of the weight files, by name, on the CPU in the file's dtype.
pub fn read_tensors(files: &[PathBuf]) -> Result<HashMap<String, Tensor>> {
    let mut out = HashMap::new();
    for file in files {
        out.extend(crate::nn::weights::read_checkpoint(file)?);
    }
    Ok(out)
}

pub struct ParamSource {
    checkpoint: Option<(HashMap<String, Tensor>, String)>,
    device: Device,
    kind: Kind,
    missing: Vec<String>,
    misshaped: Vec<String>,
}

impl ParamSource {
    /// Tensors from a checkpoint (names already in transformers' form); `source` names it in errors.
    pub fn checkpoint(tensors: HashMap<String, Tensor>, source: &str, device: Device, kind: Kind) -> Self {
        Self { checkpoint: Some((tensors, source.to_string())), device, kind, missing: vec![], misshaped: vec![] }
    }

    /// Random initialisation (trainable), for pre-training a model from scratch.
    pub fn random(device: Device, kind: Kind) -> Self {
        Self { checkpoint: None, device, kind, missing: vec![], misshaped: vec![] }
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The tensor `name` under `p`, of `shape`; `init` is used when initialising randomly.
    pub fn get(&mut self, p: &nn::Path, name: &str, shape: &[i64], init: Init) -> Tensor {
        let Some((tensors, _)) = &mut self.checkpoint else {
            // Initialised in fp32; the caller casts the VarStore for other dtypes.
            return p.var(name, shape, init);
        };
        let full = p.path(name);
        match tensors.remove(&full) {
            Some(t) if t.size() == shape => p.add(name, t.to_device(self.device).to_kind(self.kind), false),
            Some(t) => {
                self.misshaped.push(format!("`{full}` is {:?} in the file, {shape:?} in the config", t.size()));
                p.add(name, Tensor::zeros(shape, (self.kind, self.device)), false)
            }
            None => {
                self.missing.push(full);
                p.add(name, Tensor::zeros(shape, (self.kind, self.device)), false)
            }
        }
    }

    /// Fails, naming keys, when the checkpoint and the architecture disagree.
    pub fn finish(self) -> Result<()> {
        let Some((rest, source)) = self.checkpoint else { return Ok(()) };
        let list = |v: &[String]| {
            let shown: Vec<String> = v.iter().take(5).map(|k| if k.starts_with('`') { k.clone() } else { format!("`{k}`") }).collect();
            format!("{}{}", shown.join(", "), if v.len() > 5 { ", ..." } else { "" })
        };
        let mut unexpected: Vec<String> = rest.into_keys().collect();
        unexpected.sort();
        if self.missing.is_empty() && self.misshaped.is_empty() && unexpected.is_empty() {
            return Ok(());
        }
        let mut msg = format!("{source} does not match config.json:");
        if !self.missing.is_empty() {
            msg.push_str(&format!(" {} key(s) missing ({});", self.missing.len(), list(&self.missing)));
        }
        if !self.misshaped.is_empty() {
            msg.push_str(&format!(" {} with another shape ({});", self.misshaped.len(), list(&self.misshaped)));
        }
        if !unexpected.is_empty() {
            msg.push_str(&format!(" {} unexpected key(s) ({});", unexpected.len(), list(&unexpected)));
        }
        msg.push_str(" check that config.json belongs to these weights");
        bail!(msg)
    }
}
