//! Stanford Dogs on disk (Khosla et al., the official `images.tar` + `lists.tar`):
//! `Images/<wnid>-<Name>/<wnid>_<n>.jpg` and `train_list.mat` / `test_list.mat` with
//! `file_list` (paths relative to Images/) and `labels` (1..=120 in sorted-wnid order).
//! The reader checks the layout and says what is wrong and how to fix it.
use super::formats::mat5;
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// open_clip's curated ImageNet names for the 120 breeds, with wnids and WordNet lemmas.
const CLASSNAMES_TSV: &str = include_str!("stanford_dogs_classnames.tsv");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    Train,
    Test,
}

impl Split {
    fn list_file(self) -> &'static str {
        match self {
            Split::Train => "train_list.mat",
            Split::Test => "test_list.mat",
        }
    }
}

/// Which names the prompts use: the folder names cleaned ("Japanese spaniel"), or
/// open_clip's curated ImageNet names ("Japanese Chin").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClassNames {
    Raw,
    Curated,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Class {
    pub wnid: String,
    pub folder: String,
    pub raw_name: String,
    /// Curated name when the wnid is one of the 120 known breeds, else the raw name.
    pub curated_name: String,
    /// WordNet's names for the breed ("Maltese dog", "Maltese terrier", ...), if known.
    pub lemmas: Vec<String>,
}

impl Class {
    pub fn name(&self, which: ClassNames) -> &str {
        match which {
            ClassNames::Raw => &self.raw_name,
            ClassNames::Curated => &self.curated_name,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub path: PathBuf,
    /// 0-based class index.
    pub label: usize,
}

#[derive(Debug, Clone)]
pub struct StanfordDogs {
    pub root: PathBuf,
    pub classes: Vec<Class>,
    pub split: Split,
    pub items: Vec<Item>,
}

/// "n02085782-Japanese_spaniel" → "Japanese spaniel".
pub fn raw_name(folder: &str) -> String {
    folder.split_once('-').map_or(folder, |(_, name)| name).replace('_', " ")
}

/// wnid → (curated name, WordNet lemmas).
fn breed_table() -> HashMap<&'static str, (&'static str, &'static str)> {
    CLASSNAMES_TSV.lines().skip(1).filter_map(|l| {
        let cols: Vec<&str> = l.split('\t').collect();
        Some((*cols.get(1)?, (*cols.get(3)?, *cols.get(4)?)))
    }).collect()
}

/// The list file may sit beside Images/ or in a `lists/` folder.
fn find_list(root: &Path, name: &str) -> Option<PathBuf> {
    [root.join(name), root.join("lists").join(name)].into_iter().find(|p| p.is_file())
}

impl StanfordDogs {
    pub fn open(root: &Path, split: Split) -> Result<Self> {
        let images = root.join("Images");
        if !images.is_dir() {
            bail!(
                "{} has no Images/ folder; download and unpack the data set with `adaptlab fetch stanford-dogs` \
                 (or unpack images.tar and lists.tar there)",
                root.display()
            );
        }
        let mut folders: Vec<String> = std::fs::read_dir(&images)
            .with_context(|| format!("listing {}", images.display()))?
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        folders.sort();
        if folders.is_empty() {
            bail!("{} holds no class folders (expected 120 like n02085620-Chihuahua)", images.display());
        }
        let breeds = breed_table();
        let classes: Vec<Class> = folders
            .iter()
            .map(|f| {
                let wnid = f.split_once('-').map_or(f.as_str(), |(w, _)| w).to_string();
                let raw = raw_name(f);
                let (curated_name, lemmas) = match breeds.get(wnid.as_str()) {
                    Some((c, l)) => (c.to_string(), l.split(", ").map(str::to_string).collect()),
                    None => (raw.clone(), Vec::new()),
                };
                Class { wnid, folder: f.clone(), raw_name: raw, curated_name, lemmas }
            })
            .collect();

        let list = find_list(root, split.list_file()).with_context(|| {
            format!("{} not found in {} or its lists/ folder; unpack lists.tar there (`adaptlab fetch stanford-dogs` does)", split.list_file(), root.display())
        })?;
        let bytes = std::fs::read(&list).with_context(|| format!("reading {}", list.display()))?;
        let vars = mat5::read(&bytes).with_context(|| format!("{} is not a readable MAT-file", list.display()))?;
        let files = vars.get("file_list").and_then(|v| v.strings()).with_context(|| format!("{} has no `file_list` cell array", list.display()))?;
        let labels = vars.get("labels").and_then(|v| v.numbers()).with_context(|| format!("{} has no numeric `labels`", list.display()))?;
        if files.len() != labels.len() {
            bail!("{}: {} files but {} labels", list.display(), files.len(), labels.len());
        }
        let index: HashMap<&str, usize> = folders.iter().enumerate().map(|(i, f)| (f.as_str(), i)).collect();
        let mut items = Vec::with_capacity(files.len());
        let mut missing = Vec::new();
        for (i, (file, &label)) in files.iter().zip(labels).enumerate() {
            let folder = file.split('/').next().unwrap_or_default();
            let Some(&class) = index.get(folder) else {
                bail!("{} entry {}: `{file}` is in an unknown class folder `{folder}`", list.display(), i + 1);
            };
            if label.fract() != 0.0 || label < 1.0 || label as usize != class + 1 {
                bail!(
                    "{} entry {}: label {label} does not match folder `{folder}` (class {} in sorted order); \
                     the list and the Images/ folders come from different versions",
                    list.display(), i + 1, class + 1
                );
            }
            let path = images.join(file);
            if !path.is_file() {
                missing.push(file.clone());
            }
            items.push(Item { path, label: class });
        }
        if !missing.is_empty() {
            bail!(
                "{} of {} images listed in {} are missing under {} (first: {}); re-unpack images.tar",
                missing.len(), files.len(), split.list_file(), images.display(), missing[..missing.len().min(3)].join(", ")
            );
        }
        Ok(Self { root: root.to_path_buf(), classes, split, items })
    }

    pub fn names(&self, which: ClassNames) -> Vec<String> {
        self.classes.iter().map(|c| c.name(which).to_string()).collect()
    }
}

/// Splits items into (kept, held out) with about `fraction` of each class held out,
/// deterministically by seed (for choosing prompts or epochs without touching test).
pub fn hold_out(items: &[Item], fraction: f64, seed: u64) -> (Vec<Item>, Vec<Item>) {
    let labels: Vec<usize> = items.iter().map(|i| i.label).collect();
    let (kept, held) = super::split::per_class_holdout(&labels, fraction, seed);
    let pick = |idx: Vec<usize>| idx.into_iter().map(|i| items[i].clone()).collect();
    (pick(kept), pick(held))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_folders_and_curated_table() {
        assert_eq!(raw_name("n02085782-Japanese_spaniel"), "Japanese spaniel");
        let breeds = breed_table();
        assert_eq!(breeds.len(), 120);
        assert_eq!(breeds["n02085782"].0, "Japanese Chin");
        assert_eq!(breeds["n02085936"].1, "Maltese dog, Maltese terrier, Maltese");
    }

    #[test]
    fn hold_out_is_per_class_and_deterministic() {
        let items: Vec<Item> = (0..100).map(|i| Item { path: PathBuf::from(format!("{i}")), label: i % 4 }).collect();
        let (kept, held) = hold_out(&items, 0.2, 1);
        assert_eq!((kept.len(), held.len()), (80, 20));
        assert!((0..4).all(|c| held.iter().filter(|i| i.label == c).count() == 5));
        assert_eq!(hold_out(&items, 0.2, 1).1, held);
    }
}
