/**
 * The flow layer (docs/math.md §4–§5, §9): closed forms (MMD–MMD / Fisher-Rao flow, IFT decay),
 * energy dissipation for every valid energy × geometry pair, invariants of the weights,
 * the exact MMD step's KKT conditions, the PGD step against an independent projection,
 * rejection of invalid combinations, purity and reproducibility of `step` and `runFlow`.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.js';
import type { ParticleMeasure, Space } from '../src/core/measure.js';
import { rng } from '../src/core/rng.js';
import { klEnergy } from '../src/energies/kl.js';
import { ksdEnergy } from '../src/energies/ksd.js';
import { mckeanVlasovEnergy } from '../src/energies/mckeanVlasov.js';
import { mmdEnergy } from '../src/energies/mmd.js';
import { fisherRaoClosedForm, unionOfSupports } from '../src/flows/closedForm.js';
import { type FlowConfig, flow } from '../src/flows/flow.js';
import { runFlow } from '../src/flows/run.js';
import { reactionStep } from '../src/geometries/reaction.js';
import { transportStep } from '../src/geometries/transport.js';
import type { Kernel } from '../src/kernels/kernel.js';
import { mmd } from '../src/metrics/mmd.js';
import * as P from '../src/presets/index.js';
import { kktResiduals } from '../src/solvers/kernelQP.js';
import { gaussianTarget } from '../src/targets/gaussian.js';
import { mixtureTarget } from '../src/targets/mixture.js';
import { dot, gram, kernelRef, maxAbsDiff, projectSimplexBisection, randomMeasure, solveDense, sum } from './flowHelpers.js';

const d = 2;
const gauss: Kernel = { kind: 'gaussian', sigma: 1 };
const Y8 = rng(100).fillNormal(new Float64Array(8 * d)).map((v) => v + 0.8);
const uniform = (n: number) => new Float64Array(n).fill(1 / n);
const mixture2d = () =>
  mixtureTarget({
    weights: [0.5, 0.5],
    components: [
      { mean: [-1, 0], cov: [[0.6, 0.2], [0.2, 0.5]] },
      { mean: [1.2, 0.4], cov: 0.5 },
    ],
  });

/** Runs `steps` steps with the runner's seeding convention rng(seed, t + 1). */
function iterate(cfg: FlowConfig, mu0: ParticleMeasure, steps: number, seed = 0) {
  const f = flow(cfg);
  let s = f.init(mu0);
  const states = [s];
  const infos = [];
  for (let t = 0; t < steps; t++) {
    const [next, info] = f.step(rng(seed, t + 1), s);
    states.push(next);
    infos.push(info);
    s = next;
  }
  return { states, infos, final: s };
}

describe('MMD–MMD flow = Fisher-Rao flow of the inclusive KL (docs/math.md §9): µ_t = e^{−t}µ₀ + (1 − e^{−t})π', () => {
  const mu0 = randomMeasure(rng(101), 5, d, 1, 1, true);
  const Y = rng(102).fillNormal(new Float64Array(5 * d)).map((v) => v + 1);
  const { mu, target } = unionOfSupports(mu0, Y);
  const targetMeasure = { n: 5, d, X: Y, w: uniform(5) };
  // On the union of supports F = ½(w − ν)ᵀK(w − ν), and the implicit step with K positive
  // definite has the unconstrained minimiser β − ν = (w − ν)/(1 + η), which lies in Δ: so
  // k steps give exactly w_k = ν + (1 + η)^{−k}(w₀ − ν) (the discrete closed form).
  it('k implicit steps give w_k = ν + (1 + η)^{−k}(w₀ − ν) (to the QP accuracy, 1e-9)', () => {
    const eta = 0.2;
    const { states, infos } = iterate(P.fisherRao({ kernel: gauss, target: { Y, d }, eta }), mu, 10);
    for (const [k, s] of states.entries()) {
      const expected = mu.w.map((w, i) => target[i]! + (1 + eta) ** -k * (w - target[i]!));
      expect(maxAbsDiff(s.mu.w, expected)).toBeLessThan(1e-9);
      expect(s.mu.X).toEqual(mu.X); // positions never move
    }
    for (const info of infos) expect(info.qp!.converged).toBe(true);
  });

  it('the scheme converges to the continuous closed form with order 1 as η halves (t = 1)', () => {
    const errs = [0.2, 0.1, 0.05].map((eta) => {
      const { final } = iterate(P.fisherRao({ kernel: gauss, target: { Y, d }, eta }), mu, Math.round(1 / eta));
      return maxAbsDiff(final.mu.w, fisherRaoClosedForm(mu.w, target, 1));
    });
    // local error (1+η)^{−1/η} − e^{−1} ≈ (η/2)e^{−1}·|w₀ − ν|: order 1, ratio → 2
    for (let i = 1; i < errs.length; i++) expect(errs[i - 1]! / errs[i]!).toBeGreaterThan(1.8);
    for (let i = 1; i < errs.length; i++) expect(errs[i - 1]! / errs[i]!).toBeLessThan(2.2);
    expect(errs[2]).toBeLessThan(0.05 * 0.5 * Math.exp(-1) * 1.1);
  });

  it('MMD(µ_k, π) = (1 + η)^{−k}·MMD(µ₀, π) → e^{−t}MMD(µ₀, π)', () => {
    const eta = 0.05;
    const { states } = iterate(P.fisherRao({ kernel: gauss, target: { Y, d }, eta }), mu, 20);
    const m0 = mmd(mu, targetMeasure, { kernel: gauss });
    for (const [k, s] of states.entries()) {
      const mk = mmd(s.mu, targetMeasure, { kernel: gauss });
      expect(Math.abs(mk - (1 + eta) ** -k * m0)).toBeLessThan(1e-8);
      // and within the O(η) discretisation error of the continuous rate
      expect(Math.abs(mk / m0 - Math.exp(-k * eta))).toBeLessThanOrEqual(k * eta * eta);
    }
  });

  it('fisherRaoClosedForm: t = 0 is µ₀, large t is π, mass 1 throughout; negative t rejected', () => {
    expect(fisherRaoClosedForm(mu.w, target, 0)).toEqual(mu.w);
    expect(maxAbsDiff(fisherRaoClosedForm(mu.w, target, 50), target)).toBeLessThan(1e-15);
    expect(sum(fisherRaoClosedForm(mu.w, target, 0.7))).toBeCloseTo(1, 14);
    expect(() => fisherRaoClosedForm(mu.w, target, -1)).toThrow(/^t: /);
  });
});

