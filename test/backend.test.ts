import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expNonPositive } from '../src/backend/exp.js';
import { kernelSumGrad, signedSources, WASM_MIN_PAIRS } from '../src/backend/kernelSums.js';
import { kernelSumGradJs, steinKernelSumJs } from '../src/backend/kernelSumsJs.js';
import { steinKernelSum } from '../src/backend/steinSums.js';
import {
  expNonPositiveWasm,
  gaussianSumGradWasm,
  NORMS_MAX_SPREAD,
  NORMS_MIN_D,
  wasmKernelsAvailable,
} from '../src/backend/wasmKernels.js';
import { WASM_SOURCE_SHA256 } from '../src/backend/wasmModule.js';
import { rng } from '../src/core/rng.js';
import { type Kernel, kernelProfile } from '../src/kernels/kernel.js';

/**
 * Every fast path against a direct double loop written here (with `kernelProfile`, the
 * scalar reference of kernels/kernel.ts, and Math.exp). Tolerances are relative to the
 * magnitude of the terms summed, not to the result (which may cancel):
 *   val:  |Δ| ≤ tol · Σⱼ|vⱼ k(xᵢ, yⱼ)|,   grad: |Δ| ≤ tol · Σⱼ|vⱼ cᵢⱼ|·|xᵢ − yⱼ|.
 */

const kernels: Kernel[] = [
  { kind: 'gaussian', sigma: 0.8 },
  { kind: 'gaussian', sigma: 3 },
  { kind: 'imq', sigma: 1.3 },
  { kind: 'imq', sigma: 0.7, beta: 1.5 },
  { kind: 'imq', sigma: 1, beta: 1 },
  { kind: 'imq', sigma: 1.1, beta: 0.8 },
  { kind: 'laplace', sigma: 0.9 },
  { kind: 'matern32', sigma: 1.1 },
  { kind: 'energy' },
  { kind: 'energy', beta: 1.5 },
];

const EPS = 2 ** -52;

interface Case {
  n: number;
  m: number;
  d: number;
  /** Every `zeroEvery`-th coefficient is 0. */
  zeroEvery?: number;
  /** Added to every coordinate of X and Y. */
  offset?: number;
}

// d = 1 and odd d (padding coordinate), m not a multiple of 4 nor of the 256-source block,
// n not a multiple of 4, d on both sides of NORMS_MIN_D, d = 100, zero coefficients, far offset.
const cases: Case[] = [
  { n: 5, m: 7, d: 1 },
  { n: 3, m: 1, d: 2 },
  { n: 45, m: 61, d: 1, zeroEvery: 3 },
  { n: 17, m: 301, d: 2, zeroEvery: 5 },
  { n: 30, m: 263, d: 3 },
  { n: 21, m: 90, d: NORMS_MIN_D - 1 },
  { n: 22, m: 93, d: NORMS_MIN_D, zeroEvery: 2 },
  { n: 9, m: 130, d: 33 },
  { n: 11, m: 70, d: 100, zeroEvery: 4 },
  { n: 40, m: 59, d: 5, offset: 1e6 },
  { n: 33, m: 41, d: 20, offset: -3e4 },
];

function data(c: Case, seed: number) {
  const r = rng(seed);
  const X = r.fillNormal(new Float64Array(c.n * c.d));
  const Y = r.fillNormal(new Float64Array(c.m * c.d));
  for (let i = 0; i < Y.length; i++) Y[i]! += 0.3;
  if (c.offset) {
    for (let i = 0; i < X.length; i++) X[i]! += c.offset;
    for (let i = 0; i < Y.length; i++) Y[i]! += c.offset;
  }
  const v = r.fillNormal(new Float64Array(c.m));
  if (c.zeroEvery) for (let j = 0; j < c.m; j += c.zeroEvery) v[j] = 0;
  return { X, Y, v };
}

/** The naive double loop, with the magnitude scales of the terms. */
function naive(ker: Kernel, X: Float64Array, Y: Float64Array, d: number, v: Float64Array) {
  const n = X.length / d;
  const m = Y.length / d;
  const val = new Float64Array(n);
  const grad = new Float64Array(n * d);
  const valScale = new Float64Array(n);
  const gradScale = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let a = 0; a < d; a++) s += (X[i * d + a]! - Y[j * d + a]!) ** 2;
      const p = kernelProfile(ker, s, d);
      val[i]! += v[j]! * p.k;
      valScale[i]! += Math.abs(v[j]! * p.k);
      gradScale[i]! += Math.abs(v[j]! * p.c) * Math.sqrt(s);
      for (let a = 0; a < d; a++) grad[i * d + a]! += v[j]! * p.c * (X[i * d + a]! - Y[j * d + a]!);
    }
  }
  return { val, grad, valScale, gradScale };
}

