//! MATLAB level-5 MAT-files (the format of Stanford Dogs' `train_list.mat` etc.):
//! read the cell arrays of strings and numeric arrays, whether MATLAB wrote them
//! (each variable zlib-compressed, compact small elements) or scipy did (uncompressed
//! by default); and write MATLAB-style files for generated data sets.
//! Layout per the MAT-File Format document (MathWorks): a 128-byte header, then
//! tagged data elements padded to 8 bytes; variables are miMATRIX elements.
use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::io::{Read, Write};

const MI_INT8: u32 = 1;
const MI_UINT8: u32 = 2;
const MI_INT16: u32 = 3;
const MI_UINT16: u32 = 4;
const MI_INT32: u32 = 5;
const MI_UINT32: u32 = 6;
const MI_SINGLE: u32 = 7;
const MI_DOUBLE: u32 = 9;
const MI_INT64: u32 = 12;
const MI_UINT64: u32 = 13;
const MI_MATRIX: u32 = 14;
const MI_COMPRESSED: u32 = 15;
const MI_UTF8: u32 = 16;
const MI_UTF16: u32 = 17;

const MX_CELL: u8 = 1;
const MX_CHAR: u8 = 4;
const MX_DOUBLE: u8 = 6;

/// A MATLAB value, flattened in MATLAB's column-major order.
#[derive(Debug, Clone, PartialEq)]
pub enum MatValue {
    Numeric { dims: Vec<usize>, data: Vec<f64> },
    Char { dims: Vec<usize>, text: String },
    Cell { dims: Vec<usize>, items: Vec<MatValue> },
    /// Structs, objects, sparse arrays: present but not needed here.
    Unsupported { class: u8 },
}

impl MatValue {
    /// The strings of a cell array of character rows (nested cells are flattened).
    pub fn strings(&self) -> Option<Vec<String>> {
        match self {
            MatValue::Char { text, .. } => Some(vec![text.clone()]),
            MatValue::Cell { items, .. } => {
                let mut out = Vec::new();
                for item in items {
                    out.extend(item.strings()?);
                }
                Some(out)
            }
            _ => None,
        }
    }

    pub fn numbers(&self) -> Option<&[f64]> {
        match self {
            MatValue::Numeric { data, .. } => Some(data),
            _ => None,
        }
    }
}

/// Reads every variable of a MAT-file.
pub fn read(bytes: &[u8]) -> Result<BTreeMap<String, MatValue>> {
    if bytes.len() < 128 {
        bail!("too short for a MAT-file header ({} bytes)", bytes.len());
    }
    let endian = &bytes[126..128];
    let little = match endian {
        b"IM" => true,
        b"MI" => false,
        _ => bail!("not a MATLAB 5 MAT-file (no endian indicator; v7.3 HDF5 files are not supported)"),
    };
    let mut reader = Reader { little };
    let mut vars = BTreeMap::new();
    let mut pos = 128;
    while pos + 8 <= bytes.len() {
        let (kind, data, next) = reader.element(bytes, pos)?;
        pos = next;
        let (name, value) = match kind {
            MI_MATRIX => reader.matrix(data)?,
            MI_COMPRESSED => {
                let mut inflated = Vec::new();
                flate2::read::ZlibDecoder::new(data).read_to_end(&mut inflated).context("inflating a compressed variable")?;
                let (inner_kind, inner, _) = reader.element(&inflated, 0)?;
                if inner_kind != MI_MATRIX {
                    continue;
                }
                reader.matrix(inner)?
            }
            _ => continue,
        };
        vars.insert(name, value);
    }
    Ok(vars)
}

struct Reader {
    little: bool,
}

impl Reader {
    fn u32(&self, b: &[u8]) -> u32 {
        let a = [b[0], b[1], b[2], b[3]];
        if self.little { u32::from_le_bytes(a) } else { u32::from_be_bytes(a) }
    }

