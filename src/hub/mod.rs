//! Model and data set files: where they are expected, and (in later parts) downloads.
pub mod catalog;
