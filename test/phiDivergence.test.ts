import { describe, expect, it } from 'vitest';
import { flow, gaussianTarget, mmdEnergy, particleMeasure, phiDivergenceEnergy, rng, runFlow } from '../src/index.js';

const target2 = gaussianTarget({ mean: [0.5, -0.3], cov: [[1, 0.3], [0.3, 0.8]] });
function cloud(n: number, seed: number): Float64Array {
  const r = rng(seed, 0);
  return new Float64Array(2 * n).map(() => 0.5 + 0.8 * r.normal());
}

describe('power φ-divergences D_p (blob)', () => {
  for (const p of [0.5, 2, 3]) {
    it(`p = ${p}: ∂F/∂xᵢ = wᵢ∇ξ(xᵢ) and ∂F/∂wᵢ − ∂F/∂wⱼ = ξ(xᵢ) − ξ(xⱼ) by finite differences`, () => {
      const n = 25;
      const X = cloud(n, 1);
      const r = rng(2);
      const w = new Float64Array(n).map(() => 0.5 + r.uniform());
      const s = w.reduce((a, b) => a + b, 0);
      for (let i = 0; i < n; i++) w[i]! /= s;
      const E = phiDivergenceEnergy({ target: target2, p, bandwidth: 0.6 });
      const mu = particleMeasure(X, 2, w);
      const ev = E.evaluate(mu, { value: true, xi: true, grad: true });
      const F = (Xp: Float64Array, wp: Float64Array) => E.evaluate({ n, d: 2, X: Xp, w: wp }, { value: true }).value!;
      const h = 1e-6;
      for (const i of [0, 7, 19]) {
        for (let a = 0; a < 2; a++) {
          const Xp = X.slice();
          const Xm = X.slice();
          Xp[i * 2 + a]! += h;
          Xm[i * 2 + a]! -= h;
          const fd = (F(Xp, w) - F(Xm, w)) / (2 * h);
          expect(Math.abs(fd - w[i]! * ev.grad![i * 2 + a]!)).toBeLessThan(1e-7);
        }
        const j = (i + 3) % n;
        const wp = w.slice();
        const wm = w.slice();
        wp[i]! += h;
        wp[j]! -= h;
        wm[i]! -= h;
        wm[j]! += h;
        expect(Math.abs((F(X, wp) - F(X, wm)) / (2 * h) - (ev.xi![i]! - ev.xi![j]!))).toBeLessThan(1e-6);
      }
    });
  }

  it('the value matches E_µ[(ρ̂/π)^{p−1} − 1]/(p(p−1)) by 1-D quadrature for quantile particles', () => {
    const t1 = gaussianTarget({ mean: [0], cov: 1 });
    const n = 2000;
    const m = 0.7;
    const sd = 0.6;
    const h = 0.3;
    // quantile particles of N(m, sd²) (inverse normal CDF by bisection on erf-free series: use a fine grid CDF)
    const grid = 200001;
    const lo = m - 8 * sd;
    const dx = (16 * sd) / (grid - 1);
    const cdf: number[] = [];
    let acc = 0;
    for (let k = 0; k < grid; k++) {
      const x = lo + k * dx;
      acc += (Math.exp(-((x - m) ** 2) / (2 * sd * sd)) / Math.sqrt(2 * Math.PI * sd * sd)) * dx;
      cdf.push(acc);
    }
    const X = new Float64Array(n);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const u = (i + 0.5) / n;
      while (cdf[k]! < u) k++;
      X[i] = lo + k * dx;
    }
    for (const p of [2, 0.5]) {
      const F = phiDivergenceEnergy({ target: t1, p, bandwidth: h }).evaluate(particleMeasure(X, 1), { value: true }).value!;
      // ρ̂ ≈ N(m, sd² + h²); E over N(m, sd²) by quadrature
      const v = sd * sd + h * h;
      let q = 0;
      for (let j = 0; j < grid; j++) {
        const x = lo + j * dx;
        const mu = Math.exp(-((x - m) ** 2) / (2 * sd * sd)) / Math.sqrt(2 * Math.PI * sd * sd);
        const rho = Math.exp(-((x - m) ** 2) / (2 * v)) / Math.sqrt(2 * Math.PI * v);
        const pi = Math.exp(-(x * x) / 2) / Math.sqrt(2 * Math.PI);
        q += mu * ((rho / pi) ** (p - 1) - 1) * dx;
      }
      const exact = q / (p * (p - 1));
      expect(Math.abs(F - exact)).toBeLessThan(0.01 * Math.abs(exact));
    }
  });

  it('the Wasserstein flow of ½χ² (p = 2) decreases its energy', () => {
    const E = phiDivergenceEnergy({ target: target2, p: 2, bandwidth: 0.5 });
    // The velocity −∇(ρ/π) grows like (ρ/π)·|∇log π| in π's tails: the explicit step needs a
    // cloud not far in the tails and a small τ (a shifted sample of π here).
    const f = flow({ space: 'P', energy: E, transport: { kind: 'wasserstein' }, tau: 0.002 });
    const res = runFlow(f, particleMeasure(target2.sample(rng(3), 60).map((v) => v + 0.4), 2), { steps: 100, seed: 0, every: 1 });
    const Fs = res.history.map((h) => h.energy!);
    for (let k = 1; k < Fs.length; k++) expect(Fs[k]!).toBeLessThanOrEqual(Fs[k - 1]! + 1e-12);
    expect(Fs.at(-1)!).toBeLessThan(0.5 * Fs[0]!);
  });

  it('force-kernelized χ² (IKL paper eq. 21): 𝒯_{k,π}(ρ̂/π − 1) equals the MMD witness of µ̂ ∗ φ_h — by importance sampling over π', () => {
    // LHS from the χ² side: (1/M)Σₗ k(z, yₗ)(ρ̂(yₗ)/π(yₗ) − 1), yₗ ∼ π; RHS from the MMD side:
    // ∫k(z,y)ρ̂(y)dy − (1/M)Σₗ k(z, yₗ) with the Gaussian convolution in closed form.
    const sigma = 1;
    const h = 0.4;
    const X = cloud(30, 5);
    const mu = particleMeasure(X, 2);
    const M = 200000;
    const Y = target2.sample(rng(8), M);
    const lp = target2.logDensity(Y);
    const kde = (y0: number, y1: number) => {
      let s = 0;
      for (let j = 0; j < 30; j++) s += Math.exp(-((y0 - X[2 * j]!) ** 2 + (y1 - X[2 * j + 1]!) ** 2) / (2 * h * h)) / (30 * 2 * Math.PI * h * h);
      return s;
    };
    for (const z of [[0, 0], [1, -1]]) {
      let lhs = 0;
      let lhs2 = 0;
      let kpi = 0;
      for (let l = 0; l < M; l++) {
        const k = Math.exp(-((z[0]! - Y[2 * l]!) ** 2 + (z[1]! - Y[2 * l + 1]!) ** 2) / (2 * sigma * sigma));
        const v = k * (kde(Y[2 * l]!, Y[2 * l + 1]!) / Math.exp(lp[l]!) - 1);
        lhs += v / M;
        lhs2 += (v * v) / M;
        kpi += k / M;
      }
      const se = Math.sqrt((lhs2 - lhs * lhs) / M);
      const c = (sigma * sigma) / (sigma * sigma + h * h);
      let conv = 0;
      for (let j = 0; j < 30; j++) conv += (c * Math.exp(-((z[0]! - X[2 * j]!) ** 2 + (z[1]! - X[2 * j + 1]!) ** 2) / (2 * (sigma * sigma + h * h)))) / 30;
      const rhs = conv - kpi;
      expect(Math.abs(lhs - rhs)).toBeLessThan(5 * se + 1e-12);
      // and the MMD energy's witness against the same samples gives the π term
      const E = mmdEnergy({ kernel: { kind: 'gaussian', sigma }, Y: Y.subarray(0, 2 * 1000), d: 2 });
      expect(E.evaluate(mu, { xi: true, at: new Float64Array(z) }).xi!.length).toBe(1);
    }
  }, 60000);
});

describe('φ-divergence energies from a run spec', () => {
  it('custom: {kind: phi-divergence, p: 2} in the Wasserstein geometry decreases ½χ²', async () => {
    const { parseSpec, buildRun } = await import('../src/spec/index.js');
    const spec = parseSpec({
      algorithm: 'custom',
      target: { name: 'gaussian', mean: [0, 0], cov: [[1, 0.3], [0.3, 0.8]] },
      init: { name: 'gaussian', mean: [0.3, 0.2], cov: 0.8, n: 60 },
      energy: { kind: 'phi-divergence', p: 2, bandwidth: 0.5 },
      transport: { kind: 'wasserstein' },
      tau: 0.002,
      steps: 50,
    });
    const b = buildRun(spec);
    const res = runFlow(b.flow, b.mu0, { steps: 50, seed: 0, every: 10, measure: b.measure });
    const e = res.history.map((h) => h.energy!);
    expect(e.at(-1)!).toBeLessThan(e[0]!);
    expect(() => buildRun(parseSpec({ ...spec, energy: { kind: 'phi-divergence', p: 1, bandwidth: 0.5 } }))).toThrow(/p: got 1/);
  });
});
