import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.js';
import { type Rng, rng } from '../src/core/rng.js';
import { type KernelQPResult, kktResiduals, mmdStepQP, type QPConstraint, solveKernelQP } from '../src/solvers/kernelQP.js';
import { projectOrthant, projectSimplex, simplexThreshold } from '../src/solvers/simplexProjection.js';

// ---------------------------------------------------------------- helpers (independent of the solver)

function gaussK(X: Float64Array, n: number, d: number, sigma: number): Float64Array {
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += (X[i * d + k]! - X[j * d + k]!) ** 2;
      K[i * n + j] = Math.exp(-s / (2 * sigma * sigma));
    }
  }
  return K;
}

function matvec(K: Float64Array, v: Float64Array): Float64Array {
  const n = v.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += K[i * n + j]! * v[j]!;
    out[i] = s;
  }
  return out;
}

function objective(K: Float64Array, a: number, g: Float64Array, b: Float64Array): number {
  const kb = matvec(K, b);
  let q = 0;
  for (let i = 0; i < b.length; i++) q += 0.5 * a * b[i]! * kb[i]! - g[i]! * b[i]!;
  return q;
}

/** K = AAᵀ/n + shift·I, a well-conditioned SPD matrix. */
function spd(R: Rng, n: number, shift: number): Float64Array {
  const A = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) A[i] = R.normal();
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += A[i * n + k]! * A[j * n + k]!;
      K[i * n + j] = s / n + (i === j ? shift : 0);
    }
  }
  return K;
}

/** Points where about half are exact copies and some are 1e-8-close copies of others. */
function duplicatedPoints(R: Rng, n: number, d: number): Float64Array {
  const X = new Float64Array(n * d);
  for (let i = 0; i < n * d; i++) X[i] = R.normal();
  for (let i = 0; i < n; i++) {
    const u = R.uniform();
    if (u < 0.5) {
      const j = Math.floor(R.uniform() * n);
      const jitter = u < 0.35 ? 0 : 1e-8;
      for (let k = 0; k < d; k++) X[i * d + k] = X[j * d + k]! + jitter * R.normal();
    }
  }
  return X;
}

function randomVec(R: Rng, n: number, scale = 1): Float64Array {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = scale * R.normal();
  return v;
}

function randomFeasible(R: Rng, n: number, constraint: QPConstraint, mass: number, hint: number): Float64Array {
  const b = new Float64Array(n);
  const sparse = R.uniform() < 0.5;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const v = sparse && R.uniform() < 0.8 ? 0 : -Math.log(1 - R.uniform()); // exponential → Dirichlet(1)
    b[i] = v;
    s += v;
  }
  if (s === 0) {
    b[0] = 1;
    s = 1;
  }
  const target = constraint === 'simplex' ? mass : hint * 2 * R.uniform();
  for (let i = 0; i < n; i++) b[i] = (b[i]! / s) * target;
  return b;
}

/** Projected gradient descent with step 1/L, L ≥ a·λ_max(K) (power iteration + margin). */
function pgd(K: Float64Array, a: number, g: Float64Array, constraint: QPConstraint, mass: number, iters: number): Float64Array {
  const n = g.length;
  let v = new Float64Array(n).fill(1);
  let lam = 0;
  for (let it = 0; it < 100; it++) {
    const w = matvec(K, v);
    lam = Math.hypot(...w) / Math.hypot(...v);
    const nw = Math.hypot(...w);
    v = w.map((x) => x / nw);
  }
  const L = 1.05 * a * lam + 1e-300;
  let b: Float64Array = constraint === 'simplex' ? new Float64Array(n).fill(mass / n) : new Float64Array(n);
  for (let it = 0; it < iters; it++) {
    const kb = matvec(K, b);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) y[i] = b[i]! - (a * kb[i]! - g[i]!) / L;
    b = constraint === 'simplex' ? projectSimplex(y, undefined, mass) : projectOrthant(y);
  }
  return b;
}

