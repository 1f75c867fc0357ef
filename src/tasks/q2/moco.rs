//! `moco`: the experiments behind Q2's answers, MoCo v2 pre-training runs that differ in one
//! thing each:
//! - (a) the key encoder's momentum m, with the keys' consistency measured directly (the
//!   cosine between a queued key and the same view's key recomputed later, by age);
//! - (b) the queue size K (0: in-batch negatives only), and a large queue of inconsistent
//!   keys (m = 0);
//! - (c) a small unlabelled set (the 2,000 MRI scans) trained online only, with 10 offline
//!   copies per image taken as independent instances, the same with the copies of the
//!   query's image cancelled from or attracted into its positives, and the whole set;
//!   equal optimizer steps; kNN and linear accuracy with the labelled share, over seeds.
use super::data::{self, Dataset, Images};
use super::params::{MocoParams, OfflineSetting, Study};
use super::runs::{self, Evaluation, RunResult, RunSpec};
use crate::data::rng::SplitMix64;
use crate::findings::Outcome;
use crate::metrics::mean_std;
use crate::nn::moco::FalseNegatives;
use crate::results::{ColumnKind, ResultTable};
use crate::tasks::registry::Task;
use crate::tasks::TaskContext;
use anyhow::Result;
use serde::Serialize;
use serde_json::json;
use tch::Tensor;

pub struct MocoTask;

impl Task for MocoTask {
    type Params = MocoParams;
    const KIND: &'static str = "moco";
    const QUESTION: Option<u8> = Some(2);
    const SUMMARY: &'static str = "MoCo v2 pre-training: momentum, queue and offline-augmentation studies";
    const ANSWERS: &'static [&'static str] = &["q2a", "q2b", "q2c"];
    const CODE_VERSION: u32 = 1;

    fn run(p: &Self::Params, ctx: &TaskContext) -> Result<()> {
        run(p, ctx)
    }
}

#[derive(Debug, Default, Serialize)]
struct MocoFindings {
    /// Labels were there to score the encoders.
    evaluated: bool,
    momentum: Option<MomentumFindings>,
    queue: Option<QueueFindings>,
    offline: Option<OfflineFindings>,
}

#[derive(Debug, Serialize)]
struct MomentumFindings {
    /// m = 0 against the best momentum (kNN accuracy).
    zero_vs_best: Option<Outcome>,
    /// The largest momentum tried against the best.
    largest_vs_best: Option<Outcome>,
    /// Final loss of m = 0 against the best run's (Ahead: higher).
    zero_loss_vs_best: Option<Outcome>,
    /// Oldest queued keys' consistency at m = 0 against the largest m (cosines, ±0.05);
    /// None when m = 0 is stuck (collapsed keys agree with anything trivially).
    zero_consistency_vs_largest: Option<Outcome>,
    /// m = 0 never got below the loss of a uniform guess.
    zero_stuck: Option<bool>,
}

#[derive(Debug, Serialize)]
struct QueueFindings {
    /// The largest K against the smallest K > 0.
    largest_vs_smallest: Option<Outcome>,
    /// In-batch negatives (K = 0) against the best queue.
    in_batch_vs_best: Option<Outcome>,
    /// The large queue of inconsistent keys (small m) against the same K with the study's m.
    inconsistent_vs_consistent: Option<Outcome>,
    /// Accuracy never falls by more than the tolerance as K grows.
    monotone: bool,
}

#[derive(Debug, Serialize)]
struct OfflineFindings {
    offline_vs_online: Outcome,
    cancel_vs_offline: Option<Outcome>,
    attract_vs_offline: Option<Outcome>,
    full_vs_online: Option<Outcome>,
    /// Which score the verdicts use: `linear` when labels allowed it, else `knn`.
    metric: &'static str,
    several_seeds: bool,
}

/// Two cosines this close are level.
const COSINE_TOLERANCE: f64 = 0.05;
/// Two losses this close (relative) are level.
const LOSS_TOLERANCE: f64 = 0.02;

