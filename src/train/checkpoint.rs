//! Training checkpoints: the trainable tensors, the optimizer's moments and the loop's
//! position, written to a temporary folder and renamed into place, so a kill at any
//! moment leaves the previous checkpoint intact. Only the newest is kept.
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use crate::nn::weights::write_safetensors;
use tch::Tensor;

/// One evaluated epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    pub epoch: u32,
    /// Optimizer steps so far.
    pub step: u64,
    #[serde(deserialize_with = "nan_if_null")]
    pub train_loss: f64,
    /// NaN where the epoch was not evaluated (written as null: JSON has no NaN).
    #[serde(deserialize_with = "nan_if_null")]
    pub eval_loss: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub eval_accuracy: f64,
    /// Seconds of training so far (resumed runs add up their parts).
    pub seconds: f64,
    /// Further per-epoch measurements of loops that have them (MoCo's false negatives).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub extra: std::collections::BTreeMap<String, f64>,
}

/// serde_json writes a NaN as null; read it back as NaN.
fn nan_if_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// Where the loop stands.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoopState {
    /// The epoch in progress (0-based).
    pub epoch: u32,
    /// Micro-batches of this epoch already trained.
    pub micro_done: u64,
    pub optimizer_steps: u64,
    pub adam_steps: i64,
    pub loss_scale: f64,
    pub good_steps: u64,
    pub history: Vec<EpochRecord>,
    pub best: Option<(u32, f64)>,
    pub seconds: f64,
    pub images: u64,
    pub skipped: Vec<(String, String)>,
    /// What a loop other than the classifier's keeps besides (MoCo: the epoch's running
    /// sums and the key-consistency curve).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<serde_json::Value>,
}

const TENSORS: &str = "trainable.safetensors";
const MOMENTS: &str = "optimizer.safetensors";
const STATE: &str = "trainer_state.json";

/// Writes `checkpoint-<steps>-<micro>` under `dir` and removes older ones.
pub fn save(dir: &Path, state: &LoopState, params: &[(String, Tensor)], moments: &[(String, Tensor)]) -> Result<PathBuf> {
    let name = format!("checkpoint-{:06}-{:06}-{:08}", state.epoch, state.micro_done, state.optimizer_steps);
    let final_dir = crate::fsx::replace_dir(&dir.join(&name), |tmp| {
        write_safetensors(&tmp.join(TENSORS), params)?;
        write_safetensors(&tmp.join(MOMENTS), moments)?;
        Ok(std::fs::write(tmp.join(STATE), serde_json::to_vec_pretty(state)?)?)
    })?;
    for old in list(dir) {
        if old != final_dir {
            let _ = std::fs::remove_dir_all(old);
        }
    }
    Ok(final_dir)
}

/// Complete checkpoints under `dir`, oldest first (their names sort by position).
fn list(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.flatten().map(|e| e.path()).filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("checkpoint-")) && p.join(STATE).is_file()).collect(),
        Err(_) => Vec::new(),
    };
    found.sort();
    found
}

pub struct Restored {
    pub dir: PathBuf,
    pub state: LoopState,
    pub params: Vec<(String, Tensor)>,
    pub moments: Vec<(String, Tensor)>,
}

/// The newest complete checkpoint under `dir`, if any.
pub fn latest(dir: &Path) -> Result<Option<Restored>> {
    let Some(last) = list(dir).pop() else { return Ok(None) };
    let state: LoopState = serde_json::from_slice(&std::fs::read(last.join(STATE))?).with_context(|| format!("reading {}", last.join(STATE).display()))?;
    let params = Tensor::read_safetensors(last.join(TENSORS)).with_context(|| format!("reading {}", last.join(TENSORS).display()))?;
    let moments = Tensor::read_safetensors(last.join(MOMENTS)).with_context(|| format!("reading {}", last.join(MOMENTS).display()))?;
    Ok(Some(Restored { dir: last, state, params, moments }))
}

/// Saves the best epoch's trainable tensors (`best.safetensors`).
pub fn save_best(dir: &Path, params: &[(String, Tensor)]) -> Result<()> {
    crate::fsx::write_atomic_with(&dir.join("best.safetensors"), |tmp| write_safetensors(tmp, params))
}

pub fn load_best(dir: &Path) -> Result<Vec<(String, Tensor)>> {
    let path = dir.join("best.safetensors");
    Tensor::read_safetensors(&path).with_context(|| format!("reading {}", path.display()))
}
