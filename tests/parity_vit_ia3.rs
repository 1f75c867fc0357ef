//! ViT + (IA)³ against transformers + peft: a random-weight ViT of ViT-Base's widths with a
//! PEFT `IA3Config` adapter (keys, values and the FFN's second projection, vectors set away
//! from one, classifier saved). Logits unmerged and merged, the trainable count, and an
//! adapter saved here loading in peft with the same logits.
mod common;
use adaptlab::nn::adapter::{load_peft_adapter, AdapterConfig};
use adaptlab::nn::vit::{classification_keys, Stores, Vit, VitConfig};
use adaptlab::nn::weights::{load_strict, read_checkpoint};
use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

use common::{max_diff, tensor as get};

#[test]
fn vit_with_peft_ia3_matches_transformers_and_peft() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_str().unwrap();
    common::python::run_reference("vit_ia3_reference.py", &["make", root]);
    let cfg: VitConfig = serde_json::from_str(&std::fs::read_to_string(dir.path().join("base/config.json")).unwrap()).unwrap();
    let (config, adapter_tensors) = load_peft_adapter(&dir.path().join("adapter")).unwrap();
    assert!(matches!(config, AdapterConfig::Ia3(_)), "{config:?}");
    assert!(adapter_tensors.iter().any(|(k, t)| k == "vit.encoder.layer.0.output.dense.ia3_l" && t.size() == [1, 3072]), "the FFN vector scales the input");
    assert!(adapter_tensors.iter().any(|(k, t)| k == "vit.encoder.layer.0.attention.attention.key.ia3_l" && t.size() == [768, 1]));

    let mut base = VarStore::new(Device::Cpu);
    let mut adapter = VarStore::new(Device::Cpu);
    let vit = Vit::new(&Stores { base: base.root(), adapter: Some((adapter.root(), &config)) }, &cfg, Some(10));
    load_strict(&mut base, classification_keys(read_checkpoint(&dir.path().join("base/model.safetensors")).unwrap()), "base").unwrap();
    load_strict(&mut adapter, adapter_tensors, "adapter").unwrap();
    base.freeze();
    let trainable: i64 = adapter.trainable_variables().iter().map(|t| t.numel() as i64).sum();
    let counts: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("counts.json")).unwrap()).unwrap();
    assert_eq!(trainable, counts["trainable"].as_i64().unwrap(), "PEFT's trainable count");
    assert_eq!(trainable, 3 * (768 + 768 + 3072) + 768 * 10 + 10);

    let reference = Tensor::read_safetensors(dir.path().join("reference.safetensors")).unwrap();
    let pixels = get(&reference, "pixels");
    tch::no_grad(|| {
        let d = max_diff(&vit.forward_t(&pixels, false), &get(&reference, "logits"));
        assert!(d < 1e-4, "unmerged logits differ by {d}");
        vit.merge();
        let d = max_diff(&vit.forward_t(&pixels, false), &get(&reference, "merged"));
        assert!(d < 1e-4, "merged logits differ by {d}");
        vit.unmerge();
        let d = max_diff(&vit.forward_t(&pixels, false), &get(&reference, "logits"));
        assert!(d < 1e-4, "unmerged again, logits differ by {d}");
    });

    // Vectors changed here, written as PEFT writes them, give peft the same logits.
    tch::no_grad(|| {
        for (name, t) in adapter.variables() {
            if name.ends_with("ia3_l") {
                t.shallow_clone().copy_(&(Tensor::rand(t.size(), (Kind::Float, Device::Cpu)) + 0.5));
            }
        }
    });
    let peft_logits = common::peft_logits_of("vit_ia3_reference.py", dir.path(), &config, &adapter);
    let d = max_diff(&peft_logits, &tch::no_grad(|| vit.forward_t(&pixels, false)));
    assert!(d < 1e-4, "peft with adaptlab's adapter differs by {d}");
}
