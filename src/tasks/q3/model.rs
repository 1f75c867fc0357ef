//! Which CLIP a Q3 experiment loads: `demo` comes from the `clip_pretrain` experiment in
//! `needs`; anything else is the zoo's (`crate::zoo::clip`).
pub use crate::zoo::clip::{find_in_hub_cache, load_model, LoadedClip, DEMO_CONFIG, DEMO_WEIGHTS};
use crate::tasks::TaskContext;
use anyhow::{Context, Result};
use std::path::PathBuf;

/// For an experiment: the demo weights come from the experiment in `needs` that wrote them.
pub fn load(model: &str, weights: Option<&str>, ctx: &TaskContext) -> Result<LoadedClip> {
    let weights = if model == "demo" {
        let source = ctx.input_with_file(DEMO_WEIGHTS).context("`model: demo` needs an experiment of task `clip_pretrain` in `needs`")?;
        Some(ctx.input_file(&source, DEMO_WEIGHTS)?)
    } else {
        weights.map(PathBuf::from)
    };
    load_model(model, weights.as_deref(), ctx.paths(), ctx.device)
}

