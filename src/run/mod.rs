//! Order, events and persistence of runs: the runner executes tasks on a worker thread,
//! the recorder stores every event and forwards it to whoever watches.
pub mod device;
pub mod recorder;
pub mod runner;
pub mod select;

pub use runner::{start, RunHandle, RunOptions, RunOutcome, RUNNER_THREAD};
