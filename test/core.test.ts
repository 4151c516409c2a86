import { describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.js';
import { fsum, log } from '../src/core/math.js';
import { fromRows, particleMeasure } from '../src/core/measure.js';
import { rng, xoshiro128ss } from '../src/core/rng.js';
import { checkKernel } from '../src/kernels/kernel.js';
import { medianBandwidth } from '../src/kernels/bandwidth.js';

describe('rng', () => {
  it('xoshiro128** reproduces the reference C output from state {1, 2, 3, 4}', () => {
    // First outputs of the reference implementation (xoshiro128starstar.c, Blackman & Vigna),
    // computed by hand for the first two: rotl(2*5, 7)*9 = 11520; s1 becomes 0 so the second is 0.
    const g = xoshiro128ss(1, 2, 3, 4);
    expect(g.nextUint32()).toBe(11520);
    expect(g.nextUint32()).toBe(0);
  });
  it('same (seed, stream) gives the same stream; different streams differ', () => {
    const a = rng(7, 3).fillNormal(new Float64Array(100));
    const b = rng(7, 3).fillNormal(new Float64Array(100));
    const c = rng(7, 4).fillNormal(new Float64Array(100));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });
  it('uniforms lie in [0, 1) and normals have mean 0 and variance 1 within 5 standard errors', () => {
    const g = rng(11);
    const N = 200_000;
    let s = 0;
    let s2 = 0;
    let s4 = 0;
    let outside = 0;
    for (let i = 0; i < N; i++) {
      const u = g.uniform();
      if (!(u >= 0 && u < 1)) outside++;
      const z = g.normal();
      s += z;
      s2 += z * z;
      s4 += z ** 4;
    }
    // SE of the mean is 1/√N; of the variance √(E z⁴ − 1)/√N = √2/√N. P(|Z| > 5) ≈ 6e-7 each.
    expect(outside).toBe(0);
    expect(Math.abs(s / N)).toBeLessThan(5 / Math.sqrt(N));
    expect(Math.abs(s2 / N - 1)).toBeLessThan((5 * Math.sqrt(2)) / Math.sqrt(N));
    expect(Math.abs(s4 / N - 3)).toBeLessThan(0.1);
  });
  it('rejects bad seeds', () => {
    expect(() => rng(-1)).toThrow(/seed/);
    expect(() => rng(1.5)).toThrow(/seed/);
  });
});

describe('math', () => {
  it('log agrees with Math.log to 1 ulp over many magnitudes, and handles edge cases', () => {
    const g = rng(5);
    let worst = 0;
    for (let i = 0; i < 20000; i++) {
      const x = g.uniform() * 10 ** Math.floor(g.uniform() * 40 - 20);
      if (x === 0) continue;
      const b = Math.log(x);
      worst = Math.max(worst, Math.abs(log(x) - b) / Math.max(Math.abs(b), 1e-300));
    }
    expect(worst).toBeLessThanOrEqual(2.3e-16);
    expect(log(1)).toBe(0);
    expect(log(0)).toBe(-Infinity);
    expect(Number.isNaN(log(-1))).toBe(true);
    expect(log(Infinity)).toBe(Infinity);
    expect(log(5e-324)).toBeCloseTo(Math.log(5e-324), 10);
  });
  it('fsum is exact where naive summation loses everything', () => {
    expect(fsum([1e16, 1, -1e16])).toBe(1);
  });
});

describe('particle measures: bad input is rejected with field, value and expectation', () => {
  it('NaN / Inf positions', () => {
    expect(() => particleMeasure(new Float64Array([0, NaN]), 1)).toThrow(/measure\.X\[1\]\[0\]: got NaN, expected a finite number/);
    expect(() => particleMeasure(new Float64Array([0, 1, Infinity, 2]), 2)).toThrow(/X\[1\]\[0\]: got Infinity/);
  });
  it('negative and non-normalised weights', () => {
    expect(() => particleMeasure(new Float64Array([0, 1]), 1, new Float64Array([1.5, -0.5]))).toThrow(/w\[1\]: got -0.5, expected a weight >= 0/);
    expect(() => particleMeasure(new Float64Array([0, 1]), 1, new Float64Array([0.5, 0.6]))).toThrow(/sum\(measure\.w\): got 1\.1.*summing to 1/);
    // M+ accepts any non-negative mass
    expect(particleMeasure(new Float64Array([0, 1]), 1, new Float64Array([0.5, 0.6]), { space: 'M+' }).n).toBe(2);
  });
  it('wrong dimensions and empty sets', () => {
    expect(() => particleMeasure(new Float64Array([0, 1, 2]), 2)).toThrow(/X\.length: got 3, expected a multiple of d = 2/);
    expect(() => particleMeasure(new Float64Array([0, 1]), 1, new Float64Array([1]))).toThrow(/w\.length: got 1, expected 2/);
    expect(() => fromRows([])).toThrow(/at least one particle/);
    expect(() => fromRows([[0, 1], [2]])).toThrow(/X\[1\]\.length: got 1, expected 2/);
    expect(() => particleMeasure(new Float64Array(0), 2)).toThrow(InputError);
  });
  it('kernels: unknown names and non-positive bandwidths', () => {
    expect(() => checkKernel({ kind: 'gauss', sigma: 1 })).toThrow(/kernel\.kind: got "gauss", expected one of gaussian, imq/);
    expect(() => checkKernel({ kind: 'gaussian', sigma: 0 })).toThrow(/kernel\.sigma: got 0, expected a finite number > 0/);
    expect(() => checkKernel({ kind: 'gaussian', sigma: -2 })).toThrow(/kernel\.sigma: got -2/);
    expect(() => checkKernel({ kind: 'energy', beta: 2 })).toThrow(/kernel\.beta: got 2, expected a number in \(0, 2\)/);
  });
});

describe('median heuristic', () => {
  it('is the median pairwise distance (odd count computed by hand)', () => {
    // points 0, 1, 3 on a line: distances 1, 3, 2 → median 2
    expect(medianBandwidth(new Float64Array([0, 1, 3]), 1)).toBe(2);
  });
  it('refuses degenerate input', () => {
    expect(() => medianBandwidth(new Float64Array([1, 1]), 1)).toThrow(/not all identical/);
    expect(() => medianBandwidth(new Float64Array([1]), 1)).toThrow(/at least 2 points/);
  });
});
