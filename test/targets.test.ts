import { describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.js';
import { rng } from '../src/core/rng.js';
import { bananaTarget } from '../src/targets/banana.js';
import { doubleWellNormalizer, doubleWellSecondMoment, doubleWellTarget } from '../src/targets/doubleWell.js';
import { gaussianTarget } from '../src/targets/gaussian.js';
import { makeTarget, TARGET_NAMES } from '../src/targets/makeTarget.js';
import { mixtureTarget } from '../src/targets/mixture.js';
import { paperGaussian2d, paperMixture100d, paperMixture2d } from '../src/targets/paper.js';
import { samplesTarget } from '../src/targets/samples.js';
import { scoreTarget } from '../src/targets/score.js';
import type { Target } from '../src/targets/target.js';

/**
 * Reference values computed independently with SciPy 1.17.1 (not with this library):
 *   from scipy.integrate import quad; f = lambda x: np.exp(-(x*x-1)**2)
 *   Z  = quad(f, -np.inf, np.inf, epsabs=1e-15, epsrel=1e-15)[0]            -> 1.973732150089824
 *   M2 = quad(lambda x: x*x*f(x), -np.inf, np.inf, ...)[0] / Z               -> 0.83274548712838
 * Z also equals the closed form (π/2)·e^{−1/2}·(I_{−1/4}(½) + I_{1/4}(½)) =
 * 1.9737321500898244 (scipy.special.iv).
 */
const Z_SCIPY = 1.973732150089824;
const M2_SCIPY = 0.83274548712838;

function expectInputError(f: () => unknown, field: string, pattern?: RegExp): InputError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    const err = e as InputError;
    expect(err.field).toBe(field);
    if (pattern) expect(err.message).toMatch(pattern);
    return err;
  }
  throw new Error(`expected an InputError for ${field}`);
}

const mixture3d = mixtureTarget({
  weights: [0.2, 0.5, 0.3],
  components: [
    { mean: [0, 0, 0], cov: [[1, 0.3, 0], [0.3, 2, 0.4], [0, 0.4, 0.7]] },
    { mean: [1, -1, 0.5], cov: [0.5, 1, 2] },
    { mean: [-1, 1, 1], cov: 0.8 },
  ],
});

const gaussian3d = gaussianTarget({
  mean: [1, -2, 0.5],
  cov: [
    [2, 0.3, 0.1],
    [0.3, 1, -0.2],
    [0.1, -0.2, 0.5],
  ],
});

const analytic: [string, Target][] = [
  ['gaussian 3-d', gaussian3d],
  ['paperGaussian2d', paperGaussian2d()],
  ['paperMixture2d', paperMixture2d()],
  ['mixture 3-d, unequal weights', mixture3d],
  ['paperMixture100d with d = 8', paperMixture100d(rng(7), { d: 8, meanNorm: 3, rank: 2 })],
  ['banana (Haario defaults)', bananaTarget()],
  ['banana d = 4, b = 0.7, s = 1.5', bananaTarget({ d: 4, b: 0.7, s: 1.5 })],
  ['double well d = 3', doubleWellTarget({ d: 3 })],
];

