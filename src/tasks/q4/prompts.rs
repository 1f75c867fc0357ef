//! Prompts for the reasoning methods. Base models get plain text in the shape of the
//! papers' "Q: ... A:" prompts, written with the suite's cues; instruct models get their
//! chat template, the question as the user's turn and the method's opening words as
//! the start of the assistant's turn (Kojima et al.'s trigger goes where the answer starts).
use super::data::Question;
use super::params::{Cues, Method};
use crate::data::persian_corpus::persian_number;
use crate::tokenize::chat::Message;
use crate::tokenize::hf::HfTokenizer;
use anyhow::Result;

/// A worked example shown before the question: the text that follows the reasoning cue.
#[derive(Debug, Clone, PartialEq)]
pub struct Shot {
    pub question: Question,
    pub rationale: String,
}

/// The question with its numbered choices, one per line.
pub fn question_text(q: &Question) -> String {
    let mut text = q.question.trim().to_string();
    for (i, c) in q.choices.iter().enumerate() {
        text.push_str(&format!("\n{}) {}", persian_number(i as i64 + 1), c.trim()));
    }
    text
}

pub struct Prompter<'a> {
    pub cues: &'a Cues,
    pub chat: bool,
    pub tokenizer: &'a HfTokenizer,
}

impl Prompter<'_> {
    /// What the model's answer starts with for `method` (shown with the output).
    pub fn opening(&self, method: Method) -> String {
        match method {
            Method::ZeroShotCot => self.cues.trigger.clone(),
            Method::ZeroShotCotEn => self.cues.trigger_en.clone(),
            _ => String::new(),
        }
    }

    fn plain(&self, method: Method, q: &Question, shots: &[Shot]) -> String {
        let c = self.cues;
        let asked = format!("{} {}", c.question, question_text(q));
        match method {
            Method::Direct => format!("{asked} {}", c.direct),
            Method::ZeroShotCot | Method::ZeroShotCotEn => format!("{asked} {} {}", c.reasoning, self.opening(method)),
            Method::FewShotCot | Method::SelfConsistency => {
                let mut text: String = shots.iter().map(|s| format!("{} {} {} {}\n", c.question, question_text(&s.question), c.reasoning, s.rationale.trim())).collect();
                text.push_str(&format!("{asked} {}", c.reasoning));
                text
            }
        }
    }

    fn chat(&self, method: Method, q: &Question, shots: &[Shot]) -> Result<String> {
        let c = self.cues;
        let ask = if method == Method::Direct { &c.ask_direct } else { &c.ask_reasoning };
        let user = |q: &Question| Message::new("user", &format!("{}\n{}", question_text(q), ask));
        let mut messages = Vec::new();
        if matches!(method, Method::FewShotCot | Method::SelfConsistency) {
            for s in shots {
                messages.push(user(&s.question));
                messages.push(Message::new("assistant", s.rationale.trim()));
            }
        }
        messages.push(user(q));
        let rendered = self.tokenizer.render_chat(&messages, true)?;
        Ok(format!("{rendered}{}", self.opening(method)))
    }

    /// The prompt's text and token ids.
    pub fn build(&self, method: Method, q: &Question, shots: &[Shot]) -> Result<(String, Vec<i64>)> {
        if self.chat {
            let text = self.chat(method, q, shots)?;
            let ids = self.tokenizer.encode(&text, false)?;
            Ok((text, ids))
        } else {
            let text = self.plain(method, q, shots);
            let ids = self.tokenizer.encode(&text, true)?;
            Ok((text, ids))
        }
    }

    /// Where generation stops besides EOS: plain prompts at the next question.
    pub fn stops(&self, method: Method) -> Vec<String> {
        if self.chat {
            return vec![];
        }
        let mut stops = vec![format!("\n{}", self.cues.question), self.cues.question.clone()];
        if method == Method::Direct {
            stops.push("\n".into());
        }
        stops
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tasks::q4::data::Answer;

    fn q(text: &str, choices: &[&str]) -> Question {
        Question { id: "x".into(), question: text.into(), choices: choices.iter().map(|s| s.to_string()).collect(), answer: Answer::Choice(1), category: None }
    }

    #[test]
    fn plain_prompts_follow_the_cues() {
        let tok = HfTokenizer::from_tokenizer(crate::zoo::demo_lm::train_tokenizer(&["سوال پاسخ".to_string()], 300).unwrap());
        let cues = Cues::default();
        let p = Prompter { cues: &cues, chat: false, tokenizer: &tok };
        let question = q("کدام؟", &["الف", "ب"]);
        assert_eq!(p.plain(Method::Direct, &question, &[]), "سوال: کدام؟\n۱) الف\n۲) ب پاسخ:");
        assert!(p.plain(Method::ZeroShotCotEn, &question, &[]).ends_with("پاسخ: Let's think step by step."));
        let shot = Shot { question: q("۲+۲؟", &[]), rationale: "۲+۲=۴. پاسخ ۴".into() };
        let few = p.plain(Method::FewShotCot, &question, &[shot]);
        assert!(few.starts_with("سوال: ۲+۲؟ پاسخ: ۲+۲=۴. پاسخ ۴\nسوال: کدام؟"), "{few}");
        assert!(few.ends_with("پاسخ:"));
        assert!(p.stops(Method::Direct).contains(&"\n".to_string()));
    }

    #[test]
    fn chat_prompts_use_the_template_and_open_the_assistant_turn() {
        let mut tok = HfTokenizer::from_tokenizer(crate::zoo::demo_lm::train_tokenizer(&["سوال پاسخ".to_string()], 300).unwrap());
        let source = include_str!("../../../tests/fixtures/chat_templates/qwen2_5.jinja").to_string();
        tok.chat_template = Some(crate::tokenize::chat::ChatTemplate::new(source, vec![]));
        let cues = Cues::default();
        let p = Prompter { cues: &cues, chat: true, tokenizer: &tok };
        let question = q("کدام؟", &["الف", "ب"]);
        let (direct, _) = p.build(Method::Direct, &question, &[]).unwrap();
        assert!(direct.contains("<|im_start|>user\nکدام؟\n۱) الف\n۲) ب\nفقط پاسخ نهایی را بنویس.<|im_end|>"), "{direct}");
        assert!(direct.ends_with("<|im_start|>assistant\n"), "{direct}");
        let (cot, _) = p.build(Method::ZeroShotCot, &question, &[]).unwrap();
        assert!(cot.ends_with("<|im_start|>assistant\nبیایید گام به گام فکر کنیم."), "the trigger opens the answer: {cot}");
        let shot = Shot { question: q("۲+۲؟", &[]), rationale: "۲+۲=۴. پاسخ: ۴".into() };
        let (few, _) = p.build(Method::FewShotCot, &question, &[shot]).unwrap();
        assert!(few.contains("<|im_start|>assistant\n۲+۲=۴. پاسخ: ۴<|im_end|>"), "the exemplar is an earlier turn: {few}");
        assert!(p.stops(Method::Direct).is_empty(), "chat turns end with EOS");
    }
}