describe('IFT decay (IFT paper Thm 3.5): ½MMD²(µ_t, π) ≤ e^{−2βt}·½MMD²(µ₀, π)', () => {
  // Target representable: µ₀ on the union of supports (target atoms carry weight 0).
  // "Small step": ηβ ≤ 0.1 and τα·Lip(∇ξ) ≤ 0.1 (Lip ≤ 1/σ² + mass/σ² for σ = 1). The exact
  // MMD step alone contracts MMD by (1 + ηβ)^{−1} per step (previous block), and
  // (1 + x)^{−2} ≤ e^{−2x + x²}, so the discrete bound is ½MMD²_k ≤ e^{−2βt(1 − βη/2)}·½MMD²_0,
  // t = kη; the transport step can only lower F further in this regime.
  const mu0 = randomMeasure(rng(103), 6, d, 1, 1, true);
  const Y = rng(104).fillNormal(new Float64Array(6 * d)).map((v) => v + 1.5);
  const { mu } = unionOfSupports(mu0, Y);
  for (const [tau, eta, beta] of [
    [0.1, 0.02, 1],
    [0.02, 0.05, 2],
    [0.05, 0.1, 0.5],
  ] as const) {
    it(`τ = ${tau}, η = ${eta}, β = ${beta}, up to t = 1`, () => {
      const cfg = P.ift({ kernel: gauss, target: { Y, d }, tau, eta, beta });
      const steps = Math.round(1 / eta);
      const { states } = iterate(cfg, mu, steps);
      const E = cfg.energy;
      const F0 = E.evaluate(mu, { value: true }).value!;
      for (const [k, s] of states.entries()) {
        const t = k * eta;
        const Fk = E.evaluate(s.mu, { value: true }).value!;
        expect(Fk).toBeLessThanOrEqual(Math.exp(-2 * beta * t * (1 - (beta * eta) / 2)) * F0 * (1 + 1e-9));
      }
    });
  }
});

/** The energy × geometry table of docs/math.md §4–5 that must dissipate F for small steps. */
interface Pair {
  name: string;
  cfg: () => FlowConfig;
  mu0: () => ParticleMeasure;
  steps?: number;
}
const mmdE = () => mmdEnergy({ kernel: gauss, Y: Y8, d });
const cloud = (seed: number, n = 8, scale = 1) => () => randomMeasure(rng(seed), n, d, scale);
const ksdE = () => ksdEnergy({ kernel: { kind: 'imq', sigma: 1 }, target: mixture2d() });
const klBlob = () => klEnergy({ target: mixture2d(), estimator: 'blob', bandwidth: 0.6 });
const mvE = () =>
  mckeanVlasovEnergy({
    d,
    // V(x) = |x|²/2
    potential: {
      d,
      value: (X) => new Float64Array(X.length / d).map((_, i) => 0.5 * (X[i * d]! ** 2 + X[i * d + 1]! ** 2)),
      grad: (X) => X.slice(),
    },
    interaction: { kind: 'kernel', kernel: { kind: 'gaussian', sigma: 0.5 }, scale: 0.3 },
    internal: { kind: 'porous', m: 2, temperature: 0.2, bandwidth: 0.5 },
  });

const pairs: Pair[] = [
  { name: 'mmd × W explicit', cfg: () => ({ space: 'P', energy: mmdE(), transport: { kind: 'wasserstein' }, tau: 0.2 }), mu0: cloud(1) },
  {
    name: 'mmd × W explicit, euclidean metric',
    cfg: () => ({ space: 'P', energy: mmdE(), transport: { kind: 'wasserstein', metric: 'euclidean' }, tau: 1 }),
    mu0: cloud(1),
  },
  {
    name: 'mmd × W implicit (JKO)',
    cfg: () => ({ space: 'P', energy: mmdE(), transport: { kind: 'wasserstein', scheme: 'implicit' }, tau: 1 }),
    mu0: cloud(2),
  },
  {
    name: 'mmd × W implicit, euclidean metric',
    cfg: () => ({ space: 'P', energy: mmdE(), transport: { kind: 'wasserstein', scheme: 'implicit', metric: 'euclidean' }, tau: 5 }),
    mu0: cloud(2),
  },
  { name: 'mmd × Stein', cfg: () => ({ space: 'P', energy: mmdE(), transport: { kind: 'stein', kernel: gauss }, tau: 0.2 }), mu0: cloud(3) },
  { name: 'mmd × Fisher-Rao', cfg: () => ({ space: 'P', energy: mmdE(), reaction: { kind: 'fisher-rao' }, eta: 0.5 }), mu0: cloud(4) },
  { name: 'mmd × Hellinger (M+)', cfg: () => ({ space: 'M+', energy: mmdE(), reaction: { kind: 'hellinger' }, eta: 0.5 }), mu0: cloud(4) },
  { name: 'mmd × spherical MMD, exact', cfg: () => ({ space: 'P', energy: mmdE(), reaction: { kind: 'mmd' }, eta: 1 }), mu0: cloud(5) },
  { name: 'mmd × spherical MMD, pgd', cfg: () => ({ space: 'P', energy: mmdE(), reaction: { kind: 'mmd', variant: 'pgd' }, eta: 0.2 }), mu0: cloud(5) },
  {
    name: 'mmd × MMD on M+, exact',
    cfg: () => ({ space: 'M+', energy: mmdE(), reaction: { kind: 'mmd', spherical: false }, eta: 1 }),
    mu0: () => randomMeasure(rng(6), 8, d, 1, 1.7),
  },
  {
    name: 'mmd × MMD on M+, pgd',
    cfg: () => ({ space: 'M+', energy: mmdE(), reaction: { kind: 'mmd', spherical: false, variant: 'pgd' }, eta: 0.2 }),
    mu0: () => randomMeasure(rng(6), 8, d, 1, 1.7),
  },
  { name: 'mmd × WFR', cfg: () => P.wfr({ kernel: gauss, target: { Y: Y8, d }, tau: 0.2, eta: 0.3 }), mu0: cloud(7) },
  { name: 'mmd × IFT exact', cfg: () => P.ift({ kernel: gauss, target: { Y: Y8, d }, tau: 0.2, eta: 0.3 }), mu0: cloud(8) },
  { name: 'mmd × IFT pgd', cfg: () => P.ift({ kernel: gauss, target: { Y: Y8, d }, tau: 0.2, eta: 0.1, variant: 'pgd' }), mu0: cloud(8) },
  { name: 'ksd × W', cfg: () => ({ space: 'P', energy: ksdE(), transport: { kind: 'wasserstein' }, tau: 0.02 }), mu0: cloud(9) },
  { name: 'ksd × Fisher-Rao', cfg: () => ({ space: 'P', energy: ksdE(), reaction: { kind: 'fisher-rao' }, eta: 0.2 }), mu0: cloud(10) },
  {
    name: 'ksd × spherical MMD exact (linearised, kernel given)',
    cfg: () => ({ space: 'P', energy: ksdE(), reaction: { kind: 'mmd', kernel: gauss }, eta: 0.01 }),
    mu0: cloud(10),
  },
  { name: 'kl blob × W', cfg: () => ({ space: 'P', energy: klBlob(), transport: { kind: 'wasserstein' }, tau: 0.02 }), mu0: cloud(11) },
  {
    name: 'kl blob × W implicit',
    cfg: () => ({ space: 'P', energy: klBlob(), transport: { kind: 'wasserstein', scheme: 'implicit' }, tau: 0.1 }),
    mu0: cloud(11),
  },
  { name: 'kl blob × Stein', cfg: () => ({ space: 'P', energy: klBlob(), transport: { kind: 'stein', kernel: gauss }, tau: 0.02 }), mu0: cloud(12) },
  {
    // wide KDE bandwidth, tight cluster: the regime where the exact-entropy (integrated by
    // parts) SVGD direction is not a descent direction of the blob-regularised F
    name: 'kl blob (h = 3, tight 1-D cluster) × Stein',
    cfg: () => ({
      space: 'P',
      energy: klEnergy({ target: gaussianTarget({ mean: [0], cov: 1 }), estimator: 'blob', bandwidth: 3 }),
      transport: { kind: 'stein', kernel: { kind: 'gaussian', sigma: 0.1 } },
      tau: 0.01,
    }),
    mu0: () => ({ n: 10, d: 1, X: new Float64Array(10).map((_, i) => (i - 4.5) * 0.02), w: uniform(10) }),
  },
  { name: 'kl blob × Fisher-Rao', cfg: () => ({ space: 'P', energy: klBlob(), reaction: { kind: 'fisher-rao' }, eta: 0.2 }), mu0: cloud(13) },
  { name: 'mckean-vlasov × W', cfg: () => ({ space: 'P', energy: mvE(), transport: { kind: 'wasserstein' }, tau: 0.02 }), mu0: cloud(14) },
];

