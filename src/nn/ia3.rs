//! (IA)³ as PEFT implements it (peft `tuners/ia3/layer.py`, Linear; `tuners/ia3/model.py`):
//! a learned vector l per adapted Linear, initialised to ones, that rescales its output
//! (keys and values: y = (Wx + b) ⊙ l, l of shape [out, 1]) or, for the feed-forward
//! modules, its input (the FFN's intermediate activation: y = W(x ⊙ l) + b, l of shape
//! [1, in]). Module names match as PEFT matches them: a list entry matches the full name or
//! a name ending in ".<entry>" (a feed-forward entry: any name ending in it), a string is a
//! regular expression the whole name must match.
use serde::{Deserialize, Serialize};
use tch::nn;
use tch::Tensor;

/// PEFT's `target_modules` / `feedforward_modules`: a list of names, or one regex.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ModuleNames {
    List(Vec<String>),
    Regex(String),
}

impl Default for ModuleNames {
    fn default() -> Self {
        ModuleNames::List(Vec::new())
    }
}

impl ModuleNames {
    fn full_match(pattern: &str, name: &str) -> bool {
        regex::Regex::new(&format!("^(?:{pattern})$")).is_ok_and(|re| re.is_match(name))
    }

    /// `check_target_module_exists`: exact name, or a name ending in ".<entry>".
    pub fn targets(&self, name: &str) -> bool {
        match self {
            ModuleNames::Regex(p) => Self::full_match(p, name),
            ModuleNames::List(l) => l.iter().any(|t| name == t || name.ends_with(&format!(".{t}"))),
        }
    }

    /// `_check_target_module_feedforward`: any name ending in an entry (no dot required).
    pub fn ends(&self, name: &str) -> bool {
        match self {
            ModuleNames::Regex(p) => Self::full_match(p, name),
            ModuleNames::List(l) => l.iter().any(|t| name.ends_with(t.as_str())),
        }
    }
}

/// The fields of PEFT's `IA3Config` this crate reads and writes (adapter_config.json).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ia3Config {
    pub target_modules: ModuleNames,
    #[serde(default, deserialize_with = "super::lora::null_as_empty")]
    pub feedforward_modules: ModuleNames,
    #[serde(default, deserialize_with = "super::lora::null_as_empty")]
    pub modules_to_save: Vec<String>,
}

impl Ia3Config {
    pub fn targets(&self, name: &str) -> bool {
        self.target_modules.targets(name)
    }

    pub fn is_feedforward(&self, name: &str) -> bool {
        self.feedforward_modules.ends(name)
    }

    pub fn saves(&self, name: &str) -> bool {
        self.modules_to_save.iter().any(|t| name == t || name.ends_with(&format!(".{t}")))
    }

    /// For the ViT of transformers: keys, values and the FFN's second projection
    /// (`layer.N.output.dense`, not the attention's `attention.output.dense`), as the (IA)³
    /// paper rescales keys, values and the FFN's intermediate activation.
    pub fn vit() -> Ia3Config {
        Ia3Config {
            target_modules: ModuleNames::Regex(r".*\.(key|value|layer\.\d+\.output\.dense)".into()),
            feedforward_modules: ModuleNames::Regex(r".*\.layer\.\d+\.output\.dense".into()),
            modules_to_save: vec!["classifier".into()],
        }
    }
}

/// The learned vector of one Linear.
#[derive(Debug)]
pub struct Ia3Vector {
    /// [out, 1], or [1, in] for a feed-forward module (PEFT's shapes).
    pub l: Tensor,
    pub feedforward: bool,
}

impl Ia3Vector {
    /// `vs` is the adapted module's path in the adapter's VarStore; the vector is `ia3_l`.
    pub fn new(vs: &nn::Path, in_dim: i64, out_dim: i64, feedforward: bool) -> Self {
        let shape = if feedforward { [1, in_dim] } else { [out_dim, 1] };
        Self { l: vs.var("ia3_l", &shape, nn::Init::Const(1.0)), feedforward }
    }

    /// The Linear `x ↦ xWᵀ + b` with this vector applied.
    pub fn forward(&self, x: &Tensor, weight: &Tensor, bias: Option<&Tensor>) -> Tensor {
        let l = self.l.flatten(0, -1);
        if self.feedforward {
            (x * l).linear(weight, bias)
        } else {
            x.linear(weight, bias) * l
        }
    }

    /// The vector that undoes this one (PEFT's unmerge divides by l + 1e-8).
    pub fn inverse(&self) -> Ia3Vector {
        Ia3Vector { l: (&self.l + 1e-8).reciprocal(), feedforward: self.feedforward }
    }

    /// The weight (and bias) with the vector folded in, as PEFT's merge computes them.
    pub fn merged(&self, weight: &Tensor, bias: Option<&Tensor>) -> (Tensor, Option<Tensor>) {
        if self.feedforward {
            (weight * &self.l, bias.map(Tensor::copy))
        } else {
            (weight * &self.l, bias.map(|b| b * self.l.flatten(0, -1)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    #[test]
    fn names_match_as_peft_matches_them() {
        let c = Ia3Config::vit();
        assert!(c.targets("vit.encoder.layer.3.attention.attention.key"));
        assert!(c.targets("vit.encoder.layer.11.output.dense"));
        assert!(!c.targets("vit.encoder.layer.3.attention.output.dense"));
        assert!(!c.targets("vit.encoder.layer.3.attention.attention.query"));
        assert!(c.is_feedforward("vit.encoder.layer.0.output.dense") && !c.is_feedforward("vit.encoder.layer.0.attention.attention.value"));
        let list = Ia3Config { target_modules: ModuleNames::List(vec!["key".into(), "output.dense".into()]), feedforward_modules: ModuleNames::List(vec!["output.dense".into()]), modules_to_save: vec![] };
        // A list entry also matches the attention's output projection, as in PEFT.
        assert!(list.targets("vit.encoder.layer.0.attention.output.dense") && list.is_feedforward("vit.encoder.layer.0.attention.output.dense"));
    }

    #[test]
    fn ones_change_nothing_and_merging_matches_the_forward() {
        let vs = nn::VarStore::new(Device::Cpu);
        let (w, b) = (Tensor::randn([5, 6], (Kind::Float, Device::Cpu)), Tensor::randn([5], (Kind::Float, Device::Cpu)));
        let x = Tensor::randn([3, 6], (Kind::Float, Device::Cpu));
        for ff in [false, true] {
            let v = Ia3Vector::new(&(vs.root() / if ff { "ff" } else { "kv" }), 6, 5, ff);
            assert!(v.forward(&x, &w, Some(&b)).allclose(&x.linear(&w, Some(&b)), 1e-6, 1e-6, false));
            tch::no_grad(|| v.l.shallow_clone().copy_(&(Tensor::rand(v.l.size(), (Kind::Float, Device::Cpu)) + 0.5)));
            let (mw, mb) = v.merged(&w, Some(&b));
            let diff = (v.forward(&x, &w, Some(&b)) - x.linear(&mw, mb.as_ref())).abs().max().double_value(&[]);
            assert!(diff < 1e-5, "feed-forward {ff}: {diff}");
        }
    }
}