fn fmt_m(m: f64) -> String {
    format!("{m}")
}

fn score(r: &RunResult) -> f64 {
    r.knn.unwrap_or(f64::NAN)
}

fn run(p: &MocoParams, ctx: &TaskContext) -> Result<()> {
    let dataset = ctx.stage("data", || data::open(p, ctx.paths(), ctx.seed))?;
    report_skipped(&dataset, ctx);
    let root = ctx.resume_dir().join("runs");
    let train = dataset.train.spread(p.subset as usize);
    let test = dataset.test.as_ref().map(|t| t.spread(p.test_limit as usize));
    let classes = dataset.classes.len() as i64;
    let device = ctx.device;
    let evaluation_for = |pool: &Images, seed: u64| -> Option<Evaluation> {
        let (labels, test) = (pool.labels.as_ref()?, test.as_ref()?);
        let chosen = data::labelled(labels, p.label_fraction, seed);
        let bank = pool.take(&chosen);
        Some(Evaluation {
            bank: bank.images.to_device(device),
            bank_labels: Tensor::from_slice(bank.labels.as_ref()?).to_device(device),
            test: test.images.to_device(device),
            test_labels: Tensor::from_slice(test.labels.as_ref()?).to_device(device),
            classes,
        })
    };
    let main_eval = evaluation_for(&train, ctx.seed);
    let mut findings = MocoFindings { evaluated: main_eval.is_some(), ..Default::default() };
    describe(p, &dataset, &train, test.as_ref(), main_eval.as_ref(), ctx);
    let mut done: Vec<(RunSpec, RunResult)> = Vec::new();
    let train_images = train.images.to_device(device);
    let train_sources: Vec<i64> = (0..train.len() as i64).collect();
    let mut runs_table = ResultTable::new(
        "runs",
        "Every pre-training run",
        &[("study", ColumnKind::Term), ("setting", ColumnKind::Term), ("seed", ColumnKind::Integer), ("momentum", ColumnKind::Float), ("queue", ColumnKind::Integer), ("steps", ColumnKind::Integer), ("final_loss", ColumnKind::Float), ("knn_accuracy", ColumnKind::Percent), ("linear_accuracy", ColumnKind::Percent), ("oldest_key_cosine", ColumnKind::Float), ("seconds", ColumnKind::Float)],
    );
    let total_steps = planned_steps(p);
    let mut steps_done = 0u64;
    let mut run_one = |spec: RunSpec, study: &str, setting: String, images: &Tensor, sources: &[i64], eval: Option<&Evaluation>, ctx: &TaskContext| -> Result<RunResult> {
        // A run identical to one already done (the queue study's K at the momentum
        // study's m) is not trained twice; its result is published under the new key too.
        // Offline runs train on other images, so only runs of (a) and (b) are shared.
        let on_main_set = |s: &RunSpec| !s.key.starts_with("offline");
        let same = |s: &RunSpec| on_main_set(s) && on_main_set(&spec) && s.momentum == spec.momentum && s.queue == spec.queue && s.steps == spec.steps && s.false_negatives == spec.false_negatives && s.seed == spec.seed;
        let result = match done.iter().find(|(s, _)| same(s)) {
            Some((_, r)) => {
                let r = RunResult { key: spec.key.clone(), ..r.clone() };
                runs::publish(&r, ctx, true);
                r
            }
            None => ctx.stage(&spec.key, || runs::run(&spec, p, images, sources, eval, &root, (steps_done, total_steps), ctx))?,
        };
        steps_done += spec.steps;
        let seed = if study == "study_offline" { json!(spec.seed) } else { json!(null) };
        runs_table.push(vec![json!(study), json!(setting), seed, json!(spec.momentum), json!(spec.queue), json!(result.steps), json!(result.final_loss), opt(result.knn), opt(result.linear), opt(result.oldest_consistency()), json!(result.seconds)]);
        done.push((spec, result.clone()));
        Ok(result)
    };
    let total_runs = planned_runs(p);
    ctx.value("planned_runs", total_runs as i64);

    if p.runs(Study::Momentum) {
        let mut results = Vec::new();
        for &m in &p.momentum.values {
            let spec = RunSpec { key: format!("momentum/{}", fmt_m(m)), momentum: m, queue: p.momentum.queue, steps: p.momentum.steps, false_negatives: FalseNegatives::Keep, seed: ctx.seed };
            let r = run_one(spec, "study_momentum", format!("m = {m}"), &train_images, &train_sources, main_eval.as_ref(), ctx)?;
            results.push((m, r));
        }
        findings.momentum = Some(momentum_findings(&results, p, ctx));
    }
    if p.runs(Study::Queue) {
        let mut results = Vec::new();
        for &k in &p.queue.sizes {
            let spec = RunSpec { key: format!("queue/{k}"), momentum: p.queue.momentum, queue: k, steps: p.queue.steps, false_negatives: FalseNegatives::Keep, seed: ctx.seed };
            let r = run_one(spec, "study_queue", format!("K = {k}"), &train_images, &train_sources, main_eval.as_ref(), ctx)?;
            results.push((k, r));
        }
        let largest = p.queue.sizes.iter().copied().max().unwrap_or(0);
        let inconsistent = match p.queue.inconsistent_momentum.filter(|&m| m != p.queue.momentum && largest > 0) {
            Some(m) => {
                let spec = RunSpec { key: format!("inconsistent/{largest}"), momentum: m, queue: largest, steps: p.queue.steps, false_negatives: FalseNegatives::Keep, seed: ctx.seed };
                Some((m, run_one(spec, "study_queue", format!("K = {largest}, m = {m}"), &train_images, &train_sources, main_eval.as_ref(), ctx)?))
            }
            None => None,
        };
        findings.queue = Some(queue_findings(&results, inconsistent.as_ref(), p, ctx));
    }
    drop(train_images);
    if p.runs(Study::Offline) {
        findings.offline = offline_study(p, &dataset, &train, ctx, &mut |spec, setting, images, sources, eval| run_one(spec, "study_offline", setting, images, sources, eval, ctx), &evaluation_for)?;
    }
    ctx.table(runs_table);
    ctx.findings(&findings);
    Ok(())
}

