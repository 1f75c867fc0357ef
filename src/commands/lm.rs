//! `adaptlab lm generate` and `adaptlab lm score`.
use crate::cli::{ExitCode, LmGenerateArgs, LmModelArgs, LmScoreArgs};
use crate::nn::lm::generate::{GenEvent, Sampling};
use crate::paths::Paths;
use crate::tokenize::chat::Message;
use crate::zoo::lm::{model_dir, pick_device, LoadedLm};
use anyhow::{bail, Result};
use std::io::Write;

fn load(a: &LmModelArgs, paths: &Paths) -> Result<LoadedLm> {
    let dir = model_dir(&a.model, &paths.hub, a.offline || crate::hub::hf::offline())?;
    LoadedLm::load(&dir, pick_device(Some(&a.device))?, a.precision)
}

pub fn generate(a: &LmGenerateArgs, paths: &Paths) -> Result<ExitCode> {
    if a.temperature < 0.0 || !a.temperature.is_finite() {
        bail!("--temperature must be 0 (greedy) or positive");
    }
    if a.top_p.is_some_and(|p| !(p > 0.0 && p <= 1.0)) {
        bail!("--top-p must be in (0, 1]");
    }
    if a.n == 0 || a.max_new_tokens == 0 {
        bail!("--n and --max-new must be at least 1");
    }
    let lm = load(&a.model, paths)?;
    let mut prompts = Vec::with_capacity(a.prompts.len());
    for p in &a.prompts {
        let ids = if a.chat {
            let mut messages = Vec::new();
            if let Some(system) = &a.system {
                messages.push(Message::new("system", system));
            }
            messages.push(Message::new("user", p));
            // The template writes BOS itself, as apply_chat_template(tokenize=True) does.
            lm.tokenizer.encode(&lm.tokenizer.render_chat(&messages, true)?, false)?
        } else {
            lm.tokenizer.encode(p, true)?
        };
        prompts.push(ids);
    }
    let sampling = Sampling {
        temperature: a.temperature,
        top_k: a.top_k,
        top_p: a.top_p,
        repetition_penalty: a.repetition_penalty,
        max_new_tokens: a.max_new_tokens,
        n: a.n,
        seed: a.seed,
        stop: a.stop.clone(),
        eos: lm.eos_ids(),
    };
    let stream = !a.json && prompts.len() == 1 && a.n == 1;
    let mut shown = 0usize;
    let mut stdout = std::io::stdout();
    let decode = |ids: &[i64]| lm.tokenizer.decode(ids, true);
    let mut on_event = |e: GenEvent| match e {
        GenEvent::Prefill { tokens, seconds } => eprintln!("prefill: {tokens} prompt tokens in {seconds:.2} s ({:.0} tokens/s)", tokens as f64 / seconds.max(1e-9)),
        GenEvent::Token { text, .. } if stream => {
            // Print only whole characters that will not change (decoding may revise the tail).
            if text.len() > shown && text.is_char_boundary(shown) {
                let _ = write!(stdout, "{}", &text[shown..]);
                let _ = stdout.flush();
                shown = text.len();
            }
        }
        GenEvent::Token { .. } => {}
        GenEvent::Done { new_tokens, seconds } => eprintln!("\ndecode: {new_tokens} new tokens in {seconds:.2} s ({:.1} tokens/s)", new_tokens as f64 / seconds.max(1e-9)),
    };
    let out = lm.model.generate(&prompts, &sampling, &decode, &mut on_event)?;
    if a.json {
        let rows: Vec<serde_json::Value> = out
            .iter()
            .map(|c| serde_json::json!({"prompt": a.prompts[c.prompt], "sample": c.sample, "completion": c.text, "tokens": c.tokens.len(), "finish": c.finish}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else if !stream {
        for c in &out {
            let tag = if a.n > 1 { format!(" (sample {})", c.sample + 1) } else { String::new() };
            println!("── {}{tag}\n{}{}\n", a.prompts[c.prompt], a.prompts[c.prompt], c.text);
        }
    } else {
        println!();
    }
    Ok(ExitCode::Success)
}

pub fn score(a: &LmScoreArgs, paths: &Paths) -> Result<ExitCode> {
    let lm = load(&a.model, paths)?;
    let context = lm.tokenizer.encode(&a.context, true)?;
    let mut pairs = Vec::new();
    for c in &a.continuations {
        let ids = lm.tokenizer.encode(c, false)?;
        if ids.is_empty() {
            bail!("the continuation `{c}` has no tokens");
        }
        pairs.push((context.clone(), ids));
    }
    let scores = lm.model.score(&pairs)?;
    let rows: Vec<serde_json::Value> = a
        .continuations
        .iter()
        .zip(&pairs)
        .zip(&scores)
        .map(|((c, (_, ids)), lp)| {
            let tokens: Vec<serde_json::Value> = ids.iter().zip(lp).map(|(id, l)| serde_json::json!({"token": lm.tokenizer.decode(&[*id], false), "id": id, "logprob": l})).collect();
            serde_json::json!({"continuation": c, "logprob": lp.iter().sum::<f64>(), "mean_logprob": lp.iter().sum::<f64>() / lp.len() as f64, "tokens": tokens})
        })
        .collect();
    if a.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        let best = rows.iter().map(|r| r["logprob"].as_f64().unwrap_or(f64::NEG_INFINITY)).fold(f64::NEG_INFINITY, f64::max);
        for r in &rows {
            let lp = r["logprob"].as_f64().unwrap_or(f64::NAN);
            println!("{:>10.4}  {:>4} tokens  {}{}", lp, r["tokens"].as_array().map_or(0, Vec::len), r["continuation"].as_str().unwrap_or(""), if lp == best { "  ← most likely" } else { "" });
        }
    }
    Ok(ExitCode::Success)
}

pub fn demo_model(out: Option<&std::path::Path>, paths: &Paths) -> Result<ExitCode> {
    use crate::zoo::demo_lm::{ensure, pretrain, save_folder, DemoLmConfig};
    let c = DemoLmConfig::default();
    let start = std::time::Instant::now();
    let mut report = |step: usize, loss: f64| {
        if step % 50 == 0 || step == c.steps {
            eprintln!("pre-training step {step}/{}: loss {loss:.3} ({:.0} s)", c.steps, start.elapsed().as_secs_f64());
        }
    };
    let dir = match out {
        Some(dir) => {
            let p = tch::with_grad(|| pretrain(&c, &mut report))?;
            save_folder(&p, &c, dir)?
        }
        None => ensure(&paths.cache, &c, &mut report)?,
    };
    eprintln!("ready in {:.1} s", start.elapsed().as_secs_f64());
    println!("{}", dir.display());
    Ok(ExitCode::Success)
}
