//! `prompt_tuning`: one frozen LM classifying sentiment through a verbaliser, prompted five
//! ways on the same test set: a hard prompt alone (zero-shot), the hard prompt with k
//! balanced in-context examples, soft prompts of n virtual tokens (TEXT / RANDOM / sampled
//! vocabulary init, PEFT's prompt tuning, saved in PEFT's format), and LoRA on the LM's
//! attention as the "more parameters" reference. The learned virtual tokens are read back
//! through their nearest vocabulary tokens, before and after training.
use super::model;
use super::params::{Init, PromptTuningParams};
use super::sentiment::{self, Example, SentimentData};
use crate::data::rng::SplitMix64;
use crate::findings::Outcome;
use crate::metrics::Confusion;
use crate::nn::lm::prompt_tuning::{PromptInit, SoftPrompt};
use crate::results::{ColumnKind, ResultTable};
use crate::tasks::registry::Task;
use crate::tasks::TaskContext;
use crate::tokenize::hf::HfTokenizer;
use crate::train::prompt_tuning::{classify, train_lora, train_soft_prompt, PromptTrainConfig};
use crate::zoo::lm::LoadedLm;
use anyhow::{bail, Result};
use serde::Serialize;
use serde_json::json;
use std::time::Instant;
use tch::{Kind, Tensor};

pub struct PromptTuning;

impl Task for PromptTuning {
    type Params = PromptTuningParams;
    const KIND: &'static str = "prompt_tuning";
    const QUESTION: Option<u8> = Some(4);
    const SUMMARY: &'static str = "soft prompting of a Persian language model against hard prompts, in-context examples and LoRA";
    const ANSWERS: &'static [&'static str] = &["q4-soft"];
    const CODE_VERSION: u32 = 5;

    fn run(p: &Self::Params, ctx: &TaskContext) -> Result<()> {
        run(p, ctx)
    }
}

/// One way of prompting and its score.
#[derive(Debug, Clone)]
struct Scored {
    method: &'static str,
    init: Option<Init>,
    /// Shots for in-context prompts, virtual tokens for soft prompts.
    n: u32,
    accuracy: f64,
    macro_f1: f64,
    trainable: i64,
    seconds: f64,
    text_tokens: f64,
    virtual_tokens: u32,
}

#[derive(Debug, Default, Serialize)]
struct SoftFindings {
    /// The best soft prompt against the hard prompt alone.
    soft_vs_zero_shot: Option<Outcome>,
    /// The best soft prompt against the best in-context prompt.
    soft_vs_in_context: Option<Outcome>,
    in_context_vs_zero_shot: Option<Outcome>,
    /// LoRA against the best soft prompt.
    lora_vs_soft: Option<Outcome>,
    /// TEXT against RANDOM init at the fewest and at the most virtual tokens.
    text_vs_random_shortest: Option<Outcome>,
    text_vs_random_longest: Option<Outcome>,
    /// For the better init: the most virtual tokens against the fewest.
    longest_vs_shortest: Option<Outcome>,
    /// Learned tokens' cosine to their nearest word, after against before training
    /// (Behind: they moved away from the vocabulary).
    nearest_after_vs_before: Option<Outcome>,
    /// Zero-shot is no better than always answering the most common test label.
    zero_shot_at_chance: bool,
}

fn macro_f1(truth: &[usize], predicted: &[usize], classes: usize) -> f64 {
    let mut c = Confusion::new(classes);
    for (&t, &p) in truth.iter().zip(predicted) {
        c.add(t, p);
    }
    c.macro_avg().2
}

/// A model input as the model's tokenizer writes one (with its BOS, for the Llama family).
fn encode(tok: &HfTokenizer, text: &str) -> Result<Vec<i64>> {
    tok.encode(text, true)
}

/// A label word, scored as the continuation of an input: no special tokens.
fn encode_word(tok: &HfTokenizer, word: &str) -> Result<Vec<i64>> {
    tok.encode(&format!(" {}", word.trim()), false)
}

