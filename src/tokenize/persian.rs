//! A Persian text normaliser for comparing answers: Arabic yeh/kaf to their Persian forms,
//! Persian and Arabic-Indic digits (and the Arabic decimal and thousands separators) to
//! ASCII, tatweel removed, diacritics optionally removed, ZWNJ kept. It is for matching
//! and parsing only; model input is never normalised behind the user's back.

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NormalizeOptions {
    /// Drop harakat (fatha, kasra, damma, tanwin, shadda, sukun) and the superscript alef.
    pub strip_diacritics: bool,
}

/// U+064B..U+0652 and U+0670: the marks Persian text writes only occasionally.
fn is_diacritic(c: char) -> bool {
    matches!(c, '\u{064B}'..='\u{0652}' | '\u{0670}')
}

/// The ASCII digit of a Persian (U+06F0..) or Arabic-Indic (U+0660..) digit.
pub fn fold_digit(c: char) -> Option<char> {
    match c {
        '\u{06F0}'..='\u{06F9}' => char::from_digit(c as u32 - 0x06F0, 10),
        '\u{0660}'..='\u{0669}' => char::from_digit(c as u32 - 0x0660, 10),
        _ => None,
    }
}

pub fn normalize_persian(text: &str, opts: NormalizeOptions) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if let Some(d) = fold_digit(c) {
            out.push(d);
            continue;
        }
        match c {
            '\u{064A}' | '\u{0649}' => out.push('\u{06CC}'), // Arabic yeh, alef maksura → Persian yeh
            '\u{0643}' => out.push('\u{06A9}'),               // Arabic kaf → keheh
            '\u{066B}' => out.push('.'),                      // Arabic decimal separator
            '\u{066C}' => out.push(','),                      // Arabic thousands separator
            '\u{0640}' => {}                                  // tatweel (kashida) is decoration
            c if opts.strip_diacritics && is_diacritic(c) => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unifies_letters_folds_digits_and_keeps_zwnj() {
        let opts = NormalizeOptions::default();
        assert_eq!(normalize_persian("كتاب علي", opts), "کتاب علی");
        assert_eq!(normalize_persian("گزینه ۲ و ٣", opts), "گزینه 2 و 3");
        assert_eq!(normalize_persian("۱۲٫۵", opts), "12.5");
        assert_eq!(normalize_persian("می\u{200C}خواهم", opts), "می\u{200C}خواهم");
        assert_eq!(normalize_persian("خــوب", opts), "خوب");
    }

    #[test]
    fn diacritics_only_when_asked() {
        let text = "کِتابٌ";
        assert_eq!(normalize_persian(text, NormalizeOptions::default()), text);
        assert_eq!(normalize_persian(text, NormalizeOptions { strip_diacritics: true }), "کتاب");
    }
}