function expectClose(
  got: { val: Float64Array | null; grad: Float64Array | null },
  ref: ReturnType<typeof naive>,
  d: number,
  tol: number,
  what: string,
) {
  const n = ref.val.length;
  let worst = 0;
  for (let i = 0; i < n; i++) {
    if (got.val) worst = Math.max(worst, Math.abs(got.val[i]! - ref.val[i]!) / (ref.valScale[i]! + 1e-300));
    if (got.grad)
      for (let a = 0; a < d; a++)
        worst = Math.max(worst, Math.abs(got.grad[i * d + a]! - ref.grad[i * d + a]!) / (ref.gradScale[i]! + 1e-300));
  }
  expect(worst, what).toBeLessThanOrEqual(tol);
}

/** (max|x − μ|² + max|y − μ|²)/(2σ²), μ the mean of Y: what the norms path's error scales with. */
function spreadTerm(X: Float64Array, Y: Float64Array, d: number, sigma: number): number {
  const mu = new Float64Array(d);
  const m = Y.length / d;
  for (let j = 0; j < m; j++) for (let a = 0; a < d; a++) mu[a]! += Y[j * d + a]! / m;
  const maxSq = (Z: Float64Array) => {
    let best = 0;
    for (let i = 0; i < Z.length / d; i++) {
      let s = 0;
      for (let a = 0; a < d; a++) s += (Z[i * d + a]! - mu[a]!) ** 2;
      best = Math.max(best, s);
    }
    return best;
  };
  return (maxSq(X) + maxSq(Y)) / (2 * sigma * sigma);
}

// observed worst cases are below 1e-15; 1e-13 leaves room for other engines and orders
const TOL = 1e-13;

