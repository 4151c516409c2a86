import { InputError } from '../core/errors.js';
import { cholesky, logDetFromCholesky, lowerMatVec, solveLower, solveLowerTransposed } from '../core/linalg.js';
import type { Rng } from '../core/rng.js';
import { type CovarianceInput, covarianceDim, covarianceMatrix, toVector } from './parse.js';
import { batchRows, checkSampleCount, HALF_LOG_2PI, outArray, type Target } from './target.js';

/** Options of `gaussianTarget`. */
export interface GaussianOptions {
  /** Mean m [d]. Default 0. */
  mean?: ArrayLike<number>;
  /** Covariance Σ, see `CovarianceInput` (number, diagonal list, flat or nested matrix). Default I. */
  cov?: CovarianceInput;
  /** Dimension, needed only when neither `mean` nor a nested `cov` fixes it. */
  d?: number;
  /** Name used in error messages. Default "target". */
  field?: string;
}

/** A Gaussian target: every optional member of `Target` is present. */
export interface GaussianTarget extends Target {
  readonly kind: 'gaussian';
  readonly mean: Float64Array;
  readonly cov: Float64Array;
  /** Lower Cholesky factor L of Σ = L·Lᵀ, [d, d]. */
  readonly chol: Float64Array;
  logDensity(X: Float64Array, out?: Float64Array): Float64Array;
  score(X: Float64Array, out?: Float64Array): Float64Array;
  sample(r: Rng, n: number): Float64Array;
}

/**
 * Resolves d from an explicit `d`, the mean's length and a nested covariance, checking
 * that they agree. Returns d and a note saying where it came from (for error messages).
 */
export function resolveDim(
  field: string,
  d: unknown,
  mean: unknown,
  cov: unknown,
): { d: number; note: string } {
  let dim: number | undefined;
  let note = '';
  if (d !== undefined) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 1) throw new InputError(`${field}.d`, d, 'an integer >= 1');
    dim = d;
    note = `d = ${field}.d`;
  }
  if (mean !== undefined) {
    const len = (mean as ArrayLike<unknown>)?.length;
    if (typeof len !== 'number') throw new InputError(`${field}.mean`, mean, 'a list of numbers');
    if (dim === undefined) {
      dim = len;
      note = `d from ${field}.mean`;
    } else if (len !== dim) throw new InputError(`${field}.mean`, mean, `a list of ${dim} numbers (${note})`);
  }
  const cd = covarianceDim(cov);
  if (cd !== undefined) {
    if (dim === undefined) {
      dim = cd;
      note = `d from ${field}.cov`;
    } else if (cd !== dim) throw new InputError(`${field}.cov`, cov, `a ${dim}x${dim} matrix (${note})`);
  }
  if (dim === undefined)
    throw new InputError(
      `${field}.mean`,
      undefined,
      `a list of numbers, or ${field}.d, or a nested ${field}.cov, to fix the dimension`,
      cov !== undefined ? 'a scalar or flat covariance does not fix d by itself' : undefined,
    );
  if (dim < 1) throw new InputError(`${field}.mean`, mean, 'a non-empty list of numbers');
  return { d: dim, note };
}

/**
 * The Gaussian target π = N(m, Σ) on ℝᵈ, with Σ = L·Lᵀ factored once (O(d³)).
 *
 * - `logDensity`: log π(x) = −½|L⁻¹(x − m)|² − ½ log det Σ − (d/2) log 2π (normalised).
 * - `score`: ∇log π(x) = −Σ⁻¹(x − m) = −L⁻ᵀL⁻¹(x − m).
 * - `sample`: x = m + L·z, z ~ N(0, I), filled row by row with `r.normal()` (d draws per row).
 *
 * Cost O(n·d²) for a batch of n points; no allocation per point.
 * Accepted covariances: see `CovarianceInput`. A non-symmetric or not positive definite Σ
 * throws an `InputError` naming `${field}.cov`.
 *
 * @example gaussianTarget({ mean: [0, 0], cov: [[1, 0.5], [0.5, 2]] }) // the IFT paper's 2-D target
 */
export function gaussianTarget(opts: GaussianOptions = {}): GaussianTarget {
  const field = opts.field ?? 'target';
  const { d, note } = resolveDim(field, opts.d, opts.mean, opts.cov);
  const mean = opts.mean === undefined ? new Float64Array(d) : toVector(opts.mean, `${field}.mean`, d, note);
  const cov = covarianceMatrix(opts.cov, d, `${field}.cov`, note);
  return gaussianFromArrays(mean, cov, d, `${field}.cov`);
}

/** `gaussianTarget` from an already validated mean [d] and covariance [d, d] (used as given). */
export function gaussianFromArrays(mean: Float64Array, cov: Float64Array, d: number, covField = 'cov'): GaussianTarget {
  const L = cholesky(cov, d, covField);
  const logNorm = -0.5 * logDetFromCholesky(L, d) - d * HALF_LOG_2PI;
  const z = new Float64Array(d);
  return {
    kind: 'gaussian',
    d,
    mean,
    cov,
    chol: L,
    logDensity(X, out) {
      const n = batchRows(X, d);
      const res = outArray(out, n);
      for (let i = 0; i < n; i++) {
        const o = i * d;
        for (let a = 0; a < d; a++) z[a] = X[o + a]! - mean[a]!;
        solveLower(L, d, z, z);
        let q = 0;
        for (let a = 0; a < d; a++) q += z[a]! * z[a]!;
        res[i] = logNorm - 0.5 * q;
      }
      return res;
    },
    score(X, out) {
      const n = batchRows(X, d);
      const res = outArray(out, n * d);
      for (let i = 0; i < n; i++) {
        const o = i * d;
        for (let a = 0; a < d; a++) res[o + a] = X[o + a]! - mean[a]!;
        solveLower(L, d, res, res, o, o);
        solveLowerTransposed(L, d, res, res, o, o);
        for (let a = 0; a < d; a++) res[o + a] = -res[o + a]!;
      }
      return res;
    },
    sample(r, n) {
      checkSampleCount(n);
      const res = new Float64Array(n * d);
      for (let i = 0; i < n; i++) {
        const o = i * d;
        for (let a = 0; a < d; a++) res[o + a] = r.normal();
        lowerMatVec(L, d, res, res, o, o);
        for (let a = 0; a < d; a++) res[o + a]! += mean[a]!;
      }
      return res;
    },
  };
}
