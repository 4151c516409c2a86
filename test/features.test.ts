import { describe, expect, it } from 'vitest';
import { drawFrequencies, featureSums, gammaSample } from '../src/backend/featureSums.js';
import { particleMeasure, uniformWeights } from '../src/core/measure.js';
import { rng } from '../src/core/rng.js';
import { mmdEnergy } from '../src/energies/mmd.js';
import { flow } from '../src/flows/flow.js';
import { runFlow } from '../src/flows/run.js';
import { type Kernel, kernelProfile, kernelValue } from '../src/kernels/kernel.js';
import { mmdSquared } from '../src/metrics/mmd.js';
import { mmdFlow } from '../src/presets/index.js';

/** κ(δ) = k(x, x + δ) for a difference vector δ. */
const kappa = (ker: Kernel, delta: ArrayLike<number>) => {
  let s = 0;
  for (let a = 0; a < delta.length; a++) s += delta[a]! ** 2;
  return kernelValue(ker, s);
};

/** Exact sums by the direct loop: val[q] = Σⱼ vⱼ k(z_q, sⱼ), grad[q] = Σⱼ vⱼ ∇k(z_q, sⱼ). */
function exactSums(ker: Kernel, S: Float64Array, v: Float64Array, Z: Float64Array, d: number) {
  const p = Z.length / d;
  const val = new Float64Array(p);
  const grad = new Float64Array(p * d);
  for (let q = 0; q < p; q++)
    for (let j = 0; j < v.length; j++) {
      let s = 0;
      for (let a = 0; a < d; a++) s += (Z[q * d + a]! - S[j * d + a]!) ** 2;
      const pr = kernelProfile(ker, s, d);
      val[q]! += v[j]! * pr.k;
      for (let a = 0; a < d; a++) grad[q * d + a]! += v[j]! * pr.c * (Z[q * d + a]! - S[j * d + a]!);
    }
  return { val, grad };
}

/**
 * Per frequency the value estimate at z is T = Σⱼ vⱼ cos⟨ω, aⱼ⟩ (aⱼ = z − sⱼ), and
 * E[T²] = ½ Σⱼₖ vⱼvₖ [κ(aⱼ − aₖ) + κ(aⱼ + aₖ)] (product-to-sum, E cos⟨ω, δ⟩ = κ(δ)), so the mean
 * squared error over the points with D features is exactly mean_q(E[T²] − ξ(z_q)²)/D.
 */
function expectedValueMse(ker: Kernel, S: Float64Array, v: Float64Array, Z: Float64Array, d: number, xi: Float64Array): number {
  const p = Z.length / d;
  const N = v.length;
  let tot = 0;
  const dm = new Float64Array(d);
  const dp = new Float64Array(d);
  for (let q = 0; q < p; q++) {
    let e = 0;
    for (let j = 0; j < N; j++)
      for (let k = 0; k < N; k++) {
        for (let a = 0; a < d; a++) {
          const aj = Z[q * d + a]! - S[j * d + a]!;
          const ak = Z[q * d + a]! - S[k * d + a]!;
          dm[a] = aj - ak;
          dp[a] = aj + ak;
        }
        e += 0.5 * v[j]! * v[k]! * (kappa(ker, dm) + kappa(ker, dp));
      }
    tot += e - xi[q]! ** 2;
  }
  return tot / p;
}

const KERNELS: Kernel[] = [
  { kind: 'gaussian', sigma: 1.3 },
  { kind: 'laplace', sigma: 1.1 },
  { kind: 'matern32', sigma: 0.9 },
  { kind: 'imq', sigma: 1.2 },
  { kind: 'imq', sigma: 1.2, beta: 1.5 },
];

