/**
 * Small helpers shared by the flow-layer tests (energies, flows, presets, spec). Every
 * reference computed here is independent of the code under test: finite differences,
 * a bisection simplex projection, dense kernel algebra written out by hand.
 */
import type { ParticleMeasure } from '../src/core/measure.js';
import type { Rng } from '../src/core/rng.js';
import type { Kernel } from '../src/kernels/kernel.js';

/** Random positions X [n, d] ~ scale·N(0, I) and random weights on P (or M+ with mass `mass`). */
export function randomMeasure(r: Rng, n: number, d: number, scale = 1, mass = 1, uniform = false): ParticleMeasure {
  const X = new Float64Array(n * d);
  for (let i = 0; i < X.length; i++) X[i] = scale * r.normal();
  const w = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    w[i] = uniform ? 1 : 0.3 + r.uniform();
    s += w[i]!;
  }
  for (let i = 0; i < n; i++) w[i] = (w[i]! * mass) / s;
  return { n, d, X, w };
}

/** A seeded direction [len] with N(0, 1) entries. */
export function randomDirection(r: Rng, len: number): Float64Array {
  return r.fillNormal(new Float64Array(len));
}

/** A zero-sum direction [n] (projection of a Gaussian vector onto {Σδ = 0}). */
export function zeroSumDirection(r: Rng, n: number): Float64Array {
  const v = r.fillNormal(new Float64Array(n));
  let m = 0;
  for (let i = 0; i < n; i++) m += v[i]!;
  m /= n;
  for (let i = 0; i < n; i++) v[i] = v[i]! - m;
  return v;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function axpy(x: Float64Array, a: number, u: ArrayLike<number>): Float64Array {
  const out = x.slice();
  for (let i = 0; i < out.length; i++) out[i] = out[i]! + a * u[i]!;
  return out;
}

/** Central difference (f(h) − f(−h)) / 2h. */
export function central(f: (h: number) => number, h: number): number {
  return (f(h) - f(-h)) / (2 * h);
}

/** Max |a − b|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

export function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

/** k(x, y) written out from the kernel formulas of docs/math.md §2 (independent of src/kernels). */
export function kernelRef(ker: Kernel, x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let a = 0; a < x.length; a++) s += (x[a]! - y[a]!) ** 2;
  const r = Math.sqrt(s);
  switch (ker.kind) {
    case 'gaussian':
      return Math.exp(-s / (2 * ker.sigma ** 2));
    case 'imq':
      return (1 + s / ker.sigma ** 2) ** -(ker.beta ?? 0.5);
    case 'laplace':
      return Math.exp(-r / ker.sigma);
    case 'matern32': {
      const t = (Math.sqrt(3) * r) / ker.sigma;
      return (1 + t) * Math.exp(-t);
    }
    case 'energy':
      return -(r ** (ker.beta ?? 1));
  }
}

/** Dense kernel matrix K_ij = k(x_i, y_j) [n, m] by the reference formula. */
export function gram(ker: Kernel, X: Float64Array, Y: Float64Array, d: number): Float64Array {
  const n = X.length / d;
  const m = Y.length / d;
  const K = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) K[i * m + j] = kernelRef(ker, X.subarray(i * d, i * d + d), Y.subarray(j * d, j * d + d));
  return K;
}

/** ½MMD² between Σwᵢδ_{xᵢ} and Σνₗδ_{yₗ} by dense matrices (reference). */
export function halfMmdSqRef(ker: Kernel, X: Float64Array, w: Float64Array, Y: Float64Array, nu: Float64Array, d: number): number {
  const n = w.length;
  const m = nu.length;
  const Kxx = gram(ker, X, X, d);
  const Kxy = gram(ker, X, Y, d);
  const Kyy = gram(ker, Y, Y, d);
  let a = 0;
  let b = 0;
  let c = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a += w[i]! * w[j]! * Kxx[i * n + j]!;
  for (let i = 0; i < n; i++) for (let l = 0; l < m; l++) b += w[i]! * nu[l]! * Kxy[i * m + l]!;
  for (let l = 0; l < m; l++) for (let k = 0; k < m; k++) c += nu[l]! * nu[k]! * Kyy[l * m + k]!;
  return 0.5 * (a - 2 * b + c);
}

/**
 * Euclidean projection onto {β ≥ 0, Σβ = mass} by bisection on the threshold θ of
 * Σ max(vᵢ − θ, 0) = mass (independent of the sort-based algorithm in src/solvers).
 */
export function projectSimplexBisection(v: Float64Array, mass = 1): Float64Array {
  let lo = Math.min(...v) - mass;
  let hi = Math.max(...v);
  const f = (t: number) => {
    let s = 0;
    for (let i = 0; i < v.length; i++) s += Math.max(v[i]! - t, 0);
    return s - mass;
  };
  for (let it = 0; it < 200; it++) {
    const mid = 0.5 * (lo + hi);
    if (f(mid) > 0) lo = mid;
    else hi = mid;
  }
  const t = 0.5 * (lo + hi);
  return v.map((x) => Math.max(x - t, 0));
}

/** Mean [d] and covariance [d, d] of the rows of X [n, d] (uniform weights). */
export function sampleMoments(X: Float64Array, d: number): { mean: Float64Array; cov: Float64Array } {
  const n = X.length / d;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) mean[a] = mean[a]! + X[i * d + a]! / n;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < d; a++)
      for (let b = 0; b < d; b++) cov[a * d + b] = cov[a * d + b]! + ((X[i * d + a]! - mean[a]!) * (X[i * d + b]! - mean[b]!)) / (n - 1);
  return { mean, cov };
}

/** Solves A x = b for a small dense A [n, n] by Gaussian elimination with partial pivoting. */
export function solveDense(A: Float64Array, b: Float64Array): Float64Array {
  const n = b.length;
  const M = A.slice();
  const x = b.slice();
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r * n + c]!) > Math.abs(M[p * n + c]!)) p = r;
    if (p !== c) {
      for (let k = 0; k < n; k++) [M[c * n + k], M[p * n + k]] = [M[p * n + k]!, M[c * n + k]!];
      [x[c], x[p]] = [x[p]!, x[c]!];
    }
    for (let r = c + 1; r < n; r++) {
      const f = M[r * n + c]! / M[c * n + c]!;
      for (let k = c; k < n; k++) M[r * n + k] = M[r * n + k]! - f * M[c * n + k]!;
      x[r] = x[r]! - f * x[c]!;
    }
  }
  for (let c = n - 1; c >= 0; c--) {
    let s = x[c]!;
    for (let k = c + 1; k < n; k++) s -= M[c * n + k]! * x[k]!;
    x[c] = s / M[c * n + c]!;
  }
  return x;
}