fn opt(v: Option<f64>) -> serde_json::Value {
    v.filter(|x| x.is_finite()).map_or(json!(null), |x| json!(x))
}

/// (runs, steps of each) of every selected study; a run shared between studies is
/// counted in each, so a progress bar may finish a little early, never overflow.
fn plan(p: &MocoParams) -> Vec<(usize, u64)> {
    let mut plan = Vec::new();
    if p.runs(Study::Momentum) {
        plan.push((p.momentum.values.len(), p.momentum.steps));
    }
    if p.runs(Study::Queue) {
        plan.push((p.queue.sizes.len() + usize::from(p.queue.inconsistent_momentum.is_some()), p.queue.steps));
    }
    if p.runs(Study::Offline) {
        plan.push((p.offline.seeds.len() * (4 + usize::from(p.offline.full_reference)), p.offline.steps));
    }
    plan
}

fn planned_runs(p: &MocoParams) -> usize {
    plan(p).iter().map(|(runs, _)| runs).sum()
}

fn planned_steps(p: &MocoParams) -> u64 {
    plan(p).iter().map(|(runs, steps)| *runs as u64 * steps).sum()
}

fn report_skipped(dataset: &Dataset, ctx: &TaskContext) {
    ctx.value("skipped_images", dataset.skipped.len() as i64);
    if dataset.skipped.is_empty() {
        return;
    }
    let shown: Vec<String> = dataset.skipped.iter().take(10).map(|(p, why)| format!("{}: {why}", p.display())).collect();
    let more = dataset.skipped.len().saturating_sub(shown.len());
    ctx.warn(format!("{} image(s) skipped:\n  {}{}", dataset.skipped.len(), shown.join("\n  "), if more > 0 { format!("\n  … and {more} more") } else { String::new() }));
    ctx.value("skipped_examples", shown.join("; "));
}