describe('score = ∇ logDensity (central finite differences at random points)', () => {
  for (const [name, t] of analytic) {
    it(name, () => {
      const d = t.d;
      const r = rng(100, d);
      // points: 4 exact samples and 4 standard-normal points scaled by 1.5
      const n = 8;
      const X = new Float64Array(n * d);
      X.set(t.sample!(r, 4));
      for (let i = 4 * d; i < n * d; i++) X[i] = 1.5 * r.normal();
      const S = t.score!(X);
      // all ±h perturbations in one batch of 2·n·d rows
      const P = new Float64Array(2 * n * d * d);
      const hs = new Float64Array(n * d);
      for (let i = 0; i < n; i++) {
        for (let a = 0; a < d; a++) {
          const h = 1e-5 * Math.max(1, Math.abs(X[i * d + a]!));
          hs[i * d + a] = h;
          const row = 2 * (i * d + a);
          for (let b = 0; b < d; b++) {
            P[row * d + b] = X[i * d + b]!;
            P[(row + 1) * d + b] = X[i * d + b]!;
          }
          P[row * d + a]! += h;
          P[(row + 1) * d + a]! -= h;
        }
      }
      const F = t.logDensity!(P);
      let worst = 0;
      for (let k = 0; k < n * d; k++) {
        const fd = (F[2 * k]! - F[2 * k + 1]!) / (2 * hs[k]!);
        worst = Math.max(worst, Math.abs(fd - S[k]!) / (1 + Math.abs(S[k]!)));
      }
      expect(worst).toBeLessThan(1e-5);
    });
  }

  it('paperMixture100d (d = 100): 10 coordinates of 3 points', () => {
    const t = paperMixture100d(rng(3));
    const d = 100;
    const r = rng(4);
    const X = t.sample(r, 3);
    const S = t.score(X);
    const P = new Float64Array(2 * 3 * 10 * d);
    let row = 0;
    for (let i = 0; i < 3; i++)
      for (let a = 0; a < 100; a += 10) {
        for (const sgn of [1, -1]) {
          P.set(X.subarray(i * d, (i + 1) * d), row * d);
          P[row * d + a]! += sgn * 1e-4;
          row++;
        }
      }
    const F = t.logDensity(P);
    row = 0;
    for (let i = 0; i < 3; i++)
      for (let a = 0; a < 100; a += 10) {
        const fd = (F[row]! - F[row + 1]!) / 2e-4;
        expect(Math.abs(fd - S[i * d + a]!)).toBeLessThan(1e-5 * (1 + Math.abs(S[i * d + a]!)));
        row += 2;
      }
  });
});

/**
 * Monte-Carlo z-scores of the sample moments of `X [n, d]` against the exact mean m and
 * covariance Σ. Mean: z = (x̄ₐ − mₐ)/√(Σₐₐ/n) (exact standard error). Covariance: the
 * estimator Ĉₐᵦ = (1/n)Σᵢ(xᵢₐ − mₐ)(xᵢᵦ − mᵦ) is centred at the *exact* mean, so it is
 * unbiased, with standard error √(v̂ₐᵦ/n), v̂ₐᵦ the sample variance of the products.
 * Under the CLT each z is ≈ N(0, 1). Returns the largest |z| and how many were computed.
 */
function momentZ(X: Float64Array, d: number, mean: Float64Array, cov: Float64Array): { max: number; count: number } {
  const n = X.length / d;
  let max = 0;
  let count = 0;
  for (let a = 0; a < d; a++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += X[i * d + a]! - mean[a]!;
    max = Math.max(max, Math.abs(s / n) / Math.sqrt(cov[a * d + a]! / n));
    count++;
  }
  for (let a = 0; a < d; a++)
    for (let b = a; b < d; b++) {
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        const p = (X[i * d + a]! - mean[a]!) * (X[i * d + b]! - mean[b]!);
        s += p;
        s2 += p * p;
      }
      const c = s / n;
      const v = (s2 - n * c * c) / (n - 1);
      max = Math.max(max, Math.abs(c - cov[a * d + b]!) / Math.sqrt(v / n));
      count++;
    }
  return { max, count };
}

