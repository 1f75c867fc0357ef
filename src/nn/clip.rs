//! open_clip's CLIP with a ConvNeXt image tower (open_clip `model.py`, class CLIP).
//! Presets follow `open_clip/model_configs/convnext_*.json`.
use super::clip_text::{TextConfig, TextTransformer};
use super::convnext::{ConvNextConfig, ConvNextVisual};
use serde::{Deserialize, Serialize};
use tch::nn::{self, Module};
use tch::Tensor;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClipConfig {
    pub name: String,
    pub vision: ConvNextConfig,
    pub text: TextConfig,
}

impl ClipConfig {
    /// The open_clip architectures this crate implements, by open_clip name.
    pub fn preset(name: &str) -> Option<ClipConfig> {
        let (vision, text) = match name {
            "convnext_base" => (ConvNextConfig::base(512, 224), TextConfig::clip(512, 8, 12, 512)),
            "convnext_base_w" => (ConvNextConfig::base(640, 256), TextConfig::clip(640, 10, 12, 640)),
            "convnext_xxlarge" => (ConvNextConfig::xxlarge(), TextConfig::clip(1024, 16, 24, 1024)),
            _ => return None,
        };
        Some(ClipConfig { name: name.to_string(), vision, text })
    }

    pub const PRESETS: [&'static str; 3] = ["convnext_base", "convnext_base_w", "convnext_xxlarge"];
}

#[derive(Debug)]
pub struct Clip {
    pub cfg: ClipConfig,
    pub visual: ConvNextVisual,
    pub text: TextTransformer,
    pub logit_scale: Tensor,
}

impl Clip {
    pub fn new(vs: &nn::Path, cfg: &ClipConfig) -> Self {
        Self {
            cfg: cfg.clone(),
            visual: ConvNextVisual::new(&(vs / "visual"), &cfg.vision),
            text: TextTransformer::new(vs, &cfg.text),
            logit_scale: vs.var("logit_scale", &[], nn::Init::Const((1.0f64 / 0.07).ln())),
        }
    }

    /// Image features [batch, embed] from normalised pixels [batch, 3, H, W] (not unit length).
    pub fn encode_image(&self, images: &Tensor) -> Tensor {
        self.visual.forward(images)
    }

    /// Text features [batch, embed] from token ids [batch, 77] (not unit length).
    pub fn encode_text(&self, tokens: &Tensor) -> Tensor {
        self.text.encode(tokens)
    }

    /// exp(logit_scale) · norm(image) · norm(text)ᵀ.
    pub fn logits(&self, image_features: &Tensor, text_features: &Tensor) -> Tensor {
        let scale = self.logit_scale.exp().to_kind(image_features.kind());
        normalize(image_features).matmul(&normalize(text_features).transpose(0, 1)) * scale
    }
}

/// Unit length along the last dimension (F.normalize with eps 1e-12).
pub fn normalize(x: &Tensor) -> Tensor {
    x / x.norm_scalaropt_dim(2.0, [-1i64].as_slice(), true).clamp_min(1e-12)
}
