//! Text cleaning before CLIP tokenization, as open_clip's `basic_clean` +
//! `whitespace_clean` + lowercase: `ftfy.fix_text` (its deterministic fixers), then
//! Python's `html.unescape` twice, whitespace collapsed, lowercased.
//!
//! Not reproduced: ftfy's mojibake repair (`fix_encoding`), a heuristic that only
//! changes text which looks like mis-decoded UTF-8 ("cafÃ©"); clean text passes it unchanged.
use htmlize::ENTITIES;
use unicode_normalization::UnicodeNormalization;

/// open_clip `_clean_lower`: the text the BPE sees.
pub fn clean_lower(text: &str) -> String {
    let fixed = fix_text(text);
    let unescaped = html_unescape(&html_unescape(&fixed));
    python_split_join(unescaped.trim_matches(python_is_space)).to_lowercase()
}

/// Python's `str.isspace()`: Unicode White_Space plus the ASCII separators 0x1C–0x1F.
fn python_is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `" ".join(text.split())`.
fn python_split_join(text: &str) -> String {
    text.split(python_is_space).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// `ftfy.fix_text` with its default configuration, segment by segment (lines).
pub fn fix_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for segment in text.split_inclusive('\n') {
        out.push_str(&fix_segment(segment));
    }
    out
}

fn fix_segment(segment: &str) -> String {
    // ftfy's unescape_html="auto": text containing '<' may be HTML, leave its entities.
    let unescape = !segment.contains('<');
    let mut text = segment.to_string();
    loop {
        let before = text.clone();
        if unescape {
            text = ftfy_unescape_html(&text);
        }
        text = text.chars().map(c1_as_windows_1252).collect();
        text = fix_latin_ligatures(&text);
        text = text.chars().map(standard_width).collect();
        text = text.chars().map(uncurl_quote).collect();
        text = text.replace("\r\n", "\n").replace(['\r', '\u{2028}', '\u{2029}', '\u{85}'], "\n");
        text = remove_terminal_escapes(&text);
        text.retain(|c| !is_removable_control(c));
        text = text.nfc().collect();
        if text == before {
            return text;
        }
    }
}

/// Windows-1252 for the C1 range, bytes it leaves undefined kept as they are
/// ("sloppy-windows-1252"); also what HTML does with numeric references 0x80–0x9F.
fn windows_1252(c: char) -> Option<char> {
    const HIGH: [char; 32] = [
        '\u{20ac}', '\u{81}', '\u{201a}', '\u{192}', '\u{201e}', '\u{2026}', '\u{2020}', '\u{2021}',
        '\u{2c6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8d}', '\u{17d}', '\u{8f}',
        '\u{90}', '\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}', '\u{2022}', '\u{2013}', '\u{2014}',
        '\u{2dc}', '\u{2122}', '\u{161}', '\u{203a}', '\u{153}', '\u{9d}', '\u{17e}', '\u{178}',
    ];
    let code = c as u32;
    (0x80..=0x9f).contains(&code).then(|| HIGH[(code - 0x80) as usize])
}

fn c1_as_windows_1252(c: char) -> char {
    windows_1252(c).unwrap_or(c)
}

fn fix_latin_ligatures(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let replacement = match c {
            'Ĳ' => "IJ", 'ĳ' => "ij", 'ŉ' => "ʼn", 'Ǳ' => "DZ", 'ǲ' => "Dz", 'ǳ' => "dz",
            'Ǆ' => "DŽ", 'ǅ' => "Dž", 'ǆ' => "dž", 'Ǉ' => "LJ", 'ǈ' => "Lj", 'ǉ' => "lj",
            'Ǌ' => "NJ", 'ǋ' => "Nj", 'ǌ' => "nj", 'ﬀ' => "ff", 'ﬁ' => "fi", 'ﬂ' => "fl",
            'ﬃ' => "ffi", 'ﬄ' => "ffl", 'ﬅ' => "ſt", 'ﬆ' => "st",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(replacement);
    }
    out
}

/// Halfwidth and fullwidth forms (U+FF01–U+FFEF) to their NFKC form, ideographic space to ' '.
fn standard_width(c: char) -> char {
    if c == '\u{3000}' {
        return ' ';
    }
    if ('\u{ff01}'..='\u{ffef}').contains(&c) {
        let mut nfkc = std::iter::once(c).nfkc();
        if let (Some(single), None) = (nfkc.next(), nfkc.next()) {
            return single;
        }
    }
    c
}

fn uncurl_quote(c: char) -> char {
    match c {
        '\u{2bc}' | '\u{2018}'..='\u{201b}' => '\'',
        '\u{201c}'..='\u{201f}' => '"',
        _ => c,
    }
}

