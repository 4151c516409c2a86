import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.js';
import type { ParticleMeasure } from '../src/core/measure.js';
import { type Rng, rng } from '../src/core/rng.js';
import { type OptimalPlan, type W2Method, optimalPlan, w2, w2Squared, w2Squared1d } from '../src/metrics/w2.js';

// ---------- helpers ----------

const meas = (X: ArrayLike<number>, d: number, w?: ArrayLike<number>): ParticleMeasure => {
  const n = X.length / d;
  return { n, d, X: Float64Array.from(X), w: w ? Float64Array.from(w) : new Float64Array(n).fill(1 / n) };
};

const normals = (r: Rng, len: number): Float64Array => r.fillNormal(new Float64Array(len));

/** Random probability vector with `zeros` exact zeros. */
const simplex = (r: Rng, n: number, zeros = 0): Float64Array => {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.05 + r.uniform();
  for (let k = 0; k < zeros; k++) w[r.int(n)] = 0;
  let s = 0;
  for (let i = 0; i < n; i++) s += w[i]!;
  for (let i = 0; i < n; i++) w[i]! /= s;
  return w;
};

const sq = (X: Float64Array, i: number, Y: Float64Array, j: number, d: number): number => {
  let s = 0;
  for (let k = 0; k < d; k++) {
    const t = X[i * d + k]! - Y[j * d + k]!;
    s += t * t;
  }
  return s;
};

/** min over permutations σ of (1/n) Σ |xᵢ − y_σ(i)|², by enumeration (Heap's algorithm). */
const bruteForce = (mu: ParticleMeasure, nu: ParticleMeasure): number => {
  const n = mu.n;
  const p = Array.from({ length: n }, (_, i) => i);
  const c = new Array(n).fill(0);
  const value = () => p.reduce((s, j, i) => s + sq(mu.X, i, nu.X, j, mu.d), 0) / n;
  let best = value();
  let i = 0;
  while (i < n) {
    if (c[i] < i) {
      const k = i % 2 === 0 ? 0 : c[i];
      [p[k], p[i]] = [p[i]!, p[k]!];
      best = Math.min(best, value());
      c[i]++;
      i = 0;
    } else {
      c[i] = 0;
      i++;
    }
  }
  return best;
};

/** Max violations of a plan: marginals, dual feasibility, complementary slackness, duality gap. */
const certificate = (mu: ParticleMeasure, nu: ParticleMeasure, P: OptimalPlan) => {
  const { n, d } = mu;
  const m = nu.n;
  const row = new Float64Array(n);
  const col = new Float64Array(m);
  let slack = 0;
  for (let k = 0; k < P.mass.length; k++) {
    const i = P.i[k]!;
    const j = P.j[k]!;
    row[i]! += P.mass[k]!;
    col[j]! += P.mass[k]!;
    slack = Math.max(slack, Math.abs(sq(mu.X, i, nu.X, j, d) - P.f[i]! - P.g[j]!));
  }
  let marginal = 0;
  for (let i = 0; i < n; i++) marginal = Math.max(marginal, Math.abs(row[i]! - mu.w[i]!));
  for (let j = 0; j < m; j++) marginal = Math.max(marginal, Math.abs(col[j]! - nu.w[j]!));
  let minReduced = Infinity;
  let maxC = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const c = sq(mu.X, i, nu.X, j, d);
      maxC = Math.max(maxC, c);
      minReduced = Math.min(minReduced, c - P.f[i]! - P.g[j]!);
    }
  }
  let dual = 0;
  for (let i = 0; i < n; i++) dual += mu.w[i]! * P.f[i]!;
  for (let j = 0; j < m; j++) dual += nu.w[j]! * P.g[j]!;
  let planCost = 0;
  for (let k = 0; k < P.mass.length; k++) planCost += P.mass[k]! * sq(mu.X, P.i[k]!, nu.X, P.j[k]!, d);
  return { marginal, minReduced, slack, gap: Math.abs(dual - P.cost), planCost, maxC, nnz: P.mass.length };
};

const relErr = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

// ---------- peer oracles (scipy linear_sum_assignment, scipy linprog/HiGHS, POT emd2) ----------

