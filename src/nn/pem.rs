//! Arithmetic on parameter-efficient modules (Zhang, Chen, Liu, He, NeurIPS 2023, "Composing
//! Parameter-Efficient Modules with Arithmetic Operations"), on PEFT adapters of any base
//! model: the tensor names decide what is combined with what.
//!
//! Addition has four forms, each matching its own definition:
//! - `Average`, the paper's: θ = Σ wᵢθᵢ on the module parameters (LoRA: A and B separately,
//!   so ΔW = (Σ wᵢBᵢ)(Σ wᵢAᵢ) has cross terms; (IA)³: the vectors), heads included;
//! - `PeftLinear`, PEFT's `add_weighted_adapter(..., "linear")`: A and B each scaled by
//!   √(wᵢ·alpha/r) and summed, the new alpha = r;
//! - `Cat`, PEFT's `"cat"`: ranks concatenated, A scaled by wᵢ·alpha/r, so ΔW = Σ wᵢΔWᵢ exactly;
//! - `Svd`, PEFT's `"svd"`: the summed ΔW (PEFT weighs each ΔWᵢ by wᵢ·alpha/r, on top of the
//!   alpha/r inside ΔWᵢ) truncated to a rank by SVD.
//!
//! Negation: LoRA B → −B (negating both would leave ΔW unchanged); (IA)³ l → 2 − l.
use super::adapter::AdapterConfig;
use super::lora::LoraConfig;
use anyhow::{bail, ensure, Context, Result};
use std::collections::BTreeMap;
use tch::{Kind, Tensor};

/// A loaded adapter: its config and its tensors by module path (`load_peft_adapter`'s form).
pub struct Module {
    pub config: AdapterConfig,
    pub tensors: Vec<(String, Tensor)>,
}

