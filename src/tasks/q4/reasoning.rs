//! `reasoning`: one LM answering the same questions by each method: directly, with a
//! zero-shot chain of thought (a Persian trigger, and the English one), with worked
//! exemplars (written in the suite, or Auto-CoT: the model's own zero-shot chains on
//! training questions, kept when their answer is right) and with self-consistency (N
//! sampled chains and a majority vote, scored for every vote size from the same samples).
//! Each method: accuracy with a bootstrap interval, unreadable answers, generated tokens
//! and seconds per question, McNemar's test against the direct answer, and example chains.
use super::data::{read_questions, Answer, Question};
use super::extract::{extract_choice, extract_number};
use super::model;
use super::params::{Method, ReasoningParams, Style};
use super::prompts::{question_text, Prompter, Shot};
use crate::data::persian_corpus::{persian_number, word_problem};
use crate::data::rng::SplitMix64;
use crate::findings::Outcome;
use crate::nn::lm::generate::{GenEvent, Sampling};
use crate::results::{ColumnKind, ResultTable};
use crate::significance::{bootstrap_accuracy, discordant, majority, mcnemar_exact};
use crate::tasks::registry::Task;
use crate::tasks::TaskContext;
use crate::zoo::lm::LoadedLm;
use anyhow::{bail, Context, Result};
use serde::Serialize;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Instant;

pub struct Reasoning;

impl Task for Reasoning {
    type Params = ReasoningParams;
    const KIND: &'static str = "reasoning";
    const QUESTION: Option<u8> = Some(4);
    const SUMMARY: &'static str = "direct answers, chain of thought, few-shot and Auto-CoT exemplars, self-consistency";
    const ANSWERS: &'static [&'static str] = &["q4-reasoning"];
    const CODE_VERSION: u32 = 4;

    fn run(p: &Self::Params, ctx: &TaskContext) -> Result<()> {
        run(p, ctx)
    }
}

/// A model answer read out of an output.
#[derive(Debug, Clone, PartialEq)]
enum Read {
    Choice(usize),
    Number(f64),
}

fn read_answer(q: &Question, output: &str) -> Option<Read> {
    if q.choices.is_empty() {
        extract_number(output).map(Read::Number)
    } else {
        extract_choice(output, &q.choices).map(Read::Choice)
    }
}

fn is_right(q: &Question, read: Option<&Read>) -> bool {
    match (&q.answer, read) {
        (Answer::Choice(k), Some(Read::Choice(c))) => k == c,
        (Answer::Number(x), Some(Read::Number(y))) => (x - y).abs() < 1e-6,
        _ => false,
    }
}

fn shown(read: Option<&Read>) -> String {
    match read {
        Some(Read::Choice(c)) => persian_number(*c as i64),
        Some(Read::Number(x)) if x.fract() == 0.0 => persian_number(*x as i64),
        Some(Read::Number(x)) => x.to_string(),
        None => "—".into(),
    }
}

fn truth(q: &Question) -> String {
    match q.answer {
        Answer::Choice(k) => persian_number(k as i64),
        Answer::Number(x) if x.fract() == 0.0 => persian_number(x as i64),
        Answer::Number(x) => x.to_string(),
    }
}

/// One generated answer.
#[derive(Debug, Clone)]
struct Answered {
    output: String,
    read: Option<Read>,
    tokens: usize,
    /// The prompt did not fit the context; nothing was generated.
    over_context: bool,
}

/// A method's answers to every test question.
struct MethodRun {
    method: Method,
    answers: Vec<Answered>,
    seconds: f64,
}

impl MethodRun {
    fn correct(&self, questions: &[Question]) -> Vec<bool> {
        self.answers.iter().zip(questions).map(|(a, q)| is_right(q, a.read.as_ref())).collect()
    }
}

struct Data {
    test: Vec<Question>,
    train: Vec<Question>,
    source: String,
    notes: Vec<String>,
}

fn demo_questions(n: u32, seed: u64, prefix: &str) -> Vec<Question> {
    let mut rng = SplitMix64::new(seed);
    (0..n)
        .map(|i| {
            let p = word_problem(&mut rng);
            Question { id: format!("{prefix}-{i}"), question: p.question, choices: vec![], answer: Answer::Number(p.answer as f64), category: None }
        })
        .collect()
}

