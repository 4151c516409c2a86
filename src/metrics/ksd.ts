import { steinKernelSum } from '../backend/steinSums.js';
import { InputError } from '../core/errors.js';
import { fdot } from '../core/math.js';
import type { ParticleMeasure } from '../core/measure.js';
import { checkMeasure } from '../core/measure.js';
import { checkAllFinite } from '../core/validate.js';
import type { Kernel } from '../kernels/kernel.js';
import { checkKernel, checkSteinKernel } from '../kernels/kernel.js';
import type { KernelMetricOptions } from './mmd.js';
import { metricKernel } from './mmd.js';

/**
 * Squared kernel Stein discrepancy (V-statistic) of µ = Σᵢ wᵢδ_{xᵢ} against π known
 * through its score s = ∇log π only:
 *   KSD²(µ‖π) = Σᵢⱼ wᵢwⱼ k_π(xᵢ, xⱼ),
 *   k_π(x, y) = s(x)ᵀs(y)k + s(x)ᵀ∇ᵧk + s(y)ᵀ∇ₓk + tr ∇ₓ∇ᵧk.
 * The target is given by `scores` = s(xᵢ) as [n, d], or by an object with a `score`
 * function (evaluated at µ's points). `opts.kernel` defaults to the Gaussian σ = 1;
 * `sigma: 'median'` is the median heuristic over µ's points alone. Requires a kernel with finite tr ∇ₓ∇ᵧk (gaussian, imq, matern32).
 * A squared quantity (take the square root for KSD). Cost O(n²·d).
 */
export function ksdSquared(mu: ParticleMeasure, target: Float64Array | { score(X: Float64Array): Float64Array }, opts?: KernelMetricOptions): number;
/** @deprecated Kernel first: write `ksdSquared(mu, scores, {kernel})`. */
export function ksdSquared(ker: Kernel, mu: ParticleMeasure, scores: Float64Array): number;
export function ksdSquared(
  a: ParticleMeasure | Kernel,
  b: ParticleMeasure | Float64Array | { score(X: Float64Array): Float64Array },
  c?: Float64Array | KernelMetricOptions,
): number {
  let ker: Kernel;
  let mu: ParticleMeasure;
  let scores: Float64Array;
  if (a === null || typeof a !== 'object') throw new InputError('mu', a, 'a ParticleMeasure {n, d, X, w}');
  if (!('X' in a)) {
    ker = checkKernel(a, 'kernel');
    mu = checkMeasure(b, 'mu');
    scores = c as Float64Array;
  } else {
    mu = checkMeasure(a, 'mu');
    scores = b instanceof Float64Array ? b : (b as { score(X: Float64Array): Float64Array }).score(mu.X);
    // the median heuristic over µ's own points: KSD needs no second sample
    ker = metricKernel(c as KernelMetricOptions | undefined, [mu.X], mu.d);
  }
  checkSteinKernel(ker);
  if (!(scores instanceof Float64Array)) throw new InputError('scores', scores, 'a Float64Array [n, d] of s(xᵢ) = ∇log π(xᵢ)');
  if (scores.length !== mu.n * mu.d) throw new InputError('scores.length', scores.length, `n*d = ${mu.n * mu.d}`);
  checkAllFinite('scores', scores, mu.d);
  const kv = steinKernelSum(ker, mu.X, scores, mu.X, scores, mu.d, mu.w);
  return fdot(mu.w, kv);
}

/** Kish's effective sample size (Σwᵢ)² / Σwᵢ² of weights w [n]: a count in [1, n] (n for uniform weights). */
export function effectiveSampleSize(w: Float64Array): number {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < w.length; i++) {
    s += w[i]!;
    s2 += w[i]! * w[i]!;
  }
  return s2 === 0 ? 0 : (s * s) / s2;
}
