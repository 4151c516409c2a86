#!/usr/bin/env python3
"""Reference Sinkhorn divergences for test/trust-metrics.test.ts, so that CI needs no Python.

Writes test/fixtures/ot_sinkhorn_divergence.json. Oracle: POT (pip install pot), independent of
measureflow: for each of the three problems (x, y), (x, x), (y, y), ot.sinkhorn(method='sinkhorn_log')
to stopThr 1e-13 gives the entropic plan P; its objective in measureflow's convention
OT_eps = <C, P> + eps * KL(P | a x b) (KL with the -sum P + 1 terms) is recomputed here, and
S_eps = OT_eps(x, y) - OT_eps(x, x)/2 - OT_eps(y, y)/2. Exact W2^2 from ot.emd2.
Costs are |x - y|^2 summed over coordinates.

Run:  python3 scripts/make_sinkhorn_divergence_fixtures.py
"""
import json
import os

import numpy as np
import ot

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "ot_sinkhorn_divergence.json")


def sqdist(X, Y):
    D = X[:, None, :] - Y[None, :, :]
    return (D * D).sum(axis=-1)


def ot_eps(X, a, Y, b, eps):
    C = sqdist(X, Y)
    P, log = ot.sinkhorn(a, b, C, eps, method="sinkhorn_log", stopThr=1e-13, numItermax=200000, log=True, warn=False)
    err = np.abs(P.sum(1) - a).sum() + np.abs(P.sum(0) - b).sum()
    ab = np.outer(a, b)
    m = P > 0
    kl = (P[m] * np.log(P[m] / ab[m])).sum() - P.sum() + 1
    return float((P * C).sum() + eps * kl), float(err)


def case(name, rs, n, m, d, eps, weighted, shift):
    X = rs.normal(size=(n, d))
    Y = rs.normal(size=(m, d)) * 0.8 + shift
    a = rs.uniform(0.2, 1.0, n) if weighted else np.ones(n)
    b = rs.uniform(0.2, 1.0, m) if weighted else np.ones(m)
    a /= a.sum()
    b /= b.sum()
    oxy, exy = ot_eps(X, a, Y, b, eps)
    oxx, exx = ot_eps(X, a, X, a, eps)
    oyy, eyy = ot_eps(Y, b, Y, b, eps)
    assert max(exy, exx, eyy) < 1e-6, (name, exy, exx, eyy)
    w2 = float(ot.emd2(a, b, sqdist(X, Y), numItermax=10**7))
    return {
        "name": name, "d": d, "eps": eps,
        "X": X.ravel().tolist(), "a": a.tolist(), "Y": Y.ravel().tolist(), "b": b.tolist(),
        "ot_xy": oxy, "ot_xx": oxx, "ot_yy": oyy,
        "divergence": oxy - 0.5 * oxx - 0.5 * oyy,
        "w2sq": w2,
        "pot_marginal_errors": [exy, exx, eyy],
    }


def main():
    rs = np.random.RandomState(20261205)
    cases = [
        case("uniform 2-D n=m=40, eps=0.5", rs, 40, 40, 2, 0.5, False, 1.0),
        case("weighted 2-D n=30 m=45, eps=0.1", rs, 30, 45, 2, 0.1, True, 0.7),
        case("weighted 3-D n=25 m=20, eps=0.05", rs, 25, 20, 3, 0.05, True, 0.5),
        case("uniform 2-D n=m=60, eps=0.02", rs, 60, 60, 2, 0.02, False, 1.5),
    ]
    with open(OUT, "w") as fh:
        json.dump({"generator": "scripts/make_sinkhorn_divergence_fixtures.py", "pot": ot.__version__, "cases": cases}, fh)
        fh.write("\n")
    for c in cases:
        print(c["name"], c["divergence"], c["w2sq"], c["pot_marginal_errors"])


if __name__ == "__main__":
    main()