fn describe(p: &MocoParams, dataset: &Dataset, train: &Images, test: Option<&Images>, eval: Option<&Evaluation>, ctx: &TaskContext) {
    ctx.value("dataset", dataset.name.clone());
    ctx.value("classes", dataset.classes.len() as i64);
    ctx.value("train_images", train.len() as i64);
    ctx.value("test_images", test.map_or(0, |t| t.len() as i64));
    ctx.value("labelled_images", eval.map_or(0, |e| e.bank.size()[0]));
    ctx.value("label_fraction", p.label_fraction);
    ctx.value("image_size", p.image_size);
    ctx.value("encoder", p.encoder.clone());
    ctx.value("width", p.width);
    ctx.value("standard_width", p.width == 64);
    ctx.value("dim", p.dim);
    ctx.value("temperature", p.temperature);
    ctx.value("batch_size", p.batch_size);
    ctx.value("lr", p.lr);
    ctx.value("weight_decay", p.weight_decay);
    ctx.value("bn_splits", p.bn_splits);
    ctx.value("knn_k", p.knn_k);
    let params = {
        let vs = tch::nn::VarStore::new(tch::Device::Cpu);
        let _net = crate::nn::resnet::ResNet::new(&vs.root(), &runs::encoder_config(p));
        vs.trainable_variables().iter().map(|t| t.numel() as i64).sum::<i64>()
    };
    ctx.value("encoder_params", params);
}

fn momentum_findings(results: &[(f64, RunResult)], p: &MocoParams, ctx: &TaskContext) -> MomentumFindings {
    ctx.value("momentum_queue", p.momentum.queue);
    ctx.value("momentum_steps", p.momentum.steps as i64);
    ctx.value("momentum_values", results.iter().map(|(m, _)| fmt_m(*m)).collect::<Vec<_>>());
    let scored: Vec<&(f64, RunResult)> = results.iter().filter(|(_, r)| score(r).is_finite()).collect();
    let best = scored.iter().max_by(|a, b| score(&a.1).total_cmp(&score(&b.1)));
    let zero = results.iter().find(|(m, _)| *m == 0.0);
    let largest = results.iter().max_by(|a, b| a.0.total_cmp(&b.0)).filter(|(m, _)| *m > 0.0);
    if let Some((m, r)) = best {
        ctx.value("momentum_best_m", fmt_m(*m));
        ctx.value("momentum_best_knn", score(r));
        ctx.value("momentum_best_loss", r.final_loss);
    }
    let stuck: Vec<String> = results.iter().filter(|(_, r)| r.stuck()).map(|(m, _)| fmt_m(*m)).collect();
    ctx.value("momentum_stuck_count", stuck.len() as i64);
    ctx.value("momentum_stuck_values", stuck);
    if let Some((_, r)) = results.first() {
        ctx.value("momentum_uniform_loss", r.uniform_loss);
    }
    if let Some((_, r)) = zero {
        ctx.value("momentum_zero_loss", r.final_loss);
        if let Some(a) = r.knn {
            ctx.value("momentum_zero_knn", a);
        }
        if let Some(c) = r.oldest_consistency() {
            ctx.value("momentum_zero_oldest_cos", c);
        }
    }
    if let Some((m, r)) = largest {
        ctx.value("momentum_largest_m", fmt_m(*m));
        if let Some(a) = r.knn {
            ctx.value("momentum_largest_knn", a);
        }
        if let Some(c) = r.oldest_consistency() {
            ctx.value("momentum_largest_oldest_cos", c);
        }
    }
    if let Some(age) = results.iter().filter_map(|(_, r)| r.consistency.last().map(|c| c.0)).max() {
        ctx.value("momentum_oldest_age", age as i64);
    }
    if let Some((_, b)) = best {
        if let Some(z) = zero.and_then(|(_, r)| r.knn) {
            ctx.value("momentum_zero_gap", score(b) - z);
        }
        if let Some(l) = largest.and_then(|(_, r)| r.knn) {
            ctx.value("momentum_largest_gap", score(b) - l);
        }
    }
    // The best run itself is Ahead (it is above the others, not level with itself).
    let vs_best = |m: f64, r: &RunResult| best.filter(|_| r.knn.is_some()).map(|(bm, b)| if *bm == m { Outcome::Ahead } else { Outcome::accuracy(score(r), score(b)) });
    MomentumFindings {
        zero_vs_best: zero.and_then(|(m, r)| vs_best(*m, r)),
        largest_vs_best: largest.and_then(|(m, r)| vs_best(*m, r)),
        zero_loss_vs_best: match (zero, best) {
            (Some((_, z)), Some((_, b))) => Some(Outcome::compare(z.final_loss, b.final_loss, LOSS_TOLERANCE * b.final_loss.abs())),
            _ => None,
        },
        zero_consistency_vs_largest: match (zero.filter(|(_, r)| !r.stuck()).and_then(|(_, r)| r.oldest_consistency()), largest.and_then(|(_, r)| r.oldest_consistency())) {
            (Some(z), Some(l)) => Some(Outcome::compare(z, l, COSINE_TOLERANCE)),
            _ => None,
        },
        zero_stuck: zero.map(|(_, r)| r.stuck()),
    }
}

