import { InputError } from '../core/errors.js';
import { exp, log } from '../core/math.js';
import type { Rng } from '../core/rng.js';
import { batchRows, checkSampleCount, outArray, type Target } from './target.js';

/** Options of `funnelTarget`. */
export interface FunnelOptions {
  /** Standard deviation s > 0 of the log-variance coordinate v = x₂. Default 3 (Neal's). */
  s?: number;
  /** Name used in error messages. Default "target". */
  field?: string;
}

/** Neal's funnel in 2-D: every optional member of `Target` is present. */
export interface FunnelTarget extends Target {
  readonly kind: 'funnel';
  readonly s: number;
  readonly mean: Float64Array;
  readonly cov: Float64Array;
  logDensity(X: Float64Array, out?: Float64Array): Float64Array;
  score(X: Float64Array, out?: Float64Array): Float64Array;
  sample(r: Rng, n: number): Float64Array;
}

/**
 * Neal's funnel (Neal, "Slice sampling", 2003) in 2-D, drawn with the wide coordinate
 * horizontal: v = x₂ ~ N(0, s²) and x₁ | v ~ N(0, eᵛ).
 *
 * - `logDensity`: log π(x) = −x₂²/(2s²) − ½x₁²e^{−x₂} − ½x₂ − log(2πs) (normalised);
 * - `score`: ∂₁ = −x₁e^{−x₂}, ∂₂ = −x₂/s² + ½x₁²e^{−x₂} − ½;
 * - `sample` (exact): v = s·z₂, x₁ = e^{v/2}·z₁ with z₁, z₂ two `r.normal()` draws;
 * - `mean` = 0; `cov` = diag(e^{s²/2}, s²) (E eᵛ = e^{s²/2}, Cov(x₁, x₂) = 0).
 * Cost O(n).
 */
export function funnelTarget(opts: FunnelOptions = {}): FunnelTarget {
  const field = opts.field ?? 'target';
  const s = opts.s ?? 3;
  if (typeof s !== 'number' || !Number.isFinite(s) || s <= 0) throw new InputError(`${field}.s`, s, 'a finite number > 0');
  const s2 = s * s;
  const logNorm = -log(2 * Math.PI * s);
  return {
    kind: 'funnel',
    d: 2,
    s,
    mean: new Float64Array(2),
    cov: Float64Array.from([exp(s2 / 2), 0, 0, s2]),
    logDensity(X, out) {
      const n = batchRows(X, 2);
      const res = outArray(out, n);
      for (let i = 0; i < n; i++) {
        const x = X[2 * i]!;
        const v = X[2 * i + 1]!;
        res[i] = logNorm - (v * v) / (2 * s2) - 0.5 * x * x * exp(-v) - 0.5 * v;
      }
      return res;
    },
    score(X, out) {
      const n = batchRows(X, 2);
      const res = outArray(out, 2 * n);
      for (let i = 0; i < n; i++) {
        const x = X[2 * i]!;
        const v = X[2 * i + 1]!;
        const e = exp(-v);
        res[2 * i] = -x * e;
        res[2 * i + 1] = -v / s2 + 0.5 * x * x * e - 0.5;
      }
      return res;
    },
    sample(g, n) {
      checkSampleCount(n);
      const res = new Float64Array(2 * n);
      for (let i = 0; i < n; i++) {
        const z1 = g.normal();
        const v = s * g.normal();
        res[2 * i] = exp(v / 2) * z1;
        res[2 * i + 1] = v;
      }
      return res;
    },
  };
}
