"""torchvision ResNets with random weights for the parity test: every parameter and
BatchNorm buffer drawn at random (so no default hides a mistake), a batch of images, and
the outputs in eval mode and in training mode, with the running statistics after the
training-mode pass.

    python resnet_reference.py NAME CIFAR SPLITS OUT_DIR   (NAME: resnet18 | resnet50; CIFAR: 0 | 1)

SPLITS > 1 uses a BatchNorm that, in training, normalises the groups of the batch apart
(sample n in group n mod SPLITS) and averages the groups' running statistics: the MoCo
CIFAR-10 demo's emulation of shuffled BN on one device.
"""
import sys
from pathlib import Path

import torch
import torchvision
from safetensors.torch import save_file

name, cifar, splits, out = sys.argv[1], sys.argv[2] == "1", int(sys.argv[3]), Path(sys.argv[4])
out.mkdir(parents=True, exist_ok=True)


class GroupedBatchNorm(torch.nn.BatchNorm2d):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        n, c, h, w = x.shape
        mean = self.running_mean.repeat(splits)
        var = self.running_var.repeat(splits)
        y = torch.nn.functional.batch_norm(
            x.reshape(n // splits, c * splits, h, w), mean, var,
            self.weight.repeat(splits), self.bias.repeat(splits), True, self.momentum, self.eps)
        with torch.no_grad():
            self.running_mean.copy_(mean.view(splits, c).mean(0))
            self.running_var.copy_(var.view(splits, c).mean(0))
        return y.reshape(n, c, h, w)


torch.manual_seed(0)
norm = GroupedBatchNorm if splits > 1 else None
net = getattr(torchvision.models, name)(num_classes=10, **({"norm_layer": norm} if norm else {}))
if cifar:
    # The MoCo CIFAR-10 demo's stem: one 3x3/1 convolution, no max-pool.
    net.conv1 = torch.nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
    net.maxpool = torch.nn.Identity()
with torch.no_grad():
    for key, t in net.state_dict().items():
        if key.endswith("num_batches_tracked"):
            continue
        if key.endswith("running_var"):
            t.copy_(torch.rand_like(t) + 0.5)
        elif key.endswith("running_mean"):
            t.copy_(torch.randn_like(t) * 0.1)
        elif key.endswith("bias") or ".bn" in key or "downsample.1" in key or key.startswith("bn1"):
            t.add_(torch.randn_like(t) * 0.1)
save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(out / "weights.safetensors"))
size = 32 if cifar else 64
x = torch.randn(4, 3, size, size)
net.eval()
with torch.no_grad():
    eval_out = net(x)
net.train()
with torch.no_grad():
    train_out = net(x)
ref = {"x": x, "eval": eval_out, "train": train_out}
for key, t in net.state_dict().items():
    if "running" in key:
        ref[f"after.{key}"] = t
save_file({k: v.contiguous() for k, v in ref.items()}, str(out / "reference.safetensors"))
print(sum(p.numel() for p in getattr(torchvision.models, name)().parameters()))
