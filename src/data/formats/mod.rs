//! On-disk formats of the data sets.
pub mod mat5;
pub mod parquet_file;
pub mod pickle;
