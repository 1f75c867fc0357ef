//! The labelled texts `prompt_tuning` trains and tests on: the demo's generated reviews,
//! sentiment-dksf from the hub cache, or a JSONL/CSV file (with a `.test.` sibling, or a
//! seeded per-label hold-out). Labels the verbaliser does not name are skipped and
//! counted; verbaliser labels the data never uses are dropped from it.
use super::data::{read_labelled, Labelled};
use super::params::{PromptTuningParams, Verbaliser};
use crate::data::persian_corpus::review;
use crate::data::rng::SplitMix64;
use crate::paths::Paths;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub text: String,
    /// Index into `SentimentData::labels`.
    pub label: usize,
}

#[derive(Debug)]
pub struct SentimentData {
    pub train: Vec<Example>,
    pub test: Vec<Example>,
    pub labels: Vec<Verbaliser>,
    /// What was left out, as sentences for the log and the report.
    pub notes: Vec<String>,
    pub source: String,
}

fn demo_split(n: u32, seed: u64) -> Vec<Labelled> {
    let mut rng = SplitMix64::new(seed);
    (0..n).map(|_| {
        let (text, positive) = review(&mut rng);
        Labelled { text, label: if positive { "1" } else { "0" }.into() }
    }).collect()
}

fn shuffled<T>(mut items: Vec<T>, seed: u64) -> Vec<T> {
    SplitMix64::new(seed).shuffle(&mut items);
    items
}

/// The test file beside a `<name>.train.<ext>`, if there is one.
fn test_sibling(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    let sibling = path.with_file_name(name.replacen(".train.", ".test.", 1));
    (name.contains(".train.") && sibling.is_file()).then_some(sibling)
}

fn read_file(path: &Path, notes: &mut Vec<String>) -> Result<Vec<Labelled>> {
    let read = read_labelled(path)?;
    notes.extend(read.skipped_notes(path));
    Ok(read.items)
}

/// Files of sentiment-dksf's snapshot split by name into train and test.
fn dksf(paths: &Paths, notes: &mut Vec<String>) -> Result<(Vec<Labelled>, Vec<Labelled>)> {
    let snapshot = crate::hub::q4_data::sentiment_snapshot(&paths.hub)
        .with_context(|| format!("{} is not in the hub cache {}; run `adaptlab fetch sentiment-dksf`", crate::hub::q4_data::SENTIMENT_REPO, paths.hub.display()))?;
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for file in crate::hub::q4_data::data_files(&snapshot) {
        let name = file.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
        let rows: Vec<Labelled> = if name.ends_with(".parquet") {
            let (rows, skipped) = crate::data::labelled_parquet::read(&file)?;
            if !skipped.is_empty() {
                notes.push(format!("{}: {} rows skipped (first: row {}, {})", file.display(), skipped.len(), skipped[0].0, skipped[0].1));
            }
            rows.into_iter().map(|(text, label)| Labelled { text, label }).collect()
        } else {
            read_file(&file, notes)?
        };
        if name.contains("test") {
            test.extend(rows);
        } else if name.contains("train") {
            train.extend(rows);
        }
    }
    if train.is_empty() || test.is_empty() {
        bail!("{} has no train or no test file (parquet/CSV names with `train` and `test`)", snapshot.display());
    }
    Ok((train, test))
}

/// A per-label hold-out of `share` of `items`.
fn hold_out(items: Vec<Labelled>, share: f64, seed: u64) -> (Vec<Labelled>, Vec<Labelled>) {
    let (mut train, mut test) = (Vec::new(), Vec::new());
    let mut labels: Vec<String> = items.iter().map(|x| x.label.clone()).collect();
    labels.sort();
    labels.dedup();
    let items = shuffled(items, seed);
    for label in labels {
        let of: Vec<&Labelled> = items.iter().filter(|x| x.label == label).collect();
        let n_test = ((of.len() as f64 * share).round() as usize).clamp(usize::from(of.len() > 1), of.len().saturating_sub(1).max(1));
        test.extend(of[..n_test].iter().map(|x| (*x).clone()));
        train.extend(of[n_test..].iter().map(|x| (*x).clone()));
    }
    (shuffled(train, seed ^ 1), shuffled(test, seed ^ 2))
}

