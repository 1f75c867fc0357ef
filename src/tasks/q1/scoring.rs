//! Scoring many merged modules on the same images: the evaluation images are decoded and
//! transformed once, and one model per module shape takes each merge's tensors in turn.
use crate::data::loader::{load, ImageRef, Transform};
use crate::nn::adapter::AdapterConfig;
use crate::nn::weights::{load_strict, sorted_variables};
use crate::tasks::q5::model::{build_with, BaseModel, Built};
use super::split::in_group;
use anyhow::Result;
use std::sync::Arc;
use tch::{Device, Kind, Tensor};

/// Evaluation images, transformed once and kept as batches on the CPU.
pub struct EvalSet {
    batches: Vec<(Tensor, Tensor)>,
    pub num_classes: usize,
    pub skipped: Vec<(String, String)>,
}

impl EvalSet {
    pub fn new(items: &[(ImageRef, usize)], transform: Arc<dyn Transform>, batch_size: usize, num_classes: usize) -> EvalSet {
        let queued: Vec<(ImageRef, u64)> = items.iter().map(|(img, _)| (img.clone(), 0)).collect();
        let mut loader = load(queued, transform, batch_size.max(1), 4);
        let mut batches = Vec::new();
        for batch in loader.by_ref() {
            let labels: Vec<i64> = batch.indices.iter().map(|&i| items[i].1 as i64).collect();
            batches.push((batch.pixels, Tensor::from_slice(&labels)));
        }
        EvalSet { batches, num_classes, skipped: loader.skipped() }
    }

    pub fn len(&self) -> usize {
        self.batches.iter().map(|(_, l)| l.size()[0] as usize).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Correct predictions and examples per class of `forward`'s model.
    pub fn score(&self, forward: &dyn Fn(&Tensor) -> Tensor, device: Device) -> Scores {
        let mut scores = Scores { correct: vec![0; self.num_classes], total: vec![0; self.num_classes] };
        tch::no_grad(|| {
            for (pixels, labels) in &self.batches {
                let predicted = forward(&pixels.to_device(device)).argmax(-1, false).to_device(Device::Cpu);
                let hits = Vec::<i64>::try_from(predicted.eq_tensor(labels).to_kind(Kind::Int64)).unwrap_or_default();
                let labels = Vec::<i64>::try_from(labels).unwrap_or_default();
                for (label, hit) in labels.iter().zip(hits) {
                    scores.total[*label as usize] += 1;
                    scores.correct[*label as usize] += hit;
                }
            }
        });
        scores
    }
}

/// Per-class counts of one model on one set.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    pub correct: Vec<i64>,
    pub total: Vec<i64>,
}

impl Scores {
    fn over(&self, keep: impl Fn(usize) -> bool) -> f64 {
        let (mut c, mut t) = (0, 0);
        for class in (0..self.total.len()).filter(|&k| keep(k)) {
            c += self.correct[class];
            t += self.total[class];
        }
        if t == 0 { f64::NAN } else { c as f64 / t as f64 }
    }

    pub fn accuracy(&self) -> f64 {
        self.over(|_| true)
    }

    /// Accuracy on the first group of classes (the one the negation study forgets).
    pub fn group(&self) -> f64 {
        let n = self.total.len();
        self.over(|k| in_group(k, n))
    }

    /// Accuracy on the other classes.
    pub fn rest(&self) -> f64 {
        let n = self.total.len();
        self.over(|k| !in_group(k, n))
    }
}

/// A model built once for one adapter shape, taking one module's tensors after another.
pub struct Slot {
    built: Built,
}

impl Slot {
    pub fn new(config: AdapterConfig, base: &BaseModel, tensors: &[(String, Tensor)], num_labels: i64, device: Device) -> Result<Slot> {
        let built = build_with(config, false, base, tensors, num_labels, device)?;
        Ok(Slot { built })
    }

    /// Puts `module` (tensors by module path, head included) into the model; the names and
    /// shapes must be the slot's exactly.
    pub fn load(&mut self, module: &[(String, Tensor)], source: &str) -> Result<()> {
        let copies = module.iter().map(|(k, t)| (k.clone(), t.shallow_clone())).collect();
        load_strict(&mut self.built.adapter, copies, source)
    }

    pub fn score(&self, set: &EvalSet, device: Device) -> Scores {
        set.score(&|x| self.built.vit.forward_t(x, false), device)
    }

    pub fn module(&self) -> Vec<(String, Tensor)> {
        sorted_variables(&self.built.adapter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_and_rest_split_the_classes() {
        let s = Scores { correct: vec![1, 2, 0, 4], total: vec![2, 2, 4, 4] };
        assert!((s.accuracy() - 7.0 / 12.0).abs() < 1e-12);
        assert!((s.group() - 3.0 / 4.0).abs() < 1e-12);
        assert!((s.rest() - 4.0 / 8.0).abs() < 1e-12);
        let empty = Scores { correct: vec![0, 0], total: vec![0, 0] };
        assert!(empty.accuracy().is_nan(), "no examples is not 0%");
    }
}
