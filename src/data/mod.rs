//! Data: generated sets now; image decoding and the real data sets' readers beside them.
pub mod rng;
pub mod synth;
