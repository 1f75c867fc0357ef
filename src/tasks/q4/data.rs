//! Q4's data files, read leniently but never silently: a line with a missing field, an
//! empty question or an answer outside its choices is skipped and reported with its line
//! number. Multiple-choice and numeric questions (ParsiNLU's JSONL: question, candidates,
//! answer "1".."4" in Latin or Persian digits, category, id; or question/choices/answer),
//! and labelled texts for sentiment (JSONL text/label, or CSV with a header).
use crate::tokenize::persian::{normalize_persian, NormalizeOptions};
use anyhow::{bail, Context, Result};
use serde_json::Value;
use std::path::Path;

#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// 1-based index into the choices.
    Choice(usize),
    Number(f64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub id: String,
    pub question: String,
    /// Empty for numeric questions.
    pub choices: Vec<String>,
    pub answer: Answer,
    pub category: Option<String>,
}

/// A line that was not used, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    pub line: usize,
    pub reason: String,
}

/// What a reader returns: the items and the lines it skipped.
#[derive(Debug, Clone, PartialEq)]
pub struct Read<T> {
    pub items: Vec<T>,
    pub skipped: Vec<Skipped>,
}

impl<T> Read<T> {
    /// The skipped lines as warnings naming `path` (the first five, then a count).
    pub fn skipped_notes(&self, path: &Path) -> Vec<String> {
        let mut notes: Vec<String> = self.skipped.iter().take(5).map(|s| format!("{}:{}: skipped ({})", path.display(), s.line, s.reason)).collect();
        if self.skipped.len() > 5 {
            notes.push(format!("{}: {} more lines skipped", path.display(), self.skipped.len() - 5));
        }
        notes
    }
}

fn number_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(normalize_persian(s.trim(), NormalizeOptions::default())),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn question_from(v: &Value, line: usize) -> std::result::Result<Question, String> {
    let question = v["question"].as_str().ok_or("field `question` is missing or not text")?.trim().to_string();
    if question.is_empty() {
        return Err("the question is empty".into());
    }
    let choices_value = if v["candidates"].is_null() { &v["choices"] } else { &v["candidates"] };
    let choices: Vec<String> = match choices_value {
        Value::Null => vec![],
        Value::Array(a) => a.iter().map(|c| c.as_str().map(str::to_string).ok_or("a choice is not text")).collect::<std::result::Result<_, _>>()?,
        _ => return Err("field `candidates`/`choices` is not a list".into()),
    };
    let raw_answer = number_text(&v["answer"]).ok_or("field `answer` is missing")?;
    let answer = if choices.is_empty() {
        Answer::Number(raw_answer.replace(',', "").parse().map_err(|_| format!("answer `{raw_answer}` is not a number"))?)
    } else {
        let k: usize = raw_answer.parse().map_err(|_| format!("answer `{raw_answer}` is not a choice number"))?;
        if k == 0 || k > choices.len() {
            return Err(format!("answer {k} is outside the {} choices", choices.len()));
        }
        Answer::Choice(k)
    };
    let id = match &v["id"] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => format!("line-{line}"),
    };
    Ok(Question { id, question, choices, answer, category: v["category"].as_str().map(str::to_string) })
}

/// Questions from a JSONL file, one object per line (blank lines ignored).
pub fn read_questions(path: &Path) -> Result<Read<Question>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut out = Read { items: vec![], skipped: vec![] };
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() {
            continue;
        }
        let parsed = serde_json::from_str::<Value>(line).map_err(|e| format!("not a JSON object ({e})")).and_then(|v| question_from(&v, line_no));
        match parsed {
            Ok(q) => out.items.push(q),
            Err(reason) => out.skipped.push(Skipped { line: line_no, reason }),
        }
    }
    if out.items.is_empty() {
        bail!("{} has no usable questions ({} line(s) skipped{})", path.display(), out.skipped.len(), out.skipped.first().map(|s| format!("; line {}: {}", s.line, s.reason)).unwrap_or_default());
    }
    Ok(out)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Labelled {
    pub text: String,
    pub label: String,
}

