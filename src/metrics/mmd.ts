import type { Sums } from '../backend/approxSums.js';
import { approxSummer, resolveSums } from '../backend/approxSums.js';
import { kernelSum } from '../backend/kernelSums.js';
import { InputError } from '../core/errors.js';
import { fdot } from '../core/math.js';
import type { ParticleMeasure } from '../core/measure.js';
import { checkSameDim } from '../core/measure.js';
import type { Kernel } from '../kernels/kernel.js';
import { kernelValue } from '../kernels/kernel.js';

/**
 * Squared maximum mean discrepancy, biased V-statistic, between weighted measures
 * µ = Σᵢ aᵢδ_{xᵢ} and ν = Σₗ bₗδ_{yₗ}:
 *   MMD²(µ, ν) = aᵀK_XX a − 2 aᵀK_XY b + bᵀK_YY b.
 * Computed through the witness ξ = K_{·X}a − K_{·Y}b as Σᵢ aᵢξ(xᵢ) − Σₗ bₗξ(yₗ)
 * (two kernel passes, no matrix). ≥ 0 for positive-definite kernels up to rounding.
 * Cost O((n + m)²·d).
 *
 * `sums` 'sliced' (energy kernel) or 'features' (gaussian, laplace, matern32, imq) give an
 * unbiased estimate instead, vᵀKv with v = [a; −b] on the sources [X; Y], from the directions /
 * frequencies of `rng(sums.seed, 0)` (src/backend/approxSums.ts): cost O(P·(N log N + N·d)) or
 * O(D·N·d), N = n + m. The sliced estimate is ≥ 0 (each direction's 1-D energy distance is), the
 * feature one too (a mean of squares).
 */
export function mmdSquared(ker: Kernel, mu: ParticleMeasure, nu: ParticleMeasure, sums?: Sums): number {
  checkSameDim(mu, nu, 'mu', 'nu');
  const d = mu.d;
  const rs = resolveSums(sums, ker);
  if (rs.method !== 'exact') return approxQuad(ker, rs, d, [mu.X, nu.X], [mu.w, nu.w], [1, -1]);
  const kxx = kernelSum(ker, mu.X, mu.X, d, mu.w);
  const kxy = kernelSum(ker, mu.X, nu.X, d, nu.w);
  const kyy = kernelSum(ker, nu.X, nu.X, d, nu.w);
  return fdot(mu.w, kxx) - 2 * fdot(mu.w, kxy) + fdot(nu.w, kyy);
}

/** MMD(µ, ν) = √max(0, MMD²) (V-statistic). */
export function mmd(ker: Kernel, mu: ParticleMeasure, nu: ParticleMeasure): number {
  return Math.sqrt(Math.max(0, mmdSquared(ker, mu, nu)));
}

/**
 * Unbiased U-statistic estimate of MMD² from two unweighted samples x₁..xₙ, y₁..yₘ (n, m ≥ 2):
 *   (1/(n(n−1))) Σ_{i≠j} k(xᵢ,xⱼ) + (1/(m(m−1))) Σ_{l≠l'} k(yₗ,y_{l'}) − (2/(nm)) Σᵢₗ k(xᵢ,yₗ).
 * May be negative. The weights of µ and ν are ignored (they must be samples). With approximate
 * `sums` (see `mmdSquared`) each of the three double sums is estimated without bias.
 */
export function mmdSquaredUnbiased(ker: Kernel, mu: ParticleMeasure, nu: ParticleMeasure, sums?: Sums): number {
  checkSameDim(mu, nu, 'mu', 'nu');
  const { n, d } = mu;
  const m = nu.n;
  if (n < 2) throw new InputError('mu.n', n, 'at least 2 samples for the unbiased MMD²');
  if (m < 2) throw new InputError('nu.n', m, 'at least 2 samples for the unbiased MMD²');
  const k0 = kernelValue(ker, 0);
  const ones = (len: number) => new Float64Array(len).fill(1);
  const rs = resolveSums(sums, ker);
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
 * Energy distance 2E|X − Y| − E|X − X′| − E|Y − Y′| between weighted measures (V-statistic),
 * which equals MMD² with the negative-distance kernel k = −|x − y|.
 */
export function energyDistance(mu: ParticleMeasure, nu: ParticleMeasure, sums?: Sums): number {
  return mmdSquared({ kind: 'energy' }, mu, nu, sums);
}

/** Estimate of vᵀKv for v = Σₖ signₖ·wₖ on the stacked sources (stream 0 of `sums`). */
function approxQuad(ker: Kernel, rs: ReturnType<typeof resolveSums>, d: number, Xs: Float64Array[], ws: Float64Array[], signs: number[]): number {
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