describe('random Fourier features', () => {
  it('Gamma sampler: mean and variance of Gamma(β, 1) are β (seeded, 4-sd margins)', () => {
    for (const beta of [0.5, 1.5, 4]) {
      const r = rng(2, Math.round(10 * beta));
      const N = 20000;
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < N; i++) {
        const g = gammaSample(r, beta);
        s += g;
        s2 += g * g;
      }
      const mean = s / N;
      const variance = s2 / N - mean * mean;
      expect(Math.abs(mean - beta)).toBeLessThan(4 * Math.sqrt(beta / N));
      // Var of the sample variance ≈ (μ₄ − σ⁴)/N with μ₄ = 3β² + 6β for Gamma(β)
      expect(Math.abs(variance - beta)).toBeLessThan(4 * Math.sqrt((3 * beta * beta + 6 * beta - beta * beta) / N));
    }
  });

  for (const ker of KERNELS) {
    it(`${ker.kind}${'beta' in ker && ker.beta ? ` β=${ker.beta}` : ''}: the value error has mean square (E[T²] − ξ²)/D and the MMD² estimate is unbiased (seeded, 4-sd margins)`, () => {
      const d = 3;
      const r = rng(40, ker.kind.length);
      const n = 25;
      const X = r.fillNormal(new Float64Array(n * d));
      const Y = r.fillNormal(new Float64Array(n * d)).map((y) => y + 0.6);
      const S = new Float64Array(2 * n * d);
      S.set(X);
      S.set(Y, n * d);
      const v = new Float64Array(2 * n);
      for (let j = 0; j < n; j++) {
        v[j] = 1 / n;
        v[n + j] = -1 / n;
      }
      const ex = exactSums(ker, S, v, X, d);
      let quadExact = 0;
      const all = exactSums(ker, S, v, S, d).val;
      for (let j = 0; j < 2 * n; j++) quadExact += v[j]! * all[j]!;
      const target = expectedValueMse(ker, S, v, X, d, ex.val);
      const D = 64;
      const R = 30;
      const mses: number[] = [];
      const quads: number[] = [];
      for (let s = 0; s < R; s++) {
        const omega = drawFrequencies(ker, rng(77, s), D, d);
        const val = new Float64Array(n);
        quads.push(featureSums({ S, v, d, omega, nq: n, val, quad: true }));
        let e = 0;
        for (let i = 0; i < n; i++) e += (val[i]! - ex.val[i]!) ** 2;
        mses.push(e / n);
      }
      const stats = (a: number[]) => {
        const m = a.reduce((x, y) => x + y, 0) / a.length;
        return { m, se: Math.sqrt(a.reduce((x, y) => x + (y - m) ** 2, 0) / (a.length - 1) / a.length) };
      };
      const a = stats(mses);
      expect(Math.abs(a.m - target / D)).toBeLessThan(4 * a.se);
      const q = stats(quads);
      expect(Math.abs(q.m - quadExact)).toBeLessThan(4 * q.se);
      // the documented bound: mean square error ≤ (Σ|v|)²/D = 4/D
      expect(a.m).toBeLessThan(4 / D);
    });
  }

  for (const ker of KERNELS.filter((k) => k.kind !== 'laplace')) {
    it(`${ker.kind}: gradient error falls like D^(−1/2): RMS ratio between D and 16D ≈ 4 (seeded)`, () => {
      const d = 4;
      const r = rng(50);
      const n = 30;
      const S = r.fillNormal(new Float64Array(2 * n * d));
      const v = new Float64Array(2 * n).map((_, j) => (j < n ? 1 / n : -1 / n));
      const ex = exactSums(ker, S, v, S.subarray(0, n * d), d);
      const rms: number[] = [];
      for (const D of [16, 256]) {
        let e = 0;
        const R = 30;
        for (let s = 0; s < R; s++) {
          const omega = drawFrequencies(ker, rng(88, D + s), D, d);
          const grad = new Float64Array(n * d);
          featureSums({ S, v, d, omega, nq: n, grad });
          for (let i = 0; i < n * d; i++) e += (grad[i]! - ex.grad[i]!) ** 2;
        }
        rms.push(Math.sqrt(e / R));
      }
      // with R = 30 repeats the squared-error mean has a relative sd well below 25 %: ratio in [3, 5.3]
      expect(rms[0]! / rms[1]!).toBeGreaterThan(3);
      expect(rms[0]! / rms[1]!).toBeLessThan(5.3);
    });
  }

  it('a Gaussian MMD flow with features decreases the exact MMD²; laplace feature gradients (infinite variance) are refused', () => {
    const d = 2;
    const r = rng(60);
    const n = 60;
    const Y = r.fillNormal(new Float64Array(n * d));
    const X0 = r.fillNormal(new Float64Array(n * d)).map((x) => 0.5 * x + 1.5);
    const kernel = { kind: 'gaussian', sigma: 1 } as const;
    const nu = particleMeasure(Y, d);
    const mu0 = particleMeasure(X0, d);
    const E0 = mmdSquared(kernel, mu0, nu);
    const f = flow(mmdFlow({ kernel, target: { Y, d, sums: { method: 'features', features: 500, seed: 3 } }, tau: 1 }));
    const res = runFlow(f, mu0, { steps: 40, seed: 1, every: 20 });
    expect(mmdSquared(kernel, res.final.mu, nu)).toBeLessThan(0.3 * E0);
    // the energy's ½MMD² estimate agrees with the metric's for the same stream
    const E = mmdEnergy({ kernel, Y, d, sums: { method: 'features', features: 500, seed: 3 } });
    expect(2 * E.evaluate(mu0, { value: true }).value!).toBe(mmdSquared(kernel, mu0, nu, { method: 'features', features: 500, seed: 3 }));
    const L = mmdEnergy({ kernel: { kind: 'laplace', sigma: 1 }, Y, d, sums: 'features' });
    expect(L.evaluate(mu0, { xi: true }).xi!.length).toBe(n);
    expect(() => L.evaluate(mu0, { grad: true })).toThrow(/sums: got "features", expected 'exact' for gradients of the laplace kernel/);
    expect(() => mmdEnergy({ kernel: { kind: 'energy' }, Y, d, sums: 'features' })).toThrow(/kernel.kind: got "energy"/);
    expect(uniformWeights(2)[0]).toBe(0.5);
  });
});