/// k training examples, as even over the labels as k allows, in a seeded order.
fn balanced_shots(train: &[Example], labels: usize, k: usize, seed: u64) -> Vec<Example> {
    let mut rng = SplitMix64::new(seed);
    let mut by_label: Vec<Vec<&Example>> = (0..labels).map(|l| train.iter().filter(|x| x.label == l).collect()).collect();
    for pool in &mut by_label {
        rng.shuffle(pool);
    }
    let mut out = Vec::with_capacity(k);
    let mut round = 0;
    while out.len() < k && by_label.iter().any(|p| p.len() > round) {
        for pool in &by_label {
            if out.len() < k && pool.len() > round {
                out.push(pool[round].clone());
            }
        }
        round += 1;
    }
    rng.shuffle(&mut out);
    out
}

struct Setup<'a> {
    p: &'a PromptTuningParams,
    lm: &'a LoadedLm,
    data: &'a SentimentData,
    words: Vec<Vec<i64>>,
    truth: Vec<usize>,
    majority: f64,
}

impl Setup<'_> {
    fn fill(&self, text: &str) -> String {
        self.p.template.replace("{text}", text)
    }

    /// Accuracy and macro-F1 of the inputs (token ids), with an optional soft prompt.
    fn score(&self, inputs: &[Vec<i64>], soft: Option<&SoftPrompt>, ctx: &TaskContext) -> Result<(f64, f64)> {
        ctx.check_cancelled()?;
        let out = classify(&self.lm.model, soft, inputs, &self.words, self.p.eval_batch as usize)?;
        let predicted: Vec<usize> = out.iter().map(|o| o.0).collect();
        let right = predicted.iter().zip(&self.truth).filter(|(a, b)| a == b).count();
        Ok((right as f64 / self.truth.len() as f64, macro_f1(&self.truth, &predicted, self.words.len())))
    }

    fn context(&self) -> i64 {
        self.lm.model.cfg.max_positions
    }

    /// Test inputs with `prefix` in front, or None (with a warning) when any would not fit.
    fn prefixed(&self, prefix: &str, what: &str, extra: i64, ctx: &TaskContext) -> Result<Option<Vec<Vec<i64>>>> {
        let tok = &self.lm.tokenizer;
        let inputs: Vec<Vec<i64>> = self.data.test.iter().map(|x| encode(tok, &format!("{prefix}{}", self.fill(&x.text)))).collect::<Result<_>>()?;
        let longest_word = self.words.iter().map(Vec::len).max().unwrap_or(0) as i64;
        let over = inputs.iter().filter(|i| i.len() as i64 + longest_word + extra > self.context()).count();
        if over > 0 {
            ctx.warn(format!("{what}: {over} of {} test prompts exceed the model's context of {} tokens; this setting is skipped", inputs.len(), self.context()));
            return Ok(None);
        }
        Ok(Some(inputs))
    }
}

fn mean_len(inputs: &[Vec<i64>]) -> f64 {
    inputs.iter().map(Vec::len).sum::<usize>() as f64 / inputs.len().max(1) as f64
}

