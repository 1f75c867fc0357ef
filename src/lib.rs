//! adaptlab: runs the HW5 foundation-model adaptation assignment and writes the report.
//!
//! Tiers, lowest first; a module may use its own tier and the ones below it, never one
//! above (`tests/layers.rs` checks every `use crate::` against this list):
//! 0 util:   fsx, guard, paths, clock, events, results, findings, progress, metrics, plots, svg
//! 1 ml:     nn, data, tokenize, train, hub, cache, significance
//! 2 zoo:    zoo
//! 3 domain: spec, tasks
//! 4 engine: run, store
//! 5 front:  report, tui, headless, commands, cli
//!
//! The flow: a suite (spec) is run by the runner (run) on a worker thread; each
//! experiment's task (tasks) emits events; the store persists them and the dashboard
//! (tui) or the headless printer shows them; the report reads the store.
pub mod cache;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod data;
pub mod events;
pub mod findings;
pub mod fsx;
pub mod guard;
pub mod headless;
pub mod hub;
pub mod metrics;
pub mod nn;
pub mod paths;
pub mod plots;
pub mod progress;
pub mod report;
pub mod results;
pub mod significance;
pub mod run;
pub mod spec;
pub mod svg;
pub mod store;
pub mod tasks;
pub mod train;
pub mod tokenize;
pub mod tui;
pub mod zoo;
