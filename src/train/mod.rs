//! Training infrastructure shared by the tasks that train: an AdamW whose state can be
//! checkpointed, the Trainer's learning-rate schedule, checkpoints, peak-memory
//! measurement, and the classification training loop.
pub mod checkpoint;
pub mod classifier;
pub mod memory;
pub mod moco;
pub mod optim;
pub mod prompt_tuning;
pub mod schedule;
pub mod sgd;

/// What a training loop reports to and asks of whoever runs it.
pub trait Observer {
    fn metric(&self, name: &str, step: u64, value: f64);
    fn progress(&self, done: u64, total: u64, unit: &str);
    fn log(&self, line: String);
    /// Err once the user asked to stop.
    fn check_cancelled(&self) -> anyhow::Result<()>;
}
