//! Food-101 (Bossard et al., 2014) in both published forms, read into one shape:
//! - the official tarball (`food-101/images/<class>/<id>.jpg`, `meta/classes.txt`,
//!   `meta/labels.txt`, `meta/train.txt`, `meta/test.txt`);
//! - the Hugging Face hub's parquet conversion (`ethz/food101`: `data/train-*.parquet`,
//!   `data/validation-*.parquet`, columns `image {bytes, path}` and `label`, label names
//!   in the `huggingface` schema metadata that the `datasets` library writes).
//!
//! The hub's `validation` split is the official test split (250 images per class).
pub use super::loader::ImageRef;
use anyhow::{bail, ensure, Context, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct Example {
    pub image: ImageRef,
    pub label: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Tarball,
    Parquet,
}

#[derive(Debug)]
pub struct Food101 {
    pub root: PathBuf,
    pub layout: Layout,
    /// Class ids in label order (`apple_pie`, …).
    pub classes: Vec<String>,
    /// Human-readable names in label order (`Apple pie`, …).
    pub names: Vec<String>,
    pub train: Vec<Example>,
    pub test: Vec<Example>,
}

impl Food101 {
    /// Opens either layout at `root` (the unpacked `food-101` folder, its parent, or a
    /// folder holding the parquet files).
    pub fn open(root: &Path) -> Result<Self> {
        ensure!(root.is_dir(), "Food-101 folder {} does not exist; run `adaptlab fetch food101` or point `dataset.root` at the data", root.display());
        if root.join("food-101").join("meta").is_dir() {
            return open_tarball(&root.join("food-101"));
        }
        if root.join("meta").is_dir() {
            return open_tarball(root);
        }
        let parquet = parquet_files(root)?;
        if !parquet.0.is_empty() {
            return open_parquet(root, &parquet.0, &parquet.1);
        }
        bail!(
            "{} holds neither the official Food-101 layout (meta/classes.txt, images/) nor the hub's parquet files (data/train-*.parquet); \
             run `adaptlab fetch food101`",
            root.display()
        )
    }

    pub fn num_classes(&self) -> usize {
        self.classes.len()
    }
}

fn read_lines(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {} (incomplete Food-101 download? fetch it again)", path.display()))?;
    Ok(text.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect())
}

fn open_tarball(root: &Path) -> Result<Food101> {
    let meta = root.join("meta");
    let classes = read_lines(&meta.join("classes.txt"))?;
    ensure!(!classes.is_empty(), "{} lists no classes", meta.join("classes.txt").display());
    let names = match read_lines(&meta.join("labels.txt")) {
        Ok(n) if n.len() == classes.len() => n,
        _ => classes.iter().map(|c| pretty(c)).collect(),
    };
    let index: std::collections::HashMap<&str, usize> = classes.iter().enumerate().map(|(i, c)| (c.as_str(), i)).collect();
    let split = |file: &str| -> Result<Vec<Example>> {
        let list = meta.join(file);
        read_lines(&list)?
            .iter()
            .enumerate()
            .map(|(line, entry)| {
                let class = entry.split('/').next().unwrap_or_default();
                let label = *index.get(class).with_context(|| format!("{}:{}: `{entry}` names class `{class}`, which meta/classes.txt does not list", list.display(), line + 1))?;
                Ok(Example { image: ImageRef::File(root.join("images").join(format!("{entry}.jpg"))), label })
            })
            .collect()
    };
    let (train, test) = (split("train.txt")?, split("test.txt")?);
    if let Some(missing) = train.iter().chain(&test).find(|e| matches!(&e.image, ImageRef::File(p) if !p.is_file())) {
        bail!("{} is listed in meta/ but missing; the archive was not fully unpacked (fetch again)", missing.image.name());
    }
    Ok(Food101 { root: root.to_path_buf(), layout: Layout::Tarball, classes, names, train, test })
}

/// `apple_pie` → `Apple pie`, as meta/labels.txt writes names.
pub fn pretty(class: &str) -> String {
    let spaced = class.replace('_', " ");
    let mut chars = spaced.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// (train, validation) parquet shards under `root` or `root/data`, in shard order.
fn parquet_files(root: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let mut found = (Vec::new(), Vec::new());
    for dir in [root.to_path_buf(), root.join("data")] {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if !name.ends_with(".parquet") {
                continue;
            }
            if name.starts_with("train") {
                found.0.push(entry.path());
            } else if name.starts_with("validation") || name.starts_with("test") {
                found.1.push(entry.path());
            }
        }
    }
    found.0.sort();
    found.1.sort();
    Ok(found)
}

fn open_parquet(root: &Path, train_files: &[PathBuf], test_files: &[PathBuf]) -> Result<Food101> {
    ensure!(!test_files.is_empty(), "{} has train parquet files but no validation-*.parquet (the test split)", root.display());
    let classes = parquet_label_names(&train_files[0])?;
    let read = |files: &[PathBuf]| -> Result<Vec<Example>> {
        let mut out = Vec::new();
        for f in files {
            out.extend(read_parquet(f, classes.len())?);
        }
        Ok(out)
    };
    let (train, test) = (read(train_files)?, read(test_files)?);
    let names = classes.iter().map(|c| pretty(c)).collect();
    Ok(Food101 { root: root.to_path_buf(), layout: Layout::Parquet, classes, names, train, test })
}

/// The ClassLabel names `datasets` stores in the schema's `huggingface` metadata.
fn parquet_label_names(file: &Path) -> Result<Vec<String>> {
    crate::guard::catch_reader_panic(&file.display().to_string(), || label_names_of(file))
}

fn label_names_of(file: &Path) -> Result<Vec<String>> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let reader = SerializedFileReader::new(std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?)
        .with_context(|| format!("{} is not a readable parquet file (corrupt download? fetch again)", file.display()))?;
    let meta = reader.metadata().file_metadata().key_value_metadata().cloned().unwrap_or_default();
    let hf = meta
        .iter()
        .find(|kv| kv.key == "huggingface")
        .and_then(|kv| kv.value.clone())
        .with_context(|| format!("{} carries no `huggingface` metadata, so its label names are unknown; use the hub's ethz/food101 files", file.display()))?;
    let json: serde_json::Value = serde_json::from_str(&hf).with_context(|| format!("{}: the `huggingface` metadata is not JSON", file.display()))?;
    let names = json["info"]["features"]["label"]["names"]
        .as_array()
        .with_context(|| format!("{}: the metadata has no ClassLabel names for `label`", file.display()))?;
    Ok(names.iter().filter_map(|n| n.as_str().map(String::from)).collect())
}

