import { InputError } from '../core/errors.js';
import { exp, log } from '../core/math.js';
import { MASS_TOL } from '../core/measure.js';
import { cholesky, logDetFromCholesky, lowerMatVec, solveLower, solveLowerTransposed } from '../core/linalg.js';
import type { Rng } from '../core/rng.js';
import { type CovarianceInput, covarianceMatrix, toVector } from './parse.js';
import { batchRows, checkSampleCount, HALF_LOG_2PI, outArray, type Target } from './target.js';

/** One Gaussian component N(mean, cov) of a mixture. */
export interface MixtureComponentInput {
  mean: ArrayLike<number>;
  /** See `CovarianceInput`. Default I. */
  cov?: CovarianceInput;
}

/** Options of `mixtureTarget`. */
export interface MixtureOptions {
  /** Mixture weights [K], each ≥ 0, summing to 1 (to 1e-9). Default: equal weights 1/K. */
  weights?: ArrayLike<number>;
  /** The K ≥ 1 components; all means must have the same length d. */
  components: readonly MixtureComponentInput[];
  /** Name used in error messages. Default "target". */
  field?: string;
}

/** A Gaussian mixture target: every optional member of `Target` is present. */
export interface MixtureTarget extends Target {
  readonly kind: 'mixture';
  /** Number of components K. */
  readonly k: number;
  /** Weights [K] (normalised to sum exactly 1 in floating point as far as possible). */
  readonly weights: Float64Array;
  /** Component means [K, d]. */
  readonly means: Float64Array;
  /** Component covariances [K, d, d]. */
  readonly covs: Float64Array;
  /** Mixture mean [d] and covariance [d, d] (exact, see `mixtureTarget`). */
  readonly mean: Float64Array;
  readonly cov: Float64Array;
  logDensity(X: Float64Array, out?: Float64Array): Float64Array;
  score(X: Float64Array, out?: Float64Array): Float64Array;
  sample(r: Rng, n: number): Float64Array;
}

/** Field paths used in error messages, so that `makeTarget` can name its own JSON shape. */
export interface MixturePaths {
  weights: string;
  components: string;
  /** Field name of component k's mean, for error messages. */
  mean: (k: number) => string;
  /** Field name of component k's covariance, for error messages. */
  cov: (k: number) => string;
}

/**
 * The Gaussian mixture π = Σₖ wₖ N(mₖ, Σₖ) on ℝᵈ, each Σₖ = LₖLₖᵀ factored once.
 *
 * With ℓₖ(x) = log wₖ − ½|Lₖ⁻¹(x − mₖ)|² − ½ log det Σₖ − (d/2) log 2π:
 * - `logDensity`: log π(x) = M + log Σₖ exp(ℓₖ − M), M = maxₖ ℓₖ (normalised, no overflow);
 * - `score`: ∇log π(x) = Σₖ rₖ(x)·(−Σₖ⁻¹(x − mₖ)), responsibilities rₖ = exp(ℓₖ − log π);
 * - `sample`: per row one `r.uniform()` picks k by the cumulative weights, then d
 *   `r.normal()` draws z give x = mₖ + Lₖz;
 * - `mean` = Σₖ wₖmₖ, `cov` = Σₖ wₖ(Σₖ + (mₖ − m)(mₖ − m)ᵀ) (law of total covariance).
 *
 * Cost O(n·K·d²) per batch, no allocation per point. Errors name the component, e.g.
 * `target.components[1].cov` for a covariance that is not positive definite, and
 * `target.weights[0]` / `target.weights` for negative or non-normalised weights.
 */
export function mixtureTarget(opts: MixtureOptions): MixtureTarget {
  const field = opts.field ?? 'target';
  const comps = opts.components;
  if (!Array.isArray(comps) || comps.length === 0)
    throw new InputError(`${field}.components`, comps, 'a non-empty list of {mean, cov} components');
  for (let k = 0; k < comps.length; k++) {
    const c: unknown = comps[k];
    if (typeof c !== 'object' || c === null || Array.isArray(c))
      throw new InputError(`${field}.components[${k}]`, c, 'an object {mean, cov?}');
  }
  return buildMixture(
    opts.weights,
    comps.map((c) => c.mean),
    comps.map((c) => c.cov),
    {
      weights: `${field}.weights`,
      components: `${field}.components`,
      mean: (k) => `${field}.components[${k}].mean`,
      cov: (k) => `${field}.components[${k}].cov`,
    },
  );
}

