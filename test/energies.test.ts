/**
 * Energies (docs/math.md §3): every ∇ξ and every ξ is checked against finite differences of the
 * energy value F (positions along seeded random directions, weights along zero-sum
 * directions), and against independent reference formulas where one exists.
 */
import { describe, expect, it } from 'vitest';
import { steinFirstVariation } from '../src/backend/steinGrad.js';
import { steinKernelSum } from '../src/backend/steinSums.js';
import type { ParticleMeasure } from '../src/core/measure.js';
import { rng } from '../src/core/rng.js';
import type { Energy } from '../src/energies/energy.js';
import { klEnergy } from '../src/energies/kl.js';
import { ksdEnergy } from '../src/energies/ksd.js';
import { mckeanVlasovEnergy } from '../src/energies/mckeanVlasov.js';
import { mmdEnergy } from '../src/energies/mmd.js';
import type { Potential } from '../src/energies/potential.js';
import { potentialFromTarget, scoreHvpByDifferences } from '../src/energies/potential.js';
import { type Kernel, kernelDerivs, kernelValue } from '../src/kernels/kernel.js';
import { ksdSquared } from '../src/metrics/ksd.js';
import { mmd } from '../src/metrics/mmd.js';
import { gaussianTarget } from '../src/targets/gaussian.js';
import { mixtureTarget } from '../src/targets/mixture.js';
import {
  axpy,
  central,
  dot,
  halfMmdSqRef,
  kernelRef,
  maxAbsDiff,
  randomDirection,
  randomMeasure,
  zeroSumDirection,
} from './flowHelpers.js';

/** V(x) = Σₐ (xₐ² − 1)² + 0.3·x₀, written here (not taken from src). */
function doubleWell(d: number): Potential {
  return {
    d,
    value(X) {
      const n = X.length / d;
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let v = 0.3 * X[i * d]!;
        for (let a = 0; a < d; a++) v += (X[i * d + a]! ** 2 - 1) ** 2;
        out[i] = v;
      }
      return out;
    },
    grad(X) {
      const out = new Float64Array(X.length);
      for (let i = 0; i < X.length; i++) out[i] = 4 * X[i]! * (X[i]! ** 2 - 1) + (i % d === 0 ? 0.3 : 0);
      return out;
    },
  };
}

const mixture2d = () =>
  mixtureTarget({
    weights: [0.4, 0.6],
    components: [
      { mean: [-1, 0.5], cov: [[1, 0.3], [0.3, 0.8]] },
      { mean: [1.5, -0.5], cov: 0.6 },
    ],
  });

interface Case {
  name: string;
  d: number;
  energy: () => Energy;
  /** Scale of the random particle cloud. */
  scale: number;
  /** false for the Nadaraya–Watson force: ξ is not the first variation of the reported F. */
  gradientField: boolean;
}

const Ytarget = (d: number, m: number, seed: number) => rng(seed, 9).fillNormal(new Float64Array(m * d)).map((v) => 1.2 * v + 0.3);

