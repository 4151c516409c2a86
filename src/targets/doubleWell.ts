import { InputError } from '../core/errors.js';
import { exp, fsum, log } from '../core/math.js';
import type { Rng } from '../core/rng.js';
import { batchRows, checkSampleCount, outArray, type Target } from './target.js';

/** Options of `doubleWellTarget`. */
export interface DoubleWellOptions {
  /** Dimension d ≥ 1. Default 1. */
  d?: number;
  /** Name used in error messages. Default "target". */
  field?: string;
}

/** The double-well target: every optional member of `Target` is present. */
export interface DoubleWellTarget extends Target {
  readonly kind: 'double-well';
  readonly mean: Float64Array;
  readonly cov: Float64Array;
  logDensity(X: Float64Array, out?: Float64Array): Float64Array;
  score(X: Float64Array, out?: Float64Array): Float64Array;
  sample(r: Rng, n: number): Float64Array;
}

/**
 * Trapezoid rule for ∫ g(x)·e^{−(x²−1)²} dx over [−4, 4] with 512 intervals. The integrand
 * is entire and its tails beyond |x| = 4 are below e^{−225}, so the rule converges
 * geometrically: 256 and 2048 intervals give the same double.
 */
function quadrature(power: 0 | 2): number {
  const N = 512;
  const a = 4;
  const h = (2 * a) / N;
  const v = new Float64Array(N + 1);
  for (let i = 0; i <= N; i++) {
    const x = -a + i * h;
    const t = x * x - 1;
    const g = power === 0 ? 1 : x * x;
    v[i] = (i === 0 || i === N ? 0.5 : 1) * g * exp(-t * t);
  }
  return h * fsum(v);
}

/**
 * The one-dimensional normalising constant of the double well,
 * Z = ∫_ℝ e^{−(x²−1)²} dx = (π/2)·e^{−1/2}·(I_{−1/4}(½) + I_{1/4}(½)) ≈ 1.9737321500898
 * (I_ν the modified Bessel function), computed here by quadrature (trapezoid rule,
 * accurate to a few ulp). The Gibbs density of V(x) = Σₐ(xₐ² − 1)² in d dimensions is
 * e^{−V(x)}/Zᵈ; in 1-D it is e^{−(x²−1)²}/Z, the curve a histogram of samples is compared with.
 */
export function doubleWellNormalizer(): number {
  return quadrature(0);
}

/** E[x²] = (1/Z)∫x²e^{−(x²−1)²}dx ≈ 0.83274548712838 under the 1-D double well (quadrature as in `doubleWellNormalizer`). */
export function doubleWellSecondMoment(): number {
  return quadrature(2) / quadrature(0);
}

/**
 * The product double well π(x) ∝ e^{−V(x)}, V(x) = Σₐ (xₐ² − 1)², on ℝᵈ: d independent
 * coordinates, each bimodal with modes at ±1 and a barrier of height 1 at 0.
 *
 * - `logDensity`: −V(x) (unnormalised; the normalised value is −V(x) − d·log Z, see
 *   `doubleWellNormalizer`);
 * - `score`: −∇V(x), component a: −4xₐ(xₐ² − 1);
 * - `mean` = 0, `cov` = E[x²]·I with E[x²] from `doubleWellSecondMoment`;
 * - `sample`: exact, every coordinate independently by rejection sampling (below).
 *
 * Rejection sampler for one coordinate, f(x) = e^{−(x²−1)²}. Since f is even, draw
 * y = |x| from f restricted to [0, ∞) and attach a random sign. Envelope for y: the
 * unnormalised N(1, ½) density g(y) = e^{−(y−1)²}. Claim: f(y) ≤ g(y) for all y ≥ 0.
 * Proof: (y²−1)² = (y−1)²(y+1)², so f(y)/g(y) = exp(−(y−1)²[(y+1)² − 1])
 * = exp(−(y−1)²·y·(y+2)), and (y−1)²·y·(y+2) ≥ 0 for y ≥ 0. ∎
 * So: draw y = 1 + z/√2 (z = `r.normal()`); reject if y < 0; otherwise draw u = `r.uniform()`
 * and accept if log u ≤ −(y−1)²·y·(y+2) (our own `log`, so the decision is identical in
 * every engine); then x = ±y with `r.uniform() < ½` choosing −. Accepted y has density
 * ∝ g(y)·(f/g)(y)·1{y ≥ 0} = f(y)·1{y ≥ 0}, hence x ~ f/Z exactly. The acceptance rate is
 * (Z/2)/√π ≈ 0.557 per try. Cost O(n·d) expected.
 */
export function doubleWellTarget(opts: DoubleWellOptions = {}): DoubleWellTarget {
  const field = opts.field ?? 'target';
  const d = opts.d ?? 1;
  if (typeof d !== 'number' || !Number.isInteger(d) || d < 1) throw new InputError(`${field}.d`, d, 'an integer >= 1');
  const m2 = doubleWellSecondMoment();
  const mean = new Float64Array(d);
  const cov = new Float64Array(d * d);
  for (let a = 0; a < d; a++) cov[a * d + a] = m2;
  const SQRT_HALF = Math.SQRT1_2;
  return {
    kind: 'double-well',
    d,
    mean,
    cov,
    logDensity(X, out) {
      const n = batchRows(X, d);
      const res = outArray(out, n);
      for (let i = 0; i < n; i++) {
        const o = i * d;
        let v = 0;
        for (let a = 0; a < d; a++) {
          const t = X[o + a]! * X[o + a]! - 1;
          v += t * t;
        }
        res[i] = -v;
      }
      return res;
    },
    score(X, out) {
      const len = batchRows(X, d) * d;
      const res = outArray(out, len);
      for (let i = 0; i < len; i++) {
        const x = X[i]!;
        res[i] = -4 * x * (x * x - 1);
      }
      return res;
    },
    sample(r, n) {
      checkSampleCount(n);
      const res = new Float64Array(n * d);
      for (let i = 0; i < n * d; i++) {
        let y: number;
        for (;;) {
          y = 1 + SQRT_HALF * r.normal();
          if (y < 0) continue;
          const e = y - 1;
          if (log(r.uniform()) <= -(e * e) * y * (y + 2)) break;
        }
        res[i] = r.uniform() < 0.5 ? -y : y;
      }
      return res;
    },
  };
}
