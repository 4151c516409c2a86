/**
 * Named algorithms (docs/math.md §6): each preset equals its explicit composition bit for bit;
 * Langevin matches the exact linear-Gaussian (Ornstein–Uhlenbeck / ULA) moment recursion
 * within Monte-Carlo standard errors; SVGD with one particle is gradient ascent on log π;
 * SVGD and KSD descent reduce the KSD; degenerate combinations coincide (IFT / WFR with a
 * vanishing reaction weight are the MMD / Wasserstein flow).
 */
import { describe, expect, it } from 'vitest';
import type { ParticleMeasure } from '../src/core/measure.js';
import { rng } from '../src/core/rng.js';
import { klEnergy } from '../src/energies/kl.js';
import { ksdEnergy } from '../src/energies/ksd.js';
import { mckeanVlasovEnergy } from '../src/energies/mckeanVlasov.js';
import { mmdEnergy } from '../src/energies/mmd.js';
import { unionOfSupports } from '../src/flows/closedForm.js';
import { type FlowConfig, flow } from '../src/flows/flow.js';
import type { Kernel } from '../src/kernels/kernel.js';
import { ksdSquared } from '../src/metrics/ksd.js';
import * as P from '../src/presets/index.js';
import { gaussianTarget } from '../src/targets/gaussian.js';
import { mixtureTarget } from '../src/targets/mixture.js';
import { paperGaussian2d } from '../src/targets/paper.js';
import { kernelRef, maxAbsDiff, randomMeasure, sampleMoments, sum } from './flowHelpers.js';

const d = 2;
const gauss: Kernel = { kind: 'gaussian', sigma: 1 };
const Y8 = rng(200).fillNormal(new Float64Array(8 * d)).map((v) => v + 0.8);
const mix = () =>
  mixtureTarget({
    weights: [0.5, 0.5],
    components: [
      { mean: [-1.5, 0], cov: [[0.6, 0.2], [0.2, 0.5]] },
      { mean: [1.5, 0.4], cov: 0.5 },
    ],
  });

function iterate(cfg: FlowConfig, mu0: ParticleMeasure, steps: number, seed = 0) {
  const f = flow(cfg);
  let s = f.init(mu0);
  const states = [s];
  for (let t = 0; t < steps; t++) {
    s = f.step(rng(seed, t + 1), s)[0];
    states.push(s);
  }
  return states;
}

