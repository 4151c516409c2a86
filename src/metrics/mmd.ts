import { kernelSum } from '../backend/kernelSums.js';
import { InputError } from '../core/errors.js';
import { fdot } from '../core/math.js';
import type { ParticleMeasure } from '../core/measure.js';
import { checkMeasure, checkSameDim } from '../core/measure.js';
import type { Kernel } from '../kernels/kernel.js';
import { checkKernel, kernelValue } from '../kernels/kernel.js';

/**
 * Validates the arguments of the MMD functions at the library boundary: the kernel (`kind`
 * one of the known kinds, σ > 0 …, see `checkKernel`), both measures (shapes, finite
 * positions, finite weights ≥ 0; any total mass) and their common dimension.
 */
function checkArgs(ker: unknown, mu: unknown, nu: unknown): void {
  checkKernel(ker, 'kernel');
  checkMeasure(mu, 'mu');
  checkMeasure(nu, 'nu');
  checkSameDim(mu as ParticleMeasure, nu as ParticleMeasure, 'mu', 'nu');
}

/**
 * Squared maximum mean discrepancy, biased V-statistic, between weighted measures
 * µ = Σᵢ aᵢδ_{xᵢ} and ν = Σₗ bₗδ_{yₗ}:
 *   MMD²(µ, ν) = aᵀK_XX a − 2 aᵀK_XY b + bᵀK_YY b.
 * Computed through the witness ξ = K_{·X}a − K_{·Y}b as Σᵢ aᵢξ(xᵢ) − Σₗ bₗξ(yₗ)
 * (two kernel passes, no matrix). ≥ 0 for positive-definite kernels up to rounding.
 * Weights need not sum to 1 (non-negative measures are fine). Cost O((n + m)²·d).
 * @throws InputError for an unknown kernel kind, σ ≤ 0 or NaN, malformed measures (lengths,
 *   NaN/Inf positions, negative or non-finite weights) or different dimensions.
 */
export function mmdSquared(ker: Kernel, mu: ParticleMeasure, nu: ParticleMeasure): number {
  checkArgs(ker, mu, nu);
  const d = mu.d;
  const kxx = kernelSum(ker, mu.X, mu.X, d, mu.w);
  const kxy = kernelSum(ker, mu.X, nu.X, d, nu.w);
  const kyy = kernelSum(ker, nu.X, nu.X, d, nu.w);
  return fdot(mu.w, kxx) - 2 * fdot(mu.w, kxy) + fdot(nu.w, kyy);
}

/** MMD(µ, ν) = √max(0, MMD²) (V-statistic, not squared). @throws InputError as `mmdSquared`. */
export function mmd(ker: Kernel, mu: ParticleMeasure, nu: ParticleMeasure): number {
  return Math.sqrt(Math.max(0, mmdSquared(ker, mu, nu)));
}

/**
 * Unbiased U-statistic estimate of MMD² from two unweighted samples x₁..xₙ, y₁..yₘ (n, m ≥ 2):
 *   (1/(n(n−1))) Σ_{i≠j} k(xᵢ,xⱼ) + (1/(m(m−1))) Σ_{l≠l'} k(yₗ,y_{l'}) − (2/(nm)) Σᵢₗ k(xᵢ,yₗ).
 * May be negative. The weights of µ and ν are ignored (they must be samples).
 * @throws InputError as `mmdSquared`, and for n < 2 or m < 2.
 */
export function mmdSquaredUnbiased(ker: Kernel, mu: ParticleMeasure, nu: ParticleMeasure): number {
  checkArgs(ker, mu, nu);
  const { n, d } = mu;
  const m = nu.n;
  if (n < 2) throw new InputError('mu.n', n, 'at least 2 samples for the unbiased MMD²');
  if (m < 2) throw new InputError('nu.n', m, 'at least 2 samples for the unbiased MMD²');
  const k0 = kernelValue(ker, 0);
  const ones = (len: number) => new Float64Array(len).fill(1);
  const sxx = fdot(ones(n), kernelSum(ker, mu.X, mu.X, d, ones(n))) - n * k0;
  const syy = fdot(ones(m), kernelSum(ker, nu.X, nu.X, d, ones(m))) - m * k0;
  const sxy = fdot(ones(n), kernelSum(ker, mu.X, nu.X, d, ones(m)));
  return sxx / (n * (n - 1)) + syy / (m * (m - 1)) - (2 * sxy) / (n * m);
}

/**
 * Energy distance 2E|X − Y| − E|X − X′| − E|Y − Y′| between weighted measures (V-statistic),
 * which equals MMD² with the negative-distance kernel k = −|x − y| (in units of |x|, not squared).
 * @throws InputError for malformed measures or different dimensions (as `mmdSquared`).
 */
export function energyDistance(mu: ParticleMeasure, nu: ParticleMeasure): number {
  return mmdSquared({ kind: 'energy' }, mu, nu);
}
