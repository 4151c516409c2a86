/**
 * The run spec (src/spec): every preset builds and runs from a tiny 2-D JSON spec, the
 * resolved spec (defaults filled in) round-trips, the built flow equals the preset built by
 * hand from the same parts, and bad specs are rejected with a message naming the field.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.js';
import { rng } from '../src/core/rng.js';
import { type FlowConfig, flow } from '../src/flows/flow.js';
import { runFlow } from '../src/flows/run.js';
import * as P from '../src/presets/index.js';
import { buildRun } from '../src/spec/build.js';
import { SpecError, parseSpec, specJsonSchema } from '../src/spec/schema.js';
import { maxAbsDiff, sum } from './flowHelpers.js';

const init = { name: 'gaussian', mean: [2, 2], cov: 0.5, n: 6 };
const target = { name: 'paper-gaussian-2d' };

/** One tiny spec per preset (and two custom ones). */
const specs: Record<string, Record<string, unknown>> = {
  langevin: { algorithm: 'langevin', target, init, tau: 0.05 },
  mala: { algorithm: 'langevin', target, init, tau: 0.05, mala: true },
  svgd: { algorithm: 'svgd', target, init, tau: 0.2 },
  'mmd-flow': { algorithm: 'mmd-flow', target: { ...target, m: 7 }, init, tau: 0.5, noise: { level: 0.5, until: 1 } },
  'ksd-descent': { algorithm: 'ksd-descent', target, init, kernel: { kind: 'imq', sigma: 1 }, tau: 0.05 },
  ift: { algorithm: 'ift', target, init, tau: 0.5, eta: 0.2, beta: 2 },
  'ift-pgd-resample': { algorithm: 'ift', target: { ...target, resample: true }, init, tau: 0.5, eta: 0.2, variant: 'pgd' },
  wfr: { algorithm: 'wfr', target, init, tau: 0.5, eta: 0.2 },
  'birth-death': { algorithm: 'birth-death', target, init, tau: 0.05, eta: 0.1 },
  'inclusive-kl-mirror': { algorithm: 'inclusive-kl-mirror', target, init, eta: 0.5 },
  'inclusive-kl-mirror-stein': { algorithm: 'inclusive-kl-mirror', target, init, eta: 0.5, form: 'stein' },
  'fisher-rao': { algorithm: 'fisher-rao', target: { ...target, m: 4 }, init, eta: 0.3 },
  'nw-force': { algorithm: 'nw-force', target, init, tau: 0.5, kernel: { kind: 'gaussian', sigma: 'median' } },
  'mckean-vlasov': {
    algorithm: 'mckean-vlasov',
    target,
    init,
    tau: 0.02,
    potential: { kind: 'double-well' },
    interaction: { kind: 'kernel', kernel: { kind: 'gaussian', sigma: 0.5 }, scale: 0.2 },
    internal: { kind: 'porous', m: 2, bandwidth: 0.5 },
  },
  'ift-M+': { algorithm: 'ift', space: 'M+', target, init, tau: 0.5, eta: 0.2 },
  'custom-hellinger-M+': { algorithm: 'custom', space: 'M+', target, init, energy: { kind: 'mmd' }, reaction: { kind: 'hellinger' }, eta: 0.3 },
  'custom-kl-blob-stein': {
    algorithm: 'custom',
    target,
    init,
    energy: { kind: 'kl', estimator: 'blob', bandwidth: 0.5 },
    transport: { kind: 'stein', kernel: { kind: 'gaussian', sigma: 1 } },
    tau: 0.05,
    record: { metrics: ['energy', 'ksd', 'w2', 'ess', 'mass'] },
  },
};

describe('parseSpec + buildRun + runFlow for every preset (tiny 2-D example)', () => {
  for (const [name, raw] of Object.entries(specs)) {
    it(name, () => {
      const spec = parseSpec(raw);
      const built = buildRun({ ...spec, steps: 3 });
      expect(built.mu0.d).toBe(2);
      const res = runFlow(built.flow, built.mu0, { steps: 3, seed: 1, measure: built.measure });
      expect(res.stepsDone).toBe(3);
      expect(res.history.length).toBe(4);
      for (const row of res.history) {
        const wanted = built.resolved.record!.metrics!;
        for (const m of wanted) {
          if (m === 'energy' && !built.flow.config.energy.provides.value) continue;
          expect(Number.isFinite(row[m])).toBe(true);
        }
      }
      const last = res.history[3]!;
      if (built.flow.config.space === 'P') expect(last.mass).toBeCloseTo(1, 12);
      // the flow did something
      const moved = maxAbsDiff(res.final.mu.X, built.mu0.X) + maxAbsDiff(res.final.mu.w, built.mu0.w);
      expect(moved).toBeGreaterThan(1e-8);
      // the resolved spec is itself a valid spec and rebuilds the same run, bit for bit
      const again = buildRun(parseSpec(JSON.parse(JSON.stringify(built.resolved))));
      expect(again.mu0.X).toEqual(built.mu0.X);
      const res2 = runFlow(again.flow, again.mu0, { steps: 3, seed: 1, measure: again.measure });
      expect(res2.final.mu.X).toEqual(res.final.mu.X);
      expect(res2.final.mu.w).toEqual(res.final.mu.w);
    });
  }
});

