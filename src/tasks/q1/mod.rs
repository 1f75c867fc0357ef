//! Question 1: composing parameter-efficient modules by arithmetic (Zhang, Chen, Liu, He,
//! NeurIPS 2023). LoRA and (IA)³ modules are trained on the Q5 ViT and data, then added,
//! negated and compared; the report's answers read these runs.
pub mod compose;
pub mod cross_terms;
pub mod modules;
pub mod params;
pub mod scoring;
pub mod split;