fn run(p: &PromptTuningParams, ctx: &TaskContext) -> Result<()> {
    let data = ctx.stage("data", || sentiment::open(p, ctx.paths(), ctx.seed))?;
    for note in &data.notes {
        ctx.warn(note.clone());
    }
    let lm = model::load(&p.model, p.precision, ctx)?;
    let tok = &lm.tokenizer;
    let words: Vec<Vec<i64>> = data.labels.iter().map(|l| encode_word(tok, &l.word)).collect::<Result<_>>()?;
    if let Some(i) = words.iter().position(Vec::is_empty) {
        bail!("the label word `{}` has no tokens", data.labels[i].word);
    }
    let truth: Vec<usize> = data.test.iter().map(|x| x.label).collect();
    let majority = (0..words.len()).map(|l| truth.iter().filter(|&&t| t == l).count()).max().unwrap_or(0) as f64 / truth.len() as f64;
    let setup = Setup { p, lm: &lm, data: &data, words, truth, majority };
    describe(&setup, ctx);
    let mut scored: Vec<Scored> = Vec::new();

    // Hard prompts: the instruction alone, then with k in-context examples.
    let mut shots = p.shots.clone();
    shots.sort_unstable();
    shots.dedup();
    let mut examples_table = ResultTable::new("shots", "The in-context examples", &[("k", ColumnKind::Integer), ("text", ColumnKind::Text), ("label", ColumnKind::Text)]);
    for &k in &shots {
        let chosen = balanced_shots(&data.train, data.labels.len(), k as usize, ctx.seed ^ u64::from(k));
        let mut prefix = format!("{}\n", p.instruction.trim());
        for x in &chosen {
            prefix.push_str(&format!("{} {}\n", setup.fill(&x.text), data.labels[x.label].word));
            examples_table.push(vec![json!(k), json!(x.text), json!(data.labels[x.label].word)]);
        }
        let method = if k == 0 { "zero_shot" } else { "in_context" };
        let Some(inputs) = setup.prefixed(&prefix, &format!("{k} in-context examples"), 0, ctx)? else { continue };
        let start = Instant::now();
        let (accuracy, f1) = ctx.stage(&format!("{method} k={k}"), || setup.score(&inputs, None, ctx))?;
        ctx.log(format!("{method} (k = {k}): accuracy {:.1}%", accuracy * 100.0));
        scored.push(Scored { method, init: None, n: k, accuracy, macro_f1: f1, trainable: 0, seconds: start.elapsed().as_secs_f64(), text_tokens: mean_len(&inputs), virtual_tokens: 0 });
    }

    // Soft prompts: the template alone after n trained virtual tokens.
    let plain: Vec<Vec<i64>> = data.test.iter().map(|x| encode(tok, &setup.fill(&x.text))).collect::<Result<_>>()?;
    let train_pairs: Vec<(Vec<i64>, Vec<i64>)> = data.train.iter().map(|x| Ok((encode(tok, &setup.fill(&x.text))?, setup.words[x.label].clone()))).collect::<Result<_>>()?;
    let instruction_ids = tok.encode(p.instruction.trim(), true)?;
    let mut lengths = p.lengths.clone();
    lengths.sort_unstable();
    lengths.dedup();
    let configs: Vec<(Init, u32)> = p.inits.iter().flat_map(|&i| lengths.iter().map(move |&n| (i, n))).collect();
    let hidden = lm.model.cfg.hidden_size;
    let mut prompts: Vec<(Init, u32, Tensor, Tensor)> = Vec::new(); // init, n, before, after
    let total_steps = configs.len() as u64 * u64::from(p.train.steps) + p.lora.as_ref().map_or(0, |l| u64::from(l.steps));
    let mut steps_before = 0u64;
    let longest_word = setup.words.iter().map(Vec::len).max().unwrap_or(0);
    let longest = train_pairs.iter().map(|(a, b)| a.len() + b.len()).chain(plain.iter().map(|x| x.len() + longest_word)).max().unwrap_or(0) as i64;
    for (index, &(init, n)) in configs.iter().enumerate() {
        if longest + i64::from(n) > setup.context() {
            ctx.warn(format!("a soft prompt of {n} tokens: the longest example ({longest} tokens) does not fit the model's context of {} beside it; skipped", setup.context()));
            continue;
        }
        let seed = ctx.seed ^ (index as u64 + 1).wrapping_mul(0x9E37_79B9);
        let prompt_init = match init {
            Init::Text => PromptInit::Text(instruction_ids.clone()),
            Init::Random => PromptInit::Random { seed },
            Init::Vocab => PromptInit::SampleVocab { seed },
        };
        let soft = SoftPrompt::new(&lm.model, n as usize, &prompt_init)?;
        let before = soft.embeddings.detach().copy();
        let cfg = PromptTrainConfig { steps: p.train.steps as usize, batch: p.train.batch_size as usize, lr: p.train.lr, seed };
        let name = format!("soft/{}/{n}", init.key());
        let start = Instant::now();
        ctx.stage(&format!("soft prompt {} n={n}", init.key()), || {
            train_soft_prompt(&lm.model, &soft, &train_pairs, &cfg, &mut |step, loss| {
                if step % 5 == 0 || step == cfg.steps {
                    ctx.metric(&format!("{name}/loss"), step as u64, loss);
                }
                ctx.progress(steps_before + step as u64, total_steps, "steps");
            })
        })?;
        steps_before += u64::from(p.train.steps);
        let seconds = start.elapsed().as_secs_f64();
        let (accuracy, f1) = setup.score(&plain, Some(&soft), ctx)?;
        ctx.log(format!("soft prompt ({}, n = {n}): accuracy {:.1}% after {seconds:.1} s", init.key(), accuracy * 100.0));
        ctx.metric(&format!("accuracy/{}", init.key()), u64::from(n), accuracy);
        let folder = format!("prompts/{}-{n}", init.key());
        ctx.artifact_dir(&format!("soft prompt {} n={n} (PEFT)", init.key()), &folder, |dir| soft.save_peft(dir, &lm.model, &prompt_init, (init == Init::Text).then_some(p.instruction.trim()), &p.model))?;
        scored.push(Scored { method: "soft_prompt", init: Some(init), n, accuracy, macro_f1: f1, trainable: i64::from(n) * hidden, seconds, text_tokens: mean_len(&plain), virtual_tokens: n });
        prompts.push((init, n, before, soft.embeddings.detach().copy()));
    }

    // LoRA on the attention, trained on the same pairs.
    if let Some(l) = &p.lora {
        tch::manual_seed((ctx.seed >> 1) as i64);
        let store = tch::nn::VarStore::new(lm.model.device());
        let params = lm.model.attach_lora(&store, l.r, l.alpha);
        let trainable: i64 = params.iter().map(|(_, t)| t.numel() as i64).sum();
        let cfg = PromptTrainConfig { steps: l.steps as usize, batch: l.batch_size as usize, lr: l.lr, seed: ctx.seed ^ 0x4c6f_5241 };
        let start = Instant::now();
        let trained = ctx.stage("lora", || {
            train_lora(&lm.model, params, &train_pairs, &cfg, &mut |step, loss| {
                if step % 5 == 0 || step == cfg.steps {
                    ctx.metric("lora/loss", step as u64, loss);
                }
                ctx.progress(steps_before + step as u64, total_steps, "steps");
            })
        });
        let seconds = start.elapsed().as_secs_f64();
        let result = trained.and_then(|_| setup.score(&plain, None, ctx));
        lm.model.detach_lora();
        let (accuracy, f1) = result?;
        ctx.log(format!("LoRA (r = {}): accuracy {:.1}%", l.r, accuracy * 100.0));
        scored.push(Scored { method: "lora", init: None, n: l.r as u32, accuracy, macro_f1: f1, trainable, seconds, text_tokens: mean_len(&plain), virtual_tokens: 0 });
    }

    publish(&scored, ctx);
    if !examples_table.rows.is_empty() {
        ctx.table(examples_table);
    }
    let nearest = nearest_table(&setup, &scored, &prompts, ctx);
    findings(&setup, &scored, nearest, ctx);
    Ok(())
}