describe('the built flow is the preset built by hand from the same parts', () => {
  const same = (a: FlowConfig, b: FlowConfig, mu0: Parameters<ReturnType<typeof flow>['init']>[0]) => {
    const fa = flow(a);
    const fb = flow(b);
    let sa = fa.init(mu0);
    let sb = fb.init(mu0);
    for (let t = 0; t < 3; t++) {
      sa = fa.step(rng(2, t + 1), sa)[0];
      sb = fb.step(rng(2, t + 1), sb)[0];
      expect(sa.mu.X).toEqual(sb.mu.X);
      expect(sa.mu.w).toEqual(sb.mu.w);
    }
  };
  it('ift: kernel σ, τ, η, α, β, variant go to the right places', () => {
    const b = buildRun(parseSpec({ algorithm: 'ift', target, init, kernel: { kind: 'gaussian', sigma: 0.8 }, tau: 0.4, eta: 0.3, alpha: 0.5, beta: 2, variant: 'pgd' }));
    const byHand = P.ift({ kernel: { kind: 'gaussian', sigma: 0.8 }, target: { Y: b.Y!, d: 2 }, tau: 0.4, eta: 0.3, alpha: 0.5, beta: 2, variant: 'pgd' });
    same(b.flow.config, byHand, b.mu0);
    // and a different α would differ (the comparison is sensitive)
    const other = P.ift({ kernel: { kind: 'gaussian', sigma: 0.8 }, target: { Y: b.Y!, d: 2 }, tau: 0.4, eta: 0.3, alpha: 0.6, beta: 2, variant: 'pgd' });
    expect(() => same(b.flow.config, other, b.mu0)).toThrow();
  });
  it('langevin: the score of the named target and τ', () => {
    const b = buildRun(parseSpec({ algorithm: 'langevin', target, init, tau: 0.07 }));
    same(b.flow.config, P.langevin({ target: b.target, tau: 0.07 }), b.mu0);
  });
  it('µ₀ and the target samples are drawn from rng(seed, 0); the target has m = n samples by default', () => {
    const b = buildRun(parseSpec({ algorithm: 'mmd-flow', target, init, seed: 9 }));
    expect(b.Y!.length).toBe(6 * 2);
    const b2 = buildRun(parseSpec({ algorithm: 'mmd-flow', target, init, seed: 9 }));
    expect(b2.Y).toEqual(b.Y);
    expect(b2.mu0.X).toEqual(b.mu0.X);
    const b3 = buildRun(parseSpec({ algorithm: 'mmd-flow', target, init, seed: 10 }));
    expect(b3.mu0.X).not.toEqual(b.mu0.X);
  });
  it('fisher-rao starts on the union of supports: n + m atoms, target atoms with weight 0', () => {
    const b = buildRun(parseSpec(specs['fisher-rao']));
    expect(b.mu0.n).toBe(6 + 4);
    expect(Array.from(b.mu0.w.subarray(6))).toEqual([0, 0, 0, 0]);
    expect(sum(b.mu0.w)).toBeCloseTo(1, 14);
  });
});