describe('every valid energy × geometry pair dissipates F for small steps (docs/math.md §9)', () => {
  for (const p of pairs) {
    it(p.name, () => {
      const cfg = p.cfg();
      const { states } = iterate(cfg, p.mu0(), p.steps ?? 6);
      const E = cfg.energy;
      const values = states.map((s) => E.evaluate(s.mu, { value: true }).value!);
      for (let k = 1; k < values.length; k++) expect(values[k]!).toBeLessThan(values[k - 1]!);
      const m0 = sum(states[0]!.mu.w);
      for (const s of states) {
        for (const w of s.mu.w) expect(w).toBeGreaterThanOrEqual(0);
        const spherical = !(cfg.reaction?.kind === 'hellinger' || (cfg.reaction?.kind === 'mmd' && cfg.reaction.spherical === false));
        if (spherical) expect(Math.abs(sum(s.mu.w) - m0)).toBeLessThan(1e-12);
        if (cfg.space === 'P') expect(Math.abs(sum(s.mu.w) - 1)).toBeLessThan(1e-12);
      }
    });
  }
  it('M+ steps (Hellinger, non-spherical MMD) change the mass but keep weights ≥ 0; large η zeroes weights, never negative', () => {
    const mu0 = randomMeasure(rng(15), 8, d, 1, 1.7);
    for (const reaction of [
      { kind: 'hellinger' },
      { kind: 'mmd', spherical: false },
      { kind: 'mmd', spherical: false, variant: 'pgd' },
    ] as const) {
      const { final } = iterate({ space: 'M+', energy: mmdE(), reaction, eta: 5 }, mu0, 3);
      expect(Math.abs(sum(final.mu.w) - 1.7)).toBeGreaterThan(1e-3);
      for (const w of final.mu.w) expect(w).toBeGreaterThanOrEqual(0);
    }
    // PGD with a large step on P hits the boundary of the simplex: zeros, mass still 1
    const { final } = iterate({ space: 'P', energy: mmdE(), reaction: { kind: 'mmd', variant: 'pgd' }, eta: 50 }, cloud(5)(), 2);
    expect(final.mu.w.some((w) => w === 0)).toBe(true);
    expect(Math.abs(sum(final.mu.w) - 1)).toBeLessThan(1e-12);
  });
});