fn read_parquet(file: &Path, classes: usize) -> Result<Vec<Example>> {
    crate::guard::catch_reader_panic(&file.display().to_string(), || examples_of(file, classes))
}

fn examples_of(file: &Path, classes: usize) -> Result<Vec<Example>> {
    use parquet::file::reader::FileReader;
    use parquet::record::Field;
    let reader = super::formats::parquet_file::open(file, "a broken download? fetch it again")?;
    let stem = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let mut out = Vec::new();
    for (row_index, row) in reader.get_row_iter(None)?.enumerate() {
        let row = row.with_context(|| format!("{stem}: reading row {row_index}"))?;
        let (mut bytes, mut label) = (None, None);
        for (name, field) in row.get_column_iter() {
            match (name.as_str(), field) {
                ("image", Field::Group(image)) => {
                    for (part, value) in image.get_column_iter() {
                        if let ("bytes", Field::Bytes(b)) = (part.as_str(), value) {
                            bytes = Some(b.data().to_vec());
                        }
                    }
                }
                ("label", Field::Long(v)) => label = Some(*v),
                ("label", Field::Int(v)) => label = Some(i64::from(*v)),
                _ => {}
            }
        }
        let name = format!("{stem} row {row_index}");
        let label = label.with_context(|| format!("{name}: no integer `label` column"))?;
        ensure!((0..classes as i64).contains(&label), "{name}: label {label} is outside the {classes} classes");
        let data = bytes.with_context(|| format!("{name}: no `image.bytes`"))?;
        out.push(Example { image: ImageRef::Bytes { name, data: Arc::new(data) }, label: label as usize });
    }
    Ok(out)
}

