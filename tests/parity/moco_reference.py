"""MoCo's training step written from the paper's Algorithm 1 and the official code's order
(the key encoder's momentum update before the keys are computed; q and k normalised;
shuffled BN emulated by permuting the key batch, with BatchNorm over 2 groups), for the
parity test: two steps of plain SGD on a ResNet-18 with the CIFAR stem.

    python moco_reference.py OUT_DIR
"""
import copy
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
import torchvision
from safetensors.torch import save_file

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
SPLITS, DIM, K, M, T, LR, N = 2, 16, 8, 0.9, 0.2, 0.1, 4


class GroupedBatchNorm(torch.nn.BatchNorm2d):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        n, c, h, w = x.shape
        mean = self.running_mean.repeat(SPLITS)
        var = self.running_var.repeat(SPLITS)
        y = F.batch_norm(x.reshape(n // SPLITS, c * SPLITS, h, w), mean, var,
                         self.weight.repeat(SPLITS), self.bias.repeat(SPLITS), True, self.momentum, self.eps)
        with torch.no_grad():
            self.running_mean.copy_(mean.view(SPLITS, c).mean(0))
            self.running_var.copy_(var.view(SPLITS, c).mean(0))
        return y.reshape(n, c, h, w)


torch.manual_seed(0)
f_q = torchvision.models.resnet18(num_classes=DIM, norm_layer=GroupedBatchNorm)
f_q.conv1 = torch.nn.Conv2d(3, 64, 3, 1, 1, bias=False)
f_q.maxpool = torch.nn.Identity()
f_q.fc = torch.nn.Sequential(torch.nn.Linear(512, 512), torch.nn.ReLU(), f_q.fc)
with torch.no_grad():
    for key, t in f_q.state_dict().items():
        if "running_var" in key:
            t.copy_(torch.rand_like(t) + 0.5)
        elif t.is_floating_point():
            t.add_(torch.randn_like(t) * 0.05)
f_k = copy.deepcopy(f_q)
for p in f_k.parameters():
    p.requires_grad = False
queue = F.normalize(torch.randn(DIM, K), dim=0)
saved = {"queue": queue.clone()}
saved.update({f"init.{k}": v.clone() for k, v in f_q.state_dict().items() if "num_batches" not in k})
f_q.train()
f_k.train()
ptr = 0
for step in range(2):
    x_q, x_k = torch.randn(N, 3, 32, 32), torch.randn(N, 3, 32, 32)
    perm = torch.randperm(N)
    saved.update({f"x_q.{step}": x_q, f"x_k.{step}": x_k, f"perm.{step}": perm})
    q = F.normalize(f_q(x_q), dim=1)
    with torch.no_grad():
        for p_q, p_k in zip(f_q.parameters(), f_k.parameters()):
            p_k.mul_(M).add_(p_q.detach(), alpha=1 - M)
        k = F.normalize(f_k(x_k[perm]), dim=1)[torch.argsort(perm)]
    l_pos = torch.bmm(q.view(N, 1, DIM), k.view(N, DIM, 1)).view(N, 1)
    l_neg = torch.mm(q, queue.clone().detach())
    logits = torch.cat([l_pos, l_neg], dim=1) / T
    loss = F.cross_entropy(logits, torch.zeros(N, dtype=torch.long))
    f_q.zero_grad()
    loss.backward()
    saved[f"loss.{step}"] = loss.detach().reshape(1)
    saved[f"q.{step}"] = q.detach()
    saved[f"k.{step}"] = k
    if step == 0:
        saved.update({f"grad.{name}": p.grad.clone() for name, p in f_q.named_parameters()})
    with torch.no_grad():
        for p in f_q.parameters():
            p.sub_(p.grad, alpha=LR)
        queue[:, ptr:ptr + N] = k.T
        ptr = (ptr + N) % K
saved["queue.after"] = queue
saved.update({f"key.{k}": v for k, v in f_k.state_dict().items() if "num_batches" not in k})
save_file({k: v.contiguous() for k, v in saved.items()}, str(out / "moco.safetensors"))
