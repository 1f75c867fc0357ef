//! LoRA as PEFT implements it (peft `tuners/lora/layer.py`, Linear): a frozen Linear plus
//! ΔW = B·A scaled by alpha/r, with dropout on the LoRA input; A kaiming-uniform
//! (a=√5), B zero, so an untrained adapter changes nothing. Any Linear whose module name
//! matches `target_modules` is adapted (PEFT's rule: the full name, or a name ending in
//! ".<entry>"); `modules_to_save` modules are trained in full. Merge folds ΔW into the
//! weight for inference; unmerge takes it out again.
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use tch::nn;
use tch::Tensor;

/// The fields of PEFT's `LoraConfig` this crate reads and writes (adapter_config.json).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoraConfig {
    pub r: i64,
    pub lora_alpha: f64,
    #[serde(default)]
    pub lora_dropout: f64,
    pub target_modules: Vec<String>,
    /// PEFT writes `null` when there are none.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub modules_to_save: Vec<String>,
}

/// A list PEFT may write as `null`.
pub fn null_as_empty<'de, D: serde::Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl LoraConfig {
    /// Whether the module `name` (dotted path) gets a LoRA pair.
    pub fn targets(&self, name: &str) -> bool {
        self.target_modules.iter().any(|t| name == t || name.ends_with(&format!(".{t}")))
    }

    /// Whether the module `name` is trained in full and saved with the adapter.
    pub fn saves(&self, name: &str) -> bool {
        self.modules_to_save.iter().any(|t| name == t || name.ends_with(&format!(".{t}")))
    }

    pub fn scale(&self) -> f64 {
        self.lora_alpha / self.r as f64
    }
}

#[derive(Debug)]
pub struct LoraPair {
    /// [r, in]
    pub a: Tensor,
    /// [out, r]
    pub b: Tensor,
    pub scale: f64,
    pub dropout: f64,
}

impl LoraPair {
    /// `vs` is the adapted module's path in the adapter's VarStore.
    pub fn new(vs: &nn::Path, in_dim: i64, out_dim: i64, cfg: &LoraConfig) -> Self {
        let bound = 1.0 / (in_dim as f64).sqrt();
        Self {
            a: (vs / "lora_A").var("weight", &[cfg.r, in_dim], nn::Init::Uniform { lo: -bound, up: bound }),
            b: (vs / "lora_B").var("weight", &[out_dim, cfg.r], nn::Init::Const(0.0)),
            scale: cfg.scale(),
            dropout: cfg.lora_dropout,
        }
    }

    pub fn delta_weight(&self) -> Tensor {
        self.b.matmul(&self.a) * self.scale
    }
}

/// A Linear that may carry a LoRA pair or an (IA)³ vector.
#[derive(Debug)]
pub struct AdaptedLinear {
    pub weight: Tensor,
    pub bias: Option<Tensor>,
    pub lora: Option<LoraPair>,
    pub ia3: Option<super::ia3::Ia3Vector>,
    merged: Cell<bool>,
}

impl AdaptedLinear {
    /// The Linear's own weights under `base` (`weight` [out, in], `bias`), and a LoRA
    /// pair under `adapter` when one is given.
    pub fn new(base: &nn::Path, adapter: Option<(&nn::Path, &LoraConfig)>, in_dim: i64, out_dim: i64) -> Self {
        let plain = nn::linear(base, in_dim, out_dim, Default::default());
        Self { weight: plain.ws, bias: plain.bs, lora: adapter.map(|(vs, cfg)| LoraPair::new(vs, in_dim, out_dim, cfg)), ia3: None, merged: Cell::new(false) }
    }

    /// The same Linear carrying an (IA)³ vector instead.
    pub fn with_ia3(mut self, vector: super::ia3::Ia3Vector) -> Self {
        self.ia3 = Some(vector);
        self
    }

