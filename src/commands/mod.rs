//! The CLI's commands, each a thin layer over the library.
pub mod bench;
pub mod bench_adapt;
pub mod bench_peer;
pub mod bench_vit;
pub mod check;
pub mod clip;
pub mod doctor;
pub mod fetch;
pub mod headless_run;
pub mod runs;
pub mod vit;