    /// One data element at `pos`: (type, payload, position after padding).
    fn element<'a>(&self, bytes: &'a [u8], pos: usize) -> Result<(u32, &'a [u8], usize)> {
        if pos.checked_add(8).is_none_or(|end| end > bytes.len()) {
            bail!("data element at byte {pos} runs past the end of the file (truncated?)");
        }
        let word = self.u32(&bytes[pos..]);
        if word >> 16 != 0 {
            // Small data element: type and size share the first word, data fits in 4 bytes.
            let (kind, size) = (word & 0xffff, (word >> 16) as usize);
            if size > 4 || pos + 8 > bytes.len() {
                bail!("corrupt small data element at byte {pos}");
            }
            return Ok((kind, &bytes[pos + 4..pos + 4 + size], pos + 8));
        }
        let size = self.u32(&bytes[pos + 4..]) as usize;
        let start = pos + 8;
        let end = start.checked_add(size).filter(|&e| e <= bytes.len()).with_context(|| format!("data element at byte {pos} runs past the end of the file (truncated?)"))?;
        // Compressed elements are not padded.
        let next = if word == MI_COMPRESSED { end } else { start + size.div_ceil(8) * 8 };
        Ok((word, &bytes[start..end], next.min(bytes.len())))
    }

    fn numbers(&self, kind: u32, data: &[u8]) -> Result<Vec<f64>> {
        let le = self.little;
        macro_rules! conv {
            ($t:ty, $n:expr) => {
                data.chunks_exact($n)
                    .map(|c| {
                        let a: [u8; $n] = c.try_into().expect("chunk size");
                        (if le { <$t>::from_le_bytes(a) } else { <$t>::from_be_bytes(a) }) as f64
                    })
                    .collect()
            };
        }
        Ok(match kind {
            MI_INT8 => data.iter().map(|&b| b as i8 as f64).collect(),
            MI_UINT8 | MI_UTF8 => data.iter().map(|&b| b as f64).collect(),
            MI_INT16 => conv!(i16, 2),
            MI_UINT16 | MI_UTF16 => conv!(u16, 2),
            MI_INT32 => conv!(i32, 4),
            MI_UINT32 => conv!(u32, 4),
            MI_SINGLE => conv!(f32, 4),
            MI_DOUBLE => conv!(f64, 8),
            MI_INT64 => conv!(i64, 8),
            MI_UINT64 => conv!(u64, 8),
            other => bail!("unexpected data type {other} in a numeric array"),
        })
    }

    /// Parses a miMATRIX payload into (name, value).
    fn matrix(&mut self, data: &[u8]) -> Result<(String, MatValue)> {
        if data.is_empty() {
            return Ok((String::new(), MatValue::Numeric { dims: vec![0, 0], data: vec![] }));
        }
        let (_, flags, pos) = self.element(data, 0)?;
        let class = *flags.first().filter(|_| self.little).unwrap_or_else(|| flags.get(3).unwrap_or(&0));
        let (dims_kind, dims_raw, pos) = self.element(data, pos)?;
        let dims: Vec<usize> = self.numbers(dims_kind, dims_raw)?.into_iter().map(|d| d as usize).collect();
        let (_, name_raw, mut pos) = self.element(data, pos)?;
        let name = String::from_utf8_lossy(name_raw).into_owned();
        let count = dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d)).context("array dimensions overflow (corrupt file)")?;
        let value = match class {
            MX_CELL => {
                // Every item takes at least one 8-byte tag: more cannot fit in the data.
                if count > data.len() / 8 {
                    bail!("a cell array claims {count} items in {} bytes (corrupt file)", data.len());
                }
                let mut items = Vec::with_capacity(count);
                for _ in 0..count {
                    let (kind, inner, next) = self.element(data, pos)?;
                    if kind != MI_MATRIX {
                        bail!("a cell array item is not a matrix");
                    }
                    items.push(self.matrix(inner)?.1);
                    pos = next;
                }
                MatValue::Cell { dims, items }
            }
            MX_CHAR => {
                let (kind, raw, _) = self.element(data, pos)?;
                let units: Vec<u32> = match kind {
                    MI_UTF8 | MI_UINT8 | MI_INT8 => {
                        let s = String::from_utf8_lossy(raw).into_owned();
                        s.chars().map(|c| c as u32).collect()
                    }
                    _ => self.numbers(kind, raw)?.into_iter().map(|v| v as u32).collect(),
                };
                // Rows are laid out from the dimensions, so they must account for every
                // character (and no more): a corrupt size would ask for billions of rows.
                if dims.first().is_some_and(|&rows| rows > 1) && count != units.len() {
                    bail!("a character array's size {:?} does not match its {} characters (corrupt file)", dims, units.len());
                }
                MatValue::Char { text: char_rows(&dims, &units), dims }
            }
            6..=15 => {
                let (kind, raw, _) = self.element(data, pos)?;
                MatValue::Numeric { data: self.numbers(kind, raw)?, dims }
            }
            other => MatValue::Unsupported { class: other },
        };
        Ok((name, value))
    }
}

