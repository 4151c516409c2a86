import { InputError } from '../core/errors.js';
import { hypot2 } from '../core/math.js';
import type { Rng } from '../core/rng.js';
import { batchRows, checkSampleCount, outArray, type Target } from './target.js';

/** Options of `donutTarget`. */
export interface DonutOptions {
  /** Ring radius r > 0. Default 2.5. */
  r?: number;
  /** Radial standard deviation s > 0. Default 0.3. */
  s?: number;
  /** Name used in error messages. Default "target". */
  field?: string;
}

/** The 2-D donut (annulus) target: log density, score and an exact sampler. */
export interface DonutTarget extends Target {
  readonly kind: 'donut';
  readonly r: number;
  readonly s: number;
  readonly mean: Float64Array;
  logDensity(X: Float64Array, out?: Float64Array): Float64Array;
  score(X: Float64Array, out?: Float64Array): Float64Array;
  sample(r: Rng, n: number): Float64Array;
}

/**
 * The donut on ℝ²: π(x) ∝ exp(−(|x| − r)²/(2s²)), a ring of radius r and radial width s.
 *
 * - `logDensity`: log π(x) = −(|x| − r)²/(2s²) (unnormalised: the constant is dropped);
 * - `score`: ∇log π(x) = −(|x| − r)/s² · x/|x|, and 0 at x = 0 (where it is not defined);
 * - `sample` (exact, by rejection): the angle is uniform; the radius ρ has density
 *   ∝ ρ·exp(−(ρ − r)²/(2s²)) on ρ > 0, drawn as ρ ~ N(r, s²) accepted with probability
 *   ρ/(r + 10s) when 0 < ρ < r + 10s (the tail beyond 10s, mass < 1e-23, is cut);
 * - `mean` = 0 (by symmetry).
 * Cost O(n).
 */
export function donutTarget(opts: DonutOptions = {}): DonutTarget {
  const field = opts.field ?? 'target';
  const r = opts.r ?? 2.5;
  const s = opts.s ?? 0.3;
  if (typeof r !== 'number' || !Number.isFinite(r) || r <= 0) throw new InputError(`${field}.r`, r, 'a finite number > 0');
  if (typeof s !== 'number' || !Number.isFinite(s) || s <= 0) throw new InputError(`${field}.s`, s, 'a finite number > 0');
  const s2 = s * s;
  const rhoMax = r + 10 * s;
  return {
    kind: 'donut',
    d: 2,
    r,
    s,
    mean: new Float64Array(2),
    logDensity(X, out) {
      const n = batchRows(X, 2);
      const res = outArray(out, n);
      for (let i = 0; i < n; i++) {
        const u = hypot2(X[2 * i]!, X[2 * i + 1]!) - r;
        res[i] = (-0.5 * u * u) / s2;
      }
      return res;
    },
    score(X, out) {
      const n = batchRows(X, 2);
      const res = outArray(out, 2 * n);
      for (let i = 0; i < n; i++) {
        const x = X[2 * i]!;
        const y = X[2 * i + 1]!;
        const rho = hypot2(x, y);
        const f = rho > 0 ? -(rho - r) / (s2 * rho) : 0;
        res[2 * i] = f * x;
        res[2 * i + 1] = f * y;
      }
      return res;
    },
    sample(g, n) {
      checkSampleCount(n);
      const res = new Float64Array(2 * n);
      for (let i = 0; i < n; i++) {
        let rho: number;
        do rho = r + s * g.normal();
        while (!(rho > 0 && rho < rhoMax && g.uniform() * rhoMax < rho));
        // a uniform direction from a normalised Gaussian pair (no trigonometry: engine-independent)
        let a: number;
        let b: number;
        let m: number;
        do {
          a = g.normal();
          b = g.normal();
          m = hypot2(a, b);
        } while (m === 0);
        res[2 * i] = (rho * a) / m;
        res[2 * i + 1] = (rho * b) / m;
      }
      return res;
    },
  };
}