describe('presets equal their explicit composition (same parts, same seeds ⇒ bit-identical steps)', () => {
  const t = mix();
  const sampleT = { Y: Y8, d };
  const mu0 = randomMeasure(rng(201), 8, d);
  const cases: [string, FlowConfig, FlowConfig, ParticleMeasure?][] = [
    [
      'langevin',
      P.langevin({ target: t, tau: 0.05 }),
      { space: 'P', energy: klEnergy({ target: t, estimator: 'langevin' }), transport: { kind: 'wasserstein' }, tau: 0.05 },
    ],
    [
      'langevin (MALA)',
      P.langevin({ target: t, tau: 0.05, mala: true }),
      { space: 'P', energy: klEnergy({ target: t, estimator: 'langevin' }), transport: { kind: 'wasserstein', mala: true }, tau: 0.05 },
    ],
    [
      'svgd',
      P.svgd({ target: t, kernel: gauss, tau: 0.1 }),
      { space: 'P', energy: klEnergy({ target: t, estimator: 'langevin' }), transport: { kind: 'stein', kernel: gauss }, tau: 0.1 },
    ],
    [
      'mmd-flow with noise',
      P.mmdFlow({ kernel: gauss, target: sampleT, tau: 0.3, noise: { level: 0.4, until: 2 } }),
      { space: 'P', energy: mmdEnergy({ kernel: gauss, Y: Y8, d }), transport: { kind: 'wasserstein', noise: { level: 0.4, until: 2 } }, tau: 0.3 },
    ],
    [
      'ksd-descent',
      P.ksdDescent({ kernel: { kind: 'imq', sigma: 1 }, target: t, tau: 0.05 }),
      { space: 'P', energy: ksdEnergy({ kernel: { kind: 'imq', sigma: 1 }, target: t }), transport: { kind: 'wasserstein' }, tau: 0.05 },
    ],
    [
      'ift (exact)',
      P.ift({ kernel: gauss, target: sampleT, tau: 0.3, eta: 0.2, alpha: 0.7, beta: 1.5 }),
      {
        space: 'P',
        energy: mmdEnergy({ kernel: gauss, Y: Y8, d }),
        transport: { kind: 'wasserstein', coef: 0.7 },
        reaction: { kind: 'mmd', spherical: true, variant: 'exact', coef: 1.5 },
        tau: 0.3,
        eta: 0.2,
      },
    ],
    [
      'ift (pgd, noise)',
      P.ift({ kernel: gauss, target: sampleT, tau: 0.3, eta: 0.2, variant: 'pgd', noise: { level: 0.5, until: 1 } }),
      {
        space: 'P',
        energy: mmdEnergy({ kernel: gauss, Y: Y8, d }),
        transport: { kind: 'wasserstein', noise: { level: 0.5, until: 1 } },
        reaction: { kind: 'mmd', variant: 'pgd' },
        tau: 0.3,
        eta: 0.2,
      },
    ],
    [
      'wfr',
      P.wfr({ kernel: gauss, target: sampleT, tau: 0.3, eta: 0.2, beta: 2 }),
      {
        space: 'P',
        energy: mmdEnergy({ kernel: gauss, Y: Y8, d }),
        transport: { kind: 'wasserstein' },
        reaction: { kind: 'fisher-rao', coef: 2 },
        tau: 0.3,
        eta: 0.2,
      },
    ],
    [
      'birth-death',
      P.birthDeath({ target: t, tau: 0.05, eta: 0.1, bandwidth: 0.4 }),
      {
        space: 'P',
        energy: klEnergy({ target: t, estimator: 'langevin', bandwidth: 0.4 }),
        transport: { kind: 'wasserstein' },
        reaction: { kind: 'fisher-rao' },
        tau: 0.05,
        eta: 0.1,
      },
    ],
    [
      'inclusive-kl-mirror (samples)',
      P.inclusiveKlMirror({ form: 'samples', kernel: gauss, target: sampleT, eta: 0.5 }),
      { space: 'P', energy: mmdEnergy({ kernel: gauss, Y: Y8, d }), reaction: { kind: 'fisher-rao' }, eta: 0.5 },
    ],
    [
      'inclusive-kl-mirror (stein)',
      P.inclusiveKlMirror({ form: 'stein', kernel: gauss, target: t, eta: 0.5 }),
      { space: 'P', energy: ksdEnergy({ kernel: gauss, target: t }), reaction: { kind: 'fisher-rao' }, eta: 0.5 },
    ],
    [
      'fisher-rao (MMD–MMD)',
      P.fisherRao({ kernel: gauss, target: sampleT, eta: 0.3 }),
      { space: 'P', energy: mmdEnergy({ kernel: gauss, Y: Y8, d }), reaction: { kind: 'mmd', spherical: true, variant: 'exact' }, eta: 0.3 },
      unionOfSupports(mu0, Y8).mu,
    ],
    [
      'nw-force',
      P.nwForce({ kernel: gauss, target: sampleT, tau: 0.3 }),
      { space: 'P', energy: mmdEnergy({ kernel: gauss, Y: Y8, d, force: 'nadaraya-watson' }), transport: { kind: 'wasserstein' }, tau: 0.3 },
    ],
    [
      'mckean-vlasov',
      P.mckeanVlasov({
        d,
        tau: 0.02,
        interaction: { kind: 'quadratic', scale: 0.5 },
        internal: { kind: 'entropy', realisation: 'noise', temperature: 0.3 },
      }),
      {
        space: 'P',
        energy: mckeanVlasovEnergy({ d, interaction: { kind: 'quadratic', scale: 0.5 }, internal: { kind: 'entropy', realisation: 'noise', temperature: 0.3 } }),
        transport: { kind: 'wasserstein' },
        tau: 0.02,
      },
    ],
  ];
  for (const [name, preset, byHand, init] of cases) {
    it(name, () => {
      const a = iterate(preset, init ?? mu0, 4, 9);
      const b = iterate(byHand, init ?? mu0, 4, 9);
      for (let k = 0; k <= 4; k++) {
        expect(a[k]!.mu.X).toEqual(b[k]!.mu.X);
        expect(a[k]!.mu.w).toEqual(b[k]!.mu.w);
      }
      // and the flow actually moved (the comparison is not vacuous)
      expect(maxAbsDiff(a[4]!.mu.X, a[0]!.mu.X) + maxAbsDiff(a[4]!.mu.w, a[0]!.mu.w)).toBeGreaterThan(1e-6);
      expect(preset.space).toBe(byHand.space);
      expect(preset.energy.kind).toBe(byHand.energy.kind);
    });
  }
  it('mckeanVlasov with no part at all is rejected', () => {
    expect(() => P.mckeanVlasov({ d: 2, tau: 0.1 })).toThrow(/energy.*at least one/);
  });
  it('PRESET_NAMES lists the eleven presets of docs/math.md §6 and score-based IFT', () => {
    expect([...P.PRESET_NAMES].sort()).toEqual(
      ['birth-death', 'fisher-rao', 'ift', 'inclusive-kl-mirror', 'ksd-descent', 'langevin', 'mckean-vlasov', 'mmd-flow', 'nw-force', 'svgd', 'wfr', 'score-ift'].sort(),
    );
  });
});