/// The training file beside a question file: `x.test.jsonl` → `x.train.jsonl`, `x.jsonl` → `x.train.jsonl`.
fn train_sibling(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    let sibling = if name.contains(".test.") { name.replacen(".test.", ".train.", 1) } else { format!("{}.train.jsonl", name.trim_end_matches(".jsonl")) };
    let path = path.with_file_name(sibling);
    path.is_file().then_some(path)
}

fn read_file(path: &Path, category: Option<&str>, notes: &mut Vec<String>) -> Result<Vec<Question>> {
    let read = read_questions(path)?;
    notes.extend(read.skipped_notes(path));
    let items: Vec<Question> = read.items.into_iter().filter(|q| category.is_none_or(|c| q.category.as_deref() == Some(c))).collect();
    if items.is_empty() {
        bail!("{} has no questions of category `{}`", path.display(), category.unwrap_or_default());
    }
    Ok(items)
}

fn open(p: &ReasoningParams, ctx: &TaskContext) -> Result<Data> {
    let mut notes = Vec::new();
    let category = p.category.as_deref();
    let (mut test, train, source) = match p.dataset.as_str() {
        "demo" => (demo_questions(p.demo_test, ctx.seed ^ 0x7465_7374, "test"), demo_questions(p.demo_train, ctx.seed ^ 0x7472_6169, "train"), "generated_word_problems".to_string()),
        "parsinlu" => {
            let dir = crate::hub::q4_data::verify_parsinlu(&ctx.paths().cache)?;
            let test = read_file(&dir.join("test.jsonl"), category, &mut notes)?;
            let train = read_file(&dir.join("train.jsonl"), category, &mut notes)?;
            (test, train, "parsinlu_multiple_choice".to_string())
        }
        file => {
            let path = PathBuf::from(file);
            let test = read_file(&path, category, &mut notes)?;
            let train = match train_sibling(&path) {
                Some(t) => read_file(&t, category, &mut notes)?,
                None => vec![],
            };
            (test, train, path.display().to_string())
        }
    };
    if p.limit > 0 {
        test.truncate(p.limit as usize);
    }
    Ok(Data { test, train, source, notes })
}

struct Runner<'a> {
    p: &'a ReasoningParams,
    lm: &'a LoadedLm,
    prompter: Prompter<'a>,
    ctx: &'a TaskContext<'a>,
}