impl Module {
    /// Another handle on the same config and tensors (no data copied).
    pub fn shallow_clone(&self) -> Module {
        Module { config: self.config.clone(), tensors: self.tensors.iter().map(|(k, t)| (k.clone(), t.shallow_clone())).collect() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AddForm {
    Average,
    PeftLinear,
    Cat,
    /// Truncated to `rank` (default: the largest rank of the inputs, as PEFT).
    Svd { rank: Option<i64> },
}

fn by_name(tensors: &[(String, Tensor)]) -> BTreeMap<&str, &Tensor> {
    tensors.iter().map(|(k, t)| (k.as_str(), t)).collect()
}

/// The adapted modules of a LoRA adapter: module path → (A, B).
fn lora_pairs(tensors: &[(String, Tensor)]) -> BTreeMap<String, (Tensor, Tensor)> {
    let named = by_name(tensors);
    named
        .keys()
        .filter_map(|k| k.strip_suffix(".lora_A.weight"))
        .filter_map(|m| named.get(format!("{m}.lora_B.weight").as_str()).map(|b| (m.to_string(), (named[format!("{m}.lora_A.weight").as_str()].shallow_clone(), b.shallow_clone()))))
        .collect()
}

/// Tensors that are neither LoRA pairs nor (IA)³ vectors: heads trained in full.
fn others(tensors: &[(String, Tensor)]) -> Vec<(String, Tensor)> {
    tensors.iter().filter(|(k, _)| !k.contains(".lora_A.") && !k.contains(".lora_B.") && !k.ends_with("ia3_l")).map(|(k, t)| (k.clone(), t.shallow_clone())).collect()
}

fn weighted_sum(tensors: &[&Tensor], weights: &[f64]) -> Tensor {
    tensors.iter().zip(weights).map(|(t, w)| *t * *w).reduce(|a, b| a + b).expect("at least one tensor")
}

/// Checks that a module's tensors agree with its config and with each other: every LoRA
/// A has its B, both of the config's rank; an (IA)³ vector is a vector. A file that fails
/// this is corrupt or was written for another config; tensor arithmetic on it would fail
/// half-way.
pub fn check_module(m: &Module) -> Result<()> {
    let named = by_name(&m.tensors);
    for (name, t) in &named {
        if let Some(module) = name.strip_suffix(".lora_A.weight") {
            let b = named.get(format!("{module}.lora_B.weight").as_str()).ok_or_else(|| anyhow::anyhow!("`{name}` has no `{module}.lora_B.weight` beside it"))?;
            let (a, b) = (t.size(), b.size());
            ensure!(a.len() == 2 && b.len() == 2 && a[0] == b[1], "`{module}`: lora_A is {a:?} and lora_B is {b:?}; A must be [r, in] and B [out, r]");
            if let AdapterConfig::Lora(c) = &m.config {
                ensure!(a[0] == c.r, "`{module}` has rank {} but adapter_config.json says r = {}", a[0], c.r);
            }
        } else if let Some(module) = name.strip_suffix(".lora_B.weight") {
            ensure!(named.contains_key(format!("{module}.lora_A.weight").as_str()), "`{name}` has no `{module}.lora_A.weight` beside it");
        } else if name.ends_with("ia3_l") {
            // PEFT stores [out, 1] (or [1, in] before a feed-forward layer).
            let size = t.size();
            ensure!(size.len() == 1 || (size.len() == 2 && size.contains(&1)), "`{name}` is {size:?}; an (IA)³ vector is [n, 1] or [1, n]");
        }
    }
    Ok(())
}

/// Checks what every form needs: as many weights as modules, one kind, the same modules.
fn check_inputs(modules: &[Module], weights: &[f64]) -> Result<()> {
    ensure!(!modules.is_empty(), "nothing to add: give at least one adapter");
    ensure!(weights.len() == modules.len(), "{} weights for {} adapters: give one weight per adapter", weights.len(), modules.len());
    let kind = modules[0].config.peft_type();
    for (i, m) in modules.iter().enumerate() {
        ensure!(m.config.peft_type() == kind, "adapter {} is {}, adapter 1 is {kind}: LoRA and (IA)³ modules do not add", i + 1, m.config.peft_type());
        check_module(m).with_context(|| format!("adapter {}", i + 1))?;
    }
    for (i, m) in modules.iter().enumerate().skip(1) {
        ensure!(m.config.peft_type() == kind, "adapter {} is {}, adapter 1 is {kind}: LoRA and (IA)³ modules do not add", i + 1, m.config.peft_type());
        let names = |m: &Module| m.tensors.iter().map(|(k, _)| k.clone()).collect::<std::collections::BTreeSet<_>>();
        let (a, b) = (names(&modules[0]), names(m));
        if a != b {
            let only: Vec<&String> = a.symmetric_difference(&b).take(3).collect();
            bail!("adapter {} adapts other modules than adapter 1 ({only:?} …): modules add only when they adapt the same modules of the same base model", i + 1);
        }
        for (k, t) in &m.tensors {
            let first = by_name(&modules[0].tensors)[k.as_str()];
            // LoRA ranks may differ (cat and svd take that); the sides they adapt may not.
            let (ours, theirs) = match (k.contains(".lora_A."), k.contains(".lora_B.")) {
                (true, _) => (t.size()[1..].to_vec(), first.size()[1..].to_vec()),
                (_, true) => (t.size()[..1].to_vec(), first.size()[..1].to_vec()),
                _ => (t.size(), first.size()),
            };
            ensure!(ours == theirs, "`{k}` is {:?} in adapter {} and {:?} in adapter 1: the adapters come from different base models", t.size(), i + 1, first.size());
        }
    }
    Ok(())
}

/// Adds `modules` with `weights` in `form`.
pub fn add(modules: &[Module], weights: &[f64], form: AddForm) -> Result<Module> {
    check_inputs(modules, weights)?;
    match &modules[0].config {
        AdapterConfig::Ia3(cfg) => {
            ensure!(form == AddForm::Average, "(IA)³ vectors add only in the average form (the paper's); the other forms are LoRA's");
            let tensors = modules[0].tensors.iter().map(|(k, _)| (k.clone(), weighted_sum(&modules.iter().map(|m| by_name(&m.tensors)[k.as_str()]).collect::<Vec<_>>(), weights))).collect();
            Ok(Module { config: AdapterConfig::Ia3(cfg.clone()), tensors })
        }
        AdapterConfig::Lora(_) => add_lora(modules, weights, form),
    }
}

fn lora_config(m: &Module) -> &LoraConfig {
    match &m.config {
        AdapterConfig::Lora(c) => c,
        AdapterConfig::Ia3(_) => unreachable!("checked: every input is LoRA"),
    }
}

fn add_lora(modules: &[Module], weights: &[f64], form: AddForm) -> Result<Module> {
    let configs: Vec<&LoraConfig> = modules.iter().map(lora_config).collect();
    let ranks: Vec<i64> = configs.iter().map(|c| c.r).collect();
    if matches!(form, AddForm::Average | AddForm::PeftLinear) {
        ensure!(ranks.iter().all(|&r| r == ranks[0]), "the {form:?} form needs the same rank in every adapter (ranks {ranks:?}); use --form cat or svd");
    }
    if form == AddForm::Average {
        ensure!(configs.iter().all(|c| c.lora_alpha == configs[0].lora_alpha), "the average form needs the same lora_alpha in every adapter");
    }
    let pairs: Vec<BTreeMap<String, (Tensor, Tensor)>> = modules.iter().map(|m| lora_pairs(&m.tensors)).collect();
    let scales: Vec<f64> = configs.iter().map(|c| c.scale()).collect();
    let new_rank = match form {
        AddForm::Average | AddForm::PeftLinear => ranks[0],
        AddForm::Cat => ranks.iter().sum(),
        AddForm::Svd { rank } => rank.unwrap_or_else(|| *ranks.iter().max().expect("one adapter")),
    };
    let mut tensors = Vec::new();
    for name in pairs[0].keys() {
        let a: Vec<&Tensor> = pairs.iter().map(|p| &p[name].0).collect();
        let b: Vec<&Tensor> = pairs.iter().map(|p| &p[name].1).collect();
        let (new_a, new_b) = match form {
            AddForm::Average => (weighted_sum(&a, weights), weighted_sum(&b, weights)),
            AddForm::PeftLinear => {
                let w: Vec<f64> = weights.iter().zip(&scales).map(|(w, s)| (w * s).sqrt()).collect();
                (weighted_sum(&a, &w), weighted_sum(&b, &w))
            }
            AddForm::Cat => {
                let scaled: Vec<Tensor> = a.iter().zip(weights.iter().zip(&scales)).map(|(a, (w, s))| *a * (w * s)).collect();
                (Tensor::cat(&scaled, 0), Tensor::cat(&b, 1))
            }
            AddForm::Svd { .. } => {
                let delta = b.iter().zip(&a).zip(weights.iter().zip(&scales)).map(|((b, a), (w, s))| b.matmul(a) * (w * s * s)).reduce(|x, y| x + y).expect("one adapter");
                // ΔW = U diag(S) Vᵀ: B = U diag(S) and A = Vᵀ, both cut to the new rank.
                let (u, s, v) = delta.to_kind(Kind::Float).svd(false, true);
                let k = new_rank.min(s.size()[0]);
                (v.narrow(1, 0, k).transpose(0, 1).contiguous(), u.narrow(1, 0, k) * s.narrow(0, 0, k))
            }
        };
        tensors.push((format!("{name}.lora_A.weight"), new_a));
        tensors.push((format!("{name}.lora_B.weight"), new_b));
    }
    // Heads trained with the modules: averaged in the paper's form (the authors'
    // `--merge_head`), the first adapter's otherwise.
    for (k, t) in others(&modules[0].tensors) {
        let merged = match form {
            AddForm::Average => weighted_sum(&modules.iter().map(|m| by_name(&m.tensors)[k.as_str()]).collect::<Vec<_>>(), weights),
            _ => t,
        };
        tensors.push((k, merged));
    }
    tensors.sort_by(|x, y| x.0.cmp(&y.0));
    let mut config = configs[0].clone();
    if form != AddForm::Average {
        config.r = new_rank;
        config.lora_alpha = new_rank as f64;
    }
    Ok(Module { config: AdapterConfig::Lora(config), tensors })
}

/// Negation scaled by `lambda`, as the authors' GPT-2 detoxification script applies it
/// to a base model: LoRA B → −λB (ΔW → −λΔW); (IA)³ l → 1 − λ(l − 1). λ = 1 is `negate`.
pub fn negate_scaled(m: &Module, lambda: f64) -> Module {
    let tensors = m
        .tensors
        .iter()
        .map(|(k, t)| {
            let t = if k.contains(".lora_B.") {
                t * -lambda
            } else if k.ends_with("ia3_l") {
                1.0 - (t - 1.0) * lambda
            } else {
                t.shallow_clone()
            };
            (k.clone(), t)
        })
        .collect();
    Module { config: m.config.clone(), tensors }
}

/// Negation: what the module learnt, taken away.
pub fn negate(m: &Module) -> Module {
    let tensors = m
        .tensors
        .iter()
        .map(|(k, t)| {
            let t = if k.contains(".lora_B.") {
                -t
            } else if k.ends_with("ia3_l") {
                2.0 - t
            } else {
                t.shallow_clone()
            };
            (k.clone(), t)
        })
        .collect();
    Module { config: m.config.clone(), tensors }
}

/// Analogy a − b + c: `b` negated, then the three added with weight 1 each in `form`.
pub fn analogy(a: &Module, b: &Module, c: &Module, form: AddForm) -> Result<Module> {
    let nb = negate(b);
    let parts = [a.shallow_clone(), nb, c.shallow_clone()];
    add(&parts, &[1.0, 1.0, 1.0], form)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::ia3::Ia3Config;
    use tch::Device;

    fn t(values: &[f32]) -> Tensor {
        Tensor::from_slice(values).to_device(Device::Cpu)
    }

    #[test]
    fn scaled_negation_scales_the_change() {
        let lora = Module {
            config: AdapterConfig::Lora(LoraConfig { r: 1, lora_alpha: 1.0, lora_dropout: 0.0, target_modules: vec!["q".into()], modules_to_save: vec![] }),
            tensors: vec![("q.lora_A.weight".into(), t(&[1.0, 2.0]).view([1, 2])), ("q.lora_B.weight".into(), t(&[3.0, -4.0]).view([2, 1])), ("classifier.weight".into(), t(&[5.0]))],
        };
        let half = negate_scaled(&lora, 0.5);
        let get = |m: &Module, k: &str| Vec::<f32>::try_from(m.tensors.iter().find(|(n, _)| n == k).unwrap().1.flatten(0, -1)).unwrap();
        assert_eq!(get(&half, "q.lora_A.weight"), vec![1.0, 2.0], "A is kept, so ΔW = −λ·BA");
        assert_eq!(get(&half, "q.lora_B.weight"), vec![-1.5, 2.0]);
        assert_eq!(get(&half, "classifier.weight"), vec![5.0], "heads are not negated");
        assert_eq!(get(&negate_scaled(&lora, 1.0), "q.lora_B.weight"), get(&negate(&lora), "q.lora_B.weight"));
        let ia3 = Module { config: AdapterConfig::Ia3(Ia3Config::vit()), tensors: vec![("k.ia3_l".into(), t(&[1.4, 0.8, 1.0]))] };
        let got = get(&negate_scaled(&ia3, 0.5), "k.ia3_l");
        for (g, want) in got.iter().zip([0.8f32, 1.1, 1.0]) {
            assert!((g - want).abs() < 1e-6, "l → 1 − λ(l − 1): {got:?}");
        }
        let (one, two_minus) = (get(&negate_scaled(&ia3, 1.0), "k.ia3_l"), get(&negate(&ia3), "k.ia3_l"));
        assert!(one.iter().zip(&two_minus).all(|(a, b)| (a - b).abs() < 1e-6), "λ = 1 is 2 − l: {one:?} {two_minus:?}");
    }
}
