import { InputError } from '../core/errors.js';
import { log } from '../core/math.js';
import type { Rng } from '../core/rng.js';
import { batchRows, checkSampleCount, outArray, type Target } from './target.js';

/** Options of `squiggleTarget`. */
export interface SquiggleOptions {
  /** Amplitude a of the wave. Default 1.5. */
  a?: number;
  /** Angular frequency ω of the wave. Default 2. */
  omega?: number;
  /** Standard deviation s₁ > 0 of x₁. Default 1.5. */
  s1?: number;
  /** Standard deviation s₂ > 0 across the wave. Default 0.3. */
  s2?: number;
  /** Name used in error messages. Default "target". */
  field?: string;
}

/** The 2-D squiggle (a Gaussian bent along a sine wave): every optional member of `Target` is present. */
export interface SquiggleTarget extends Target {
  readonly kind: 'squiggle';
  readonly mean: Float64Array;
  logDensity(X: Float64Array, out?: Float64Array): Float64Array;
  score(X: Float64Array, out?: Float64Array): Float64Array;
  sample(r: Rng, n: number): Float64Array;
}

/**
 * The squiggle on ℝ²: x₁ ~ N(0, s₁²) and x₂ | x₁ ~ N(a·sin(ωx₁), s₂²), i.e. N(0, diag(s₁², s₂²))
 * pushed through the unit-Jacobian map (y₁, y₂) ↦ (y₁, y₂ + a·sin(ωy₁)). With
 * u = x₂ − a·sin(ωx₁):
 *
 * - `logDensity`: log π(x) = −x₁²/(2s₁²) − u²/(2s₂²) − log(2πs₁s₂) (normalised);
 * - `score`: ∂₁ = −x₁/s₁² + (u/s₂²)·aω·cos(ωx₁), ∂₂ = −u/s₂²;
 * - `sample` (exact): x₁ = s₁z₁, x₂ = a·sin(ωx₁) + s₂z₂;
 * - `mean` = 0 (sin is odd and x₁ symmetric).
 * Uses `Math.sin`/`Math.cos`, which may differ in the last bit between JavaScript engines.
 * Cost O(n).
 */
export function squiggleTarget(opts: SquiggleOptions = {}): SquiggleTarget {
  const field = opts.field ?? 'target';
  const a = opts.a ?? 1.5;
  const w = opts.omega ?? 2;
  const s1 = opts.s1 ?? 1.5;
  const s2 = opts.s2 ?? 0.3;
  if (typeof a !== 'number' || !Number.isFinite(a)) throw new InputError(`${field}.a`, a, 'a finite number');
  if (typeof w !== 'number' || !Number.isFinite(w)) throw new InputError(`${field}.omega`, w, 'a finite number');
  if (typeof s1 !== 'number' || !Number.isFinite(s1) || s1 <= 0) throw new InputError(`${field}.s1`, s1, 'a finite number > 0');
  if (typeof s2 !== 'number' || !Number.isFinite(s2) || s2 <= 0) throw new InputError(`${field}.s2`, s2, 'a finite number > 0');
  const v1 = s1 * s1;
  const v2 = s2 * s2;
  const logNorm = -log(2 * Math.PI * s1 * s2);
  return {
    kind: 'squiggle',
    d: 2,
    mean: new Float64Array(2),
    logDensity(X, out) {
      const n = batchRows(X, 2);
      const res = outArray(out, n);
      for (let i = 0; i < n; i++) {
        const x1 = X[2 * i]!;
        const u = X[2 * i + 1]! - a * Math.sin(w * x1);
        res[i] = logNorm - (x1 * x1) / (2 * v1) - (u * u) / (2 * v2);
      }
      return res;
    },
    score(X, out) {
      const n = batchRows(X, 2);
      const res = outArray(out, 2 * n);
      for (let i = 0; i < n; i++) {
        const x1 = X[2 * i]!;
        const u = X[2 * i + 1]! - a * Math.sin(w * x1);
        res[2 * i] = -x1 / v1 + (u / v2) * a * w * Math.cos(w * x1);
        res[2 * i + 1] = -u / v2;
      }
      return res;
    },
    sample(g, n) {
      checkSampleCount(n);
      const res = new Float64Array(2 * n);
      for (let i = 0; i < n; i++) {
        const x1 = s1 * g.normal();
        res[2 * i] = x1;
        res[2 * i + 1] = a * Math.sin(w * x1) + s2 * g.normal();
      }
      return res;
    },
  };
}