/** Dense Gaussian elimination with partial pivoting; null if a pivot is below `tiny`. */
function gaussSolve(M: number[][], rhs: number[], tiny: number): number[] | null {
  const m = rhs.length;
  const A = M.map((row, i) => [...row, rhs[i]!]);
  for (let c = 0; c < m; c++) {
    let p = c;
    for (let r = c + 1; r < m; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[p]![c]!)) p = r;
    if (Math.abs(A[p]![c]!) < tiny) return null;
    [A[c], A[p]] = [A[p]!, A[c]!];
    for (let r = c + 1; r < m; r++) {
      const f = A[r]![c]! / A[c]![c]!;
      for (let k = c; k <= m; k++) A[r]![k]! -= f * A[c]![k]!;
    }
  }
  const x = new Array<number>(m).fill(0);
  for (let c = m - 1; c >= 0; c--) {
    let s = A[c]![m]!;
    for (let k = c + 1; k < m; k++) s -= A[c]![k]! * x[k]!;
    x[c] = s / A[c]![c]!;
  }
  return x;
}

/**
 * Brute force for n ≤ 6: on every support S solve the equality-constrained problem
 * (simplex: [aK_SS 1; 1ᵀ 0][β; λ] = [g_S; m]; orthant: aK_SS β = g_S), keep the feasible
 * solutions (β_S ≥ 0) and return the best objective. Singular systems are skipped, so on
 * a singular K this is an upper bound on the minimum.
 */
function bruteForce(K: Float64Array, a: number, g: Float64Array, constraint: QPConstraint, mass: number): { q: number; beta: Float64Array } {
  const n = g.length;
  let best = { q: constraint === 'orthant' ? 0 : Infinity, beta: new Float64Array(n) };
  for (let mask = 1; mask < 1 << n; mask++) {
    const S: number[] = [];
    for (let i = 0; i < n; i++) if (mask & (1 << i)) S.push(i);
    const s = S.length;
    const size = constraint === 'simplex' ? s + 1 : s;
    const M: number[][] = [];
    const rhs: number[] = [];
    for (let p = 0; p < s; p++) {
      const row = S.map((j) => a * K[S[p]! * n + j]!);
      if (constraint === 'simplex') row.push(1);
      M.push(row);
      rhs.push(g[S[p]!]!);
    }
    if (constraint === 'simplex') {
      M.push([...new Array<number>(s).fill(1), 0]);
      rhs.push(mass);
    }
    const x = gaussSolve(M, rhs, 1e-10);
    if (!x || x.length !== size) continue;
    const beta = new Float64Array(n);
    let ok = true;
    for (let p = 0; p < s; p++) {
      if (x[p]! < -1e-12) ok = false;
      beta[S[p]!] = Math.max(0, x[p]!);
    }
    if (!ok) continue;
    if (constraint === 'simplex') {
      const sum = beta.reduce((u, v) => u + v, 0);
      for (let i = 0; i < n; i++) beta[i] = (beta[i]! * mass) / sum;
    }
    const q = objective(K, a, g, beta);
    if (q < best.q) best = { q, beta };
  }
  return best;
}

function expectKKT(K: Float64Array, a: number, g: Float64Array, res: KernelQPResult, constraint: QPConstraint, mass: number, tol = 1e-9) {
  const k = kktResiduals(K, a, g, res.beta, constraint, mass);
  expect(k.stationarity).toBeLessThanOrEqual(tol);
  expect(k.complementarity).toBeLessThanOrEqual(tol);
  expect(k.primalFeasibility).toBeLessThanOrEqual(tol);
  expect(res.converged).toBe(true);
  for (const b of res.beta) expect(b).toBeGreaterThanOrEqual(0);
  expect(res.objective).toBeCloseTo(objective(K, a, g, res.beta), 10);
  return k;
}

function expectInputError(f: () => unknown, field: string) {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(InputError);
  expect((err as InputError).field).toBe(field);
}

const constraints: QPConstraint[] = ['simplex', 'orthant'];

// ---------------------------------------------------------------- projections

