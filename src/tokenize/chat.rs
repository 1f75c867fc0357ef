//! Chat templates: the Jinja source in tokenizer_config.json rendered with minijinja the
//! way transformers renders it (trim_blocks, lstrip_blocks, Python string methods,
//! `raise_exception`, `strftime_now`, the special tokens as variables).
use anyhow::{anyhow, Result};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub role: String,
    pub content: String,
}

impl Message {
    pub fn new(role: &str, content: &str) -> Self {
        Self { role: role.into(), content: content.into() }
    }
}

pub struct ChatTemplate {
    source: String,
    special: Vec<(String, String)>,
}

fn raise_exception(message: String) -> Result<String, minijinja::Error> {
    Err(minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, message))
}

/// Today's date in a strftime format (Llama 3.1's template puts it in the system prompt).
fn strftime_now(format: String) -> String {
    let now = time::OffsetDateTime::now_utc();
    let month = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"][now.month() as usize - 1];
    format
        .replace("%d", &format!("{:02}", now.day()))
        .replace("%b", &month[..3])
        .replace("%B", month)
        .replace("%Y", &now.year().to_string())
        .replace("%m", &format!("{:02}", now.month() as u8))
}

impl ChatTemplate {
    pub fn new(source: String, special: Vec<(String, String)>) -> Self {
        Self { source, special }
    }

    pub fn render(&self, messages: &[Message], add_generation_prompt: bool) -> Result<String> {
        let mut env = minijinja::Environment::new();
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function("raise_exception", raise_exception);
        env.add_function("strftime_now", strftime_now);
        let mut ctx = serde_json::Map::new();
        ctx.insert("messages".into(), serde_json::to_value(messages)?);
        ctx.insert("add_generation_prompt".into(), add_generation_prompt.into());
        for (role, text) in &self.special {
            ctx.insert(role.clone(), text.clone().into());
        }
        env.render_str(&self.source, serde_json::Value::Object(ctx)).map_err(|e| anyhow!("rendering the chat template: {e:#}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_with_generation_prompt_and_raises_as_templates_ask() {
        let t = ChatTemplate::new(
            "{% for m in messages %}{% if m.role not in ['user', 'assistant'] %}{{ raise_exception('bad role') }}{% endif %}<|{{ m.role }}|>{{ m['content'] | trim }}{{ eos_token }}\n{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}".into(),
            vec![("eos_token".into(), "</s>".into())],
        );
        let out = t.render(&[Message::new("user", " سلام ")], true).unwrap();
        assert_eq!(out, "<|user|>سلام</s>\n<|assistant|>");
        let e = t.render(&[Message::new("tool", "x")], false).unwrap_err();
        assert!(format!("{e:#}").contains("bad role"));
    }
}
