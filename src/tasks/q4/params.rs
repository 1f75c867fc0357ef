//! Params of Q4's two tasks: `prompt_tuning` (soft prompts against hard prompts, in-context
//! examples and LoRA on one frozen LM) and `reasoning` (direct answers, chain of thought
//! and self-consistency on one LM).
use crate::spec::validate::{Validate, Violations};
use crate::zoo::lm::Precision;
use serde::{Deserialize, Serialize};

/// How a virtual token starts: PEFT's TEXT (the instruction's token embeddings) or RANDOM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Init {
    Text,
    Random,
    /// Embeddings of tokens drawn from the vocabulary (PEFT's SAMPLE_VOCAB).
    Vocab,
}

impl Init {
    pub fn key(self) -> &'static str {
        match self {
            Init::Text => "text",
            Init::Random => "random",
            Init::Vocab => "vocab",
        }
    }
}

/// One label of the data and the word that stands for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verbaliser {
    /// The label as the data writes it (`0`, `1`, `positive` ...).
    pub label: String,
    /// The word the model should say for it; scored with a leading space.
    pub word: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainParams {
    pub steps: u32,
    pub batch_size: u32,
    pub lr: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LmLoraParams {
    pub r: i64,
    pub alpha: f64,
    pub steps: u32,
    pub batch_size: u32,
    pub lr: f64,
}

impl Default for LmLoraParams {
    fn default() -> Self {
        Self { r: 8, alpha: 16.0, steps: 200, batch_size: 8, lr: 1e-3 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PromptTuningParams {
    /// `demo` (the tiny Persian GPT-2, built on first use), a hub name `ORG/NAME[@REV]` or
    /// a model folder.
    pub model: String,
    pub precision: Precision,
    /// `demo` (generated reviews), `sentiment-dksf` (after `adaptlab fetch sentiment-dksf`)
    /// or a JSONL/CSV file with `text` and `label` (a `<name>.test.<ext>` beside a
    /// `<name>.train.<ext>` is its test set; otherwise a share is held out).
    pub dataset: String,
    /// Demo only: generated training and test reviews.
    pub demo_train: u32,
    pub demo_test: u32,
    /// Share held out for testing when the data has no test file.
    pub holdout: f64,
    /// Examples used at most (0: all), spread over the labels.
    pub train_limit: u32,
    pub test_limit: u32,
    pub labels: Vec<Verbaliser>,
    /// What every method sees for one example; `{text}` is replaced by the example.
    pub template: String,
    /// The hard prompt placed before the template (zero-shot and in-context); also the
    /// text a TEXT-initialised soft prompt starts from.
    pub instruction: String,
    /// In-context examples per prompt (balanced over labels, seeded); 0 is zero-shot.
    pub shots: Vec<u32>,
    /// Virtual tokens of each soft prompt.
    pub lengths: Vec<u32>,
    pub inits: Vec<Init>,
    pub train: TrainParams,
    /// The LoRA reference on the same LM (omit to skip it).
    pub lora: Option<LmLoraParams>,
    /// Vocabulary tokens listed per virtual token in the interpretation table.
    pub nearest: u32,
    pub eval_batch: u32,
}

impl Default for PromptTuningParams {
    fn default() -> Self {
        Self {
            model: "demo".into(),
            precision: Precision::Fp32,
            dataset: "demo".into(),
            demo_train: 256,
            demo_test: 200,
            holdout: 0.2,
            train_limit: 0,
            test_limit: 0,
            labels: vec![Verbaliser { label: "0".into(), word: "منفی".into() }, Verbaliser { label: "1".into(), word: "مثبت".into() }, Verbaliser { label: "2".into(), word: "خنثی".into() }],
            template: "{text} =>".into(),
            instruction: "احساس این نظر مثبت است یا منفی؟".into(),
            shots: vec![0, 4, 8],
            lengths: vec![1, 5, 20, 50],
            inits: vec![Init::Text, Init::Random],
            train: TrainParams { steps: 100, batch_size: 8, lr: 0.03 },
            lora: Some(LmLoraParams::default()),
            nearest: 5,
            eval_batch: 16,
        }
    }
}

impl Default for TrainParams {
    fn default() -> Self {
        Self { steps: 100, batch_size: 8, lr: 0.03 }
    }
}

impl Validate for PromptTuningParams {
    fn validate(&self, v: &mut Violations) {
        if self.model.trim().is_empty() {
            v.push("model", "no model named", Some("`demo`, a hub name like HooshvareLab/gpt2-fa, or a model folder".into()));
        }
        if !self.template.contains("{text}") {
            v.push("template", "the template has no `{text}`", Some("write where the example goes, e.g. \"{text} =>\"".into()));
        }
        if self.labels.len() < 2 {
            v.push("labels", "a verbaliser needs at least two labels", Some("list {label, word} pairs, e.g. {label: \"1\", word: مثبت}".into()));
        }
        for (i, l) in self.labels.iter().enumerate() {
            if l.word.trim().is_empty() {
                v.push(&format!("labels[{i}].word"), "the label word is empty", None);
            }
            if self.labels[..i].iter().any(|o| o.label == l.label) {
                v.push(&format!("labels[{i}].label"), format!("label `{}` is listed twice", l.label), None);
            }
        }
        if self.lengths.iter().any(|&n| n == 0 || n > 512) {
            v.push("lengths", "virtual tokens must be between 1 and 512", None);
        }
        if self.lengths.is_empty() && self.shots.is_empty() && self.lora.is_none() {
            v.push("lengths", "nothing to compare: no soft prompt, no shots and no LoRA", None);
        }
        if !self.lengths.is_empty() && self.inits.is_empty() {
            v.push("inits", "soft prompts need at least one init", Some("text, random or vocab".into()));
        }
        if self.inits.contains(&Init::Text) && self.instruction.trim().is_empty() {
            v.push("instruction", "TEXT init needs an instruction to start from", None);
        }
        if self.shots.iter().any(|&k| k > 64) {
            v.push("shots", "more than 64 in-context examples", Some("context is the limit; 4 and 8 are the usual".into()));
        }
        v.range("train.steps", self.train.steps, 1, 1_000_000);
        v.range("train.batch_size", self.train.batch_size, 1, 4096);
        v.positive("train.lr", self.train.lr, 10.0);
        if let Some(l) = &self.lora {
            v.range("lora.r", l.r, 1, 1024);
            v.range("lora.steps", l.steps, 1, 1_000_000);
            v.range("lora.batch_size", l.batch_size, 1, 4096);
            v.positive("lora.lr", l.lr, 10.0);
        }
        if self.dataset == "demo" {
            v.range("demo_train", self.demo_train, 8, 100_000);
            v.range("demo_test", self.demo_test, 8, 100_000);
        }
        v.positive("holdout", self.holdout, 0.9);
        v.range("nearest", self.nearest, 1, 50);
        v.range("eval_batch", self.eval_batch, 1, 4096);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The answer right after the question.
    Direct,
    /// Kojima et al.'s trigger, in Persian.
    ZeroShotCot,
    /// The same with the English trigger "Let's think step by step."
    ZeroShotCotEn,
    /// Worked exemplars before the question (from `exemplars`, else Auto-CoT).
    FewShotCot,
    /// Sampled chains and a majority vote.
    SelfConsistency,
}

impl Method {
    pub fn key(self) -> &'static str {
        match self {
            Method::Direct => "direct",
            Method::ZeroShotCot => "zero_shot_cot",
            Method::ZeroShotCotEn => "zero_shot_cot_en",
            Method::FewShotCot => "few_shot_cot",
            Method::SelfConsistency => "self_consistency",
        }
    }
}

/// How prompts are written: plain text for base models, the tokenizer's chat template for
/// instruct models (`auto`: the template when the tokenizer has one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Style {
    Auto,
    Plain,
    Chat,
}

/// A worked example written in the suite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exemplar {
    pub question: String,
    #[serde(default)]
    pub choices: Vec<String>,
    pub rationale: String,
    /// The final answer (a choice number or a number).
    pub answer: String,
}

/// The words prompts are built from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Cues {
    /// Before the question ("سوال:").
    pub question: String,
    /// Before an immediate answer.
    pub direct: String,
    /// Before a worked answer.
    pub reasoning: String,
    /// Zero-shot chain-of-thought triggers.
    pub trigger: String,
    pub trigger_en: String,
    /// Chat only: what the user message asks for, after the question.
    pub ask_direct: String,
    pub ask_reasoning: String,
}

impl Default for Cues {
    fn default() -> Self {
        Self {
            question: "سوال:".into(),
            direct: "پاسخ:".into(),
            reasoning: "پاسخ:".into(),
            trigger: "بیایید گام به گام فکر کنیم.".into(),
            trigger_en: "Let's think step by step.".into(),
            ask_direct: "فقط پاسخ نهایی را بنویس.".into(),
            ask_reasoning: "در پایان، پاسخ نهایی را به شکل «پاسخ: ...» بنویس.".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SelfConsistencyParams {
    /// Chains sampled per question; accuracy is reported for every vote size in `votes`
    /// up to this, from the same samples.
    pub samples: u32,
    pub votes: Vec<u32>,
    pub temperature: f64,
    pub top_p: Option<f64>,
    /// The prompt the chains continue: `zero_shot_cot` or `few_shot_cot`.
    pub prompt: Method,
}

impl Default for SelfConsistencyParams {
    fn default() -> Self {
        Self { samples: 10, votes: vec![1, 3, 5, 10], temperature: 0.7, top_p: None, prompt: Method::ZeroShotCot }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReasoningParams {
    /// As for `prompt_tuning`.
    pub model: String,
    pub precision: Precision,
    /// `demo` (generated word problems), `parsinlu` (after `adaptlab fetch parsinlu`: the
    /// multiple-choice train and test files) or a JSONL file of questions (a
    /// `<name>.train.jsonl` beside it gives the exemplars' questions).
    pub dataset: String,
    /// Only questions of this category (ParsiNLU: `math_and_logic`).
    pub category: Option<String>,
    /// Test questions used (0: all), in file order.
    pub limit: u32,
    pub demo_train: u32,
    pub demo_test: u32,
    pub style: Style,
    pub methods: Vec<Method>,
    pub cues: Cues,
    /// Few-shot exemplars; when empty, Auto-CoT builds `auto_cot` of them.
    pub exemplars: Vec<Exemplar>,
    pub auto_cot: u32,
    pub max_new_tokens_direct: u32,
    pub max_new_tokens_cot: u32,
    pub self_consistency: SelfConsistencyParams,
    /// Prompts generated together.
    pub batch: u32,
    pub bootstrap: u32,
}

impl Default for ReasoningParams {
    fn default() -> Self {
        Self {
            model: "demo".into(),
            precision: Precision::Fp32,
            dataset: "demo".into(),
            category: None,
            limit: 0,
            demo_train: 64,
            demo_test: 100,
            style: Style::Auto,
            methods: vec![Method::Direct, Method::ZeroShotCot, Method::ZeroShotCotEn, Method::FewShotCot, Method::SelfConsistency],
            cues: Cues::default(),
            exemplars: vec![],
            auto_cot: 4,
            max_new_tokens_direct: 8,
            max_new_tokens_cot: 256,
            self_consistency: SelfConsistencyParams::default(),
            batch: 16,
            bootstrap: 2000,
        }
    }
}

impl Validate for ReasoningParams {
    fn validate(&self, v: &mut Violations) {
        if self.model.trim().is_empty() {
            v.push("model", "no model named", Some("`demo`, a hub name like Qwen/Qwen2.5-1.5B-Instruct, or a model folder".into()));
        }
        if self.methods.is_empty() {
            v.push("methods", "no method selected", Some("list some of direct, zero_shot_cot, zero_shot_cot_en, few_shot_cot, self_consistency".into()));
        }
        let sc = &self.self_consistency;
        if self.methods.contains(&Method::SelfConsistency) {
            v.range("self_consistency.samples", sc.samples, 1, 64);
            if sc.votes.iter().any(|&n| n == 0 || n > sc.samples) {
                v.push("self_consistency.votes", format!("vote sizes must be between 1 and samples ({})", sc.samples), None);
            }
            if sc.temperature <= 0.0 {
                v.push("self_consistency.temperature", "self-consistency samples its chains; the temperature must be above 0", Some("0.7 is the usual".into()));
            }
            if !matches!(sc.prompt, Method::ZeroShotCot | Method::FewShotCot) {
                v.push("self_consistency.prompt", "chains continue a chain-of-thought prompt", Some("zero_shot_cot or few_shot_cot".into()));
            }
        }
        for (i, e) in self.exemplars.iter().enumerate() {
            if e.question.trim().is_empty() || e.rationale.trim().is_empty() || e.answer.trim().is_empty() {
                v.push(&format!("exemplars[{i}]"), "an exemplar needs a question, a rationale and an answer", None);
            }
        }
        let uses_few_shot = self.methods.contains(&Method::FewShotCot) || (self.methods.contains(&Method::SelfConsistency) && sc.prompt == Method::FewShotCot);
        if uses_few_shot && self.exemplars.is_empty() {
            v.range("auto_cot", self.auto_cot, 1, 32);
        }
        v.range("max_new_tokens_direct", self.max_new_tokens_direct, 1, 4096);
        v.range("max_new_tokens_cot", self.max_new_tokens_cot, 1, 8192);
        v.range("batch", self.batch, 1, 1024);
        v.range("bootstrap", self.bootstrap, 100, 1_000_000);
        if self.dataset == "demo" {
            v.range("demo_train", self.demo_train, 1, 100_000);
            v.range("demo_test", self.demo_test, 1, 100_000);
        }
    }
}
