/**
 * One vocabulary and the same defaults everywhere: `kind` in the library and the spec
 * (`type` read as an alias), the presets' defaults and conveniences, one argument order for
 * the metrics, and engine-independent elementary functions.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expNonPositive } from '../src/backend/exp.js';
import { kernelSum } from '../src/backend/kernelSums.js';
import { exp, hypot2, powNonNegative } from '../src/core/math.js';
import { particleMeasure } from '../src/core/measure.js';
import { rng } from '../src/core/rng.js';
import { flow } from '../src/flows/flow.js';
import { runFlow } from '../src/flows/run.js';
import type { Kernel } from '../src/kernels/kernel.js';
import { checkKernel, kernelValue } from '../src/kernels/kernel.js';
import { ksdSquared } from '../src/metrics/ksd.js';
import { energyDistanceSquared, mmd, mmdSquared, mmdSquaredUnbiased } from '../src/metrics/mmd.js';
import { exampleSpec } from '../src/presets/catalog.js';
import * as P from '../src/presets/index.js';
import { buildRun } from '../src/spec/build.js';
import { parseSpec } from '../src/spec/schema.js';
import { gaussianTarget } from '../src/targets/gaussian.js';
import { paperGaussian2d } from '../src/targets/paper.js';

const F = (cfg: ReturnType<typeof P.ift>, mu: ReturnType<typeof particleMeasure>) => cfg.energy.evaluate(mu, { value: true }).value!;

/** Median of the pairwise distances |yᵢ − yⱼ|, i < j, by brute force. */
function bruteMedian(Y: Float64Array, d: number): number {
  const n = Y.length / d;
  const ds: number[] = [];
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let a = 0; a < d; a++) s += (Y[i * d + a]! - Y[j * d + a]!) ** 2;
      ds.push(Math.sqrt(s));
    }
  ds.sort((a, b) => a - b);
  const k = ds.length >> 1;
  return ds.length % 2 ? ds[k]! : (ds[k - 1]! + ds[k]!) / 2;
}

