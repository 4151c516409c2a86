import { InputError } from '../core/errors.js';

/**
 * An external potential V: ℝᵈ → ℝ in batched form. `value` may be absent when only ∇V is
 * known (a target given by its score): energies then cannot report F(µ).
 */
export interface Potential {
  readonly d: number;
  /** V(xᵢ) for X [n, d] → [n]. */
  value?(X: Float64Array, out?: Float64Array): Float64Array;
  /** ∇V(xᵢ) for X [n, d] → [n, d]. */
  grad(X: Float64Array, out?: Float64Array): Float64Array;
  /** Optional Hessian–vector products ∇²V(xᵢ)·uᵢ for X, U [n, d] → [n, d]. */
  hvp?(X: Float64Array, U: Float64Array, out?: Float64Array): Float64Array;
}

/** What a target offers that energies use: the score s = ∇log π and optionally log π (up to a constant). */
export interface ScoreModel {
  readonly d: number;
  /** The score s(x) = ∇log π(x) at the rows of X [n, d], written to `out` [n, d] when given. */
  score?(X: Float64Array, out?: Float64Array): Float64Array;
  /** log π(x) up to an additive constant at the rows of X [n, d] → [n]. */
  logDensity?(X: Float64Array, out?: Float64Array): Float64Array;
  /** Hessian–vector products ∇²log π(xᵢ)·uᵢ for the rows of X and U [n, d] → [n, d]. */
  hvp?(X: Float64Array, U: Float64Array, out?: Float64Array): Float64Array;
}

/** V = −log π (up to a constant), ∇V = −s. Throws if the target has no score. */
export function potentialFromTarget(t: ScoreModel, field = 'target'): Potential {
  const score = t.score?.bind(t);
  if (!score) throw new InputError(`${field}`, 'a sample-only target', 'a target with a score ∇log π (named distribution or user score)');
  const logDensity = t.logDensity?.bind(t);
  const hvp = t.hvp?.bind(t);
  return {
    d: t.d,
    value: logDensity
      ? (X, out) => {
          const r = logDensity(X, out);
          for (let i = 0; i < r.length; i++) r[i] = -r[i]!;
          return r;
        }
      : undefined,
    grad: (X, out) => {
      const r = score(X, out);
      for (let i = 0; i < r.length; i++) r[i] = -r[i]!;
      return r;
    },
    hvp: hvp
      ? (X, U, out) => {
          const r = hvp(X, U, out);
          for (let i = 0; i < r.length; i++) r[i] = -r[i]!;
          return r;
        }
      : undefined,
  };
}

/**
 * Hessian–vector products of log π by central differences of the score:
 * ∇s(xᵢ)uᵢ ≈ [s(xᵢ + εuᵢ) − s(xᵢ − εuᵢ)]/(2ε), ε = 1e-5·(1 + |xᵢ|)/|uᵢ| (per row).
 * Two batched score calls. Used when a target has no analytic Hessian.
 */
export function scoreHvpByDifferences(
  score: (X: Float64Array) => Float64Array,
  X: Float64Array,
  U: Float64Array,
  d: number,
): Float64Array {
  const n = X.length / d;
  const Xp = new Float64Array(X.length);
  const Xm = new Float64Array(X.length);
  const eps = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let nx = 0;
    let nu = 0;
    for (let a = 0; a < d; a++) {
      nx += X[i * d + a]! ** 2;
      nu += U[i * d + a]! ** 2;
    }
    const e = nu > 0 ? (1e-5 * (1 + Math.sqrt(nx))) / Math.sqrt(nu) : 0;
    eps[i] = e;
    for (let a = 0; a < d; a++) {
      Xp[i * d + a] = X[i * d + a]! + e * U[i * d + a]!;
      Xm[i * d + a] = X[i * d + a]! - e * U[i * d + a]!;
    }
  }
  const sp = score(Xp);
  const sm = score(Xm);
  const out = new Float64Array(X.length);
  for (let i = 0; i < n; i++) {
    const e = eps[i]!;
    if (e === 0) continue;
    for (let a = 0; a < d; a++) out[i * d + a] = (sp[i * d + a]! - sm[i * d + a]!) / (2 * e);
  }
  return out;
}