describe('projectSimplex', () => {
  it('satisfies the KKT characterisation β = max(v − θ, 0), Σβ = m', () => {
    const R = rng(1);
    for (const n of [1, 2, 3, 7, 50, 1000]) {
      for (const mass of [1, 0.3, 7]) {
        for (const scale of [1e-3, 1, 100]) {
          const v = randomVec(R, n, scale);
          const b = projectSimplex(v, undefined, mass);
          const theta = simplexThreshold(v, mass);
          let sum = 0;
          let worst = 0; // max violation of: βᵢ ≥ 0; βᵢ > 0 ⇒ vᵢ − βᵢ = θ; βᵢ = 0 ⇒ vᵢ ≤ θ
          for (let i = 0; i < n; i++) {
            sum += b[i]!;
            worst = Math.max(worst, -b[i]!, b[i]! > 0 ? Math.abs(v[i]! - b[i]! - theta) : v[i]! - theta);
          }
          expect(worst).toBeLessThanOrEqual(1e-12 * (scale + mass));
          expect(Math.abs(sum - mass)).toBeLessThanOrEqual(1e-12 * mass * Math.max(1, n / 100));
        }
      }
    }
  });

  it('is no farther from v than random feasible points and local feasible perturbations', () => {
    const R = rng(2);
    for (const n of [2, 5, 20]) {
      for (let rep = 0; rep < 20; rep++) {
        const mass = 0.5 + 2 * R.uniform();
        const v = randomVec(R, n, 1 + 3 * R.uniform());
        const p = projectSimplex(v, undefined, mass);
        const dist = (b: Float64Array) => b.reduce((s, bi, i) => s + (bi - v[i]!) ** 2, 0);
        const d0 = dist(p);
        let closest = Infinity;
        for (let k = 0; k < 200; k++) closest = Math.min(closest, dist(randomFeasible(R, n, 'simplex', mass, 1)));
        for (let k = 0; k < 200; k++) {
          // move mass t from i to j: stays feasible
          const i = Math.floor(R.uniform() * n);
          const j = Math.floor(R.uniform() * n);
          const t = p[i]! * R.uniform();
          const q = p.slice();
          q[i] -= t;
          q[j] += t;
          closest = Math.min(closest, dist(q));
        }
        expect(d0).toBeLessThanOrEqual(closest + 1e-12);
      }
    }
  });

  it('leaves points of the simplex (vertices, faces, interior) in place', () => {
    const R = rng(3);
    for (const n of [1, 4, 30]) {
      for (const mass of [1, 2.5]) {
        const v = randomFeasible(R, n, 'simplex', mass, 1);
        const p = projectSimplex(v, undefined, mass);
        for (let i = 0; i < n; i++) expect(Math.abs(p[i]! - v[i]!)).toBeLessThanOrEqual(4e-16 * mass * n);
        const e = new Float64Array(n);
        e[n - 1] = mass;
        expect(Array.from(projectSimplex(e, undefined, mass))).toEqual(Array.from(e));
      }
    }
  });

  it('handles ties, shifts and in-place output', () => {
    for (const x of projectSimplex(new Float64Array([1, 1, 1]))) expect(x).toBeCloseTo(1 / 3, 15);
    expect(Array.from(projectSimplex(new Float64Array([-100, -101])))).toEqual([1, 0]);
    expect(Array.from(projectSimplex(new Float64Array([5]), undefined, 3))).toEqual([3]);
    // invariance under v → v + c·1
    const v = new Float64Array([0.3, -0.2, 0.9, 0.1]);
    const p1 = projectSimplex(v);
    const p2 = projectSimplex(v.map((x) => x + 1000));
    for (let i = 0; i < 4; i++) expect(p2[i]).toBeCloseTo(p1[i]!, 12);
    const w = v.slice();
    const out = projectSimplex(w, w);
    expect(out).toBe(w);
    expect(Array.from(out)).toEqual(Array.from(p1));
  });

  it('projectOrthant is max(v, 0)', () => {
    const v = new Float64Array([-1, 0, 2.5, -0, 1e-300]);
    expect(Array.from(projectOrthant(v))).toEqual([0, 0, 2.5, 0, 1e-300]);
    expect(Object.is(projectOrthant(v)[3], 0)).toBe(true);
  });

  it('rejects bad input naming the field', () => {
    expectInputError(() => projectSimplex(new Float64Array([1, Number.NaN])), 'v[1]');
    expectInputError(() => projectSimplex(new Float64Array([1, 2]), undefined, 0), 'mass');
    expectInputError(() => projectSimplex(new Float64Array([1, 2]), undefined, -1), 'mass');
    expectInputError(() => projectSimplex(new Float64Array([1, 2]), new Float64Array(3)), 'out.length');
    expectInputError(() => projectSimplex(new Float64Array(0)), 'v.length');
    expectInputError(() => projectSimplex([1, 2] as unknown as Float64Array), 'v');
    expectInputError(() => projectOrthant(new Float64Array([Number.POSITIVE_INFINITY])), 'v[0]');
  });
});