interface W2Case {
  name: string;
  d: number;
  X: number[];
  a: number[];
  Y: number[];
  b: number[];
  w2sq_lsa?: number;
  w2sq_linprog: number;
  w2sq_pot: number | null;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/ot_w2.json', import.meta.url), 'utf8')) as { cases: W2Case[] };

describe('w2Squared against scipy / HiGHS / POT (fixtures from scripts/make_ot_fixtures.py)', () => {
  for (const c of fixture.cases) {
    const mu = meas(c.X, c.d, c.a);
    const nu = meas(c.Y, c.d, c.b);
    const uniform = c.w2sq_lsa !== undefined;
    const methods: W2Method[] = ['auto', 'networkSimplex'];
    if (uniform) methods.push('assignment');
    if (c.d === 1) methods.push('sorted');
    for (const method of methods) {
      it(`${c.name}, method ${method}`, () => {
        const v = w2Squared(mu, nu, { method });
        // Exact solvers agree to rounding (POT's network simplex, scipy's LSA).
        if (c.w2sq_pot !== null) expect(relErr(v, c.w2sq_pot)).toBeLessThan(1e-12);
        if (c.w2sq_lsa !== undefined) expect(relErr(v, c.w2sq_lsa)).toBeLessThan(1e-12);
        // HiGHS is an interior/simplex LP code with 1e-10 feasibility tolerances.
        expect(relErr(v, c.w2sq_linprog)).toBeLessThan(1e-8);
      });
    }
  }
});

// ---------- brute force and cross-checks between the solvers ----------

describe('exactness on small problems', () => {
  it('uniform n ≤ 6: assignment and network simplex equal the best permutation', () => {
    const r = rng(11);
    for (let n = 1; n <= 6; n++) {
      for (let rep = 0; rep < 8; rep++) {
        const mu = meas(normals(r, 2 * n), 2);
        const nu = meas(normals(r, 2 * n), 2);
        const bf = bruteForce(mu, nu);
        expect(relErr(w2Squared(mu, nu, { method: 'assignment' }), bf)).toBeLessThan(1e-13);
        expect(relErr(w2Squared(mu, nu, { method: 'networkSimplex' }), bf)).toBeLessThan(1e-13);
      }
    }
  });

  it('duplicated atoms: assignment on the uniform list = network simplex on the merged weighted measure', () => {
    const r = rng(12);
    for (const mult of [
      [1, 2, 3],
      [1, 2, 3, 6],
    ]) {
      for (let rep = 0; rep < 6; rep++) {
        const k = mult.length;
        const total = mult.reduce((s, v) => s + v, 0);
        const base = normals(r, 2 * k);
        const rows: number[] = [];
        mult.forEach((c, a) => {
          for (let t = 0; t < c; t++) rows.push(base[2 * a]!, base[2 * a + 1]!);
        });
        const dup = meas(rows, 2);
        const merged = meas(
          base,
          2,
          mult.map((c) => c / total),
        );
        const nu = meas(normals(r, 2 * total), 2);
        const viaAssignment = w2Squared(dup, nu, { method: 'assignment' });
        if (total <= 6) expect(relErr(viaAssignment, bruteForce(dup, nu))).toBeLessThan(1e-13);
        expect(relErr(w2Squared(merged, nu, { method: 'networkSimplex' }), viaAssignment)).toBeLessThan(1e-13);
        expect(relErr(w2Squared(dup, nu, { method: 'networkSimplex' }), viaAssignment)).toBeLessThan(1e-13);
        expect(relErr(w2Squared(nu, merged, { method: 'networkSimplex' }), viaAssignment)).toBeLessThan(1e-13);
      }
    }
  });

  it('all points equal (fully degenerate): W₂² = 0 and a valid plan', () => {
    const mu = meas(new Float64Array(20).fill(3), 2);
    const nu = meas(new Float64Array(20).fill(3), 2);
    for (const method of ['assignment', 'networkSimplex'] as const) {
      const P = optimalPlan(mu, nu, { method });
      expect(P.cost).toBe(0);
      expect(certificate(mu, nu, P).marginal).toBeLessThan(1e-15);
    }
  });

  it('1-D: network simplex = sorted quantile formula on random weighted measures (zeros allowed)', () => {
    const r = rng(13);
    for (let rep = 0; rep < 30; rep++) {
      const n = 1 + r.int(25);
      const m = 1 + r.int(25);
      const mu = meas(normals(r, n), 1, simplex(r, n, n > 2 ? r.int(3) : 0));
      const nu = meas(
        normals(r, m).map((v) => 2 * v + 1),
        1,
        simplex(r, m, m > 2 ? r.int(3) : 0),
      );
      const s = w2Squared1d(mu, nu);
      expect(relErr(w2Squared(mu, nu, { method: 'networkSimplex' }), s)).toBeLessThan(1e-12);
      expect(w2Squared(mu, nu)).toBe(s); // auto uses the sorted formula for d = 1
      if (n === m) {
        const mu1 = meas(mu.X, 1);
        const nu1 = meas(nu.X, 1);
        expect(relErr(w2Squared(mu1, nu1, { method: 'assignment' }), w2Squared1d(mu1, nu1))).toBeLessThan(1e-12);
      }
    }
  });

  it('1-D sorted matching on hand-checked cases', () => {
    // ½δ₀ + ½δ₁ → ½δ₂ + ½δ₃: monotone matching 0→2, 1→3.
    expect(w2Squared1d(meas([1, 0], 1), meas([3, 2], 1))).toBe(4);
    // δ₀ → 0.3δ₁ + 0.7δ₋₂: 0.3·1 + 0.7·4.
    expect(w2Squared1d(meas([0], 1), meas([1, -2], 1, [0.3, 0.7]))).toBeCloseTo(3.1, 14);
    // Quantile pieces: µ = ¼δ₀ + ¾δ₂, ν = ½δ₁ + ½δ₃: ¼·1 + ¼·1 + ½·1 = 1.
    expect(w2Squared1d(meas([0, 2], 1, [0.25, 0.75]), meas([1, 3], 1))).toBeCloseTo(1, 15);
    const P = optimalPlan(meas([0, 2], 1, [0.25, 0.75]), meas([1, 3], 1), { method: 'sorted' });
    expect(Array.from(P.i)).toEqual([0, 1, 1]);
    expect(Array.from(P.j)).toEqual([0, 0, 1]);
    expect(Array.from(P.mass)).toEqual([0.25, 0.25, 0.5]);
  });

  it('one atom on one side: W₂² = Σⱼ bⱼ|x − yⱼ|²', () => {
    const r = rng(14);
    const nu = meas(normals(r, 30), 3, simplex(r, 10, 2));
    const mu = meas([0.5, -1, 2], 3);
    let expected = 0;
    for (let j = 0; j < 10; j++) expected += nu.w[j]! * sq(mu.X, 0, nu.X, j, 3);
    expect(relErr(w2Squared(mu, nu), expected)).toBeLessThan(1e-14);
    expect(relErr(w2Squared(nu, mu), expected)).toBeLessThan(1e-14);
    expect(w2(mu, mu)).toBe(0);
  });
});

// ---------- structural facts ----------

describe('closed forms', () => {
  it('translation: W₂(µ, µ + t) = |t| for weighted and uniform µ', () => {
    const r = rng(15);
    const d = 3;
    const t = [0.7, -1.2, 0.25];
    const norm = Math.hypot(...t);
    for (const weighted of [false, true]) {
      const n = 60;
      const X = normals(r, n * d);
      const Y = X.map((v, k) => v + t[k % d]!);
      const w = weighted ? simplex(r, n, 3) : undefined;
      const mu = meas(X, d, w);
      const nu = meas(Y, d, w);
      expect(relErr(w2(mu, nu), norm)).toBeLessThan(1e-12);
      expect(relErr(w2(mu, nu, { method: 'networkSimplex' }), norm)).toBeLessThan(1e-12);
    }
  });

  it('W₂² is symmetric', () => {
    const r = rng(16);
    const mu = meas(normals(r, 2 * 35), 2, simplex(r, 35, 2));
    const nu = meas(normals(r, 2 * 50), 2, simplex(r, 50));
    expect(relErr(w2Squared(mu, nu), w2Squared(nu, mu))).toBeLessThan(1e-13);
  });

  it('far from the origin the cost does not cancel (|x − y|² computed from differences)', () => {
    const c = fixture.cases.find((k) => k.name.includes('far from origin'))!;
    const v = w2Squared(meas(c.X, c.d, c.a), meas(c.Y, c.d, c.b));
    expect(v).toBeGreaterThan(0);
    expect(relErr(v, c.w2sq_lsa!)).toBeLessThan(1e-9); // |x|² + |y|² − 2xy would give ~1e-4 absolute noise on 6e-5
  });
});

// ---------- Gaussians: Brenier maps and the Bures formula ----------

type M2 = [number, number, number, number];
const mul = (A: M2, B: M2): M2 => [
  A[0] * B[0] + A[1] * B[2],
  A[0] * B[1] + A[1] * B[3],
  A[2] * B[0] + A[3] * B[2],
  A[2] * B[1] + A[3] * B[3],
];
/** Square root of a 2×2 SPD matrix: (M + √det·I)/√(tr + 2√det). */
const sqrtm = (M: M2): M2 => {
  const s = Math.sqrt(M[0] * M[3] - M[1] * M[2]);
  const t = Math.sqrt(M[0] + M[3] + 2 * s);
  return [(M[0] + s) / t, M[1] / t, M[2] / t, (M[3] + s) / t];
};
const inv = (M: M2): M2 => {
  const det = M[0] * M[3] - M[1] * M[2];
  return [M[3] / det, -M[1] / det, -M[2] / det, M[0] / det];
};
const chol = (S: M2): M2 => {
  const l0 = Math.sqrt(S[0]);
  const l2 = S[2] / l0;
  return [l0, 0, l2, Math.sqrt(S[3] - l2 * l2)];
};
const meanVar = (a: Float64Array) => {
  let s = 0;
  for (const x of a) s += x;
  const mean = s / a.length;
  let v = 0;
  for (const x of a) v += (x - mean) ** 2;
  return { mean, variance: v / (a.length - 1) };
};

describe('two Gaussians N(m₁, Σ₁), N(m₂, Σ₂) in 2-D', () => {
  const m1 = [0, 0];
  const m2 = [1, -0.5];
  const S1: M2 = [1, 0.5, 0.5, 2];
  const S2: M2 = [0.5, -0.2, -0.2, 0.8];
  const r1 = sqrtm(S1);
  const mid = sqrtm(mul(mul(r1, S2), r1));
  // Bures: W₂² = |m₁ − m₂|² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁^½ Σ₂ Σ₁^½)^½.
  const bures = (m1[0]! - m2[0]!) ** 2 + (m1[1]! - m2[1]!) ** 2 + S1[0] + S1[3] + S2[0] + S2[3] - 2 * (mid[0] + mid[3]);
  // Optimal (Brenier) map T(x) = m₂ + A(x − m₁), A = Σ₁^-½ (Σ₁^½ Σ₂ Σ₁^½)^½ Σ₁^-½, the gradient
  // of the convex ϕ(x) = ½(x − m₁)ᵀA(x − m₁) + m₂ᵀx.
  const ir1 = inv(r1);
  const A = mul(mul(ir1, mid), ir1);
  const Ai = inv(A);
  const L1 = chol(S1);
  const L2 = chol(S2);
  const n = 1000;
  const sample = (r: Rng, m: number[], L: M2): Float64Array => {
    const X = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const z0 = r.normal();
      const z1 = r.normal();
      X[2 * i] = m[0]! + L[0] * z0;
      X[2 * i + 1] = m[1]! + L[2] * z0 + L[3] * z1;
    }
    return X;
  };
  const T = (X: Float64Array): Float64Array => {
    const Y = new Float64Array(X.length);
    for (let i = 0; i < X.length / 2; i++) {
      const d0 = X[2 * i]! - m1[0]!;
      const d1 = X[2 * i + 1]! - m1[1]!;
      Y[2 * i] = m2[0]! + A[0] * d0 + A[1] * d1;
      Y[2 * i + 1] = m2[1]! + A[2] * d0 + A[3] * d1;
    }
    return Y;
  };

  it('W₂²(µₙ, T#µₙ) = Σᵢ wᵢ|xᵢ − T(xᵢ)|² exactly (a gradient of a convex map is optimal), and → Bures', () => {
    const r = rng(21);
    const X = sample(r, m1, L1);
    const Y = T(X);
    const terms = new Float64Array(n);
    for (let i = 0; i < n; i++) terms[i] = sq(X, i, Y, i, 2);
    const { mean, variance } = meanVar(terms);
    // Exact: no statistics involved (rounding only).
    const uniform = w2Squared(meas(X, 2), meas(Y, 2));
    expect(relErr(uniform, mean)).toBeLessThan(1e-10);
    // Statistical: E|X − T(X)|² = Bures exactly, so mean − bures is a centred sample mean;
    // |z| ≤ 4 fails with probability ≈ 6e-5 (normal approximation, SE from the sample).
    expect(Math.abs(mean - bures)).toBeLessThan(4 * Math.sqrt(variance / n));
    // Weighted version through the network simplex (a smaller subsample to keep the file fast).
    const k = 400;
    const w = simplex(r, k);
    const Xk = X.subarray(0, 2 * k);
    const Yk = Y.subarray(0, 2 * k);
    let weighted = 0;
    for (let i = 0; i < k; i++) weighted += w[i]! * sq(Xk, i, Yk, i, 2);
    expect(relErr(w2Squared(meas(Xk, 2, w), meas(Yk, 2, w)), weighted)).toBeLessThan(1e-10);
  });

  it('independent samples, n = m = 1000: |W₂²(µₙ, νₙ) − Bures| within 4 standard errors + bias allowance', () => {
    const r = rng(22);
    const X = sample(r, m1, L1);
    const Y = sample(r, m2, L2);
    const v = w2Squared(meas(X, 2), meas(Y, 2));
    // CLT for the empirical transport cost (del Barrio, González-Sanz & Loubes 2021):
    // W₂²(µₙ, νₘ) − E W₂²(µₙ, νₘ) ≈ N(0, Var f(X)/n + Var g(Y)/m), with the Kantorovich potentials
    // f(x) = |x|² − 2ϕ(x), g(y) = |y|² − 2ϕ*(y), ϕ*(y) = ½(y − m₂)ᵀA⁻¹(y − m₂) + m₁ᵀ(y − m₂).
    const fx = new Float64Array(n);
    const gy = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const x0 = X[2 * i]!;
      const x1 = X[2 * i + 1]!;
      const d0 = x0 - m1[0]!;
      const d1 = x1 - m1[1]!;
      fx[i] = x0 * x0 + x1 * x1 - (d0 * (A[0] * d0 + A[1] * d1) + d1 * (A[2] * d0 + A[3] * d1)) - 2 * (m2[0]! * x0 + m2[1]! * x1);
      const y0 = Y[2 * i]!;
      const y1 = Y[2 * i + 1]!;
      const e0 = y0 - m2[0]!;
      const e1 = y1 - m2[1]!;
      gy[i] = y0 * y0 + y1 * y1 - (e0 * (Ai[0] * e0 + Ai[1] * e1) + e1 * (Ai[2] * e0 + Ai[3] * e1)) - 2 * (m1[0]! * e0 + m1[1]! * e1);
    }
    const se = Math.sqrt(meanVar(fx).variance / n + meanVar(gy).variance / n); // ≈ 0.10 here
    // The estimator is biased upwards (joint convexity of W₂²), by O(log n / n) in 2-D: over 25
    // seeds offline the mean excess was 0.05 ≈ 0.5 SE. Allowance 0.1 = twice that; with 4 SE the
    // false-failure rate is below 1e-4.
    expect(v - bures).toBeLessThan(4 * se + 0.1);
    expect(v - bures).toBeGreaterThan(-4 * se);
  });
});

