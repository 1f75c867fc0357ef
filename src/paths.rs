//! Where adaptlab keeps things, resolved once (in `main`, from the environment) and handed
//! down through the runner to tasks; no library code below the front end reads the
//! environment for a location.
//! - `ADAPTLAB_HOME`: run store (`runs.sqlite`, `runs/`); default `$XDG_DATA_HOME/adaptlab`
//!   (`~/.local/share/adaptlab` on Linux).
//! - `ADAPTLAB_CACHE`: feature caches, data sets, checkpoints of unfinished experiments;
//!   default `$XDG_CACHE_HOME/adaptlab` (`~/.cache/adaptlab`).
//! - Hugging Face hub files: `HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`,
//!   the layout the Python libraries share.
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// The run store.
    pub home: PathBuf,
    /// adaptlab's own caches and data sets.
    pub cache: PathBuf,
    /// The Hugging Face hub cache.
    pub hub: PathBuf,
}

impl Paths {
    /// The locations the environment names, or the platform's defaults.
    pub fn from_env() -> Paths {
        Paths { home: home_from_env(), cache: cache_from_env(), hub: hub_from_env() }
    }

    /// Everything under one folder (`home/`, `cache/`, `hub/`): for tests and sandboxes.
    pub fn under(root: &Path) -> Paths {
        Paths { home: root.join("home"), cache: root.join("cache"), hub: root.join("hub") }
    }

    /// A data set adaptlab fetched or generated: `<cache>/datasets/<name>`.
    pub fn dataset(&self, name: &str) -> PathBuf {
        self.cache.join("datasets").join(name)
    }

    /// Removes the temporary files and folders that killed processes left in the store
    /// and the caches (see `fsx::sweep_stale`); run dirs are a few levels deep, cache
    /// entries one or two.
    pub fn sweep_stale_temporaries(&self) -> usize {
        crate::fsx::sweep_stale(&self.home, 6) + crate::fsx::sweep_stale(&self.cache, 3)
    }

    /// Checkpoints of an unfinished experiment, by its spec hash.
    pub fn resume(&self, spec_hash: &str) -> PathBuf {
        self.cache.join("resume").join(&spec_hash[..spec_hash.len().min(24)])
    }
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from)
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "adaptlab")
}

fn home_from_env() -> PathBuf {
    env_path("ADAPTLAB_HOME")
        .or_else(|| project_dirs().map(|d| d.data_dir().to_path_buf()))
        .unwrap_or_else(|| PathBuf::from(".adaptlab"))
}

fn cache_from_env() -> PathBuf {
    env_path("ADAPTLAB_CACHE")
        .or_else(|| project_dirs().map(|d| d.cache_dir().to_path_buf()))
        .unwrap_or_else(|| PathBuf::from(".adaptlab-cache"))
}

fn hub_from_env() -> PathBuf {
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
