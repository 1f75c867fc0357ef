//! Multinomial logistic regression with an L2 penalty, fitted by L-BFGS: the objective
//! of scikit-learn's `LogisticRegression(C=c)` (C·Σᵢ CEᵢ + ½‖W‖², intercept not
//! penalised), divided by n so the gradient tolerance does not depend on the data size.
//! The CLIP paper's linear-probe reference.
use super::lbfgs::{minimize, LbfgsOptions};
use tch::{Kind, Tensor};

#[derive(Debug)]
pub struct LogisticRegression {
    /// [classes, features]
    pub weight: Tensor,
    /// [classes]
    pub bias: Tensor,
    pub c: f64,
    pub iterations: usize,
    pub converged: bool,
}

impl LogisticRegression {
    /// Logits [n, classes] for features [n, features].
    pub fn logits(&self, x: &Tensor) -> Tensor {
        x.to_kind(Kind::Double).matmul(&self.weight.transpose(0, 1)) + &self.bias
    }

    /// Fits on `x` [n, d] and labels `y` [n] (int64, 0..classes), starting from `warm`
    /// (a fit for a neighbouring C) when given. Computed in float64 on x's device.
    pub fn fit(x: &Tensor, y: &Tensor, classes: i64, c: f64, warm: Option<&LogisticRegression>, opts: LbfgsOptions) -> Self {
        let x = x.to_kind(Kind::Double);
        let (n, d) = x.size2().expect("features [n, d]");
        let y = y.to_device(x.device());
        let penalty = 1.0 / (2.0 * c * n as f64);
        let unpack = |theta: &Tensor| (theta.narrow(0, 0, classes * d).view([classes, d]), theta.narrow(0, classes * d, classes));
        let objective = |theta: &Tensor| {
            let theta = theta.detach().set_requires_grad(true);
            let (w, b) = unpack(&theta);
            let logits = x.matmul(&w.transpose(0, 1)) + b;
            // In float64 throughout (tch's cross_entropy_for_logits would round to float32).
            let loss = logits.log_softmax(-1, Kind::Double).nll_loss(&y) + w.square().sum(Kind::Double) * penalty;
            let grad = Tensor::run_backward(&[&loss], &[&theta], false, false).remove(0);
            (loss.double_value(&[]), grad)
        };
        let start = match warm {
            Some(m) => Tensor::cat(&[m.weight.reshape([-1]), m.bias.shallow_clone()], 0).to_device(x.device()),
            None => Tensor::zeros([classes * d + classes], (Kind::Double, x.device())),
        };
        let result = minimize(objective, &start, opts);
        let (w, b) = unpack(&result.x);
        Self { weight: w.copy(), bias: b.copy(), c, iterations: result.iterations, converged: result.converged }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Device;

    #[test]
    fn separable_clusters_are_classified_and_stronger_penalty_shrinks_weights() {
        tch::manual_seed(0);
        let centres = Tensor::randn([3, 4], (Kind::Double, Device::Cpu)) * 3.0;
        let y = Tensor::arange(300, (Kind::Int64, Device::Cpu)).remainder(3);
        let x = centres.index_select(0, &y) + Tensor::randn([300, 4], (Kind::Double, Device::Cpu)) * 0.5;
        let loose = LogisticRegression::fit(&x, &y, 3, 10.0, None, LbfgsOptions::default());
        let tight = LogisticRegression::fit(&x, &y, 3, 0.01, None, LbfgsOptions::default());
        assert!(loose.converged && tight.converged);
        let acc = loose.logits(&x).argmax(-1, false).eq_tensor(&y).to_kind(Kind::Double).mean(Kind::Double).double_value(&[]);
        assert!(acc > 0.95, "accuracy {acc}");
        assert!(tight.weight.norm().double_value(&[]) < loose.weight.norm().double_value(&[]));
    }
}
