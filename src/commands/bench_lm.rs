//! `adaptlab bench lm`: prefill and decode throughput of our generation loop against
//! transformers `generate` (python/bench_lm.py) on the same random-weight model folders,
//! rounds alternating side by side. The matmuls are libtorch's on both sides; the loop,
//! KV cache and sampling are ours. Decode at batch 1 is bound by reading every weight
//! once per token, so the table gives that bandwidth too.
use super::bench_peer::{paired, PythonPeer};
use crate::cli::{ExitCode, LmBenchArgs};
use crate::nn::lm::generate::{GenEvent, Sampling};
use crate::nn::lm::CausalLm;
use crate::zoo::lm::Precision;
use anyhow::{bail, Context, Result};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use std::path::Path;
use tch::{Device, Kind};

fn prompts(vocab: i64, batch: usize, length: usize, seed: u64) -> Vec<Vec<i64>> {
    let mut rng = crate::data::rng::SplitMix64::new(seed);
    (0..batch).map(|_| (0..length).map(|_| rng.below(vocab as usize) as i64).collect()).collect()
}

/// (prefill tokens/s, decode tokens/s) of one generate call.
fn ours(model: &CausalLm, batch: usize, length: usize, new: usize) -> Result<(f64, f64)> {
    let p = prompts(model.cfg.vocab_size, batch, length, (batch * 1000 + length) as u64);
    let s = Sampling { max_new_tokens: new, ..Sampling::default() };
    let (mut prefill, mut decode) = (0.0, 0.0);
    model.generate(&p, &s, &|_: &[i64]| String::new(), &mut |e| match e {
        GenEvent::Prefill { tokens, seconds } => prefill = tokens as f64 / seconds,
        GenEvent::Done { new_tokens, seconds } => decode = new_tokens as f64 / seconds,
        GenEvent::Token { .. } => {}
    })?;
    Ok((prefill, decode))
}

pub fn lm(a: &LmBenchArgs) -> Result<ExitCode> {
    let threads = tch::get_num_threads().max(1) as usize;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/bench_lm.py");
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(vec!["model", "precision", "batch", "measure", "adaptlab tok/s", "transformers tok/s", "ratio", "weights read/s (ours)"]);
    for name in &a.models {
        if name != "gpt2" && name != "qwen2" {
            bail!("--model {name}: the benchmark has gpt2 and qwen2");
        }
        let dir = tempfile::tempdir()?;
        eprintln!("{name}: saving random weights with transformers ...");
        let out = std::process::Command::new(&a.python.python).arg(&script).args(["make", dir.path().to_str().unwrap_or_default(), name]).output()
            .with_context(|| format!("running {} (set ADAPTLAB_PYTHON or run `make setup-ref`)", a.python.python.display()))?;
        if !out.status.success() {
            bail!("bench_lm.py make failed:\n{}", String::from_utf8_lossy(&out.stderr));
        }
        let mut peer = PythonPeer::start(&a.python.python, &script, &["serve".into(), dir.path().display().to_string(), threads.to_string()])?;
        for &precision in &a.precisions {
            let kind = precision.kind(Device::Cpu)?;
            let model = CausalLm::load(dir.path(), Device::Cpu, kind)?;
            let weight_bytes = model.cfg.parameter_count() as f64 * if kind == Kind::Float { 4.0 } else { 2.0 };
            let tag = match precision { Precision::Fp32 => "fp32", Precision::Bf16 => "bf16", Precision::Fp16 => "fp16" };
            ours(&model, 1, 8, 2)?; // warm-up
            let _ = peer.measure(&format!("decode 1 8 2 {tag}"))?;
            for &batch in &a.batches {
                // Each side's first call at a new shape builds its kernels (oneDNN's bf16 ones
                // especially); both warm up at the measured shapes first.
                ours(&model, batch, a.prompt, 2)?;
                let _ = peer.measure(&format!("decode {batch} {} 2 {tag}", a.prompt))?;
                let (mut pre, mut dec) = (vec![], vec![]);
                for r in 0..a.rounds {
                    eprintln!("{name} {tag} batch {batch}: round {}/{} ...", r + 1, a.rounds);
                    let (p, d) = ours(&model, batch, a.prompt, a.new_tokens)?;
                    pre.push((p, peer.measure(&format!("prefill {batch} {} {tag}", a.prompt))?));
                    dec.push((d, peer.measure(&format!("decode {batch} {} {} {tag}", a.prompt, a.new_tokens))?));
                }
                for (measure, rounds) in [("prefill", &pre), ("decode", &dec)] {
                    let p = paired(rounds);
                    // Each decode step reads all weights once for the whole batch.
                    let bandwidth = if measure == "decode" { format!("{:.1} GB/s", p.ours / batch as f64 * weight_bytes / 1e9) } else { String::new() };
                    table.add_row(vec![name.clone(), tag.into(), batch.to_string(), measure.into(), format!("{:.1}", p.ours), format!("{:.1}", p.theirs), format!("{:.2}×", p.ratio), bandwidth]);
                }
            }
        }
        drop(peer);
    }
    println!("prompt {} tokens, {} new tokens (greedy), {threads} threads, medians of {} rounds; ratio = adaptlab / transformers", a.prompt, a.new_tokens, a.rounds);
    println!("{table}");
    Ok(ExitCode::Success)
}
