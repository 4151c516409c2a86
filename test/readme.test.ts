import { describe, expect, it } from 'vitest';
import { flow, ift, mmdEnergy, particleMeasure, paperGaussian2d, rng, runFlow } from '../src/index.js';

// The README's library example, kept in sync by hand: if this breaks, fix the README too.
describe('README library example', () => {
  it('runs and decreases the energy; the hand-built flow equals the preset', () => {
    const target = paperGaussian2d();
    const Y = target.sample(rng(0, 0), 200);
    const r = rng(1);
    const X0 = new Float64Array(400).map(() => 3 + r.normal());
    const mu0 = particleMeasure(X0, 2);
    const kernel = { kind: 'gaussian', sigma: 1 } as const;
    const f = flow(ift({ kernel, target: { Y, d: 2 }, tau: 1, eta: 0.1, variant: 'exact' }));
    const res = runFlow(f, mu0, { steps: 30, seed: 0, every: 10 });
    expect(res.history.at(-1)!.energy!).toBeLessThan(0.5 * res.history[0]!.energy!);
    let state = f.init(mu0);
    for (let t = 0; t < 3; t++) [state] = f.step(rng(0, t + 1), state);
    const same = flow({
      space: 'P',
      energy: mmdEnergy({ kernel, Y, d: 2 }),
      transport: { kind: 'wasserstein' },
      reaction: { kind: 'mmd', variant: 'exact', spherical: true },
      tau: 1,
      eta: 0.1,
    });
    let s2 = same.init(mu0);
    for (let t = 0; t < 3; t++) [s2] = same.step(rng(0, t + 1), s2);
    expect(Array.from(s2.mu.X)).toEqual(Array.from(state.mu.X));
    expect(Array.from(s2.mu.w)).toEqual(Array.from(state.mu.w));
  });
});

describe('README defaults example', () => {
  it('a preset with the spec defaults, a nested-array target, a median bandwidth and runFlow without options', () => {
    const quick = runFlow(
      flow(ift({ target: [[0, 0], [1, 2], [-1, 0.5]], kernel: { kind: 'gaussian', sigma: 'median' } })),
      particleMeasure([[3, 3], [2, 4], [4, 2]]),
    );
    expect(quick.stepsDone).toBe(100);
    expect(quick.history.at(-1)!.t).toBeCloseTo(100 * 0.1, 12);
    expect(quick.history.at(-1)!.energy!).toBeLessThan(quick.history[0]!.energy!);
  });
});
