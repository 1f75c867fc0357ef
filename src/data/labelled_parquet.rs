//! Labelled texts from the parquet files `datasets` writes (`text` and `label` columns; the
//! label an integer, or a string), e.g. hezarai/sentiment-dksf. A row without either is
//! skipped and reported with its row number; an unreadable file is an error naming it.
use anyhow::{Context, Result};
use std::path::Path;

/// (text, label) rows and (row number, reason) for the rows skipped.
pub fn read(file: &Path) -> Result<(Vec<(String, String)>, Vec<(usize, String)>)> {
    crate::guard::catch_reader_panic(&file.display().to_string(), || read_rows(file))
}

fn read_rows(file: &Path) -> Result<(Vec<(String, String)>, Vec<(usize, String)>)> {
    use parquet::file::reader::FileReader;
    use parquet::record::Field;
    let reader = super::formats::parquet_file::open(file, "a broken download? fetch it again")?;
    let (mut rows, mut skipped) = (Vec::new(), Vec::new());
    for (index, row) in reader.get_row_iter(None).with_context(|| format!("reading {}", file.display()))?.enumerate() {
        let row = row.with_context(|| format!("{}: row {index}", file.display()))?;
        let (mut text, mut label) = (None, None);
        for (name, field) in row.get_column_iter() {
            match (name.as_str(), field) {
                ("text", Field::Str(s)) => text = Some(s.clone()),
                ("label", Field::Long(v)) => label = Some(v.to_string()),
                ("label", Field::Int(v)) => label = Some(v.to_string()),
                ("label", Field::Short(v)) => label = Some(v.to_string()),
                ("label", Field::Str(s)) => label = Some(s.clone()),
                _ => {}
            }
        }
        match (text, label) {
            (Some(t), Some(l)) if !t.trim().is_empty() => rows.push((t, l)),
            (Some(_), Some(_)) => skipped.push((index, "the text is empty".to_string())),
            _ => skipped.push((index, "no `text` string or no `label`".to_string())),
        }
    }
    Ok((rows, skipped))
}
