//! Question 2: MoCo. The `moco` task's studies of the momentum, the queue and offline
//! augmentation; the model and its training step live in `nn::moco` and `train::moco`.
pub mod data;
pub mod moco;
pub mod params;
pub mod runs;
