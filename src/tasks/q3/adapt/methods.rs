//! The trainable classifiers of (d) and (e), each trained on a subset of the training
//! features with its hyperparameters chosen on validation, then scored once on test.
use super::fit::{grid_search, predict, FitOutcome, Labelled};
use super::Prepared;
use crate::nn::class_head::{CosineHead, FeatureClassifier, LinearProbe};
use crate::nn::clip::{normalize, Clip};
use crate::nn::coop::{ClassPrompts, ContextInit};
use crate::nn::lbfgs::LbfgsOptions;
use crate::nn::logistic::LogisticRegression;
use crate::results::term_cell;
use crate::tasks::q3::params::{AdaptSettings, ClassEmbeddingMethod, CoopParams, FitParams, ProbeMethod};
use crate::tasks::q3::eval::{evaluate, Evaluation};
use crate::tokenize::ClipTokenizer;
use anyhow::Result;
use std::time::Instant;
use tch::nn::VarStore;
use tch::{Kind, Tensor};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// (d1) one embedding per class in the joint space, initialised from the text.
    TextInit,
    /// (d1) ablation: the same head initialised at random.
    RandomInit,
    /// (d2) CoOp: class-specific context tokens through the frozen text encoder.
    Coop,
    /// (e) a fully connected layer trained by gradient descent.
    Probe,
    /// (e) reference: L2 logistic regression by L-BFGS (the CLIP paper's probe).
    Lbfgs,
}

impl Method {
    pub const ALL: [Method; 5] = [Method::TextInit, Method::RandomInit, Method::Coop, Method::Probe, Method::Lbfgs];

    pub fn key(self) -> &'static str {
        match self {
            Method::TextInit => "text_init",
            Method::RandomInit => "random_init",
            Method::Coop => "coop",
            Method::Probe => "probe",
            Method::Lbfgs => "lbfgs",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Method::TextInit => "(d1) class embeddings, text init",
            Method::RandomInit => "(d1) class embeddings, random init",
            Method::Coop => "(d2) CoOp context tokens",
            Method::Probe => "(e) linear probe",
            Method::Lbfgs => "(e) logistic regression, L-BFGS",
        }
    }

    pub fn from_key(key: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.key() == key)
    }
}

impl From<ClassEmbeddingMethod> for Method {
    fn from(m: ClassEmbeddingMethod) -> Method {
        match m {
            ClassEmbeddingMethod::TextInit => Method::TextInit,
            ClassEmbeddingMethod::RandomInit => Method::RandomInit,
            ClassEmbeddingMethod::Coop => Method::Coop,
        }
    }
}

impl From<ProbeMethod> for Method {
    fn from(m: ProbeMethod) -> Method {
        match m {
            ProbeMethod::Probe => Method::Probe,
            ProbeMethod::Lbfgs => Method::Lbfgs,
        }
    }
}

/// One method trained once and scored on test.
pub struct MethodRun {
    pub method: Method,
    pub test: Evaluation,
    pub val_accuracy: f64,
    /// The chosen hyperparameters in English words (`lr 0.05`: the log and the
    /// `<method>_choice` value, as earlier runs stored it).
    pub choice: String,
    /// The same as a term cell, worded by the report in its language.
    pub setting: String,
    pub trainable: i64,
    pub seconds: f64,
    /// The chosen setting's training curve (gradient-descent methods).
    pub outcome: Option<FitOutcome>,
    /// Every grid point: (setting, validation accuracy, when it peaked).
    pub grid: Vec<(String, f64, String)>,
}

/// The CoOp prompt token ids of every class and the context length M.
pub fn coop_tokens(names: &[String], coop: &CoopParams) -> (Tensor, i64, ContextInit) {
    let tokenizer = ClipTokenizer::get();
    let init = coop.ctx_init.trim();
    let (words, how) = if init.is_empty() { (vec!["X"; coop.ctx_tokens as usize].join(" "), ContextInit::Random) } else { (init.to_string(), ContextInit::FromTokens) };
    let m = tokenizer.encode(&words).len() as i64;
    let prompts: Vec<String> = names.iter().map(|n| format!("{words} {n}.")).collect();
    (tokenizer.tokenize_batch(&prompts), m, how)
}

