//! Question 3: CLIP zero-shot on Stanford Dogs with open_clip's ConvNeXt CLIP.
pub mod adapt;
pub mod compare;
pub mod dataset;
pub mod eval;
pub mod features;
pub mod model;
pub mod per_class;
pub mod pretrain;
pub mod stored;
pub mod template_study;
pub mod templates;
pub mod zero_shot;
