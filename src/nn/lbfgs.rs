//! Limited-memory BFGS (Nocedal & Wright, Algorithm 7.4: two-loop recursion) with an
//! Armijo backtracking line search, on a flat parameter vector. Used for the CLIP paper's
//! logistic-regression probe, where the objective is smooth and strictly convex.
use std::collections::VecDeque;
use tch::Tensor;

#[derive(Debug, Clone, Copy)]
pub struct LbfgsOptions {
    /// Correction pairs kept (scipy's default is 10).
    pub history: usize,
    pub max_iter: usize,
    /// Stop when the largest gradient component is at most this.
    pub grad_tol: f64,
}

impl Default for LbfgsOptions {
    fn default() -> Self {
        Self { history: 10, max_iter: 1000, grad_tol: 1e-6 }
    }
}

#[derive(Debug)]
pub struct LbfgsResult {
    pub x: Tensor,
    pub value: f64,
    pub iterations: usize,
    pub converged: bool,
}

fn dot(a: &Tensor, b: &Tensor) -> f64 {
    a.dot(b).double_value(&[])
}

/// Minimises `objective` (value and gradient at x) from `x0`, a 1-D float64 tensor.
pub fn minimize(mut objective: impl FnMut(&Tensor) -> (f64, Tensor), x0: &Tensor, opts: LbfgsOptions) -> LbfgsResult {
    let mut x = x0.copy();
    let (mut f, mut g) = objective(&x);
    let mut pairs: VecDeque<(Tensor, Tensor, f64)> = VecDeque::with_capacity(opts.history);
    let mut stalled = 0;
    for iteration in 0..opts.max_iter {
        if g.abs().max().double_value(&[]) <= opts.grad_tol {
            return LbfgsResult { x, value: f, iterations: iteration, converged: true };
        }
        let direction = -two_loop(&g, &pairs);
        let slope = dot(&g, &direction);
        // Not a descent direction (numerical trouble): restart from steepest descent.
        let (direction, slope) = if slope < 0.0 { (direction, slope) } else {
            pairs.clear();
            (-&g, -dot(&g, &g))
        };
        // The first step is scaled to unit length; later ones start at the natural step 1.
        let mut step = if pairs.is_empty() { (1.0 / direction.norm().double_value(&[])).min(1.0) } else { 1.0 };
        let (x_new, f_new, g_new) = loop {
            let candidate = &x + &direction * step;
            let (fc, gc) = objective(&candidate);
            if fc.is_finite() && fc <= f + 1e-4 * step * slope {
                break (candidate, fc, gc);
            }
            step *= 0.5;
            if step < 1e-20 {
                return LbfgsResult { x, value: f, iterations: iteration, converged: false };
            }
        };
        let s = &x_new - &x;
        let y = &g_new - &g;
        let sy = dot(&s, &y);
        if sy > 1e-12 {
            if pairs.len() == opts.history {
                pairs.pop_front();
            }
            pairs.push_back((s, y, 1.0 / sy));
        }
        // Near the optimum f stops changing in float64 while the gradient still shrinks,
        // so only a long run of steps without any decrease ends the search early.
        stalled = if f_new < f { 0 } else { stalled + 1 };
        (x, f, g) = (x_new, f_new, g_new);
        if stalled >= 10 {
            let converged = g.abs().max().double_value(&[]) <= opts.grad_tol;
            return LbfgsResult { x, value: f, iterations: iteration + 1, converged };
        }
    }
    LbfgsResult { x, value: f, iterations: opts.max_iter, converged: false }
}

/// H·g for the inverse-Hessian approximation of the stored pairs.
fn two_loop(g: &Tensor, pairs: &VecDeque<(Tensor, Tensor, f64)>) -> Tensor {
    let mut q = g.copy();
    let mut alphas = Vec::with_capacity(pairs.len());
    for (s, y, rho) in pairs.iter().rev() {
        let alpha = rho * dot(s, &q);
        q -= y * alpha;
        alphas.push(alpha);
    }
    if let Some((s, y, _)) = pairs.back() {
        q *= dot(s, y) / dot(y, y);
    }
    for ((s, y, rho), alpha) in pairs.iter().zip(alphas.into_iter().rev()) {
        let beta = rho * dot(y, &q);
        q += s * (alpha - beta);
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    #[test]
    fn finds_the_minimum_of_the_rosenbrock_function() {
        let rosenbrock = |x: &Tensor| {
            let v = Vec::<f64>::try_from(x).unwrap();
            let (a, b) = (v[0], v[1]);
            let f = (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2);
            let g = [-2.0 * (1.0 - a) - 400.0 * a * (b - a * a), 200.0 * (b - a * a)];
            (f, Tensor::from_slice(&g))
        };
        let r = minimize(rosenbrock, &Tensor::from_slice(&[-1.2f64, 1.0]), LbfgsOptions { max_iter: 2000, ..Default::default() });
        let x = Vec::<f64>::try_from(&r.x).unwrap();
        assert!(r.converged, "{r:?}");
        assert!((x[0] - 1.0).abs() < 1e-4 && (x[1] - 1.0).abs() < 1e-4, "{x:?}");
    }

    #[test]
    fn solves_a_convex_quadratic() {
        // f(x) = ½ xᵀAx − bᵀx with A positive definite: the minimum solves Ax = b.
        let a = Tensor::from_slice(&[4.0f64, 1.0, 0.0, 1.0, 3.0, 0.5, 0.0, 0.5, 2.0]).view([3, 3]);
        let b = Tensor::from_slice(&[1.0f64, 2.0, 3.0]);
        let f = |x: &Tensor| {
            let ax = a.mv(x);
            (0.5 * dot(x, &ax) - dot(&b, x), ax - &b)
        };
        let r = minimize(f, &Tensor::zeros([3], (Kind::Double, Device::Cpu)), LbfgsOptions::default());
        let residual = (a.mv(&r.x) - &b).abs().max().double_value(&[]);
        assert!(residual < 1e-6, "residual {residual}");
    }
}
