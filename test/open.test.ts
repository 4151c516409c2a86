import { describe, expect, it } from 'vitest';
import {
  effectiveSampleSize,
  flow,
  ift,
  ksdEnergy,
  ksdSquared,
  mmdEnergy,
  paperGaussian2d,
  particleMeasure,
  rejuvenate,
  rng,
  runFlow,
  scoreIft,
  steinKernelMatrix,
} from '../src/index.js';
import { buildRun } from '../src/spec/build.js';

const target = paperGaussian2d();
const kernel = { kind: 'gaussian', sigma: 1 } as const;
function cloud(n: number, seed: number, shift = 2): Float64Array {
  const r = rng(seed, 0);
  return new Float64Array(2 * n).map(() => shift + r.normal());
}

describe('score-based IFT (½KSD² in the IFT geometry)', () => {
  it('the Stein Gram matrix gives ½KSD² = ½wᵀGw, equal to the KSD metric', () => {
    const n = 40;
    const X = cloud(n, 1);
    const w = new Float64Array(n).map((_, i) => 1 + (i % 3));
    const s = w.reduce((a, b) => a + b, 0);
    for (let i = 0; i < n; i++) w[i]! /= s;
    const G = steinKernelMatrix(kernel, X, target.score(X), 2);
    let q = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) q += w[i]! * G[i * n + j]! * w[j]!;
    const ksd2 = ksdSquared(kernel, particleMeasure(X, 2, w), target.score(X));
    expect(Math.abs(q - ksd2)).toBeLessThan(1e-12 * Math.abs(ksd2));
  });

  it('the preset equals its hand-built composition bit for bit', () => {
    const mu0 = particleMeasure(cloud(30, 2), 2);
    const a = runFlow(flow(scoreIft({ kernel, target, tau: 0.05, eta: 0.01, variant: 'stein' })), mu0, { steps: 5, seed: 3 });
    const b = runFlow(
      flow({ space: 'P', energy: ksdEnergy({ kernel, target }), transport: { kind: 'wasserstein', coef: 1 }, reaction: { kind: 'mmd', variant: 'stein', spherical: true, coef: 1 }, tau: 0.05, eta: 0.01 }),
      mu0,
      { steps: 5, seed: 3 },
    );
    expect(Array.from(a.final.mu.X)).toEqual(Array.from(b.final.mu.X));
    expect(Array.from(a.final.mu.w)).toEqual(Array.from(b.final.mu.w));
  });

  for (const variant of ['pgd', 'stein', 'exact'] as const) {
    it(`${variant} weight step: ½KSD² decreases at every step for small steps, weights stay on the simplex`, () => {
      const E = ksdEnergy({ kernel, target });
      const f = flow(scoreIft({ kernel, target, tau: 0.02, eta: variant === 'pgd' ? 0.002 : 0.05, variant }));
      let s = f.init(particleMeasure(cloud(40, 4), 2));
      let F = E.evaluate(s.mu, { value: true }).value!;
      const F0 = F;
      for (let t = 0; t < 15; t++) {
        [s] = f.step(rng(5, t + 1), s);
        const F1 = E.evaluate(s.mu, { value: true }).value!;
        expect(F1).toBeLessThanOrEqual(F + 1e-12);
        F = F1;
        expect(Math.abs(s.mu.w.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
        expect(s.mu.w.every((v) => v >= 0)).toBe(true);
      }
      expect(F).toBeLessThan(0.9 * F0);
    });
  }

  it('the Stein weight step is refused for energies that are not ½KSD², and variant stein for ift', () => {
    const Y = target.sample(rng(0), 50);
    expect(() => flow({ space: 'P', energy: mmdEnergy({ kernel, Y, d: 2 }), reaction: { kind: 'mmd', variant: 'stein' }, eta: 0.1 })).toThrow(/Stein weight step needs/);
    expect(() => buildRun({ algorithm: 'ift', target: { name: 'paper-gaussian-2d' }, init: { name: 'gaussian', n: 10, mean: [0, 0] }, variant: 'stein' } as never)).toThrow(/variant/);
  });

  it('runs from a spec', () => {
    const r = buildRun({ algorithm: 'score-ift', target: { name: 'paper-gaussian-2d' }, init: { name: 'gaussian', n: 20, mean: [2, 2], cov: 0.5 }, tau: 0.05, eta: 0.01, steps: 3 } as never);
    const res = runFlow(r.flow, r.mu0, { steps: 3, seed: 0 });
    expect(res.stepsDone).toBe(3);
  });
});

describe('particle rejuvenation', () => {
  const Y = target.sample(rng(9), 200);
  const E = mmdEnergy({ kernel, Y, d: 2 });
  it('keeps the mass exactly, w ≥ 0, never increases the energy, and revives vanished particles', () => {
    for (let seed = 0; seed < 20; seed++) {
      const n = 60;
      const X = cloud(n, seed, 0.5);
      const r = rng(seed, 1);
      const w = new Float64Array(n).map(() => (r.uniform() < 0.6 ? 1e-9 : r.uniform()));
      const mu = particleMeasure(X, 2, w.map((v) => v / w.reduce((a, b) => a + b, 0)));
      const before = E.evaluate(mu, { value: true }).value!;
      const res = rejuvenate(E, mu, {}, rng(seed, 2));
      const after = E.evaluate(res.mu, { value: true }).value!;
      expect(after).toBeLessThanOrEqual(before);
      const m0 = mu.w.reduce((a, b) => a + b, 0);
      const m1 = res.mu.w.reduce((a, b) => a + b, 0);
      expect(Math.abs(m1 - m0)).toBeLessThan(1e-15);
      expect(res.mu.w.every((v) => v >= 0)).toBe(true);
      if (res.relocated > 0) expect(effectiveSampleSize(res.mu.w)).toBeGreaterThan(effectiveSampleSize(mu.w));
    }
  });

  it('an IFT run with rejuvenation keeps a higher ESS than without, at no loss of energy decrease', () => {
    const mu0 = particleMeasure(cloud(80, 3, 1), 2);
    const cfg = ift({ kernel, target: { Y, d: 2 }, tau: 0.5, eta: 1, variant: 'exact' });
    const plain = runFlow(flow(cfg), mu0, { steps: 60, seed: 1 });
    const rej = runFlow(flow({ ...cfg, rejuvenate: {} }), mu0, { steps: 60, seed: 1 });
    const essPlain = effectiveSampleSize(plain.final.mu.w);
    const essRej = effectiveSampleSize(rej.final.mu.w);
    expect(essRej).toBeGreaterThan(1.5 * essPlain);
    const Fp = E.evaluate(plain.final.mu, { value: true }).value!;
    const Fr = E.evaluate(rej.final.mu, { value: true }).value!;
    expect(Fr).toBeLessThan(2 * Fp);
  });

  it('is refused without a reaction step or an energy value', () => {
    expect(() => flow({ space: 'P', energy: E, transport: { kind: 'wasserstein' }, tau: 1, rejuvenate: {} })).toThrow(/rejuvenate/);
    expect(() => flow({ ...ift({ kernel, target: { Y, d: 2 }, tau: 1, eta: 1 }), rejuvenate: { threshold: 2 } })).toThrow(/rejuvenate.threshold/);
  });
});
