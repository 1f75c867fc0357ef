//! Why averaging LoRA modules needs a shared start. With equal weights the averaged pair
//! gives ΔW = ¼(B₁ + B₂)(A₁ + A₂) = ¼(B₁A₁ + B₂A₂) + ¼(B₁A₂ + B₂A₁): the wanted sum plus
//! cross terms. From a shared A₀ the cross terms are close to the wanted sum and point its
//! way; from independent draws of A they are products of unrelated factors.
use tch::{Kind, Tensor};

/// The cross terms of two LoRA modules, over all their adapted projections.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CrossTerms {
    /// ‖B₁A₂ + B₂A₁‖ / ‖B₁A₁ + B₂A₂‖ (Frobenius, all projections together).
    pub ratio: f64,
    /// Cosine between the cross terms and the wanted sum.
    pub cosine: f64,
}

/// The (A, B) pairs of a module by projection, in name order.
fn pairs(module: &[(String, Tensor)]) -> Vec<(String, Tensor, Tensor)> {
    let find = |name: &str| module.iter().find(|(k, _)| k == name).map(|(_, t)| t.to_kind(Kind::Double));
    module
        .iter()
        .filter_map(|(k, _)| k.strip_suffix(".lora_A.weight"))
        .filter_map(|m| Some((m.to_string(), find(&format!("{m}.lora_A.weight"))?, find(&format!("{m}.lora_B.weight"))?)))
        .collect()
}

/// The cross terms of modules `one` and `two` (same projections); None when they have no
/// LoRA pairs in common.
pub fn cross_terms(one: &[(String, Tensor)], two: &[(String, Tensor)]) -> Option<CrossTerms> {
    let second = pairs(two);
    let (mut wanted_sq, mut cross_sq, mut dot) = (0.0, 0.0, 0.0);
    let mut any = false;
    tch::no_grad(|| {
        for (name, a1, b1) in pairs(one) {
            let Some((_, a2, b2)) = second.iter().find(|(n, _, _)| *n == name) else { continue };
            let wanted = b1.matmul(&a1) + b2.matmul(a2);
            let cross = b1.matmul(a2) + b2.matmul(&a1);
            wanted_sq += wanted.square().sum(Kind::Double).double_value(&[]);
            cross_sq += cross.square().sum(Kind::Double).double_value(&[]);
            dot += (&wanted * &cross).sum(Kind::Double).double_value(&[]);
            any = true;
        }
    });
    if !any || wanted_sq == 0.0 {
        return None;
    }
    let cosine = if cross_sq == 0.0 { 0.0 } else { dot / (wanted_sq.sqrt() * cross_sq.sqrt()) };
    Some(CrossTerms { ratio: (cross_sq / wanted_sq).sqrt(), cosine })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(a: &Tensor, b: &Tensor) -> Vec<(String, Tensor)> {
        vec![("q.lora_A.weight".into(), a.shallow_clone()), ("q.lora_B.weight".into(), b.shallow_clone()), ("classifier.weight".into(), Tensor::ones([2, 2], (Kind::Float, tch::Device::Cpu)))]
    }

    #[test]
    fn a_shared_a_makes_the_cross_terms_the_wanted_sum() {
        tch::manual_seed(0);
        let a = Tensor::randn([4, 16], (Kind::Float, tch::Device::Cpu));
        let (b1, b2) = (Tensor::randn([8, 4], (Kind::Float, tch::Device::Cpu)), Tensor::randn([8, 4], (Kind::Float, tch::Device::Cpu)));
        let same = cross_terms(&module(&a, &b1), &module(&a, &b2)).unwrap();
        // B₁A + B₂A is both the wanted sum and the cross terms.
        assert!((same.ratio - 1.0).abs() < 1e-9 && (same.cosine - 1.0).abs() < 1e-9, "{same:?}");
        let other_a = Tensor::randn([4, 16], (Kind::Float, tch::Device::Cpu));
        let other = cross_terms(&module(&a, &b1), &module(&other_a, &b2)).unwrap();
        assert!(other.cosine.abs() < 0.5, "independent draws give cross terms unrelated to the sum: {other:?}");
    }

    #[test]
    fn modules_without_pairs_have_no_cross_terms() {
        let head = vec![("classifier.weight".to_string(), Tensor::ones([2, 2], (Kind::Float, tch::Device::Cpu)))];
        assert_eq!(cross_terms(&head, &head), None);
        let zero_b = Tensor::zeros([8, 4], (Kind::Float, tch::Device::Cpu));
        let a = Tensor::ones([4, 16], (Kind::Float, tch::Device::Cpu));
        assert_eq!(cross_terms(&module(&a, &zero_b), &module(&a, &zero_b)), None, "untrained modules have no ΔW to compare with");
    }
}
