//! Model code on tch, one file per architecture; VarStore paths equal checkpoint keys.
pub mod clip;
pub mod clip_text;
pub mod convnext;
pub mod small_cnn;
pub mod weights;