describe('Langevin on a Gaussian target: ULA’s exact linear-Gaussian recursion (Monte-Carlo tolerances)', () => {
  // x ← x + τΣ⁻¹(m − x) + √(2τ)ξ is linear-Gaussian: starting every particle at x₀, after k
  // steps the particles are iid N(m_k, C_k) with
  //   m_{k+1} = m_k + τΣ⁻¹(m − m_k),   C_{k+1} = A C_k Aᵀ + 2τI,   A = I − τΣ⁻¹,  C₀ = 0.
  // Sample mean and covariance over n particles are compared at 5 standard errors:
  // SE(mean_a) = √(C_aa/n), SE(cov_ab) = √((C_aa C_bb + C_ab²)/n). Each comparison fails
  // falsely with probability ≈ 6e-7 (two-sided normal tail at 5σ); 10 comparisons (2 means +
  // 3 covariance entries at steps 10 and 20) ⇒ false-failure rate < 6e-6.
  it('2-D, Σ = [[1, ½], [½, 2]], m = (1, −½), τ = 0.05, 20 steps, n = 4000', () => {
    const m = [1, -0.5];
    const S = [1, 0.5, 0.5, 2];
    const det = S[0]! * S[3]! - S[1]! * S[2]!;
    const Si = [S[3]! / det, -S[1]! / det, -S[2]! / det, S[0]! / det];
    const tau = 0.05;
    const steps = 20;
    const n = 4000;
    const target = gaussianTarget({ mean: m, cov: [[1, 0.5], [0.5, 2]] });
    const x0 = [3, 2];
    const X = new Float64Array(n * d);
    for (let i = 0; i < n; i++) X.set(x0, i * d);
    const states = iterate(P.langevin({ target, tau }), { n, d, X, w: new Float64Array(n).fill(1 / n) }, steps, 3);
    let mk = x0.slice();
    let C = [0, 0, 0, 0];
    const A = [1 - tau * Si[0]!, -tau * Si[1]!, -tau * Si[2]!, 1 - tau * Si[3]!];
    for (let k = 1; k <= steps; k++) {
      const diff = [m[0]! - mk[0]!, m[1]! - mk[1]!];
      mk = [mk[0]! + tau * (Si[0]! * diff[0]! + Si[1]! * diff[1]!), mk[1]! + tau * (Si[2]! * diff[0]! + Si[3]! * diff[1]!)];
      // A C Aᵀ
      const AC = [A[0]! * C[0]! + A[1]! * C[2]!, A[0]! * C[1]! + A[1]! * C[3]!, A[2]! * C[0]! + A[3]! * C[2]!, A[2]! * C[1]! + A[3]! * C[3]!];
      C = [
        AC[0]! * A[0]! + AC[1]! * A[1]! + 2 * tau,
        AC[0]! * A[2]! + AC[1]! * A[3]!,
        AC[2]! * A[0]! + AC[3]! * A[1]!,
        AC[2]! * A[2]! + AC[3]! * A[3]! + 2 * tau,
      ];
      if (k % 10 !== 0) continue;
      const { mean, cov } = sampleMoments(states[k]!.mu.X, d);
      for (let a = 0; a < d; a++) expect(Math.abs(mean[a]! - mk[a]!)).toBeLessThan(5 * Math.sqrt(C[a * 3]! / n));
      for (const [a, b] of [
        [0, 0],
        [0, 1],
        [1, 1],
      ] as const) {
        const se = Math.sqrt((C[a * 3]! * C[b * 3]! + C[a * 2 + b]! ** 2) / n);
        expect(Math.abs(cov[a * d + b]! - C[a * 2 + b]!)).toBeLessThan(5 * se);
      }
    }
    // the recursion is not trivially satisfied: the cloud has moved far from x₀ and spread
    expect(Math.abs(mk[0]! - x0[0]!)).toBeGreaterThan(0.5);
  });

  // 1-D N(0, σ²), σ² = 1, τ = 0.5: ULA is x ← (1 − τ/σ²)x + √(2τ)ξ, whose variance recursion
  // v_{k+1} = (1 − τ/σ²)²v_k + 2τ has the fixed point σ²/(1 − τ/(2σ²)) = 4/3 (biased);
  // MALA leaves N(0, σ²) invariant exactly. Particles start iid from π (a separate stream),
  // so for MALA every step's particles are iid π. Tolerance 5 SE of the sample variance
  // (SE = v√(2/(n − 1))); false-failure rate ≈ 6e-7 per comparison.
  const n = 20000;
  const sigma2 = 1;
  const tau = 0.5;
  const target = gaussianTarget({ mean: [0], cov: sigma2 });
  const X0 = rng(300, 0).fillNormal(new Float64Array(n));
  const mu0 = { n, d: 1, X: X0, w: new Float64Array(n).fill(1 / n) };
  const variance = (X: Float64Array) => sampleMoments(X, 1).cov[0]!;

  it('ULA stationary variance σ²/(1 − τ/(2σ²)) (exact: v_k = v∞ + (1 − v∞)(1 − τ/σ²)^{2k})', () => {
    const vInf = sigma2 / (1 - tau / (2 * sigma2));
    const steps = 30;
    const states = iterate(P.langevin({ target, tau }), mu0, steps, 5);
    const vk = vInf + (sigma2 - vInf) * (1 - tau / sigma2) ** (2 * steps);
    const v = variance(states[steps]!.mu.X);
    expect(Math.abs(v - vk)).toBeLessThan(5 * vk * Math.sqrt(2 / (n - 1)));
    // and the bias is resolved: 4/3 vs 1 is > 20 SE apart
    expect(Math.abs(v - sigma2)).toBeGreaterThan(20 * sigma2 * Math.sqrt(2 / (n - 1)));
    expect(Math.abs(sampleMoments(states[steps]!.mu.X, 1).mean[0]!)).toBeLessThan(5 * Math.sqrt(vk / n));
  });

  it('MALA leaves N(0, σ²) invariant: variance σ² (no ULA bias), acceptance rate in (0, 1)', () => {
    const f = flow(P.langevin({ target, tau, mala: true }));
    let s = f.init(mu0);
    let acc = 0;
    const steps = 30;
    for (let t = 0; t < steps; t++) {
      const [next, info] = f.step(rng(6, t + 1), s);
      acc += info.accepted! / steps;
      s = next;
    }
    const v = variance(s.mu.X);
    expect(Math.abs(v - sigma2)).toBeLessThan(5 * sigma2 * Math.sqrt(2 / (n - 1)));
    expect(acc).toBeGreaterThan(0.5);
    expect(acc).toBeLessThan(0.999);
  });

  it('MALA acceptance probability equals the Metropolis–Hastings ratio computed by hand (one particle)', () => {
    // With one particle and a fixed generator, MALA's proposal is y = x − τ∇V(x) + √(2τ)ξ with
    // ξ the generator's first normal; it is accepted iff u < exp(logA), u its next uniform.
    const tgt = gaussianTarget({ mean: [0.3], cov: 0.7 });
    const V = (x: number) => ((x - 0.3) ** 2) / (2 * 0.7);
    const dV = (x: number) => (x - 0.3) / 0.7;
    const h = 0.8;
    let accepted = 0;
    let rejected = 0;
    for (let seed = 0; seed < 40; seed++) {
      const x = 2.5;
      const g = rng(seed, 1);
      const y = x - h * dV(x) + Math.sqrt(2 * h) * g.normal();
      const u = g.uniform();
      const logA = -(V(y) - V(x)) - (x - y + h * dV(y)) ** 2 / (4 * h) + (y - x + h * dV(x)) ** 2 / (4 * h);
      const out = flow(P.langevin({ target: tgt, tau: h, mala: true })).step(rng(seed, 1), { t: 0, mu: { n: 1, d: 1, X: new Float64Array([x]), w: new Float64Array([1]) } });
      const expectAccept = logA >= 0 || u < Math.exp(logA);
      if (expectAccept) {
        accepted++;
        expect(out[0].mu.X[0]).toBeCloseTo(y, 13);
      } else {
        rejected++;
        expect(out[0].mu.X[0]).toBe(x);
      }
    }
    expect(accepted).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
  });
});