fn queue_findings(results: &[(i64, RunResult)], inconsistent: Option<&(f64, RunResult)>, p: &MocoParams, ctx: &TaskContext) -> QueueFindings {
    ctx.value("queue_momentum", fmt_m(p.queue.momentum));
    ctx.value("queue_steps", p.queue.steps as i64);
    ctx.value("queue_sizes", results.iter().map(|(k, _)| k.to_string()).collect::<Vec<_>>());
    let scored: Vec<&(i64, RunResult)> = results.iter().filter(|(_, r)| r.knn.is_some()).collect();
    let best = scored.iter().max_by(|a, b| score(&a.1).total_cmp(&score(&b.1)));
    let smallest = scored.iter().filter(|(k, _)| *k > 0).min_by_key(|(k, _)| *k);
    let largest = scored.iter().max_by_key(|(k, _)| *k).filter(|(k, _)| *k > 0);
    let in_batch = scored.iter().find(|(k, _)| *k == 0);
    for (name, entry) in [("best", best), ("smallest", smallest), ("largest", largest), ("in_batch", in_batch)] {
        if let Some((k, r)) = entry {
            ctx.value(&format!("queue_{name}_k"), *k);
            ctx.value(&format!("queue_{name}_knn"), score(r));
        }
    }
    let mut sorted: Vec<&&(i64, RunResult)> = scored.iter().collect();
    sorted.sort_by_key(|(k, _)| *k);
    let monotone = sorted.windows(2).all(|w| score(&w[1].1) >= score(&w[0].1) - crate::findings::ACCURACY_TOLERANCE);
    let consistent = largest.map(|(_, r)| r);
    if let Some((m, r)) = inconsistent {
        ctx.value("queue_inconsistent_m", fmt_m(*m));
        if let (Some(a), Some(c)) = (r.knn, consistent) {
            ctx.value("queue_inconsistent_knn", a);
            ctx.value("queue_inconsistent_gap", score(c) - a);
        }
    }
    if let (Some((_, l)), Some((_, s))) = (largest, smallest) {
        ctx.value("queue_growth_gap", score(l) - score(s));
    }
    if let (Some((_, z)), Some((_, b))) = (in_batch, best) {
        ctx.value("queue_in_batch_gap", score(b) - score(z));
    }
    QueueFindings {
        largest_vs_smallest: match (largest, smallest) {
            (Some((kl, l)), Some((ks, s))) if kl != ks => Some(Outcome::accuracy(score(l), score(s))),
            _ => None,
        },
        in_batch_vs_best: match (in_batch, best) {
            (Some(_), Some((0, _))) => Some(Outcome::Ahead),
            (Some((_, z)), Some((_, b))) => Some(Outcome::accuracy(score(z), score(b))),
            _ => None,
        },
        inconsistent_vs_consistent: match (inconsistent, consistent) {
            (Some((_, i)), Some(c)) if i.knn.is_some() => Some(Outcome::accuracy(score(i), score(c))),
            _ => None,
        },
        monotone,
    }
}