/// A char array's text: rows of a column-major [rows, cols] array, joined by newlines.
fn char_rows(dims: &[usize], units: &[u32]) -> String {
    let (rows, cols) = (dims.first().copied().unwrap_or(0), dims.get(1).copied().unwrap_or(0));
    let decode = |v: &[u32]| -> String {
        let utf16: Vec<u16> = v.iter().map(|&u| u as u16).collect();
        if v.iter().all(|&u| u <= 0xffff) {
            String::from_utf16_lossy(&utf16)
        } else {
            v.iter().filter_map(|&u| char::from_u32(u)).collect()
        }
    };
    if rows <= 1 {
        return decode(units);
    }
    (0..rows)
        .map(|r| decode(&(0..cols).filter_map(|c| units.get(c * rows + r).copied()).collect::<Vec<_>>()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Writes variables as MATLAB does (each miMATRIX zlib-compressed); characters are
/// stored as UTF-8, which MATLAB and scipy both decode (scipy misreads non-ASCII
/// UTF-16 data with its default codec).
pub fn write(vars: &[(&str, MatValue)]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut header = b"MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: adaptlab".to_vec();
    header.resize(116, b' ');
    out.extend_from_slice(&header);
    out.extend_from_slice(&[0u8; 8]);
    out.extend_from_slice(&0x0100u16.to_le_bytes());
    out.extend_from_slice(b"IM");
    for (name, value) in vars {
        let matrix = matrix_element(name, value)?;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&matrix)?;
        let packed = z.finish()?;
        out.extend_from_slice(&MI_COMPRESSED.to_le_bytes());
        out.extend_from_slice(&(packed.len() as u32).to_le_bytes());
        out.extend_from_slice(&packed);
    }
    Ok(out)
}

fn element(kind: u32, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 16);
    if data.len() <= 4 && kind != MI_MATRIX {
        out.extend_from_slice(&(((data.len() as u32) << 16) | kind).to_le_bytes());
        out.extend_from_slice(data);
        out.resize(8, 0);
        return out;
    }
    out.extend_from_slice(&kind.to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
    out.resize(8 + data.len().div_ceil(8) * 8, 0);
    out
}

fn matrix_element(name: &str, value: &MatValue) -> Result<Vec<u8>> {
    let (class, dims) = match value {
        MatValue::Cell { dims, .. } => (MX_CELL, dims.clone()),
        MatValue::Char { dims, .. } => (MX_CHAR, dims.clone()),
        MatValue::Numeric { dims, .. } => (MX_DOUBLE, dims.clone()),
        MatValue::Unsupported { class } => bail!("cannot write MATLAB class {class}"),
    };
    let mut body = Vec::new();
    body.extend(element(MI_UINT32, &[&[class, 0, 0, 0][..], &[0u8; 4][..]].concat()));
    body.extend(element(MI_INT32, &dims.iter().flat_map(|&d| (d as i32).to_le_bytes()).collect::<Vec<_>>()));
    body.extend(element(MI_INT8, name.as_bytes()));
    match value {
        MatValue::Cell { items, .. } => {
            for item in items {
                body.extend(matrix_element("", item)?);
            }
        }
        MatValue::Char { text, .. } => {
            body.extend(element(MI_UTF8, text.as_bytes()));
        }
        MatValue::Numeric { data, .. } => {
            body.extend(element(MI_DOUBLE, &data.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<_>>()));
        }
        MatValue::Unsupported { .. } => unreachable!("rejected above"),
    }
    Ok(element(MI_MATRIX, &body))
}

/// A column cell array of strings, as Stanford Dogs stores file lists.
pub fn cell_of_strings(items: &[String]) -> MatValue {
    MatValue::Cell {
        dims: vec![items.len(), 1],
        items: items.iter().map(|s| MatValue::Char { dims: vec![1, s.encode_utf16().count()], text: s.clone() }).collect(),
    }
}

pub fn column(values: &[f64]) -> MatValue {
    MatValue::Numeric { dims: vec![values.len(), 1], data: values.to_vec() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_of_what_stanford_dogs_holds() {
        let files = vec!["n02085620-Chihuahua/n02085620_5927.jpg".to_string(), "n02085782-Japanese_spaniel/n02085782_2.jpg".into()];
        let bytes = write(&[("file_list", cell_of_strings(&files)), ("labels", column(&[1.0, 2.0]))]).unwrap();
        let vars = read(&bytes).unwrap();
        assert_eq!(vars["file_list"].strings().unwrap(), files);
        assert_eq!(vars["labels"].numbers().unwrap(), &[1.0, 2.0]);
        assert!(read(&bytes[..200]).is_err() || read(&bytes[..200]).unwrap().len() < 2, "truncation is detected");
    }

    #[test]
    fn corrupt_files_are_errors_never_panics() {
        let files: Vec<String> = (0..20).map(|i| format!("n0000000{}-X/x_{i}.jpg", i % 3)).collect();
        let bytes = write(&[("file_list", cell_of_strings(&files)), ("labels", column(&[1.0; 20]))]).unwrap();
        // Uncompressed too, so corruption reaches the element parser directly.
        let mut plain = bytes[..128].to_vec();
        plain.extend(matrix_element("file_list", &cell_of_strings(&files)).unwrap());
        for source in [&bytes, &plain] {
            for cut in (0..source.len()).step_by(7) {
                let _ = read(&source[..cut]);
            }
            let mut rng = crate::data::rng::SplitMix64::new(1);
            for _ in 0..300 {
                let mut damaged = source.to_vec();
                for _ in 0..4 {
                    let i = 128 + rng.below(damaged.len() - 128);
                    damaged[i] = rng.below(256) as u8;
                }
                let _ = read(&damaged);
            }
        }
    }
}