// ---------------------------------------------------------------- KKT checker

describe('kktResiduals', () => {
  it('is zero at the closed-form solutions for K = I and certifies the gap elsewhere', () => {
    const R = rng(4);
    const n = 12;
    const K = new Float64Array(n * n);
    for (let i = 0; i < n; i++) K[i * n + i] = 1;
    const a = 2.5;
    const mass = 1.7;
    const g = randomVec(R, n, 3);
    // min ½a‖β‖² − gᵀβ = (a/2)‖β − g/a‖² + const: the projection of g/a
    const star = projectSimplex(g.map((x) => x / a), undefined, mass);
    const k0 = kktResiduals(K, a, g, star, 'simplex', mass);
    expect(Math.max(k0.stationarity, k0.complementarity, k0.primalFeasibility)).toBeLessThan(1e-15);
    const qStar = objective(K, a, g, star);
    for (let rep = 0; rep < 50; rep++) {
      const b = randomFeasible(R, n, 'simplex', mass, 1);
      const k = kktResiduals(K, a, g, b, 'simplex', mass);
      // q(β) − min q ≤ m·S·stationarity
      expect(objective(K, a, g, b) - qStar).toBeLessThanOrEqual(mass * k.scale * k.stationarity * (1 + 1e-12) + 1e-12);
      expect(k.stationarity).toBeGreaterThan(0);
    }
    const ostar = projectOrthant(g.map((x) => x / a));
    const k1 = kktResiduals(K, a, g, ostar, 'orthant');
    expect(Math.max(k1.stationarity, k1.complementarity, k1.primalFeasibility)).toBeLessThan(1e-15);
    const bad = ostar.slice();
    bad[0] = -1;
    expect(kktResiduals(K, a, g, bad, 'orthant').primalFeasibility).toBeGreaterThan(0.1);
  });

  it('rejects bad input naming the field', () => {
    const K = new Float64Array([1, 0, 0, 1]);
    const g = new Float64Array([1, 1]);
    expectInputError(() => kktResiduals(K, 1, g, new Float64Array(3), 'simplex'), 'beta.length');
    expectInputError(() => kktResiduals(K, 1, g, new Float64Array([0, Number.NaN]), 'simplex'), 'beta[1]');
    expectInputError(() => kktResiduals(K, 0, g, new Float64Array(2), 'simplex'), 'a');
  });
});

// ---------------------------------------------------------------- QP solver

