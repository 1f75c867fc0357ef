//! Module arithmetic against PEFT's `add_weighted_adapter` (linear, cat and svd forms) on
//! three random LoRA adapters of one tiny ViT, and the paper's average and negation against
//! their definitions; mismatched inputs are refused with the reason.
mod common;
use adaptlab::nn::adapter::{load_peft_adapter, AdapterConfig};
use adaptlab::nn::pem::{add, analogy, negate, AddForm, Module};
use common::{max_diff, tensor as get};
use tch::Tensor;

fn load(dir: &std::path::Path) -> Module {
    let (config, tensors) = load_peft_adapter(dir).unwrap();
    Module { config, tensors }
}

fn delta(m: &Module, module: &str) -> Tensor {
    let AdapterConfig::Lora(c) = &m.config else { panic!("LoRA") };
    get(&m.tensors, &format!("{module}.lora_B.weight")).matmul(&get(&m.tensors, &format!("{module}.lora_A.weight"))) * c.scale()
}

#[test]
fn operators_match_peft_and_the_papers_definitions() {
    let dir = tempfile::tempdir().unwrap();
    common::python::run_reference("pem_reference.py", &[dir.path().to_str().unwrap()]);
    let [a, b, c] = ["first", "second", "third"].map(|n| load(&dir.path().join("saved").join(n)));
    let reference = Tensor::read_safetensors(dir.path().join("combined.safetensors")).unwrap();
    let q0 = "vit.encoder.layer.0.attention.attention.query";

    // PEFT's linear and cat: the same tensors.
    let two = [load(&dir.path().join("saved/first")), load(&dir.path().join("saved/second"))];
    let three = || [load(&dir.path().join("saved/first")), load(&dir.path().join("saved/second")), load(&dir.path().join("saved/third"))];
    for (form, name, modules, weights) in [(AddForm::PeftLinear, "linear", &two[..], &[0.7, 0.5][..])] {
        let ours = add(modules, weights, form).unwrap();
        for (k, t) in &ours.tensors {
            let d = max_diff(t, &get(&reference, &format!("{name}/{k}")));
            assert!(d < 1e-5, "{name} {k}: {d}");
        }
    }
    let cat = add(&three(), &[0.6, 0.3, 0.8], AddForm::Cat).unwrap();
    for (k, t) in &cat.tensors {
        let d = max_diff(t, &get(&reference, &format!("cat/{k}")));
        assert!(d < 1e-5, "cat {k}: {d}");
    }
    // cat is exact: ΔW = Σ wᵢ ΔWᵢ.
    let exact = delta(&a, q0) * 0.6 + delta(&b, q0) * 0.3 + delta(&c, q0) * 0.8;
    assert!(max_diff(&delta(&cat, q0), &exact) < 1e-5);

    // svd: the same ΔW (the factors' signs are free).
    for (name, rank) in [("svd", None), ("svd2", Some(2))] {
        let ours = add(&three(), &[0.6, 0.3, 0.8], AddForm::Svd { rank }).unwrap();
        for module in ours.tensors.iter().filter_map(|(k, _)| k.strip_suffix(".lora_A.weight")) {
            let theirs = get(&reference, &format!("{name}/{module}.lora_B.weight")).matmul(&get(&reference, &format!("{name}/{module}.lora_A.weight")));
            let d = max_diff(&delta(&ours, module), &theirs);
            assert!(d < 1e-4, "{name} {module}: ΔW differs by {d}");
        }
    }

    // The paper's average: A and B averaged separately, so ΔW has cross terms.
    let avg = add(&two, &[0.7, 0.3], AddForm::Average).unwrap();
    let a_avg = get(&a.tensors, &format!("{q0}.lora_A.weight")) * 0.7 + get(&b.tensors, &format!("{q0}.lora_A.weight")) * 0.3;
    assert!(max_diff(&get(&avg.tensors, &format!("{q0}.lora_A.weight")), &a_avg) < 1e-6);
    let linear_mix = delta(&a, q0) * 0.7 + delta(&b, q0) * 0.3;
    assert!(max_diff(&delta(&avg, q0), &linear_mix) > 1e-3, "the average is not the ΔW mix: it has cross terms");

    // Negation flips ΔW; a − a + b leaves b's ΔW in the exact (cat) form.
    assert!(max_diff(&delta(&negate(&a), q0), &(-delta(&a, q0))) < 1e-6);
    let ab = analogy(&a, &a, &b, AddForm::Cat).unwrap();
    assert!(max_diff(&delta(&ab, q0), &delta(&b, q0)) < 1e-5);

    // Refusals say why.
    let err = add(&three(), &[0.5, 0.5, 0.5], AddForm::Average).err().unwrap().to_string();
    assert!(err.contains("same rank"), "{err}");
    let err = add(&two, &[1.0], AddForm::Cat).err().unwrap().to_string();
    assert!(err.contains("2 adapters") || err.contains("one weight per adapter"), "{err}");

    // The command line: the same sum, written as PEFT writes adapters and loadable in peft;
    // a refused sum writes nothing.
    let saved = |n: &str| dir.path().join("saved").join(n).display().to_string();
    let out = dir.path().join("cat_cli");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_adaptlab"))
        .args(["pem", "add", "--form", "cat", "--out", out.to_str().unwrap()])
        .args([format!("{}:0.6", saved("first")), format!("{}:0.3", saved("second")), format!("{}:0.8", saved("third"))])
        .status()
        .unwrap();
    assert!(status.success());
    let written = load(&out);
    for (k, t) in &cat.tensors {
        assert!(max_diff(t, &get(&written.tensors, k)) < 1e-6, "{k}");
    }
    common::python::run_reference("pem_reference.py", &[dir.path().to_str().unwrap(), out.to_str().unwrap()]);
    let refused = dir.path().join("refused");
    let result = std::process::Command::new(env!("CARGO_BIN_EXE_adaptlab"))
        .args(["pem", "add", "--out", refused.to_str().unwrap(), &saved("first"), &saved("third")])
        .output()
        .unwrap();
    assert!(!result.status.success());
    assert!(String::from_utf8_lossy(&result.stderr).contains("same rank"), "{}", String::from_utf8_lossy(&result.stderr));
    assert!(!refused.exists(), "nothing is written on an error");
}
