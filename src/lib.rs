//! adaptlab: runs the HW5 foundation-model adaptation assignment and writes the report.
//! See DESIGN in the repository for how the modules fit together; arrows point one way:
//! spec → run → tasks → nn/data; tui, headless and report only read events and the store.
pub mod cache;
pub mod cli;
pub mod commands;
pub mod data;
pub mod events;
pub mod headless;
pub mod hub;
pub mod metrics;
pub mod nn;
pub mod paths;
pub mod plots;
pub mod progress;
pub mod report;
pub mod results;
pub mod run;
pub mod spec;
pub mod store;
pub mod tasks;
pub mod train;
pub mod tokenize;
pub mod tui;
