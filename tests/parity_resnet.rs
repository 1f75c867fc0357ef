//! ResNet parity with torchvision: the same random weights and BatchNorm statistics give
//! the same logits in eval mode and in training mode (batch statistics), and the same
//! running statistics after the training-mode pass, for ResNet-18 with the MoCo CIFAR stem
//! and ResNet-50 with the ImageNet stem; and the split BatchNorm of the MoCo CIFAR demo
//! against the same definition written in PyTorch.
mod common;
use adaptlab::nn::resnet::{without_batch_counters, ResNet, ResNetConfig};
use adaptlab::nn::weights::load_strict;
use common::{max_diff, tensor};
use tch::nn::{ModuleT, VarStore};
use tch::{Device, Tensor};

fn check(name: &str, cifar: bool, splits: i64) {
    let dir = tempfile::tempdir().unwrap();
    common::python::run_reference("resnet_reference.py", &[name, if cifar { "1" } else { "0" }, &splits.to_string(), dir.path().to_str().unwrap()]);
    let cfg = ResNetConfig { cifar_stem: cifar, num_classes: Some(10), bn_splits: splits, ..ResNetConfig::by_name(name).unwrap() };
    let mut vs = VarStore::new(Device::Cpu);
    let net = ResNet::new(&vs.root(), &cfg);
    let weights = Tensor::read_safetensors(dir.path().join("weights.safetensors")).unwrap();
    load_strict(&mut vs, without_batch_counters(weights), "weights.safetensors").unwrap();
    let reference = Tensor::read_safetensors(dir.path().join("reference.safetensors")).unwrap();
    let x = tensor(&reference, "x");
    let eval = tch::no_grad(|| net.forward_t(&x, false));
    assert!(max_diff(&eval, &tensor(&reference, "eval")) < 1e-4, "{name} eval: {}", max_diff(&eval, &tensor(&reference, "eval")));
    let train = tch::no_grad(|| net.forward_t(&x, true));
    assert!(max_diff(&train, &tensor(&reference, "train")) < 1e-4, "{name} train: {}", max_diff(&train, &tensor(&reference, "train")));
    let vars = vs.variables();
    let mut checked = 0;
    for (key, expected) in reference.iter().filter_map(|(k, t)| k.strip_prefix("after.").map(|k| (k, t))) {
        let d = max_diff(&vars[key], expected);
        assert!(d < 1e-5, "{name}: running statistic {key} differs by {d}");
        checked += 1;
    }
    assert!(checked > 0, "the reference has running statistics");
}

#[test]
fn resnet18_with_the_cifar_stem_matches_torchvision() {
    check("resnet18", true, 1);
}

#[test]
fn split_batch_norm_matches_its_definition() {
    check("resnet18", true, 2);
}

#[test]
fn resnet50_matches_torchvision() {
    check("resnet50", false, 1);
}
