//! Training the modules the studies compose: one PEFT module (LoRA or (IA)³, with the new
//! head trained in full) on one set of images, from the task's seed, with the Q5 Trainer
//! (best epoch on the validation images), saved as a PEFT adapter folder.
use super::params::PemComposeParams;
use crate::data::loader::{ImageRef, Transform};
use crate::data::vit_transform::{VitEval, VitTrain, VIT_MEAN, VIT_STD};
use crate::zoo::vit::{InferenceInfo, INFERENCE_FILE};
use crate::nn::adapter::{save_peft_adapter, AdapterConfig};
use crate::nn::weights::sorted_variables;
use crate::tasks::q5::model::{self, BaseModel, Method};
use crate::tasks::q5::vit_lora::Prefixed;
use crate::tasks::TaskContext;
use crate::train::classifier::{self, Outcome, Precision, Split};
use anyhow::Result;
use std::sync::Arc;
use tch::{Kind, Tensor};

/// A trained module: its config and tensors (by module path, head included), detached.
pub struct Trained {
    /// `lora-half1`, `ia3-union`, …: the metric prefix and the adapter folder's suffix.
    pub name: String,
    pub config: AdapterConfig,
    pub tensors: Vec<(String, Tensor)>,
    pub outcome: Outcome,
    pub trainable: i64,
    /// Parameters of the whole model (base, module and head).
    pub total: i64,
    /// Bytes of its `adapter_model.safetensors`.
    pub saved_bytes: u64,
}

/// What every module of one task trains with.
pub struct ModuleTrainer<'a> {
    pub p: &'a PemComposeParams,
    pub base: &'a BaseModel,
    pub base_tensors: &'a [(String, Tensor)],
    pub validation: &'a [(ImageRef, usize)],
    /// Label names by index, written beside each adapter for `adaptlab vit predict`.
    pub labels: &'a [String],
    pub num_labels: i64,
    pub precision: Precision,
    pub ctx: &'a TaskContext<'a>,
}

/// The folder a module's PEFT adapter is saved in.
pub fn adapter_folder(name: &str) -> String {
    format!("adapter-{name}")
}

impl ModuleTrainer<'_> {
    /// Trains `method`'s module on `items`. Every module starts from the same draw (the
    /// task's seed), except that `other_init` redraws LoRA's A matrices from that seed:
    /// the only part of a LoRA module that starts random (B starts at zero, the head is
    /// drawn as for every other module).
    pub fn train(&self, method: Method, part: &str, items: &[(ImageRef, usize)], other_init: Option<u64>) -> Result<Trained> {
        let ctx = self.ctx;
        let name = format!("{}-{part}", method.key());
        tch::manual_seed(ctx.seed as i64);
        let built = model::build(method, self.base, self.base_tensors, &self.p.lora, &self.p.ia3.config(), self.num_labels, ctx.device)?;
        if let Some(seed) = other_init {
            redraw_lora_a(&built.adapter, seed);
        }
        let size = self.base.config.image_size as usize;
        let eval_tf: Arc<dyn Transform> = Arc::new(VitEval::new(size, self.p.eval_resize));
        let train_tf: Arc<dyn Transform> = Arc::new(VitTrain::new(size, ctx.seed));
        let cfg = self.p.train.config(self.p.train.lr, self.precision, ctx.seed);
        let params: Vec<(String, Tensor)> = built.trainable.iter().map(|(n, t)| (n.clone(), t.shallow_clone())).collect();
        let forward = |x: &Tensor, train: bool| built.vit.forward_t(x, train);
        let outcome = classifier::train(
            &forward,
            params,
            Split { items, transform: train_tf },
            Split { items: self.validation, transform: eval_tf },
            &cfg,
            &ctx.resume_dir().join(&name),
            ctx.device,
            &Prefixed { ctx, prefix: &name },
        )?;
        if !outcome.skipped.is_empty() {
            ctx.warn(format!("{name}: {} unreadable training images skipped (first: {} — {})", outcome.skipped.len(), outcome.skipped[0].0, outcome.skipped[0].1));
        }
        let tensors: Vec<(String, Tensor)> = sorted_variables(&built.adapter).into_iter().map(|(k, t)| (k, t.detach().copy())).collect();
        let info = InferenceInfo { labels: self.labels.to_vec(), eval_resize: self.p.eval_resize, image_mean: VIT_MEAN, image_std: VIT_STD };
        let dir = ctx.artifact_dir(&adapter_folder(&name), &adapter_folder(&name), |dir| {
            save_peft_adapter(dir, &built.config, &tensors, &self.base.name)?;
            Ok(std::fs::write(dir.join(INFERENCE_FILE), serde_json::to_vec_pretty(&info)?)?)
        })?;
        let saved_bytes = std::fs::metadata(dir.join("adapter_model.safetensors")).map(|m| m.len()).unwrap_or(0);
        let trainable = built.trainable_params();
        ctx.log(format!("{name}: best validation accuracy {:.2}% at epoch {}", 100.0 * outcome.best_accuracy, outcome.best_epoch));
        Ok(Trained { name, config: built.config, tensors, outcome, trainable, total: built.total_params, saved_bytes })
    }
}

/// Draws every `lora_A` again as LoRA initialises it (uniform in ±1/√fan_in, PEFT's
/// kaiming-uniform with a = √5) from `seed`.
fn redraw_lora_a(adapter: &tch::nn::VarStore, seed: u64) {
    tch::manual_seed(seed as i64);
    tch::no_grad(|| {
        for (_, var) in sorted_variables(adapter).into_iter().filter(|(k, _)| k.ends_with("lora_A.weight")) {
            let bound = 1.0 / (var.size()[1] as f64).sqrt();
            let fresh = Tensor::empty(var.size(), (Kind::Float, var.device())).uniform_(-bound, bound);
            var.shallow_clone().copy_(&fresh);
        }
    });
}

/// Copies of modules' tensors, to show afterwards that composing changed none of them.
pub fn snapshot(modules: &[&Trained]) -> Vec<Tensor> {
    modules.iter().flat_map(|m| &m.tensors).map(|(_, t)| t.copy()).collect()
}

/// Whether every tensor of `modules` still equals its `snapshot`, bit for bit.
pub fn unchanged(modules: &[&Trained], snapshot: &[Tensor]) -> bool {
    let now: Vec<&Tensor> = modules.iter().flat_map(|m| &m.tensors).map(|(_, t)| t).collect();
    now.len() == snapshot.len() && now.iter().zip(snapshot).all(|(a, b)| a.equal(b))
}
