//! SGD with momentum and weight decay as torch.optim.SGD computes it (the MoCo recipe):
//! g ← g + wd·p; b ← g on the first step, else μ·b + g; p ← p − lr·b. Written out so the
//! momentum buffers can be checkpointed and restored exactly.
use tch::Tensor;

pub struct Sgd {
    pub momentum: f64,
    pub weight_decay: f64,
    params: Vec<(String, Tensor)>,
    buffers: Vec<Option<Tensor>>,
}

impl Sgd {
    pub fn new(params: Vec<(String, Tensor)>, momentum: f64, weight_decay: f64) -> Self {
        let buffers = params.iter().map(|_| None).collect();
        Self { momentum, weight_decay, params, buffers }
    }

    pub fn zero_grad(&mut self) {
        for (_, p) in &mut self.params {
            p.zero_grad();
        }
    }

    /// One update with learning rate `lr`; parameters without a gradient are left alone.
    pub fn step(&mut self, lr: f64) {
        tch::no_grad(|| {
            for ((_, p), buf) in self.params.iter().zip(self.buffers.iter_mut()) {
                let g = p.grad();
                if !g.defined() {
                    continue;
                }
                // In place where torch is: the gradient takes the decay (it is zeroed
                // before the next step anyway), the buffer the momentum.
                let mut g = g;
                if self.weight_decay != 0.0 {
                    let _ = g.g_add_(&(p * self.weight_decay));
                }
                let b = match buf.take() {
                    Some(mut b) => {
                        let _ = b.g_mul_scalar_(self.momentum).g_add_(&g);
                        b
                    }
                    None => g.copy(),
                };
                let _ = p.shallow_clone().g_sub_(&(&b * lr));
                *buf = Some(b);
            }
        });
    }

    /// The momentum buffers by parameter name (those that exist yet), for a checkpoint.
    pub fn state(&self) -> Vec<(String, Tensor)> {
        self.params.iter().zip(&self.buffers).filter_map(|((n, _), b)| b.as_ref().map(|b| (format!("momentum_buffer.{n}"), b.shallow_clone()))).collect()
    }

    /// Restores buffers written by `state`.
    pub fn load_state(&mut self, tensors: &[(String, Tensor)]) -> anyhow::Result<()> {
        for ((n, p), buf) in self.params.iter().zip(self.buffers.iter_mut()) {
            let key = format!("momentum_buffer.{n}");
            *buf = match tensors.iter().find(|(k, _)| *k == key) {
                Some((_, t)) => {
                    anyhow::ensure!(t.size() == p.size(), "checkpoint buffer `{key}` has shape {:?}, the parameter {:?}", t.size(), p.size());
                    Some(t.to_device(p.device()).copy())
                }
                None => None,
            };
        }
        Ok(())
    }
}

/// The cosine schedule: lr·½(1 + cos(π·t/T)) at step t of T.
pub fn cosine_lr(base: f64, step: u64, total: u64) -> f64 {
    base * 0.5 * (1.0 + (std::f64::consts::PI * step as f64 / total.max(1) as f64).cos())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Kind;

    /// Reference values from torch.optim.SGD(lr=0.1, momentum=0.9, weight_decay=0.01) on
    /// p=[1,-2], loss = sum(p²), three steps.
    #[test]
    fn matches_torch_sgd_on_a_quadratic() {
        let p = Tensor::from_slice(&[1.0f32, -2.0]).set_requires_grad(true);
        let mut opt = Sgd::new(vec![("w".into(), p.shallow_clone())], 0.9, 0.01);
        for _ in 0..3 {
            opt.zero_grad();
            p.square().sum(Kind::Float).backward();
            opt.step(0.1);
        }
        let expected = [0.058_194_22f32, -0.116_388_44];
        let got: Vec<f32> = Vec::try_from(&p.detach()).unwrap();
        for (g, e) in got.iter().zip(expected) {
            assert!((g - e).abs() < 1e-5, "{got:?} vs {expected:?}");
        }
        let saved = opt.state();
        let mut fresh = Sgd::new(vec![("w".into(), p.shallow_clone())], 0.9, 0.01);
        fresh.load_state(&saved).unwrap();
        assert!(fresh.state()[0].1.equal(&saved[0].1));
    }

    #[test]
    fn cosine_starts_at_base_and_ends_at_zero() {
        assert_eq!(cosine_lr(0.06, 0, 100), 0.06);
        assert!((cosine_lr(0.06, 50, 100) - 0.03).abs() < 1e-12);
        assert!(cosine_lr(0.06, 100, 100).abs() < 1e-12);
    }
}
