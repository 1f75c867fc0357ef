//! Tokenizers: CLIP's byte-level BPE (with open_clip's text cleaning).
pub mod clean;
pub mod clip_bpe;

pub use clip_bpe::ClipTokenizer;
