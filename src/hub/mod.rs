//! Model and data set files: where they are expected, downloads (HTTP with resume and
//! sha256, the Hugging Face hub layout), and the data sets' archives.
pub mod catalog;
pub mod cifar;
pub mod dogs;
pub mod food;
pub mod download;
pub mod hf;
pub mod model_repo;
pub mod needs;
pub mod q4_data;
