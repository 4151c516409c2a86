import { describe, expect, it } from 'vitest';
import { particleMeasure } from '../src/core/measure.js';
import { rng } from '../src/core/rng.js';
import { type Kernel, kernelValue } from '../src/kernels/kernel.js';
import { effectiveSampleSize, ksdSquared } from '../src/metrics/ksd.js';
import { energyDistanceSquared, mmd, mmdSquared, mmdSquaredUnbiased } from '../src/metrics/mmd.js';
import { gaussianTarget } from '../src/targets/gaussian.js';

const r = rng(21);
const d = 3;
const sample = (n: number, shift = 0) => {
  const X = r.fillNormal(new Float64Array(n * d));
  for (let i = 0; i < X.length; i++) X[i]! += shift;
  return X;
};
const randomWeights = (n: number) => {
  const w = new Float64Array(n).map(() => 0.1 + r.uniform());
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / s);
};
const mu = particleMeasure(sample(30), d, randomWeights(30));
const nu = particleMeasure(sample(25, 0.7), d, randomWeights(25));

/** Direct O((n+m)²) triple-sum formula, written independently of the kernel-sum backend. */
function directMmd2(k: Kernel, a: typeof mu, b: typeof mu): number {
  const term = (p: typeof mu, q: typeof mu) => {
    let s = 0;
    for (let i = 0; i < p.n; i++)
      for (let j = 0; j < q.n; j++) {
        let dist = 0;
        for (let t = 0; t < d; t++) dist += (p.X[i * d + t]! - q.X[j * d + t]!) ** 2;
        s += p.w[i]! * q.w[j]! * kernelValue(k, dist);
      }
    return s;
  };
  return term(a, a) - 2 * term(a, b) + term(b, b);
}

const kernels: Kernel[] = [
  { kind: 'gaussian', sigma: 1.2 },
  { kind: 'imq', sigma: 1 },
  { kind: 'laplace', sigma: 2 },
  { kind: 'matern32', sigma: 1 },
  { kind: 'energy' },
];

describe('MMD', () => {
  for (const k of kernels) {
    it(`${k.kind}: equals the direct formula, is symmetric, zero on identical measures`, () => {
      const v = mmdSquared(mu, nu, { kernel: k });
      expect(v).toBeCloseTo(directMmd2(k, mu, nu), 12);
      expect(v).toBeGreaterThan(0);
      expect(mmdSquared(nu, mu, { kernel: k })).toBeCloseTo(v, 13);
      expect(Math.abs(mmdSquared(mu, mu, { kernel: k }))).toBeLessThan(1e-14);
    });
  }
  it('triangle inequality holds for MMD (a metric for characteristic kernels)', () => {
    const k: Kernel = { kind: 'gaussian', sigma: 1 };
    const rho = particleMeasure(sample(20, -0.5), d);
    expect(mmd(mu, nu, { kernel: k })).toBeLessThanOrEqual(mmd(mu, rho, { kernel: k }) + mmd(rho, nu, { kernel: k }) + 1e-12);
  });
  it('the U-statistic is unbiased: its mean over many pairs of samples from the same law is ≈ 0', () => {
    const k: Kernel = { kind: 'gaussian', sigma: 1 };
    const R = 200;
    const vals: number[] = [];
    for (let t = 0; t < R; t++) vals.push(mmdSquaredUnbiased(particleMeasure(sample(20), d), particleMeasure(sample(20), d), { kernel: k }));
    const mean = vals.reduce((a, b) => a + b, 0) / R;
    const sd = Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / (R - 1));
    // |mean| < 5·SE: false-failure rate ≈ 6e-7. The biased V-statistic would be ≈ +2(1 − E k)/n > 0.
    expect(Math.abs(mean)).toBeLessThan((5 * sd) / Math.sqrt(R));
  });
  it('energy distance = 2E|X−Y| − E|X−X′| − E|Y−Y′| computed directly', () => {
    const dist = (p: typeof mu, i: number, q: typeof mu, j: number) => {
      let s = 0;
      for (let t = 0; t < d; t++) s += (p.X[i * d + t]! - q.X[j * d + t]!) ** 2;
      return Math.sqrt(s);
    };
    const E = (p: typeof mu, q: typeof mu) => {
      let s = 0;
      for (let i = 0; i < p.n; i++) for (let j = 0; j < q.n; j++) s += p.w[i]! * q.w[j]! * dist(p, i, q, j);
      return s;
    };
    expect(energyDistanceSquared(mu, nu)).toBeCloseTo(2 * E(mu, nu) - E(mu, mu) - E(nu, nu), 12);
  });
  it('rejects measures of different dimension', () => {
    const other = particleMeasure(new Float64Array([0, 1]), 2);
    expect(() => mmdSquared(mu, other, { kernel: { kind: 'gaussian', sigma: 1 } })).toThrow(/nu\.d: got 2, expected 3/);
  });
});

