#!/usr/bin/env python3
"""Writes peer-oracle fixtures test/fixtures/qp_*.json for src/solvers/kernelQP.ts (CI needs no Python).

Run from anywhere:  python3 scripts/make_qp_fixtures.py   (needs numpy and scipy).

Each fixture is a kernel QP  min ½a βᵀKβ − gᵀβ  over the simplex {β ≥ 0, Σβ = mass} or
the orthant {β ≥ 0}, with K the Gaussian kernel matrix exp(−|xᵢ − xⱼ|²/(2σ²)) of the
stored points X [n, 2] (the TypeScript test rebuilds K with Math.exp, which differs from
numpy's exp by at most an ulp per entry). The reference solution comes from scipy:

- orthant: scipy.optimize.nnls (Lawson–Hanson active set, exact up to rounding) on the
  equivalent least-squares problem min ½‖Aβ − b‖², A = √a Lᵀ, b = L⁻¹g/√a, K = LLᵀ
  (Cholesky; K is chosen well conditioned).
- simplex: scipy.optimize.minimize(method='SLSQP') identifies the support (βᵢ > 1e-6);
  the equality-constrained system [aK_SS 1; 1ᵀ 0][β_S; λ] = [g_S; mass] is then solved
  exactly with numpy, and the polished point is kept only if it is feasible and its KKT
  residuals (computed here in numpy) are ≤ 1e-10; otherwise the script fails.

The fixture records which method produced it. SLSQP alone is only accurate to ~1e-8,
which is why the test compares objectives with a tolerance, not bits.
"""

import json
import os

import numpy as np
from scipy.linalg import cho_factor, cholesky, solve_triangular
from scipy.optimize import minimize, nnls

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "test", "fixtures")
os.makedirs(FIX, exist_ok=True)


def gauss_k(X, sigma):
    d2 = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    return np.exp(-d2 / (2 * sigma * sigma))


def kkt(K, a, g, beta, simplex, mass):
    r = a * K @ beta - g
    lam = -beta @ r / beta.sum() if simplex else 0.0
    nu = r + lam
    S = a * np.abs(K).max() * np.abs(beta).sum() + np.abs(g).max()
    stat = max(0.0, (-nu).max()) / S
    comp = np.abs(beta * nu).max() / (S * max(np.abs(beta).max(), 1e-300))
    primal = max(max(0.0, (-beta).max()), abs(beta.sum() - mass) / mass if simplex else 0.0)
    return max(stat, comp, primal)


def objective(K, a, g, beta):
    return 0.5 * a * beta @ K @ beta - g @ beta


def solve_orthant(K, a, g):
    L = cholesky(K, lower=True)
    A = np.sqrt(a) * L.T
    b = solve_triangular(L, g, lower=True) / np.sqrt(a)
    beta, _ = nnls(A, b, maxiter=50 * K.shape[0])
    return beta, "scipy.optimize.nnls on the Cholesky least-squares form"


def solve_simplex(K, a, g, mass):
    n = K.shape[0]
    cons = [{"type": "eq", "fun": lambda b: b.sum() - mass, "jac": lambda b: np.ones(n)}]
    res = minimize(
        lambda b: objective(K, a, g, b),
        np.full(n, mass / n),
        jac=lambda b: a * K @ b - g,
        bounds=[(0, None)] * n,
        constraints=cons,
        method="SLSQP",
        options={"ftol": 1e-15, "maxiter": 2000},
    )
    S = np.flatnonzero(res.x > 1e-6)
    M = np.zeros((len(S) + 1, len(S) + 1))
    M[:-1, :-1] = a * K[np.ix_(S, S)]
    M[:-1, -1] = 1
    M[-1, :-1] = 1
    sol = np.linalg.solve(M, np.concatenate([g[S], [mass]]))
    beta = np.zeros(n)
    beta[S] = sol[:-1]
    if beta.min() < 0 or kkt(K, a, g, beta, True, mass) > 1e-10:
        raise SystemExit("SLSQP support did not polish to a KKT point; change the seed")
    return beta, "scipy.optimize.minimize(SLSQP) support + exact numpy solve on it (KKT-verified)"


def case(name, seed, n, sigma, a, constraint, mass, noise):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2)) * 1.5
    K = gauss_k(X, sigma)
    cho_factor(K)  # fails loudly if K is not safely positive definite
    c = rng.uniform(size=n)
    g = K @ c / n * 2 + noise * rng.normal(size=n)
    if constraint == "orthant":
        beta, method = solve_orthant(K, a, g)
    else:
        beta, method = solve_simplex(K, a, g, mass)
    res = kkt(K, a, g, beta, constraint == "simplex", mass)
    out = {
        "name": name,
        "constraint": constraint,
        "a": a,
        "mass": mass,
        "sigma": sigma,
        "n": n,
        "X": X.ravel().tolist(),
        "g": g.tolist(),
        "beta": beta.tolist(),
        "objective": float(objective(K, a, g, beta)),
        "kktMax": float(res),
        "method": method,
        "scipy": __import__("scipy").__version__,
    }
    with open(os.path.join(FIX, f"qp_{name}.json"), "w") as f:
        json.dump(out, f)
    print(f"qp_{name}.json  n={n}  support={int((beta > 0).sum())}  kkt={res:.2e}  {method}")


if __name__ == "__main__":
    case("simplex_a", seed=1, n=40, sigma=0.5, a=1.5, constraint="simplex", mass=1.0, noise=0.05)
    case("simplex_b", seed=2, n=30, sigma=0.7, a=11.0, constraint="simplex", mass=2.0, noise=0.02)
    case("orthant_a", seed=3, n=40, sigma=0.5, a=2.0, constraint="orthant", mass=1.0, noise=0.05)
