//! The causal LM engine against transformers on random weights of real configurations:
//! a gpt2-fa-shaped GPT-2 (12 × 768, vocabulary 42001, loaded from pytorch_model.bin as
//! gpt2-fa ships), a Qwen2.5-0.5B-shaped Qwen2 (all widths, 4 layers, tied embeddings,
//! q/k/v biases) and a Llama-3-shaped Llama (vocabulary, head size, GQA, rope base and
//! llama3 rope scaling; sharded safetensors). Logits over a left-padded batch ≤ 1e-4 in
//! fp32, and 64 greedy tokens identical to `generate`. Then the errors a user meets.
mod common;
use adaptlab::nn::lm::generate::Sampling;
use adaptlab::nn::lm::CausalLm;
use std::path::Path;
use tch::{Device, Kind, Tensor};

use common::tensor as get;

fn check_model(dir: &Path, name: &str) {
    let reference = Tensor::read_safetensors(dir.join("reference.safetensors")).unwrap();
    let ids = get(&reference, "input_ids");
    let mask = get(&reference, "attention_mask");
    let model = CausalLm::load(dir, Device::Cpu, Kind::Float).unwrap_or_else(|e| panic!("{name}: {e:#}"));
    let logits = tch::no_grad(|| model.forward(&ids, Some(&mask)));
    let want = get(&reference, "logits");
    // Padded positions carry no meaning; compare every real token.
    let real = mask.to_kind(Kind::Bool).unsqueeze(-1).expand_as(&want);
    let d = (logits.masked_select(&real) - want.masked_select(&real)).abs().max().double_value(&[]);
    eprintln!("{name}: max |logit difference| {d:.2e} over the real tokens");
    assert!(d <= 1e-4, "{name}: logits differ by {d}");

    let prompts: Vec<Vec<i64>> = (0..2)
        .map(|r| {
            let row: Vec<i64> = Vec::try_from(ids.get(r)).unwrap();
            let m: Vec<i64> = Vec::try_from(mask.get(r)).unwrap();
            row.into_iter().zip(m).filter(|(_, m)| *m == 1).map(|(t, _)| t).collect()
        })
        .collect();
    let sampling = Sampling { max_new_tokens: 64, ..Sampling::default() };
    let out = model.generate(&prompts, &sampling, &|ids: &[i64]| format!("{ids:?}"), &mut |_| {}).unwrap();
    let generated = get(&reference, "generated");
    for c in &out {
        let want: Vec<i64> = Vec::try_from(generated.get(c.prompt as i64)).unwrap();
        assert_eq!(want.len(), 64);
        assert_eq!(c.tokens, want, "{name}: greedy tokens of prompt {}", c.prompt);
    }
}

#[test]
fn gpt2_qwen2_and_llama3_match_transformers() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["gpt2", "qwen2", "llama", "mistral"] {
        common::python::run_reference("lm_reference.py", &["models", dir.path().to_str().unwrap(), name]);
        check_model(&dir.path().join(name), name);
        if name == "gpt2" {
            errors_name_the_file_and_field(&dir.path().join(name));
        }
        std::fs::remove_dir_all(dir.path().join(name)).unwrap();
    }
}

fn errors_name_the_file_and_field(gpt2: &Path) {
    let model = CausalLm::load(gpt2, Device::Cpu, Kind::Float).unwrap();
    // A prompt that with the new tokens overruns the 1024-token context is refused.
    let long = vec![vec![5i64; 1000]];
    let e = model.generate(&long, &Sampling { max_new_tokens: 64, ..Sampling::default() }, &|_: &[i64]| String::new(), &mut |_| {}).unwrap_err();
    assert!(format!("{e:#}").contains("context of 1024"), "{e:#}");
    // bf16 on the CPU runs and stays near fp32.
    let ids = Tensor::from_slice(&[3i64, 9, 27, 81, 243]).view([1, 5]);
    let bf16 = CausalLm::load(gpt2, Device::Cpu, Kind::BFloat16).unwrap();
    let (a, b) = tch::no_grad(|| (model.forward(&ids, None), bf16.forward(&ids, None).to_kind(Kind::Float)));
    let rel = (&a - &b).abs().max().double_value(&[]) / a.abs().max().double_value(&[]);
    assert!(rel < 0.1, "bf16 logits are {rel} (relative) from fp32");
    drop((model, bf16));

    let broken = tempfile::tempdir().unwrap();
    std::fs::copy(gpt2.join("config.json"), broken.path().join("config.json")).unwrap();
    let e = CausalLm::load(broken.path(), Device::Cpu, Kind::Float).err().expect("no weights");
    assert!(format!("{e:#}").contains("has no weights") && format!("{e:#}").contains("pytorch_model.bin"), "{e:#}");

    let mut config: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(gpt2.join("config.json")).unwrap()).unwrap();
    config["model_type"] = "falcon".into();
    std::fs::write(broken.path().join("config.json"), config.to_string()).unwrap();
    let e = CausalLm::load(broken.path(), Device::Cpu, Kind::Float).err().expect("unknown architecture");
    let msg = format!("{e:#}");
    assert!(msg.contains("config.json") && msg.contains("model_type") && msg.contains("falcon"), "{msg}");

    let llama = serde_json::json!({"model_type": "llama", "hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 1, "intermediate_size": 128,
        "max_position_embeddings": 256, "vocab_size": 100, "rope_scaling": {"rope_type": "yarn", "factor": 4.0}});
    std::fs::write(broken.path().join("config.json"), llama.to_string()).unwrap();
    let e = CausalLm::load(broken.path(), Device::Cpu, Kind::Float).err().expect("yarn is not supported");
    let msg = format!("{e:#}");
    assert!(msg.contains("config.json") && msg.contains("rope_scaling.rope_type") && msg.contains("yarn"), "{msg}");

    // Weights of another model: every disagreement is named.
    config["model_type"] = "gpt2".into();
    config["n_layer"] = 13.into();
    std::fs::write(broken.path().join("config.json"), config.to_string()).unwrap();
    std::os::unix::fs::symlink(gpt2.join("pytorch_model.bin"), broken.path().join("pytorch_model.bin")).unwrap();
    let e = CausalLm::load(broken.path(), Device::Cpu, Kind::Float).err().expect("a layer too many");
    assert!(format!("{e:#}").contains("transformer.h.12."), "{e:#}");
}