describe('dissipation identity d/dt F = −‖ξ‖²_K (docs/math.md §9): (F(µ¹) − F(µ⁰))/h → −(the geometry’s norm) as h → 0', () => {
  // 5 well-separated particles, σ = 0.7: K is well conditioned, so K⁻¹ξ is moderate and the
  // small MMD steps stay in the interior of the simplex / orthant.
  const kernel: Kernel = { kind: 'gaussian', sigma: 0.7 };
  const X = new Float64Array([0, 0, 1.2, 0.1, -0.3, 1.1, 0.9, -1, -1.1, -0.6]);
  const mu: ParticleMeasure = { n: 5, d, X, w: new Float64Array([0.15, 0.25, 0.2, 0.3, 0.1]) };
  const E = mmdEnergy({ kernel, Y: Y8, d });
  const ev = E.evaluate(mu, { value: true, xi: true, grad: true });
  const xi = ev.xi!;
  const g = ev.grad!;
  const K = gram(kernel, X, X, d);
  const Kinv = (v: Float64Array) => solveDense(K, v);
  const xibar = dot(mu.w, xi);
  const norms = {
    W: mu.w.reduce((s, wi, i) => s + wi * (g[2 * i]! ** 2 + g[2 * i + 1]! ** 2), 0),
    euclid: mu.w.reduce((s, wi, i) => s + wi * wi * (g[2 * i]! ** 2 + g[2 * i + 1]! ** 2), 0),
    stein: (() => {
      let s = 0;
      for (let i = 0; i < 5; i++)
        for (let j = 0; j < 5; j++) s += mu.w[i]! * mu.w[j]! * K[i * 5 + j]! * (g[2 * i]! * g[2 * j]! + g[2 * i + 1]! * g[2 * j + 1]!);
      return s;
    })(),
    FR: mu.w.reduce((s, wi, i) => s + wi * (xi[i]! - xibar) ** 2, 0),
    hellinger: mu.w.reduce((s, wi, i) => s + wi * xi[i]! ** 2, 0),
    mmd: dot(xi, Kinv(xi)),
    mmdSpherical: (() => {
      const one = new Float64Array(5).fill(1);
      const k1 = Kinv(one);
      return dot(xi, Kinv(xi)) - dot(one, Kinv(xi)) ** 2 / dot(one, k1);
    })(),
    pgd: xi.reduce((s, x) => s + (x - xi.reduce((a, b) => a + b, 0) / 5) ** 2, 0),
    pgdOrthant: xi.reduce((s, x) => s + x * x, 0),
  };
  const cases: [string, (h: number) => FlowConfig, number, Space?][] = [
    ['W', (h) => ({ space: 'P', energy: E, transport: { kind: 'wasserstein' }, tau: h }), norms.W],
    ['W, euclidean metric', (h) => ({ space: 'P', energy: E, transport: { kind: 'wasserstein', metric: 'euclidean' }, tau: h }), norms.euclid],
    ['W implicit', (h) => ({ space: 'P', energy: E, transport: { kind: 'wasserstein', scheme: 'implicit' }, tau: h }), norms.W],
    ['Stein', (h) => ({ space: 'P', energy: E, transport: { kind: 'stein', kernel }, tau: h }), norms.stein],
    ['Fisher-Rao', (h) => ({ space: 'P', energy: E, reaction: { kind: 'fisher-rao' }, eta: h }), norms.FR],
    ['Hellinger (M+)', (h) => ({ space: 'M+', energy: E, reaction: { kind: 'hellinger' }, eta: h }), norms.hellinger],
    ['MMD (M+), exact', (h) => ({ space: 'M+', energy: E, reaction: { kind: 'mmd', spherical: false }, eta: h }), norms.mmd],
    ['spherical MMD, exact', (h) => ({ space: 'P', energy: E, reaction: { kind: 'mmd' }, eta: h }), norms.mmdSpherical],
    ['spherical MMD, pgd (Euclidean on Δ)', (h) => ({ space: 'P', energy: E, reaction: { kind: 'mmd', variant: 'pgd' }, eta: h }), norms.pgd],
    ['MMD (M+), pgd', (h) => ({ space: 'M+', energy: E, reaction: { kind: 'mmd', variant: 'pgd', spherical: false }, eta: h }), norms.pgdOrthant],
    ['WFR, α = 0.5, β = 2', (h) => P.wfr({ kernel, target: { Y: Y8, d }, tau: h, eta: h, alpha: 0.5, beta: 2 }), 0.5 * norms.W + 2 * norms.FR],
    ['IFT, α = 0.5, β = 2', (h) => P.ift({ kernel, target: { Y: Y8, d }, tau: h, eta: h, alpha: 0.5, beta: 2 }), 0.5 * norms.W + 2 * norms.mmdSpherical],
  ];
  for (const [name, make, norm] of cases) {
    it(name, () => {
      const rate = (h: number) => {
        const f = flow(make(h));
        const s1 = f.step(rng(0, 1), f.init(mu))[0];
        return (E.evaluate(s1.mu, { value: true }).value! - ev.value!) / h;
      };
      // first-order scheme: rate(h) = −norm + O(h); check the limit by Richardson extrapolation
      const h = 1e-5;
      const r1 = rate(h);
      const r2 = rate(h / 2);
      expect(norm).toBeGreaterThan(1e-3);
      expect(Math.abs(2 * r2 - r1 + norm)).toBeLessThan(1e-4 * norm);
      expect(Math.abs(r1 + norm)).toBeLessThan(1e-3 * norm);
    });
  }
});

