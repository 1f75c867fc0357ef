"""The kNN monitor as the MoCo CIFAR-10 demo defines it (top-k cosine neighbours vote with
weight exp(sim / t); the largest total wins), on random unit features, for the parity test.

    python knn_reference.py OUT_FILE
"""
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

torch.manual_seed(0)
B, N, D, C, K, T = 50, 400, 32, 10, 200, 0.1
features = F.normalize(torch.randn(B, D), dim=1)
bank = F.normalize(torch.randn(N, D), dim=1)
labels = torch.randint(0, C, (N,))
sim = features @ bank.T
weight, index = sim.topk(K, dim=-1)
neighbour_labels = torch.gather(labels.expand(B, -1), -1, index)
one_hot = torch.zeros(B * K, C).scatter(-1, neighbour_labels.reshape(-1, 1), 1.0)
scores = (one_hot.view(B, K, C) * (weight / T).exp().unsqueeze(-1)).sum(1)
save_file({"features": features, "bank": bank, "labels": labels, "predicted": scores.argmax(-1), "scores": scores}, sys.argv[1])