describe('KSD', () => {
  const target = gaussianTarget({ mean: [0, 0, 0], cov: [1, 1, 1] });
  it('samples of the target have a much smaller KSD than shifted samples (same size)', () => {
    const k: Kernel = { kind: 'imq', sigma: 1 };
    const good = particleMeasure(target.sample(rng(1), 400), d);
    const Xs = target.sample(rng(2), 400).map((x) => x + 1);
    const bad = particleMeasure(Xs, d);
    const kg = ksdSquared(good, target.score(good.X), { kernel: k });
    const kb = ksdSquared(bad, target.score(bad.X), { kernel: k });
    expect(kg).toBeGreaterThan(0);
    // E KSD² of iid target samples is O(1/n); a shift of 1 per coordinate gives O(1).
    expect(kb).toBeGreaterThan(20 * kg);
  });
  it('equals Σᵢⱼ wᵢwⱼ k_π(xᵢ, xⱼ) with the Stein kernel written out for the Gaussian kernel', () => {
    const sigma = 0.9;
    const X = target.sample(rng(3), 12);
    const w = randomWeights(12);
    const S = target.score(X);
    let direct = 0;
    for (let i = 0; i < 12; i++)
      for (let j = 0; j < 12; j++) {
        let q = 0;
        let ss = 0;
        let sxd = 0;
        let syd = 0;
        for (let t = 0; t < d; t++) {
          const diff = X[i * d + t]! - X[j * d + t]!;
          q += diff * diff;
          ss += S[i * d + t]! * S[j * d + t]!;
          sxd += S[i * d + t]! * diff;
          syd += S[j * d + t]! * diff;
        }
        const k = Math.exp(-q / (2 * sigma * sigma));
        // ∇_y k = k(x−y)/σ², ∇_x k = −k(x−y)/σ², tr ∇x∇y k = k(d/σ² − q/σ⁴)
        direct += w[i]! * w[j]! * (k * ss + (k * sxd) / sigma ** 2 - (k * syd) / sigma ** 2 + k * (d / sigma ** 2 - q / sigma ** 4));
      }
    expect(ksdSquared(particleMeasure(X, d, w), S, { kernel: { kind: 'gaussian', sigma } })).toBeCloseTo(direct, 12);
  });
  it('refuses non-differentiable kernels', () => {
    const m = particleMeasure(sample(3), d);
    expect(() => ksdSquared(m, target.score(m.X), { kernel: { kind: 'laplace', sigma: 1 } })).toThrow(/kernel\.kind: got "laplace"/);
  });
});

describe('effective sample size', () => {
  it('is n for uniform weights and 1 for a point mass', () => {
    expect(effectiveSampleSize(new Float64Array(8).fill(1 / 8))).toBeCloseTo(8, 12);
    expect(effectiveSampleSize(new Float64Array([0, 1, 0]))).toBe(1);
  });
});
