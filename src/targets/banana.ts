import { InputError } from '../core/errors.js';
import { log } from '../core/math.js';
import type { Rng } from '../core/rng.js';
import { batchRows, checkSampleCount, HALF_LOG_2PI, outArray, type Target } from './target.js';

/** Options of `bananaTarget`. */
export interface BananaOptions {
  /** Dimension d ≥ 2. Default 2. */
  d?: number;
  /** Twist (curvature) b; b = 0 is a Gaussian, b < 0 bends the other way. Default 0.1. */
  b?: number;
  /** Standard deviation s > 0 of x₁. Default 10. */
  s?: number;
  /** Name used in error messages. Default "target". */
  field?: string;
}

/** The twisted-Gaussian target: every optional member of `Target` is present. */
export interface BananaTarget extends Target {
  readonly kind: 'banana';
  readonly b: number;
  readonly s: number;
  readonly mean: Float64Array;
  readonly cov: Float64Array;
  logDensity(X: Float64Array, out?: Float64Array): Float64Array;
  score(X: Float64Array, out?: Float64Array): Float64Array;
  sample(r: Rng, n: number): Float64Array;
}

/**
 * The "banana" (twisted Gaussian) of Haario, Saksman & Tamminen (1999):
 * π = N(0, C) ∘ φ_b with C = diag(s², 1, …, 1) and
 * φ_b(x) = (x₁, x₂ + b(x₁² − s²), x₃, …, x_d). φ_b has unit Jacobian, so with
 * u = x₂ + b(x₁² − s²):
 *
 * - `logDensity`: log π(x) = −x₁²/(2s²) − u²/2 − ½Σₐ≥₃ xₐ² − log s − (d/2) log 2π (normalised);
 * - `score`: ∂₁ = −x₁/s² − 2b·x₁·u, ∂₂ = −u, ∂ₐ = −xₐ (a ≥ 3);
 * - `sample` (exact, by the inverse map): y ~ N(0, C) from d `r.normal()` draws per row,
 *   x₁ = y₁, x₂ = y₂ − b(y₁² − s²), xₐ = yₐ;
 * - `mean` = 0; `cov` = diag(s², 1 + 2b²s⁴, 1, …, 1) (Cov(x₁, x₂) = −b·E y₁³ = 0).
 *
 * Haario et al. use s = 10 (C₁₁ = 100) with b = 0.03 ("moderately twisted") or b = 0.1
 * ("strongly twisted"); the defaults are the latter, in d = 2. Note the sign: with b > 0
 * the banana opens downwards (x₂ ≈ −b·x₁² + b·s²); some texts write x₂ = y₂ + b(x₁² − s²).
 * Cost O(n·d).
 */
export function bananaTarget(opts: BananaOptions = {}): BananaTarget {
  const field = opts.field ?? 'target';
  const d = opts.d ?? 2;
  const b = opts.b ?? 0.1;
  const s = opts.s ?? 10;
  if (typeof d !== 'number' || !Number.isInteger(d) || d < 2) throw new InputError(`${field}.d`, d, 'an integer >= 2');
  if (typeof b !== 'number' || !Number.isFinite(b)) throw new InputError(`${field}.b`, b, 'a finite number');
  if (typeof s !== 'number' || !Number.isFinite(s) || s <= 0) throw new InputError(`${field}.s`, s, 'a finite number > 0');
  const s2 = s * s;
  const logNorm = -log(s) - d * HALF_LOG_2PI;
  const mean = new Float64Array(d);
  const cov = new Float64Array(d * d);
  for (let a = 0; a < d; a++) cov[a * d + a] = 1;
  cov[0] = s2;
  cov[d + 1] = 1 + 2 * b * b * s2 * s2;
  return {
    kind: 'banana',
    d,
    b,
    s,
    mean,
    cov,
    logDensity(X, out) {
      const n = batchRows(X, d);
      const res = outArray(out, n);
      for (let i = 0; i < n; i++) {
        const o = i * d;
        const x1 = X[o]!;
        const u = X[o + 1]! + b * (x1 * x1 - s2);
        let q = (x1 * x1) / s2 + u * u;
        for (let a = 2; a < d; a++) q += X[o + a]! * X[o + a]!;
        res[i] = logNorm - 0.5 * q;
      }
      return res;
    },
    score(X, out) {
      const n = batchRows(X, d);
      const res = outArray(out, n * d);
      for (let i = 0; i < n; i++) {
        const o = i * d;
        const x1 = X[o]!;
        const u = X[o + 1]! + b * (x1 * x1 - s2);
        res[o] = -x1 / s2 - 2 * b * x1 * u;
        res[o + 1] = -u;
        for (let a = 2; a < d; a++) res[o + a] = -X[o + a]!;
      }
      return res;
    },
    sample(r, n) {
      checkSampleCount(n);
      const res = new Float64Array(n * d);
      for (let i = 0; i < n; i++) {
        const o = i * d;
        const y1 = s * r.normal();
        res[o] = y1;
        res[o + 1] = r.normal() - b * (y1 * y1 - s2);
        for (let a = 2; a < d; a++) res[o + a] = r.normal();
      }
      return res;
    },
  };
}