describe('exact sampling: sample moments against the exact mean and covariance', () => {
  // k = 5 standard errors: nominal two-sided false-failure rate 5.7e-7 per statistic
  // (normal approximation), ≤ 60 statistics over these 8 targets -> < 4e-5 in total.
  // Fixed seeds; a failure here is a bug to debug, not a seed to change.
  for (const [name, t] of analytic) {
    it(name, () => {
      const X = t.sample!(rng(2024, t.d), 20000);
      expect(X.length).toBe(20000 * t.d);
      const z = momentZ(X, t.d, t.mean!, t.cov!);
      expect(z.max).toBeLessThan(5);
    });
  }

  // The moments above do not tie the sampler to the density (a banana sampled with the
  // opposite twist has the same mean and covariance). Stein's identity does: for x ~ π,
  // E[s(x)] = 0 and E[s(x)xᵀ] = −I (integration by parts), s = ∇log π. Plug-in standard
  // errors, k = 5; d + d² statistics per target (146 in all -> nominal rate < 1e-4).
  for (const [name, t] of analytic) {
    it(`Stein identity E[s] = 0, E[s xᵀ] = −I: ${name}`, () => {
      const d = t.d;
      const n = 20000;
      const X = t.sample!(rng(4048, d), n);
      const S = t.score!(X);
      let max = 0;
      const z = (f: (i: number) => number) => {
        let s = 0;
        let s2 = 0;
        for (let i = 0; i < n; i++) {
          const v = f(i);
          s += v;
          s2 += v * v;
        }
        const m = s / n;
        return Math.abs(m) / Math.sqrt((s2 - n * m * m) / (n - 1) / n);
      };
      for (let a = 0; a < d; a++) {
        max = Math.max(max, z((i) => S[i * d + a]!));
        for (let b = 0; b < d; b++) max = Math.max(max, z((i) => S[i * d + a]! * X[i * d + b]! + (a === b ? 1 : 0)));
      }
      expect(max).toBeLessThan(5);
    });
  }

  it('paperMixture100d (d = 100, 5150 statistics, k = 6: nominal rate 5150·2.0e-9 = 1e-5)', () => {
    const t = paperMixture100d(rng(1));
    const X = t.sample(rng(2), 2500);
    const z = momentZ(X, t.d, t.mean, t.cov);
    expect(z.count).toBe(100 + 5050);
    expect(z.max).toBeLessThan(6);
  });

  it('the same generator state gives the same samples', () => {
    for (const [, t] of analytic) expect(t.sample!(rng(9), 50)).toEqual(t.sample!(rng(9), 50));
  });
});

describe('mixture moments', () => {
  it('paperMixture2d: mean (4/3, 1) and the law of total covariance, computed here by hand', () => {
    const t = paperMixture2d();
    expect(t.mean[0]).toBeCloseTo(4 / 3, 15);
    expect(t.mean[1]).toBeCloseTo(1, 15);
    const m = [
      [0, 0],
      [3, -1],
      [1, 4],
    ];
    const S = [
      [1, 0.5, 0.5, 2],
      [1, 0, 0, 1],
      [3, 0.5, 0.5, 1],
    ];
    // E[xxᵀ] − E[x]E[x]ᵀ with E[xxᵀ] = (1/3)Σₖ(Σₖ + mₖmₖᵀ)
    for (let a = 0; a < 2; a++)
      for (let b = 0; b < 2; b++) {
        let exx = 0;
        for (let k = 0; k < 3; k++) exx += (S[k]![a * 2 + b]! + m[k]![a]! * m[k]![b]!) / 3;
        const ex = [4 / 3, 1];
        expect(t.cov[a * 2 + b]).toBeCloseTo(exx - ex[a]! * ex[b]!, 13);
      }
  });

  it('paperMixture100d: equal weights, mean norms 20, covariance D + PPᵀ with λ ≥ 0.5 on the diagonal', () => {
    const t = paperMixture100d(rng(11));
    expect(t.k).toBe(3);
    expect(Array.from(t.weights)).toEqual([1 / 3, 1 / 3, 1 / 3]);
    for (let k = 0; k < 3; k++) {
      let s = 0;
      for (let a = 0; a < 100; a++) s += t.means[k * 100 + a]! ** 2;
      expect(Math.sqrt(s)).toBeCloseTo(20, 12);
      for (let a = 0; a < 100; a++) {
        const diag = t.covs[k * 10000 + a * 101]!;
        expect(diag).toBeGreaterThanOrEqual(0.5);
        expect(diag).toBeLessThanOrEqual(5 + 10);
        expect(t.covs[k * 10000 + a * 100 + ((a + 1) % 100)]!).toBeGreaterThanOrEqual(0);
      }
    }
  });
});

