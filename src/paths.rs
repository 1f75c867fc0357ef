//! Where adaptlab keeps things. Every location can be moved by an environment variable.
//! - `ADAPTLAB_HOME`: run store (`runs.sqlite`, `runs/`); default `$XDG_DATA_HOME/adaptlab`
//!   (`~/.local/share/adaptlab` on Linux).
//! - `ADAPTLAB_CACHE`: feature caches and data sets; default `$XDG_CACHE_HOME/adaptlab`
//!   (`~/.cache/adaptlab`).
//! - Hugging Face hub files: `HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`,
//!   the layout the Python libraries share.
use std::path::PathBuf;

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from)
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "adaptlab")
}

pub fn home() -> PathBuf {
    env_path("ADAPTLAB_HOME")
        .or_else(|| project_dirs().map(|d| d.data_dir().to_path_buf()))
        .unwrap_or_else(|| PathBuf::from(".adaptlab"))
}

pub fn cache() -> PathBuf {
    env_path("ADAPTLAB_CACHE")
        .or_else(|| project_dirs().map(|d| d.cache_dir().to_path_buf()))
        .unwrap_or_else(|| PathBuf::from(".adaptlab-cache"))
}

pub fn hf_hub_cache() -> PathBuf {
    if let Some(p) = env_path("HF_HUB_CACHE") {
        return p;
    }
    if let Some(p) = env_path("HF_HOME") {
        return p.join("hub");
    }
    let base = env_path("XDG_CACHE_HOME")
        .or_else(|| directories::BaseDirs::new().map(|d| d.home_dir().join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"));
    base.join("huggingface").join("hub")
}