describe('one word: kind', () => {
  const base = { algorithm: 'ift', target: { name: 'paper-gaussian-2d', m: 20 }, init: { name: 'gaussian', mean: [1, 1], n: 20 } };

  it('the spec says kind; type is read as its alias everywhere a kind is named', () => {
    const withKind = parseSpec({
      ...base,
      algorithm: 'custom',
      kernel: { kind: 'imq', sigma: 2 },
      energy: { kind: 'mmd' },
      transport: { kind: 'wasserstein' },
      reaction: { kind: 'mmd' },
      record: { kernel: { kind: 'gaussian', sigma: 1 } },
    });
    const withType = parseSpec({
      ...base,
      algorithm: 'custom',
      kernel: { type: 'imq', sigma: 2 },
      energy: { type: 'mmd' },
      transport: { type: 'wasserstein' },
      reaction: { type: 'mmd' },
      record: { kernel: { type: 'gaussian', sigma: 1 } },
    });
    expect(withType).toEqual(withKind);
    const mv = { kind: 'kernel', kernel: { kind: 'gaussian', sigma: 0.5 }, scale: 0.2 };
    expect(parseSpec({ ...base, algorithm: 'mckean-vlasov', interaction: { type: 'kernel', kernel: { type: 'gaussian', sigma: 0.5 }, scale: 0.2 } }).interaction).toEqual(mv);
  });

  it('both words in one object is an error naming the field; the resolved spec says kind', () => {
    expect(() => parseSpec({ ...base, kernel: { kind: 'gaussian', type: 'imq', sigma: 1 } })).toThrow(/^spec\.kernel\.type: .*only "kind"/);
    const r = buildRun(parseSpec({ ...base, kernel: { type: 'laplace', sigma: 2 } })).resolved;
    expect(r.kernel).toEqual({ kind: 'laplace', sigma: 2 });
    // a named distribution's own keys are never renamed
    expect(() => parseSpec({ ...base, target: { name: 'paper-gaussian-2d', type: 'x' } })).not.toThrow();
  });

  it('the library points a user who writes type to kind', () => {
    expect(() => checkKernel({ type: 'gaussian', sigma: 1 })).toThrow(/kernel\.kind: got undefined.*write \{kind: "gaussian"/);
    const Y = new Float64Array([0, 0, 1, 1]);
    const bad = { space: 'P', energy: P.mmdFlow({ target: { Y, d: 2 } }).energy, transport: { type: 'wasserstein' }, tau: 1 };
    expect(() => flow(bad as never)).toThrow(/transport\.kind: .*write kind, not type/);
  });

  it('the shipped example specs say kind and equal `measureflow init`', () => {
    const dir = new URL('../examples/presets/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBe(P.PRESET_NAMES.length);
    for (const f of files) {
      const text = readFileSync(new URL(f, dir), 'utf8');
      expect(text).not.toMatch(/"type"/);
      const spec = JSON.parse(text);
      expect(spec).toEqual(exampleSpec(spec.algorithm, spec.out));
    }
    expect(readFileSync(new URL('../examples/ift-gaussian-2d.json', import.meta.url), 'utf8')).not.toMatch(/"type"/);
  });
});

describe('presets: the spec defaults and conveniences', () => {
  const target = paperGaussian2d();
  const Y = target.sample(rng(0, 0), 30);
  const rows = Array.from({ length: 30 }, (_, i) => [Y[2 * i]!, Y[2 * i + 1]!]);
  const mu = particleMeasure(target.sample(rng(1, 0), 25), 2);
  const kernel: Kernel = { kind: 'gaussian', sigma: 1 };

  it('tau, eta and the kernel default to the spec defaults (0.1, 0.1, gaussian σ = 1)', () => {
    const c = P.ift({ target: { Y, d: 2 } });
    expect([c.tau, c.eta]).toEqual([0.1, 0.1]);
    const spec = buildRun(parseSpec({ algorithm: 'ift', target: { name: 'paper-gaussian-2d' }, init: { name: 'gaussian', mean: [0, 0], n: 5 } })).resolved;
    expect([spec.tau, spec.eta, spec.kernel]).toEqual([c.tau, c.eta, P.DEFAULT_KERNEL]);
    expect(F(c, mu)).toBe(F(P.ift({ kernel, target: { Y, d: 2 }, tau: 0.1, eta: 0.1 }), mu));
    for (const cfg of [P.wfr({ target: { Y, d: 2 } }), P.fisherRao({ target: { Y, d: 2 } }), P.birthDeath({ target, bandwidth: 1 })]) expect(cfg.eta).toBe(0.1);
    for (const cfg of [P.mmdFlow({ target: { Y, d: 2 } }), P.nwForce({ target: { Y, d: 2 } }), P.langevin({ target }), P.svgd({ target }), P.ksdDescent({ target })])
      expect(cfg.tau).toBe(0.1);
  });

  it('a target as a bare Float64Array (with d), nested arrays or a measure gives the same energy', () => {
    const ref = F(P.ift({ kernel, target: { Y, d: 2 } }), mu);
    expect(F(P.ift({ kernel, target: Y, d: 2 }), mu)).toBe(ref);
    expect(F(P.ift({ kernel, target: rows }), mu)).toBe(ref);
    expect(F(P.ift({ kernel, target: particleMeasure(Y, 2) }), mu)).toBe(ref);
    expect(() => P.ift({ kernel, target: Y })).toThrow(/^target: .*the dimension too/);
    expect(() => P.ift({ kernel, target: [[0, 1], [2]] })).toThrow(/target\[1\]\.length: got 1, expected 2/);
  });

  it("sigma: 'median' is the median distance between the target samples (brute force)", () => {
    const c = P.mmdFlow({ kernel: { kind: 'gaussian', sigma: 'median' }, target: rows });
    const direct = P.mmdFlow({ kernel: { kind: 'gaussian', sigma: bruteMedian(Y, 2) }, target: { Y, d: 2 } });
    expect(F(c, mu)).toBeCloseTo(F(direct, mu), 15);
    expect(() => P.svgd({ target, kernel: { kind: 'gaussian', sigma: 'median' } })).toThrow(/kernel\.sigma: .*medianBandwidth\(X0, d\)/);
  });

  it('runFlow without options runs the spec default: 100 steps with seed 0', () => {
    const f = flow(P.mmdFlow({ kernel, target: { Y, d: 2 }, tau: 0.5 }));
    const a = runFlow(f, mu);
    const b = runFlow(f, mu, { steps: 100, seed: 0 });
    expect(a.stepsDone).toBe(100);
    expect(a.final.mu.X).toEqual(b.final.mu.X);
  });

  it('particleMeasure takes nested arrays (and flat number arrays with d)', () => {
    const a = particleMeasure(rows);
    expect(a.d).toBe(2);
    expect(a.X).toEqual(Y);
    expect(particleMeasure(Array.from(Y), 2).X).toEqual(Y);
    const w = Array.from({ length: 30 }, (_, i) => (i === 0 ? 1 : 0));
    expect(particleMeasure(rows, w).w[0]).toBe(1);
    expect(() => particleMeasure([[0, 1], [0, 'x' as unknown as number]])).toThrow(/measure\.X\[1\]\[1\]: got "x"/);
  });
});

describe('metrics: (mu, nu, opts) and names that say what is squared', () => {
  const x = particleMeasure(new Float64Array([0, 0]), 2);
  const y = particleMeasure(new Float64Array([1, 2]), 2);
  const sigma = 1.5;
  const k: Kernel = { kind: 'gaussian', sigma };

  it('MMD² between two Dirac masses is 2 − 2k(x, y); MMD is its square root; energy distance² is 2|x − y|', () => {
    const closed = 2 - 2 * Math.exp(-5 / (2 * sigma * sigma));
    expect(mmdSquared(x, y, { kernel: k })).toBeCloseTo(closed, 15);
    expect(mmd(x, y, { kernel: k })).toBeCloseTo(Math.sqrt(closed), 15);
    expect(energyDistanceSquared(x, y)).toBeCloseTo(2 * Math.sqrt(5), 14);
    // the default kernel is the spec's: gaussian σ = 1
    expect(mmdSquared(x, y)).toBeCloseTo(2 - 2 * Math.exp(-5 / 2), 15);
  });

  it('the deprecated kernel-first order gives the same numbers', () => {
    const r = rng(4, 0);
    const a = particleMeasure(new Float64Array(40).map(() => r.normal()), 2);
    const b = particleMeasure(new Float64Array(40).map(() => 1 + r.normal()), 2);
    expect(mmdSquared(k, a, b)).toBe(mmdSquared(a, b, { kernel: k }));
    expect(mmdSquaredUnbiased(k, a, b)).toBe(mmdSquaredUnbiased(a, b, { kernel: k }));
    const t = gaussianTarget({ mean: [0, 0] });
    expect(ksdSquared(k, a, t.score(a.X))).toBe(ksdSquared(a, t, { kernel: k }));
  });

  it("KSD with sigma 'median' takes the median over µ alone", () => {
    const r = rng(5, 0);
    const X = new Float64Array(30).map(() => 2 * r.normal());
    const a = particleMeasure(X, 2);
    const t = gaussianTarget({ mean: [0, 0] });
    const med = ksdSquared(a, t, { kernel: { kind: 'gaussian', sigma: 'median' } });
    expect(med).toBe(ksdSquared(a, t.score(X), { kernel: { kind: 'gaussian', sigma: bruteMedian(X, 2) } }));
  });
});

describe('engine-independent elementary functions', () => {
  it('exp agrees with Math.exp to 1 ulp over the whole range, and with the kernels’ exp for x ≤ 0', () => {
    let worst = 0;
    for (let i = 0; i <= 20000; i++) {
      const x = -745 + (i * (709.7 + 745)) / 20000;
      const a = exp(x);
      const b = Math.exp(x);
      if (b > 2.3e-308) worst = Math.max(worst, Math.abs(a - b) / b);
      if (x <= 0 && x >= -708.39) expect(a).toBe(expNonPositive(x));
    }
    expect(worst).toBeLessThanOrEqual(2.3e-16);
    expect([exp(0), exp(710), exp(-746), exp(Number.NaN)]).toEqual([1, Infinity, 0, Number.NaN]);
    expect(exp(1)).toBeCloseTo(Math.E, 15);
    expect(exp(-744)).toBeGreaterThan(0); // subnormal, not flushed
  });

  it('powNonNegative agrees with ** to a few ulps; exact for the special exponents', () => {
    let worst = 0;
    for (let i = 1; i <= 2000; i++)
      for (const y of [-2.5, -0.7, 0.3, 1.5, 2.7]) {
        const x = i / 97;
        worst = Math.max(worst, Math.abs(powNonNegative(x, y) - x ** y) / x ** y);
      }
    expect(worst).toBeLessThan(4e-15);
    expect([powNonNegative(3, 0), powNonNegative(3, 1), powNonNegative(4, 0.5), powNonNegative(0, 1.5), powNonNegative(0, -1)]).toEqual([1, 3, 2, 0, Infinity]);
  });

  it('hypot2 agrees with Math.hypot to 2 ulp, without overflow or underflow', () => {
    const r = rng(9, 0);
    for (let i = 0; i < 2000; i++) {
      const x = r.normal() * 10 ** (r.uniform() * 40 - 20);
      const y = r.normal() * 10 ** (r.uniform() * 40 - 20);
      expect(Math.abs(hypot2(x, y) - Math.hypot(x, y))).toBeLessThanOrEqual(4.5e-16 * Math.hypot(x, y));
    }
    expect([hypot2(3e300, 4e300), hypot2(3e-320, 4e-320), hypot2(0, 0), hypot2(-Infinity, 1)]).toEqual([5e300, Math.hypot(3e-320, 4e-320), 0, Infinity]);
  });

  it('kernelValue is the value the kernel sums use, bit for bit, and matches the closed forms', () => {
    const kernels: Kernel[] = [
      { kind: 'gaussian', sigma: 0.8 },
      { kind: 'imq', sigma: 1.3, beta: 0.7 },
      { kind: 'laplace', sigma: 2 },
      { kind: 'matern32', sigma: 0.6 },
      { kind: 'energy', beta: 1.4 },
    ];
    const closed = (k: Kernel, s: number): number => {
      const r = Math.sqrt(s);
      if (k.kind === 'gaussian') return Math.exp(-s / (2 * k.sigma ** 2));
      if (k.kind === 'imq') return (1 + s / k.sigma ** 2) ** -(k.beta ?? 0.5);
      if (k.kind === 'laplace') return Math.exp(-r / k.sigma);
      if (k.kind === 'matern32') return (1 + (Math.sqrt(3) * r) / k.sigma) * Math.exp((-Math.sqrt(3) * r) / k.sigma);
      return -(r ** (k.beta ?? 1));
    };
    for (const k of kernels)
      for (let i = 0; i < 50; i++) {
        const xy = new Float64Array([0.1 * i, -0.05 * i]);
        const s = xy[0]! ** 2 + xy[1]! ** 2;
        const v = kernelValue(k, s);
        // === : the same double (a sum of one term may turn −0 into +0)
        expect(v === kernelSum(k, new Float64Array(2), xy, 2, new Float64Array([1]))[0]).toBe(true);
        expect(Math.abs(v - closed(k, s))).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(v)));
      }
  });
});
