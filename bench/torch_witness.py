#!/usr/bin/env python3
"""torch f32 reference for `npm run bench:gpu`: the MMD witness gradient, the way the IFT
authors' code computes kernel quantities (torch, chunked cdist / exp / matmul, f32), on the
GPU when torch sees one, else on the CPU.

    grad[i] = -(1/sigma^2) * (x_i * sum_j c_ij - sum_j c_ij s_j),  c_ij = v_j exp(-|x_i - s_j|^2 / (2 sigma^2)),

S = [X; Y], v = [1/n; -1/m], sigma = sqrt(d), X ~ N(0, I), Y ~ N(0.5, I) (its own draw:
only the time is compared). Rows in chunks so that a chunk x (n + m) matrix fits in memory.
Prints one cell: the median time of 3 evaluations after a warm-up, the device, and whether
TF32 tensor cores were allowed for the matmul.
"""
import argparse
import time

import torch

p = argparse.ArgumentParser()
p.add_argument("--n", type=int, required=True)
p.add_argument("--d", type=int, required=True)
p.add_argument("--budget", type=float, default=60)
a = p.parse_args()
dev = "cuda" if torch.cuda.is_available() else "cpu"
g = torch.Generator(device="cpu").manual_seed(0)
n, d = a.n, a.d
X = torch.randn(n, d, generator=g).to(dev)
Y = (torch.randn(n, d, generator=g) + 0.5).to(dev)
S = torch.cat([X, Y])
v = torch.cat([torch.full((n,), 1.0 / n), torch.full((n,), -1.0 / n)]).to(dev)
sigma2 = float(d)
chunk = max(1, min(n, (1 << 28) // S.shape[0]))


def witness_grad():
    out = torch.empty_like(X)
    for i0 in range(0, n, chunk):
        x = X[i0 : i0 + chunk]
        c = torch.exp(torch.cdist(x, S).square_() * (-0.5 / sigma2)) * v
        out[i0 : i0 + chunk] = -(x * c.sum(1, keepdim=True) - c @ S) / sigma2
    if dev == "cuda":
        torch.cuda.synchronize()
    return out


t0 = time.perf_counter()
witness_grad()
first = time.perf_counter() - t0
times = []
if first < a.budget / 3:
    for _ in range(3):
        t0 = time.perf_counter()
        witness_grad()
        times.append(time.perf_counter() - t0)
else:
    times = [first]
times.sort()
s = times[len(times) // 2]
tf32 = dev == "cuda" and torch.backends.cuda.matmul.allow_tf32
cell = f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"
print(f"{cell} ({dev}{', TF32 matmul' if tf32 else ', no TF32'})")
