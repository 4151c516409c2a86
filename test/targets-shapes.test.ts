/**
 * The 2-D teaching targets (donut, funnel, squiggle, ring): the score against central
 * finite differences of the log density, and the exact samplers' moments against moments
 * computed independently by quadrature of exp(logDensity) on a grid (or closed forms).
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.js';
import { rng } from '../src/core/rng.js';
import { donutTarget } from '../src/targets/donut.js';
import { funnelTarget } from '../src/targets/funnel.js';
import { makeTarget, TARGET_NAMES } from '../src/targets/makeTarget.js';
import { ringTarget } from '../src/targets/ring.js';
import { squiggleTarget } from '../src/targets/squiggle.js';
import type { Target } from '../src/targets/target.js';

type Full = Required<Pick<Target, 'logDensity' | 'score' | 'sample'>> & Target;

const cases: [string, Full][] = [
  ['donut', donutTarget() as Full],
  ['funnel (s = 1.5)', funnelTarget({ s: 1.5 }) as Full],
  ['squiggle', squiggleTarget() as Full],
  ['ring', ringTarget() as Full],
];

describe('score = ∇ logDensity (central differences, h = 1e-5)', () => {
  for (const [name, t] of cases) {
    it(name, () => {
      const g = rng(7, 1);
      const n = 40;
      const X = new Float64Array(2 * n);
      for (let i = 0; i < 2 * n; i++) X[i] = 2 * g.normal();
      const S = t.score(X);
      const h = 1e-5;
      for (let i = 0; i < n; i++) {
        for (let a = 0; a < 2; a++) {
          const P = Float64Array.from(X.subarray(2 * i, 2 * i + 2));
          const M = Float64Array.from(P);
          P[a]! += h;
          M[a]! -= h;
          const fd = (t.logDensity(P)[0]! - t.logDensity(M)[0]!) / (2 * h);
          expect(Math.abs(S[2 * i + a]! - fd)).toBeLessThan(1e-5 * (1 + Math.abs(fd)));
        }
      }
    });
  }
});

/** E f(x) under exp(logDensity) by the midpoint rule on [lo, hi]² with k² cells. */
function quadrature(t: Full, lo: number[], hi: number[], k: number, fs: ((x: number, y: number) => number)[]): number[] {
  const hx = (hi[0]! - lo[0]!) / k;
  const hy = (hi[1]! - lo[1]!) / k;
  const X = new Float64Array(2 * k * k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) {
      X[2 * (i * k + j)] = lo[0]! + (i + 0.5) * hx;
      X[2 * (i * k + j) + 1] = lo[1]! + (j + 0.5) * hy;
    }
  const L = t.logDensity(X);
  let z = 0;
  const sums = fs.map(() => 0);
  for (let c = 0; c < k * k; c++) {
    const p = Math.exp(L[c]!);
    z += p;
    fs.forEach((f, q) => {
      sums[q]! += p * f(X[2 * c]!, X[2 * c + 1]!);
    });
  }
  return sums.map((s) => s / z);
}

describe('exact samplers: sample moments against quadrature of exp(logDensity)', () => {
  // For each statistic f: |mean_n(f) − E f| < 5·sd(f)/√n (sd from the quadrature, two-sided
  // normal tail 5.7e-7 per statistic).
  const fs = [(x: number) => x, (_x: number, y: number) => y, (x: number) => x * x, (_x: number, y: number) => y * y, (x: number, y: number) => x * y];
  const boxes: Record<string, [number[], number[]]> = {
    donut: [[-6, -6], [6, 6]],
    'funnel (s = 1.5)': [[-60, -9], [60, 9]],
    squiggle: [[-9, -4], [9, 4]],
    ring: [[-6, -6], [6, 6]],
  };
  for (const [name, t] of cases) {
    it(name, () => {
      const [lo, hi] = boxes[name]!;
      const n = 40_000;
      const Y = t.sample(rng(3, 5), n);
      const sq = fs.map((f) => (x: number, y: number) => f(x, y) ** 2);
      const ex = quadrature(t, lo, hi, 800, [...fs, ...sq]);
      for (let q = 0; q < fs.length; q++) {
        let m = 0;
        for (let i = 0; i < n; i++) m += fs[q]!(Y[2 * i]!, Y[2 * i + 1]!);
        m /= n;
        const sd = Math.sqrt(Math.max(0, ex[fs.length + q]! - ex[q]! ** 2));
        expect(Math.abs(m - ex[q]!), `${name} statistic ${q}: sample ${m}, quadrature ${ex[q]}`).toBeLessThan((5 * sd) / Math.sqrt(n) + 1e-3 * sd);
      }
    });
  }
});