impl Runner<'_> {
    fn decode(&self, ids: &[i64]) -> String {
        self.lm.tokenizer.decode(ids, true)
    }

    /// `samples` answers per question to `method`'s prompts (greedy when `temperature` is 0).
    fn answer(&self, method: Method, questions: &[Question], shots: &[Shot], samples: usize, temperature: f64, label: &str) -> Result<Vec<Vec<Answered>>> {
        let cot = method != Method::Direct;
        let max_new = if cot { self.p.max_new_tokens_cot } else { self.p.max_new_tokens_direct } as usize;
        let context = self.lm.model.cfg.max_positions as usize;
        let prompts: Vec<Vec<i64>> = questions.iter().map(|q| self.prompter.build(method, q, shots).map(|(_, ids)| ids)).collect::<Result<_>>()?;
        self.ctx.value(&format!("prompt_tokens_{label}"), prompts.iter().map(Vec::len).sum::<usize>() as f64 / prompts.len().max(1) as f64);
        let fits: Vec<bool> = prompts.iter().map(|ids| ids.len() + max_new <= context).collect();
        let over = fits.iter().filter(|f| !**f).count();
        if over > 0 {
            let longest = prompts.iter().map(Vec::len).max().unwrap_or(0);
            self.ctx.warn(format!("{label}: {over} of {} prompts (the longest {longest} tokens) plus {max_new} new tokens exceed the model's context of {context}; they count as unanswered", prompts.len()));
        }
        let opening = self.prompter.opening(method);
        let sampling = Sampling {
            temperature,
            top_p: if temperature > 0.0 { self.p.self_consistency.top_p } else { None },
            max_new_tokens: max_new,
            n: samples,
            seed: self.ctx.seed ^ 0x5343,
            stop: self.prompter.stops(method),
            eos: self.lm.eos_ids(),
            ..Sampling::default()
        };
        let mut out: Vec<Vec<Answered>> = vec![Vec::new(); questions.len()];
        let fitting: Vec<usize> = (0..questions.len()).filter(|&i| fits[i]).collect();
        let mut done = 0;
        for chunk in fitting.chunks(self.p.batch.max(1) as usize) {
            self.ctx.check_cancelled()?;
            let batch: Vec<Vec<i64>> = chunk.iter().map(|&i| prompts[i].clone()).collect();
            let started = Instant::now();
            let mut produced = 0u64;
            let completions = self.lm.model.generate(&batch, &Sampling { seed: sampling.seed ^ chunk[0] as u64, ..sampling.clone() }, &|ids| self.decode(ids), &mut |e| {
                if let GenEvent::Token { prompt: 0, sample: 0, text } = e {
                    produced += 1;
                    self.ctx.generating(label, &format!("{opening}{text}"), produced, produced as f64 / started.elapsed().as_secs_f64().max(1e-9));
                }
            })?;
            for c in completions {
                let q = &questions[chunk[c.prompt]];
                let read = read_answer(q, &c.text);
                out[chunk[c.prompt]].push(Answered { output: format!("{opening}{}", c.text), read, tokens: c.tokens.len(), over_context: false });
            }
            done += chunk.len();
            self.ctx.progress(done as u64, fitting.len() as u64, "questions");
        }
        for (i, fit) in fits.iter().enumerate() {
            if !fit {
                out[i] = vec![Answered { output: String::new(), read: None, tokens: 0, over_context: true }; samples];
            }
        }
        Ok(out)
    }

    fn single(&self, method: Method, questions: &[Question], shots: &[Shot]) -> Result<MethodRun> {
        let start = Instant::now();
        let answers = self.ctx.stage(method.key(), || self.answer(method, questions, shots, 1, 0.0, method.key()))?;
        Ok(MethodRun { method, answers: answers.into_iter().map(|mut a| a.remove(0)).collect(), seconds: start.elapsed().as_secs_f64() })
    }

    /// Auto-CoT: the model's zero-shot chains on training questions, kept when right.
    fn auto_cot(&self, train: &[Question], k: usize) -> Result<Vec<Shot>> {
        let mut order: Vec<&Question> = train.iter().collect();
        SplitMix64::new(self.ctx.seed ^ 0x4155_544f).shuffle(&mut order);
        let candidates: Vec<Question> = order.into_iter().take(4 * k).cloned().collect();
        if candidates.is_empty() {
            bail!("Auto-CoT needs training questions and the data set has none; write `exemplars` in the suite");
        }
        let answers = self.ctx.stage("auto-cot", || self.answer(Method::ZeroShotCot, &candidates, &[], 1, 0.0, "auto-cot"))?;
        let right: Vec<Shot> = candidates
            .iter()
            .zip(answers)
            .filter(|(q, a)| is_right(q, a[0].read.as_ref()) && !a[0].output.trim().is_empty())
            .map(|(q, a)| Shot { question: q.clone(), rationale: a[0].output.clone() })
            .collect();
        self.ctx.log(format!("Auto-CoT: {} of {} candidate chains answered right; {} kept as exemplars", right.len(), candidates.len(), right.len().min(k)));
        let shots: Vec<Shot> = right.into_iter().take(k).collect();
        Ok(shots)
    }
}

fn written_shots(p: &ReasoningParams) -> Result<Vec<Shot>> {
    p.exemplars
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let answer = crate::tokenize::persian::normalize_persian(e.answer.trim(), Default::default());
            let answer = if e.choices.is_empty() {
                Answer::Number(answer.parse().with_context(|| format!("exemplars[{i}].answer `{}` is not a number", e.answer))?)
            } else {
                Answer::Choice(answer.parse().with_context(|| format!("exemplars[{i}].answer `{}` is not a choice number", e.answer))?)
            };
            Ok(Shot { question: Question { id: format!("exemplar-{i}"), question: e.question.clone(), choices: e.choices.clone(), answer, category: None }, rationale: e.rationale.clone() })
        })
        .collect()
}

