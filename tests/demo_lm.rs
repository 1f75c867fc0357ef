//! The demo's language model: the tokenizer trained in-process and the pre-trained tiny
//! GPT-2 are saved as a Hugging Face folder that transformers loads with the same token
//! ids and logits, training lowers the loss, and adaptlab loads the folder through the
//! real path (config.json, model.safetensors, tokenizer.json).
mod common;
use adaptlab::zoo::demo_lm::{pretrain, save_folder, DemoLmConfig};
use adaptlab::zoo::lm::{LoadedLm, Precision};
use tch::{Device, Tensor};

#[test]
fn demo_lm_is_a_real_hugging_face_folder_and_learns() {
    let c = DemoLmConfig { steps: 40, lines: 2000, ..DemoLmConfig::default() };
    let mut losses = Vec::new();
    let p = tch::with_grad(|| pretrain(&c, &mut |_, loss| losses.push(loss))).unwrap();
    assert_eq!(losses.len(), 40);
    assert!(p.last_loss < 0.6 * p.first_loss, "loss {} → {}", p.first_loss, p.last_loss);
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
}