/// The notebook's subset of `take` training examples, split into (train, validation)
/// with a `validation` fraction held out by a seeded permutation (like `datasets`'
/// `train_test_split`). With the hub's parquet files the subset is the head of the
/// split (`train[:N]`, as the notebook loads it); the official train.txt is grouped by
/// class, so there the subset is the head of a seeded shuffle, to cover every class.
pub fn subset_split(examples: &[Example], layout: Layout, take: usize, validation: f64, seed: u64) -> (Vec<Example>, Vec<Example>) {
    let shuffled = |n: usize, salt: u64| {
        let mut order: Vec<usize> = (0..n).collect();
        let mut rng = super::rng::SplitMix64::new(seed ^ salt);
        for i in (1..n).rev() {
            order.swap(i, rng.below(i + 1));
        }
        order
    };
    let pool: Vec<&Example> = match layout {
        Layout::Parquet => examples.iter().take(take).collect(),
        Layout::Tarball => shuffled(examples.len(), 0xF00D).into_iter().take(take).map(|i| &examples[i]).collect(),
    };
    let order = shuffled(pool.len(), 0);
    let held = ((pool.len() as f64) * validation).ceil() as usize;
    let (train, val) = order.split_at(pool.len() - held.min(pool.len()));
    (train.iter().map(|&i| pool[i].clone()).collect(), val.iter().map(|&i| pool[i].clone()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_names_match_labels_txt() {
        assert_eq!(pretty("apple_pie"), "Apple pie");
        assert_eq!(pretty("eggs_benedict"), "Eggs benedict");
    }

    #[test]
    fn subset_split_is_a_partition_of_the_first_examples() {
        let all: Vec<Example> = (0..50).map(|i| Example { image: ImageRef::File(PathBuf::from(format!("{i}"))), label: i % 3 }).collect();
        let (train, val) = subset_split(&all, Layout::Parquet, 40, 0.1, 7);
        assert_eq!((train.len(), val.len()), (36, 4));
        let mut seen: Vec<String> = train.iter().chain(&val).map(|e| e.image.name()).collect();
        seen.sort_by_key(|s| s.parse::<usize>().unwrap());
        assert_eq!(seen, (0..40).map(|i| i.to_string()).collect::<Vec<_>>());
        let (again, _) = subset_split(&all, Layout::Parquet, 40, 0.1, 7);
        let (shuffled, _) = subset_split(&all, Layout::Tarball, 40, 0.1, 7);
        assert!(shuffled.iter().any(|e| e.image.name().parse::<usize>().unwrap() >= 40), "the tarball subset draws from the whole split");
        assert_eq!(train.iter().map(|e| e.image.name()).collect::<Vec<_>>(), again.iter().map(|e| e.image.name()).collect::<Vec<_>>());
    }

    #[test]
    fn tarball_layout_errors_name_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let meta = dir.path().join("food-101/meta");
        std::fs::create_dir_all(&meta).unwrap();
        std::fs::write(meta.join("classes.txt"), "apple_pie\nramen\n").unwrap();
        std::fs::write(meta.join("train.txt"), "apple_pie/1\nsushi/2\n").unwrap();
        std::fs::write(meta.join("test.txt"), "ramen/3\n").unwrap();
        let err = format!("{:#}", Food101::open(dir.path()).unwrap_err());
        assert!(err.contains("train.txt:2") && err.contains("sushi"), "{err}");
    }
}
