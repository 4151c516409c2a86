import { describe, expect, it } from 'vitest';
import { klEnergy } from '../src/energies/kl.js';
import { mmdEnergy } from '../src/energies/mmd.js';
import { flow } from '../src/flows/flow.js';
import { runFlow } from '../src/flows/run.js';
import { main } from '../src/node/cli.js';
import { buildRun } from '../src/spec/build.js';
import { parseSpec } from '../src/spec/schema.js';
import { gaussianTarget } from '../src/targets/gaussian.js';

// Defects found in review, each pinned by a test.
const target = { name: 'paper-gaussian-2d', m: 20 };
const init = { name: 'gaussian', mean: [1, 1], n: 20 };

describe('combinations that used to run wrongly are refused', () => {
  const g = gaussianTarget({ mean: [0, 0], cov: 1 });
  it('Euclidean-metric drift with Langevin noise (it sampled at temperature 1/wᵢ)', () => {
    expect(() => flow({ space: 'P', energy: klEnergy({ target: g, estimator: 'langevin' }), transport: { kind: 'wasserstein', metric: 'euclidean' }, tau: 0.1 })).toThrow(
      /transport\.metric: got "euclidean", expected 'wasserstein' for energies with Langevin noise/,
    );
  });
  it('Stein transport with the (not positive-definite) energy kernel', () => {
    expect(() => flow({ space: 'P', energy: klEnergy({ target: g, estimator: 'langevin' }), transport: { kind: 'stein', kernel: { kind: 'energy' } }, tau: 0.1 })).toThrow(
      /transport\.kernel\.kind: got "energy", expected a positive-definite kernel/,
    );
  });
  it('½MMD² with the energy kernel on M+ (unbounded below off the simplex)', () => {
    const E = mmdEnergy({ kernel: { kind: 'energy' }, Y: new Float64Array([0, 0, 1, 1]), d: 2 });
    expect(() => flow({ space: 'M+', energy: E, reaction: { kind: 'mmd', spherical: false }, eta: 0.5 })).toThrow(/kernel\.kind: got "energy", expected a positive-definite kernel on M\+/);
  });
});

describe('spec fields are used or refused, never ignored', () => {
  it('algorithm-specific fields the algorithm does not read are errors', () => {
    expect(() => buildRun(parseSpec({ algorithm: 'mmd-flow', target, init, alpha: 7 }))).toThrow(/alpha: got 7, expected no "alpha" for algorithm "mmd-flow"/);
    expect(() => buildRun(parseSpec({ algorithm: 'wfr', target, init, noise: { level: 1, until: 3 } }))).toThrow(/noise: .*no "noise" for algorithm "wfr"/);
    expect(() => buildRun(parseSpec({ algorithm: 'svgd', target, init, reaction: { kind: 'hellinger' } }))).toThrow(/reaction: .*no "reaction" for algorithm "svgd"/);
  });
  it('custom: the top-level bandwidth / variant / mala are used; the KDE defaults to the median heuristic', () => {
    const b = buildRun(
      parseSpec({ algorithm: 'custom', target, init, energy: { kind: 'kl' }, transport: { kind: 'wasserstein' }, reaction: { kind: 'fisher-rao' }, tau: 0.01, eta: 0.1 }),
    );
    expect(b.flow.config.energy.provides.xi).toBe(true);
    const c = buildRun(parseSpec({ algorithm: 'custom', target, init, energy: { kind: 'mmd' }, reaction: { kind: 'mmd' }, variant: 'pgd', eta: 0.1 }));
    expect(c.flow.config.reaction).toMatchObject({ kind: 'mmd', variant: 'pgd', spherical: true });
  });
  it('custom on M+: the MMD reaction is non-spherical by default, so the mass changes', () => {
    const b = buildRun(parseSpec({ algorithm: 'custom', space: 'M+', target, init, energy: { kind: 'mmd' }, reaction: { kind: 'mmd' }, eta: 5, steps: 3 }));
    expect(b.flow.config.reaction).toMatchObject({ spherical: false });
    const res = runFlow(b.flow, b.mu0, { steps: 3, seed: 0, measure: b.measure, every: 1 });
    expect(Math.abs(res.history.at(-1)!.mass! - 1)).toBeGreaterThan(1e-3);
  });
  it('tau/eta are reported in the resolved spec only where the geometry uses them', () => {
    const r = buildRun(parseSpec({ algorithm: 'fisher-rao', target, init, tau: 3, eta: 0.2 })).resolved;
    expect(r.tau).toBeUndefined();
    expect(r.eta).toBe(0.2);
  });
});

describe('CLI', () => {
  it('an invalid option value inside a command prints its message (it used to exit 2 silently)', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'mf-review-'));
    const a = join(dir, 'a.csv');
    writeFileSync(a, 'x,y\n0,0\n1,1\n2,0\n');
    let err = '';
    const code = await main(['node', 'measureflow', 'metrics', a, a, '--sigma', 'abc'], { out: () => {}, err: (s) => void (err += s) });
    process.exitCode = 0;
    expect(code).toBe(2);
    expect(err).toMatch(/--sigma must be a finite number > 0 \(got 'abc'\)/);
  });
});

