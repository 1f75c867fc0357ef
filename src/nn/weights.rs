//! Loading checkpoints into a VarStore by name, strictly: every variable must be in the
//! file with the same shape, and every tensor in the file must be a variable. This is
//! how open_clip loads (strict=True), and it turns a wrong config into a clear error.
use anyhow::{bail, Context, Result};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use tch::{nn::VarStore, Tensor};

/// Reads `open_clip_model.safetensors` / `model.safetensors`, or a zip-format
/// `torch.save(state_dict)` file (`open_clip_pytorch_model.bin`, `pytorch_model.bin`).
pub fn read_checkpoint(path: &Path) -> Result<Vec<(String, Tensor)>> {
    if !path.is_file() {
        bail!("the weights file {} does not exist; check the path, or leave it out to use the Hugging Face cache (`adaptlab fetch clip NAME:TAG`)", path.display());
    }
    let is_safetensors = path.extension().is_some_and(|e| e == "safetensors");
    let tensors = if is_safetensors { Tensor::read_safetensors(path) } else { Tensor::loadz_multi(path) };
    tensors.with_context(|| {
        format!(
            "reading weights from {} (expected a .safetensors file or a zip-format PyTorch state dict; \
             re-download it if it is truncated)",
            path.display()
        )
    })
}

/// Copies `tensors` into `vs` (converting dtype and device), after checking that names and
/// shapes match exactly.
pub fn load_strict(vs: &mut VarStore, tensors: Vec<(String, Tensor)>, source: &str) -> Result<()> {
    let mut file: HashMap<String, Tensor> = tensors.into_iter().collect();
    let vars = vs.variables();
    let missing: BTreeSet<&String> = vars.keys().filter(|k| !file.contains_key(*k)).collect();
    let unexpected: BTreeSet<&String> = file.keys().filter(|k| !vars.contains_key(*k)).collect();
    if !missing.is_empty() || !unexpected.is_empty() {
        let list = |s: &BTreeSet<&String>| s.iter().take(5).map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
        let mut msg = format!("{source} does not match the model architecture:");
        if !missing.is_empty() {
            msg.push_str(&format!(" {} key(s) missing from the file ({}{})", missing.len(), list(&missing), if missing.len() > 5 { ", ..." } else { "" }));
        }
        if !unexpected.is_empty() {
            msg.push_str(&format!(" {} unexpected key(s) in the file ({}{})", unexpected.len(), list(&unexpected), if unexpected.len() > 5 { ", ..." } else { "" }));
        }
        msg.push_str("; check that the model name matches the weights");
        bail!(msg);
    }
    let _guard = tch::no_grad_guard();
    for (name, mut var) in vars {
        let value = file.remove(&name).expect("checked above");
        if value.size() != var.size() {
            bail!("{source}: `{name}` has shape {:?} in the file but {:?} in the model", value.size(), var.size());
        }
        var.f_copy_(&value.to_kind(var.kind()).to_device(var.device())).with_context(|| format!("copying `{name}`"))?;
    }
    Ok(())
}

/// A VarStore's variables by name, in name order (a stable order for files and optimizers).
pub fn sorted_variables(vs: &VarStore) -> Vec<(String, Tensor)> {
    let mut v: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// Writes `tensors` as safetensors from any device: detached, on the CPU, contiguous.
pub fn write_safetensors(path: &Path, tensors: &[(String, Tensor)]) -> Result<()> {
    let cpu: Vec<(String, Tensor)> = tensors.iter().map(|(k, t)| (k.clone(), t.detach().to_device(tch::Device::Cpu).contiguous())).collect();
    Tensor::write_safetensors(&cpu, path).with_context(|| format!("writing {}", path.display()))
}
