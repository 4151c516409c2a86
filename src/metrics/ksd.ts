import { steinKernelSum } from '../backend/steinSums.js';
import { InputError } from '../core/errors.js';
import { fdot } from '../core/math.js';
import type { ParticleMeasure } from '../core/measure.js';
import { checkMeasure } from '../core/measure.js';
import { checkAllFinite } from '../core/validate.js';
import type { Kernel } from '../kernels/kernel.js';
import { checkKernel, checkSteinKernel } from '../kernels/kernel.js';

/**
 * Squared kernel Stein discrepancy (V-statistic) of µ = Σᵢ wᵢδ_{xᵢ} against π known
 * through its score s = ∇log π only:
 *   KSD²(µ‖π) = Σᵢⱼ wᵢwⱼ k_π(xᵢ, xⱼ),
 *   k_π(x, y) = s(x)ᵀs(y)k + s(x)ᵀ∇ᵧk + s(y)ᵀ∇ₓk + tr ∇ₓ∇ᵧk.
 * `scores` is s(xᵢ) as [n, d]. Requires a kernel with finite tr ∇ₓ∇ᵧk (gaussian, imq, matern32).
 * Cost O(n²·d).
 * @throws InputError for an unknown or non-Stein kernel, σ ≤ 0 or NaN, a malformed measure
 *   (lengths, NaN/Inf, negative weights) or scores that are not a finite [n, d] Float64Array.
 */
export function ksdSquared(ker: Kernel, mu: ParticleMeasure, scores: Float64Array): number {
  checkKernel(ker, 'kernel');
  checkSteinKernel(ker);
  checkMeasure(mu, 'mu');
  if (!(scores instanceof Float64Array)) throw new InputError('scores', scores, 'a Float64Array [n, d] of s(xᵢ) = ∇log π(xᵢ)');
  if (scores.length !== mu.n * mu.d) throw new InputError('scores.length', scores.length, `n*d = ${mu.n * mu.d}`);
  checkAllFinite('scores', scores, mu.d);
  const kv = steinKernelSum(ker, mu.X, scores, mu.X, scores, mu.d, mu.w);
  return fdot(mu.w, kv);
}

/** Kish's effective sample size (Σwᵢ)² / Σwᵢ² of weights w [n] (n for uniform weights). */
export function effectiveSampleSize(w: Float64Array): number {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < w.length; i++) {
    s += w[i]!;
    s2 += w[i]! * w[i]!;
  }
  return s2 === 0 ? 0 : (s * s) / s2;
}