describe('solveKernelQP', () => {
  it('matches the closed form for K = I (projection of g/a)', () => {
    const R = rng(5);
    for (const n of [1, 3, 40]) {
      const K = new Float64Array(n * n);
      for (let i = 0; i < n; i++) K[i * n + i] = 1;
      const a = 0.7;
      const g = randomVec(R, n, 2);
      const s = solveKernelQP({ K, a, g, constraint: 'simplex', mass: 2 });
      const ps = projectSimplex(g.map((x) => x / a), undefined, 2);
      for (let i = 0; i < n; i++) expect(s.beta[i]).toBeCloseTo(ps[i]!, 10); // tol 1e-12 on the scaled residual
      const o = solveKernelQP({ K, a, g, constraint: 'orthant' });
      for (let i = 0; i < n; i++) expect(o.beta[i]).toBeCloseTo(Math.max(0, g[i]! / a), 10);
    }
  });

  it('reaches KKT ≤ 1e-9 on well-conditioned SPD K and beats random feasible points and long PGD', () => {
    const R = rng(6);
    for (let rep = 0; rep < 4; rep++) {
      const n = 25;
      const K = spd(R, n, 0.1);
      const a = 0.5 + 2 * R.uniform();
      const g = randomVec(R, n);
      for (const constraint of constraints) {
        const mass = 1.3;
        const res = solveKernelQP({ K, a, g, constraint, mass });
        expectKKT(K, a, g, res, constraint, mass);
        const q = res.objective;
        const hint = res.beta.reduce((s, b) => s + b, 0) + 1;
        let qmin = Infinity;
        for (let k = 0; k < 500; k++) qmin = Math.min(qmin, objective(K, a, g, randomFeasible(R, n, constraint, mass, hint)));
        expect(q).toBeLessThanOrEqual(qmin + 1e-12);
        // strongly convex: PGD converges linearly, so the two must agree closely
        const qp = objective(K, a, g, pgd(K, a, g, constraint, mass, 3000));
        expect(q).toBeLessThanOrEqual(qp + 1e-12);
        expect(qp - q).toBeLessThan(1e-9);
      }
    }
  });

  it('reaches KKT ≤ 1e-9 on singular Gaussian K (duplicated and 1e-8-close points)', () => {
    const R = rng(7);
    for (const [n, sigma] of [
      [200, 1],
      [120, 10],
      [80, 0.3],
    ] as const) {
      const X = duplicatedPoints(R, n, 2);
      const K = gaussK(X, n, 2, sigma);
      const c = new Float64Array(n).map(() => R.uniform());
      const kc = matvec(K, c);
      for (const noise of [0, 1e-3]) {
        const g = kc.map((x) => (2 * x) / n + noise * R.normal());
        for (const constraint of constraints) {
          const a = 1.5;
          const res = solveKernelQP({ K, a, g, constraint });
          expectKKT(K, a, g, res, constraint, 1);
          const hint = res.beta.reduce((s, b) => s + b, 0) + 1;
          let qmin = Infinity;
          for (let k = 0; k < 100; k++) qmin = Math.min(qmin, objective(K, a, g, randomFeasible(R, n, constraint, 1, hint)));
          expect(res.objective).toBeLessThanOrEqual(qmin + 1e-12);
          if (n <= 120) {
            const qp = objective(K, a, g, pgd(K, a, g, constraint, 1, 400));
            expect(res.objective).toBeLessThanOrEqual(qp + 1e-12);
          }
        }
      }
    }
  });

  it('handles low-rank K with mixed signs, wide bandwidths and the (conditionally PD) energy kernel', () => {
    const R = rng(8);
    const n = 60;
    // rank-2 K = AAᵀ on the simplex (bounded there)
    const A = randomVec(R, 2 * n);
    const Klr = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Klr[i * n + j] = A[2 * i]! * A[2 * j]! + A[2 * i + 1]! * A[2 * j + 1]!;
    const g = randomVec(R, n);
    expectKKT(Klr, 1, g, solveKernelQP({ K: Klr, a: 1, g, constraint: 'simplex' }), 'simplex', 1);
    // energy kernel −|x − y| (K_ii = 0, not PSD, but PSD on {1ᵀv = 0}): fine on the simplex
    const X = randomVec(R, 2 * n);
    const Ke = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) Ke[i * n + j] = -Math.hypot(X[2 * i]! - X[2 * j]!, X[2 * i + 1]! - X[2 * j + 1]!);
    }
    const res = solveKernelQP({ K: Ke, a: 2, g, constraint: 'simplex' });
    expectKKT(Ke, 2, g, res, 'simplex', 1);
    let qmin = Infinity;
    for (let k = 0; k < 200; k++) qmin = Math.min(qmin, objective(Ke, 2, g, randomFeasible(R, n, 'simplex', 1, 1)));
    expect(res.objective).toBeLessThanOrEqual(qmin + 1e-12);
    // σ = 1000: K ≈ 11ᵀ to 1e-7
    const Kw = gaussK(X, n, 2, 1000);
    for (const constraint of constraints) expectKKT(Kw, 3, g, solveKernelQP({ K: Kw, a: 3, g, constraint }), constraint, 1);
  });

  it('equals brute-force enumeration of supports for n ≤ 6', () => {
    const R = rng(9);
    for (let rep = 0; rep < 40; rep++) {
      const n = 1 + (rep % 6);
      const dup = rep % 3 === 2;
      const K = dup ? gaussK(duplicatedPoints(R, n, 1), n, 1, 0.8) : spd(R, n, 0.05);
      const a = 0.3 + 3 * R.uniform();
      const g = randomVec(R, n);
      const mass = 0.5 + R.uniform();
      for (const constraint of constraints) {
        const res = solveKernelQP({ K, a, g, constraint, mass });
        expectKKT(K, a, g, res, constraint, mass);
        const bf = bruteForce(K, a, g, constraint, mass);
        const tol = 1e-12 * (1 + Math.abs(bf.q));
        expect(res.objective).toBeLessThanOrEqual(bf.q + tol); // always (singular supports are skipped)
        if (!dup) {
          expect(res.objective).toBeGreaterThanOrEqual(bf.q - tol);
          for (let i = 0; i < n; i++) expect(res.beta[i]).toBeCloseTo(bf.beta[i]!, 8); // unique minimiser
        }
      }
    }
  });

  it('agrees with the scipy fixtures (nnls / SLSQP support + exact polish)', () => {
    for (const name of ['simplex_a', 'simplex_b', 'orthant_a']) {
      const fx = JSON.parse(readFileSync(new URL(`./fixtures/qp_${name}.json`, import.meta.url), 'utf8')) as {
        constraint: QPConstraint;
        a: number;
        mass: number;
        sigma: number;
        n: number;
        X: number[];
        g: number[];
        beta: number[];
        objective: number;
      };
      const K = gaussK(Float64Array.from(fx.X), fx.n, 2, fx.sigma);
      const g = Float64Array.from(fx.g);
      const res = solveKernelQP({ K, a: fx.a, g, constraint: fx.constraint, mass: fx.mass });
      expectKKT(K, fx.a, g, res, fx.constraint, fx.mass);
      expect(Math.abs(res.objective - fx.objective)).toBeLessThanOrEqual(1e-10 * Math.abs(fx.objective));
      for (let i = 0; i < fx.n; i++) expect(Math.abs(res.beta[i]! - fx.beta[i]!)).toBeLessThan(1e-7);
    }
  });

  it('uses warm starts: from the solution it stops at once, from a random point it finds the same minimum', () => {
    const R = rng(10);
    const n = 150;
    const K = gaussK(randomVec(R, 2 * n), n, 2, 1);
    const g = matvec(K, new Float64Array(n).fill(1 / n)).map((x) => x + 0.01 * R.normal());
    for (const constraint of constraints) {
      const cold = solveKernelQP({ K, a: 2, g, constraint });
      const again = solveKernelQP({ K, a: 2, g, constraint, warmStart: cold.beta });
      expect(again.converged).toBe(true);
      expect(again.iterations).toBeLessThanOrEqual(3);
      expect(Math.abs(again.objective - cold.objective)).toBeLessThanOrEqual(1e-12 * Math.abs(cold.objective));
      const w = new Float64Array(n).map(() => (R.uniform() < 0.1 ? R.uniform() : -1)); // projected first
      const warm = solveKernelQP({ K, a: 2, g, constraint, warmStart: w });
      expectKKT(K, 2, g, warm, constraint, 1);
      expect(Math.abs(warm.objective - cold.objective)).toBeLessThanOrEqual(1e-11 * Math.abs(cold.objective));
    }
  });

  it('dense warm starts and dense solutions stay cheap (crash step, batched additions)', () => {
    const R = rng(13);
    const n = 300;
    const X = randomVec(R, 2 * n);
    // σ = 1: the solution is sparse; a uniform warm start is crashed, not walked down index by index
    const K = gaussK(X, n, 2, 1);
    const g = matvec(K, new Float64Array(n).map(() => R.uniform() / n)).map((x) => x + 1e-3 * R.normal());
    const cold = solveKernelQP({ K, a: 3, g, constraint: 'simplex' });
    const warm = solveKernelQP({ K, a: 3, g, constraint: 'simplex', warmStart: new Float64Array(n).fill(1 / n) });
    expectKKT(K, 3, g, warm, 'simplex', 1);
    expect(cold.support).toBeLessThan(n / 3);
    expect(warm.iterations).toBeLessThan(n / 2);
    expect(Math.abs(warm.objective - cold.objective)).toBeLessThanOrEqual(1e-11 * Math.abs(cold.objective));
    // σ = 0.02: K ≈ I, the solution is dense; additions come in doubling batches
    const Ki = gaussK(X, n, 2, 0.02);
    const gi = new Float64Array(n).map(() => 1 + 0.1 * R.normal());
    for (const constraint of constraints) {
      const res = solveKernelQP({ K: Ki, a: 1, g: gi, constraint, mass: n });
      expectKKT(Ki, 1, gi, res, constraint, n);
      expect(res.support).toBeGreaterThan(n / 2);
      expect(res.iterations).toBeLessThan(40);
    }
  });

  it('degenerate cases: K = 0 (a linear programme), n = 1, and an unbounded orthant problem', () => {
    const g = new Float64Array([0.3, 2, -1, 1.9]);
    const lp = solveKernelQP({ K: new Float64Array(16), a: 1, g, constraint: 'simplex', mass: 3 });
    expect(Array.from(lp.beta)).toEqual([0, 3, 0, 0]);
    expect(lp.converged).toBe(true);
    const one = solveKernelQP({ K: new Float64Array([2]), a: 1, g: new Float64Array([-5]), constraint: 'simplex', mass: 4 });
    expect(Array.from(one.beta)).toEqual([4]);
    const zero = solveKernelQP({ K: new Float64Array([2]), a: 1, g: new Float64Array([-5]), constraint: 'orthant' });
    expect(Array.from(zero.beta)).toEqual([0]);
    // K(1,1) = 0 and gᵀ(1,1) > 0: q → −∞ along β = t(1, 1); reported, not hidden
    const unb = solveKernelQP({ K: new Float64Array([1, -1, -1, 1]), a: 1, g: new Float64Array([1, 1]), constraint: 'orthant' });
    expect(unb.converged).toBe(false);
    expect(unb.kkt.stationarity).toBeGreaterThan(0.1);
  });

  it('rejects bad input naming the field', () => {
    const K = new Float64Array([2, 1, 1, 2]);
    const g = new Float64Array([1, 0]);
    const base = { K, a: 1, g, constraint: 'simplex' as const };
    expectInputError(() => solveKernelQP({ ...base, K: new Float64Array(3) }), 'K.length');
    expectInputError(() => solveKernelQP({ ...base, K: new Float64Array(9) }), 'g.length');
    expectInputError(() => solveKernelQP({ ...base, g: new Float64Array(3) }), 'g.length');
    expectInputError(() => solveKernelQP({ ...base, K: new Float64Array([2, 1, Number.NaN, 2]) }), 'K[1][0]');
    expectInputError(() => solveKernelQP({ ...base, K: new Float64Array([2, 1, 0.5, 2]) }), 'K[0][1]');
    expectInputError(() => solveKernelQP({ ...base, g: new Float64Array([1, Number.NaN]) }), 'g[1]');
    expectInputError(() => solveKernelQP({ ...base, a: 0 }), 'a');
    expectInputError(() => solveKernelQP({ ...base, a: -2 }), 'a');
    expectInputError(() => solveKernelQP({ ...base, a: Number.NaN }), 'a');
    expectInputError(() => solveKernelQP({ ...base, mass: 0 }), 'mass');
    expectInputError(() => solveKernelQP({ ...base, mass: -1 }), 'mass');
    expectInputError(() => solveKernelQP({ ...base, constraint: 'box' as QPConstraint }), 'constraint');
    expectInputError(() => solveKernelQP({ ...base, warmStart: new Float64Array(3) }), 'warmStart.length');
    expectInputError(() => solveKernelQP({ ...base, warmStart: new Float64Array([Number.NaN, 1]) }), 'warmStart[0]');
    expectInputError(() => solveKernelQP({ ...base, tol: 0 }), 'tol');
    expectInputError(() => solveKernelQP({ ...base, maxIter: 0 }), 'maxIter');
    expectInputError(() => solveKernelQP({ ...base, K: [2, 1, 1, 2] as unknown as Float64Array }), 'K');
    // not positive semidefinite on the simplex directions: vᵀKv < 0 for v = (1, −1)
    expectInputError(
      () => solveKernelQP({ K: new Float64Array([1, 3, 3, 1]), a: 1, g, constraint: 'simplex', warmStart: new Float64Array([0.5, 0.5]) }),
      'K',
    );
    // indefinite on the orthant, met when the second index enters
    expectInputError(() => solveKernelQP({ K: new Float64Array([1, -2, -2, 1]), a: 1, g: new Float64Array([1, 1]), constraint: 'orthant' }), 'K');
  });
});