/// CoOp's classifier: the frozen CLIP's text tower on the learned prompts.
pub struct CoopClassifier<'a> {
    pub clip: &'a Clip,
    pub prompts: ClassPrompts,
    pub scale: f64,
}

impl FeatureClassifier for CoopClassifier<'_> {
    fn logits(&self, features: &Tensor) -> Tensor {
        let classes = normalize(&self.prompts.encode(&self.clip.text));
        normalize(features).matmul(&classes.transpose(0, 1)) * self.scale
    }
}

/// The L-BFGS probe as a classifier on unit-length features (as the linear probe).
struct LbfgsProbe(LogisticRegression);

impl FeatureClassifier for LbfgsProbe {
    fn logits(&self, features: &Tensor) -> Tensor {
        self.0.logits(&normalize(features)).to_kind(Kind::Float)
    }
}

fn trainable(vs: &VarStore) -> i64 {
    vs.trainable_variables().iter().map(|t| t.numel() as i64).sum()
}

/// A grid point's setting as a term cell (worded by the report's catalogs).
fn describe(o: &FitOutcome) -> String {
    describe_both(o).1
}

/// A grid point's setting: in English words (the log, `<method>_choice`) and as a term cell.
fn describe_both(o: &FitOutcome) -> (String, String) {
    let (lr, wd) = (o.setting.lr, o.setting.weight_decay);
    if wd > 0.0 {
        (format!("lr {lr}, weight decay {wd}"), term_cell("setting-lr-wd", &[("lr", lr.to_string()), ("wd", wd.to_string())]))
    } else {
        (format!("lr {lr}"), term_cell("setting-lr", &[("lr", lr.to_string())]))
    }
}

/// Where a gradient fit peaked on validation, as a term cell.
fn peak(o: &FitOutcome) -> String {
    term_cell("best-step", &[("step", o.best_step.to_string()), ("steps", o.steps.to_string())])
}

fn setting_c(c: f64) -> String {
    term_cell("setting-c", &[("c", c.to_string())])
}

fn test_evaluation(prep: &Prepared, model: &dyn FeatureClassifier) -> Evaluation {
    let scores = predict(model, &prep.test_features).to_device(tch::Device::Cpu);
    evaluate(&scores, &prep.test_labels, prep.classes())
}

/// Trains a gradient-descent classifier over its grid and scores the pick on test.
#[allow(clippy::too_many_arguments)]
fn by_gradient<M: FeatureClassifier>(method: Method, prep: &Prepared, build: &dyn Fn(&VarStore) -> M, params: &FitParams, train: Labelled, val: Labelled, seed: u64, device: tch::Device, tick: &mut dyn FnMut(u64, u64) -> Result<()>) -> Result<MethodRun> {
    let started = Instant::now();
    let (best, all) = grid_search(build, device, train, val, params, seed, tick)?;
    let (choice, setting) = describe_both(&best.outcome);
    Ok(MethodRun {
        method,
        test: test_evaluation(prep, &best.model),
        val_accuracy: best.outcome.val_accuracy,
        choice,
        setting,
        trainable: trainable(&best.vs),
        seconds: started.elapsed().as_secs_f64(),
        grid: all.iter().map(|o| (describe(o), o.val_accuracy, peak(o))).collect(),
        outcome: Some(best.outcome),
    })
}

