//! The language model a Q4 experiment uses: `demo` (the tiny Persian GPT-2, pre-trained in
//! the cache on first use), a model folder, or a hub name already in the hub cache.
use crate::tasks::TaskContext;
use crate::zoo::demo_lm::{self, DemoLmConfig};
use crate::zoo::lm::{LoadedLm, Precision};
use anyhow::{Context, Result};
use std::path::PathBuf;

pub fn folder(model: &str, ctx: &TaskContext) -> Result<PathBuf> {
    if model == "demo" {
        let c = DemoLmConfig::default();
        let total = (c.steps + c.long_steps) as u64;
        return ctx.stage("demo language model", || {
            demo_lm::ensure(&ctx.paths().cache, &c, &mut |step, loss| {
                ctx.progress(step as u64, total, "steps");
                if step % 100 == 0 {
                    ctx.log(format!("demo LM pre-training: step {step}, loss {loss:.3}"));
                }
            })
        });
    }
    let local = PathBuf::from(model);
    if local.is_dir() {
        return Ok(local);
    }
    // Tasks read the hub cache only; `adaptlab fetch model` downloads.
    crate::hub::model_repo::resolve_model(model, &ctx.paths().hub, true, &|_, _, _| {}).with_context(|| format!("finding the model `{model}`"))
}

pub fn load(model: &str, precision: Precision, ctx: &TaskContext) -> Result<LoadedLm> {
    let dir = folder(model, ctx)?;
    let lm = ctx.stage("load model", || LoadedLm::load(&dir, ctx.device, precision))?;
    ctx.log(format!("{model}: {} layers, width {}, vocabulary {}, context {}", lm.model.cfg.num_layers, lm.model.cfg.hidden_size, lm.model.cfg.vocab_size, lm.model.cfg.max_positions));
    Ok(lm)
}