describe('log densities integrate to 1 (2-D trapezoid rule on a grid)', () => {
  function integrate2d(t: Target, x0: number, x1: number, y0: number, y1: number, h: number): number {
    const nx = Math.round((x1 - x0) / h);
    const ny = Math.round((y1 - y0) / h);
    const X = new Float64Array((nx + 1) * (ny + 1) * 2);
    for (let i = 0; i <= nx; i++)
      for (let j = 0; j <= ny; j++) {
        const k = i * (ny + 1) + j;
        X[2 * k] = x0 + i * h;
        X[2 * k + 1] = y0 + j * h;
      }
    const L = t.logDensity!(X);
    let s = 0;
    for (let i = 0; i <= nx; i++)
      for (let j = 0; j <= ny; j++) {
        const w = (i === 0 || i === nx ? 0.5 : 1) * (j === 0 || j === ny ? 0.5 : 1);
        s += w * Math.exp(L[i * (ny + 1) + j]!);
      }
    return s * h * h;
  }
  it('banana d = 2, s = 1, b = 0.5', () => {
    // x₂ = y₂ − 0.5(x₁² − 1), |x₁| ≤ 7.5 => x₂ ∈ [−35, 9] covers all but e^{-28} of the mass
    expect(integrate2d(bananaTarget({ b: 0.5, s: 1 }), -7.5, 7.5, -35, 9, 0.05)).toBeCloseTo(1, 8);
  });
  it('paperGaussian2d and paperMixture2d', () => {
    // h = 0.1 suffices: the trapezoid error on a Gaussian of sd σ is ~exp(−2π²σ²/h²)
    expect(integrate2d(paperGaussian2d(), -10, 10, -12, 12, 0.1)).toBeCloseTo(1, 8);
    expect(integrate2d(paperMixture2d(), -12, 14, -12, 16, 0.1)).toBeCloseTo(1, 8);
  });
  it('double well d = 2: ∫e^{−V} = Z²', () => {
    expect(integrate2d(doubleWellTarget({ d: 2 }), -3, 3, -3, 3, 0.02) / Z_SCIPY ** 2).toBeCloseTo(1, 8);
  });
});

describe('double well', () => {
  it('Z and E[x²] by quadrature match SciPy', () => {
    expect(Math.abs(doubleWellNormalizer() / Z_SCIPY - 1)).toBeLessThan(1e-14);
    expect(Math.abs(doubleWellSecondMoment() / M2_SCIPY - 1)).toBeLessThan(1e-12);
  });

  it('logDensity is −V and the score is −∇V', () => {
    const t = doubleWellTarget({ d: 2 });
    const X = new Float64Array([0, 0, 1, -1, 2, 0.5]);
    const plain = (a: Float64Array) => Array.from(a, (v) => v + 0); // −0 -> +0
    expect(plain(t.logDensity(X))).toEqual([-2, 0, -(9 + 0.5625)]);
    // −4x(x² − 1): 0 at 0 and ±1; −24 at 2; 1.5 at ½
    expect(plain(t.score(X))).toEqual([0, 0, 0, 0, -24, 1.5]);
  });

  it('histogram of 40 000 coordinates against e^{−V}/Z: chi-square below 86 (37 dof)', () => {
    const t = doubleWellTarget({ d: 2 });
    const X = t.sample(rng(77), 20000); // coordinates are independent: 40 000 iid draws
    const N = X.length;
    // cells: (−∞, −1.8), 36 bins of width 0.1 on [−1.8, 1.8), [1.8, ∞)
    const lo = -1.8;
    const w = 0.1;
    const nb = 36;
    const counts = new Float64Array(nb + 2);
    for (let i = 0; i < N; i++) {
      const x = X[i]!;
      if (x < lo) counts[0]!++;
      else if (x >= -lo) counts[nb + 1]!++;
      else counts[1 + Math.min(nb - 1, Math.floor((x - lo) / w))]!++;
    }
    // expected cell probabilities by Simpson's rule on each bin (40 panels), density e^{−V}/Z_SCIPY
    const f = (x: number) => Math.exp(-((x * x - 1) ** 2)) / Z_SCIPY;
    const p = new Float64Array(nb + 2);
    let inner = 0;
    for (let b = 0; b < nb; b++) {
      const a0 = lo + b * w;
      const m = 40;
      const hh = w / m;
      let s = f(a0) + f(a0 + w);
      for (let j = 1; j < m; j++) s += (j % 2 ? 4 : 2) * f(a0 + j * hh);
      p[b + 1] = (s * hh) / 3;
      inner += p[b + 1]!;
    }
    p[0] = (1 - inner) / 2;
    p[nb + 1] = (1 - inner) / 2;
    let chi2 = 0;
    for (let c = 0; c < nb + 2; c++) {
      const e = N * p[c]!;
      expect(e).toBeGreaterThan(5);
      chi2 += (counts[c]! - e) ** 2 / e;
    }
    // P(χ²₃₇ > 86) = 9.0e-6 (scipy.stats.chi2.sf(86, 37)): the false-failure rate.
    expect(chi2).toBeLessThan(86);
  });
});

