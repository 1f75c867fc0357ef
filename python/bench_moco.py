"""The reference side of `adaptlab bench moco`: MoCo v2 training as the official CIFAR-10
demo runs it (facebookresearch/moco, colab notebook): a ResNet-18 with the CIFAR stem and
BatchNorm split into groups, an MLP head, the momentum encoder, the shuffled key batch and
the queue; torchvision's per-image PIL augmentations through a DataLoader; SGD with
momentum and weight decay. Measures training images/s on request, so rounds can alternate
with adaptlab's.

    bench_moco.py BATCH WIDTH SPLITS QUEUE THREADS WORKERS
Then one line per request on stdin: `train STEPS` → {"train": images_per_s}.
"""
import copy
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
from PIL import Image
from torchvision import transforms

batch, width, splits, K, threads, workers = (int(a) for a in sys.argv[1:7])
torch.set_num_threads(threads)
DIM, M, T, SIDE, N = 128, 0.99, 0.1, 32, 2048


class SplitBatchNorm(torch.nn.BatchNorm2d):
    def forward(self, x):
        if not self.training:
            return super().forward(x)
        n, c, h, w = x.shape
        mean, var = self.running_mean.repeat(splits), self.running_var.repeat(splits)
        y = F.batch_norm(x.view(n // splits, c * splits, h, w), mean, var, self.weight.repeat(splits), self.bias.repeat(splits), True, self.momentum, self.eps)
        with torch.no_grad():
            self.running_mean.copy_(mean.view(splits, c).mean(0))
            self.running_var.copy_(var.view(splits, c).mean(0))
        return y.view(n, c, h, w)


def encoder():
    net = torchvision.models.resnet18(num_classes=DIM, norm_layer=SplitBatchNorm, width_per_group=64)
    if width != 64:
        # A narrower ResNet-18: torchvision has no knob for the stage widths, so build the
        # stages again with widths w, 2w, 4w, 8w (what adaptlab's `width` does).
        net = torchvision.models.resnet.ResNet(torchvision.models.resnet.BasicBlock, [2, 2, 2, 2], num_classes=DIM, norm_layer=SplitBatchNorm)
        net.inplanes = width
        net.conv1 = torch.nn.Conv2d(3, width, 7, 2, 3, bias=False)
        net.bn1 = SplitBatchNorm(width)
        net.layer1 = net._make_layer(torchvision.models.resnet.BasicBlock, width, 2)
        net.layer2 = net._make_layer(torchvision.models.resnet.BasicBlock, 2 * width, 2, stride=2)
        net.layer3 = net._make_layer(torchvision.models.resnet.BasicBlock, 4 * width, 2, stride=2)
        net.layer4 = net._make_layer(torchvision.models.resnet.BasicBlock, 8 * width, 2, stride=2)
        net.fc = torch.nn.Linear(8 * width, DIM)
    net.conv1 = torch.nn.Conv2d(3, width, 3, 1, 1, bias=False)
    net.maxpool = torch.nn.Identity()
    d = net.fc.in_features
    net.fc = torch.nn.Sequential(torch.nn.Linear(d, d), torch.nn.ReLU(), net.fc)
    return net


torch.manual_seed(0)
q_enc = encoder()
k_enc = copy.deepcopy(q_enc)
for p in k_enc.parameters():
    p.requires_grad = False
queue = F.normalize(torch.randn(DIM, K), dim=0)
ptr = 0
opt = torch.optim.SGD(q_enc.parameters(), lr=0.06, momentum=0.9, weight_decay=5e-4)

augment = transforms.Compose([
    transforms.RandomResizedCrop(SIDE, scale=(0.2, 1.0)),
    transforms.RandomApply([transforms.ColorJitter(0.4, 0.4, 0.4, 0.1)], p=0.8),
    transforms.RandomGrayscale(p=0.2),
    transforms.RandomHorizontalFlip(),
    transforms.ToTensor(),
    transforms.Normalize([0.4914, 0.4822, 0.4465], [0.2023, 0.1994, 0.2010]),
])
pixels = np.random.default_rng(0).integers(0, 256, (N, SIDE, SIDE, 3), dtype=np.uint8)


class Pairs(torch.utils.data.Dataset):
    def __len__(self):
        return N

    def __getitem__(self, i):
        img = Image.fromarray(pixels[i])
        return augment(img), augment(img)


def batches():
    while True:
        loader = torch.utils.data.DataLoader(Pairs(), batch_size=batch, shuffle=True, num_workers=workers, drop_last=True, persistent_workers=workers > 0)
        yield from loader


stream = batches()


def step():
    global queue, ptr
    im_q, im_k = next(stream)
    q = F.normalize(q_enc(im_q), dim=1)
    with torch.no_grad():
        for pq, pk in zip(q_enc.parameters(), k_enc.parameters()):
            pk.mul_(M).add_(pq.detach(), alpha=1 - M)
        perm = torch.randperm(batch)
        k = F.normalize(k_enc(im_k[perm]), dim=1)[torch.argsort(perm)]
    logits = torch.cat([(q * k).sum(1, keepdim=True), q @ queue], dim=1) / T
    loss = F.cross_entropy(logits, torch.zeros(batch, dtype=torch.long))
    opt.zero_grad()
    loss.backward()
    opt.step()
    with torch.no_grad():
        queue[:, ptr:ptr + batch] = k.t()
        ptr = (ptr + batch) % K


q_enc.train()
k_enc.train()
step()  # warm-up
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    name, steps = line.split()
    start = time.perf_counter()
    for _ in range(int(steps)):
        step()
    print(json.dumps({name: int(steps) * batch / (time.perf_counter() - start)}), flush=True)
