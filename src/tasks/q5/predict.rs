//! Labels images with a trained ViT: the zoo's predictor (`zoo::vit`).
pub use crate::zoo::vit::{top_k, InferenceInfo, Predictor, Ranked, INFERENCE_FILE};
