//! `adaptlab bench adapt`: how long Q3 (d)/(e) take at the real size (Stanford Dogs'
//! 120 classes, 10,800 training features after validation, hw5.yaml's grids), on
//! synthetic features and a random-weight model of the real architecture.
use crate::cli::{AdaptBenchArgs, ExitCode};
use crate::nn::clip::{Clip, ClipConfig};
use crate::tasks::q3::params::{AdaptSettings, ClassEmbeddingParams, LinearProbeParams};
use crate::tasks::q3::adapt::fit::Labelled;
use crate::nn::coop::ClassPrompts;
use crate::tasks::q3::adapt::methods::{self, coop_tokens, CoopClassifier, Method};
use crate::tasks::q3::adapt::Prepared;
use crate::zoo::clip::class_embeddings;
use crate::zoo::clip::LoadedClip;
use anyhow::{Context, Result};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use std::time::Instant;
use tch::nn::{OptimizerConfig, VarStore};
use tch::{Kind, Tensor};


/// The (d) and (e) settings of the hw5 suite, so the figures are for the real runs.
fn hw5_params() -> Result<(AdaptSettings, AdaptSettings)> {
    let suite = crate::tasks::load_suite(&crate::spec::SuiteRef::Builtin("hw5"))?;
    let params = |id: &str| suite.experiment(id).map(|e| &e.params).with_context(|| format!("hw5.yaml has no experiment {id}"));
    let ce = params("q3.base.class-embedding")?.get::<ClassEmbeddingParams>().context("q3.base.class-embedding is not a clip_class_embedding experiment")?;
    let lp = params("q3.base.linear-probe")?.get::<LinearProbeParams>().context("q3.base.linear-probe is not a clip_linear_probe experiment")?;
    Ok((ce.settings(), lp.settings()))
}

pub fn adapt(args: &AdaptBenchArgs) -> Result<ExitCode> {
    let (ce, lp) = hw5_params()?;
    let spec = crate::spec::DeviceSpec::parse(&args.device).with_context(|| format!("`{}` is not a device (auto, cpu, cuda, cuda:N)", args.device))?;
    let device = crate::run::device::resolve(spec)?;
    let a = args;
    let cfg = ClipConfig::preset(&a.model).with_context(|| format!("unknown model `{}`", a.model))?;
    tch::manual_seed(0);
    let mut vs = VarStore::new(device);
    let clip = Clip::new(&vs.root(), &cfg);
    vs.freeze();
    let names: Vec<String> = (0..a.classes).map(|i| format!("breed number {i}")).collect();
    let embed = cfg.text.embed_dim;
    let centres = Tensor::randn([a.classes as i64, embed], (Kind::Float, device));
    let sample = |n: usize| {
        let labels: Vec<i64> = (0..n).map(|i| (i % a.classes) as i64).collect();
        let f = centres.index_select(0, &Tensor::from_slice(&labels).to_device(device)) + Tensor::randn([n as i64, embed], (Kind::Float, device)) * 7.0;
        (f, labels)
    };
    let (train_features, train_labels) = sample(a.classes * a.per_class);
    let (val_features, val_labels) = sample(a.classes * 10);
    let (test_features, test_labels) = sample(a.classes * 70);
    let zero_shot = class_embeddings(&clip, &names, std::slice::from_ref(&ce.template), device);
    let prep = Prepared {
        model: LoadedClip { clip, vs, id: a.model.clone(), weights_sha: "random".into() },
        model_name: a.model.clone(),
        names,
        train_features,
        train_labels,
        val_features,
        val_labels: Tensor::from_slice(&val_labels).to_device(device),
        test_features,
        test_labels,
        zero_shot,
        scale: 100.0,
    };
    println!("{} classes, {} training features of width {embed}, on {:?}; grids from hw5.yaml", a.classes, prep.train_labels.len(), device);
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(["method", "grid", "optimizer steps", "seconds", "test top-1"]);
    for (method, p) in [(Method::TextInit, &ce), (Method::Probe, &lp), (Method::Lbfgs, &lp)] {
        let mut steps = 0u64;
        let started = Instant::now();
        let run = methods::run(method, &prep, p, None, 0, device, &mut |_, _| {
            steps += 1;
            Ok(())
        })?;
        let grid = run.grid.len();
        for (setting, val, detail) in &run.grid {
            println!("  {}: {setting}: validation {:.2}% ({detail})", method.key(), val * 100.0);
        }
        let steps = if method == Method::Lbfgs { "— (iterations above)".to_string() } else { steps.to_string() };
        table.add_row([method.label().to_string(), grid.to_string(), steps, format!("{:.2}", started.elapsed().as_secs_f64()), format!("{:.2}%", run.test.top1 * 100.0)]);
    }
    println!("{table}");

    // (d2): one step = the text tower on all classes' prompts (one batch) + backward.
    let (tokens, m, init) = coop_tokens(&prep.names, &ce.coop);
    let coop_vs = VarStore::new(device);
    let model = CoopClassifier { clip: &prep.model.clip, prompts: ClassPrompts::new(&coop_vs.root(), &prep.model.clip.text, &tokens, m, init), scale: prep.scale };
    let mut opt = tch::nn::Sgd { momentum: 0.9, ..Default::default() }.build(&coop_vs, 0.002)?;
    let batch = ce.coop.batch_size as i64;
    let data = Labelled { features: &prep.train_features, labels: &Tensor::from_slice(&prep.train_labels).to_device(device) };
    let step = |opt: &mut tch::nn::Optimizer| {
        let index = Tensor::randint(data.len() as i64, [batch], (Kind::Int64, device));
        let logits = crate::nn::class_head::FeatureClassifier::logits(&model, &data.features.index_select(0, &index));
        opt.backward_step(&logits.cross_entropy_for_logits(&data.labels.index_select(0, &index)));
    };
    step(&mut opt);
    let reps = 5;
    let started = Instant::now();
    for _ in 0..reps {
        step(&mut opt);
    }
    let per_step = started.elapsed().as_secs_f64() / reps as f64;
    let steps_per_run = (ce.coop.epochs as u64 * (prep.train_labels.len() as u64).div_ceil(batch as u64)).max(ce.coop.min_steps as u64);
    let runs = ce.coop.lrs.len() * ce.coop.weight_decays.len();
    println!(
        "(d2) CoOp: {} prompts of {} tokens (cut from 77) through the {}-layer text tower per step, batch {batch}: {:.3} s/step; the full-data grid ({runs} run(s) × {steps_per_run} steps) ≈ {:.0} s",
        a.classes,
        model.prompts.length(),
        cfg.text.layers,
        per_step,
        per_step * (runs as u64 * steps_per_run) as f64
    );
    Ok(ExitCode::Success)
}