describe('banana', () => {
  it('E x₂ = 0 and Var x₂ = 1 + 2b²s⁴ are in the exact moments', () => {
    const t = bananaTarget({ d: 3, b: 0.2, s: 2 });
    expect(Array.from(t.mean)).toEqual([0, 0, 0]);
    expect(Array.from(t.cov)).toEqual([4, 0, 0, 0, 1 + 2 * 0.04 * 16, 0, 0, 0, 1]);
  });
  it('b = 0 is the Gaussian N(0, diag(s², 1, …))', () => {
    const t = bananaTarget({ d: 3, b: 0, s: 2 });
    const g = gaussianTarget({ cov: [4, 1, 1], d: 3 });
    const X = rng(5).fillNormal(new Float64Array(30));
    const a = t.logDensity(X);
    const b = g.logDensity(X);
    for (let i = 0; i < 10; i++) expect(a[i]).toBeCloseTo(b[i]!, 12);
  });
});

describe('gaussianTarget covariance forms', () => {
  const X = rng(6).fillNormal(new Float64Array(3 * 10));
  const ref = gaussianTarget({
    mean: [0.5, 0, -1],
    cov: [
      [2, 0, 0],
      [0, 2, 0],
      [0, 0, 2],
    ],
  }).logDensity(X);
  it('scalar variance, diagonal list, flat row-major and Float64Array all mean the same Σ', () => {
    const forms = [2, [2, 2, 2], [2, 0, 0, 0, 2, 0, 0, 0, 2], new Float64Array([2, 0, 0, 0, 2, 0, 0, 0, 2])];
    for (const cov of forms) expect(gaussianTarget({ mean: [0.5, 0, -1], cov }).logDensity(X)).toEqual(ref);
  });
  it('defaults: mean 0 and cov I given d; d inferred from a nested cov', () => {
    const t = gaussianTarget({ d: 2 });
    expect(Array.from(t.cov)).toEqual([1, 0, 0, 1]);
    expect(t.logDensity(new Float64Array([0, 0]))[0]).toBeCloseTo(-Math.log(2 * Math.PI), 15);
    expect(gaussianTarget({ cov: [[1, 0.2], [0.2, 1]] }).d).toBe(2);
  });
  it('a flat covariance alone does not fix d', () => {
    expectInputError(() => gaussianTarget({ cov: [1, 2] }), 'target.mean', /fix the dimension/);
  });
});

