//! Model code on tch, one file per architecture.
pub mod small_cnn;
