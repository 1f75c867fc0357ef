//! ViT + LoRA against transformers + peft: a random-weight ViT-Base of the in21k config
//! (saved as the hub's ViTModel: no `vit.` prefix, a pooler) with a 101-class head and a
//! PEFT adapter (r=16 on query/value, classifier saved, non-zero B). Logits unmerged and
//! merged, LoRA gradients of one step, the trainable count, and an adapter saved here
//! loading in peft.
mod common;
use adaptlab::nn::adapter::{load_peft_adapter, AdapterConfig};
use adaptlab::nn::vit::{classification_keys, Stores, Vit, VitConfig};
use adaptlab::nn::weights::{load_strict, read_checkpoint};
use tch::nn::VarStore;
use tch::{Device, Tensor};

use common::{max_diff, tensor as get};

#[test]
fn vit_with_peft_lora_matches_transformers_and_peft() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_str().unwrap();
    common::python::run_reference("vit_lora_reference.py", &["make", root]);
    let cfg: VitConfig = serde_json::from_str(&std::fs::read_to_string(dir.path().join("base/config.json")).unwrap()).unwrap();
    let (config, adapter_tensors) = load_peft_adapter(&dir.path().join("adapter")).unwrap();
    let AdapterConfig::Lora(lora) = &config else { panic!("a LoRA adapter") };
    assert_eq!((lora.r, lora.target_modules.len()), (16, 2));

    let mut base = VarStore::new(Device::Cpu);
    let mut adapter = VarStore::new(Device::Cpu);
    let vit = Vit::new(&Stores { base: base.root(), adapter: Some((adapter.root(), &config)) }, &cfg, Some(101));
    load_strict(&mut base, classification_keys(read_checkpoint(&dir.path().join("base/model.safetensors")).unwrap()), "base").unwrap();
    load_strict(&mut adapter, adapter_tensors, "adapter").unwrap();
    base.freeze();
    let trainable: i64 = adapter.trainable_variables().iter().map(|t| t.numel() as i64).sum();
    assert_eq!(trainable, 667_493, "PEFT's count for r=16 on query/value with a 101-class head");

    let reference = Tensor::read_safetensors(dir.path().join("reference.safetensors")).unwrap();
    let pixels = get(&reference, "pixels");
    let logits = vit.forward_t(&pixels, false);
    let d = max_diff(&logits, &get(&reference, "logits"));
    assert!(d < 1e-4, "unmerged logits differ by {d}");

    // One step's LoRA gradients.
    let loss = logits.cross_entropy_for_logits(&get(&reference, "labels"));
    loss.backward();
    let vars = adapter.variables();
    let grads: Vec<&(String, Tensor)> = reference.iter().filter(|(k, _)| k.starts_with("grad.")).collect();
    assert_eq!(grads.len(), 4, "layer 0's query and value, A and B");
    for (name, grad) in grads {
        let ours = vars[name.trim_start_matches("grad.")].grad();
        let scale = grad.abs().max().double_value(&[]).max(1e-12);
        let d = max_diff(&ours, grad) / scale;
        assert!(d < 1e-3, "{name}: relative gradient difference {d}");
    }

    tch::no_grad(|| {
        vit.merge();
        let d = max_diff(&vit.forward_t(&pixels, false), &get(&reference, "merged"));
        assert!(d < 1e-4, "merged logits differ by {d}");
        vit.unmerge();
        let d = max_diff(&vit.forward_t(&pixels, false), &get(&reference, "logits"));
        assert!(d < 1e-4, "unmerged again, logits differ by {d}");
    });

    // An adapter written here loads in peft and gives the same logits.
    let peft_logits = common::peft_logits_of("vit_lora_reference.py", dir.path(), &config, &adapter);
    let d = max_diff(&peft_logits, &tch::no_grad(|| vit.forward_t(&pixels, false)));
    assert!(d < 1e-4, "peft with adaptlab's adapter differs by {d}");
}