describe('samplesTarget', () => {
  const Y = new Float64Array([0, 0, 1, 1, 2, 2, 3, 3]);
  const t = samplesTarget(Y, 2);
  it('has only samples, no density or score', () => {
    expect(t.kind).toBe('samples');
    expect(t.samples).toBe(Y);
    expect('score' in t).toBe(false);
    expect('logDensity' in t).toBe(false);
  });
  it('sample draws rows of Y uniformly with replacement', () => {
    const X = t.sample(rng(3), 8000);
    const counts = [0, 0, 0, 0];
    let bad = 0;
    for (let i = 0; i < 8000; i++) {
      if (X[2 * i] !== X[2 * i + 1]) bad++;
      counts[X[2 * i]!]!++;
    }
    expect(bad).toBe(0);
    // each count ~ Binomial(8000, ¼): sd = √(8000·3/16) = 38.7; 5 sd = 194
    for (const c of counts) expect(Math.abs(c - 2000)).toBeLessThan(194);
  });
  it('rejects bad shapes and NaN', () => {
    expectInputError(() => samplesTarget(new Float64Array(3), 2), 'target.samples.length');
    expectInputError(() => samplesTarget(new Float64Array([1, Number.NaN]), 2), 'target.samples[0][1]');
  });
});

describe('scoreTarget', () => {
  const g = paperGaussian2d();
  it('wraps user functions and leaves unsupplied members absent', () => {
    const t = scoreTarget({ d: 2, score: (X, out) => g.score(X, out) });
    expect('logDensity' in t).toBe(false);
    expect('sample' in t).toBe(false);
    const X = new Float64Array([1, 2, -1, 0.5]);
    expect(t.score(X)).toEqual(g.score(X));
  });
  it('accepts functions that return a fresh array, and checks the batch shape', () => {
    const t = scoreTarget({ d: 2, score: (X) => g.score(X), logDensity: (X) => g.logDensity(X) });
    const X = new Float64Array([1, 2]);
    const out = new Float64Array(1);
    expect(t.logDensity!(X, out)).toBe(out);
    expect(out[0]).toBe(g.logDensity(X)[0]);
    expectInputError(() => t.score(new Float64Array(3)), 'X.length');
  });
});

