//! Data: generated sets now; image decoding and the real data sets' readers beside them.
pub mod cifar10;
pub mod clip_preprocess;
pub mod food101;
pub mod formats;
pub mod image;
pub mod image_folder;
pub mod labelled_parquet;
pub mod loader;
pub mod moco_augment;
pub mod persian_corpus;
pub mod rng;
pub mod split;
pub mod stanford_dogs;
pub mod synth;
pub mod synth_dogs;
pub mod synth_food;
pub mod vit_transform;