#[derive(Debug, Default, Serialize)]
struct ReasoningFindings {
    cot_vs_direct: Option<Outcome>,
    /// McNemar p < 0.05 for zero-shot CoT against direct.
    cot_significant: Option<bool>,
    english_vs_persian_trigger: Option<Outcome>,
    few_shot_vs_zero_shot: Option<Outcome>,
    /// The largest vote against one sample.
    votes_vs_single: Option<Outcome>,
    /// The largest vote against the greedy chain of the same prompt.
    votes_vs_greedy: Option<Outcome>,
    /// Accuracy never fell by more than the tolerance as votes grew.
    votes_monotone: Option<bool>,
    /// The direct answers were mostly unreadable (over half).
    direct_mostly_unreadable: bool,
    chat: bool,
}

fn run(p: &ReasoningParams, ctx: &TaskContext) -> Result<()> {
    let data = ctx.stage("data", || open(p, ctx))?;
    for note in &data.notes {
        ctx.warn(note.clone());
    }
    let lm = model::load(&p.model, p.precision, ctx)?;
    let chat = match p.style {
        Style::Plain => false,
        Style::Chat => {
            if lm.tokenizer.chat_template.is_none() {
                bail!("`style: chat`, but {} has no chat template; use `style: plain` for a base model", p.model);
            }
            true
        }
        Style::Auto => lm.tokenizer.chat_template.is_some(),
    };
    let runner = Runner { p, lm: &lm, prompter: Prompter { cues: &p.cues, chat, tokenizer: &lm.tokenizer }, ctx };
    let questions = &data.test;
    ctx.value("model", p.model.clone());
    ctx.value("data_source", data.source.clone());
    ctx.value("questions", questions.len());
    ctx.value("multiple_choice", questions.iter().any(|q| !q.choices.is_empty()));
    ctx.value("style", if chat { "chat" } else { "plain" });
    ctx.value("skipped_notes", data.notes.len());

    let sc = &p.self_consistency;
    let needs_shots = p.methods.contains(&Method::FewShotCot) || (p.methods.contains(&Method::SelfConsistency) && sc.prompt == Method::FewShotCot);
    let shots = if !needs_shots {
        vec![]
    } else if !p.exemplars.is_empty() {
        written_shots(p)?
    } else {
        let shots = runner.auto_cot(&data.train, p.auto_cot as usize)?;
        ctx.value("auto_cot_kept", shots.len());
        ctx.value("auto_cot_wanted", p.auto_cot);
        shots
    };
    ctx.value("exemplars", shots.len());
    ctx.value("exemplars_source", if p.exemplars.is_empty() { "auto_cot" } else { "suite" });

    let mut runs: Vec<MethodRun> = Vec::new();
    for &method in &p.methods {
        if method == Method::SelfConsistency {
            continue;
        }
        if method == Method::FewShotCot && shots.is_empty() {
            ctx.warn("few-shot CoT skipped: Auto-CoT found no training question the model answered right");
            continue;
        }
        let run = runner.single(method, questions, &shots)?;
        let right = run.correct(questions).iter().filter(|&&c| c).count();
        ctx.log(format!("{}: {right} of {} right in {:.1} s", method.key(), questions.len(), run.seconds));
        runs.push(run);
    }
    let votes = if p.methods.contains(&Method::SelfConsistency) && !(sc.prompt == Method::FewShotCot && shots.is_empty()) {
        let start = Instant::now();
        let samples = ctx.stage("self_consistency", || runner.answer(sc.prompt, questions, &shots, sc.samples as usize, sc.temperature, "self_consistency"))?;
        Some((samples, start.elapsed().as_secs_f64()))
    } else {
        None
    };
    publish(p, questions, &runs, votes.as_ref(), chat, ctx);
    Ok(())
}

/// Majority-vote answers from the first `n` samples of each question.
fn voted(questions: &[Question], samples: &[Vec<Answered>], n: usize) -> Vec<bool> {
    questions
        .iter()
        .zip(samples)
        .map(|(q, s)| {
            let reads: Vec<Option<Read>> = s.iter().take(n).map(|a| a.read.clone()).collect();
            is_right(q, majority(&reads).as_ref())
        })
        .collect()
}

fn cut(text: &str, chars: usize) -> String {
    let t: String = text.chars().take(chars).collect();
    if text.chars().count() > chars { format!("{t}…") } else { t }
}

