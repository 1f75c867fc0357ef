//! AdamW as torch.optim.AdamW computes it (decoupled weight decay, bias-corrected
//! moments), written out so its state can be checkpointed and restored exactly: tch's
//! built-in optimizers keep their moments out of reach.
use tch::{Kind, Tensor};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamWConfig {
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
}

impl Default for AdamWConfig {
    /// torch's defaults with the Trainer's weight decay (0).
    fn default() -> Self {
        Self { beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.0 }
    }
}

pub struct AdamW {
    pub cfg: AdamWConfig,
    /// (name, parameter, decays?) for every trainable tensor.
    params: Vec<(String, Tensor, bool)>,
    pub exp_avg: Vec<Tensor>,
    pub exp_avg_sq: Vec<Tensor>,
    /// Steps taken (the bias-correction counter).
    pub steps: i64,
}

/// The Trainer's rule: no weight decay on biases and LayerNorm weights.
pub fn decays(name: &str) -> bool {
    !(name.ends_with("bias") || name.contains("layernorm") || name.contains("LayerNorm") || name.contains("layer_norm"))
}

impl AdamW {
    pub fn new(named: Vec<(String, Tensor)>, cfg: AdamWConfig) -> Self {
        let exp_avg = named.iter().map(|(_, p)| p.zeros_like().to_kind(Kind::Float)).collect();
        let exp_avg_sq = named.iter().map(|(_, p)| p.zeros_like().to_kind(Kind::Float)).collect();
        let params = named.into_iter().map(|(n, p)| {
            let d = decays(&n);
            (n, p, d)
        }).collect();
        Self { cfg, params, exp_avg, exp_avg_sq, steps: 0 }
    }

    pub fn params(&self) -> impl Iterator<Item = (&str, &Tensor)> {
        self.params.iter().map(|(n, p, _)| (n.as_str(), p))
    }

    pub fn zero_grad(&mut self) {
        for (_, p, _) in &mut self.params {
            p.zero_grad();
        }
    }

    /// √(Σ‖g‖²) over every gradient.
    pub fn grad_norm(&self) -> f64 {
        let squares: Vec<Tensor> = self.params.iter().map(|(_, p, _)| p.grad()).filter(|g| g.defined()).map(|g| g.to_kind(Kind::Float).square().sum(Kind::Float)).collect();
        if squares.is_empty() {
            return 0.0;
        }
        Tensor::stack(&squares, 0).sum(Kind::Float).sqrt().double_value(&[])
    }

    /// Multiplies every gradient by `factor` (unscaling, clipping).
    pub fn scale_grads(&mut self, factor: f64) {
        tch::no_grad(|| {
            for (_, p, _) in &self.params {
                let mut g = p.grad();
                if g.defined() {
                    let _ = g.g_mul_scalar_(factor);
                }
            }
        });
    }

    /// One update with learning rate `lr`; parameters without a gradient are left alone.
    pub fn step(&mut self, lr: f64) {
        self.steps += 1;
        let c = self.cfg;
        let bias1 = 1.0 - c.beta1.powi(self.steps as i32);
        let bias2 = 1.0 - c.beta2.powi(self.steps as i32);
        tch::no_grad(|| {
            for (i, (_, p, decay)) in self.params.iter().enumerate() {
                let g = p.grad();
                if !g.defined() {
                    continue;
                }
                let mut p = p.shallow_clone();
                if *decay && c.weight_decay != 0.0 {
                    let _ = p.g_mul_scalar_(1.0 - lr * c.weight_decay);
                }
                let g = g.to_kind(Kind::Float);
                let (m, v) = (&mut self.exp_avg[i], &mut self.exp_avg_sq[i]);
                let _ = m.g_mul_scalar_(c.beta1).g_add_(&(&g * (1.0 - c.beta1)));
                let _ = v.g_mul_scalar_(c.beta2).g_add_(&(&g * &g * (1.0 - c.beta2)));
                let denom = v.sqrt() / bias2.sqrt() + c.eps;
                let update = (&*m / denom) * (lr / bias1);
                let _ = p.g_sub_(&update.to_kind(p.kind()));
            }
        });
    }

    /// The moments by parameter name, for a checkpoint.
    pub fn state(&self) -> Vec<(String, Tensor)> {
        let mut out = Vec::with_capacity(2 * self.params.len());
        for (i, (n, _, _)) in self.params.iter().enumerate() {
            out.push((format!("exp_avg.{n}"), self.exp_avg[i].shallow_clone()));
            out.push((format!("exp_avg_sq.{n}"), self.exp_avg_sq[i].shallow_clone()));
        }
        out
    }

    /// Restores moments written by `state`; every parameter's pair must be present.
    pub fn load_state(&mut self, tensors: &[(String, Tensor)], steps: i64) -> anyhow::Result<()> {
        let find = |key: String| tensors.iter().find(|(k, _)| *k == key).map(|(_, t)| t.shallow_clone()).ok_or_else(|| anyhow::anyhow!("the checkpoint has no `{key}`"));
        tch::no_grad(|| -> anyhow::Result<()> {
            for (i, (n, _, _)) in self.params.iter().enumerate() {
                let m = find(format!("exp_avg.{n}"))?;
                let v = find(format!("exp_avg_sq.{n}"))?;
                anyhow::ensure!(m.size() == self.exp_avg[i].size(), "checkpoint moment for `{n}` has shape {:?}, expected {:?}", m.size(), self.exp_avg[i].size());
                self.exp_avg[i].copy_(&m);
                self.exp_avg_sq[i].copy_(&v);
            }
            Ok(())
        })?;
        self.steps = steps;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference values from torch.optim.AdamW(lr=0.1, weight_decay=0.01) on
    /// p=[1,-2], loss = sum(p²) for three steps.
    #[test]
    fn matches_torch_adamw_on_a_quadratic() {
        let p = Tensor::from_slice(&[1.0f32, -2.0]).set_requires_grad(true);
        let mut opt = AdamW::new(vec![("w".into(), p.shallow_clone())], AdamWConfig { weight_decay: 0.01, ..Default::default() });
        for _ in 0..3 {
            opt.zero_grad();
            p.square().sum(Kind::Float).backward();
            opt.step(0.1);
        }
        let got: Vec<f32> = Vec::try_from(&p.detach()).unwrap();
        let expected = [0.698_911_25f32, -1.694_944_6];
        for (g, e) in got.iter().zip(expected) {
            assert!((g - e).abs() < 1e-5, "{got:?} vs {expected:?}");
        }
    }

    #[test]
    fn no_decay_on_biases_and_layer_norms() {
        assert!(decays("vit.encoder.layer.0.attention.attention.query.lora_A.weight"));
        assert!(!decays("classifier.bias"));
        assert!(!decays("vit.encoder.layer.0.layernorm_before.weight"));
    }
}
