import type { ResolvedSums, Sums } from '../backend/approxSums.js';
import { approxSummer, resolveSums } from '../backend/approxSums.js';
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
  /**
   * How the kernel sums are evaluated (default exact): 'sliced' (energy kernel) or 'features'
   * (gaussian, laplace, matern32, imq) give unbiased estimates from the directions / frequencies
   * of `rng(sums.seed, 0)`, see src/backend/approxSums.ts.
   */
  sums?: Sums;
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
function args(a: unknown, b: unknown, c: unknown, e?: Sums): { mu: ParticleMeasure; nu: ParticleMeasure; kernel: Kernel; sums: ResolvedSums } {
  // Validated at the boundary like W₂ and Sinkhorn: kernel kind and σ (checkKernel), both
  // measures (shapes, finite positions, finite weights ≥ 0; any total mass), same dimension.
  if (isKernel(a)) {
    const kernel = checkKernel(a);
    checkMeasure(b, 'mu');
    checkMeasure(c, 'nu');
    checkSameDim(b as ParticleMeasure, c as ParticleMeasure, 'mu', 'nu');
    return { mu: b as ParticleMeasure, nu: c as ParticleMeasure, kernel, sums: resolveSums(e, kernel) };
  }
  const mu = checkMeasure(a, 'mu');
  const nu = checkMeasure(b, 'nu');
  checkSameDim(mu, nu, 'mu', 'nu');
  const o = c as KernelMetricOptions | undefined;
  const kernel = metricKernel(o, [mu.X, nu.X], mu.d);
  return { mu, nu, kernel, sums: resolveSums(o?.sums, kernel) };
}

/** Estimate of vᵀKv for v = Σₖ signₖ·wₖ on the stacked sources (stream 0 of `sums`). */
function approxQuad(ker: Kernel, rs: ResolvedSums, d: number, Xs: Float64Array[], ws: Float64Array[], signs: number[]): number {
  let len = 0;
  for (const w of ws) len += w.length;
  const S = new Float64Array(len * d);
  const v = new Float64Array(len);
  let o = 0;
  Xs.forEach((X, k) => {
    S.set(X, o * d);
    const w = ws[k]!;
    for (let i = 0; i < w.length; i++) v[o + i] = signs[k]! * w[i]!;
    o += w.length;
  });
  return approxSummer(ker, rs, d, 0).sum({ S, v, nq: 0, quad: true });
}

/**
 * Squared maximum mean discrepancy MMD² (not MMD), biased V-statistic, between weighted measures
 * µ = Σᵢ aᵢδ_{xᵢ} and ν = Σₗ bₗδ_{yₗ}:
 *   MMD²(µ, ν) = aᵀK_XX a − 2 aᵀK_XY b + bᵀK_YY b.
 * Computed through the witness ξ = K_{·X}a − K_{·Y}b as Σᵢ aᵢξ(xᵢ) − Σₗ bₗξ(yₗ)
 * (two kernel passes, no matrix). ≥ 0 for positive-definite kernels up to rounding.
 * Cost O((n + m)²·d).
 *
 * `sums` 'sliced' / 'features' give an unbiased estimate instead, vᵀKv with v = [a; −b] on the
 * sources [X; Y]: cost O(P·(N log N + N·d)) or O(D·N·d), N = n + m; ≥ 0 (each direction's 1-D
 * energy distance is; the feature estimate is a mean of squares).
 */
export function mmdSquared(mu: ParticleMeasure, nu: ParticleMeasure, opts?: KernelMetricOptions): number;
/** @deprecated Kernel first: write `mmdSquared(mu, nu, {kernel, sums})`. */
export function mmdSquared(ker: Kernel, mu: ParticleMeasure, nu: ParticleMeasure, sums?: Sums): number;
export function mmdSquared(a: ParticleMeasure | Kernel, b: ParticleMeasure, c?: ParticleMeasure | KernelMetricOptions, e?: Sums): number {
  const { mu, nu, kernel: ker, sums } = args(a, b, c, e);
  checkSameDim(mu, nu, 'mu', 'nu');
  const d = mu.d;
  if (sums.method !== 'exact') return approxQuad(ker, sums, d, [mu.X, nu.X], [mu.w, nu.w], [1, -1]);
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
  const { mu, nu, kernel, sums } = args(a, b, c);
  return Math.sqrt(Math.max(0, mmdSquared(mu, nu, { kernel, sums })));
}

/**
 * Unbiased U-statistic estimate of MMD² from two unweighted samples x₁..xₙ, y₁..yₘ (n, m ≥ 2):
 *   (1/(n(n−1))) Σ_{i≠j} k(xᵢ,xⱼ) + (1/(m(m−1))) Σ_{l≠l'} k(yₗ,y_{l'}) − (2/(nm)) Σᵢₗ k(xᵢ,yₗ).
 * A squared quantity (an estimate of MMD²); may be negative. The weights of µ and ν are ignored
 * (they must be samples). Cost O((n + m)²·d). With approximate `sums` (see `mmdSquared`) each of
 * the three double sums is estimated without bias.
 */
export function mmdSquaredUnbiased(mu: ParticleMeasure, nu: ParticleMeasure, opts?: KernelMetricOptions): number;
/** @deprecated Kernel first: write `mmdSquaredUnbiased(mu, nu, {kernel, sums})`. */
export function mmdSquaredUnbiased(ker: Kernel, mu: ParticleMeasure, nu: ParticleMeasure, sums?: Sums): number;
export function mmdSquaredUnbiased(a: ParticleMeasure | Kernel, b: ParticleMeasure, c?: ParticleMeasure | KernelMetricOptions, e?: Sums): number {
  const { mu, nu, kernel: ker, sums: rs } = args(a, b, c, e);
  checkSameDim(mu, nu, 'mu', 'nu');
  const { n, d } = mu;
  const m = nu.n;
  if (n < 2) throw new InputError('mu.n', n, 'at least 2 samples for the unbiased MMD²');
  if (m < 2) throw new InputError('nu.n', m, 'at least 2 samples for the unbiased MMD²');
  const k0 = kernelValue(ker, 0);
  const ones = (len: number) => new Float64Array(len).fill(1);
  if (rs.method !== 'exact') {
    const ax = approxQuad(ker, rs, d, [mu.X], [ones(n)], [1]) - n * k0;
    const ay = approxQuad(ker, rs, d, [nu.X], [ones(m)], [1]) - m * k0;
    const axy = (approxQuad(ker, rs, d, [mu.X, nu.X], [ones(n), ones(m)], [1, 1]) - ax - ay - (n + m) * k0) / 2;
    return ax / (n * (n - 1)) + ay / (m * (m - 1)) - (2 * axy) / (n * m);
  }
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
export function energyDistanceSquared(mu: ParticleMeasure, nu: ParticleMeasure, sums?: Sums): number {
  return mmdSquared(mu, nu, { kernel: { kind: 'energy' }, ...(sums !== undefined ? { sums } : {}) });
}

/** @deprecated The same number as `energyDistanceSquared` (D², not D): use that name. */
export function energyDistance(mu: ParticleMeasure, nu: ParticleMeasure, sums?: Sums): number {
  return energyDistanceSquared(mu, nu, sums);
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