const cases: Case[] = [
  {
    name: 'mmd witness, gaussian kernel, d = 2',
    d: 2,
    scale: 1,
    gradientField: true,
    energy: () => mmdEnergy({ kernel: { kind: 'gaussian', sigma: 0.9 }, Y: Ytarget(2, 7, 1), d: 2 }),
  },
  {
    name: 'mmd witness, imq kernel, weighted target, d = 1',
    d: 1,
    scale: 1.5,
    gradientField: true,
    energy: () =>
      mmdEnergy({ kernel: { kind: 'imq', sigma: 0.7, beta: 1.5 }, Y: Ytarget(1, 5, 2), d: 1, yWeights: new Float64Array([0.1, 0.3, 0.2, 0.15, 0.25]) }),
  },
  {
    name: 'mmd witness, energy kernel (distinct points), d = 2',
    d: 2,
    scale: 1,
    gradientField: true,
    energy: () => mmdEnergy({ kernel: { kind: 'energy', beta: 1.5 }, Y: Ytarget(2, 6, 3), d: 2 }),
  },
  {
    name: 'mmd nadaraya-watson force, gaussian kernel, d = 2',
    d: 2,
    scale: 1,
    gradientField: false,
    energy: () => mmdEnergy({ kernel: { kind: 'gaussian', sigma: 1.1 }, Y: Ytarget(2, 6, 4), d: 2, force: 'nadaraya-watson' }),
  },
  {
    name: 'ksd, gaussian kernel, mixture target, d = 2',
    d: 2,
    scale: 1.2,
    gradientField: true,
    energy: () => ksdEnergy({ kernel: { kind: 'gaussian', sigma: 0.8 }, target: mixture2d() }),
  },
  {
    name: 'ksd, imq kernel, mixture target, d = 2',
    d: 2,
    scale: 1.2,
    gradientField: true,
    energy: () => ksdEnergy({ kernel: { kind: 'imq', sigma: 1 }, target: mixture2d() }),
  },
  {
    name: 'ksd, matern32 kernel, gaussian target, d = 1',
    d: 1,
    scale: 1,
    gradientField: true,
    energy: () => ksdEnergy({ kernel: { kind: 'matern32', sigma: 1.3 }, target: gaussianTarget({ mean: [0.5], cov: 2 }) }),
  },
  {
    name: "kl(µ‖π) 'blob', gaussian target, d = 2",
    d: 2,
    scale: 1,
    gradientField: true,
    energy: () => klEnergy({ target: gaussianTarget({ mean: [0.2, -0.1], cov: [[1, 0.5], [0.5, 2]] }), estimator: 'blob', bandwidth: 0.6 }),
  },
  {
    name: "kl(µ‖π) 'blob', mixture target, d = 2",
    d: 2,
    scale: 1,
    gradientField: true,
    energy: () => klEnergy({ target: mixture2d(), estimator: 'blob', bandwidth: 0.5 }),
  },
  {
    name: 'mckean-vlasov: double well + gaussian-kernel interaction + porous blob m = 2, d = 2',
    d: 2,
    scale: 1,
    gradientField: true,
    energy: () =>
      mckeanVlasovEnergy({
        d: 2,
        potential: doubleWell(2),
        interaction: { kind: 'kernel', kernel: { kind: 'gaussian', sigma: 0.7 }, scale: 0.8 },
        internal: { kind: 'porous', m: 2, temperature: 0.4, bandwidth: 0.5 },
      }),
  },
  {
    name: 'mckean-vlasov: quadratic interaction + porous blob m = 3, d = 1',
    d: 1,
    scale: 1,
    gradientField: true,
    energy: () =>
      mckeanVlasovEnergy({ d: 1, interaction: { kind: 'quadratic', scale: 0.7 }, internal: { kind: 'porous', m: 3, bandwidth: 0.4 } }),
  },
  {
    name: 'mckean-vlasov: target potential + energy-kernel repulsion + entropy blob T = 0.5, d = 2',
    d: 2,
    scale: 1,
    gradientField: true,
    energy: () =>
      mckeanVlasovEnergy({
        d: 2,
        potential: potentialFromTarget(mixture2d()),
        interaction: { kind: 'kernel', kernel: { kind: 'energy' }, scale: 0.5 },
        internal: { kind: 'entropy', temperature: 0.5, realisation: 'blob', bandwidth: 0.7 },
      }),
  },
  {
    name: 'mckean-vlasov: double well + quadratic aggregation, no internal energy, d = 1',
    d: 1,
    scale: 1,
    gradientField: true,
    energy: () => mckeanVlasovEnergy({ d: 1, potential: doubleWell(1), interaction: { kind: 'quadratic', scale: -0.3 } }),
  },
];

const F = (E: Energy, mu: ParticleMeasure) => E.evaluate(mu, { value: true }).value!;