describe('steps against independent formulas (docs/math.md §5)', () => {
  const mu = randomMeasure(rng(16), 6, d);
  const E = mmdE();
  /** The witness ξ(xᵢ) and ∇ξ(xᵢ) by dense reference formulas. */
  const witness = (m: ParticleMeasure) => {
    const Kxx = gram(gauss, m.X, m.X, d);
    const Kxy = gram(gauss, m.X, Y8, d);
    const xi = new Float64Array(m.n);
    const grad = new Float64Array(m.n * d);
    for (let i = 0; i < m.n; i++) {
      for (let j = 0; j < m.n; j++) {
        xi[i] = xi[i]! + m.w[j]! * Kxx[i * m.n + j]!;
        for (let a = 0; a < d; a++) grad[i * d + a] = grad[i * d + a]! - m.w[j]! * Kxx[i * m.n + j]! * (m.X[i * d + a]! - m.X[j * d + a]!);
      }
      for (let l = 0; l < 8; l++) {
        xi[i] = xi[i]! - Kxy[i * 8 + l]! / 8;
        for (let a = 0; a < d; a++) grad[i * d + a] = grad[i * d + a]! + (Kxy[i * 8 + l]! / 8) * (m.X[i * d + a]! - Y8[l * d + a]!);
      }
    }
    return { xi, grad, Kxx, Kxy };
  };

  it('Wasserstein explicit: xᵢ ← xᵢ − τα∇ξ(xᵢ); euclidean metric: xᵢ ← xᵢ − τα·wᵢ∇ξ(xᵢ)', () => {
    const { grad } = witness(mu);
    const X1 = transportStep(E, mu, { kind: 'wasserstein', coef: 0.5 }, 0.3, 0, rng(0));
    const X2 = transportStep(E, mu, { kind: 'wasserstein', metric: 'euclidean' }, 0.3, 0, rng(0));
    for (let i = 0; i < mu.n; i++)
      for (let a = 0; a < d; a++) {
        expect(X1.X[i * d + a]).toBeCloseTo(mu.X[i * d + a]! - 0.15 * grad[i * d + a]!, 13);
        expect(X2.X[i * d + a]).toBeCloseTo(mu.X[i * d + a]! - 0.3 * mu.w[i]! * grad[i * d + a]!, 13);
      }
    expect(X1.energy).toBeCloseTo(E.evaluate(mu, { value: true }).value!, 14);
  });

  it('noise injection: ∇ξ at xᵢ + level·uᵢ with uᵢ the step generator’s normals, only for t < until', () => {
    const tr = { kind: 'wasserstein', noise: { level: 0.7, until: 3 } } as const;
    const r = rng(5, 1);
    const U = new Float64Array(mu.X.length);
    for (let i = 0; i < U.length; i++) U[i] = 0.7 * r.normal();
    const at = mu.X.map((x, i) => x + U[i]!);
    const g = E.evaluate(mu, { grad: true, at }).grad!;
    const noisy = transportStep(E, mu, tr, 0.3, 2, rng(5, 1));
    for (let i = 0; i < g.length; i++) expect(noisy.X[i]).toBeCloseTo(mu.X[i]! - 0.3 * g[i]!, 13);
    const off = transportStep(E, mu, tr, 0.3, 3, rng(5, 1));
    const plain = transportStep(E, mu, { kind: 'wasserstein' }, 0.3, 3, rng(5, 1));
    expect(off.X).toEqual(plain.X);
  });

  it('Stein: xᵢ ← xᵢ − τ Σⱼ wⱼ k(xᵢ, xⱼ)∇ξ(xⱼ)', () => {
    const { grad, Kxx } = witness(mu);
    const out = transportStep(E, mu, { kind: 'stein', kernel: gauss }, 0.4, 0, rng(0)).X;
    for (let i = 0; i < mu.n; i++)
      for (let a = 0; a < d; a++) {
        let v = 0;
        for (let j = 0; j < mu.n; j++) v += mu.w[j]! * Kxx[i * mu.n + j]! * grad[j * d + a]!;
        expect(out[i * d + a]).toBeCloseTo(mu.X[i * d + a]! - 0.4 * v, 13);
      }
  });

  it('Stein with the blob KL: xᵢ ← xᵢ − τ Σⱼ wⱼ k(xᵢ, xⱼ)∇ξ(xⱼ) with ∇ξ of the blob-regularised energy', () => {
    const Eb = klEnergy({ target: mixture2d(), estimator: 'blob', bandwidth: 0.7 });
    const g = Eb.evaluate(mu, { grad: true }).grad!;
    const K = gram(gauss, mu.X, mu.X, d);
    const out = transportStep(Eb, mu, { kind: 'stein', kernel: gauss }, 0.4, 0, rng(0)).X;
    for (let i = 0; i < mu.n; i++)
      for (let a = 0; a < d; a++) {
        let v = 0;
        for (let j = 0; j < mu.n; j++) v += mu.w[j]! * K[i * mu.n + j]! * g[j * d + a]!;
        expect(out[i * d + a]).toBeCloseTo(mu.X[i * d + a]! - 0.4 * v, 13);
      }
  });

  it('implicit (JKO) step: the result satisfies ∇ξ(yᵢ) + (yᵢ − xᵢ)/τ = 0 and → explicit step as τ → 0', () => {
    const tau = 1.5;
    const res = transportStep(E, mu, { kind: 'wasserstein', scheme: 'implicit', implicit: { tol: 1e-10, maxIter: 500 } }, tau, 0, rng(0));
    const g = E.evaluate({ ...mu, X: res.X }, { grad: true }).grad!;
    let worst = 0;
    for (let k = 0; k < g.length; k++) worst = Math.max(worst, Math.abs(g[k]! + (res.X[k]! - mu.X[k]!) / tau));
    expect(worst).toBeLessThan(1e-8);
    // the Euclidean metric (IFT authors' convention): argmin F + (1/2τ)Σ|yᵢ − xᵢ|², i.e.
    // wᵢ∇ξ(yᵢ) + (yᵢ − xᵢ)/τ = 0 (weights non-uniform, so this differs from the W step)
    const eu = transportStep(E, mu, { kind: 'wasserstein', scheme: 'implicit', metric: 'euclidean', implicit: { tol: 1e-10, maxIter: 500 } }, 4, 0, rng(0));
    const ge = E.evaluate({ ...mu, X: eu.X }, { grad: true }).grad!;
    let worstE = 0;
    for (let i = 0; i < mu.n; i++)
      for (let a = 0; a < d; a++) {
        const k = i * d + a;
        worstE = Math.max(worstE, Math.abs(mu.w[i]! * ge[k]! + (eu.X[k]! - mu.X[k]!) / 4));
      }
    expect(worstE).toBeLessThan(1e-8);
    expect(maxAbsDiff(eu.X, res.X)).toBeGreaterThan(1e-3);
    // O(τ²) agreement with the explicit step
    const diffs = [0.04, 0.02].map((t) => {
      const a = transportStep(E, mu, { kind: 'wasserstein', scheme: 'implicit' }, t, 0, rng(0)).X;
      const b = transportStep(E, mu, { kind: 'wasserstein' }, t, 0, rng(0)).X;
      return maxAbsDiff(a, b);
    });
    expect(diffs[0]! / diffs[1]!).toBeGreaterThan(3.5);
    expect(diffs[0]! / diffs[1]!).toBeLessThan(4.5);
  });

  it('Fisher-Rao: wᵢ ← wᵢe^{−ηβξᵢ}/Z; Hellinger: wᵢ ← wᵢe^{−ηβξᵢ}', () => {
    const { xi } = witness(mu);
    const fr = reactionStep(E, mu, { kind: 'fisher-rao', coef: 2 }, 0.3, null).w;
    const he = reactionStep(E, mu, { kind: 'hellinger', coef: 2 }, 0.3, null).w;
    const raw = mu.w.map((w, i) => w * Math.exp(-0.6 * xi[i]!));
    const Z = sum(raw);
    for (let i = 0; i < mu.n; i++) {
      expect(fr[i]).toBeCloseTo(raw[i]! / Z, 14);
      expect(he[i]).toBeCloseTo(raw[i]!, 14);
    }
  });

  it('MMD pgd step equals Proj_Δ(w − ηξ) by bisection (and max(0, w − ηξ) on M+)', () => {
    const { xi } = witness(mu);
    for (const eta of [0.05, 0.5, 5]) {
      const v = mu.w.map((w, i) => w - eta * xi[i]!);
      const sph = reactionStep(E, mu, { kind: 'mmd', variant: 'pgd' }, eta, null).w;
      expect(maxAbsDiff(sph, projectSimplexBisection(v))).toBeLessThan(1e-14);
      const orth = reactionStep(E, mu, { kind: 'mmd', variant: 'pgd', spherical: false }, eta, null).w;
      expect(maxAbsDiff(orth, v.map((x) => Math.max(0, x)))).toBeLessThan(1e-15);
    }
  });

  /**
   * KKT of min ½aβᵀKβ − gᵀβ over {β ≥ 0, Σβ = M}: with r = aKβ − g there is ρ with
   * rᵢ = ρ where βᵢ > 0 and rᵢ ≥ ρ everywhere (written here, scale S = a·max K·M + max|g|).
   */
  function kktCheck(K: Float64Array, a: number, g: Float64Array, beta: Float64Array, M: number | null) {
    const n = g.length;
    const r = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += K[i * n + j]! * beta[j]!;
      r[i] = a * s - g[i]!;
    }
    const S = a * Math.max(...K) * (M ?? sum(beta)) + Math.max(...g.map(Math.abs));
    // ρ: the multiplier of Σβ = M (0 on the orthant)
    let rho = 0;
    if (M !== null) {
      let best = Infinity;
      for (let i = 0; i < n; i++) if (beta[i]! > 0) best = Math.min(best, r[i]!);
      rho = best;
    }
    let stat = 0;
    let comp = 0;
    for (let i = 0; i < n; i++) {
      stat = Math.max(stat, rho - r[i]!);
      if (beta[i]! > 0) comp = Math.max(comp, Math.abs(r[i]! - rho));
    }
    const primal = Math.max(...beta.map((b) => -b), M !== null ? Math.abs(sum(beta) - M) : 0);
    return { stat: stat / S, comp: comp / S, primal, r };
  }

  it('exact MMD step (½MMD², quadratic): KKT of min ½(1 + 1/η)βᵀKβ − βᵀ(K_XYν + Kw/η) to 1e-9, on Δ and on M+', () => {
    for (const [eta, spherical] of [
      [0.1, true],
      [2, true],
      [50, true],
      [0.5, false],
      [20, false],
    ] as const) {
      const m = randomMeasure(rng(17), 10, d, 1.5, spherical ? 1 : 1.3);
      const res = reactionStep(E, m, { kind: 'mmd', spherical }, eta, gauss);
      const { Kxx, Kxy } = witness(m);
      const n = m.n;
      const g = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let kw = 0;
        for (let j = 0; j < n; j++) kw += Kxx[i * n + j]! * m.w[j]!;
        let b = 0;
        for (let l = 0; l < 8; l++) b += Kxy[i * 8 + l]! / 8;
        g[i] = b + kw / eta;
      }
      const a = 1 + 1 / eta;
      const k = kktCheck(Kxx, a, g, res.w, spherical ? sum(m.w) : null);
      expect(k.stat).toBeLessThan(1e-9);
      expect(k.comp).toBeLessThan(1e-9);
      expect(k.primal).toBeLessThan(1e-12);
      // the solver's own (independent) checker agrees, and so does the step's report
      const s = kktResiduals(Kxx, a, g, res.w, spherical ? 'simplex' : 'orthant', sum(m.w));
      expect(Math.max(s.stationarity, s.complementarity, s.primalFeasibility)).toBeLessThan(1e-9);
      expect(res.qp!.kkt).toBeLessThan(1e-9);
      // optimality, checked by the objective: no random feasible point does better
      const q = (b: Float64Array) => {
        let s2 = 0;
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s2 += b[i]! * Kxx[i * n + j]! * b[j]!;
        let lin = 0;
        for (let i = 0; i < n; i++) lin += g[i]! * b[i]!;
        return 0.5 * a * s2 - lin;
      };
      const r = rng(18);
      for (let rep = 0; rep < 20; rep++) {
        const dir = r.fillNormal(new Float64Array(n)).map((v) => v * 0.01);
        let cand: Float64Array = res.w.map((b, i) => b + dir[i]!);
        cand = spherical ? projectSimplexBisection(cand, sum(m.w)) : cand.map((x) => Math.max(0, x));
        expect(q(cand)).toBeGreaterThanOrEqual(q(res.w) - 1e-12);
      }
    }
  });

  it('exact MMD step for an energy not quadratic in the weights (KSD): linearised QP, KKT to 1e-9', () => {
    const Ek = ksdE();
    const m = randomMeasure(rng(19), 8, d);
    const eta = 0.3;
    const res = reactionStep(Ek, m, { kind: 'mmd' }, eta, gauss);
    const K = gram(gauss, m.X, m.X, d);
    const xi = Ek.evaluate(m, { xi: true }).xi!;
    const n = m.n;
    const g = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let kw = 0;
      for (let j = 0; j < n; j++) kw += K[i * n + j]! * m.w[j]!;
      g[i] = kw / eta - xi[i]!;
    }
    const k = kktCheck(K, 1 / eta, g, res.w, 1);
    expect(k.stat).toBeLessThan(1e-9);
    expect(k.comp).toBeLessThan(1e-9);
  });
});