// ---------- plan: primal feasibility and dual certificate ----------

describe('optimalPlan: feasibility and optimality certificate', () => {
  const r = rng(31);
  const shapes: [number, number, number, number][] = [
    [30, 50, 2, 3],
    [80, 80, 3, 0],
    [120, 70, 2, 5],
    [7, 200, 4, 1],
  ];
  for (const [n, m, d, zeros] of shapes) {
    it(`network simplex, n = ${n}, m = ${m}, d = ${d}, ${zeros} zero weights`, () => {
      const mu = meas(normals(r, n * d), d, simplex(r, n, zeros));
      const nu = meas(
        normals(r, m * d).map((v) => 1.5 * v + 0.3),
        d,
        simplex(r, m, zeros),
      );
      const P = optimalPlan(mu, nu);
      expect(P.method).toBe('networkSimplex');
      const c = certificate(mu, nu, P);
      expect(c.marginal).toBeLessThan(1e-12);
      expect(c.nnz).toBeLessThanOrEqual(n + m - 1); // a basic solution
      expect(c.minReduced).toBeGreaterThan(-1e-12 * c.maxC); // dual feasibility
      expect(c.slack).toBeLessThan(1e-12 * c.maxC); // complementary slackness on the support
      expect(c.gap).toBeLessThan(1e-12 * c.maxC); // strong duality
      expect(relErr(c.planCost, P.cost)).toBeLessThan(1e-13);
      for (const v of P.mass) expect(v).toBeGreaterThan(0);
    });
  }

  it('network simplex gives up with an Error past opts.maxIter pivots', () => {
    const mu = meas(normals(r, 2 * 40), 2, simplex(r, 40));
    const nu = meas(normals(r, 2 * 40), 2, simplex(r, 40));
    expect(() => w2Squared(mu, nu, { maxIter: 1 })).toThrow(/maxIter = 1/);
    expect(optimalPlan(mu, nu).iterations).toBeGreaterThan(1);
  });

  it('assignment plan on uniform n = m: a permutation with a dual certificate', () => {
    const n = 150;
    const mu = meas(normals(r, 2 * n), 2);
    const nu = meas(
      normals(r, 2 * n).map((v) => v + 2),
      2,
    );
    const P = optimalPlan(mu, nu);
    expect(P.method).toBe('assignment');
    expect(new Set(P.j).size).toBe(n);
    const c = certificate(mu, nu, P);
    expect(c.marginal).toBeLessThan(1e-15);
    expect(c.minReduced).toBeGreaterThan(-1e-12 * c.maxC);
    expect(c.slack).toBeLessThan(1e-12 * c.maxC);
    expect(c.gap).toBeLessThan(1e-12 * c.maxC);
    expect(relErr(P.cost, w2Squared(mu, nu, { method: 'networkSimplex' }))).toBeLessThan(1e-12);
  });
});

