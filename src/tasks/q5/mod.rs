//! Question 5: ViT + LoRA on Food-101 (the PEFT image-classification notebook), with
//! full fine-tuning and a linear probe for comparison, and prediction on new images.
pub mod dataset;
pub mod model;
pub mod params;
pub mod predict;
pub mod pretrain;
pub mod vit_lora;
