//! The demo's language model: the tokenizer trained in-process and the pre-trained tiny
//! GPT-2 are saved as a Hugging Face folder that transformers loads with the same token
//! ids and logits, training lowers the loss, and adaptlab loads the folder through the
//! real path (config.json, model.safetensors, tokenizer.json). On it, a soft prompt
//! trained on reviews in a format the model never saw classifies them better than the
//! same model without it.
mod common;
use adaptlab::data::persian_corpus::review;
use adaptlab::data::rng::SplitMix64;
use adaptlab::nn::lm::prompt_tuning::{PromptInit, SoftPrompt};
use adaptlab::train::prompt_tuning::{classify, train_soft_prompt, PromptTrainConfig};
use adaptlab::zoo::demo_lm::{pretrain, save_folder, DemoLmConfig};
use adaptlab::zoo::lm::{LoadedLm, Precision};
use tch::{Device, Tensor};

#[test]
fn demo_lm_is_a_real_hugging_face_folder_and_learns() {
    let c = DemoLmConfig::default();
    let mut losses = Vec::new();
    let p = tch::with_grad(|| pretrain(&c, &mut |_, loss| losses.push(loss))).unwrap();
    assert_eq!(losses.len(), c.steps + c.long_steps);
    assert!(p.last_loss < 0.2 * p.first_loss, "loss {} → {}", p.first_loss, p.last_loss);
    let dir = tempfile::tempdir().unwrap();
    let folder = save_folder(&p, &c, &dir.path().join("demo-lm")).unwrap();
    for f in ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"] {
        assert!(folder.join(f).is_file(), "{f}");
    }

    let lm = LoadedLm::load(&folder, Device::Cpu, Precision::Fp32).unwrap();
    let text = "سوال: علی ۳ سیب داشت و ۵ سیب دیگر خرید. راه‌حل:";
    let ids = lm.tokenizer.encode(text, true).unwrap();
    let out = dir.path().join("reference.safetensors");
    common::python::run_reference("demo_lm_reference.py", &[folder.to_str().unwrap(), out.to_str().unwrap(), text]);
    let reference = Tensor::read_safetensors(&out).unwrap();
    let want_ids: Vec<i64> = Vec::try_from(common::tensor(&reference, "ids").flatten(0, -1)).unwrap();
    assert_eq!(ids, want_ids, "transformers tokenizes the prompt the same way");
    let logits = tch::no_grad(|| lm.model.forward(&Tensor::from_slice(&ids).view([1, -1]), None));
    let d = common::max_diff(&logits, &common::tensor(&reference, "logits"));
    assert!(d < 1e-4, "transformers' logits on the saved folder differ by {d}");
    soft_prompt_learns_a_new_format(&lm);
}

/// Reviews written as "{text} =>" (pre-training always wrote "نظر: {text} احساس: ..."),
/// labels " مثبت" / " منفی": the bare model is near or below chance, and a 5-token prompt
/// initialised from "احساس:" and trained on 64 examples is above it (about 0.64 against
/// 0.41 here).
fn soft_prompt_learns_a_new_format(lm: &LoadedLm) {
    let enc = |s: &str| lm.tokenizer.encode(s, false).unwrap();
    let labels = vec![enc(" مثبت"), enc(" منفی")];
    let mut rng = SplitMix64::new(99);
    let mut make = |n: usize| -> Vec<(Vec<i64>, usize)> {
        (0..n).map(|_| { let (text, positive) = review(&mut rng); (enc(&format!("{text} =>")), usize::from(!positive)) }).collect()
    };
    let (test, train) = (make(80), make(64));
    let inputs: Vec<Vec<i64>> = test.iter().map(|x| x.0.clone()).collect();
    let accuracy = |soft: Option<&SoftPrompt>| {
        let out = classify(&lm.model, soft, &inputs, &labels, 16).unwrap();
        out.iter().zip(&test).filter(|(o, x)| o.0 == x.1).count() as f64 / test.len() as f64
    };
    let bare = accuracy(None);
    let soft = SoftPrompt::new(&lm.model, 5, &PromptInit::Text(enc("احساس:"))).unwrap();
    let examples: Vec<(Vec<i64>, Vec<i64>)> = train.iter().map(|(x, y)| (x.clone(), labels[*y].clone())).collect();
    let mut losses = Vec::new();
    train_soft_prompt(&lm.model, &soft, &examples, &PromptTrainConfig { steps: 40, batch: 8, lr: 0.1, seed: 0 }, &mut |_, l| losses.push(l)).unwrap();
    let prompted = accuracy(Some(&soft));
    eprintln!("bare {bare:.3}, soft prompt {prompted:.3}, loss {:.3} → {:.3}", losses[0], losses[losses.len() - 1]);
    assert!(lm.model.vs.trainable_variables().is_empty(), "the LM stays frozen");
    assert!(losses[losses.len() - 1] < 0.15 * losses[0], "the prompt's loss falls: {losses:?}");
    assert!(prompted >= bare + 0.1, "bare {bare}, prompted {prompted}");
}