/** `mixtureTarget` from parallel lists of means and covariance inputs, validated against `paths`. */
export function buildMixture(
  weightsIn: unknown,
  meansIn: readonly unknown[],
  covsIn: readonly unknown[],
  paths: MixturePaths,
): MixtureTarget {
  const K = meansIn.length;
  if (K === 0) throw new InputError(paths.components, meansIn, 'at least one component');
  const m0 = meansIn[0] as ArrayLike<unknown> | undefined;
  if (!m0 || typeof m0.length !== 'number' || m0.length === 0)
    throw new InputError(paths.mean(0), m0, 'a non-empty list of numbers');
  const d = m0.length;
  const dNote = `d from ${paths.mean(0)}`;
  const means = new Float64Array(K * d);
  const covs = new Float64Array(K * d * d);
  const chols = new Float64Array(K * d * d);
  const logNorm = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    means.set(toVector(meansIn[k], paths.mean(k), d, dNote), k * d);
    const S = covarianceMatrix(covsIn[k], d, paths.cov(k), dNote);
    covs.set(S, k * d * d);
    const L = chols.subarray(k * d * d, (k + 1) * d * d);
    cholesky(S, d, paths.cov(k), L);
    logNorm[k] = -0.5 * logDetFromCholesky(L, d) - d * HALF_LOG_2PI;
  }
  const weights = mixtureWeights(weightsIn, K, paths.weights);
  const logW = new Float64Array(K);
  for (let k = 0; k < K; k++) logW[k] = weights[k]! > 0 ? log(weights[k]!) : -Infinity;

  // exact moments
  const mean = new Float64Array(d);
  for (let k = 0; k < K; k++) for (let a = 0; a < d; a++) mean[a]! += weights[k]! * means[k * d + a]!;
  const cov = new Float64Array(d * d);
  for (let k = 0; k < K; k++) {
    const w = weights[k]!;
    const o = k * d;
    for (let a = 0; a < d; a++) {
      const da = means[o + a]! - mean[a]!;
      for (let b = 0; b < d; b++) cov[a * d + b]! += w * (covs[k * d * d + a * d + b]! + da * (means[o + b]! - mean[b]!));
    }
  }

  // cumulative weights for sampling; rounding leftovers go to the last positive component
  const cum = new Float64Array(K);
  let acc = 0;
  let lastPositive = 0;
  for (let k = 0; k < K; k++) {
    acc += weights[k]!;
    cum[k] = acc;
    if (weights[k]! > 0) lastPositive = k;
  }

  const cholViews = Array.from({ length: K }, (_, k) => chols.subarray(k * d * d, (k + 1) * d * d));
  const zs = new Float64Array(K * d);
  const ell = new Float64Array(K);
  /** Fills zs (whitened residuals) and ell for row `o` of X; returns log π(x). */
  const evalRow = (X: Float64Array, o: number): number => {
    let M = -Infinity;
    for (let k = 0; k < K; k++) {
      const zo = k * d;
      for (let a = 0; a < d; a++) zs[zo + a] = X[o + a]! - means[zo + a]!;
      solveLower(cholViews[k]!, d, zs, zs, zo, zo);
      let q = 0;
      for (let a = 0; a < d; a++) q += zs[zo + a]! * zs[zo + a]!;
      const l = logW[k]! + logNorm[k]! - 0.5 * q;
      ell[k] = l;
      if (l > M) M = l;
    }
    let s = 0;
    for (let k = 0; k < K; k++) s += exp(ell[k]! - M);
    return M + log(s);
  };

  return {
    kind: 'mixture',
    d,
    k: K,
    weights,
    means,
    covs,
    mean,
    cov,
    logDensity(X, out) {
      const n = batchRows(X, d);
      const res = outArray(out, n);
      for (let i = 0; i < n; i++) res[i] = evalRow(X, i * d);
      return res;
    },
    score(X, out) {
      const n = batchRows(X, d);
      const res = outArray(out, n * d);
      for (let i = 0; i < n; i++) {
        const o = i * d;
        const lp = evalRow(X, o);
        for (let a = 0; a < d; a++) res[o + a] = 0;
        for (let k = 0; k < K; k++) {
          const rk = exp(ell[k]! - lp);
          if (rk === 0) continue;
          const zo = k * d;
          solveLowerTransposed(cholViews[k]!, d, zs, zs, zo, zo);
          for (let a = 0; a < d; a++) res[o + a]! -= rk * zs[zo + a]!;
        }
      }
      return res;
    },
    sample(r, n) {
      checkSampleCount(n);
      const res = new Float64Array(n * d);
      for (let i = 0; i < n; i++) {
        const u = r.uniform();
        let k = 0;
        while (k < lastPositive && !(u < cum[k]!)) k++;
        const o = i * d;
        for (let a = 0; a < d; a++) res[o + a] = r.normal();
        lowerMatVec(cholViews[k]!, d, res, res, o, o);
        for (let a = 0; a < d; a++) res[o + a]! += means[k * d + a]!;
      }
      return res;
    },
  };
}

/**
 * Validated mixture weights [K]: equal 1/K when `w` is undefined; otherwise each finite and
 * ≥ 0 (`field[k]`) with |Σw − 1| ≤ 1e-9 (`field`), then divided by their sum.
 */
export function mixtureWeights(w: unknown, K: number, field: string): Float64Array {
  if (w === undefined) return new Float64Array(K).fill(1 / K);
  const v = toVector(w, field, K, 'one weight per component');
  let s = 0;
  for (let k = 0; k < K; k++) {
    if (v[k]! < 0) throw new InputError(`${field}[${k}]`, v[k], 'a weight >= 0');
    s += v[k]!;
  }
  if (!(Math.abs(s - 1) <= MASS_TOL))
    throw new InputError(field, w, 'weights summing to 1', `they sum to ${s}; omit weights for equal weights`);
  for (let k = 0; k < K; k++) v[k] = v[k]! / s;
  return v;
}