describe('kernel-sum backends against the naive double loop', () => {
  for (const c of cases) {
    const label = `n=${c.n} m=${c.m} d=${c.d}${c.zeroEvery ? ` zero every ${c.zeroEvery}` : ''}${c.offset ? ` offset ${c.offset}` : ''}`;
    it(`${label}: kernelSumGrad and the TypeScript path, every kernel`, () => {
      const { X, Y, v } = data(c, 10 + c.n);
      for (const ker of kernels) {
        const ref = naive(ker, X, Y, c.d, v);
        const what = `${JSON.stringify(ker)} ${label}`;
        // an offset of 1e6 leaves coordinates with an absolute precision of ~1e-10
        const base = c.offset ? TOL + (4 * Math.abs(c.offset) * EPS) / 1e-3 : TOL;
        // kernelSumGrad may take the WebAssembly norms path for the Gaussian (see below)
        const normsTol = ker.kind === 'gaussian' ? 8 * Math.sqrt(c.d) * EPS * spreadTerm(X, Y, c.d, ker.sigma) : 0;
        for (const [name, f] of [
          ['kernelSumGrad', kernelSumGrad],
          ['kernelSumGradJs', kernelSumGradJs],
        ] as const) {
          const tol = name === 'kernelSumGrad' ? base + normsTol : base;
          const val = new Float64Array(c.n);
          const grad = new Float64Array(c.n * c.d);
          f(ker, X, Y, c.d, v, val, grad);
          expectClose({ val, grad }, ref, c.d, tol, `${name} ${what}`);
          // value only and gradient only give the same numbers
          const val2 = new Float64Array(c.n).fill(Number.NaN);
          f(ker, X, Y, c.d, v, val2, null);
          expect(Array.from(val2), `${name} val only ${what}`).toEqual(Array.from(val));
          const grad2 = new Float64Array(c.n * c.d).fill(Number.NaN);
          f(ker, X, Y, c.d, v, null, grad2);
          expect(Array.from(grad2), `${name} grad only ${what}`).toEqual(Array.from(grad));
        }
      }
    });

    it.skipIf(!wasmKernelsAvailable())(`${label}: WebAssembly Gaussian, both distance paths, several blocks`, () => {
      const { X, Y, v } = data(c, 20 + c.n);
      for (const sigma of [0.8, 3]) {
        const ker: Kernel = { kind: 'gaussian', sigma };
        const ref = naive(ker, X, Y, c.d, v);
        const spread = spreadTerm(X, Y, c.d, sigma);
        for (const path of ['direct', 'norms'] as const) {
          // direct: rounding of sums only. norms: a few ε·(|x|² + |y|²)/(2σ²)·√d per kernel
          // value on top (see NORMS_MAX_SPREAD); the offset cases centre exactly.
          const tol = path === 'direct' ? TOL : TOL + 8 * Math.sqrt(c.d) * EPS * spread;
          for (const block of [4, 12, 256]) {
            const val = new Float64Array(c.n);
            const grad = new Float64Array(c.n * c.d);
            expect(gaussianSumGradWasm(sigma, X, Y, c.d, v, val, grad, { path, block })).toBe(path);
            expectClose({ val, grad }, ref, c.d, tol, `wasm ${path} block ${block} σ=${sigma} ${label}`);
          }
          const val = new Float64Array(c.n);
          gaussianSumGradWasm(sigma, X, Y, c.d, v, val, null, { path });
          expectClose({ val, grad: null }, ref, c.d, tol, `wasm ${path} val only σ=${sigma} ${label}`);
        }
      }
    });
  }

  // S = [X; Y] shares its first n rows with the points: the WebAssembly path then computes that
  // block's kernel values once per pair (the transposed tiles); n not a multiple of 4 leaves a
  // panel that mixes X and Y rows.
  for (const [n, m, d] of [
    [7, 5, 1],
    [13, 30, 3],
    [64, 9, 2],
    [70, 50, 10],
    [21, 16, 100],
  ] as const) {
    it.skipIf(!wasmKernelsAvailable())(`witness sources [X; Y], n=${n} m=${m} d=${d}: shared-block path, every block size`, () => {
      const r = rng(40 + n);
      const X = r.fillNormal(new Float64Array(n * d));
      const Y = r.fillNormal(new Float64Array(m * d));
      const w = r.fillNormal(new Float64Array(n)); // signed, to exercise both coefficient sets
      w[1] = 0;
      const { S, v } = signedSources(X, w, Y, d);
      for (const sigma of [0.7, 2.5]) {
        const ref = naive({ kind: 'gaussian', sigma }, X, S, d, v);
        const spread = spreadTerm(X, S, d, sigma);
        for (const path of ['direct', 'norms'] as const) {
          const tol = path === 'direct' ? TOL : TOL + 8 * Math.sqrt(d) * EPS * spread;
          for (const block of [4, 8, 12, 256]) {
            for (const symmetric of [true, false]) {
              const val = new Float64Array(n);
              const grad = new Float64Array(n * d);
              gaussianSumGradWasm(sigma, X, S, d, v, val, grad, { path, block, symmetric });
              expectClose({ val, grad }, ref, d, tol, `${path} block ${block} symmetric ${symmetric} σ=${sigma}`);
            }
          }
        }
      }
    });
  }

  it('signedSources + kernelSumGrad gives the MMD witness gradient on the WebAssembly path', () => {
    const r = rng(3);
    const n = 70;
    const m = 50;
    const d = 10;
    const X = r.fillNormal(new Float64Array(n * d));
    const Y = r.fillNormal(new Float64Array(m * d));
    const w = new Float64Array(n).fill(1 / n);
    const { S, v } = signedSources(X, w, Y, d);
    expect(n * (n + m)).toBeGreaterThanOrEqual(WASM_MIN_PAIRS);
    const ker: Kernel = { kind: 'gaussian', sigma: 2 };
    const grad = new Float64Array(n * d);
    kernelSumGrad(ker, X, S, d, v, null, grad);
    expectClose({ val: null, grad }, naive(ker, X, S, d, v), d, TOL, 'witness');
  });
});

describe.skipIf(!wasmKernelsAvailable())('WebAssembly path choice and accuracy limits', () => {
  it('auto takes norms only for d ≥ NORMS_MIN_D and a moderate spread', () => {
    const r = rng(4);
    const run = (d: number, sigma: number) => {
      const X = r.fillNormal(new Float64Array(8 * d));
      const Y = r.fillNormal(new Float64Array(12 * d));
      const v = new Float64Array(12).fill(1);
      return gaussianSumGradWasm(sigma, X, Y, d, v, new Float64Array(8), null);
    };
    expect(run(NORMS_MIN_D - 1, 1)).toBe('direct');
    expect(run(NORMS_MIN_D, 1)).toBe('norms');
    expect(run(100, 10)).toBe('norms');
    // (|x|² + |y|²)/(2σ²) ≈ 2·100/(2·0.01) = 1e4 > NORMS_MAX_SPREAD
    expect(NORMS_MAX_SPREAD).toBeLessThan(1e4);
    expect(run(100, 0.1)).toBe('direct');
  });

  it('near-coincident points with σ ≪ spread: norms loses accuracy, auto stays exact', () => {
    // pairs at distance ~σ inside a cloud of radius ~100σ: |x|² + |y|² − 2x·y cancels
    const r = rng(5);
    const d = 16;
    const n = 12;
    const sigma = 1e-3;
    const X = r.fillNormal(new Float64Array(n * d));
    const Y = new Float64Array(n * d);
    const jitter = r.fillNormal(new Float64Array(n * d));
    for (let i = 0; i < Y.length; i++) Y[i] = X[i]! + sigma * 0.5 * jitter[i]!;
    const v = new Float64Array(n).fill(1);
    const ker: Kernel = { kind: 'gaussian', sigma };
    const ref = naive(ker, X, Y, d, v);
    const auto = new Float64Array(n);
    expect(gaussianSumGradWasm(sigma, X, Y, d, v, auto, null)).toBe('direct');
    expectClose({ val: auto, grad: null }, ref, d, TOL, 'auto');
    const forced = new Float64Array(n);
    gaussianSumGradWasm(sigma, X, Y, d, v, forced, null, { path: 'norms' });
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(forced[i]! - ref.val[i]!) / ref.valScale[i]!);
    expect(worst).toBeGreaterThan(1e-10); // documented: this is why auto avoids it
  });
});

