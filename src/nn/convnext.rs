//! ConvNeXt image tower of open_clip's ConvNeXt CLIP models.
//! Mirrors timm `timm/models/convnext.py` (ConvNeXt, ConvNeXtBlock with conv_mlp=False)
//! wrapped by open_clip `open_clip/timm_model.py` (TimmModel, pool "", proj "linear").
//! VarStore paths equal the checkpoint keys under `visual.`: `trunk.stages.2.blocks.5.conv_dw`.
use serde::{Deserialize, Serialize};
use tch::nn::{self, Module};
use tch::Tensor;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConvNextConfig {
    pub depths: Vec<i64>,
    pub dims: Vec<i64>,
    /// LayerNorm epsilon: timm uses 1e-6, and 1e-5 for convnext_xxlarge.
    pub ln_eps: f64,
    /// CLIP embedding width the head projects to.
    pub embed_dim: i64,
    pub image_size: i64,
}

impl ConvNextConfig {
    /// timm `convnext_base` as used by open_clip `convnext_base` (224 px, 512-d).
    pub fn base(embed_dim: i64, image_size: i64) -> Self {
        Self { depths: vec![3, 3, 27, 3], dims: vec![128, 256, 512, 1024], ln_eps: 1e-6, embed_dim, image_size }
    }

    /// timm `convnext_xxlarge` (open_clip `convnext_xxlarge`: 256 px, 1024-d).
    pub fn xxlarge() -> Self {
        Self { depths: vec![3, 4, 30, 3], dims: vec![384, 768, 1536, 3072], ln_eps: 1e-5, embed_dim: 1024, image_size: 256 }
    }
}

/// LayerNorm over the channel dimension of an NCHW tensor (timm LayerNorm2d).
#[derive(Debug)]
pub struct LayerNorm2d {
    norm: nn::LayerNorm,
}

impl LayerNorm2d {
    pub fn new(vs: &nn::Path, channels: i64, eps: f64) -> Self {
        Self { norm: nn::layer_norm(vs, vec![channels], nn::LayerNormConfig { eps, ..Default::default() }) }
    }
}

impl Module for LayerNorm2d {
    fn forward(&self, xs: &Tensor) -> Tensor {
        self.norm.forward(&xs.permute([0, 2, 3, 1])).permute([0, 3, 1, 2])
    }
}

/// dwconv 7x7 → LayerNorm (channels last) → Linear 4x → GELU → Linear → × gamma → + input.
#[derive(Debug)]
struct Block {
    conv_dw: nn::Conv2D,
    norm: nn::LayerNorm,
    fc1: nn::Linear,
    fc2: nn::Linear,
    gamma: Tensor,
}

impl Block {
    fn new(vs: &nn::Path, dim: i64, eps: f64) -> Self {
        let dw = nn::ConvConfig { padding: 3, groups: dim, ..Default::default() };
        Self {
            conv_dw: nn::conv2d(vs / "conv_dw", dim, dim, 7, dw),
            norm: nn::layer_norm(vs / "norm", vec![dim], nn::LayerNormConfig { eps, ..Default::default() }),
            fc1: nn::linear(vs / "mlp" / "fc1", dim, 4 * dim, Default::default()),
            fc2: nn::linear(vs / "mlp" / "fc2", 4 * dim, dim, Default::default()),
            gamma: vs.var("gamma", &[dim], nn::Init::Const(1e-6)),
        }
    }
}

impl Module for Block {
    fn forward(&self, xs: &Tensor) -> Tensor {
        let x = self.conv_dw.forward(xs).permute([0, 2, 3, 1]);
        let x = self.fc2.forward(&self.fc1.forward(&self.norm.forward(&x)).gelu("none"));
        // Scaling by gamma in channels-last order is the same elementwise product timm
        // applies after permuting back.
        (x * &self.gamma).permute([0, 3, 1, 2]) + xs
    }
}

#[derive(Debug)]
struct Stage {
    downsample: Option<(LayerNorm2d, nn::Conv2D)>,
    blocks: Vec<Block>,
}

/// The trunk plus open_clip's head: features → avg-pool → LayerNorm → Linear (no bias).
#[derive(Debug)]
pub struct ConvNextVisual {
    stem_conv: nn::Conv2D,
    stem_norm: LayerNorm2d,
    stages: Vec<Stage>,
    head_norm: nn::LayerNorm,
    proj: nn::Linear,
}

impl ConvNextVisual {
    /// `vs` is the `visual` path.
    pub fn new(vs: &nn::Path, cfg: &ConvNextConfig) -> Self {
        let trunk = vs / "trunk";
        let eps = cfg.ln_eps;
        let stem = nn::ConvConfig { stride: 4, ..Default::default() };
        let stem_conv = nn::conv2d(&trunk / "stem" / "0", 3, cfg.dims[0], 4, stem);
        let stem_norm = LayerNorm2d::new(&(&trunk / "stem" / "1"), cfg.dims[0], eps);
        let stages = (0..cfg.depths.len())
            .map(|i| {
                let path = &trunk / "stages" / i;
                let downsample = (i > 0).then(|| {
                    let conv = nn::ConvConfig { stride: 2, ..Default::default() };
                    (
                        LayerNorm2d::new(&(&path / "downsample" / "0"), cfg.dims[i - 1], eps),
                        nn::conv2d(&path / "downsample" / "1", cfg.dims[i - 1], cfg.dims[i], 2, conv),
                    )
                });
                let blocks = (0..cfg.depths[i]).map(|j| Block::new(&(&path / "blocks" / j), cfg.dims[i], eps)).collect();
                Stage { downsample, blocks }
            })
            .collect();
        let last = *cfg.dims.last().expect("at least one stage");
        Self {
            stem_conv,
            stem_norm,
            stages,
            head_norm: nn::layer_norm(&trunk / "head" / "norm", vec![last], nn::LayerNormConfig { eps, ..Default::default() }),
            proj: nn::linear(vs / "head" / "proj", last, cfg.embed_dim, nn::LinearConfig { bias: false, ..Default::default() }),
        }
    }

    /// The trunk's pooled, normalised features before the projection.
    pub fn pooled(&self, images: &Tensor) -> Tensor {
        let mut x = self.stem_norm.forward(&self.stem_conv.forward(images));
        for stage in &self.stages {
            if let Some((norm, conv)) = &stage.downsample {
                x = conv.forward(&norm.forward(&x));
            }
            for block in &stage.blocks {
                x = block.forward(&x);
            }
        }
        self.head_norm.forward(&x.mean_dim(&[2i64, 3][..], false, None))
    }
}

impl Module for ConvNextVisual {
    fn forward(&self, images: &Tensor) -> Tensor {
        self.proj.forward(&self.pooled(images))
    }
}