describe('∂F/∂xᵢ = wᵢ∇ξ(xᵢ): central differences of F along seeded random directions', () => {
  for (const c of cases.filter((c) => c.gradientField)) {
    it(c.name, () => {
      const E = c.energy();
      const r = rng(11, c.d);
      const mu = randomMeasure(r, 6, c.d, c.scale);
      const g = E.evaluate(mu, { grad: true }).grad!;
      const euclid = new Float64Array(g.length);
      for (let i = 0; i < mu.n; i++) for (let a = 0; a < c.d; a++) euclid[i * c.d + a] = mu.w[i]! * g[i * c.d + a]!;
      const h = 1e-5;
      for (let rep = 0; rep < 3; rep++) {
        const U = randomDirection(r, mu.X.length);
        const fd = central((t) => F(E, { ...mu, X: axpy(mu.X, t, U) }), h);
        const an = dot(euclid, U);
        expect(Math.abs(fd - an)).toBeLessThan(1e-7 * (1 + Math.abs(an)));
      }
      // one particle at a time (a wrong index would show here even if sums cancel)
      for (const i of [0, 3, 5]) {
        const U = new Float64Array(mu.X.length);
        for (let a = 0; a < c.d; a++) U[i * c.d + a] = r.normal();
        const fd = central((t) => F(E, { ...mu, X: axpy(mu.X, t, U) }), h);
        const an = dot(euclid, U);
        expect(Math.abs(fd - an)).toBeLessThan(1e-7 * (1 + Math.abs(an)));
      }
    });
  }
});

describe('first variation: d/dε F(Σ(wᵢ + εδᵢ)δ_{xᵢ}) = Σδᵢξ(xᵢ) for zero-sum δ', () => {
  for (const c of cases.filter((c) => c.gradientField)) {
    it(c.name, () => {
      const E = c.energy();
      const r = rng(12, c.d);
      const mu = randomMeasure(r, 7, c.d, c.scale);
      const xi = E.evaluate(mu, { xi: true }).xi!;
      for (let rep = 0; rep < 3; rep++) {
        const dw = zeroSumDirection(r, mu.n);
        // keep the weights positive along the segment
        const h = 1e-5;
        const fd = central((t) => F(E, { ...mu, w: axpy(mu.w, t, dw) }), h);
        const an = dot(dw, xi);
        expect(Math.abs(fd - an)).toBeLessThan(1e-7 * (1 + Math.abs(an)));
      }
    });
  }
});

describe('ξ and ∇ξ at arbitrary points (`at`): ∇ξ matches differences of ξ; `at = X` matches the default', () => {
  for (const c of cases) {
    it(c.name, () => {
      const E = c.energy();
      const r = rng(13, c.d);
      const mu = randomMeasure(r, 6, c.d, c.scale);
      const Z = randomMeasure(r, 4, c.d, c.scale).X;
      const ev = E.evaluate(mu, { xi: true, grad: true, value: true, at: Z });
      const h = 1e-5;
      for (let rep = 0; rep < 2; rep++) {
        const U = randomDirection(r, Z.length);
        const xp = E.evaluate(mu, { xi: true, at: axpy(Z, h, U) }).xi!;
        const xm = E.evaluate(mu, { xi: true, at: axpy(Z, -h, U) }).xi!;
        for (let i = 0; i < Z.length / c.d; i++) {
          const fd = (xp[i]! - xm[i]!) / (2 * h);
          let an = 0;
          for (let a = 0; a < c.d; a++) an += ev.grad![i * c.d + a]! * U[i * c.d + a]!;
          expect(Math.abs(fd - an)).toBeLessThan(1e-7 * (1 + Math.abs(an)));
        }
      }
      // F(µ) does not depend on where ξ is evaluated
      expect(ev.value).toBeCloseTo(F(E, mu), 12);
      // the same quantities with and without `at`
      const a = E.evaluate(mu, { xi: true, grad: true, at: mu.X.slice() });
      const b = E.evaluate(mu, { xi: true, grad: true });
      expect(maxAbsDiff(a.xi!, b.xi!)).toBeLessThan(1e-12);
      expect(maxAbsDiff(a.grad!, b.grad!)).toBeLessThan(1e-9);
    });
  }
});

