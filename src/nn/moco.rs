//! MoCo (He et al., CVPR 2020; v2: Chen et al. 2020): a query encoder trained by InfoNCE
//! against one positive key and a queue of negative keys; the key encoder is a momentum
//! average of the query encoder, θk ← m·θk + (1 − m)·θq (parameters only: each encoder's
//! BatchNorm statistics come from its own forward passes). Shuffled BN is emulated on one
//! device as the official CIFAR-10 demo does: the key batch is permuted before the key
//! encoder and un-permuted after, with BatchNorm split into groups (`ResNetConfig::bn_splits`).
use super::resnet::{ResNet, ResNetConfig};
use anyhow::{ensure, Result};
use tch::nn::{ModuleT, VarStore};
use tch::{Device, Kind, Tensor};

#[derive(Debug, Clone, PartialEq)]
pub struct MocoConfig {
    /// The encoder; its `num_classes` is the feature dimension (128).
    pub encoder: ResNetConfig,
    /// Negative keys kept (K); 0: the other keys of the batch are the negatives.
    pub queue: i64,
    /// Momentum of the key encoder (m).
    pub momentum: f64,
    /// Softmax temperature (τ).
    pub temperature: f64,
}

impl MocoConfig {
    /// The official CIFAR-10 demo: ResNet-18 with the CIFAR stem, 8 BN groups, 128-d
    /// features, K = 4096, m = 0.99, τ = 0.1.
    pub fn cifar_demo() -> Self {
        let encoder = ResNetConfig { cifar_stem: true, num_classes: Some(128), bn_splits: 8, ..ResNetConfig::resnet18() };
        Self { encoder, queue: 4096, momentum: 0.99, temperature: 0.1 }
    }
}

pub struct Moco {
    pub cfg: MocoConfig,
    pub query_vs: VarStore,
    pub query: ResNet,
    pub key_vs: VarStore,
    pub key: ResNet,
    /// [dim, K], each column a unit key; the oldest batch is overwritten first.
    pub queue: Tensor,
    pub queue_ptr: i64,
    /// [K] int64 beside each queued key: the training image it came from (−1: the random
    /// start), the key of its augmented view, and the step that enqueued it. They let a
    /// run find false negatives and recompute a queued key later.
    pub queue_ids: Tensor,
    pub queue_views: Tensor,
    pub queue_steps: Tensor,
    /// (key, query) tensors of every trainable parameter, paired by name once.
    pairs: Vec<(Tensor, Tensor)>,
}

/// What a step does with negatives that are copies of the query's own source image
/// (offline augmentation): Huynh et al. (WACV 2022) call it false-negative elimination
/// and attraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FalseNegatives {
    /// Treated as negatives (MoCo as published).
    #[default]
    Keep,
    /// Left out of the softmax.
    Cancel,
    /// Counted as further positives: −log(Σ_positives e^l / Σ_all e^l).
    Attract,
}

/// What one step computed.
pub struct StepOutput {
    pub loss: Tensor,
    /// [N, 1 + K]: the positive's logit first, then the queue's, divided by τ.
    pub logits: Tensor,
    /// The step's keys, unit length, in the batch's order (what is enqueued).
    pub keys: Tensor,
}

impl Moco {
    /// A new model on `device`: the query encoder drawn from the current seed, the key
    /// encoder a copy of it, and a queue of random unit vectors.
    pub fn new(cfg: MocoConfig, device: Device) -> Result<Moco> {
        let dim = cfg.encoder.num_classes.ok_or_else(|| anyhow::anyhow!("MoCo needs the encoder's feature dimension (num_classes)"))?;
        ensure!(cfg.queue >= 0 && (0.0..=1.0).contains(&cfg.momentum) && cfg.temperature > 0.0, "MoCo needs K ≥ 0, m in [0, 1] and τ > 0");
        let query_vs = VarStore::new(device);
        let query = ResNet::new(&query_vs.root(), &cfg.encoder);
        let mut key_vs = VarStore::new(device);
        let key = ResNet::new(&key_vs.root(), &cfg.encoder);
        key_vs.copy(&query_vs)?;
        key_vs.freeze();
        let queue = Tensor::randn([dim, cfg.queue], (Kind::Float, device));
        let queue = &queue / queue.norm_scalaropt_dim(2.0, [0i64].as_slice(), true);
        let none = Tensor::full([cfg.queue], -1, (Kind::Int64, device));
        let keys = key_vs.variables();
        let mut pairs: Vec<(String, Tensor, Tensor)> = query_vs.variables().into_iter().filter(|(_, q)| q.requires_grad()).map(|(name, q)| (name.clone(), keys[&name].shallow_clone(), q)).collect();
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        let pairs = pairs.into_iter().map(|(_, k, q)| (k, q)).collect();
        Ok(Moco { cfg, query_vs, query, key_vs, key, queue, queue_ptr: 0, queue_ids: none.copy(), queue_views: none.copy(), queue_steps: none, pairs })
    }