fn describe(s: &Setup, ctx: &TaskContext) {
    ctx.value("model", s.p.model.clone());
    ctx.value("data_source", s.data.source.clone());
    ctx.value("train_examples", s.data.train.len());
    ctx.value("test_examples", s.data.test.len());
    ctx.value("labels", s.data.labels.iter().map(|l| l.word.clone()).collect::<Vec<_>>().join("، "));
    ctx.value("template", s.p.template.clone());
    ctx.value("instruction", s.p.instruction.trim().to_string());
    ctx.value("majority_rate", s.majority);
    ctx.value("hidden_size", s.lm.model.cfg.hidden_size);
    ctx.value("model_parameters", s.lm.model.vs.variables().values().map(|t| t.numel() as i64).sum::<i64>());
    ctx.value("train_steps", s.p.train.steps);
    ctx.value("skipped_notes", s.data.notes.len());
}

fn best<'a>(scored: &'a [Scored], method: &str) -> Option<&'a Scored> {
    scored.iter().filter(|s| s.method == method).max_by(|a, b| a.accuracy.total_cmp(&b.accuracy).then(b.n.cmp(&a.n)))
}

fn publish(scored: &[Scored], ctx: &TaskContext) {
    let mut table = ResultTable::new(
        "methods",
        "Every way of prompting, on the same test set",
        &[("method", ColumnKind::Term), ("init", ColumnKind::Term), ("n", ColumnKind::Integer), ("accuracy", ColumnKind::Percent), ("macro_f1", ColumnKind::Float), ("trainable", ColumnKind::Integer), ("train_seconds", ColumnKind::Float), ("text_tokens", ColumnKind::Float), ("virtual_tokens", ColumnKind::Integer)],
    );
    for r in scored {
        let seconds = if r.trainable > 0 { json!(r.seconds) } else { json!(null) };
        table.push(vec![json!(r.method), json!(r.init.map_or("none", Init::key)), json!(r.n), json!(r.accuracy), json!(r.macro_f1), json!(r.trainable), seconds, json!(r.text_tokens), json!(r.virtual_tokens)]);
    }
    ctx.table(table);
    if let Some(z) = scored.iter().find(|r| r.method == "zero_shot") {
        ctx.value("zero_shot_accuracy", z.accuracy);
        ctx.value("zero_shot_tokens", z.text_tokens);
    }
    if let Some(b) = best(scored, "in_context") {
        ctx.value("icl_accuracy", b.accuracy);
        ctx.value("icl_k", b.n);
        ctx.value("icl_tokens", b.text_tokens);
    }
    if let Some(b) = best(scored, "soft_prompt") {
        ctx.value("soft_accuracy", b.accuracy);
        ctx.value("soft_n", b.n);
        ctx.value("soft_init", b.init.map_or("none", Init::key));
        ctx.value("soft_trainable", b.trainable);
        ctx.value("soft_tokens", b.text_tokens);
        ctx.value("soft_seconds", b.seconds);
    }
    if let Some(l) = best(scored, "lora") {
        ctx.value("lora_accuracy", l.accuracy);
        ctx.value("lora_trainable", l.trainable);
        ctx.value("lora_r", l.n);
        ctx.value("lora_seconds", l.seconds);
    }
}