describe('energy values against independent formulas', () => {
  it('½MMD² equals the dense-matrix V-statistic (gaussian, imq, energy kernels, weighted target)', () => {
    const r = rng(14);
    const d = 2;
    const Y = r.fillNormal(new Float64Array(5 * d));
    const nu = new Float64Array([0.1, 0.2, 0.3, 0.25, 0.15]);
    const mu = randomMeasure(r, 6, d);
    for (const kernel of [{ kind: 'gaussian', sigma: 0.8 }, { kind: 'imq', sigma: 1.2 }, { kind: 'energy' }] as Kernel[]) {
      const E = mmdEnergy({ kernel, Y, d, yWeights: nu });
      expect(F(E, mu)).toBeCloseTo(halfMmdSqRef(kernel, mu.X, mu.w, Y, nu, d), 12);
      // the witness is ξ(z) = Σwⱼk(xⱼ,z) − Σνₗk(yₗ,z)
      const z = new Float64Array([0.3, -0.7]);
      let ref = 0;
      for (let j = 0; j < mu.n; j++) ref += mu.w[j]! * kernelRef(kernel, mu.X.subarray(j * d, j * d + d), z);
      for (let l = 0; l < 5; l++) ref -= nu[l]! * kernelRef(kernel, Y.subarray(l * d, l * d + d), z);
      expect(E.evaluate(mu, { xi: true, at: z }).xi![0]).toBeCloseTo(ref, 12);
    }
  });

  it('½MMD² is 0 at µ = π and ξ ≡ 0 there', () => {
    const d = 2;
    const Y = rng(15).fillNormal(new Float64Array(6 * d));
    const E = mmdEnergy({ kernel: { kind: 'gaussian', sigma: 1 }, Y, d });
    const mu = { n: 6, d, X: Y.slice(), w: new Float64Array(6).fill(1 / 6) };
    const ev = E.evaluate(mu, { value: true, xi: true, grad: true });
    expect(Math.abs(ev.value!)).toBeLessThan(1e-15);
    expect(Math.max(...ev.xi!.map(Math.abs))).toBe(0);
    expect(Math.max(...ev.grad!.map(Math.abs))).toBe(0);
  });

  it('Nadaraya–Watson: ξ = 1 − (K_{·Y}ν)/(K_{·X}w), and F is still ½MMD²', () => {
    const r = rng(16);
    const d = 2;
    const Y = r.fillNormal(new Float64Array(5 * d));
    const kernel: Kernel = { kind: 'gaussian', sigma: 1.1 };
    const nw = mmdEnergy({ kernel, Y, d, force: 'nadaraya-watson' });
    const wit = mmdEnergy({ kernel, Y, d });
    const mu = randomMeasure(r, 6, d);
    const z = new Float64Array([0.4, 0.1]);
    let A = 0;
    let B = 0;
    for (let j = 0; j < mu.n; j++) A += mu.w[j]! * kernelRef(kernel, mu.X.subarray(j * d, j * d + d), z);
    for (let l = 0; l < 5; l++) B += kernelRef(kernel, Y.subarray(l * d, l * d + d), z) / 5;
    expect(nw.evaluate(mu, { xi: true, at: z }).xi![0]).toBeCloseTo(1 - B / A, 12);
    expect(F(nw, mu)).toBeCloseTo(F(wit, mu), 14);
    expect(() => mmdEnergy({ kernel: { kind: 'energy' }, Y, d, force: 'nadaraya-watson' })).toThrow(/kernel\.kind/);
  });

  it('½KSD² equals ½·ksdSquared (metrics, an independent Stein-kernel sum), and ξ equals steinKernelSum', () => {
    const t = mixture2d();
    const r = rng(17);
    const mu = randomMeasure(r, 8, 2, 1.3);
    for (const kernel of [{ kind: 'gaussian', sigma: 0.9 }, { kind: 'imq', sigma: 1.1, beta: 0.7 }, { kind: 'matern32', sigma: 1 }] as Kernel[]) {
      const E = ksdEnergy({ kernel, target: t });
      expect(F(E, mu)).toBeCloseTo(0.5 * ksdSquared(mu, t.score(mu.X), { kernel }), 12);
      const Z = randomMeasure(r, 3, 2).X;
      const xi = E.evaluate(mu, { xi: true, at: Z }).xi!;
      const ref = steinKernelSum(kernel, Z, t.score(Z), mu.X, t.score(mu.X), 2, mu.w);
      expect(maxAbsDiff(xi, ref)).toBeLessThan(1e-12);
    }
  });

  it('the Stein-kernel ξ is symmetric in its sources and points (k_π(x, y) = k_π(y, x))', () => {
    const t = mixture2d();
    const r = rng(18);
    const x = r.fillNormal(new Float64Array(2));
    const y = r.fillNormal(new Float64Array(2));
    const one = new Float64Array([1]);
    for (const kernel of [{ kind: 'gaussian', sigma: 0.9 }, { kind: 'imq', sigma: 1.1 }] as Kernel[]) {
      const a = steinFirstVariation(kernel, x, t.score(x), y, t.score(y), 2, one, false).xi[0]!;
      const b = steinFirstVariation(kernel, y, t.score(y), x, t.score(x), 2, one, false).xi[0]!;
      expect(a).toBeCloseTo(b, 14);
    }
  });

  it('exclusive KL (blob) of a Gaussian cloud: value = Σwᵢ[log ρ̂(xᵢ) − log π(xᵢ)] with ρ̂ the Gaussian KDE', () => {
    const t = gaussianTarget({ mean: [0, 0], cov: [[1, 0.5], [0.5, 2]] });
    const h = 0.6;
    const E = klEnergy({ target: t, estimator: 'blob', bandwidth: h });
    const mu = randomMeasure(rng(19), 5, 2);
    let ref = 0;
    const logp = t.logDensity(mu.X);
    for (let i = 0; i < mu.n; i++) {
      let rho = 0;
      for (let j = 0; j < mu.n; j++)
        rho += (mu.w[j]! * kernelRef({ kind: 'gaussian', sigma: h }, mu.X.subarray(2 * i, 2 * i + 2), mu.X.subarray(2 * j, 2 * j + 2))) / (2 * Math.PI * h * h);
      ref += mu.w[i]! * (Math.log(rho) - logp[i]!);
    }
    expect(F(E, mu)).toBeCloseTo(ref, 12);
  });

  it("exclusive KL 'langevin' has no value and diffusion 1; with a bandwidth its ξ is log ρ̂ + V", () => {
    const t = gaussianTarget({ mean: [0], cov: 1.5 });
    const E = klEnergy({ target: t, estimator: 'langevin' });
    expect(E.diffusion).toBe(1);
    expect(E.provides.value).toBe(false);
    expect(E.provides.xi).toBe(false);
    const mu = randomMeasure(rng(20), 4, 1);
    expect(() => E.evaluate(mu, { value: true })).toThrow(/value/);
    // the drift is ∇V = −s
    const g = E.evaluate(mu, { grad: true }).grad!;
    const s = t.score(mu.X);
    for (let i = 0; i < 4; i++) expect(g[i]).toBeCloseTo(-s[i]!, 14);
    const h = 0.5;
    const Eb = klEnergy({ target: t, estimator: 'langevin', bandwidth: h });
    const xi = Eb.evaluate(mu, { xi: true }).xi!;
    const lp = t.logDensity(mu.X);
    for (let i = 0; i < 4; i++) {
      let rho = 0;
      for (let j = 0; j < 4; j++) rho += (mu.w[j]! * Math.exp(-((mu.X[i]! - mu.X[j]!) ** 2) / (2 * h * h))) / Math.sqrt(2 * Math.PI * h * h);
      expect(xi[i]).toBeCloseTo(Math.log(rho) - lp[i]!, 12);
    }
  });

  it('quadratic interaction: F = ¼·scale·Σᵢⱼwᵢwⱼ|xᵢ − xⱼ|² (double sum written out)', () => {
    const mu = randomMeasure(rng(21), 5, 2);
    const E = mckeanVlasovEnergy({ d: 2, interaction: { kind: 'quadratic', scale: 1.3 } });
    let ref = 0;
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 5; j++) ref += mu.w[i]! * mu.w[j]! * ((mu.X[2 * i]! - mu.X[2 * j]!) ** 2 + (mu.X[2 * i + 1]! - mu.X[2 * j + 1]!) ** 2);
    expect(F(E, mu)).toBeCloseTo(0.25 * 1.3 * ref, 12);
  });
});

