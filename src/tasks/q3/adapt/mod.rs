//! Q3 (d) and (e): classifiers trained on the frozen CLIP's cached image features of the
//! train split (a validation part held out), scored once on the test split, on the full
//! train set and in a few-shot study.
pub mod class_embedding;
pub mod few_shot;
pub mod study;
pub mod fit;
pub mod linear_probe;
pub mod methods;

use super::eval::{evaluate, Evaluation};
use super::features::{class_embeddings, image_features, similarities};
use super::model::LoadedClip;
use super::{dataset, model};
use crate::data::split::per_class_holdout;
use crate::data::stanford_dogs::Split;
use crate::tasks::q3::params::AdaptSettings;
use crate::tasks::TaskContext;
use anyhow::Result;
use tch::Tensor;

/// Everything the methods share: the frozen model, features split three ways, the
/// zero-shot class embeddings.
pub struct Prepared {
    pub model: LoadedClip,
    pub model_name: String,
    pub names: Vec<String>,
    /// Training part of the train split (features on the device) and its labels.
    pub train_features: Tensor,
    pub train_labels: Vec<i64>,
    /// The held-out validation part of the train split.
    pub val_features: Tensor,
    pub val_labels: Tensor,
    pub test_features: Tensor,
    pub test_labels: Vec<i64>,
    /// Unit-length zero-shot class embeddings [classes, embed] of the template.
    pub zero_shot: Tensor,
    /// exp(logit_scale) of the model, the temperature the cosine heads use.
    pub scale: f64,
}

impl Prepared {
    pub fn classes(&self) -> usize {
        self.names.len()
    }

    /// Zero-shot scores [test images, classes] on the CPU.
    pub fn zero_shot_scores(&self) -> Tensor {
        similarities(&self.test_features.to_device(tch::Device::Cpu), &self.zero_shot)
    }

    pub fn zero_shot_evaluation(&self) -> Evaluation {
        evaluate(&self.zero_shot_scores(), &self.test_labels, self.classes())
    }
}

pub fn prepare(p: &AdaptSettings, ctx: &TaskContext) -> Result<Prepared> {
    let model = ctx.stage("load model", || model::load(&p.model, p.weights.as_deref(), ctx))?;
    let (train, train_id) = ctx.stage("open data set", || dataset::open(ctx.paths(), &p.dataset, Split::Train))?;
    let (test, test_id) = dataset::open(ctx.paths(), &p.dataset, Split::Test)?;
    anyhow::ensure!(train.classes.len() == test.classes.len(), "the train and test splits list different classes");
    let names = test.names(p.class_names);
    let batch = p.batch_size as usize;
    let train_feats = ctx.stage("train image features", || image_features(&model, &train.items, &train_id, batch, p.precision, ctx))?;
    let test_feats = ctx.stage("test image features", || image_features(&model, &test.items, &test_id, batch, p.precision, ctx))?;
    let zero_shot = ctx.stage("text embeddings", || Ok(class_embeddings(&model.clip, &names, std::slice::from_ref(&p.template), ctx.device)))?;
    let labels: Vec<usize> = train_feats.labels.iter().map(|&l| l as usize).collect();
    let (kept, held) = per_class_holdout(&labels, p.validation, ctx.seed);
    let rows = |idx: &[usize]| Tensor::from_slice(&idx.iter().map(|&i| i as i64).collect::<Vec<_>>());
    let pick_labels = |idx: &[usize]| idx.iter().map(|&i| train_feats.labels[i]).collect::<Vec<i64>>();
    ctx.log(format!("{} training, {} validation, {} test images of {} classes", kept.len(), held.len(), test_feats.labels.len(), names.len()));
    let model_name = if p.model == "demo" { model.clip.cfg.name.clone() } else { p.model.clone() };
    let scale = model.clip.logit_scale.exp().double_value(&[]);
    Ok(Prepared {
        model_name,
        names,
        train_features: train_feats.features.index_select(0, &rows(&kept)).to_device(ctx.device),
        train_labels: pick_labels(&kept),
        val_features: train_feats.features.index_select(0, &rows(&held)).to_device(ctx.device),
        val_labels: Tensor::from_slice(&pick_labels(&held)).to_device(ctx.device),
        test_features: test_feats.features.to_device(ctx.device),
        test_labels: test_feats.labels,
        zero_shot,
        scale,
        model,
    })
}