    pub fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        if let (Some(v), false) = (&self.ia3, self.merged.get()) {
            return v.forward(x, &self.weight, self.bias.as_ref());
        }
        let y = x.linear(&self.weight, self.bias.as_ref());
        match &self.lora {
            Some(l) if !self.merged.get() => {
                let h = x.dropout(l.dropout, train).linear::<Tensor>(&l.a, None).linear::<Tensor>(&l.b, None);
                y + h * l.scale
            }
            _ => y,
        }
    }

    /// Folds ΔW (or the (IA)³ vector) into the weight (no-op when already merged or
    /// without an adapter).
    pub fn merge(&self) {
        if let (Some(v), false) = (&self.ia3, self.merged.get()) {
            self.rescale(v);
            self.merged.set(true);
        }
        if let (Some(l), false) = (&self.lora, self.merged.get()) {
            tch::no_grad(|| {
                let _ = self.weight.shallow_clone().g_add_(&l.delta_weight());
            });
            self.merged.set(true);
        }
    }

    /// Takes ΔW out again; an (IA)³ vector is divided out, as PEFT does.
    pub fn unmerge(&self) {
        if let (Some(v), true) = (&self.ia3, self.merged.get()) {
            self.rescale(&v.inverse());
            self.merged.set(false);
        }
        if let (Some(l), true) = (&self.lora, self.merged.get()) {
            tch::no_grad(|| {
                let _ = self.weight.shallow_clone().g_sub_(&l.delta_weight());
            });
            self.merged.set(false);
        }
    }

    /// Folds an (IA)³ vector into the weight and bias, in place.
    fn rescale(&self, v: &super::ia3::Ia3Vector) {
        let (w, b) = v.merged(&self.weight, self.bias.as_ref());
        tch::no_grad(|| {
            self.weight.shallow_clone().copy_(&w);
            if let (Some(bias), Some(b)) = (&self.bias, b) {
                bias.shallow_clone().copy_(&b);
            }
        });
    }

    pub fn is_merged(&self) -> bool {
        self.merged.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    fn cfg() -> LoraConfig {
        LoraConfig { r: 4, lora_alpha: 8.0, lora_dropout: 0.0, target_modules: vec!["query".into(), "value".into()], modules_to_save: vec!["classifier".into()] }
    }

    #[test]
    fn targets_follow_peft_name_matching() {
        let c = cfg();
        assert!(c.targets("vit.encoder.layer.0.attention.attention.query"));
        assert!(c.targets("value"));
        assert!(!c.targets("vit.encoder.layer.0.attention.attention.key"));
        assert!(!c.targets("vit.encoder.layer.0.attention.attention.queryx"));
        assert!(c.saves("classifier") && !c.saves("vit.layernorm"));
    }

    #[test]
    fn fresh_adapter_is_identity_and_merge_round_trips() {
        let (base, adapter) = (nn::VarStore::new(Device::Cpu), nn::VarStore::new(Device::Cpu));
        let c = cfg();
        let layer = AdaptedLinear::new(&(base.root() / "q"), Some((&(adapter.root() / "q"), &c)), 6, 5);
        let x = Tensor::randn([3, 6], (Kind::Float, Device::Cpu));
        let plain = x.linear(&layer.weight, layer.bias.as_ref());
        assert!(layer.forward_t(&x, false).allclose(&plain, 0.0, 0.0, false), "B = 0: no change");
        let lora = layer.lora.as_ref().unwrap();
        tch::no_grad(|| lora.b.shallow_clone().copy_(&Tensor::randn([5, 4], (Kind::Float, Device::Cpu))));
        let unmerged = layer.forward_t(&x, false);
        let expected = &plain + x.matmul(&lora.a.transpose(0, 1)).matmul(&lora.b.transpose(0, 1)) * 2.0;
        assert!((&unmerged - expected).abs().max().double_value(&[]) < 1e-5);
        let before = layer.weight.copy();
        layer.merge();
        assert!((layer.forward_t(&x, false) - &unmerged).abs().max().double_value(&[]) < 1e-5);
        layer.unmerge();
        assert!((&layer.weight - before).abs().max().double_value(&[]) < 1e-6);
    }
}