describe('MMD is a metric for a characteristic kernel (docs/math.md §9)', () => {
  it('MMD(µ, µ) = 0, symmetric, triangle inequality, > 0 for µ ≠ ν; √(2·F) of the energy is the MMD', () => {
    const r = rng(24);
    const kernel: Kernel = { kind: 'gaussian', sigma: 0.9 };
    const ms = [0, 1, 2, 3].map(() => randomMeasure(r, 5, 2));
    for (const a of ms) {
      expect(mmd(a, a, { kernel })).toBeLessThan(1e-7);
      for (const b of ms) {
        expect(mmd(a, b, { kernel })).toBeCloseTo(mmd(b, a, { kernel }), 14);
        if (a !== b) expect(mmd(a, b, { kernel })).toBeGreaterThan(1e-3);
        for (const c of ms) expect(mmd(a, c, { kernel })).toBeLessThanOrEqual(mmd(a, b, { kernel }) + mmd(b, c, { kernel }) + 1e-12);
      }
    }
    const E = mmdEnergy({ kernel, Y: ms[1]!.X, d: 2, yWeights: ms[1]!.w });
    expect(Math.sqrt(2 * F(E, ms[0]!))).toBeCloseTo(mmd(ms[0]!, ms[1]!, { kernel }), 12);
  });
});