/// ANSI escapes `ESC [ (digits|;)* letter`.
fn remove_terminal_escapes(text: &str) -> String {
    if !text.contains('\u{1b}') {
        return text.to_string();
    }
    let re = regex::Regex::new(r"\x1b\[[0-9;]*[a-zA-Z]").expect("valid pattern");
    re.replace_all(text, "").into_owned()
}

fn is_removable_control(c: char) -> bool {
    matches!(c as u32, 0x00..=0x08 | 0x0b | 0x0e..=0x1f | 0x7f | 0x206a..=0x206f | 0xfeff | 0xfff9..=0xfffc)
}

fn entity(name_with_amp: &str) -> Option<&'static str> {
    ENTITIES.get(name_with_amp.as_bytes()).and_then(|b| std::str::from_utf8(b).ok())
}

/// ftfy's own unescape: only `&name;` / `&#...;` forms of 1–24 characters; a lowercase
/// entity name written in capitals decodes to the capitalised character.
fn ftfy_unescape_html(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let re = regex::Regex::new(r"&#?[0-9A-Za-z]{1,24};").expect("valid pattern");
    re.replace_all(text, |caps: &regex::Captures| {
        let m = &caps[0];
        if let Some(v) = entity(m) {
            return v.to_string();
        }
        let lower = m.to_lowercase();
        if m != lower && m == m.to_uppercase() && lower[1..lower.len() - 1].chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()) {
            if let Some(v) = entity(&lower).filter(|_| html_unescape(m) == m) {
                return v.to_uppercase();
            }
        }
        if m.starts_with("&#") {
            let decoded = html_unescape(m);
            if !decoded.contains(';') {
                return decoded;
            }
        }
        m.to_string()
    })
    .into_owned()
}

/// Python's `html.unescape` (the HTML5 rules): named references, with the legacy names
/// that may omit the semicolon matched by longest prefix, and numeric references with
/// the replacements HTML5 prescribes for invalid code points.
pub fn html_unescape(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let re = regex::Regex::new(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\x0c <&#;]{1,32};?)").expect("valid pattern");
    re.replace_all(text, |caps: &regex::Captures| charref(&caps[1])).into_owned()
}

fn charref(s: &str) -> String {
    if let Some(number) = s.strip_prefix('#') {
        let (digits, radix) = match number.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16),
            None => (number, 10),
        };
        let digits = digits.trim_end_matches(';');
        // Saturate: any number beyond U+10FFFF is replaced the same way.
        let num = u64::from_str_radix(digits, radix).unwrap_or(u64::MAX);
        if num == 0 {
            return "\u{fffd}".into();
        }
        if num == 0x0d {
            return "\r".into();
        }
        if let Some(c) = char::from_u32(num as u32).filter(|_| num <= 0x10ffff).and_then(windows_1252) {
            return c.to_string();
        }
        if (0xd800..=0xdfff).contains(&num) || num > 0x10ffff {
            return "\u{fffd}".into();
        }
        let invalid = matches!(num, 0x1..=0x8 | 0xe..=0x1f | 0x7f..=0x9f | 0xfdd0..=0xfdef | 0xb) || (num & 0xfffe) == 0xfffe;
        if invalid {
            return String::new();
        }
        return char::from_u32(num as u32).map(String::from).unwrap_or_else(|| "\u{fffd}".into());
    }
    if let Some(v) = entity(&format!("&{s}")) {
        return v.to_string();
    }
    // Longest prefix that is a (semicolon-less, legacy) entity name.
    let boundaries: Vec<usize> = s.char_indices().map(|(i, _)| i).skip(2).collect();
    for &cut in boundaries.iter().rev() {
        if let Some(v) = entity(&format!("&{}", &s[..cut])) {
            return format!("{v}{}", &s[cut..]);
        }
    }
    format!("&{s}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleaning_follows_open_clip() {
        assert_eq!(clean_lower("  A  Photo\tof the “Dog”  "), "a photo of the \"dog\"");
        assert_eq!(clean_lower("ﬁne &amp;amp; ＡＢＣ"), "fine & abc");
        assert_eq!(clean_lower("&eacute;&NTILDE; &#x41;&#128; &copy"), "éñ a€ ©");
        assert_eq!(clean_lower("x\u{1b}[31my\u{0}z"), "xyz");
    }

    #[test]
    fn html_unescape_edge_cases() {
        assert_eq!(html_unescape("&notit; &amp &#0; &#x110000; &#xD800; &#1;x"), "¬it; & \u{fffd} \u{fffd} \u{fffd} x");
        assert_eq!(html_unescape("&unknown; &"), "&unknown; &");
    }
}