/// The `k` vocabulary tokens nearest (cosine) to each row of `vectors`, and the best cosines.
fn nearest_tokens(table: &Tensor, vectors: &Tensor, k: i64, tok: &HfTokenizer) -> (Vec<Vec<String>>, Vec<f64>) {
    tch::no_grad(|| {
        let t = table.to_kind(Kind::Float);
        let v = vectors.to_kind(Kind::Float).to_device(t.device());
        let unit = |x: &Tensor| x / x.norm_scalaropt_dim(2, [-1i64].as_slice(), true).clamp_min(1e-12);
        let cos = unit(&v).matmul(&unit(&t).transpose(0, 1));
        // Byte-level vocabularies hold pieces of characters that decode to nothing
        // readable alone; candidates beyond k stand in for them.
        let (values, ids) = cos.topk((4 * k).min(t.size()[0]), -1, true, true);
        let ids: Vec<Vec<i64>> = Vec::<Vec<i64>>::try_from(ids.to_device(tch::Device::Cpu)).unwrap_or_default();
        let best: Vec<f64> = Vec::<f64>::try_from(values.select(1, 0).to_kind(Kind::Double).to_device(tch::Device::Cpu)).unwrap_or_default();
        let readable = |id: i64| Some(tok.decode(&[id], false).trim().to_string()).filter(|w| !w.is_empty() && !w.chars().any(|c| c == '\u{FFFD}' || c.is_control()));
        let words = ids.iter().map(|row| row.iter().filter_map(|&id| readable(id)).take(k as usize).collect()).collect();
        (words, best)
    })
}

/// The nearest words of the best soft prompt's virtual tokens (at most 10), before and
/// after training; returns the mean best cosine (before, after) over all its tokens.
fn nearest_table(s: &Setup, scored: &[Scored], prompts: &[(Init, u32, Tensor, Tensor)], ctx: &TaskContext) -> Option<(f64, f64)> {
    let b = best(scored, "soft_prompt")?;
    let (_, _, before, after) = prompts.iter().find(|(i, n, _, _)| Some(*i) == b.init && *n == b.n)?;
    let table_t = s.lm.model.embedding_matrix();
    let k = i64::from(s.p.nearest);
    let (words_before, cos_before) = nearest_tokens(table_t, before, k, &s.lm.tokenizer);
    let (words_after, cos_after) = nearest_tokens(table_t, after, k, &s.lm.tokenizer);
    let mut table = ResultTable::new("nearest", "Nearest vocabulary tokens of the learned virtual tokens", &[("position", ColumnKind::Integer), ("before", ColumnKind::Text), ("cos_before", ColumnKind::Float), ("after", ColumnKind::Text), ("cos_after", ColumnKind::Float)]);
    for i in 0..words_after.len().min(10) {
        let cell = |words: &[String]| json!(words.join(" · "));
        table.push(vec![json!(i + 1), cell(&words_before[i]), json!(cos_before[i]), cell(&words_after[i]), json!(cos_after[i])]);
    }
    ctx.table(table);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let (mb, ma) = (mean(&cos_before), mean(&cos_after));
    ctx.value("nearest_cos_before", mb);
    ctx.value("nearest_cos_after", ma);
    ctx.value("nearest_init", b.init.map_or("none", Init::key));
    ctx.value("nearest_n", b.n);
    Some((mb, ma))
}