/// `text`/`label` pairs from JSONL (`.jsonl`) or CSV with a header naming both columns.
pub fn read_labelled(path: &Path) -> Result<Read<Labelled>> {
    let is_csv = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let mut out = Read { items: vec![], skipped: vec![] };
    if is_csv {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_path(path).with_context(|| format!("reading {}", path.display()))?;
        let headers = reader.headers().with_context(|| format!("{}: the header line", path.display()))?.clone();
        let col = |name: &str| headers.iter().position(|h| h.trim().trim_start_matches('\u{feff}').eq_ignore_ascii_case(name));
        let (Some(t), Some(l)) = (col("text"), col("label")) else {
            bail!("{}: the header must name a `text` and a `label` column (it has: {})", path.display(), headers.iter().collect::<Vec<_>>().join(", "));
        };
        for (i, record) in reader.records().enumerate() {
            let line_no = i + 2;
            match record {
                Ok(r) => match (r.get(t).map(str::trim), r.get(l).map(str::trim)) {
                    (Some(text), Some(label)) if !text.is_empty() && !label.is_empty() => out.items.push(Labelled { text: text.into(), label: label.into() }),
                    _ => out.skipped.push(Skipped { line: line_no, reason: "empty or missing `text` or `label`".into() }),
                },
                Err(e) => out.skipped.push(Skipped { line: line_no, reason: format!("not a CSV record ({e})") }),
            }
        }
    } else {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        for (i, line) in text.lines().enumerate() {
            let line = line.trim().trim_start_matches('\u{feff}');
            if line.is_empty() {
                continue;
            }
            let item = serde_json::from_str::<Value>(line).map_err(|e| format!("not a JSON object ({e})")).and_then(|v| {
                let text = v["text"].as_str().map(str::trim).filter(|s| !s.is_empty()).ok_or("field `text` is missing or empty")?;
                let label = match &v["label"] {
                    Value::String(s) if !s.trim().is_empty() => s.trim().to_string(),
                    Value::Number(n) => n.to_string(),
                    _ => return Err("field `label` is missing".to_string()),
                };
                Ok(Labelled { text: text.into(), label })
            });
            match item {
                Ok(x) => out.items.push(x),
                Err(reason) => out.skipped.push(Skipped { line: i + 1, reason }),
            }
        }
    }
    if out.items.is_empty() {
        bail!("{} has no usable rows ({} skipped)", path.display(), out.skipped.len());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsinlu_lines_and_bad_lines_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mc.jsonl");
        let lines = [
            r#"{"question": "۲+۲ چند است؟", "candidates": ["۳", "۴", "۵", "۶"], "answer": "2", "category": "math_and_logic", "id": "q1"}"#,
            r#"{"question": "کدام بزرگ‌تر است؟", "candidates": ["۱", "۲", "۳", "۴"], "answer": "۴", "category": "math_and_logic", "id": "q2"}"#,
            "",
            r#"{"question": "", "candidates": ["a", "b"], "answer": "1"}"#,
            r#"{"question": "x", "candidates": ["a", "b"], "answer": "3"}"#,
            r#"{"candidates": ["a", "b"], "answer": "1"}"#,
            r#"{"question": "۵ × ۳؟", "answer": "۱۵"}"#,
            "not json",
        ];
        std::fs::write(&path, lines.join("\n")).unwrap();
        let read = read_questions(&path).unwrap();
        assert_eq!(read.items.len(), 3);
        assert_eq!(read.items[1].answer, Answer::Choice(4), "a Persian-digit answer");
        assert_eq!(read.items[2].answer, Answer::Number(15.0), "no choices: a numeric question");
        let reasons: Vec<(usize, &str)> = read.skipped.iter().map(|s| (s.line, s.reason.as_str())).collect();
        assert_eq!(reasons.len(), 4);
        assert_eq!(reasons[0], (4, "the question is empty"));
        assert_eq!(reasons[1], (5, "answer 3 is outside the 2 choices"));
        assert!(reasons[2].0 == 6 && reasons[2].1.contains("question"));
        assert!(reasons[3].0 == 8 && reasons[3].1.contains("not a JSON object"));
    }

    #[test]
    fn labelled_text_from_jsonl_and_csv() {
        let dir = tempfile::tempdir().unwrap();
        let jsonl = dir.path().join("s.jsonl");
        std::fs::write(&jsonl, "{\"text\": \"عالی بود\", \"label\": 1}\n{\"text\": \"\", \"label\": 0}\n{\"text\": \"بد\", \"label\": \"neg\"}\n").unwrap();
        let r = read_labelled(&jsonl).unwrap();
        assert_eq!(r.items.iter().map(|x| x.label.as_str()).collect::<Vec<_>>(), vec!["1", "neg"]);
        assert_eq!(r.skipped[0].line, 2);
        let csv = dir.path().join("s.csv");
        std::fs::write(&csv, "\u{feff}label,text\n1,\"خوب بود، ممنون\"\n0,\n").unwrap();
        let r = read_labelled(&csv).unwrap();
        assert_eq!(r.items, vec![Labelled { text: "خوب بود، ممنون".into(), label: "1".into() }]);
        assert_eq!(r.skipped[0].line, 3);
        let bad = dir.path().join("b.csv");
        std::fs::write(&bad, "sentence,y\nx,1\n").unwrap();
        assert!(format!("{:#}", read_labelled(&bad).unwrap_err()).contains("`text` and a `label`"));
    }
}
