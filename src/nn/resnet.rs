//! ResNet-18/34 (basic blocks) and ResNet-50/101 (bottlenecks) as torchvision builds them
//! (v1.5: the stride of a bottleneck sits on its 3×3 convolution), with VarStore paths equal
//! to torchvision's state-dict keys (`layer1.0.conv1.weight`, `layer2.0.downsample.1.running_mean`).
//! The CIFAR stem of the MoCo CIFAR-10 demo replaces the 7×7/2 convolution and the max-pool
//! by one 3×3/1 convolution, and its BatchNorm may split the batch into groups normalised
//! apart (the demo's `SplitBatchNorm`, which emulates MoCo's shuffled BN on one device).
//! torchvision's `num_batches_tracked` buffers are not kept: they only matter when
//! BatchNorm's momentum is None, and PyTorch fills them in on load.
use tch::nn::{self, ConvConfig, Module, ModuleT};
use tch::Tensor;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Block {
    Basic,
    Bottleneck,
}

impl Block {
    fn expansion(self) -> i64 {
        match self {
            Block::Basic => 1,
            Block::Bottleneck => 4,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResNetConfig {
    pub block: Block,
    /// Blocks in each of the four stages.
    pub layers: [i64; 4],
    /// 3×3/1 first convolution and no max-pool (32×32 images).
    pub cifar_stem: bool,
    /// The `fc` layer's outputs; None: no `fc`, the pooled features are the output.
    pub num_classes: Option<i64>,
    /// Groups a training batch is split into for BatchNorm statistics (1: ordinary BN).
    pub bn_splits: i64,
    /// MoCo v2's head: `fc` becomes Linear(d, d) → ReLU → Linear(d, num_classes), keyed
    /// `fc.0` and `fc.2` as the official code's `nn.Sequential` is.
    pub mlp_head: bool,
    /// Channels of the stem and the first stage (64 in every torchvision ResNet); the
    /// stages double it. Narrower encoders (16) keep the CPU demo short.
    pub width: i64,
}

impl ResNetConfig {
    pub fn resnet18() -> Self {
        Self { block: Block::Basic, layers: [2, 2, 2, 2], cifar_stem: false, num_classes: Some(1000), bn_splits: 1, mlp_head: false, width: 64 }
    }

    pub fn resnet34() -> Self {
        Self { block: Block::Basic, layers: [3, 4, 6, 3], ..Self::resnet18() }
    }

    pub fn resnet50() -> Self {
        Self { block: Block::Bottleneck, layers: [3, 4, 6, 3], ..Self::resnet18() }
    }

    pub fn resnet101() -> Self {
        Self { block: Block::Bottleneck, layers: [3, 4, 23, 3], ..Self::resnet18() }
    }

    /// By torchvision's function name (`resnet18`, `resnet50`, …).
    pub fn by_name(name: &str) -> Option<Self> {
        match name {
            "resnet18" => Some(Self::resnet18()),
            "resnet34" => Some(Self::resnet34()),
            "resnet50" => Some(Self::resnet50()),
            "resnet101" => Some(Self::resnet101()),
            _ => None,
        }
    }

    /// Width of the pooled features (512 for basic blocks, 2048 for bottlenecks).
    pub fn feature_dim(&self) -> i64 {
        8 * self.width * self.block.expansion()
    }
}

fn conv(vs: nn::Path, c_in: i64, c_out: i64, k: i64, stride: i64) -> nn::Conv2D {
    nn::conv2d(vs, c_in, c_out, k, ConvConfig { stride, padding: k / 2, bias: false, ws_init: nn::Init::Kaiming { dist: nn::init::NormalOrUniform::Normal, fan: nn::init::FanInOut::FanOut, non_linearity: nn::init::NonLinearity::ReLU }, ..Default::default() })
}

/// BatchNorm2d (momentum 0.1, eps 1e-5) whose training-mode statistics may be taken over
/// `splits` groups of the batch: sample n goes to group n mod `splits` (the grouping that
/// viewing [N, C, H, W] as [N / splits, C · splits, H, W] gives), each group is normalised
/// with its own mean and variance, and the running statistics move by the groups' average.
#[derive(Debug)]
pub struct Norm {
    weight: Tensor,
    bias: Tensor,
    running_mean: Tensor,
    running_var: Tensor,
    splits: i64,
}

const BN_MOMENTUM: f64 = 0.1;
const BN_EPS: f64 = 1e-5;

impl Norm {
    pub fn new(vs: nn::Path, c: i64, splits: i64) -> Self {
        Self { weight: vs.ones("weight", &[c]), bias: vs.zeros("bias", &[c]), running_mean: vs.zeros_no_train("running_mean", &[c]), running_var: vs.ones_no_train("running_var", &[c]), splits: splits.max(1) }
    }
}

impl ModuleT for Norm {
    fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let s = self.splits;
        if !train || s == 1 {
            return Tensor::batch_norm(x, Some(&self.weight), Some(&self.bias), Some(&self.running_mean), Some(&self.running_var), train, BN_MOMENTUM, BN_EPS, true);
        }
        let (n, c, h, w) = x.size4().expect("BatchNorm2d takes [N, C, H, W]");
        assert!(n % s == 0, "a batch of {n} does not split into {s} BatchNorm groups");
        let (mean, var) = (self.running_mean.repeat([s]), self.running_var.repeat([s]));
        let y = Tensor::batch_norm(&x.view([n / s, c * s, h, w]), Some(&self.weight.repeat([s])), Some(&self.bias.repeat([s])), Some(&mean), Some(&var), true, BN_MOMENTUM, BN_EPS, true);
        tch::no_grad(|| {
            self.running_mean.shallow_clone().copy_(&mean.view([s, c]).mean_dim(0, false, None));
            self.running_var.shallow_clone().copy_(&var.view([s, c]).mean_dim(0, false, None));
        });
        y.view([n, c, h, w])
    }
}

fn bn(vs: nn::Path, c: i64, splits: i64) -> Norm {
    Norm::new(vs, c, splits)
}

#[derive(Debug)]
struct Residual {
    convs: Vec<(nn::Conv2D, Norm)>,
    downsample: Option<(nn::Conv2D, Norm)>,
}

impl Residual {
    fn new(vs: &nn::Path, block: Block, c_in: i64, planes: i64, stride: i64, splits: i64) -> Self {
        let c_out = planes * block.expansion();
        let shapes: Vec<(i64, i64, i64, i64)> = match block {
            Block::Basic => vec![(c_in, planes, 3, stride), (planes, planes, 3, 1)],
            Block::Bottleneck => vec![(c_in, planes, 1, 1), (planes, planes, 3, stride), (planes, c_out, 1, 1)],
        };
        let convs = shapes.iter().enumerate().map(|(i, &(a, b, k, s))| (conv(vs / format!("conv{}", i + 1), a, b, k, s), bn(vs / format!("bn{}", i + 1), b, splits))).collect();
        let downsample = (stride != 1 || c_in != c_out).then(|| (conv(vs / "downsample" / "0", c_in, c_out, 1, stride), bn(vs / "downsample" / "1", c_out, splits)));
        Self { convs, downsample }
    }

    fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let last = self.convs.len() - 1;
        let mut y = x.shallow_clone();
        for (i, (c, b)) in self.convs.iter().enumerate() {
            y = b.forward_t(&c.forward(&y), train);
            if i != last {
                // In place, as torchvision's ReLU(inplace=True): BatchNorm's backward needs
                // its input, not its output.
                y = y.relu_();
            }
        }
        let shortcut = match &self.downsample {
            Some((c, b)) => b.forward_t(&c.forward(x), train),
            None => x.shallow_clone(),
        };
        (y + shortcut).relu_()
    }
}

#[derive(Debug)]
pub struct ResNet {
    conv1: nn::Conv2D,
    bn1: Norm,
    stages: Vec<Vec<Residual>>,
    fc: Option<nn::Linear>,
    /// The hidden layer of an MLP head (`fc.0`), before `fc` (then `fc.2`).
    fc_hidden: Option<nn::Linear>,
    cifar_stem: bool,
}

impl ResNet {
    pub fn new(vs: &nn::Path, cfg: &ResNetConfig) -> Self {
        let w = cfg.width;
        let conv1 = if cfg.cifar_stem { conv(vs / "conv1", 3, w, 3, 1) } else { conv(vs / "conv1", 3, w, 7, 2) };
        let mut c_in = w;
        let mut stages = Vec::new();
        for (i, (&blocks, planes)) in cfg.layers.iter().zip([w, 2 * w, 4 * w, 8 * w]).enumerate() {
            let stage = vs / format!("layer{}", i + 1);
            let stride = if i == 0 { 1 } else { 2 };
            let mut residuals = Vec::new();
            for j in 0..blocks {
                residuals.push(Residual::new(&(&stage / j), cfg.block, c_in, planes, if j == 0 { stride } else { 1 }, cfg.bn_splits));
                c_in = planes * cfg.block.expansion();
            }
            stages.push(residuals);
        }
        let (fc, fc_hidden) = match (cfg.num_classes, cfg.mlp_head) {
            (Some(n), true) => (Some(nn::linear(vs / "fc" / "2", c_in, n, Default::default())), Some(nn::linear(vs / "fc" / "0", c_in, c_in, Default::default()))),
            (Some(n), false) => (Some(nn::linear(vs / "fc", c_in, n, Default::default())), None),
            (None, _) => (None, None),
        };
        Self { conv1, bn1: bn(vs / "bn1", w, cfg.bn_splits), stages, fc, fc_hidden, cifar_stem: cfg.cifar_stem }
    }

