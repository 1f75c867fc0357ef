//! Hugging Face tokenizers and chat templates against the Python libraries: tokenizers
//! trained by the reference script on Persian text in four layouts (GPT-2 byte-level,
//! Qwen2 and Llama-3 split + byte-level, Llama-2 SentencePiece-style with byte fallback),
//! on strings with ZWNJ, Arabic and Persian yeh/kaf, Persian and Arabic-Indic digits, emoji
//! and Latin; and Qwen2.5- and Llama-3-style chat templates against apply_chat_template.
mod common;
use adaptlab::tokenize::chat::Message;
use adaptlab::tokenize::hf::HfTokenizer;
use serde_json::Value;

#[test]
fn tokenizers_and_chat_templates_match_transformers() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    common::python::run_reference("lm_reference.py", &["tokenizers", root.to_str().unwrap()]);
    let reference: Value = serde_json::from_str(&std::fs::read_to_string(root.join("tokenizers.json")).unwrap()).unwrap();
    let texts: Vec<String> = serde_json::from_value(reference["texts"].clone()).unwrap();
    let mut templates = 0;
    for name in ["gpt2", "qwen2", "llama3", "sentencepiece"] {
        let tok = HfTokenizer::from_dir(&root.join(format!("tok_{name}"))).unwrap();
        for (i, text) in texts.iter().enumerate() {
            let want: Vec<i64> = serde_json::from_value(reference["ids"][name][i].clone()).unwrap();
            assert_eq!(tok.encode(text, true).unwrap(), want, "{name}: ids of {text:?} with special tokens");
            let plain: Vec<i64> = serde_json::from_value(reference["ids_plain"][name][i].clone()).unwrap();
            assert_eq!(tok.encode(text, false).unwrap(), plain, "{name}: ids of {text:?}");
            assert_eq!(tok.decode(&plain, false), reference["decoded"][name][i].as_str().unwrap(), "{name}: decode of {text:?}");
        }
        let Some(chats) = reference["chat"][name].as_array() else { continue };
        for case in chats {
            let messages: Vec<Message> = serde_json::from_value(case["messages"].clone()).unwrap();
            let generation = case["generation_prompt"].as_bool().unwrap();
            let text = tok.render_chat(&messages, generation).unwrap();
            assert_eq!(text, case["text"].as_str().unwrap(), "{name}: chat template, generation prompt {generation}");
            let ids: Vec<i64> = serde_json::from_value(case["ids"].clone()).unwrap();
            assert_eq!(tok.encode(&text, false).unwrap(), ids, "{name}: chat ids (the template writes BOS itself)");
            templates += 1;
        }
    }
    assert_eq!(templates, 8, "two conversations, with and without the generation prompt, for both templates");
}

#[test]
fn a_missing_tokenizer_file_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let e = HfTokenizer::from_dir(dir.path()).err().expect("no tokenizer.json");
    let msg = format!("{e:#}");
    assert!(msg.contains("tokenizer.json") && msg.contains("save_pretrained"), "{msg}");
}