describe('defaults are filled in the resolved spec', () => {
  it('tau, eta, steps, seed, out, space, kernel, record', () => {
    const b = buildRun(parseSpec({ algorithm: 'mmd-flow', target, init }));
    const r = b.resolved;
    expect(r.tau).toBe(0.1);
    expect(r.eta).toBeUndefined(); // mmd-flow has no reaction part: eta is not reported
    expect(r.steps).toBe(100);
    expect(r.seed).toBe(0);
    expect(r.out).toBe('out/');
    expect(r.space).toBe('P');
    expect(r.kernel).toEqual({ kind: 'gaussian', sigma: 1 });
    expect(r.record).toEqual({ metrics: ['energy', 'mmd', 'mass'], every: 1, kernel: { kind: 'gaussian', sigma: 1 } });
    expect(buildRun(parseSpec({ algorithm: 'mmd-flow', target, init, steps: 1000 })).resolved.record!.every).toBe(10);
  });
  it('ift fills variant, alpha, beta; birth-death fills the KDE bandwidth it used', () => {
    const r = buildRun(parseSpec({ algorithm: 'ift', target, init })).resolved;
    expect([r.variant, r.alpha, r.beta]).toEqual(['exact', 1, 1]);
    const bd = buildRun(parseSpec({ algorithm: 'birth-death', target, init })).resolved;
    expect(typeof bd.bandwidth).toBe('number');
    expect(bd.bandwidth).toBeGreaterThan(0);
  });
  it('"median" bandwidth is resolved to the median pairwise distance of [X₀; Y] (computed here by brute force)', () => {
    const b = buildRun(parseSpec({ algorithm: 'mmd-flow', target, init, kernel: { kind: 'gaussian', sigma: 'median' } }));
    const pts = [...Array.from(b.mu0.X), ...Array.from(b.Y!)];
    const n = pts.length / 2;
    const dist: number[] = [];
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) dist.push(Math.hypot(pts[2 * i]! - pts[2 * j]!, pts[2 * i + 1]! - pts[2 * j + 1]!));
    dist.sort((a, c) => a - c);
    const med = dist.length % 2 ? dist[(dist.length - 1) / 2]! : Math.sqrt(0.5 * (dist[dist.length / 2 - 1]! ** 2 + dist[dist.length / 2]! ** 2));
    expect((b.resolved.kernel as { sigma: number }).sigma).toBeCloseTo(med, 12);
    expect(b.resolved.record!.kernel).toEqual(b.resolved.kernel);
  });
});

describe('inputs given as data', () => {
  it('a target given inline as {"name": "samples", "samples": [[…]]} is used as the sample', () => {
    const rows = [
      [0, 0],
      [1, 0.5],
      [-0.5, 1],
    ];
    const b = buildRun(parseSpec({ algorithm: 'mmd-flow', target: { name: 'samples', samples: rows }, init }));
    expect(Array.from(b.Y!)).toEqual(rows.flat());
  });
  it('files named by the spec are taken from the loaded data (target weights, init weights)', () => {
    const Y = new Float64Array([0, 0, 1, 1, 2, 0]);
    const X = new Float64Array([3, 3, 4, 3]);
    const b = buildRun(parseSpec({ algorithm: 'wfr', target: { samples: 'y.csv', weights: 'w.csv' }, init: { particles: 'x.csv', weights: 'v.csv' } }), {
      targetSamples: { X: Y, d: 2, w: new Float64Array([0.2, 0.3, 0.5]) },
      initParticles: { X, d: 2, w: new Float64Array([0.25, 0.75]) },
    });
    expect(b.mu0.X).toEqual(X);
    expect(Array.from(b.mu0.w)).toEqual([0.25, 0.75]);
    // the energy uses the target weights: F at µ = π̂ is 0
    const E = b.flow.config.energy;
    expect(E.evaluate({ n: 3, d: 2, X: Y, w: new Float64Array([0.2, 0.3, 0.5]) }, { value: true }).value).toBeCloseTo(0, 14);
  });
});

/** Runs parse + build and returns the error (or fails if none). */
function rejection(raw: unknown, data = {}): Error {
  try {
    buildRun(parseSpec(raw), data);
  } catch (e) {
    return e as Error;
  }
  throw new Error(`spec accepted: ${JSON.stringify(raw)}`);
}