// ---------------------------------------------------------------- MMD step

describe('mmdStepQP', () => {
  function problem(seed: number, n: number, m: number, sigma: number) {
    const R = rng(seed);
    const X = randomVec(R, 2 * n).map((x) => x + 2);
    const Y = randomVec(R, 2 * m);
    const K = gaussK(X, n, 2, sigma);
    const kxyMean = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let l = 0; l < m; l++) s += Math.exp(-((X[2 * i]! - Y[2 * l]!) ** 2 + (X[2 * i + 1]! - Y[2 * l + 1]!) ** 2) / (2 * sigma * sigma));
      kxyMean[i] = s / m;
    }
    const alpha = new Float64Array(n).map(() => R.uniform());
    const s = alpha.reduce((u, v) => u + v, 0);
    return { K, kxyMean, alpha: alpha.map((v) => v / s) };
  }

  it('is solveKernelQP with a = 1 + 1/η, g = K_XY1/m + Kα/η, and lowers the step objective', () => {
    for (const sigma of [1, 5]) {
      const { K, kxyMean, alpha } = problem(11, 150, 100, sigma);
      const eta = 0.1;
      const res = mmdStepQP({ K, kxyMean, alpha, eta });
      const a = 1 + 1 / eta;
      const ka = matvec(K, alpha);
      const g = kxyMean.map((v, i) => v + ka[i]! / eta);
      expectKKT(K, a, g, res, 'simplex', 1);
      const direct = solveKernelQP({ K, a, g, constraint: 'simplex' });
      expect(res.objective).toBeCloseTo(direct.objective, 12);
      // ½MMD²(β, π̂) + MMD²(β, α)/(2η) up to a constant equals q(β): β no worse than α
      const step = (b: Float64Array) => {
        const kb = matvec(K, b);
        let v = 0;
        for (let i = 0; i < b.length; i++) v += 0.5 * b[i]! * kb[i]! - b[i]! * kxyMean[i]! + (0.5 / eta) * (b[i]! - alpha[i]!) * (kb[i]! - ka[i]!);
        return v;
      };
      expect(step(res.beta)).toBeLessThanOrEqual(step(alpha) + 1e-14);
      expect(step(res.beta) - res.objective).toBeCloseTo(step(alpha) - objective(K, a, g, alpha), 10);
      const orth = mmdStepQP({ K, kxyMean, alpha, eta, constraint: 'orthant' });
      expectKKT(K, a, g, orth, 'orthant', 1);
    }
  });

  it('rejects bad input naming the field', () => {
    const { K, kxyMean, alpha } = problem(12, 5, 5, 1);
    expectInputError(() => mmdStepQP({ K, kxyMean, alpha, eta: 0 }), 'eta');
    expectInputError(() => mmdStepQP({ K, kxyMean, alpha: new Float64Array(4), eta: 1 }), 'alpha.length');
    expectInputError(() => mmdStepQP({ K: new Float64Array(24), kxyMean, alpha, eta: 1 }), 'K.length');
    expectInputError(() => mmdStepQP({ K, kxyMean: new Float64Array([0, 0, Number.NaN, 0, 0]), alpha, eta: 1 }), 'kxyMean[2]');
  });
});
