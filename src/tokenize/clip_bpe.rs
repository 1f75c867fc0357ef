//! The CLIP byte-level BPE tokenizer, identical in output to open_clip's SimpleTokenizer
//! (open_clip `tokenizer.py`): clean + lowercase, split by CLIP's pattern, map UTF-8
//! bytes to printable characters, apply the 48,894 merges by rank, add SOT/EOT, pad or
//! truncate to the context length keeping EOT last.
use super::clean::clean_lower;
use anyhow::{Context, Result};
use regex::Regex;
use std::collections::HashMap;
use std::io::Read;
use std::sync::{Mutex, OnceLock};

/// OpenAI's BPE merges (MIT licence), as shipped in open_clip.
const MERGES_GZ: &[u8] = include_bytes!("bpe_simple_vocab_16e6.txt.gz");
/// Lines 1..=48894 of the merges file are used: 49152 − 256 − 2 merges.
const MERGE_COUNT: usize = 49152 - 256 - 2;

pub const SOT: i64 = 49406;
pub const EOT: i64 = 49407;
pub const CONTEXT_LENGTH: usize = 77;

pub struct ClipTokenizer {
    encoder: HashMap<String, i64>,
    ranks: HashMap<(String, String), usize>,
    byte_chars: [char; 256],
    pattern: Regex,
    cache: Mutex<HashMap<String, Vec<i64>>>,
}

/// The reversible byte → character table: printable Latin-1 bytes map to themselves,
/// the others to U+0100 onwards, in byte order.
fn bytes_to_unicode() -> (Vec<u8>, [char; 256]) {
    let printable = |b: u8| (b'!'..=b'~').contains(&b) || (0xa1..=0xac).contains(&b) || (0xae..=0xff).contains(&b);
    let mut order: Vec<u8> = (0..=255u8).filter(|&b| printable(b)).collect();
    let mut table = ['\0'; 256];
    for &b in &order {
        table[b as usize] = char::from(b);
    }
    let mut next = 256u32;
    for b in 0..=255u8 {
        if !printable(b) {
            table[b as usize] = char::from_u32(next).expect("valid code point");
            order.push(b);
            next += 1;
        }
    }
    (order, table)
}

impl ClipTokenizer {
    /// The shared tokenizer (building it parses the merges once).
    pub fn get() -> &'static ClipTokenizer {
        static TOKENIZER: OnceLock<ClipTokenizer> = OnceLock::new();
        TOKENIZER.get_or_init(|| ClipTokenizer::new().expect("the embedded BPE merges are valid"))
    }

    fn new() -> Result<Self> {
        let mut text = String::new();
        flate2::read::GzDecoder::new(MERGES_GZ).read_to_string(&mut text).context("decompressing the BPE merges")?;
        let merges: Vec<(String, String)> = text
            .split('\n')
            .skip(1)
            .take(MERGE_COUNT)
            .map(|line| {
                let mut parts = line.split(' ');
                (parts.next().unwrap_or_default().to_string(), parts.next().unwrap_or_default().to_string())
            })
            .collect();
        let (order, byte_chars) = bytes_to_unicode();
        let mut vocab: Vec<String> = order.iter().map(|&b| byte_chars[b as usize].to_string()).collect();
        vocab.extend(order.iter().map(|&b| format!("{}</w>", byte_chars[b as usize])));
        vocab.extend(merges.iter().map(|(a, b)| format!("{a}{b}")));
        vocab.push("<start_of_text>".into());
        vocab.push("<end_of_text>".into());
        let encoder = vocab.into_iter().enumerate().map(|(i, t)| (t, i as i64)).collect();
        let ranks = merges.into_iter().enumerate().map(|(i, m)| (m, i)).collect();
        let pattern = Regex::new(r"(?i)<start_of_text>|<end_of_text>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+")
            .context("compiling the CLIP pattern")?;
        Ok(Self { encoder, ranks, byte_chars, pattern, cache: Mutex::new(HashMap::new()) })
    }

    /// Token ids of `text` without SOT/EOT.
    pub fn encode(&self, text: &str) -> Vec<i64> {
        let cleaned = clean_lower(text);
        let mut ids = Vec::new();
        for m in self.pattern.find_iter(&cleaned) {
            let piece = m.as_str();
            if let Some(&special) = self.encoder.get(piece).filter(|_| piece.starts_with('<') && piece.ends_with('>')) {
                ids.push(special);
                continue;
            }
            let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(cached) = cache.get(piece) {
                ids.extend_from_slice(cached);
                continue;
            }
            let mapped: String = piece.bytes().map(|b| self.byte_chars[b as usize]).collect();
            let word: Vec<i64> = self.bpe(&mapped).iter().map(|t| self.encoder[t]).collect();
            ids.extend_from_slice(&word);
            cache.insert(piece.to_string(), word);
        }
        ids
    }

    /// Merges the symbols of one word, lowest-ranked pair first, until none applies.
    fn bpe(&self, word: &str) -> Vec<String> {
        let mut symbols: Vec<String> = word.chars().map(String::from).collect();
        if let Some(last) = symbols.last_mut() {
            last.push_str("</w>");
        }
        loop {
            let best = symbols
                .windows(2)
                .filter_map(|w| self.ranks.get(&(w[0].clone(), w[1].clone())).map(|&r| (r, w[0].clone(), w[1].clone())))
                .min_by_key(|(r, ..)| *r);
            let Some((_, first, second)) = best else { break };
            let mut merged = Vec::with_capacity(symbols.len());
            let mut i = 0;
            while i < symbols.len() {
                if i + 1 < symbols.len() && symbols[i] == first && symbols[i + 1] == second {
                    merged.push(format!("{first}{second}"));
                    i += 2;
                } else {
                    merged.push(std::mem::take(&mut symbols[i]));
                    i += 1;
                }
            }
            symbols = merged;
            if symbols.len() == 1 {
                break;
            }
        }
        symbols
    }

    /// [SOT, ids..., EOT] padded with 0 to `context_length`; a longer text is cut and ends in EOT.
    pub fn tokenize(&self, text: &str, context_length: usize) -> Vec<i64> {
        let mut ids = Vec::with_capacity(context_length);
        ids.push(SOT);
        ids.extend(self.encode(text));
        ids.push(EOT);
        if ids.len() > context_length {
            ids.truncate(context_length);
            ids[context_length - 1] = EOT;
        }
        ids.resize(context_length, 0);
        ids
    }

    /// A [batch, context_length] tensor of token ids.
    pub fn tokenize_batch(&self, texts: &[impl AsRef<str>]) -> tch::Tensor {
        let flat: Vec<i64> = texts.iter().flat_map(|t| self.tokenize(t.as_ref(), CONTEXT_LENGTH)).collect();
        tch::Tensor::from_slice(&flat).view([texts.len() as i64, CONTEXT_LENGTH as i64])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_ids() {
        let t = ClipTokenizer::get();
        let ids = t.tokenize("a photo of a chihuahua.", 77);
        assert_eq!(&ids[..8], &[49406, 320, 1125, 539, 320, 30181, 269, 49407]);
        assert!(ids[8..].iter().all(|&i| i == 0));
        let long = t.tokenize(&"dog ".repeat(100), 77);
        assert_eq!((long.len(), long[76]), (77, EOT));
    }
}