describe('Langevin–Stein kernel sums against the naive double loop', () => {
  const steinCases: Case[] = [
    { n: 6, m: 9, d: 1 },
    { n: 13, m: 300, d: 3, zeroEvery: 4 },
    { n: 7, m: 20, d: 100 },
  ];
  for (const c of steinCases) {
    it(`n=${c.n} m=${c.m} d=${c.d}, every kernel`, () => {
      const r = rng(30 + c.d);
      const { X, Y, v } = data(c, 30 + c.n);
      const SX = r.fillNormal(new Float64Array(c.n * c.d));
      const SY = r.fillNormal(new Float64Array(c.m * c.d));
      for (const ker of kernels) {
        const ref = new Float64Array(c.n);
        const scale = new Float64Array(c.n);
        for (let i = 0; i < c.n; i++) {
          for (let j = 0; j < c.m; j++) {
            let s = 0;
            let ss = 0;
            let dsd = 0;
            for (let a = 0; a < c.d; a++) {
              const t = X[i * c.d + a]! - Y[j * c.d + a]!;
              s += t * t;
              ss += SX[i * c.d + a]! * SY[j * c.d + a]!;
              dsd += (SY[j * c.d + a]! - SX[i * c.d + a]!) * t;
            }
            const p = kernelProfile(ker, s, c.d);
            ref[i]! += v[j]! * (p.k * ss + p.c * dsd + p.trace);
            scale[i]! += Math.abs(v[j]!) * (Math.abs(p.k * ss) + Math.abs(p.c * dsd) + Math.abs(p.trace));
          }
        }
        for (const got of [steinKernelSum(ker, X, SX, Y, SY, c.d, v), steinKernelSumJs(ker, X, SX, Y, SY, c.d, v, new Float64Array(c.n))]) {
          for (let i = 0; i < c.n; i++)
            expect(Math.abs(got[i]! - ref[i]!) / scale[i]!, `${JSON.stringify(ker)} i=${i}`).toBeLessThanOrEqual(TOL);
        }
      }
    });
  }
});

describe('exp', () => {
  const xs = new Float64Array(4096 + 11);
  const r = rng(6);
  for (let i = 0; i < xs.length; i++) xs[i] = -Math.abs(r.normal()) * 10 ** (r.uniform() * 6 - 3);
  xs.set([0, -0, -1e-300, -708.39, -708.3964185322641, -708.4, -745.2, -1e6, -Infinity, Number.NaN, -Math.LN2 / 2], 4096);

  it('expNonPositive is within 1 ulp of Math.exp, 0 below −708.3964…, NaN for NaN', () => {
    for (const x of xs) {
      const e = expNonPositive(x);
      if (Number.isNaN(x)) expect(e).toBeNaN();
      else if (x < -708.39641853226408) expect(e).toBe(0);
      else expect(Math.abs(e - Math.exp(x))).toBeLessThanOrEqual(Math.exp(x) * EPS);
    }
  });

  it.skipIf(!wasmKernelsAvailable())('the WebAssembly exp is bit-identical to expNonPositive', () => {
    const got = expNonPositiveWasm(xs)!;
    for (let i = 0; i < xs.length; i++) expect(Object.is(got[i], expNonPositive(xs[i]!)), `x=${xs[i]}`).toBe(true);
  });
});

describe('generated module', () => {
  it('wasmModule.ts was built from the current kernels.c (run scripts/build-wasm.sh)', () => {
    const src = readFileSync(new URL('../src/backend/wasm/kernels.c', import.meta.url));
    expect(createHash('sha256').update(src).digest('hex')).toBe(WASM_SOURCE_SHA256);
  });

  it('WebAssembly SIMD is available under Node 20', () => {
    expect(wasmKernelsAvailable()).toBe(true);
  });
});