    /// θk ← m·θk + (1 − m)·θq over the trainable parameters, by name.
    pub fn momentum_update(&self) {
        let m = self.cfg.momentum;
        tch::no_grad(|| {
            for (k, q) in &self.pairs {
                let _ = k.shallow_clone().g_mul_scalar_(m).g_add_(&(q * (1.0 - m)));
            }
        });
    }

    /// One step's loss on a batch of query views and key views of the same images. The key
    /// encoder is updated first (momentum), then the keys are computed without gradients
    /// on the batch permuted by `shuffle` (a permutation of 0..N; None: a fresh random one)
    /// and put back in order. The queue is not changed: `enqueue(&out.keys)` after the
    /// optimizer step, as the official code does it at the end of its forward pass.
    pub fn step(&self, im_q: &Tensor, im_k: &Tensor, shuffle: Option<&Tensor>) -> StepOutput {
        self.step_with(im_q, im_k, shuffle, None, FalseNegatives::Keep)
    }

    /// `step` where `same_source` [N, K] (bool) marks the queued keys that come from the
    /// query's own source image, handled as `handling` says. With K = 0 the negatives of
    /// each query are the batch's other keys and `same_source` is not used.
    pub fn step_with(&self, im_q: &Tensor, im_k: &Tensor, shuffle: Option<&Tensor>, same_source: Option<&Tensor>, handling: FalseNegatives) -> StepOutput {
        let q = self.query.forward_t(im_q, true);
        let q = &q / q.norm_scalaropt_dim(2.0, [1i64].as_slice(), true).clamp_min(1e-12);
        let keys = tch::no_grad(|| {
            self.momentum_update();
            let n = im_k.size()[0];
            let order = shuffle.map_or_else(|| Tensor::randperm(n, (Kind::Int64, im_k.device())), Tensor::shallow_clone);
            let undo = order.argsort(0, false);
            let k = self.key.forward_t(&im_k.index_select(0, &order), true);
            let k = &k / k.norm_scalaropt_dim(2.0, [1i64].as_slice(), true).clamp_min(1e-12);
            k.index_select(0, &undo)
        });
        let n = q.size()[0];
        if self.cfg.queue == 0 {
            let logits = q.matmul(&keys.transpose(0, 1)) / self.cfg.temperature;
            let loss = logits.cross_entropy_for_logits(&Tensor::arange(n, (Kind::Int64, q.device())));
            return StepOutput { loss, logits, keys };
        }
        let positive = (&q * &keys).sum_dim_intlist([1i64].as_slice(), true, Kind::Float);
        let negative = q.matmul(&self.queue);
        let logits = Tensor::cat(&[positive, negative], 1) / self.cfg.temperature;
        let labels = Tensor::zeros([n], (Kind::Int64, logits.device()));
        let loss = match (same_source, handling) {
            (Some(same), FalseNegatives::Cancel) => {
                let mask = Tensor::cat(&[Tensor::zeros([n, 1], (Kind::Bool, same.device())), same.shallow_clone()], 1);
                logits.masked_fill(&mask, f64::NEG_INFINITY).cross_entropy_for_logits(&labels)
            }
            (Some(same), FalseNegatives::Attract) => {
                let positives = Tensor::cat(&[Tensor::ones([n, 1], (Kind::Bool, same.device())), same.shallow_clone()], 1);
                let kept = logits.masked_fill(&positives.logical_not(), f64::NEG_INFINITY);
                (logits.logsumexp([1i64].as_slice(), false) - kept.logsumexp([1i64].as_slice(), false)).mean(Kind::Float)
            }
            _ => logits.cross_entropy_for_logits(&labels),
        };
        StepOutput { loss, logits, keys }
    }

