//! Model code on tch, one file per architecture; VarStore paths equal checkpoint keys.
pub mod class_head;
pub mod clip;
pub mod clip_text;
pub mod convnext;
pub mod coop;
pub mod lbfgs;
pub mod logistic;
pub mod moco;
pub mod adapter;
pub mod ia3;
pub mod lm;
pub mod lora;
pub mod pem;
pub mod resnet;
pub mod small_cnn;
pub mod vit;
pub mod weights;
