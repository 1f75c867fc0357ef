//! Classifiers on frozen CLIP image features (Q3d/e):
//! - `CosineHead`: one trainable vector per class in the joint embedding space, scored
//!   like zero-shot CLIP: exp(logit_scale) · norm(image) · norm(class)ᵀ (CLIP-Adapter /
//!   "text-initialised linear head" style, initialised from the zero-shot text embeddings).
//! - `LinearProbe`: one fully connected layer with bias on the unit-length image features
//!   (the CLIP paper's linear-probe protocol, trained by gradient descent).
use super::clip::normalize;
use tch::nn::{self, Module};
use tch::Tensor;

pub trait FeatureClassifier {
    /// Logits [batch, classes] from image features [batch, embed] (not unit length).
    fn logits(&self, features: &Tensor) -> Tensor;
}

#[derive(Debug)]
pub struct CosineHead {
    /// [classes, embed]; its direction is what counts.
    pub weight: Tensor,
    scale: f64,
}

impl CosineHead {
    /// Initialised from `init` [classes, embed] (copied), e.g. zero-shot text embeddings.
    pub fn from_embeddings(vs: &nn::Path, init: &Tensor, scale: f64) -> Self {
        let size = init.size();
        let weight = vs.var("class_embeddings", &size, nn::Init::Const(0.0));
        tch::no_grad(|| weight.shallow_clone().copy_(&init.to_kind(weight.kind())));
        Self { weight, scale }
    }

    /// Initialised at random (standard normal, so the directions are uniform on the sphere).
    pub fn random(vs: &nn::Path, classes: i64, embed: i64, scale: f64) -> Self {
        let weight = vs.var("class_embeddings", &[classes, embed], nn::Init::Randn { mean: 0.0, stdev: 1.0 });
        Self { weight, scale }
    }
}

impl FeatureClassifier for CosineHead {
    fn logits(&self, features: &Tensor) -> Tensor {
        normalize(features).matmul(&normalize(&self.weight).transpose(0, 1)) * self.scale
    }
}

#[derive(Debug)]
pub struct LinearProbe {
    pub fc: nn::Linear,
}

impl LinearProbe {
    pub fn new(vs: &nn::Path, embed: i64, classes: i64) -> Self {
        Self { fc: nn::linear(vs / "fc", embed, classes, Default::default()) }
    }
}

impl FeatureClassifier for LinearProbe {
    fn logits(&self, features: &Tensor) -> Tensor {
        self.fc.forward(&normalize(features))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_head_from_embeddings_scores_like_zero_shot() {
        let vs = nn::VarStore::new(tch::Device::Cpu);
        let classes = normalize(&Tensor::randn([5, 8], (tch::Kind::Float, tch::Device::Cpu)));
        let head = CosineHead::from_embeddings(&vs.root(), &classes, 100.0);
        let x = Tensor::randn([7, 8], (tch::Kind::Float, tch::Device::Cpu));
        let zero_shot = normalize(&x).matmul(&classes.transpose(0, 1));
        assert!((head.logits(&x) / 100.0 - zero_shot).abs().max().double_value(&[]) < 1e-6);
        assert_eq!(vs.trainable_variables().len(), 1);
    }
}