/// The L-BFGS reference over its C grid (ascending, each fit warm-started from the
/// previous one), the pick scored on test.
fn by_lbfgs(prep: &Prepared, p: &AdaptSettings, train: Labelled, val: Labelled, tick: &mut dyn FnMut(u64, u64) -> Result<()>) -> Result<MethodRun> {
    let started = Instant::now();
    let x = normalize(train.features);
    let mut cs = p.lbfgs.cs.clone();
    cs.sort_by(f64::total_cmp);
    let opts = LbfgsOptions { max_iter: p.lbfgs.max_iter as usize, ..Default::default() };
    let mut fits: Vec<(LbfgsProbe, f64)> = Vec::with_capacity(cs.len());
    for (i, &c) in cs.iter().enumerate() {
        let probe = LbfgsProbe(LogisticRegression::fit(&x, train.labels, prep.classes() as i64, c, fits.last().map(|f| &f.0 .0), opts));
        let acc = super::fit::accuracy(&probe, val);
        fits.push((probe, acc));
        tick(i as u64 + 1, cs.len() as u64)?;
    }
    let grid = fits.iter().map(|(f, acc)| (setting_c(f.0.c), *acc, term_cell("lbfgs-iterations", &[("iterations", f.0.iterations.to_string()), ("converged", if f.0.converged { "yes" } else { "no" }.to_string())]))).collect();
    // The first of equals, as the gradient grids choose.
    let best = fits.iter().enumerate().fold(None::<usize>, |b, (i, f)| match b {
        Some(j) if fits[j].1 >= f.1 => Some(j),
        _ => Some(i),
    });
    let (probe, val_accuracy) = &fits[best.ok_or_else(|| anyhow::anyhow!("`lbfgs.cs` is empty"))?];
    Ok(MethodRun {
        method: Method::Lbfgs,
        test: test_evaluation(prep, probe),
        val_accuracy: *val_accuracy,
        choice: format!("C {}", probe.0.c),
        setting: setting_c(probe.0.c),
        trainable: probe.0.weight.numel() as i64 + probe.0.bias.numel() as i64,
        seconds: started.elapsed().as_secs_f64(),
        outcome: None,
        grid,
    })
}

/// Trains `method` on the training rows `subset` (all when None) with `seed`.
pub fn run(method: Method, prep: &Prepared, p: &AdaptSettings, subset: Option<&[usize]>, seed: u64, device: tch::Device, tick: &mut dyn FnMut(u64, u64) -> Result<()>) -> Result<MethodRun> {
    let (features, labels) = match subset {
        Some(rows) => {
            let index = Tensor::from_slice(&rows.iter().map(|&r| r as i64).collect::<Vec<_>>()).to_device(device);
            let labels: Vec<i64> = rows.iter().map(|&r| prep.train_labels[r]).collect();
            (prep.train_features.index_select(0, &index), Tensor::from_slice(&labels).to_device(device))
        }
        None => (prep.train_features.shallow_clone(), Tensor::from_slice(&prep.train_labels).to_device(device)),
    };
    let train = Labelled { features: &features, labels: &labels };
    let val = Labelled { features: &prep.val_features, labels: &prep.val_labels };
    let classes = prep.classes() as i64;
    let embed = prep.zero_shot.size()[1];
    let scale = prep.scale;
    match method {
        Method::TextInit => {
            let init = prep.zero_shot.to_device(device);
            by_gradient(method, prep, &|vs: &VarStore| CosineHead::from_embeddings(&vs.root(), &init, scale), &p.head, train, val, seed, device, tick)
        }
        Method::RandomInit => by_gradient(method, prep, &|vs: &VarStore| CosineHead::random(&vs.root(), classes, embed, scale), &p.head, train, val, seed, device, tick),
        Method::Probe => by_gradient(method, prep, &|vs: &VarStore| LinearProbe::new(&vs.root(), embed, classes), &p.probe, train, val, seed, device, tick),
        Method::Coop => {
            let (tokens, m, init) = coop_tokens(&prep.names, &p.coop);
            let clip = &prep.model.clip;
            let build = |vs: &VarStore| CoopClassifier { clip, prompts: ClassPrompts::new(&vs.root(), &clip.text, &tokens, m, init), scale };
            by_gradient(method, prep, &build, &p.coop.fit(), train, val, seed, device, tick)
        }
        Method::Lbfgs => by_lbfgs(prep, p, train, val, tick),
    }
}
