//! Reading an answer out of a model's Persian (or English) output: digits in any script,
//! "گزینه ۲" / "option 2" / "گزینه دوم", a choice quoted by its text, and the last answer
//! of a chain of thought. Whatever cannot be read is `None` (counted wrong, reported as a
//! rate), never a guess.
use crate::tokenize::persian::{normalize_persian, NormalizeOptions};
use regex::Regex;
use std::sync::LazyLock;

/// Words that introduce the final answer, after normalisation (Persian, then English).
static MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:پاسخ|جواب|answer)(?:\s*(?:نهایی|صحیح|درست|final|is|:|：|=|-|است))*\s*[:：]?\s*(?:گزینه(?:ی|‌ی|ٔ)?\s*)?(-?\d+(?:[.,]\d+)?)").unwrap()
});
static OPTION: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)(?:گزینه(?:ی|‌ی|ٔ)?|option|choice)\s*[:：]?\s*\(?(\d+)\)?").unwrap());
static ORDINAL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"گزینه(?:ی|‌ی|ٔ)?\s*(اول|یکم|دوم|سوم|چهارم|پنجم)").unwrap());
static NUMBER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"-?\d+(?:,\d{3})*(?:\.\d+)?").unwrap());

fn normalise(text: &str) -> String {
    normalize_persian(text, NormalizeOptions { strip_diacritics: true })
}

fn ordinal(word: &str) -> Option<usize> {
    Some(match word {
        "اول" | "یکم" => 1,
        "دوم" => 2,
        "سوم" => 3,
        "چهارم" => 4,
        "پنجم" => 5,
        _ => return None,
    })
}

fn parse_number(text: &str) -> Option<f64> {
    text.replace(',', "").parse().ok()
}

/// The final numeric answer: the last "پاسخ: N" if any, else the last number in the text.
pub fn extract_number(output: &str) -> Option<f64> {
    let text = normalise(output);
    if let Some(c) = MARKER.captures_iter(&text).last() {
        return parse_number(&c[1]);
    }
    NUMBER.find_iter(&text).last().and_then(|m| parse_number(m.as_str()))
}

/// The chosen option (1-based) among `choices`: an explicit answer or option number in
/// range (the last one wins: chains often mention options before concluding), an ordinal
/// ("گزینه دوم"), the text of a choice (the one named last), or a lone number in range.
pub fn extract_choice(output: &str, choices: &[String]) -> Option<usize> {
    let text = normalise(output);
    let in_range = |n: f64| (n.fract() == 0.0 && n >= 1.0 && n <= choices.len() as f64).then_some(n as usize);
    let mut explicit: Vec<(usize, usize)> = Vec::new(); // (position, choice)
    for c in MARKER.captures_iter(&text) {
        if let Some(k) = parse_number(&c[1]).and_then(in_range) {
            explicit.push((c.get(0).map_or(0, |m| m.start()), k));
        }
    }
    for c in OPTION.captures_iter(&text) {
        if let Some(k) = parse_number(&c[1]).and_then(in_range) {
            explicit.push((c.get(0).map_or(0, |m| m.start()), k));
        }
    }
    for c in ORDINAL.captures_iter(&text) {
        if let Some(k) = ordinal(&c[1]).filter(|&k| k <= choices.len()) {
            explicit.push((c.get(0).map_or(0, |m| m.start()), k));
        }
    }
    if let Some(&(_, k)) = explicit.iter().max_by_key(|(pos, _)| *pos) {
        return Some(k);
    }
    // A choice quoted by its text: the one whose last mention is latest (longer texts win ties).
    let mut named: Option<(usize, usize, usize)> = None; // (position, length, choice)
    for (i, choice) in choices.iter().enumerate() {
        let c = normalise(choice.trim());
        if c.is_empty() {
            continue;
        }
        if let Some(pos) = text.rfind(&c) {
            let better = named.is_none_or(|(p, len, _)| pos > p || (pos == p && c.len() > len));
            if better {
                named = Some((pos, c.len(), i + 1));
            }
        }
    }
    if let Some((_, _, k)) = named {
        return Some(k);
    }
    // A bare number in range, when it is the only number.
    let numbers: Vec<f64> = NUMBER.find_iter(&text).filter_map(|m| parse_number(m.as_str())).collect();
    match numbers.as_slice() {
        [n] => in_range(*n),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn four() -> Vec<String> {
        ["۱۲", "۱۵", "۱۸", "۲۰"].iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn numbers_in_any_script_and_the_last_answer_of_a_chain() {
        assert_eq!(extract_number("۳ + ۵ = ۸. ۸ - ۲ = ۶. پاسخ: ۶"), Some(6.0));
        assert_eq!(extract_number("First 3 + 5 = 8, so the answer is 8"), Some(8.0));
        assert_eq!(extract_number("جواب نهایی ٤٢ است"), Some(42.0));
        assert_eq!(extract_number("حدود ۱۲٫۵ کیلو"), Some(12.5));
        assert_eq!(extract_number("قیمت 1,250 تومان"), Some(1250.0));
        assert_eq!(extract_number("نمی‌دانم"), None);
    }

    #[test]
    fn choices_by_number_ordinal_or_text() {
        let c = four();
        assert_eq!(extract_choice("گزینه ۲", &c), Some(2));
        assert_eq!(extract_choice("پاسخ صحیح گزینهٔ ۳ است.", &c), Some(3));
        assert_eq!(extract_choice("گزینه ۱ غلط است چون ... پس پاسخ: ۴", &c), Some(4), "the conclusion wins over an earlier mention");
        assert_eq!(extract_choice("گزینه دوم درست است", &c), Some(2));
        assert_eq!(extract_choice("The answer is option 3.", &c), Some(3));
        assert_eq!(extract_choice("۳", &c), Some(3), "a lone number in range");
        assert_eq!(extract_choice("حاصل برابر ۱۸ می‌شود", &c), Some(3), "the text of a choice");
        assert_eq!(extract_choice("گزینه ۷", &c), None, "out of range is not an answer");
        assert_eq!(extract_choice("نمی‌دانم", &c), None);
        let words: Vec<String> = ["كتاب", "دفتر"].iter().map(|s| s.to_string()).collect();
        assert_eq!(extract_choice("فکر می‌کنم کتاب", &words), Some(1), "Arabic and Persian kaf are one letter");
    }
}