describe('makeTarget', () => {
  it('TARGET_NAMES lists the JSON names', () => {
    expect(TARGET_NAMES).toContain('gaussian');
    expect(TARGET_NAMES).toContain('double-well');
  });

  it('builds the same targets as the factories', () => {
    const X = rng(8).fillNormal(new Float64Array(20));
    const g = makeTarget({ name: 'gaussian', mean: [0, 0], cov: [[1, 0.5], [0.5, 2]] });
    expect(g.logDensity!(X)).toEqual(paperGaussian2d().logDensity(X));
    const json = {
      name: 'mixture',
      means: [[0, 0], [3, -1], [1, 4]],
      covs: [[[1, 0.5], [0.5, 2]], 1, [[3, 0.5], [0.5, 1]]],
    };
    expect(makeTarget(json).score!(X)).toEqual(paperMixture2d().score(X));
    const comps = makeTarget({
      name: 'mixture',
      weights: [0.5, 0.5],
      components: [{ mean: [0, 0] }, { mean: [1, 1], cov: [1, 2] }],
    });
    expect(comps.kind).toBe('mixture');
    expect(makeTarget({ name: 'banana', b: 0.3 }).logDensity!(X)).toEqual(bananaTarget({ b: 0.3 }).logDensity(X));
    expect(makeTarget({ name: 'double-well', d: 4 }).d).toBe(4);
    expect(makeTarget({ name: 'samples', samples: [[1, 2], [3, 4]] }).samples).toEqual(new Float64Array([1, 2, 3, 4]));
    expect(makeTarget({ name: 'paper-mixture-2d' }).mean).toEqual(paperMixture2d().mean);
    expect(makeTarget({ name: 'paper-mixture-100d', seed: 3, d: 5 }).mean).toEqual(paperMixture100d(rng(3), { d: 5 }).mean);
  });

  it('unknown name: lists the known ones', () => {
    const e = expectInputError(() => makeTarget({ name: 'gauss' }), 'target.name');
    for (const n of TARGET_NAMES) expect(e.message).toContain(n);
    expectInputError(() => makeTarget('gaussian'), 'target');
  });

  it('unknown key', () => {
    expectInputError(() => makeTarget({ name: 'gaussian', mean: [0], covariance: 1 }), 'target.covariance', /allowed: mean, cov, d/);
    expectInputError(
      () => makeTarget({ name: 'mixture', components: [{ mean: [0], sigma: 1 }] }),
      'target.components[0].sigma',
    );
  });

  it('mismatched dimensions name the field path', () => {
    expectInputError(
      () => makeTarget({ name: 'gaussian', mean: [0, 0], cov: [[1, 0], [0, 1, 0]] }),
      'target.cov[1]',
      /row of 2 numbers \(d from target.mean = 2\)/,
    );
    expectInputError(() => makeTarget({ name: 'gaussian', mean: [0, 0], cov: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] }), 'target.cov');
    expectInputError(() => makeTarget({ name: 'gaussian', mean: [0, 0], cov: [1, 2, 3] }), 'target.cov');
    expectInputError(() => makeTarget({ name: 'gaussian', mean: [0, 0], d: 3 }), 'target.mean');
    expectInputError(() => makeTarget({ name: 'mixture', means: [[0, 0], [1]] }), 'target.means[1]');
    expectInputError(
      () => makeTarget({ name: 'mixture', components: [{ mean: [0, 0] }, { mean: [0, 0], cov: [[1]] }] }),
      'target.components[1].cov',
    );
    expectInputError(() => makeTarget({ name: 'mixture', means: [[0], [1]], covs: [1] }), 'target.covs');
    expectInputError(() => makeTarget({ name: 'samples', samples: [[0, 0], [1]] }), 'target.samples[1]');
  });

  it('non-PD or non-symmetric covariance', () => {
    expectInputError(() => makeTarget({ name: 'gaussian', cov: [[1, 2], [2, 1]] }), 'target.cov', /positive definite/);
    expectInputError(() => makeTarget({ name: 'gaussian', cov: [[1, 0.2], [0.3, 1]] }), 'target.cov[1][0]', /symmetric/);
    expectInputError(
      () => makeTarget({ name: 'mixture', means: [[0, 0], [1, 1]], covs: [1, [[1, 1], [1, 1]]] }),
      'target.covs[1]',
      /positive definite/,
    );
    expectInputError(() => makeTarget({ name: 'gaussian', mean: [0, 0], cov: -1 }), 'target.cov', /variance > 0/);
    expectInputError(() => makeTarget({ name: 'gaussian', mean: [0, 0], cov: [1, 0] }), 'target.cov[1]', /variance > 0/);
  });

  it('negative or non-normalised weights', () => {
    expectInputError(
      () => makeTarget({ name: 'mixture', weights: [1.5, -0.5], means: [[0], [1]] }),
      'target.weights[1]',
      />= 0/,
    );
    expectInputError(
      () => makeTarget({ name: 'mixture', weights: [0.5, 0.6], means: [[0], [1]] }),
      'target.weights',
      /summing to 1.*sum to 1\.1/,
    );
    expectInputError(() => makeTarget({ name: 'mixture', weights: [1], means: [[0], [1]] }), 'target.weights');
  });

  it('NaN and bad scalars', () => {
    expectInputError(() => makeTarget({ name: 'gaussian', mean: [Number.NaN, 0] }), 'target.mean[0]', /finite/);
    expectInputError(() => makeTarget({ name: 'gaussian', mean: [0, 0], cov: [[1, 0], [0, Number.NaN]] }), 'target.cov[1][1]');
    expectInputError(() => makeTarget({ name: 'banana', d: 1 }), 'target.d', />= 2/);
    expectInputError(() => makeTarget({ name: 'banana', s: 0 }), 'target.s');
    expectInputError(() => makeTarget({ name: 'double-well', d: 1.5 }), 'target.d');
    expectInputError(() => makeTarget({ name: 'paper-mixture-100d', seed: -1 }), 'target.seed');
    expectInputError(() => makeTarget({ name: 'paper-gaussian-2d', d: 3 }), 'target.d', /takes none/);
  });
});
