//! On-disk formats of the data sets.
pub mod mat5;
pub mod pickle;
