//! CLIP tokenizer parity: ids identical to open_clip's SimpleTokenizer on thousands of
//! strings (class names, every template, punctuation, many scripts, emoji, entities).
mod common;
use adaptlab::tokenize::ClipTokenizer;

#[test]
fn ids_match_open_clip() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tokens.json");
    common::python::run_reference("tokenizer_reference.py", &[out.to_str().unwrap()]);
    let reference: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let cases = reference["cases"].as_array().unwrap();
    assert!(cases.len() > 4000, "the corpus has {} strings", cases.len());
    let skipped = reference["skipped_mojibake"].as_u64().unwrap();
    assert!(skipped * 100 < cases.len() as u64, "only a few strings may depend on mojibake repair ({skipped})");
    let tokenizer = ClipTokenizer::get();
    let mut failures = Vec::new();
    for case in cases {
        let text = case["text"].as_str().unwrap();
        let expected: Vec<i64> = case["ids"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
        let ours = tokenizer.tokenize(text, 77);
        if ours != expected {
            failures.push(format!("{text:?}\n  open_clip {expected:?}\n  adaptlab  {ours:?}"));
        }
    }
    assert!(failures.is_empty(), "{} of {} differ, first ones:\n{}", failures.len(), cases.len(), failures.iter().take(5).cloned().collect::<Vec<_>>().join("\n"));
}