fn publish(p: &ReasoningParams, questions: &[Question], runs: &[MethodRun], votes: Option<&(Vec<Vec<Answered>>, f64)>, chat: bool, ctx: &TaskContext) {
    let n = questions.len().max(1) as f64;
    let direct = runs.iter().find(|r| r.method == Method::Direct).map(|r| r.correct(questions));
    let mut table = ResultTable::new(
        "methods",
        "Every method on the same questions",
        &[("method", ColumnKind::Term), ("accuracy", ColumnKind::Percent), ("ci_low", ColumnKind::Percent), ("ci_high", ColumnKind::Percent), ("unreadable", ColumnKind::Percent), ("over_context", ColumnKind::Integer), ("tokens_per_question", ColumnKind::Float), ("seconds_per_question", ColumnKind::Float), ("only_method_right", ColumnKind::Integer), ("only_direct_right", ColumnKind::Integer), ("p_value", ColumnKind::Float)],
    );
    let mut examples = ResultTable::new("examples", "Example answers", &[("method", ColumnKind::Term), ("question", ColumnKind::Text), ("output", ColumnKind::Text), ("read", ColumnKind::Text), ("answer", ColumnKind::Text), ("right", ColumnKind::Term)]);
    let mut accuracy_of = std::collections::HashMap::new();
    let mut p_of = std::collections::HashMap::new();
    let mut cost_points: Vec<(f64, f64)> = Vec::new();
    for r in runs {
        let correct = r.correct(questions);
        let (acc, lo, hi) = bootstrap_accuracy(&correct, p.bootstrap as usize, ctx.seed ^ 0xB007);
        let unreadable = r.answers.iter().filter(|a| a.read.is_none()).count() as f64 / n;
        let over = r.answers.iter().filter(|a| a.over_context).count();
        let tokens = r.answers.iter().map(|a| a.tokens).sum::<usize>() as f64 / n;
        let (test, b, c) = match (&direct, r.method) {
            (Some(d), m) if m != Method::Direct => {
                let (b, c) = discordant(&correct, d);
                (Some(mcnemar_exact(b, c)), Some(b), Some(c))
            }
            _ => (None, None, None),
        };
        table.push(vec![json!(r.method.key()), json!(acc), json!(lo), json!(hi), json!(unreadable), json!(over), json!(tokens), json!(r.seconds / n), json!(b), json!(c), json!(test)]);
        accuracy_of.insert(r.method, acc);
        if let Some(pv) = test {
            p_of.insert(r.method, pv);
        }
        cost_points.push((tokens, acc));
        ctx.value(&format!("accuracy_{}", r.method.key()), acc);
        ctx.value(&format!("tokens_{}", r.method.key()), tokens);
        ctx.value(&format!("unreadable_{}", r.method.key()), unreadable);
        if let Some(pv) = test {
            ctx.value(&format!("p_{}", r.method.key()), pv);
            // Below this the report writes "p < 0.0001" rather than a row of zeros.
            ctx.value(&format!("p_tiny_{}", r.method.key()), pv < 1e-4);
        }
        for want in [true, false] {
            if let Some(i) = correct.iter().position(|&c| c == want) {
                let a = &r.answers[i];
                examples.push(vec![json!(r.method.key()), json!(cut(&question_text(&questions[i]), 300)), json!(cut(a.output.trim(), 500)), json!(shown(a.read.as_ref())), json!(truth(&questions[i])), json!(if want { "yes" } else { "no" })]);
            }
        }
    }
    let mut findings = ReasoningFindings { chat, ..Default::default() };
    if let Some((samples, seconds)) = votes {
        let sc = &p.self_consistency;
        let mut sizes = sc.votes.clone();
        sizes.sort_unstable();
        sizes.dedup();
        let mut vote_table = ResultTable::new("votes", "Self-consistency by the number of sampled chains", &[("votes", ColumnKind::Integer), ("accuracy", ColumnKind::Percent), ("ci_low", ColumnKind::Percent), ("ci_high", ColumnKind::Percent), ("tokens_per_question", ColumnKind::Float), ("seconds_per_question", ColumnKind::Float)]);
        let per_sample_tokens = samples.iter().flatten().map(|a| a.tokens).sum::<usize>() as f64 / (n * f64::from(sc.samples));
        let mut accuracies = Vec::new();
        for &k in &sizes {
            let correct = voted(questions, samples, k as usize);
            let (acc, lo, hi) = bootstrap_accuracy(&correct, p.bootstrap as usize, ctx.seed ^ 0x5C);
            let tokens = per_sample_tokens * f64::from(k);
            vote_table.push(vec![json!(k), json!(acc), json!(lo), json!(hi), json!(tokens), json!(seconds / n * f64::from(k) / f64::from(sc.samples))]);
            ctx.metric("self_consistency/accuracy", u64::from(k), acc);
            ctx.metric("cost/self_consistency", tokens.round() as u64, acc);
            accuracies.push(acc);
        }
        ctx.table(vote_table);
        if let (Some(&first), Some(&last)) = (accuracies.first(), accuracies.last()) {
            ctx.value("votes_single_accuracy", first);
            ctx.value("votes_max_accuracy", last);
            ctx.value("votes_max", sizes.last().copied().unwrap_or(1));
            ctx.value("votes_prompt", sc.prompt.key());
            findings.votes_vs_single = (sizes.len() > 1).then(|| Outcome::accuracy(last, first));
            findings.votes_monotone = Some(accuracies.windows(2).all(|w| w[1] + crate::findings::ACCURACY_TOLERANCE >= w[0]));
            findings.votes_vs_greedy = accuracy_of.get(&sc.prompt).map(|&g| Outcome::accuracy(last, g));
        }
    }
    cost_points.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (tokens, acc) in &cost_points {
        ctx.metric("cost/methods", tokens.round() as u64, *acc);
    }
    ctx.table(table);
    ctx.table(examples);
    let acc = |m: Method| accuracy_of.get(&m).copied();
    let vs = |a: Method, b: Method| Some(Outcome::accuracy(acc(a)?, acc(b)?));
    findings.cot_vs_direct = vs(Method::ZeroShotCot, Method::Direct);
    findings.cot_significant = p_of.get(&Method::ZeroShotCot).map(|&pv| pv < 0.05);
    findings.english_vs_persian_trigger = vs(Method::ZeroShotCotEn, Method::ZeroShotCot);
    findings.few_shot_vs_zero_shot = vs(Method::FewShotCot, Method::ZeroShotCot);
    findings.direct_mostly_unreadable = runs.iter().find(|r| r.method == Method::Direct).is_some_and(|r| r.answers.iter().filter(|a| a.read.is_none()).count() * 2 > r.answers.len());
    ctx.findings(&findings);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(answer: f64) -> Question {
        Question { id: "q".into(), question: "?".into(), choices: vec![], answer: Answer::Number(answer), category: None }
    }

    #[test]
    fn votes_take_the_majority_of_the_first_n_samples() {
        let a = |text: &str| Answered { output: text.into(), read: read_answer(&numeric(0.0), text), tokens: 3, over_context: false };
        let q = vec![numeric(5.0)];
        let samples = vec![vec![a("پاسخ ۴"), a("پاسخ ۵"), a("پاسخ ۵"), a("نمی‌دانم"), a("پاسخ ۴")]];
        assert_eq!(voted(&q, &samples, 1), [false]);
        assert_eq!(voted(&q, &samples, 3), [true]);
        assert_eq!(voted(&q, &samples, 4), [true], "unreadable samples abstain");
        assert_eq!(voted(&q, &samples, 5), [false], "a tie goes to the answer seen first");
    }

    #[test]
    fn choices_and_numbers_are_checked_against_the_answer() {
        let mc = Question { id: "m".into(), question: "?".into(), choices: vec!["الف".into(), "ب".into(), "ج".into()], answer: Answer::Choice(2), category: None };
        assert!(is_right(&mc, read_answer(&mc, "گزینه ۲ درست است").as_ref()));
        assert!(!is_right(&mc, read_answer(&mc, "پاسخ: ۳").as_ref()));
        assert!(is_right(&numeric(12.0), read_answer(&numeric(12.0), "۵ + ۷ = ۱۲. پس پاسخ ۱۲ است.").as_ref()));
        assert_eq!(read_answer(&numeric(1.0), "هیچ"), None);
    }

    #[test]
    fn a_train_file_sits_beside_the_test_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("q.train.jsonl"), "").unwrap();
        assert_eq!(train_sibling(&dir.path().join("q.test.jsonl")), Some(dir.path().join("q.train.jsonl")));
        assert_eq!(train_sibling(&dir.path().join("q.jsonl")), Some(dir.path().join("q.train.jsonl")));
        assert_eq!(train_sibling(&dir.path().join("other.jsonl")), None);
    }
}
