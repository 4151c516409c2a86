/**
 * The target distribution π of a flow, known through any of: its log density (up to a
 * constant), its score ∇log π, exact samplers, or a fixed sample. Everything is batched
 * over rows of a row-major `X [n, d]`.
 */
import { InputError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';

/** What a target is built from; one value per factory in `targets/`. */
export type TargetKind = 'gaussian' | 'mixture' | 'banana' | 'double-well' | 'samples' | 'score' | 'donut' | 'funnel' | 'squiggle';

/** A target distribution π on ℝᵈ. Optional members are absent (not undefined-valued) when unknown. */
export interface Target {
  readonly kind: TargetKind;
  readonly d: number;
  /** log π(x) up to an additive constant, batched: X [n, d] -> out [n]. Absent when only a score is known. */
  logDensity?(X: Float64Array, out?: Float64Array): Float64Array;
  /** score s(x) = ∇log π(x), batched: X [n, d] -> out [n, d]. Absent for sample-only targets. */
  score?(X: Float64Array, out?: Float64Array): Float64Array;
  /** n exact iid samples [n, d] drawn with the given generator. Absent when exact sampling is not available. */
  sample?(r: Rng, n: number): Float64Array;
  /** For sample-based targets: the fixed samples Y [m, d]. */
  readonly samples?: Float64Array;
  /** Exact mean [d] when known (for tests and reports). */
  readonly mean?: Float64Array;
  /** Exact covariance [d, d] row-major when known. */
  readonly cov?: Float64Array;
}

/** ½·log(2π), the per-coordinate Gaussian normalising constant. */
export const HALF_LOG_2PI = 0.9189385332046728;

/** Number of rows n of a batch `X [n, d]`; throws unless X is a Float64Array whose length is a multiple of d. */
export function batchRows(X: Float64Array, d: number, field = 'X'): number {
  if (!(X instanceof Float64Array)) throw new InputError(field, X, 'a Float64Array [n, d]');
  if (X.length % d !== 0) throw new InputError(`${field}.length`, X.length, `a multiple of d = ${d}`);
  return X.length / d;
}

/** `out` when given (checked to have `length` entries), otherwise a new zeroed array. */
export function outArray(out: Float64Array | undefined, length: number, field = 'out'): Float64Array {
  if (out === undefined) return new Float64Array(length);
  if (!(out instanceof Float64Array) || out.length !== length)
    throw new InputError(`${field}.length`, out instanceof Float64Array ? out.length : out, `${length}`);
  return out;
}

/** Throws unless `n` is an integer ≥ 0 (the number of samples requested). */
export function checkSampleCount(n: number, field = 'n'): void {
  if (!Number.isInteger(n) || n < 0) throw new InputError(field, n, 'an integer >= 0');
}