describe('Stein gradient of KL(µ‖π) (integration by parts) equals 𝒦_µ∇ξ of the exact-entropy limit', () => {
  it('Σⱼwⱼ[k(xᵢ,xⱼ)∇V(xⱼ) − ∇_{xⱼ}k(xⱼ,xᵢ)] written out', () => {
    const t = mixture2d();
    const E = klEnergy({ target: t, estimator: 'langevin' });
    const kernel: Kernel = { kind: 'gaussian', sigma: 0.8 };
    const mu = randomMeasure(rng(22), 5, 2);
    const out = E.steinGradient!(mu, kernel);
    const s = t.score(mu.X);
    for (let i = 0; i < 5; i++)
      for (let a = 0; a < 2; a++) {
        let ref = 0;
        for (let j = 0; j < 5; j++) {
          const k = kernelRef(kernel, mu.X.subarray(2 * i, 2 * i + 2), mu.X.subarray(2 * j, 2 * j + 2));
          // ∇_{xⱼ}k(xⱼ, xᵢ) = −(xⱼ − xᵢ)k/σ²
          const gradxj = (-(mu.X[2 * j + a]! - mu.X[2 * i + a]!) * k) / 0.64;
          ref += mu.w[j]! * (k * -s[2 * j + a]! - gradxj);
        }
        expect(out[2 * i + a]).toBeCloseTo(ref, 12);
      }
  });
});

