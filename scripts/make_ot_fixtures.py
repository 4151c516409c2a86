#!/usr/bin/env python3
"""Reference values for the optimal-transport tests (test/w2.test.ts, test/sinkhorn.test.ts).

Writes test/fixtures/ot_w2.json and test/fixtures/ot_sinkhorn.json, so that CI needs no Python.

Oracles, all independent of measureflow:
  - exact W2^2, uniform n = m: scipy.optimize.linear_sum_assignment (mean of the matched costs);
  - exact W2^2, any weights: scipy.optimize.linprog (HiGHS) on the transportation LP;
  - POT (Debian python3-pot, for /usr/bin/python3): ot.emd2 (network simplex) and, for the
    entropic problem, ot.bregman.sinkhorn_log. POT is optional: without it the POT fields are null.

Costs are |x - y|^2 summed over coordinates (same as measureflow, no |x|^2 + |y|^2 - 2xy).

Entropic convention of measureflow: OT_eps = <C, P> + eps * KL(P | a x b). POT's sinkhorn solves
the same problem with the entropy -sum P log P (same plan); its sinkhorn2 returns <C, P> only.
We store POT's <C, P> as `cost` and recompute the objective from POT's plan in our convention.

Run:  /usr/bin/python3 scripts/make_ot_fixtures.py
"""
import json
import os

import numpy as np
from scipy.optimize import linear_sum_assignment, linprog
from scipy.sparse import coo_matrix

try:
    import ot  # POT
except ImportError:  # pragma: no cover
    ot = None

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures")


def sqdist(X, Y):
    D = X[:, None, :] - Y[None, :, :]
    return (D * D).sum(axis=-1)


def w2_linprog(a, b, C):
    n, m = C.shape
    rows = np.concatenate([np.repeat(np.arange(n), m), n + np.tile(np.arange(m), n)])
    cols = np.concatenate([np.arange(n * m), np.arange(n * m)])
    A = coo_matrix((np.ones(2 * n * m), (rows, cols)), shape=(n + m, n * m)).tocsr()
    res = linprog(C.ravel(), A_eq=A, b_eq=np.concatenate([a, b]), bounds=(0, None), method="highs",
                  options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10})
    assert res.status == 0, res.message
    return float(res.fun)


def simplex(rng, n, zeros=0):
    w = rng.random(n) + 0.05
    if zeros:
        w[rng.choice(n, zeros, replace=False)] = 0.0
    return w / w.sum()


def w2_cases():
    rng = np.random.default_rng(20240611)
    cases = []

    def add(name, X, a, Y, b):
        C = sqdist(X, Y)
        n, m = C.shape
        case = {"name": name, "d": int(X.shape[1]), "X": X.ravel().tolist(), "a": a.tolist(),
                "Y": Y.ravel().tolist(), "b": b.tolist()}
        uniform = n == m and np.all(a == 1.0 / n) and np.all(b == 1.0 / m)
        if uniform:
            r, c = linear_sum_assignment(C)
            case["w2sq_lsa"] = float(C[r, c].sum() / n)
        case["w2sq_linprog"] = w2_linprog(a, b, C)
        case["w2sq_pot"] = float(ot.emd2(a, b, C, numItermax=10**7)) if ot else None
        cases.append(case)

    n = 8
    add("uniform 8x8 d=2", rng.normal(size=(n, 2)), np.full(n, 1 / n), rng.normal(size=(n, 2)) + [1.0, 0.0], np.full(n, 1 / n))
    n = 40
    add("uniform 40x40 d=3", rng.normal(size=(n, 3)), np.full(n, 1 / n), 2 * rng.random(size=(n, 3)), np.full(n, 1 / n))
    add("weighted 12x17 d=2 with zero weights", rng.normal(size=(12, 2)), simplex(rng, 12, zeros=2),
        rng.normal(size=(17, 2)) * 0.5 + 1.0, simplex(rng, 17, zeros=3))
    add("weighted 45x30 d=2", rng.normal(size=(45, 2)), simplex(rng, 45), rng.standard_t(3, size=(30, 2)), simplex(rng, 30))
    add("weighted 25x20 d=5", rng.normal(size=(25, 5)), simplex(rng, 25), rng.normal(size=(20, 5)) + 0.3, simplex(rng, 20))
    add("weighted 1-D 20x15", rng.normal(size=(20, 1)), simplex(rng, 20), rng.exponential(size=(15, 1)), simplex(rng, 15))
    # Far from the origin: |x|^2 + |y|^2 - 2xy would lose ~12 digits here (sqdist takes differences).
    n = 10
    add("uniform 10x10 far from origin", 1e4 + rng.normal(size=(n, 2)) * 1e-2, np.full(n, 1 / n),
        1e4 + rng.normal(size=(n, 2)) * 1e-2, np.full(n, 1 / n))
    return cases


def sinkhorn_cases():
    if ot is None:
        return []
    rng = np.random.default_rng(7)
    cases = []
    specs = [
        ("uniform 30x30 d=2", 30, 30, 2, False, [1.0, 0.2, 0.1]),
        ("weighted 25x35 d=2", 25, 35, 2, True, [0.5, 0.05]),
        ("weighted 20x15 d=3", 20, 15, 3, True, [0.2]),
    ]
    for name, n, m, d, weighted, epss in specs:
        X = rng.normal(size=(n, d))
        Y = rng.normal(size=(m, d)) * 0.7 + 0.5
        a = simplex(rng, n) if weighted else np.full(n, 1 / n)
        b = simplex(rng, m) if weighted else np.full(m, 1 / m)
        C = sqdist(X, Y)
        for eps in epss:
            P = ot.bregman.sinkhorn_log(a, b, C, eps, numItermax=100000, stopThr=1e-13)
            cost = float((P * C).sum())
            with np.errstate(divide="ignore", invalid="ignore"):
                kl = float(np.where(P > 0, P * np.log(P / np.outer(a, b)), 0.0).sum() - P.sum() + 1.0)
            merr = float(np.abs(P.sum(1) - a).sum() + np.abs(P.sum(0) - b).sum())
            assert merr < 1e-10, (name, eps, merr)  # the reference itself must have converged
            pot_cost = float(ot.sinkhorn2(a, b, C, eps, method="sinkhorn_log", numItermax=100000, stopThr=1e-13))
            cases.append({"name": f"{name} eps={eps}", "d": d, "X": X.ravel().tolist(), "a": a.tolist(),
                          "Y": Y.ravel().tolist(), "b": b.tolist(), "eps": eps,
                          "cost": cost, "cost_sinkhorn2": pot_cost, "objective": cost + eps * kl,
                          "marginal_error": merr})
    return cases


def main():
    os.makedirs(OUT, exist_ok=True)
    meta = {"generator": "scripts/make_ot_fixtures.py", "numpy": np.__version__,
            "pot": getattr(ot, "__version__", None)}
    import scipy
    meta["scipy"] = scipy.__version__
    with open(os.path.join(OUT, "ot_w2.json"), "w") as fh:
        json.dump({"meta": meta, "cases": w2_cases()}, fh)
    with open(os.path.join(OUT, "ot_sinkhorn.json"), "w") as fh:
        json.dump({"meta": meta, "cases": sinkhorn_cases()}, fh)
    print("wrote", os.path.join(OUT, "ot_w2.json"), os.path.join(OUT, "ot_sinkhorn.json"))


if __name__ == "__main__":
    main()
