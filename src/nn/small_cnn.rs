//! A three-block CNN for the smoke task: conv3x3 → ReLU → max-pool, twice, then
//! conv3x3 → ReLU → global average pool → linear. Small enough to train on CPU in seconds.
use tch::nn::{self, Module, ModuleT};
use tch::Tensor;

#[derive(Debug)]
pub struct SmallCnn {
    conv1: nn::Conv2D,
    conv2: nn::Conv2D,
    conv3: nn::Conv2D,
    head: nn::Linear,
}

impl SmallCnn {
    pub fn new(vs: &nn::Path, width: i64, classes: i64) -> Self {
        let cfg = nn::ConvConfig { padding: 1, ..Default::default() };
        Self {
            conv1: nn::conv2d(vs / "conv1", 3, width, 3, cfg),
            conv2: nn::conv2d(vs / "conv2", width, width * 2, 3, cfg),
            conv3: nn::conv2d(vs / "conv3", width * 2, width * 4, 3, cfg),
            head: nn::linear(vs / "head", width * 4, classes, Default::default()),
        }
    }
}

impl ModuleT for SmallCnn {
    fn forward_t(&self, xs: &Tensor, _train: bool) -> Tensor {
        let x = self.conv1.forward(xs).relu().max_pool2d_default(2);
        let x = self.conv2.forward(&x).relu().max_pool2d_default(2);
        let x = self.conv3.forward(&x).relu().mean_dim(&[2i64, 3][..], false, None);
        self.head.forward(&x)
    }
}
