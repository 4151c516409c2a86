import { describe, expect, it } from 'vitest';
import { rng } from '../src/core/rng.js';
import { mmdEnergy } from '../src/energies/mmd.js';
import { flow } from '../src/flows/flow.js';
import { kernelValue } from '../src/kernels/kernel.js';

// Options that reproduce the IFT authors' code (docs/math.md §7), checked against hand formulas.
const d = 2;
const n = 7;
const m = 9;
const r0 = rng(3);
const X = r0.fillNormal(new Float64Array(n * d));
const Y = r0.fillNormal(new Float64Array(m * d)).map((y) => y + 1);
const w = new Float64Array(n).map(() => 0.2 + r0.uniform());
const sw = w.reduce((a, b) => a + b, 0);
for (let i = 0; i < n; i++) w[i] = w[i]! / sw;
const sigma = 1.3;
const kernel = { kind: 'gaussian', sigma } as const;
const E = mmdEnergy({ kernel, Y, d });
const k = (a: Float64Array, i: number, b: Float64Array, j: number) => {
  let s = 0;
  for (let t = 0; t < d; t++) s += (a[i * d + t]! - b[j * d + t]!) ** 2;
  return kernelValue(kernel, s);
};
/** ∇ξ_µ(z) for µ = Σ wⱼ δ_{Pⱼ} against uniform Y, written out: Σⱼ wⱼ ∇₁k(z, pⱼ) − (1/m)Σₗ ∇₁k(z, yₗ). */
function gradWitness(P: Float64Array, Z: Float64Array, i: number): number[] {
  const g = [0, 0];
  for (let j = 0; j < n; j++) for (let t = 0; t < d; t++) g[t]! += (w[j]! * -k(Z, i, P, j) * (Z[i * d + t]! - P[j * d + t]!)) / sigma ** 2;
  for (let l = 0; l < m; l++) for (let t = 0; t < d; t++) g[t]! -= (-k(Z, i, Y, l) * (Z[i * d + t]! - Y[l * d + t]!)) / sigma ** 2 / m;
  return g;
}

describe('geometry options of the authors-code convention', () => {
  it('noise.cloud: ∇ξ of the perturbed cloud at the perturbed points, Euclidean metric', () => {
    const tau = 0.7;
    const level = 0.4;
    const f = flow({ space: 'P', energy: E, transport: { kind: 'wasserstein', metric: 'euclidean', noise: { level, until: 5, cloud: true } }, tau });
    const [s1] = f.step(rng(9, 1), f.init({ n, d, X, w }));
    const g = rng(9, 1);
    const Xn = X.map((x) => x + level * g.normal());
    for (let i = 0; i < n; i++) {
      const gr = gradWitness(Xn, Xn, i);
      for (let t = 0; t < d; t++) expect(s1.mu.X[i * d + t]).toBeCloseTo(X[i * d + t]! - tau * w[i]! * gr[t]!, 12);
    }
  });
  it("fisher-rao normalise 'project' is Proj_Δ(w·exp(−ηξ)), not the rescaling", () => {
    const eta = 3;
    const f = flow({ space: 'P', energy: E, reaction: { kind: 'fisher-rao', normalise: 'project' }, eta });
    const g = flow({ space: 'P', energy: E, reaction: { kind: 'fisher-rao' }, eta });
    const [s1] = f.step(rng(0, 1), f.init({ n, d, X, w }));
    const [s2] = g.step(rng(0, 1), g.init({ n, d, X, w }));
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let xi = 0;
      for (let j = 0; j < n; j++) xi += w[j]! * k(X, i, X, j);
      for (let l = 0; l < m; l++) xi -= k(X, i, Y, l) / m;
      v[i] = w[i]! * Math.exp(-eta * xi);
    }
    // projection onto the simplex by bisection on the threshold θ: Σ max(vᵢ − θ, 0) = 1
    let lo = -1;
    let hi = Math.max(...v);
    for (let it = 0; it < 200; it++) {
      const th = (lo + hi) / 2;
      const s = v.reduce((a, x) => a + Math.max(x - th, 0), 0);
      if (s > 1) lo = th;
      else hi = th;
    }
    for (let i = 0; i < n; i++) expect(s1.mu.w[i]).toBeCloseTo(Math.max(v[i]! - lo, 0), 12);
    const vs = v.reduce((a, b) => a + b, 0);
    for (let i = 0; i < n; i++) expect(s2.mu.w[i]).toBeCloseTo(v[i]! / vs, 12);
  });
  it('rejects an unknown normalisation', () => {
    expect(() => flow({ space: 'P', energy: E, reaction: { kind: 'fisher-rao', normalise: 'nope' as 'project' }, eta: 1 })).toThrow(
      /reaction\.normalise: got "nope"/,
    );
  });
});

describe('MALA', () => {
  it('is refused for interacting energies (the per-particle accept/reject would ignore the interaction)', async () => {
    const { mckeanVlasovEnergy } = await import('../src/energies/mckeanVlasov.js');
    const quad = {
      d,
      value: (Z: Float64Array) => {
        const out = new Float64Array(Z.length / d);
        for (let i = 0; i < out.length; i++) out[i] = 0.5 * (Z[i * d]! ** 2 + Z[i * d + 1]! ** 2);
        return out;
      },
      grad: (Z: Float64Array) => Z.slice(),
    };
    const interacting = mckeanVlasovEnergy({
      d,
      potential: quad,
      interaction: { kind: 'quadratic', scale: 1 },
      internal: { kind: 'entropy', realisation: 'noise' },
    });
    expect(() => flow({ space: 'P', energy: interacting, transport: { kind: 'wasserstein', mala: true }, tau: 0.1 })).toThrow(
      /transport\.mala: .*non-interacting energy/,
    );
    const plain = mckeanVlasovEnergy({ d, potential: quad, internal: { kind: 'entropy', realisation: 'noise' } });
    expect(() => flow({ space: 'P', energy: plain, transport: { kind: 'wasserstein', mala: true }, tau: 0.1 })).not.toThrow();
  });
});
