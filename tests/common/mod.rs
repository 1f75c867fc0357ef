//! Shared helpers for the integration tests: a tiny suite that runs in about a second,
//! and the Python reference runner for parity tests.
#![allow(dead_code)]
pub mod python;
use adaptlab::events::Event;
use adaptlab::paths::Paths;
use adaptlab::run::{self, RunOptions, RunOutcome};
use adaptlab::spec::Suite;
use adaptlab::tasks::parse_suite;
use std::path::Path;
use tch::Tensor;

pub fn tiny_yaml(seed: u64, steps: u32) -> String {
    format!(
        "name: tiny
defaults:
  seed: {seed}
  device: cpu
experiments:
  - id: smoke
    part: demo
    task: smoke
    title: Tiny smoke
    params: {{classes: 3, image_size: 16, train_images: 96, test_images: 30, steps: {steps}, batch_size: 16, eval_every: 4, width: 4}}
  - id: later
    part: q4
    task: prompt_tuning
    enabled: false
    params: {{ dataset: /nonexistent/reviews.jsonl }}
"
    )
}

pub fn tiny_suite(seed: u64, steps: u32) -> Suite {
    parse_suite(&tiny_yaml(seed, steps), "tiny.yaml").expect("the tiny suite is valid")
}

/// Runs to completion, with the store, caches and hub folder under `root`, and returns
/// every event with the outcome.
pub fn run_all(suite: Suite, options: RunOptions, root: &Path) -> (Vec<Event>, RunOutcome) {
    let handle = run::start(suite, options, &Paths::under(root)).expect("run starts");
    let events: Vec<Event> = handle.events.iter().collect();
    (events, handle.wait().expect("runner finishes"))
}

pub fn value(events: &[Event], exp: &str, name: &str) -> Option<serde_json::Value> {
    events.iter().rev().find_map(|e| match e {
        Event::Value { exp: x, name: n, value } if x == exp && n == name => Some(value.clone()),
        _ => None,
    })
}

/// The tensor `name` of a safetensors file's list; panics naming it when absent.
pub fn tensor(tensors: &[(String, Tensor)], name: &str) -> Tensor {
    tensors.iter().find(|(k, _)| k == name).unwrap_or_else(|| panic!("no tensor {name}")).1.shallow_clone()
}

pub fn max_diff(a: &Tensor, b: &Tensor) -> f64 {
    (a - b).abs().max().double_value(&[])
}

/// Saves `adapter`'s variables as a PEFT adapter under `dir/ours` and returns the logits
/// peft computes with it (`script load DIR ADAPTER OUT` of a parity reference).
pub fn peft_logits_of(script: &str, dir: &Path, config: &adaptlab::nn::adapter::AdapterConfig, adapter: &tch::nn::VarStore) -> Tensor {
    let ours = dir.join("ours");
    let mut vars: Vec<(String, Tensor)> = adapter.variables().into_iter().collect();
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    adaptlab::nn::adapter::save_peft_adapter(&ours, config, &vars, "google/vit-base-patch16-224-in21k").unwrap();
    let out = dir.join("peft_logits.safetensors");
    python::run_reference(script, &["load", dir.to_str().unwrap(), ours.to_str().unwrap(), out.to_str().unwrap()]);
    tensor(&Tensor::read_safetensors(&out).unwrap(), "logits")
}