    /// Pooled features, [batch, feature_dim].
    pub fn features_t(&self, x: &Tensor, train: bool) -> Tensor {
        let mut y = self.bn1.forward_t(&self.conv1.forward(x), train).relu_();
        if !self.cifar_stem {
            y = y.max_pool2d([3, 3], [2, 2], [1, 1], [1, 1], false);
        }
        for stage in &self.stages {
            for r in stage {
                y = r.forward_t(&y, train);
            }
        }
        y.adaptive_avg_pool2d([1, 1]).flatten(1, -1)
    }
}

impl ModuleT for ResNet {
    /// `fc` of the pooled features, or the features when there is no `fc`.
    fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let f = self.features_t(x, train);
        let f = match &self.fc_hidden {
            Some(hidden) => hidden.forward(&f).relu(),
            None => f,
        };
        match &self.fc {
            Some(fc) => fc.forward(&f),
            None => f,
        }
    }
}

/// torchvision's state dict without the `num_batches_tracked` buffers this module does not
/// keep.
pub fn without_batch_counters(tensors: Vec<(String, Tensor)>) -> Vec<(String, Tensor)> {
    tensors.into_iter().filter(|(k, _)| !k.ends_with("num_batches_tracked")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{nn::VarStore, Device, Kind};

    fn count(cfg: &ResNetConfig) -> i64 {
        let vs = VarStore::new(Device::Cpu);
        let _net = ResNet::new(&vs.root(), cfg);
        vs.trainable_variables().iter().map(|t| t.numel() as i64).sum()
    }

    #[test]
    fn parameter_counts_are_torchvisions() {
        // torchvision: resnet18 11,689,512 and resnet50 25,557,032 parameters.
        assert_eq!(count(&ResNetConfig::resnet18()), 11_689_512);
        assert_eq!(count(&ResNetConfig::resnet50()), 25_557_032);
    }

    #[test]
    fn the_cifar_stem_keeps_32_pixel_maps_until_layer2() {
        let vs = VarStore::new(Device::Cpu);
        let cfg = ResNetConfig { cifar_stem: true, num_classes: None, ..ResNetConfig::resnet18() };
        let net = ResNet::new(&vs.root(), &cfg);
        let out = net.forward_t(&Tensor::zeros([2, 3, 32, 32], (Kind::Float, Device::Cpu)), false);
        assert_eq!(out.size(), vec![2, 512]);
        assert!(vs.variables().contains_key("layer2.0.downsample.1.running_var"));
        assert_eq!(vs.variables()["conv1.weight"].size(), vec![64, 3, 3, 3]);
    }
}