type RunFn<'a> = dyn FnMut(RunSpec, String, &Tensor, &[i64], Option<&Evaluation>) -> Result<RunResult> + 'a;

fn offline_study(p: &MocoParams, dataset: &Dataset, train: &Images, ctx: &TaskContext, run_one: &mut RunFn, evaluation_for: &dyn Fn(&Images, u64) -> Option<Evaluation>) -> Result<Option<OfflineFindings>> {
    let o = &p.offline;
    let n = (o.images as usize).min(train.len());
    let full = dataset.train.spread(0);
    let mut settings = vec![OfflineSetting::Online, OfflineSetting::Offline, OfflineSetting::OfflineCancel, OfflineSetting::OfflineAttract];
    if o.full_reference {
        settings.push(OfflineSetting::Full);
    }
    // Per setting: (kNN, linear, same-source negatives per query) per seed.
    let mut scores: Vec<(OfflineSetting, Vec<f64>, Vec<f64>, Vec<f64>)> = settings.iter().map(|&s| (s, Vec::new(), Vec::new(), Vec::new())).collect();
    for (round, &seed) in o.seeds.iter().enumerate() {
        let mut rng = SplitMix64::new(seed ^ 0x4d52_4920);
        let mut order: Vec<usize> = (0..full.len()).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        let originals = full.take(&order[..n]);
        let eval = evaluation_for(&originals, seed);
        let device = ctx.device;
        let (copies, copy_sources) = data::offline_copies(&originals.images.to_device(device), o.copies, seed);
        let online_sources: Vec<i64> = (0..n as i64).collect();
        let full_sources: Vec<i64> = (0..full.len() as i64).collect();
        let originals_dev = originals.images.to_device(device);
        for (i, &setting) in settings.iter().enumerate() {
            let (images, sources): (Tensor, &[i64]) = match setting {
                OfflineSetting::Online => (originals_dev.shallow_clone(), &online_sources),
                OfflineSetting::Full => (full.images.to_device(device), &full_sources),
                _ => (copies.shallow_clone(), &copy_sources),
            };
            let spec = RunSpec { key: format!("offline/{}-s{}", setting.key(), round + 1), momentum: o.momentum, queue: o.queue, steps: o.steps, false_negatives: setting.false_negatives(), seed };
            let r = run_one(spec, setting.key().to_string(), &images, sources, eval.as_ref())?;
            scores[i].1.extend(r.knn);
            scores[i].2.extend(r.linear);
            scores[i].3.push(r.same_source);
        }
    }
    let mut table = ResultTable::new(
        "offline",
        "2,000 images: online augmentation, offline copies, false negatives",
        &[("setting", ColumnKind::Term), ("training_images", ColumnKind::Integer), ("knn_accuracy", ColumnKind::Percent), ("knn_std", ColumnKind::Percent), ("linear_accuracy", ColumnKind::Percent), ("linear_std", ColumnKind::Percent), ("same_source_negatives", ColumnKind::Float)],
    );
    let use_linear = scores.iter().all(|s| !s.2.is_empty());
    let metric = if use_linear { "linear" } else { "knn" };
    let mut mean_of = std::collections::HashMap::new();
    for (setting, knn, linear, same) in &scores {
        let images = match setting {
            OfflineSetting::Online => n,
            OfflineSetting::Full => full.len(),
            _ => n * (1 + o.copies as usize),
        };
        let (km, ks) = mean_std(knn);
        let (lm, ls) = mean_std(linear);
        let (sm, _) = mean_std(same);
        let some = |v: &Vec<f64>, x: f64| if v.is_empty() { json!(null) } else { json!(x) };
        table.push(vec![json!(setting.key()), json!(images), some(knn, km), some(knn, ks), some(linear, lm), some(linear, ls), json!(sm)]);
        let key = setting.key();
        ctx.value(&format!("offline_{key}_images"), images as i64);
        ctx.value(&format!("offline_{key}_same_source"), sm);
        if !knn.is_empty() {
            ctx.value(&format!("offline_{key}_knn"), km);
            ctx.value(&format!("offline_{key}_knn_std"), ks);
        }
        if !linear.is_empty() {
            ctx.value(&format!("offline_{key}_linear"), lm);
            ctx.value(&format!("offline_{key}_linear_std"), ls);
        }
        let (chosen, chosen_std) = if use_linear { (lm, ls) } else { (km, ks) };
        if !knn.is_empty() {
            ctx.value(&format!("offline_{key}_score"), chosen);
            ctx.value(&format!("offline_{key}_score_std"), chosen_std);
        }
        mean_of.insert(*setting, chosen);
    }
    for (name, a, b) in [("offline", OfflineSetting::Offline, OfflineSetting::Online), ("cancel", OfflineSetting::OfflineCancel, OfflineSetting::Offline), ("attract", OfflineSetting::OfflineAttract, OfflineSetting::Offline), ("all", OfflineSetting::Full, OfflineSetting::Online)] {
        if let (Some(x), Some(y)) = (mean_of.get(&a), mean_of.get(&b)) {
            if x.is_finite() && y.is_finite() {
                ctx.value(&format!("offline_gap_{name}"), x - y);
            }
        }
    }
    ctx.table(table);
    ctx.value("offline_originals", n as i64);
    ctx.value("offline_reference_images", full.len() as i64);
    ctx.value("offline_full_reference", o.full_reference);
    ctx.value("offline_copies", i64::from(o.copies));
    ctx.value("offline_steps", o.steps as i64);
    ctx.value("offline_queue", o.queue);
    ctx.value("offline_seeds", o.seeds.len() as i64);
    ctx.value("offline_labelled", ((n as f64) * p.label_fraction).round() as i64);
    // A uniformly drawn queue of K keys from N(1 + c) instances holds K·c / (N(1 + c) − 1)
    // of the query's c + 1 − 1 siblings on average.
    let pool = (n * (1 + o.copies as usize)) as f64;
    ctx.value("offline_expected_same_source", o.queue as f64 * f64::from(o.copies) / (pool - 1.0).max(1.0));
    ctx.value("offline_epochs_online", (o.steps as f64 * p.batch_size as f64 / n as f64).round() as i64);
    ctx.value("offline_epochs_offline", (o.steps as f64 * p.batch_size as f64 / pool).round() as i64);
    let any_scores = scores.iter().any(|s| !s.1.is_empty());
    if !any_scores {
        return Ok(None);
    }
    let get = |s: OfflineSetting| mean_of.get(&s).copied();
    let cmp = |a: OfflineSetting, b: OfflineSetting| Some(Outcome::accuracy(get(a)?, get(b)?));
    Ok(Some(OfflineFindings {
        offline_vs_online: cmp(OfflineSetting::Offline, OfflineSetting::Online).unwrap_or(Outcome::Level),
        cancel_vs_offline: cmp(OfflineSetting::OfflineCancel, OfflineSetting::Offline),
        attract_vs_offline: cmp(OfflineSetting::OfflineAttract, OfflineSetting::Offline),
        full_vs_online: cmp(OfflineSetting::Full, OfflineSetting::Online),
        metric,
        several_seeds: o.seeds.len() > 1,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_plan_counts_every_run() {
        assert_eq!(planned_runs(&MocoParams::default()), 5 + 6 + 15);
    }
}