pub fn open(p: &PromptTuningParams, paths: &Paths, seed: u64) -> Result<SentimentData> {
    let mut notes = Vec::new();
    let (train, test, source) = match p.dataset.as_str() {
        // Built-in sources are named by a term key the report words per language.
        "demo" => (demo_split(p.demo_train, seed ^ 0x7261_696e), demo_split(p.demo_test, seed ^ 0x7465_7374), "generated_reviews".to_string()),
        "sentiment-dksf" => {
            let (train, test) = dksf(paths, &mut notes)?;
            (train, test, "sentiment_dksf".to_string())
        }
        file => {
            let path = PathBuf::from(file);
            let items = read_file(&path, &mut notes)?;
            match test_sibling(&path) {
                Some(t) => (items, read_file(&t, &mut notes)?, format!("{} and {}", path.display(), t.display())),
                None => {
                    let (a, b) = hold_out(items, p.holdout, seed);
                    (a, b, format!("{} ({:.0}% of each label held out)", path.display(), p.holdout * 100.0))
                }
            }
        }
    };
    let present = |l: &Verbaliser| train.iter().chain(&test).any(|x| x.label == l.label);
    let labels: Vec<Verbaliser> = p.labels.iter().filter(|l| present(l)).cloned().collect();
    for l in p.labels.iter().filter(|l| !present(l)) {
        notes.push(format!("label `{}` ({}) does not occur in the data; it is left out of the verbaliser", l.label, l.word));
    }
    if labels.len() < 2 {
        bail!("the data uses fewer than two of the verbaliser's labels ({}); make `labels` name the data's labels", p.labels.iter().map(|l| l.label.as_str()).collect::<Vec<_>>().join(", "));
    }
    let mut unknown = 0usize;
    let mut convert = |items: Vec<Labelled>, limit: u32, seed: u64| -> Vec<Example> {
        let mut out: Vec<Example> = items
            .into_iter()
            .filter_map(|x| match labels.iter().position(|l| l.label == x.label) {
                Some(label) => Some(Example { text: x.text, label }),
                None => {
                    unknown += 1;
                    None
                }
            })
            .collect();
        if limit > 0 && out.len() > limit as usize {
            out = shuffled(out, seed);
            out.truncate(limit as usize);
        }
        out
    };
    let train = convert(train, p.train_limit, seed ^ 3);
    let test = convert(test, p.test_limit, seed ^ 4);
    if unknown > 0 {
        notes.push(format!("{unknown} examples have a label the verbaliser does not name and were skipped"));
    }
    if train.is_empty() || test.is_empty() {
        bail!("no training or no test examples left after matching labels to the verbaliser");
    }
    Ok(SentimentData { train, test, labels, notes, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_held_out_per_label_and_unknown_labels_are_counted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        let mut lines: Vec<String> = (0..20).map(|i| format!("{{\"text\": \"متن {i}\", \"label\": {}}}", i % 2)).collect();
        lines.push("{\"text\": \"x\", \"label\": 7}".into());
        lines.push("{\"label\": 1}".into());
        std::fs::write(&path, lines.join("\n")).unwrap();
        let p = PromptTuningParams { dataset: path.to_string_lossy().into(), holdout: 0.2, ..Default::default() };
        let d = open(&p, &Paths::under(dir.path()), 1).unwrap();
        assert_eq!((d.train.len(), d.test.len()), (16, 4));
        assert_eq!(d.labels.iter().map(|l| l.label.as_str()).collect::<Vec<_>>(), ["0", "1"], "neutral dropped");
        let notes = d.notes.join("\n");
        assert!(notes.contains(":22: skipped"), "{notes}");
        assert!(notes.contains("1 examples have a label"), "{notes}");
        assert!(notes.contains("label `2`"), "{notes}");
    }

    #[test]
    fn a_test_sibling_is_the_test_set() {
        let dir = tempfile::tempdir().unwrap();
        let train = dir.path().join("r.train.csv");
        std::fs::write(&train, "text,label\nخوب,1\nبد,0\nعالی,1\n").unwrap();
        std::fs::write(dir.path().join("r.test.csv"), "text,label\nافتضاح,0\nخوب,1\n").unwrap();
        let p = PromptTuningParams { dataset: train.to_string_lossy().into(), ..Default::default() };
        let d = open(&p, &Paths::under(dir.path()), 1).unwrap();
        assert_eq!((d.train.len(), d.test.len()), (3, 2));
    }
}
