//! MoCo's step against a PyTorch reference written from the paper's Algorithm 1 in the
//! official code's order: the same ResNet-18 (CIFAR stem, MLP head, BatchNorm in 2 groups),
//! the same inputs, permutations and queue; two steps of plain SGD. The loss, every
//! query-encoder gradient, the key encoder after its momentum updates (parameters and
//! BatchNorm statistics) and the queue after two enqueues agree.
mod common;
use adaptlab::nn::moco::{Moco, MocoConfig};
use adaptlab::nn::resnet::{without_batch_counters, ResNetConfig};
use adaptlab::nn::weights::load_strict;
use common::{max_diff, tensor};
use tch::{Device, Tensor};

#[test]
fn two_steps_match_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    common::python::run_reference("moco_reference.py", &[dir.path().to_str().unwrap()]);
    let reference = Tensor::read_safetensors(dir.path().join("moco.safetensors")).unwrap();
    let encoder = ResNetConfig { cifar_stem: true, num_classes: Some(16), bn_splits: 2, mlp_head: true, ..ResNetConfig::resnet18() };
    let mut moco = Moco::new(MocoConfig { encoder, queue: 8, momentum: 0.9, temperature: 0.2 }, Device::Cpu).unwrap();
    let init: Vec<(String, Tensor)> = reference.iter().filter_map(|(k, t)| k.strip_prefix("init.").map(|k| (k.to_string(), t.shallow_clone()))).collect();
    load_strict(&mut moco.query_vs, without_batch_counters(init.iter().map(|(k, t)| (k.clone(), t.shallow_clone())).collect()), "init").unwrap();
    load_strict(&mut moco.key_vs, init, "init").unwrap();
    moco.queue = tensor(&reference, "queue").copy();
    for step in 0..2 {
        let (x_q, x_k, perm) = (tensor(&reference, &format!("x_q.{step}")), tensor(&reference, &format!("x_k.{step}")), tensor(&reference, &format!("perm.{step}")));
        let out = moco.step(&x_q, &x_k, Some(&perm));
        let keys_diff = max_diff(&out.keys, &tensor(&reference, &format!("k.{step}")));
        assert!(keys_diff < 1e-5, "step {step}: keys differ by {keys_diff}");
        let loss = out.loss.double_value(&[]);
        let want = tensor(&reference, &format!("loss.{step}")).double_value(&[0]);
        assert!((loss - want).abs() < 1e-5, "step {step}: loss {loss} vs {want}");
        // Gradients of the previous step must not accumulate into this one's.
        for t in moco.query_vs.variables().values() {
            if t.grad().defined() {
                let _ = t.grad().zero_();
            }
        }
        out.loss.backward();
        let vars = moco.query_vs.variables();
        if step == 0 {
            let mut checked = 0;
            for (name, want) in reference.iter().filter_map(|(k, t)| k.strip_prefix("grad.").map(|k| (k, t))) {
                let got = vars[name].grad();
                let scale = want.abs().max().double_value(&[]).max(1.0);
                let d = max_diff(&got, want) / scale;
                assert!(d < 1e-5, "gradient of {name} differs by {d} (relative to its largest entry)");
                checked += 1;
            }
            assert_eq!(checked, vars.values().filter(|t| t.requires_grad()).count(), "every trainable tensor has its gradient checked");
        }
        tch::no_grad(|| {
            for t in vars.values().filter(|t| t.requires_grad()) {
                let _ = t.shallow_clone().f_sub_(&(t.grad() * 0.1)).unwrap();
            }
        });
        moco.enqueue(&out.keys).unwrap();
    }
    assert!(max_diff(&moco.queue, &tensor(&reference, "queue.after")) < 1e-5, "queue: {}", max_diff(&moco.queue, &tensor(&reference, "queue.after")));
    let keys = moco.key_vs.variables();
    let mut checked = 0;
    for (name, want) in reference.iter().filter_map(|(k, t)| k.strip_prefix("key.").map(|k| (k, t))) {
        let d = max_diff(&keys[name], want);
        assert!(d < 1e-5, "key encoder {name} differs by {d}");
        checked += 1;
    }
    assert_eq!(checked, keys.len(), "every key-encoder tensor is checked");
    assert_eq!(moco.queue_ptr, 0, "two batches of 4 fill a queue of 8 and wrap");
}

#[test]
fn knn_monitor_matches_the_demos_definition() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("knn.safetensors");
    common::python::run_reference("knn_reference.py", &[out.to_str().unwrap()]);
    let r = Tensor::read_safetensors(&out).unwrap();
    let predicted = adaptlab::nn::moco::knn_predict(&tensor(&r, "features"), &tensor(&r, "bank"), &tensor(&r, "labels"), 10, 200, 0.1);
    let want = tensor(&r, "predicted");
    assert_eq!(Vec::<i64>::try_from(&predicted).unwrap(), Vec::<i64>::try_from(&want).unwrap());
    // A bank smaller than k votes with all it has.
    let few = adaptlab::nn::moco::knn_predict(&tensor(&r, "features"), &tensor(&r, "bank").narrow(0, 0, 5), &tensor(&r, "labels").narrow(0, 0, 5), 10, 200, 0.1);
    assert_eq!(few.size(), vec![50]);
}