describe('bad specs are rejected with a message naming the field', () => {
  const ok = { algorithm: 'mmd-flow', target, init };
  const cases: [string, unknown, RegExp, object?][] = [
    ['unknown algorithm', { ...ok, algorithm: 'mmd-flw' }, /^spec\.algorithm: .*"mmd-flw"/],
    ['negative tau', { ...ok, tau: -0.1 }, /^spec\.tau: .*got -0\.1/],
    ['zero eta', { ...ok, eta: 0 }, /^spec\.eta: /],
    ['unknown top-level key', { ...ok, taux: 0.1 }, /^spec\.taux: unknown key/],
    ['unknown key in the kernel', { ...ok, kernel: { kind: 'gaussian', sigma: 1, bandwith: 2 } }, /^spec\.kernel\.bandwith: unknown key/],
    ['sigma = 0', { ...ok, kernel: { kind: 'gaussian', sigma: 0 } }, /^spec\.kernel\.sigma: /],
    ['sigma < 0', { ...ok, kernel: { kind: 'imq', sigma: -2 } }, /^spec\.kernel\.sigma: /],
    ['unknown kernel type', { ...ok, kernel: { kind: 'cauchy' } }, /^spec\.kernel\.kind: /],
    ['energy kernel with a bandwidth', { ...ok, kernel: { kind: 'energy', sigma: 1 } }, /kernel\.sigma.*energy kernel/],
    ['non-integer steps', { ...ok, steps: 2.5 }, /^spec\.steps: /],
    ['seed ≥ 2³²', { ...ok, seed: 2 ** 32 }, /^spec\.seed: /],
    ['noise level 0', { ...ok, noise: { level: 0, until: 3 } }, /^spec\.noise\.level: /],
    ['init without n', { ...ok, init: { name: 'gaussian', mean: [0, 0] } }, /^spec\.init\.n: /],
    ['unknown key in a named target', { ...ok, target: { name: 'gaussian', mean: [0, 0], sd: 2 } }, /^target\.sd: /],
    ['unknown target name', { ...ok, target: { name: 'gaussiann' } }, /^target\.name: /],
    ['wrong dimension of init vs target', { ...ok, target: { name: 'gaussian', mean: [0, 0, 0] } }, /^target\.d: got 3, expected 2/],
    ['target samples file not loaded', { ...ok, target: { samples: 'y.csv' } }, /^target\.samples: .*"y\.csv"/],
    ['init particles file not loaded', { ...ok, init: { particles: 'x.csv' } }, /^init\.particles: .*"x\.csv"/],
    [
      'a score-based algorithm on a samples-only target',
      { ...ok, algorithm: 'langevin', target: { samples: 'y.csv' } },
      /^target: .*score/,
      { targetSamples: { X: new Float64Array([0, 0, 1, 1]), d: 2 } },
    ],
    ['custom without an energy', { ...ok, algorithm: 'custom', transport: { kind: 'wasserstein' } }, /^energy: .*custom/],
    ['custom: Hellinger on P', { ...ok, algorithm: 'custom', energy: { kind: 'mmd' }, reaction: { kind: 'hellinger' } }, /^reaction\.kind: .*'M\+'/],
    ['custom: unknown energy type', { ...ok, algorithm: 'custom', energy: { kind: 'chi2' } }, /^spec\.energy\.kind: /],
    ['porous m ≤ 1', { ...ok, algorithm: 'mckean-vlasov', internal: { kind: 'porous', m: 1, bandwidth: 1 } }, /^spec\.internal\.m: /],
    ['KSD metric with a laplace record kernel', { ...ok, record: { metrics: ['ksd'], kernel: { kind: 'laplace', sigma: 1 } } }, /^record\.kernel: /],
    ['space M+ for a P-only preset (not silently ignored)', { ...ok, algorithm: 'wfr', space: 'M+' }, /^space: got "M\+", expected no "space" for algorithm "wfr"/],
    ['unknown metric', { ...ok, record: { metrics: ['kl'] } }, /^spec\.record\.metrics\.0: /],
  ];
  for (const [name, raw, msg, data] of cases) {
    it(name, () => {
      const e = rejection(raw, data);
      expect(e).toBeInstanceOf(InputError);
      expect(e.message).toMatch(msg);
    });
  }
  it('SpecError lists every bad field', () => {
    const e = rejection({ ...ok, tau: -1, eta: 0, foo: 1 }) as SpecError;
    expect(e).toBeInstanceOf(SpecError);
    expect(e.issues.map((i) => i.path).sort()).toEqual(['spec.eta', 'spec.foo', 'spec.tau']);
    expect(e.message).toMatch(/spec\.tau.*spec\.eta|spec\.eta.*spec\.tau/);
  });
  it('a non-object spec is rejected', () => {
    expect(() => parseSpec(42)).toThrow(/^spec: /);
  });
});

describe('specJsonSchema', () => {
  it('describes every top-level field of the spec', () => {
    const schema = specJsonSchema() as { properties: Record<string, unknown>; required?: string[] };
    for (const k of ['algorithm', 'target', 'init', 'tau', 'eta', 'kernel', 'record']) expect(schema.properties[k]).toBeDefined();
    expect(schema.required).toEqual(expect.arrayContaining(['algorithm', 'target', 'init']));
  });
});