// ---------- input validation ----------

describe('bad input', () => {
  const good = meas([0, 0, 1, 1], 2);
  const expectInput = (f: () => unknown, field: string | RegExp) => {
    let err: unknown;
    try {
      f();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).field).toMatch(field);
    expect((err as InputError).message).toMatch(/got .*expected/);
  };

  it('mismatched dimension', () => {
    expectInput(() => w2Squared(good, meas([0, 0, 0], 3)), 'nu.d');
  });
  it('NaN / Inf positions', () => {
    expectInput(() => w2Squared(good, meas([0, Number.NaN, 1, 1], 2)), 'nu.X[0][1]');
    expectInput(() => w2Squared(meas([0, 0, Infinity, 1], 2), good), 'mu.X[1][0]');
  });
  it('negative weights', () => {
    expectInput(() => w2Squared(good, meas([0, 0, 1, 1], 2, [1.5, -0.5])), 'nu.w[1]');
  });
  it('weights not summing to 1', () => {
    expectInput(() => w2Squared(meas([0, 0, 1, 1], 2, [0.5, 0.6]), good), 'sum(mu.w)');
  });
  it('NaN weight', () => {
    expectInput(() => w2Squared(meas([0, 0, 1, 1], 2, [0.5, Number.NaN]), good), 'mu.w[1]');
  });
  it('empty measures', () => {
    const empty: ParticleMeasure = { n: 0, d: 2, X: new Float64Array(0), w: new Float64Array(0) };
    expectInput(() => w2Squared(empty, good), 'mu.n');
    expectInput(() => optimalPlan(good, empty), 'nu.n');
  });
  it('wrong shapes', () => {
    expectInput(() => w2Squared({ n: 3, d: 2, X: new Float64Array(4), w: new Float64Array(3).fill(1 / 3) }, good), 'mu.X.length');
    expectInput(() => w2Squared({ n: 2, d: 2, X: new Float64Array(4), w: new Float64Array(3).fill(1 / 3) }, good), 'mu.w.length');
  });
  it('methods that do not apply', () => {
    expectInput(() => w2Squared1d(good, good), 'mu.d');
    expectInput(() => w2Squared(good, meas([0, 0, 1, 1, 2, 2], 2), { method: 'assignment' }), 'opts.method');
    expectInput(() => w2Squared(good, meas([0, 0, 1, 1], 2, [0.3, 0.7]), { method: 'assignment' }), 'opts.method');
    expectInput(() => w2Squared(good, good, { method: 'sorted' }), 'opts.method');
    expectInput(() => w2Squared(good, good, { method: 'simplex' as W2Method }), 'opts.method');
    expectInput(() => w2Squared(good, meas([0, 0, 1, 1], 2, [0.3, 0.7]), { maxIter: 0 }), 'opts.maxIter');
  });
});
