//! Hugging Face tokenizers: `tokenizer.json` through the `tokenizers` crate (the same
//! code as the Python package), with `tokenizer_config.json`'s special tokens and chat
//! template beside it.
use super::chat::{ChatTemplate, Message};
use anyhow::{bail, Context, Result};
use serde_json::Value;
use std::path::Path;

pub struct HfTokenizer {
    inner: tokenizers::Tokenizer,
    /// Special tokens by role (bos_token, eos_token, pad_token, unk_token), as text.
    pub special: Vec<(String, String)>,
    pub chat_template: Option<ChatTemplate>,
}

/// A special token in tokenizer_config.json: a string or an AddedToken object.
fn token_text(v: &Value) -> Option<String> {
    v.as_str().map(String::from).or_else(|| v["content"].as_str().map(String::from))
}

impl HfTokenizer {
    /// `tokenizer.json` (required) and `tokenizer_config.json` / `chat_template.jinja` (optional) in `dir`.
    pub fn from_dir(dir: &Path) -> Result<Self> {
        let path = dir.join("tokenizer.json");
        if !path.is_file() {
            bail!(
                "{} is missing; adaptlab reads Hugging Face fast tokenizers (tokenizer.json). For a model that ships only \
                 vocab.json/merges.txt or a SentencePiece model, save it once with transformers: \
                 AutoTokenizer.from_pretrained(...).save_pretrained(dir)",
                path.display()
            );
        }
        // The tokenizers crate panics on some malformed files; that is an error here.
        let inner = crate::guard::catch_reader_panic(&path.display().to_string(), || {
            tokenizers::Tokenizer::from_file(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
        })?;
        let config_path = dir.join("tokenizer_config.json");
        let config: Value = match std::fs::read_to_string(&config_path) {
            Ok(text) => serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", config_path.display()))?,
            Err(_) => Value::Null,
        };
        let special: Vec<(String, String)> = ["bos_token", "eos_token", "pad_token", "unk_token"]
            .iter()
            .filter_map(|k| token_text(&config[*k]).map(|t| (k.to_string(), t)))
            .collect();
        let template_source = match std::fs::read_to_string(dir.join("chat_template.jinja")) {
            Ok(t) => Some(t),
            Err(_) => match &config["chat_template"] {
                Value::String(s) => Some(s.clone()),
                // A list of named templates: the "default" one is used for chat.
                Value::Array(list) => list.iter().find(|t| t["name"] == "default").and_then(|t| t["template"].as_str()).map(String::from),
                _ => None,
            },
        };
        let chat_template = template_source.map(|s| ChatTemplate::new(s, special.clone()));
        Ok(Self { inner, special, chat_template })
    }

    pub fn from_tokenizer(inner: tokenizers::Tokenizer) -> Self {
        Self { inner, special: vec![], chat_template: None }
    }

    pub fn inner(&self) -> &tokenizers::Tokenizer {
        &self.inner
    }

    /// Token ids of `text`; `add_special` adds what the post-processor adds (Llama's BOS).
    pub fn encode(&self, text: &str, add_special: bool) -> Result<Vec<i64>> {
        let enc = self.inner.encode(text, add_special).map_err(|e| anyhow::anyhow!("tokenizing: {e}"))?;
        Ok(enc.get_ids().iter().map(|&i| i as i64).collect())
    }

    pub fn decode(&self, ids: &[i64], skip_special: bool) -> String {
        let ids: Vec<u32> = ids.iter().filter(|&&i| i >= 0).map(|&i| i as u32).collect();
        self.inner.decode(&ids, skip_special).unwrap_or_default()
    }

    pub fn token_id(&self, token: &str) -> Option<i64> {
        self.inner.token_to_id(token).map(i64::from)
    }

    pub fn id_to_token(&self, id: i64) -> Option<String> {
        u32::try_from(id).ok().and_then(|i| self.inner.id_to_token(i))
    }

    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// The id of a special token by role (`eos_token`...), when the config names one.
    pub fn special_id(&self, role: &str) -> Option<i64> {
        self.special.iter().find(|(r, _)| r == role).and_then(|(_, t)| self.token_id(t))
    }

    /// The chat template applied to `messages`, as transformers' `apply_chat_template(tokenize=False)`.
    pub fn render_chat(&self, messages: &[Message], add_generation_prompt: bool) -> Result<String> {
        let t = self.chat_template.as_ref().context("this tokenizer has no chat template (tokenizer_config.json has no `chat_template`); use a plain prompt without --chat")?;
        t.render(messages, add_generation_prompt)
    }
}