    /// Replaces the oldest keys of the queue by `keys` ([N, dim]); K must be a multiple of N.
    pub fn enqueue(&mut self, keys: &Tensor) -> Result<()> {
        let none = Tensor::full([keys.size()[0]], -1, (Kind::Int64, keys.device()));
        self.enqueue_with(keys, &none, &none, -1)
    }

    /// `enqueue`, recording each key's source image, view key and the step. With K = 0
    /// nothing is kept.
    pub fn enqueue_with(&mut self, keys: &Tensor, ids: &Tensor, views: &Tensor, step: i64) -> Result<()> {
        if self.cfg.queue == 0 {
            return Ok(());
        }
        let n = keys.size()[0];
        ensure!(self.cfg.queue % n == 0, "the queue ({}) is not a multiple of the batch ({n}): keys would wrap", self.cfg.queue);
        tch::no_grad(|| {
            self.queue.narrow(1, self.queue_ptr, n).copy_(&keys.transpose(0, 1));
            self.queue_ids.narrow(0, self.queue_ptr, n).copy_(ids);
            self.queue_views.narrow(0, self.queue_ptr, n).copy_(views);
            let _ = self.queue_steps.narrow(0, self.queue_ptr, n).fill_(step);
        });
        self.queue_ptr = (self.queue_ptr + n) % self.cfg.queue;
        Ok(())
    }

    /// The queue and its bookkeeping, for a checkpoint.
    pub fn queue_state(&self) -> Vec<(String, Tensor)> {
        vec![
            ("queue".into(), self.queue.shallow_clone()),
            ("queue_ids".into(), self.queue_ids.shallow_clone()),
            ("queue_views".into(), self.queue_views.shallow_clone()),
            ("queue_steps".into(), self.queue_steps.shallow_clone()),
            ("queue_ptr".into(), Tensor::from_slice(&[self.queue_ptr])),
        ]
    }

    /// Restores what `queue_state` wrote.
    pub fn load_queue_state(&mut self, tensors: &[(String, Tensor)]) -> Result<()> {
        let find = |k: &str| tensors.iter().find(|(n, _)| n == k).map(|(_, t)| t.shallow_clone()).ok_or_else(|| anyhow::anyhow!("the checkpoint has no `{k}`"));
        let device = self.queue.device();
        let queue = find("queue")?;
        ensure!(queue.size() == self.queue.size(), "the checkpoint's queue has shape {:?}, this run's {:?}", queue.size(), self.queue.size());
        self.queue = queue.to_device(device).copy();
        self.queue_ids = find("queue_ids")?.to_device(device).copy();
        self.queue_views = find("queue_views")?.to_device(device).copy();
        self.queue_steps = find("queue_steps")?.to_device(device).copy();
        self.queue_ptr = find("queue_ptr")?.int64_value(&[0]);
        Ok(())
    }
}

/// The kNN monitor of the official CIFAR-10 demo: each feature's `k` most similar bank
/// features (cosine; all unit length) vote for their labels with weight exp(similarity / t);
/// the label with the largest total wins. `features` [B, D], `bank` [N, D], `bank_labels`
/// [N] (int64); returns [B] labels.
pub fn knn_predict(features: &Tensor, bank: &Tensor, bank_labels: &Tensor, classes: i64, k: i64, t: f64) -> Tensor {
    let k = k.min(bank.size()[0]);
    let similarity = features.matmul(&bank.transpose(0, 1));
    let (weight, index) = similarity.topk(k, -1, true, true);
    let labels = bank_labels.index_select(0, &index.flatten(0, -1)).view([-1, k]);
    let votes = Tensor::zeros([features.size()[0], classes], (Kind::Float, features.device()));
    let votes = votes.scatter_add(1, &labels, &(weight / t).exp());
    votes.argmax(-1, false)
}