describe('invalid combinations are rejected with a message that says why (InputError)', () => {
  const langevinE = () => klEnergy({ target: gaussianTarget({ mean: [0, 0] }), estimator: 'langevin' });
  const bad: [string, () => FlowConfig, RegExp][] = [
    ['Hellinger on P', () => ({ space: 'P', energy: mmdE(), reaction: { kind: 'hellinger' }, eta: 0.1 }), /reaction\.kind.*'M\+'/],
    ['non-spherical MMD on P', () => ({ space: 'P', energy: mmdE(), reaction: { kind: 'mmd', spherical: false }, eta: 0.1 }), /reaction\.spherical/],
    [
      'implicit step with Langevin noise',
      () => ({ space: 'P', energy: langevinE(), transport: { kind: 'wasserstein', scheme: 'implicit' }, tau: 0.1 }),
      /transport\.scheme.*Langevin noise/,
    ],
    [
      'reaction with an energy without pointwise ξ (Langevin KL, no bandwidth)',
      () => ({ space: 'P', energy: langevinE(), transport: { kind: 'wasserstein' }, reaction: { kind: 'fisher-rao' }, eta: 0.1, tau: 0.1 }),
      /reaction.*first variation.*bandwidth/,
    ],
    [
      'Langevin energy with no transport step',
      () => ({ space: 'P', energy: klEnergy({ target: gaussianTarget({ mean: [0, 0] }), estimator: 'langevin', bandwidth: 1 }), reaction: { kind: 'fisher-rao' }, eta: 0.1 }),
      /transport.*Brownian/,
    ],
    ['MALA on an energy without noise', () => ({ space: 'P', energy: mmdE(), transport: { kind: 'wasserstein', mala: true }, tau: 0.1 }), /transport\.mala/],
    ['no geometry', () => ({ space: 'P', energy: mmdE(), tau: 0.1 }), /geometry/],
    ['negative tau', () => ({ space: 'P', energy: mmdE(), transport: { kind: 'wasserstein' }, tau: -1 }), /^tau: got -1/],
    ['missing tau', () => ({ space: 'P', energy: mmdE(), transport: { kind: 'wasserstein' } }), /^tau: got undefined/],
    ['zero eta', () => ({ space: 'P', energy: mmdE(), reaction: { kind: 'fisher-rao' }, eta: 0 }), /^eta: got 0/],
    ['zero alpha', () => ({ space: 'P', energy: mmdE(), transport: { kind: 'wasserstein', coef: 0 }, tau: 1 }), /transport\.coef/],
    ['unknown space', () => ({ space: 'Q' as 'P', energy: mmdE(), transport: { kind: 'wasserstein' }, tau: 1 }), /^space:/],
    [
      'exact MMD step without a kernel for a KSD energy',
      () => ({ space: 'P', energy: ksdE(), reaction: { kind: 'mmd' }, eta: 0.1 }),
      /reaction\.kernel/,
    ],
    ['stein transport with a bad kernel', () => ({ space: 'P', energy: mmdE(), transport: { kind: 'stein', kernel: { kind: 'gaussian', sigma: 0 } }, tau: 1 }), /transport\.kernel\.sigma/],
    [
      'noise injection with the implicit scheme',
      () => ({ space: 'P', energy: mmdE(), transport: { kind: 'wasserstein', scheme: 'implicit', noise: { level: 1, until: 3 } }, tau: 1 }),
      /transport\.noise/,
    ],
    [
      'misspelt scheme (plain-JS caller)',
      () => ({ space: 'P', energy: mmdE(), transport: { kind: 'wasserstein', scheme: 'implict' as 'implicit' }, tau: 1 }),
      /transport\.scheme: got "implict"/,
    ],
    [
      'misspelt metric (plain-JS caller)',
      () => ({ space: 'P', energy: mmdE(), transport: { kind: 'wasserstein', metric: 'euclidian' as 'euclidean' }, tau: 1 }),
      /transport\.metric: got "euclidian"/,
    ],
    [
      'MALA with noise injection',
      () => ({ space: 'P', energy: langevinE(), transport: { kind: 'wasserstein', mala: true, noise: { level: 1, until: 3 } }, tau: 0.1 }),
      /transport\.noise.*MALA/,
    ],
    ['noise level 0', () => ({ space: 'P', energy: mmdE(), transport: { kind: 'wasserstein', noise: { level: 0, until: 3 } }, tau: 1 }), /noise\.level/],
    [
      'implicit step with an energy without a value (score-only target)',
      () => ({
        space: 'P',
        energy: klEnergy({ target: { d: 2, score: (X: Float64Array) => X.map((x) => -x) }, estimator: 'blob', bandwidth: 1 }),
        transport: { kind: 'wasserstein', scheme: 'implicit' },
        tau: 1,
      }),
      /transport\.scheme.*value/,
    ],
  ];
  for (const [name, cfg, msg] of bad) {
    it(name, () => {
      let err: unknown;
      try {
        flow(cfg());
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InputError);
      expect((err as Error).message).toMatch(msg);
    });
  }
  it('init rejects a measure of the wrong dimension, negative weights, mass ≠ 1 on P', () => {
    const f = flow({ space: 'P', energy: mmdE(), transport: { kind: 'wasserstein' }, tau: 1 });
    expect(() => f.init({ n: 2, d: 1, X: new Float64Array(2), w: uniform(2) })).toThrow(/init\.d: got 1, expected 2/);
    expect(() => f.init({ n: 2, d: 2, X: new Float64Array(4), w: new Float64Array([1.5, -0.5]) })).toThrow(/init\.weights\[1\]/);
    expect(() => f.init({ n: 2, d: 2, X: new Float64Array(4), w: new Float64Array([0.5, 0.6]) })).toThrow(/sum\(init\.weights\)/);
  });
  it('a diverging flow throws DivergenceError naming the step and the remedy', () => {
    const f = flow({ space: 'M+', energy: mmdE(), reaction: { kind: 'hellinger' }, eta: 1e308 });
    const s = f.init(randomMeasure(rng(3), 8, d));
    expect(() => f.step(rng(0, 1), s)).toThrow(/diverged at step 0.*eta/);
  });
});