/// Two cosines this close are level.
const COSINE_TOLERANCE: f64 = 0.02;

fn findings(s: &Setup, scored: &[Scored], nearest: Option<(f64, f64)>, ctx: &TaskContext) {
    let zero = scored.iter().find(|r| r.method == "zero_shot");
    let (icl, soft, lora) = (best(scored, "in_context"), best(scored, "soft_prompt"), best(scored, "lora"));
    let vs = |a: Option<&Scored>, b: Option<&Scored>| Some(Outcome::accuracy(a?.accuracy, b?.accuracy));
    let at = |init: Init, n: u32| scored.iter().find(|r| r.method == "soft_prompt" && r.init == Some(init) && r.n == n);
    let lengths: Vec<u32> = {
        let mut l: Vec<u32> = scored.iter().filter(|r| r.method == "soft_prompt").map(|r| r.n).collect();
        l.sort_unstable();
        l.dedup();
        l
    };
    let (shortest, longest) = (lengths.first().copied(), lengths.last().copied());
    let text_vs_random = |n: Option<u32>| n.and_then(|n| vs(at(Init::Text, n), at(Init::Random, n)));
    let longest_vs_shortest = soft.and_then(|b| b.init).and_then(|init| if shortest == longest { None } else { vs(at(init, longest?), at(init, shortest?)) });
    let f = SoftFindings {
        soft_vs_zero_shot: vs(soft, zero),
        soft_vs_in_context: vs(soft, icl),
        in_context_vs_zero_shot: vs(icl, zero),
        lora_vs_soft: vs(lora, soft),
        text_vs_random_shortest: text_vs_random(shortest),
        text_vs_random_longest: if shortest == longest { None } else { text_vs_random(longest) },
        longest_vs_shortest,
        nearest_after_vs_before: nearest.map(|(b, a)| Outcome::compare(a, b, COSINE_TOLERANCE)),
        zero_shot_at_chance: zero.is_some_and(|z| z.accuracy <= s.majority + crate::findings::ACCURACY_TOLERANCE),
    };
    if let Some(l) = longest {
        ctx.value("longest_n", l);
    }
    if let Some(l) = shortest {
        ctx.value("shortest_n", l);
    }
    ctx.findings(&f);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shots_are_balanced_and_seeded() {
        let train: Vec<Example> = (0..30).map(|i| Example { text: format!("t{i}"), label: usize::from(i % 3 == 0) }).collect();
        let four = balanced_shots(&train, 2, 4, 1);
        assert_eq!(four.iter().filter(|x| x.label == 1).count(), 2);
        assert_eq!(four, balanced_shots(&train, 2, 4, 1));
        assert_ne!(four, balanced_shots(&train, 2, 4, 2));
        assert_eq!(balanced_shots(&train, 2, 100, 1).len(), 30, "no more than there are");
    }

    #[test]
    fn macro_f1_averages_the_classes() {
        assert!((macro_f1(&[0, 0, 1, 1], &[0, 0, 1, 1], 2) - 1.0).abs() < 1e-12);
        // Class 0: P 2/3 R 1 F 0.8; class 1: P 1 R 1/2 F 2/3.
        assert!((macro_f1(&[0, 0, 1, 1], &[0, 0, 0, 1], 2) - (0.8 + 2.0 / 3.0) / 2.0).abs() < 1e-9);
    }
}
