//! Question 3: open_clip's ConvNeXt CLIP on Stanford Dogs: zero-shot (a), prompt
//! templates (b), per-class metrics (c), trained class embeddings (d), a linear probe (e)
//! and the two model sizes side by side (f).
pub mod adapt;
pub mod compare;
pub mod dataset;
pub mod eval;
pub mod features;
pub mod model;
pub mod params;
pub mod per_class;
pub mod pretrain;
pub mod stored;
pub mod template_study;
pub mod templates;
pub mod zero_shot;