describe('µ = π is a fixed point', () => {
  const piMeasure = { n: 8, d, X: Y8.slice(), w: uniform(8) };
  it('MMD flow with µ = π (same atoms, same weights) does not move, with or without noise injection', () => {
    for (const noise of [undefined, { level: 1, until: 10 }]) {
      const { final } = iterate(P.mmdFlow({ kernel: gauss, target: { Y: Y8, d }, tau: 1, noise }), piMeasure, 5);
      expect(final.mu.X).toEqual(Y8);
    }
  });
  it('IFT (exact) and WFR with µ = π keep positions and weights (to the QP tolerance)', () => {
    for (const cfg of [P.ift({ kernel: gauss, target: { Y: Y8, d }, tau: 1, eta: 1 }), P.wfr({ kernel: gauss, target: { Y: Y8, d }, tau: 1, eta: 1 })]) {
      const { final } = iterate(cfg, piMeasure, 3);
      // The exact step is solved to a scaled KKT residual of 1e-12, which bounds the weights'
      // error by ~1e-12·cond(K) per step (warm starts reach a different point of that ball);
      // those weight errors leave a witness gradient of the same size, so positions drift by τ·that.
      expect(maxAbsDiff(final.mu.X, Y8)).toBeLessThan(1e-10);
      expect(maxAbsDiff(final.mu.w, uniform(8))).toBeLessThan(1e-10);
    }
  });
});

