//! Models by name, for tasks and commands alike: CLIP by open_clip `NAME:TAG` (or a weights
//! file), class embeddings from prompts, a ViT base by folder or hub repository and the
//! predictor of a trained ViT. Tier 2: it knows models and files, not the homework.
pub mod clip;
pub mod demo_lm;
pub mod lm;
pub mod vit;