describe('SVGD', () => {
  it('with one particle is gradient ascent on log π: x ← x + τ s(x) exactly', () => {
    const t = paperGaussian2d();
    const f = flow(P.svgd({ target: t, kernel: gauss, tau: 0.3 }));
    let s = f.init({ n: 1, d, X: new Float64Array([5, 5]), w: new Float64Array([1]) });
    for (let k = 0; k < 5; k++) {
      const x = s.mu.X.slice();
      const sc = t.score(x);
      // Σ = [[1, ½], [½, 2]], Σ⁻¹ = [[8/7, −2/7], [−2/7, 4/7]], s(x) = −Σ⁻¹x (written by hand)
      const byHand = [-(8 / 7) * x[0]! + (2 / 7) * x[1]!, (2 / 7) * x[0]! - (4 / 7) * x[1]!];
      s = f.step(rng(0, k + 1), s)[0];
      expect(s.mu.X[0]).toBe(x[0]! + 0.3 * sc[0]!);
      expect(s.mu.X[1]).toBe(x[1]! + 0.3 * sc[1]!);
      expect(s.mu.X[0]).toBeCloseTo(x[0]! + 0.3 * byHand[0]!, 12);
      expect(s.mu.X[1]).toBeCloseTo(x[1]! + 0.3 * byHand[1]!, 12);
    }
  });

  it('several particles: xᵢ ← xᵢ + τ Σⱼ wⱼ[k(xⱼ,xᵢ)s(xⱼ) + ∇_{xⱼ}k(xⱼ,xᵢ)] (written out)', () => {
    const t = mix();
    const mu = randomMeasure(rng(202), 6, d);
    const tau = 0.2;
    const out = flow(P.svgd({ target: t, kernel: gauss, tau })).step(rng(0, 1), { t: 0, mu })[0].mu.X;
    const s = t.score(mu.X);
    for (let i = 0; i < 6; i++)
      for (let a = 0; a < d; a++) {
        let phi = 0;
        for (let j = 0; j < 6; j++) {
          const k = kernelRef(gauss, mu.X.subarray(2 * j, 2 * j + 2), mu.X.subarray(2 * i, 2 * i + 2));
          phi += mu.w[j]! * (k * s[2 * j + a]! - (mu.X[2 * j + a]! - mu.X[2 * i + a]!) * k);
        }
        expect(out[2 * i + a]).toBeCloseTo(mu.X[2 * i + a]! + tau * phi, 13);
      }
  });
});

