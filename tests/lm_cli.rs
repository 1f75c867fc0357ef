//! `adaptlab lm generate` and `adaptlab lm score` as a user runs them, on a demo LM folder
//! (tokenizer trained in-process, a briefly pre-trained tiny GPT-2): JSON shapes, greedy
//! determinism, seeded sampling with n samples, stop strings, scores that sum their
//! tokens, and the errors for a missing folder and an over-long prompt.
use adaptlab::zoo::demo_lm::{pretrain, save_folder, DemoLmConfig};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn adaptlab(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_adaptlab"))
        .args(args)
        .env("ADAPTLAB_HOME", home.join("home"))
        .env("ADAPTLAB_CACHE", home.join("cache"))
        .env("HF_HUB_CACHE", home.join("hub"))
        .env("HF_HUB_OFFLINE", "1")
        .output()
        .unwrap()
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn generate_and_score_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let c = DemoLmConfig { steps: 30, lines: 1500, ..DemoLmConfig::default() };
    let p = tch::with_grad(|| pretrain(&c, &mut |_, _| {})).unwrap();
    let model = save_folder(&p, &c, &dir.path().join("lm")).unwrap();
    let m = model.to_str().unwrap();

    let greedy = ["lm", "generate", "--model", m, "--max-new", "12", "--json", "سوال: علی", "نظر: این گوشی"];
    let first = json(&adaptlab(dir.path(), &greedy));
    let rows = first.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["prompt"], "سوال: علی");
    assert!(rows[0]["tokens"].as_u64().unwrap() >= 1 && rows[0]["tokens"].as_u64().unwrap() <= 12);
    assert_eq!(json(&adaptlab(dir.path(), &greedy)), first, "greedy decoding is deterministic");

    let sampled = ["lm", "generate", "--model", m, "--max-new", "10", "--temperature", "0.9", "--top-p", "0.95", "--n", "3", "--seed", "7", "--json", "سوال:"];
    let a = json(&adaptlab(dir.path(), &sampled));
    assert_eq!(a.as_array().unwrap().len(), 3, "three samples of one prompt");
    assert_eq!(json(&adaptlab(dir.path(), &sampled)), a, "a seed repeats the samples");

    // A stop string taken from the greedy completion cuts it at its first occurrence.
    let text = rows[0]["completion"].as_str().unwrap().to_string();
    let stop = text.chars().skip(1).find(|c| !c.is_whitespace()).expect("the greedy completion has text").to_string();
    let args = ["lm", "generate", "--model", m, "--max-new", "12", "--json", "--stop", stop.as_str(), "سوال: علی"];
    let cut = json(&adaptlab(dir.path(), &args));
    let completion = cut[0]["completion"].as_str().unwrap();
    assert!(!completion.contains(stop.as_str()) && text.starts_with(completion) && completion.len() < text.len(), "{completion:?} from {text:?} at {stop:?}");
    assert_eq!(cut[0]["finish"], "stop");

    let scored = json(&adaptlab(dir.path(), &["lm", "score", "--model", m, "--context", "نظر: این گوشی عالی بود. احساس:", "--json", " مثبت", " منفی"]));
    for row in scored.as_array().unwrap() {
        let sum: f64 = row["tokens"].as_array().unwrap().iter().map(|t| t["logprob"].as_f64().unwrap()).sum();
        assert!((sum - row["logprob"].as_f64().unwrap()).abs() < 1e-9 && sum < 0.0);
    }

    let missing = adaptlab(dir.path(), &["lm", "generate", "--model", "/nonexistent/folder", "x"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("is not a folder"));
    let long = "سیب ".repeat(400);
    let refused = adaptlab(dir.path(), &["lm", "generate", "--model", m, "--max-new", "8", long.as_str()]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("exceeds the model's context of 256"), "{}", String::from_utf8_lossy(&refused.stderr));
}