describe('purity and reproducibility', () => {
  const noisyPairs: Pair[] = [
    ...pairs,
    {
      name: 'langevin',
      cfg: () => P.langevin({ target: mixture2d(), tau: 0.05 }),
      mu0: cloud(20),
    },
    { name: 'mala', cfg: () => P.langevin({ target: mixture2d(), tau: 0.05, mala: true }), mu0: cloud(21) },
    { name: 'mmd flow with noise', cfg: () => P.mmdFlow({ kernel: gauss, target: { Y: Y8, d }, tau: 0.2, noise: { level: 0.5, until: 5 } }), mu0: cloud(22) },
    {
      name: 'birth–death',
      cfg: () => P.birthDeath({ target: mixture2d(), tau: 0.05, eta: 0.1, bandwidth: 0.5 }),
      mu0: cloud(23),
    },
  ];
  for (const p of noisyPairs) {
    it(`${p.name}: step leaves its input unchanged, same seed ⇒ bit-identical result`, () => {
      const f = flow(p.cfg());
      const s0 = f.init(p.mu0());
      const X = s0.mu.X.slice();
      const w = s0.mu.w.slice();
      const [a, infoA] = f.step(rng(7, 1), s0);
      expect(s0.mu.X).toEqual(X);
      expect(s0.mu.w).toEqual(w);
      expect(s0.t).toBe(0);
      const [b, infoB] = f.step(rng(7, 1), s0);
      expect(b.mu.X).toEqual(a.mu.X);
      expect(b.mu.w).toEqual(a.mu.w);
      expect(infoB).toEqual(infoA);
      expect(a.t).toBe(1);
      expect(infoA.t).toBe(0);
      // the output does not alias the input
      expect(a.mu.X === s0.mu.X && f.config.transport !== undefined).toBe(false);
    });
  }
  it('init copies µ₀ (later mutation of the caller’s arrays does not leak in)', () => {
    const mu0 = cloud(24)();
    const f = flow({ space: 'P', energy: mmdE(), transport: { kind: 'wasserstein' }, tau: 0.1 });
    const s = f.init(mu0);
    mu0.X[0] = 99;
    mu0.w[0] = 99;
    expect(s.mu.X[0]).not.toBe(99);
    expect(s.mu.w[0]).not.toBe(99);
  });
  it('stochastic flows: different step generators give different results', () => {
    const f = flow(P.langevin({ target: mixture2d(), tau: 0.05 }));
    const s0 = f.init(cloud(25)());
    expect(f.step(rng(7, 1), s0)[0].mu.X).not.toEqual(f.step(rng(7, 2), s0)[0].mu.X);
  });
});

describe('runFlow', () => {
  const cfg = () => P.mmdFlow({ kernel: gauss, target: { Y: Y8, d }, tau: 0.3, noise: { level: 0.5, until: 3 } });
  it('step t uses rng(seed, t + 1): the final state equals stepping by hand; reruns are bit-identical', () => {
    const mu0 = cloud(30)();
    const a = runFlow(flow(cfg()), mu0, { steps: 6, seed: 4 });
    const b = runFlow(flow(cfg()), mu0, { steps: 6, seed: 4 });
    const byHand = iterate(cfg(), mu0, 6, 4).final;
    expect(a.final.mu.X).toEqual(byHand.mu.X);
    expect(b.final.mu.X).toEqual(a.final.mu.X);
    expect(a.stepsDone).toBe(6);
    const c = runFlow(flow(cfg()), mu0, { steps: 6, seed: 5 });
    expect(c.final.mu.X).not.toEqual(a.final.mu.X);
  });
  it('records the first and last state, every k steps, the energy by default, and stops on request', () => {
    const mu0 = cloud(31)();
    const E = cfg().energy;
    const res = runFlow(flow(cfg()), mu0, { steps: 7, seed: 0, every: 3 });
    expect(res.history.map((h) => h.step)).toEqual([0, 3, 6, 7]);
    expect(res.history[0]!.energy).toBeCloseTo(E.evaluate(mu0, { value: true }).value!, 14);
    expect(res.history[3]!.energy).toBeCloseTo(E.evaluate(res.final.mu, { value: true }).value!, 14);
    let calls = 0;
    const stopped = runFlow(flow(cfg()), mu0, { steps: 10, seed: 0, shouldStop: () => ++calls > 4 });
    expect(stopped.stopped).toBe(true);
    expect(stopped.stepsDone).toBe(4);
    expect(stopped.history[stopped.history.length - 1]!.step).toBe(4);
    expect(() => runFlow(flow(cfg()), mu0, { steps: -1, seed: 0 })).toThrow(/steps/);
  });
});

describe('unionOfSupports', () => {
  it('positions [X; Y], weights [w; 0], target weights [0; ν]', () => {
    const mu0 = randomMeasure(rng(40), 3, d);
    const Y = new Float64Array([1, 2, 3, 4]);
    const { mu, target } = unionOfSupports(mu0, Y, new Float64Array([0.25, 0.75]));
    expect(Array.from(mu.X)).toEqual([...mu0.X, 1, 2, 3, 4]);
    expect(Array.from(mu.w)).toEqual([...mu0.w, 0, 0]);
    expect(Array.from(target)).toEqual([0, 0, 0, 0.25, 0.75]);
    expect(() => unionOfSupports(mu0, new Float64Array(3))).toThrow(/target\.samples\.length/);
    // the MMD on the union of supports equals the MMD between µ₀ and π
    const E = mmdEnergy({ kernel: gauss, Y, d, yWeights: new Float64Array([0.25, 0.75]) });
    expect(E.evaluate(mu, { value: true }).value).toBeCloseTo(E.evaluate(mu0, { value: true }).value!, 14);
    expect(kernelRef(gauss, [0, 0], [0, 0])).toBe(1);
  });
});
