#!/usr/bin/env python3
"""Vectorized numpy baseline for the MMD witness gradient (bench/run.ts spawns it).

Computes, for points X [n, d] and sources S = [X; Y] [n+m, d] with coefficients
v = [w; -1/m] and the Gaussian kernel k = exp(-|x - y|^2 / (2 sigma^2)),

    grad[i] = sum_j v_j grad_1 k(x_i, s_j) = -(1/sigma^2) (x_i sum_j c_ij - sum_j c_ij s_j),
    c_ij = v_j k(x_i, s_j),

the way a numpy user would: squared distances |x|^2 + |s|^2 - 2 X S^T by matmul, exp,
then C.sum(1) and C @ S. Two implementations (--impl):
  plain    the textbook expressions, each one a new n x (n+m) temporary;
  inplace  the same with in-place updates of one n x (n+m) buffer (faster: fewer page
           faults and passes over memory) -- the stronger baseline.
Both need n x (n+m) matrices; S and v are built inside the timed call (as our side does).

Usage:
  numpy_baseline.py --n N --m M --d D --sigma S [--data FILE] [--reps R] [--warmup W] [--impl plain|inplace]
    one case; FILE holds float64 little-endian X [n, d], then Y [m, d], then w [n]
    (written by bench/run.ts so both sides see the same data); without --data the data
    are drawn here. Prints one JSON object: median ms, peak memory, and a checksum of
    the gradient so run.ts can check that both sides computed the same thing.
  numpy_baseline.py            the default cases, one JSON line each.

Times: median wall and median CPU time (process_time: all threads of the process) per call.
Peak memory: ru_maxrss (the process high-water mark, KiB on Linux) before and after the
timed runs, and tracemalloc's peak of numpy's own allocations during one extra run
(skipped with --no-trace).
"""

import argparse
import json
import os
import resource
import sys
import time
import tracemalloc

import numpy as np


def witness_grad_plain(X, Y, w, sigma):
    m = Y.shape[0]
    S = np.vstack([X, Y])
    v = np.concatenate([w, np.full(m, -1.0 / m)])
    D = (X**2).sum(1)[:, None] + (S**2).sum(1)[None, :] - 2.0 * X @ S.T
    K = np.exp(-np.maximum(D, 0.0) / (2.0 * sigma**2))
    C = K * v[None, :]
    return -(X * C.sum(1)[:, None] - C @ S) / sigma**2


def witness_grad_inplace(X, Y, w, sigma):
    m = Y.shape[0]
    S = np.vstack([X, Y])
    v = np.concatenate([w, np.full(m, -1.0 / m)])
    is2 = 1.0 / (sigma * sigma)
    x2 = np.einsum("ij,ij->i", X, X)
    s2 = np.einsum("ij,ij->i", S, S)
    C = X @ S.T  # [n, n+m]
    C *= -2.0
    C += x2[:, None]
    C += s2[None, :]
    np.maximum(C, 0.0, out=C)
    C *= -0.5 * is2
    np.exp(C, out=C)
    C *= v[None, :]
    rs = C.sum(axis=1)
    G = C @ S
    G -= X * rs[:, None]
    G *= is2
    return G


IMPLS = {"plain": witness_grad_plain, "inplace": witness_grad_inplace}


def run_case(n, m, d, sigma, data=None, reps=5, warmup=1, impl="plain", trace=True):
    witness_grad = IMPLS[impl]
    if data:
        raw = np.fromfile(data, dtype="<f8")
        X = raw[: n * d].reshape(n, d)
        Y = raw[n * d : n * d + m * d].reshape(m, d)
        w = raw[n * d + m * d : n * d + m * d + n]
    else:
        rng = np.random.default_rng(1)
        X = rng.standard_normal((n, d))
        Y = rng.standard_normal((m, d)) + 0.5
        w = np.full(n, 1.0 / n)
    X = np.ascontiguousarray(X)
    Y = np.ascontiguousarray(Y)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(warmup):
        G = witness_grad(X, Y, w, sigma)
    times = []
    cpu = []
    for _ in range(reps):
        c0 = time.process_time()
        t0 = time.perf_counter()
        G = witness_grad(X, Y, w, sigma)
        times.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    traced_peak = None
    if trace:
        tracemalloc.start()
        witness_grad(X, Y, w, sigma)
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    times.sort()
    cpu.sort()
    return {
        "n": n,
        "m": m,
        "d": d,
        "sigma": sigma,
        "ms": times[(len(times) - 1) // 2],  # lower median, as bench/kernels.ts
        "msMin": times[0],
        "cpuMs": cpu[(len(cpu) - 1) // 2],
        "reps": reps,
        "maxRssKiB": rss1,
        "maxRssDeltaKiB": rss1 - rss0,
        "tracedPeakBytes": traced_peak,
        "checksum": {
            "sumAbs": float(np.abs(G).sum()),
            "first": [float(t) for t in G.ravel()[:4]],
        },
        "impl": impl,
        "numpy": np.__version__,
        "blasThreads": os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS") or "default",
        # bench/run.ts unsets OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE so OpenBLAS picks this CPU's own kernel
        "blasCoretype": os.environ.get("OPENBLAS_CORETYPE") or "auto",
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int)
    p.add_argument("--m", type=int)
    p.add_argument("--d", type=int)
    p.add_argument("--sigma", type=float)
    p.add_argument("--data")
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--impl", choices=sorted(IMPLS), default="plain")
    p.add_argument("--no-trace", action="store_true", help="skip the tracemalloc run")
    a = p.parse_args()
    if a.n is None:
        for n, d in [(1000, 2), (4000, 2), (1000, 100), (2000, 100), (4000, 100)]:
            print(json.dumps(run_case(n, n, d, max(1.0, (d / 2) ** 0.5), reps=a.reps, warmup=a.warmup, impl=a.impl)))
        return
    r = run_case(a.n, a.m, a.d, a.sigma, a.data, a.reps, a.warmup, a.impl, not a.no_trace)
    sys.stdout.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()
