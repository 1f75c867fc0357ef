//! Opening a parquet file for row reading, refusing the corruptions that the parquet crate
//! would turn into a process abort rather than an error. A dictionary page's header says
//! how many values it holds and the decoder reserves that many before reading any (a
//! fuzzed file asked for 28 GB); a valid dictionary spends at least one byte on each value
//! (4-byte lengths, 4- or 8-byte numbers), so more values than bytes is corrupt.
use anyhow::{bail, Context, Result};
use parquet::column::page::Page;
use parquet::file::reader::{FileReader, RowGroupReader, SerializedFileReader};
use std::fs::File;
use std::path::Path;

/// The file's reader once its metadata and dictionary pages are sound; `advice` ends the
/// message when it is not (what to do: fetch it again, …).
pub fn open(file: &Path, advice: &str) -> Result<SerializedFileReader<File>> {
    let reader = SerializedFileReader::new(File::open(file).with_context(|| format!("opening {}", file.display()))?)
        .with_context(|| format!("{} is not a readable parquet file ({advice})", file.display()))?;
    for g in 0..reader.num_row_groups() {
        let group = reader.get_row_group(g).with_context(|| format!("{}: row group {g} ({advice})", file.display()))?;
        for c in 0..group.num_columns() {
            check_dictionary(group.as_ref(), c).with_context(|| format!("{}: row group {g}, column {c} is corrupt ({advice})", file.display()))?;
        }
    }
    Ok(reader)
}

/// The dictionary page comes first in a column chunk; only it is read here (a data page
/// is recognised from its header and left unread).
fn check_dictionary(group: &dyn RowGroupReader, column: usize) -> Result<()> {
    let mut pages = group.get_column_page_reader(column)?;
    if !pages.peek_next_page()?.is_some_and(|first| first.is_dict) {
        return Ok(());
    }
    if let Some(Page::DictionaryPage { buf, num_values, .. }) = pages.get_next_page()? {
        if num_values as usize > buf.len() {
            bail!("its dictionary page claims {num_values} values in {} bytes", buf.len());
        }
    }
    Ok(())
}