describe('SVGD and KSD descent reduce the KSD (imq kernel, σ = 1)', () => {
  const metricK: Kernel = { kind: 'imq', sigma: 1 };
  const init = () => {
    const mu = randomMeasure(rng(203), 30, d, 0.5, 1, true);
    for (let i = 0; i < mu.X.length; i++) mu.X[i] = mu.X[i]! + 2;
    return mu;
  };
  for (const [tname, t] of [
    ['gaussian', paperGaussian2d()],
    ['mixture', mix()],
  ] as const) {
    for (const [name, cfg] of [
      ['svgd', P.svgd({ target: t, kernel: gauss, tau: 0.2 })],
      ['ksd descent', P.ksdDescent({ target: t, kernel: metricK, tau: 0.5 })],
    ] as const) {
      it(`${name} on the ${tname} target: KSD² drops by 10× in 40 steps`, () => {
        const states = iterate(cfg, init(), 40);
        const ksd = (mu: ParticleMeasure) => ksdSquared(mu, t.score!(mu.X), { kernel: metricK });
        expect(ksd(states[40]!.mu)).toBeLessThan(0.1 * ksd(states[0]!.mu));
        if (name === 'ksd descent') {
          // KSD descent is the W gradient flow of ½KSD²: monotone for this step
          for (let k = 1; k <= 40; k++) expect(ksd(states[k]!.mu)).toBeLessThan(ksd(states[k - 1]!.mu));
        }
      });
    }
  }
});

