//! The Hugging Face ViT (transformers 4.x `models/vit/modeling_vit.py`: ViTModel,
//! ViTForImageClassification): 16×16 patch embedding + [CLS] + learned positions,
//! pre-LN encoder layers (separate query/key/value Linears, exact GELU MLP), final
//! LayerNorm, a classifier on the [CLS] state. VarStore paths equal the checkpoint keys
//! of ViTForImageClassification (`vit.encoder.layer.3.attention.attention.query.weight`,
//! `classifier.weight`). Any Linear may carry LoRA (see lora.rs).
use super::adapter::AdapterConfig;
use super::ia3::Ia3Vector;
use super::lora::AdaptedLinear;
use serde::{Deserialize, Serialize};
use tch::nn::{self, Module};
use tch::{IndexOp, Tensor};

/// The fields of a transformers ViTConfig (config.json) the model needs; a field the
/// file leaves out takes ViTConfig's default (google/vit-base-patch16-224-in21k's value).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VitConfig {
    pub hidden_size: i64,
    pub num_hidden_layers: i64,
    pub num_attention_heads: i64,
    pub intermediate_size: i64,
    pub layer_norm_eps: f64,
    pub image_size: i64,
    pub patch_size: i64,
    pub num_channels: i64,
    pub qkv_bias: bool,
    pub hidden_act: String,
}

impl Default for VitConfig {
    fn default() -> Self {
        Self {
            hidden_size: 768,
            num_hidden_layers: 12,
            num_attention_heads: 12,
            intermediate_size: 3072,
            layer_norm_eps: 1e-12,
            image_size: 224,
            patch_size: 16,
            num_channels: 3,
            qkv_bias: true,
            hidden_act: "gelu".into(),
        }
    }
}

impl VitConfig {
    pub fn patches(&self) -> i64 {
        (self.image_size / self.patch_size).pow(2)
    }
}

/// Where a module's weights live: the frozen base, or the adapter (LoRA pairs and
/// modules trained in full).
pub struct Stores<'a> {
    pub base: nn::Path<'a>,
    pub adapter: Option<(nn::Path<'a>, &'a AdapterConfig)>,
}

/// `root` / "a" / "b" … for the dotted `name`.
fn sub<'a>(root: &nn::Path<'a>, name: &str) -> nn::Path<'a> {
    name.split('.').fold(root.clone(), |p, part| p / part)
}

impl Stores<'_> {
    fn linear(&self, name: &str, in_dim: i64, out_dim: i64) -> AdaptedLinear {
        match &self.adapter {
            Some((adapter, cfg)) if cfg.saves(name) => AdaptedLinear::new(&sub(adapter, name), None, in_dim, out_dim),
            Some((adapter, AdapterConfig::Lora(cfg))) if cfg.targets(name) => AdaptedLinear::new(&sub(&self.base, name), Some((&sub(adapter, name), cfg)), in_dim, out_dim),
            Some((adapter, AdapterConfig::Ia3(cfg))) if cfg.targets(name) => {
                AdaptedLinear::new(&sub(&self.base, name), None, in_dim, out_dim).with_ia3(Ia3Vector::new(&sub(adapter, name), in_dim, out_dim, cfg.is_feedforward(name)))
            }
            _ => AdaptedLinear::new(&sub(&self.base, name), None, in_dim, out_dim),
        }
    }

    fn layer_norm(&self, name: &str, dim: i64, eps: f64) -> nn::LayerNorm {
        nn::layer_norm(sub(&self.base, name), vec![dim], nn::LayerNormConfig { eps, ..Default::default() })
    }
}

#[derive(Debug)]
struct Layer {
    query: AdaptedLinear,
    key: AdaptedLinear,
    value: AdaptedLinear,
    attn_out: AdaptedLinear,
    intermediate: AdaptedLinear,
    output: AdaptedLinear,
    layernorm_before: nn::LayerNorm,
    layernorm_after: nn::LayerNorm,
    heads: i64,
}

impl Layer {
    fn new(s: &Stores, i: i64, cfg: &VitConfig) -> Self {
        let p = |rest: &str| format!("vit.encoder.layer.{i}.{rest}");
        let (h, m) = (cfg.hidden_size, cfg.intermediate_size);
        Self {
            query: s.linear(&p("attention.attention.query"), h, h),
            key: s.linear(&p("attention.attention.key"), h, h),
            value: s.linear(&p("attention.attention.value"), h, h),
            attn_out: s.linear(&p("attention.output.dense"), h, h),
            intermediate: s.linear(&p("intermediate.dense"), h, m),
            output: s.linear(&p("output.dense"), m, h),
            layernorm_before: s.layer_norm(&p("layernorm_before"), h, cfg.layer_norm_eps),
            layernorm_after: s.layer_norm(&p("layernorm_after"), h, cfg.layer_norm_eps),
            heads: cfg.num_attention_heads,
        }
    }

    fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let (b, n, w) = x.size3().expect("[batch, tokens, width]");
        let h = self.layernorm_before.forward(x);
        let split = |t: Tensor| t.view([b, n, self.heads, w / self.heads]).transpose(1, 2);
        let (q, k, v) = (split(self.query.forward_t(&h, train)), split(self.key.forward_t(&h, train)), split(self.value.forward_t(&h, train)));
        // No attention dropout: ViT checkpoints set attention_probs_dropout_prob to 0.
        let attn = Tensor::scaled_dot_product_attention(&q, &k, &v, None::<Tensor>, 0.0, false, None, false);
        let x = x + self.attn_out.forward_t(&attn.transpose(1, 2).reshape([b, n, w]), train);
        let h = self.intermediate.forward_t(&self.layernorm_after.forward(&x), train).gelu("none");
        &x + self.output.forward_t(&h, train)
    }

    fn linears(&self) -> [&AdaptedLinear; 6] {
        [&self.query, &self.key, &self.value, &self.attn_out, &self.intermediate, &self.output]
    }
}

#[derive(Debug)]
pub struct Vit {
    pub cfg: VitConfig,
    cls_token: Tensor,
    position_embeddings: Tensor,
    patch_projection: nn::Conv2D,
    layers: Vec<Layer>,
    layernorm: nn::LayerNorm,
    /// None for a bare ViTModel (features only).
    pub classifier: Option<AdaptedLinear>,
}

impl Vit {
    /// `num_labels` None builds the encoder only.
    pub fn new(s: &Stores, cfg: &VitConfig, num_labels: Option<i64>) -> Self {
        let emb = &s.base / "vit" / "embeddings";
        let h = cfg.hidden_size;
        let conv = nn::ConvConfig { stride: cfg.patch_size, ..Default::default() };
        Self {
            cfg: cfg.clone(),
            cls_token: emb.var("cls_token", &[1, 1, h], nn::Init::Randn { mean: 0.0, stdev: 0.02 }),
            position_embeddings: emb.var("position_embeddings", &[1, cfg.patches() + 1, h], nn::Init::Randn { mean: 0.0, stdev: 0.02 }),
            patch_projection: nn::conv2d(&emb / "patch_embeddings" / "projection", cfg.num_channels, h, cfg.patch_size, conv),
            layers: (0..cfg.num_hidden_layers).map(|i| Layer::new(s, i, cfg)).collect(),
            layernorm: s.layer_norm("vit.layernorm", h, cfg.layer_norm_eps),
            classifier: num_labels.map(|n| s.linear("classifier", h, n)),
        }
    }

    /// The final hidden states [batch, 1 + patches, hidden] of images [batch, 3, H, W].
    pub fn encode(&self, pixels: &Tensor, train: bool) -> Tensor {
        let patches = self.patch_projection.forward(pixels).flatten(2, 3).transpose(1, 2);
        let b = patches.size()[0];
        let cls = self.cls_token.expand([b, 1, self.cfg.hidden_size], true);
        let mut x = Tensor::cat(&[cls, patches], 1) + &self.position_embeddings;
        for layer in &self.layers {
            x = layer.forward_t(&x, train);
        }
        self.layernorm.forward(&x)
    }

    /// Class logits [batch, labels] from the [CLS] state.
    pub fn forward_t(&self, pixels: &Tensor, train: bool) -> Tensor {
        let cls = self.encode(pixels, train).i((.., 0, ..));
        self.classifier.as_ref().expect("a classifier head").forward_t(&cls, train)
    }

    fn linears(&self) -> impl Iterator<Item = &AdaptedLinear> {
        self.layers.iter().flat_map(|l| l.linears()).chain(self.classifier.as_ref())
    }

    /// Folds every LoRA pair into its weight (inference); `unmerge` undoes it.
    pub fn merge(&self) {
        self.linears().for_each(AdaptedLinear::merge);
    }

    pub fn unmerge(&self) {
        self.linears().for_each(AdaptedLinear::unmerge);
    }
}

/// A checkpoint's keys as ViTForImageClassification names them: a bare ViTModel (the
/// in21k hub checkpoint) has no `vit.` prefix and a pooler the classifier does not use.
pub fn classification_keys(tensors: Vec<(String, Tensor)>) -> Vec<(String, Tensor)> {
    tensors
        .into_iter()
        .filter(|(k, _)| !k.starts_with("pooler.") && !k.starts_with("vit.pooler."))
        .map(|(k, t)| if k.starts_with("vit.") || k.starts_with("classifier.") { (k, t) } else { (format!("vit.{k}"), t) })
        .collect()
}
