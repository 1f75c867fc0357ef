//! `adaptlab bench moco`: MoCo v2 training throughput against the official CIFAR-10 demo's
//! PyTorch loop (python/bench_moco.py) in one invocation: the same ResNet-18 (CIFAR stem,
//! split BatchNorm, MLP head), batch, queue and augmentations (ours batched on the device,
//! theirs per image with PIL through a DataLoader), rounds measured back to back.
use super::bench_peer::{paired, PythonPeer};
use crate::cli::{ExitCode, MocoBenchArgs};
use crate::data::moco_augment::Augment;
use crate::nn::moco::{FalseNegatives, Moco, MocoConfig};
use crate::nn::resnet::ResNetConfig;
use crate::train::moco::{optimizer, train_step, MocoTrainConfig, TrainSet};
use anyhow::Result;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use std::path::Path;
use std::time::Instant;
use tch::{Device, Kind, Tensor};

pub fn moco(a: &MocoBenchArgs) -> Result<ExitCode> {
    anyhow::ensure!(a.queue % a.batch == 0 && a.batch % a.splits == 0, "the queue must be a multiple of the batch, and the batch of the BN groups");
    let threads = tch::get_num_threads().max(1) as usize;
    let encoder = ResNetConfig { cifar_stem: true, num_classes: Some(128), bn_splits: a.splits as i64, mlp_head: true, width: a.width as i64, ..ResNetConfig::resnet18() };
    tch::manual_seed(0);
    let mut moco = Moco::new(MocoConfig { encoder, queue: a.queue as i64, momentum: 0.99, temperature: 0.1 }, Device::Cpu)?;
    let n = 2048;
    let images = Tensor::randint(256, [n, 3, 32, 32], (Kind::Uint8, Device::Cpu));
    let sources: Vec<i64> = (0..n).collect();
    let source_ids = Tensor::from_slice(&sources);
    let augment = Augment::moco_v2(32);
    let data = TrainSet { images: &images, sources: &sources, augment: &augment };
    let cfg = MocoTrainConfig { batch_size: a.batch as i64, total_steps: u64::MAX, lr: 0.06, sgd_momentum: 0.9, weight_decay: 5e-4, seed: 0, false_negatives: FalseNegatives::Keep, knn_k: 200, knn_t: 0.1, eval_points: 1, save_seconds: f64::INFINITY };
    let mut opt = optimizer(&moco, &cfg);
    let mut step = 0u64;
    let mut ours = |steps: usize| -> Result<f64> {
        let start = Instant::now();
        for _ in 0..steps {
            let from = (step as usize * a.batch) % (n as usize - a.batch);
            let idx: Vec<i64> = (from as i64..(from + a.batch) as i64).collect();
            train_step(&mut moco, &mut opt, &data, &source_ids, &idx, 0, step, 0.06, &cfg)?;
            step += 1;
        }
        Ok((steps * a.batch) as f64 / start.elapsed().as_secs_f64())
    };
    ours(1)?; // warm-up
    eprintln!("starting the official demo's PyTorch loop on the same model size ...");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/bench_moco.py");
    let args = [a.batch, a.width, a.splits, a.queue, threads, a.workers].map(|v| v.to_string());
    let mut peer = PythonPeer::start(&a.python.python, &script, &args)?;
    let mut rounds = Vec::new();
    for r in 0..a.rounds {
        eprintln!("round {}/{} ...", r + 1, a.rounds);
        let mine = ours(a.steps)?;
        let theirs = peer.measure(&format!("train {}", a.steps))?;
        rounds.push((mine, theirs));
    }
    let p = paired(&rounds);
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).set_header(vec!["measure", "adaptlab", "PyTorch (official demo loop)", "ratio"]);
    t.add_row(vec![format!("MoCo v2 training, images/s (batch {}, {threads} threads, {} DataLoader workers)", a.batch, a.workers), format!("{:.1}", p.ours), format!("{:.1}", p.theirs), format!("{:.2}×", p.ratio)]);
    println!("ResNet-18 (CIFAR stem, width {}, {} BN groups, MLP head to 128), K = {}, 32×32 images; medians of {} rounds of {} steps", a.width, a.splits, a.queue, a.rounds, a.steps);
    println!("{t}");
    Ok(ExitCode::Success)
}
