//! Tokenizers: CLIP's byte-level BPE (with open_clip's text cleaning), Hugging Face
//! `tokenizer.json` tokenizers with their chat templates, and Persian text normalisation.
pub mod chat;
pub mod clean;
pub mod clip_bpe;
pub mod hf;
pub mod persian;

pub use clip_bpe::ClipTokenizer;
