//! `vit_pretrain` (demo): a small ViT of the Hugging Face architecture trained to tell
//! generated shapes apart, then saved as the in21k hub checkpoint is saved (a bare
//! ViTModel: no `vit.` prefix, a pooler, config.json), so `vit_lora` loads it through
//! the same path as google/vit-base-patch16-224-in21k.
use super::model::DEMO_DIR;
use crate::data::synth;
use crate::nn::vit::{Stores, Vit, VitConfig};
use super::params::VitPretrainParams;
use crate::tasks::registry::Task;
use crate::tasks::TaskContext;
pub use crate::zoo::vit::{as_vit_model, hub_config};
use anyhow::Result;
use tch::nn::{self, OptimizerConfig};
use tch::{Kind, Tensor};

pub fn demo_config(p: &VitPretrainParams) -> VitConfig {
    VitConfig {
        hidden_size: i64::from(p.hidden_size),
        num_hidden_layers: i64::from(p.layers),
        num_attention_heads: i64::from(p.heads),
        intermediate_size: 4 * i64::from(p.hidden_size),
        image_size: i64::from(p.image_size),
        patch_size: i64::from(p.patch_size),
        ..VitConfig::default()
    }
}

const POOL: usize = 4096;
const CLASSES: usize = 8;

/// The `vit_pretrain` kind (demo only).
pub struct VitPretrain;

impl Task for VitPretrain {
    type Params = VitPretrainParams;
    const KIND: &'static str = "vit_pretrain";
    const QUESTION: Option<u8> = Some(5);
    const SUMMARY: &'static str = "demo: a tiny ViT pre-trained on generated shapes";
    const CODE_VERSION: u32 = 1;

    fn run(p: &Self::Params, ctx: &TaskContext) -> Result<()> {
        run(p, ctx)
    }
}

pub fn run(p: &VitPretrainParams, ctx: &TaskContext) -> Result<()> {
    let cfg = demo_config(p);
    let vs = nn::VarStore::new(ctx.device);
    let vit = Vit::new(&Stores { base: vs.root(), adapter: None }, &cfg, Some(CLASSES as i64));
    ctx.value("parameters", vs.trainable_variables().iter().map(|t| t.numel() as i64).sum::<i64>());
    let set = ctx.stage("generate", || Ok(synth::shapes(POOL, CLASSES, p.image_size as usize, ctx.seed)))?;
    // Normalised as the ViT processor does (mean = std = 0.5).
    let images = (set.images * 2.0 - 1.0).to_device(ctx.device);
    let labels = set.labels.to_device(ctx.device);
    let mut opt = nn::AdamW::default().build(&vs, p.lr)?;
    let batch = (p.batch_size as i64).min(POOL as i64);
    let mut last = (f64::NAN, f64::NAN);
    ctx.stage("train", || {
        for step in 1..=u64::from(p.steps) {
            ctx.check_cancelled()?;
            let idx = Tensor::randint(POOL as i64, [batch], (Kind::Int64, ctx.device));
            let x = images.index_select(0, &idx);
            let y = labels.index_select(0, &idx);
            let logits = vit.forward_t(&x, true);
            let loss = logits.cross_entropy_for_logits(&y);
            opt.set_lr(p.lr * (1.0 - (step - 1) as f64 / f64::from(p.steps)));
            opt.backward_step(&loss);
            if step % 10 == 0 || step == u64::from(p.steps) {
                let acc = logits.argmax(-1, false).eq_tensor(&y).to_kind(Kind::Float).mean(Kind::Float).double_value(&[]);
                last = (loss.double_value(&[]), acc);
                ctx.metric("train/loss", step, last.0);
                ctx.metric("train/batch_accuracy", step, acc);
            }
            ctx.progress(step, u64::from(p.steps), "steps");
        }
        Ok(())
    })?;
    ctx.value("final_loss", last.0);
    ctx.value("final_batch_accuracy", last.1);
    ctx.value("classes", CLASSES as i64);
    ctx.stage("save", || {
        let tensors = as_vit_model(&vs, &cfg);
        ctx.artifact_dir("model", DEMO_DIR, |dir| {
            crate::nn::weights::write_safetensors(&dir.join("model.safetensors"), &tensors)?;
            Ok(std::fs::write(dir.join("config.json"), serde_json::to_string_pretty(&hub_config(&cfg))?)?)
        })
        .map(|_| ())
    })
}