describe('kernelDerivs: c = 2g′, c′ and c″ against central differences in s = |x − y|²', () => {
  const kernels: Kernel[] = [
    { kind: 'gaussian', sigma: 0.8 },
    { kind: 'gaussian', sigma: 2.5 },
    { kind: 'imq', sigma: 1.3 },
    { kind: 'imq', sigma: 0.7, beta: 1.5 },
    { kind: 'matern32', sigma: 1.1 },
  ];
  for (const ker of kernels) {
    it(JSON.stringify(ker), () => {
      for (const s of [0.05, 0.3, 1, 2.7, 6]) {
        const h = 1e-5 * s;
        const D = kernelDerivs(ker, s);
        expect(D.k).toBeCloseTo(kernelValue(ker, s), 14);
        const fdK = central((t) => kernelValue(ker, s + t), h);
        const fdC = central((t) => kernelDerivs(ker, s + t).c, h);
        const fdCp = central((t) => kernelDerivs(ker, s + t).cp, h);
        const rel = (a: number, b: number) => Math.abs(a - b) / (1e-12 + Math.abs(b));
        expect(rel(D.c, 2 * fdK)).toBeLessThan(1e-6);
        expect(rel(D.cp, fdC)).toBeLessThan(1e-6);
        expect(rel(D.cpp, fdCp)).toBeLessThan(1e-6);
      }
    });
  }
  it('rejects kernels that are not twice differentiable', () => {
    expect(() => kernelDerivs({ kind: 'laplace', sigma: 1 }, 1)).toThrow(/kernel\.kind/);
    expect(() => kernelDerivs({ kind: 'energy' }, 1)).toThrow(/kernel\.kind/);
  });
});

describe('scoreHvpByDifferences matches the analytic Hessian of a Gaussian log-density', () => {
  it('∇s(x)u = −Σ⁻¹u', () => {
    const t = gaussianTarget({ mean: [1, -1], cov: [[2, 0.4], [0.4, 0.5]] });
    const r = rng(23);
    const X = r.fillNormal(new Float64Array(6));
    const U = r.fillNormal(new Float64Array(6));
    const hv = scoreHvpByDifferences((Z) => t.score(Z), X, U, 2);
    // Σ⁻¹ of [[2, .4], [.4, .5]]: det = 0.84
    const inv = [0.5 / 0.84, -0.4 / 0.84, -0.4 / 0.84, 2 / 0.84];
    for (let i = 0; i < 3; i++)
      for (let a = 0; a < 2; a++) expect(hv[2 * i + a]).toBeCloseTo(-(inv[2 * a]! * U[2 * i]! + inv[2 * a + 1]! * U[2 * i + 1]!), 8);
  });
});

describe('energy construction errors name the field', () => {
  it('ksd needs a score and a Stein kernel; porous needs m > 1; blob needs a bandwidth', () => {
    const Y = new Float64Array([0, 1, 2]);
    expect(() => ksdEnergy({ kernel: { kind: 'laplace', sigma: 1 }, target: gaussianTarget({ mean: [0] }) })).toThrow(/kernel\.kind/);
    expect(() => ksdEnergy({ kernel: { kind: 'gaussian', sigma: 1 }, target: { d: 1 } })).toThrow(/score/);
    expect(() => mckeanVlasovEnergy({ d: 1, internal: { kind: 'porous', m: 1, bandwidth: 1 } })).toThrow(/internal\.m/);
    expect(() => mckeanVlasovEnergy({ d: 1, internal: { kind: 'entropy', realisation: 'blob' } })).toThrow(/internal\.bandwidth/);
    expect(() => mmdEnergy({ kernel: { kind: 'gaussian', sigma: -1 }, Y, d: 1 })).toThrow(/kernel\.sigma/);
    expect(() => mmdEnergy({ kernel: { kind: 'gaussian', sigma: 1 }, Y, d: 2 })).toThrow(/target\.samples\.length/);
  });
});
