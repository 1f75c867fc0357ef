//! Prompt tuning against peft on a random GPT-2 with a Persian byte-level tokenizer: the
//! TEXT initialisation equals peft's, a peft prompt loads here with the same logits, loss
//! and prompt gradient (right-padded batch with labels), and a prompt saved here loads in
//! peft with the same logits.
mod common;
use adaptlab::nn::lm::prompt_tuning::{PromptInit, SoftPrompt};
use adaptlab::nn::lm::CausalLm;
use adaptlab::tokenize::hf::HfTokenizer;
use tch::{Device, Kind, Tensor};

use common::{max_diff, tensor as get};

#[test]
fn prompt_tuning_matches_peft_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    common::python::run_reference("prompt_tuning_reference.py", &["make", root.to_str().unwrap()]);
    let base = root.join("base");
    let lm = CausalLm::load(&base, Device::Cpu, Kind::Float).unwrap();
    let tok = HfTokenizer::from_dir(&base).unwrap();

    // TEXT: the init text's ids (with special tokens), repeated to 8, their embeddings.
    let init: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(root.join("init.json")).unwrap()).unwrap();
    let ids = tok.encode(init["text"].as_str().unwrap(), true).unwrap();
    let want_ids: Vec<i64> = serde_json::from_value(init["ids"].clone()).unwrap();
    assert_eq!(ids, want_ids);
    let ours = SoftPrompt::new(&lm, 8, &PromptInit::Text(ids)).unwrap();
    let peft_init = SoftPrompt::load_peft(&root.join("peft_init"), &lm).unwrap();
    assert_eq!(max_diff(&ours.embeddings, &peft_init.embeddings), 0.0, "TEXT initialisation as peft's");

    let trained = SoftPrompt::load_peft(&root.join("peft_trained"), &lm).unwrap();
    let reference = Tensor::read_safetensors(root.join("reference.safetensors")).unwrap();
    let (ids, mask, labels) = (get(&reference, "ids"), get(&reference, "mask"), get(&reference, "labels"));
    let logits = trained.forward(&lm, &ids, &mask);
    // Padded positions carry no meaning; compare the prompt and every real token.
    let real = Tensor::cat(&[&Tensor::ones([2, 8], (Kind::Int64, Device::Cpu)), &mask], 1).to_kind(Kind::Bool).unsqueeze(-1).expand_as(&logits);
    let want = get(&reference, "logits");
    let d = (logits.masked_select(&real) - want.masked_select(&real)).abs().max().double_value(&[]);
    assert!(d <= 1e-4, "prompted logits differ from peft's by {d}");
    let loss = trained.loss(&lm, &ids, &mask, &labels);
    let dl = (loss.double_value(&[]) - get(&reference, "loss").double_value(&[0])).abs();
    assert!(dl <= 1e-5, "loss differs by {dl}");
    loss.backward();
    let grad = trained.embeddings.grad();
    let want_grad = get(&reference, "grad");
    let rel = max_diff(&grad, &want_grad) / want_grad.abs().max().double_value(&[]);
    assert!(rel <= 1e-4, "prompt gradient differs by {rel} (relative)");
    assert!(lm.vs.trainable_variables().is_empty(), "the language model stays frozen");

    // A prompt written here loads in peft with the same logits.
    let mine = SoftPrompt::new(&lm, 5, &PromptInit::Random { seed: 3 }).unwrap();
    let out = root.join("ours");
    mine.save_peft(&out, &lm, &PromptInit::Random { seed: 3 }, None, base.to_str().unwrap()).unwrap();
    common::python::run_reference("prompt_tuning_reference.py", &["check", root.to_str().unwrap(), out.to_str().unwrap()]);
    let check = Tensor::read_safetensors(root.join("check.safetensors")).unwrap();
    let ours_logits = tch::no_grad(|| mine.forward(&lm, &ids, &mask));
    let real = Tensor::cat(&[&Tensor::ones([2, 5], (Kind::Int64, Device::Cpu)), &mask], 1).to_kind(Kind::Bool).unsqueeze(-1).expand_as(&ours_logits);
    let d = (ours_logits.masked_select(&real) - get(&check, "logits").masked_select(&real)).abs().max().double_value(&[]);
    assert!(d <= 1e-4, "peft with adaptlab's prompt differs by {d}");

    // A LoRA folder is not a prompt.
    std::fs::write(out.join("adapter_config.json"), r#"{"peft_type": "LORA"}"#).unwrap();
    let e = SoftPrompt::load_peft(&out, &lm).err().expect("not a prompt");
    assert!(format!("{e:#}").contains("PROMPT_TUNING"), "{e:#}");
}

/// LoRA on the LM's attention (`CausalLm::attach_lora`, peft's default targets) gives
/// peft's logits when its pairs hold peft's weights: GPT-2's fused c_attn (a Conv1D, so
/// peft's fan_in_fan_out) and Qwen2's q_proj and v_proj.
#[test]
fn lora_on_the_lm_matches_peft() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    common::python::run_reference("prompt_tuning_reference.py", &["make", root.to_str().unwrap()]);
    common::python::run_reference("prompt_tuning_reference.py", &["lora", root.to_str().unwrap()]);
    let reference = Tensor::read_safetensors(root.join("reference.safetensors")).unwrap();
    let (ids, mask) = (get(&reference, "ids"), get(&reference, "mask"));
    for (name, folder) in [("gpt2", "base"), ("qwen2", "qwen2")] {
        let lm = CausalLm::load(&root.join(folder), Device::Cpu, Kind::Float).unwrap();
        let store = tch::nn::VarStore::new(Device::Cpu);
        let pairs = lm.attach_lora(&store, 4, 8.0);
        let want_pairs = if name == "gpt2" { 2 * 2 } else { 2 * 2 * 2 };
        assert_eq!(pairs.len(), want_pairs, "{name}: one A and one B per target");
        let peft = Tensor::read_safetensors(root.join(format!("lora_{name}/adapter_model.safetensors"))).unwrap();
        for (key, var) in &pairs {
            let peft_key = format!("base_model.model.{key}");
            let value = peft.iter().find(|(k, _)| *k == peft_key).map(|(_, t)| t.shallow_clone()).unwrap_or_else(|| panic!("{name}: peft saved no {peft_key}"));
            tch::no_grad(|| var.shallow_clone().copy_(&value));
        }
        let logits = tch::no_grad(|| lm.forward(&ids, Some(&mask)));
        let want = get(&Tensor::read_safetensors(root.join(format!("lora_{name}.safetensors"))).unwrap(), "logits");
        let real = mask.to_kind(Kind::Bool).unsqueeze(-1).expand_as(&logits);
        let d = (logits.masked_select(&real) - want.masked_select(&real)).abs().max().double_value(&[]);
        eprintln!("{name}: max |logit − peft| with LoRA {d:.2e}");
        assert!(d <= 1e-4, "{name}: logits with LoRA differ from peft's by {d}");
        lm.detach_lora();
        let plain = tch::no_grad(|| lm.forward(&ids, Some(&mask)));
        assert!((plain - logits).abs().max().double_value(&[]) > 1e-3, "{name}: detaching removes the pairs");
    }
}