describe('degenerate combinations coincide (order-1 convergence in the vanishing weight)', () => {
  const sampleT = { Y: Y8, d };
  const mu0 = randomMeasure(rng(204), 8, d, 1, 1, true);
  const steps = 5;
  const ref = iterate(P.mmdFlow({ kernel: gauss, target: sampleT, tau: 0.3 }), mu0, steps)[steps]!;
  for (const [name, make] of [
    ['IFT (exact) → MMD flow as β → 0', (beta: number) => P.ift({ kernel: gauss, target: sampleT, tau: 0.3, eta: 0.5, beta })],
    ['IFT (pgd) → MMD flow as β → 0', (beta: number) => P.ift({ kernel: gauss, target: sampleT, tau: 0.3, eta: 0.5, beta, variant: 'pgd' })],
    ['WFR → Wasserstein (MMD) flow as β → 0', (beta: number) => P.wfr({ kernel: gauss, target: sampleT, tau: 0.3, eta: 0.5, beta })],
  ] as const) {
    it(name, () => {
      const err = [1e-3, 1e-4, 1e-5].map((beta) => {
        const s = iterate(make(beta), mu0, steps)[steps]!;
        return maxAbsDiff(s.mu.X, ref.mu.X) + maxAbsDiff(s.mu.w, ref.mu.w);
      });
      for (let i = 1; i < err.length; i++) {
        expect(err[i - 1]! / err[i]!).toBeGreaterThan(8);
        expect(err[i - 1]! / err[i]!).toBeLessThan(12);
      }
      expect(err[2]).toBeLessThan(1e-4);
    });
  }
  it('IFT with α → 0 is the pure spherical MMD reaction flow (positions fixed, same weights)', () => {
    const s = iterate(P.ift({ kernel: gauss, target: sampleT, tau: 0.3, eta: 0.5, alpha: 1e-9 }), mu0, 3)[3]!;
    expect(maxAbsDiff(s.mu.X, mu0.X)).toBeLessThan(1e-8);
    const r = iterate({ space: 'P', energy: mmdEnergy({ kernel: gauss, Y: Y8, d }), reaction: { kind: 'mmd' }, eta: 0.5 }, mu0, 3)[3]!;
    expect(maxAbsDiff(s.mu.w, r.mu.w)).toBeLessThan(1e-7);
  });
});

describe('reaction-only presets', () => {
  it('inclusive-KL mirror descent (stein form): positions fixed, wᵢ ∝ wᵢ exp(−η Σⱼ wⱼ k_π(xⱼ, xᵢ))', () => {
    const t = gaussianTarget({ mean: [0.5], cov: 1.5 });
    const mu = randomMeasure(rng(205), 5, 1);
    const eta = 0.4;
    const out = flow(P.inclusiveKlMirror({ form: 'stein', kernel: gauss, target: t, eta })).step(rng(0, 1), { t: 0, mu })[0].mu;
    expect(out.X).toEqual(mu.X);
    // 1-D Gaussian kernel σ = 1: k_π(x, y) = k[s(x)s(y) + s(x)(x − y) − s(y)(x − y) + 1 − (x − y)²]
    const s = (x: number) => -(x - 0.5) / 1.5;
    const kp = (x: number, y: number) => {
      const k = Math.exp(-((x - y) ** 2) / 2);
      return k * (s(x) * s(y) + s(x) * (x - y) - s(y) * (x - y) + 1 - (x - y) ** 2);
    };
    const raw = Array.from(mu.w, (w, i) => {
      let xi = 0;
      for (let j = 0; j < 5; j++) xi += mu.w[j]! * kp(mu.X[j]!, mu.X[i]!);
      return w * Math.exp(-eta * xi);
    });
    const Z = sum(raw);
    for (let i = 0; i < 5; i++) expect(out.w[i]).toBeCloseTo(raw[i]! / Z, 13);
  });

  it('birth–death: after the Langevin move, wᵢ ∝ wᵢ exp(−η[log ρ̂(xᵢ) + V(xᵢ)]) at the new positions', () => {
    const t = gaussianTarget({ mean: [0], cov: 1 });
    const mu = randomMeasure(rng(206), 6, 1);
    const h = 0.5;
    const eta = 0.3;
    const out = flow(P.birthDeath({ target: t, tau: 0.01, eta, bandwidth: h })).step(rng(0, 1), { t: 0, mu })[0].mu;
    const raw = Array.from(mu.w, (w, i) => {
      let rho = 0;
      for (let j = 0; j < 6; j++) rho += (mu.w[j]! * Math.exp(-((out.X[i]! - out.X[j]!) ** 2) / (2 * h * h))) / Math.sqrt(2 * Math.PI * h * h);
      const V = out.X[i]! ** 2 / 2 + 0.5 * Math.log(2 * Math.PI);
      return w * Math.exp(-eta * (Math.log(rho) + V));
    });
    const Z = sum(raw);
    for (let i = 0; i < 6; i++) expect(out.w[i]).toBeCloseTo(raw[i]! / Z, 13);
  });
});