describe('closed forms', () => {
  it('funnel: Var x₁ = e^{s²/2}, Var x₂ = s² (the cov member), logDensity normalised (∫ = 1 by quadrature)', () => {
    const t = funnelTarget({ s: 1 });
    expect(t.cov[0]).toBeCloseTo(Math.exp(0.5), 12);
    expect(t.cov[3]).toBe(1);
    // ∫ exp(log π) over a box holding all but ~1e-9 of the mass
    const k = 1200;
    const [x0, x1, v0, v1] = [-40, 40, -7, 7];
    let z = 0;
    const X = new Float64Array(2);
    for (let i = 0; i < k; i++)
      for (let j = 0; j < k; j++) {
        X[0] = x0 + ((i + 0.5) * (x1 - x0)) / k;
        X[1] = v0 + ((j + 0.5) * (v1 - v0)) / k;
        z += Math.exp(t.logDensity(X)[0]!);
      }
    z *= ((x1 - x0) * (v1 - v0)) / (k * k);
    expect(Math.abs(z - 1)).toBeLessThan(1e-3);
  });
  it('donut: the score points to the ring (zero on it, inwards outside, outwards inside)', () => {
    const t = donutTarget({ r: 2, s: 0.5 });
    const S = t.score(Float64Array.from([2, 0, 3, 0, 1, 0, 0, 0]));
    expect(Math.abs(S[0]!)).toBe(0);
    expect(S[2]).toBeCloseTo(-1 / 0.25, 12);
    expect(S[4]).toBeCloseTo(1 / 0.25, 12);
    expect([S[6], S[7]]).toEqual([0, 0]);
  });
  it('ring: cov = (s² + R²/2)·I for k ≥ 3', () => {
    const t = ringTarget({ k: 5, radius: 2, s: 0.5 });
    expect(t.cov[0]).toBeCloseTo(0.25 + 2, 10);
    expect(t.cov[3]).toBeCloseTo(0.25 + 2, 10);
    expect(Math.abs(t.cov[1]!)).toBeLessThan(1e-12);
  });
});

describe('makeTarget names and bad input', () => {
  it('builds each new name, with parameters', () => {
    for (const name of ['donut', 'funnel', 'squiggle', 'ring']) expect(TARGET_NAMES).toContain(name);
    expect((makeTarget({ name: 'donut', r: 1 }) as unknown as { r: number }).r).toBe(1);
    expect((makeTarget({ name: 'funnel', s: 2 }) as unknown as { s: number }).s).toBe(2);
    expect(makeTarget({ name: 'squiggle', a: 0 }).kind).toBe('squiggle');
    expect((makeTarget({ name: 'ring', k: 4 }) as unknown as { k: number }).k).toBe(4);
  });
  it('names the bad field', () => {
    expect(() => makeTarget({ name: 'donut', s: -1 })).toThrow(InputError);
    expect(() => makeTarget({ name: 'donut', s: -1 })).toThrow(/target\.s/);
    expect(() => makeTarget({ name: 'ring', k: 2.5 })).toThrow(/target\.k/);
    expect(() => makeTarget({ name: 'funnel', d: 3 })).toThrow(/target\.d/);
    expect(() => makeTarget({ name: 'squiggle', s2: 0 })).toThrow(/target\.s2/);
  });
});
