import { kernelSum } from '../backend/kernelSums.js';
import { InputError } from '../core/errors.js';
import { fdot } from '../core/math.js';
import type { ParticleMeasure } from '../core/measure.js';
import { checkMeasure, checkSameDim } from '../core/measure.js';
import { medianBandwidth } from '../kernels/bandwidth.js';
import type { Kernel } from '../kernels/kernel.js';
import { checkKernel, kernelValue } from '../kernels/kernel.js';

/**
 * Options of the kernel discrepancies. `kernel` defaults to the Gaussian with σ = 1 (the
 * run spec's default); `sigma: 'median'` takes the median heuristic over both samples.
 */
export interface KernelMetricOptions {
  kernel?: Kernel | { readonly kind: 'gaussian' | 'laplace' | 'matern32' | 'imq'; readonly sigma: number | 'median'; readonly beta?: number };
}

const isKernel = (x: unknown): x is Kernel => typeof x === 'object' && x !== null && 'kind' in x && !('X' in x);

/** The kernel of a metric call: `sigma: 'median'` resolved on the points of `sets` (rows of dimension d). */
export function metricKernel(opts: KernelMetricOptions | undefined, sets: Float64Array[], d: number): Kernel {
  const k = opts?.kernel ?? { kind: 'gaussian', sigma: 1 };
  if ('sigma' in k && k.sigma === 'median') {
    let len = 0;
    for (const X of sets) len += X.length;
    const all = new Float64Array(len);
    let off = 0;
    for (const X of sets) {
      all.set(X, off);
      off += X.length;
    }
    return checkKernel({ ...k, sigma: medianBandwidth(all, d) });
  }
  return checkKernel(k);
}

/** (mu, nu, opts) of a call in either order: the new `(mu, nu, {kernel})` or the deprecated `(kernel, mu, nu)`. */
function args(a: unknown, b: unknown, c: unknown): { mu: ParticleMeasure; nu: ParticleMeasure; kernel: Kernel } {
  // Validated at the boundary like W₂ and Sinkhorn: kernel kind and σ (checkKernel), both
  // measures (shapes, finite positions, finite weights ≥ 0; any total mass), same dimension.
  if (isKernel(a)) {
    const kernel = checkKernel(a);
    checkMeasure(b, 'mu');
    checkMeasure(c, 'nu');
    checkSameDim(b as ParticleMeasure, c as ParticleMeasure, 'mu', 'nu');
    return { mu: b as ParticleMeasure, nu: c as ParticleMeasure, kernel };
  }
  const mu = checkMeasure(a, 'mu');
  const nu = checkMeasure(b, 'nu');
  checkSameDim(mu, nu, 'mu', 'nu');
  return { mu, nu, kernel: metricKernel(c as KernelMetricOptions | undefined, [mu.X, nu.X], mu.d) };
}

/**
 * Squared maximum mean discrepancy MMD² (not MMD), biased V-statistic, between weighted measures
 * µ = Σᵢ aᵢδ_{xᵢ} and ν = Σₗ bₗδ_{yₗ}:
 *   MMD²(µ, ν) = aᵀK_XX a − 2 aᵀK_XY b + bᵀK_YY b.
 * Computed through the witness ξ = K_{·X}a − K_{·Y}b as Σᵢ aᵢξ(xᵢ) − Σₗ bₗξ(yₗ)
 * (two kernel passes, no matrix). ≥ 0 for positive-definite kernels up to rounding.
 * Cost O((n + m)²·d).
 */
export function mmdSquared(mu: ParticleMeasure, nu: ParticleMeasure, opts?: KernelMetricOptions): number;
/** @deprecated Kernel first: write `mmdSquared(mu, nu, {kernel})`. */
export function mmdSquared(ker: Kernel, mu: ParticleMeasure, nu: ParticleMeasure): number;
export function mmdSquared(a: ParticleMeasure | Kernel, b: ParticleMeasure, c?: ParticleMeasure | KernelMetricOptions): number {
  const { mu, nu, kernel: ker } = args(a, b, c);
  checkSameDim(mu, nu, 'mu', 'nu');
  const d = mu.d;
  const kxx = kernelSum(ker, mu.X, mu.X, d, mu.w);
  const kxy = kernelSum(ker, mu.X, nu.X, d, nu.w);
  const kyy = kernelSum(ker, nu.X, nu.X, d, nu.w);
  const v = fdot(mu.w, kxx) - 2 * fdot(mu.w, kxy) + fdot(nu.w, kyy);
  if (!Number.isFinite(v)) throw overflowError(v);
  return v;
}

/** MMD(µ, ν) = √max(0, MMD²) (V-statistic; a distance, not squared). */
export function mmd(mu: ParticleMeasure, nu: ParticleMeasure, opts?: KernelMetricOptions): number;
/** @deprecated Kernel first: write `mmd(mu, nu, {kernel})`. */
export function mmd(ker: Kernel, mu: ParticleMeasure, nu: ParticleMeasure): number;
export function mmd(a: ParticleMeasure | Kernel, b: ParticleMeasure, c?: ParticleMeasure | KernelMetricOptions): number {
  const { mu, nu, kernel } = args(a, b, c);
  return Math.sqrt(Math.max(0, mmdSquared(mu, nu, { kernel })));
}

/**
 * Unbiased U-statistic estimate of MMD² from two unweighted samples x₁..xₙ, y₁..yₘ (n, m ≥ 2):
 *   (1/(n(n−1))) Σ_{i≠j} k(xᵢ,xⱼ) + (1/(m(m−1))) Σ_{l≠l'} k(yₗ,y_{l'}) − (2/(nm)) Σᵢₗ k(xᵢ,yₗ).
 * A squared quantity (an estimate of MMD²); may be negative. The weights of µ and ν are ignored
 * (they must be samples). Cost O((n + m)²·d).
 */
export function mmdSquaredUnbiased(mu: ParticleMeasure, nu: ParticleMeasure, opts?: KernelMetricOptions): number;
/** @deprecated Kernel first: write `mmdSquaredUnbiased(mu, nu, {kernel})`. */
export function mmdSquaredUnbiased(ker: Kernel, mu: ParticleMeasure, nu: ParticleMeasure): number;
export function mmdSquaredUnbiased(a: ParticleMeasure | Kernel, b: ParticleMeasure, c?: ParticleMeasure | KernelMetricOptions): number {
  const { mu, nu, kernel: ker } = args(a, b, c);
  checkSameDim(mu, nu, 'mu', 'nu');
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
 * Squared energy distance D²(µ, ν) = 2E|X − Y| − E|X − X′| − E|Y − Y′| between weighted
 * measures (V-statistic; Székely's energy distance, the square of a metric), which equals
 * MMD² with the negative-distance kernel k = −|x − y|. Units: those of |x − y| (D² is a
 * difference of mean distances; its square root D is the metric).
 */
export function energyDistanceSquared(mu: ParticleMeasure, nu: ParticleMeasure): number {
  return mmdSquared(mu, nu, { kernel: { kind: 'energy' } });
}

/** @deprecated The same number as `energyDistanceSquared` (D², not D): use that name. */
export function energyDistance(mu: ParticleMeasure, nu: ParticleMeasure): number {
  return energyDistanceSquared(mu, nu);
}

/** The error for a kernel sum that left the doubles (never a NaN returned as if it were a value). */
function overflowError(v: number): InputError {
  return new InputError(
    'mu.X, nu.X',
    v,
    'points whose squared distances |x − y|² are finite doubles',
    'the kernel sums overflowed: coordinates near ±1e154 or beyond; rescale the data',
  );
}
