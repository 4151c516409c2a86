import { describe, expect, it } from 'vitest';
import {
  cycleGraph,
  generatorMatrix,
  graphFlow,
  graphFreeEnergy,
  graphFromEdges,
  graphMMD,
  graphTransportDistance,
  gridGraph,
  hypercubeGraph,
  matMul,
  onsagerApply,
  onsagerJacobian,
  pathGraph,
  relativeEntropy,
  runGraphFlow,
  symFunction,
} from '../src/index.js';

/** ρ₀e^{tQ} computed independently through the symmetrisation D^{1/2}QD^{−1/2} (D = diag π). */
function heatExact(Q: Float64Array, pi: Float64Array, rho0: Float64Array, t: number): Float64Array {
  const n = pi.length;
  const S = new Float64Array(n * n);
  for (let x = 0; x < n; x++) for (let y = 0; y < n; y++) S[x * n + y] = (Math.sqrt(pi[x]!) * Q[x * n + y]!) / Math.sqrt(pi[y]!);
  for (let x = 0; x < n; x++) for (let y = 0; y < x; y++) S[x * n + y] = S[y * n + x] = 0.5 * (S[x * n + y]! + S[y * n + x]!);
  const E = symFunction(S, n, (l) => Math.exp(t * l));
  const out = new Float64Array(n);
  for (let x = 0; x < n; x++) for (let y = 0; y < n; y++) out[y]! += rho0[x]! * (Math.sqrt(pi[y]!) / Math.sqrt(pi[x]!)) * E[x * n + y]!;
  return out;
}
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i]! - b[i]!));
  return e;
};
const H = (rho: Float64Array, pi: Float64Array) => rho.reduce((s, r, x) => s + (r > 0 ? r * Math.log(r / pi[x]!) : 0), 0);

// a non-uniform π on a 6-vertex graph with a cycle and a chord
const g6 = graphFromEdges({ n: 6, edges: [[0, 1, 1], [1, 2, 2], [2, 3, 1], [3, 4, 0.5], [4, 5, 1], [5, 0, 1.5], [1, 4, 0.7]], pi: [1, 2, 3, 1, 2, 1] });
const rho0 = new Float64Array([0.5, 0.05, 0.05, 0.1, 0.1, 0.2]);

describe('graph space: the discrete Wasserstein flow of H(·|π) is the heat flow ρ₀e^{tQ}', () => {
  const Q = generatorMatrix(g6);
  it('the chain is reversible and the generator rows sum to 0', () => {
    for (let x = 0; x < 6; x++) {
      let s = 0;
      for (let y = 0; y < 6; y++) {
        s += Q[x * 6 + y]!;
        expect(Math.abs(g6.pi[x]! * Q[x * 6 + y]! - g6.pi[y]! * Q[y * 6 + x]!)).toBeLessThan(1e-15);
      }
      expect(Math.abs(s)).toBeLessThan(1e-14);
    }
  });
  it('the velocity equals ρQ exactly (the log-mean identity)', () => {
    const f = graphFlow({ graph: g6, energy: relativeEntropy(g6), tau: 0.01 });
    const v = f.velocity(rho0);
    const rq = new Float64Array(6);
    for (let x = 0; x < 6; x++) for (let y = 0; y < 6; y++) rq[y]! += rho0[x]! * Q[x * 6 + y]!;
    expect(maxAbsDiff(v, rq)).toBeLessThan(1e-15);
  });
  for (const scheme of ['explicit', 'implicit'] as const) {
    it(`${scheme}: first-order convergence to the matrix exponential, mass and positivity kept`, () => {
      const T = 1;
      const exact = heatExact(Q, g6.pi, rho0, T);
      const err = (tau: number) => {
        const f = graphFlow({ graph: g6, energy: relativeEntropy(g6), tau, scheme });
        const res = runGraphFlow(f, f.init(rho0), { steps: Math.round(T / tau), every: 1 });
        expect(res.status).toBe('completed');
        for (const h of res.history) {
          expect(Math.abs(h.rho.reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-13);
          expect(h.rho.every((v) => v > 0)).toBe(true);
        }
        return maxAbsDiff(res.rho, exact);
      };
      const e1 = err(0.02);
      const e2 = err(0.01);
      expect(e1).toBeLessThan(0.01);
      expect(e1 / e2).toBeGreaterThan(1.8);
      expect(e1 / e2).toBeLessThan(2.2);
    });
  }
  it('implicit steps are stable at τ = 10 (explicit diverges) and reach π', () => {
    const imp = graphFlow({ graph: g6, energy: relativeEntropy(g6), tau: 10, scheme: 'implicit' });
    const r = runGraphFlow(imp, imp.init(rho0), { steps: 20 });
    expect(r.status).toBe('completed');
    expect(maxAbsDiff(r.rho, g6.pi)).toBeLessThan(1e-10);
    const exp = graphFlow({ graph: g6, energy: relativeEntropy(g6), tau: 10 });
    expect(runGraphFlow(exp, exp.init(rho0), { steps: 20 }).status).toBe('diverged');
  });
  it('the implicit step starts from Dirac masses', () => {
    const g = pathGraph(5);
    const f = graphFlow({ graph: g, energy: relativeEntropy(g), tau: 0.5, scheme: 'implicit' });
    const [r1] = f.step(f.init([1, 0, 0, 0, 0]));
    expect(r1.every((v) => v > 0)).toBe(true);
    expect(Math.abs(r1.reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-12);
  });
});

describe('entropy decay on the discrete hypercube at least at the Erbar–Maas rate e^{−2κt}, κ = 2/k', () => {
  for (const k of [1, 3, 5]) {
    it(`hypercube(${k})`, () => {
      const g = hypercubeGraph(k);
      const n = g.n;
      const r0 = new Float64Array(n).fill(0.2 / (n - 1));
      r0[0] = 0.8;
      const f = graphFlow({ graph: g, energy: relativeEntropy(g), tau: 0.01, scheme: 'implicit' });
      const res = runGraphFlow(f, f.init(r0), { steps: 300, every: 10 });
      const H0 = H(r0, g.pi);
      const kappa = 2 / k;
      for (const h of res.history) {
        // backward Euler contracts a mode of rate λ by 1/(1 + τλ) ≥ e^{−τλ} per step, i.e. it lags
        // the exact decay by at most e^{λ²τt/2}; with λ = 2κ that is the slack allowed here.
        const lag = Math.exp(0.5 * (2 * kappa) ** 2 * 0.01 * h.t);
        expect(h.energy).toBeLessThanOrEqual(Math.exp(-2 * kappa * h.t) * H0 * lag);
      }
      // and the exact semigroup obeys the bound too (checked on the matrix exponential)
      const Q = generatorMatrix(g);
      for (const t of [0.5, 1, 2]) expect(H(heatExact(Q, g.pi, r0, t), g.pi)).toBeLessThanOrEqual(Math.exp(-2 * kappa * t) * H0);
      // the bound is tight for k = 1 asymptotically: the rate there is exactly 4t
      if (k === 1) {
        const t = 3;
        const ratio = H(heatExact(Q, g.pi, r0, t), g.pi) / (Math.exp(-2 * kappa * t) * H0);
        expect(ratio).toBeGreaterThan(0.3);
      }
    });
  }
});

describe('Fisher–Rao and WFR on vertices', () => {
  it('the Fisher–Rao flow of H(·|π) follows ρ_t ∝ π(ρ₀/π)^{e^{−t}}', () => {
    const T = 1;
    const exact = rho0.map((r, x) => g6.pi[x]! * (r / g6.pi[x]!) ** Math.exp(-T));
    const z = exact.reduce((s, v) => s + v, 0);
    for (let x = 0; x < 6; x++) exact[x]! /= z;
    const err = (tau: number) => {
      const f = graphFlow({ graph: g6, energy: relativeEntropy(g6), geometry: 'fisher-rao', tau, scheme: 'implicit' });
      return maxAbsDiff(runGraphFlow(f, f.init(rho0), { steps: Math.round(T / tau) }).rho, exact);
    };
    const e1 = err(0.02);
    expect(e1).toBeLessThan(0.01);
    expect(e1 / err(0.01)).toBeGreaterThan(1.8);
  });
  it('the Onsager Jacobian matches finite differences (W, FR, WFR; an interacting free energy)', () => {
    const g = cycleGraph(5);
    const W = new Float64Array(25);
    for (let x = 0; x < 5; x++) for (let y = 0; y < 5; y++) W[x * 5 + y] = Math.cos(x - y);
    const E = graphFreeEnergy(g, { V: [0, 1, 0.5, -0.3, 0.2], W, temperature: 0.7 });
    const rho = new Float64Array([0.1, 0.3, 0.25, 0.15, 0.2]);
    for (const w of [{ alpha: 1, beta: 0 }, { alpha: 0, beta: 1 }, { alpha: 0.7, beta: 1.3 }]) {
      const J = onsagerJacobian(g, w, rho, E.firstVariation(rho), E.jacobian(rho));
      const h = 1e-7;
      for (let z = 0; z < 5; z++) {
        const p = Float64Array.from(rho);
        const m = Float64Array.from(rho);
        p[z]! += h;
        m[z]! -= h;
        const fp = onsagerApply(g, w, p, E.firstVariation(p));
        const fm = onsagerApply(g, w, m, E.firstVariation(m));
        for (let x = 0; x < 5; x++) expect(Math.abs((fp[x]! - fm[x]!) / (2 * h) - J[x * 5 + z]!)).toBeLessThan(1e-6);
      }
    }
  });
  it('first variations match finite differences of the energies', () => {
    const g = gridGraph(2, 3);
    const W = matMul(new Float64Array(36).fill(0.1), new Float64Array(36).fill(1), 6);
    const rho = new Float64Array([0.1, 0.2, 0.15, 0.25, 0.2, 0.1]);
    const nu = [0.3, 0.1, 0.1, 0.1, 0.1, 0.3];
    for (const E of [relativeEntropy(g), graphFreeEnergy(g, { V: [1, 0, 2, 0, 1, 3], W, temperature: 0.5 }), graphMMD(g, { target: nu })]) {
      const xi = E.firstVariation(rho);
      const h = 1e-6;
      // directional derivative along a mass-preserving direction e_x − e_y
      for (const [x, y] of [[0, 1], [2, 5], [3, 4]] as const) {
        const p = Float64Array.from(rho);
        const m = Float64Array.from(rho);
        p[x]! += h;
        p[y]! -= h;
        m[x]! -= h;
        m[y]! += h;
        expect(Math.abs((E.value(p) - E.value(m)) / (2 * h) - (xi[x]! - xi[y]!))).toBeLessThan(1e-7);
      }
    }
  });
  it('WFR flows of a free energy and of ½MMD² decrease the energy; the MMD flow reaches its target', () => {
    const g = gridGraph(3, 3);
    const nu = new Float64Array(9).fill(0.05);
    nu[8] = 0.6;
    const E = graphMMD(g, { target: nu });
    const f = graphFlow({ graph: g, energy: E, geometry: 'wfr', tau: 0.5, scheme: 'implicit' });
    const res = runGraphFlow(f, f.init(new Float64Array(9).fill(1 / 9)), { steps: 400, every: 1 });
    for (let k = 1; k < res.history.length; k++) expect(res.history[k]!.energy).toBeLessThanOrEqual(res.history[k - 1]!.energy + 1e-15);
    expect(maxAbsDiff(res.rho, nu)).toBeLessThan(1e-3);
  });
});

describe('the discrete transport distance', () => {
  it('two Dirac masses on two vertices: the closed form (1/√2)∫₋₁¹ dr/√θ(1+r, 1−r)', () => {
    const g = pathGraph(2); // Q = 1 both ways, π = (½, ½)
    // independent quadrature: substitution r = tanh-free midpoint rule on a fine grid (log singularities are integrable)
    const th = (a: number, b: number) => (a === b ? a : (a - b) / (Math.log(a) - Math.log(b)));
    const N = 2_000_000;
    let s = 0;
    for (let i = 0; i < N; i++) {
      const r = -1 + ((i + 0.5) * 2) / N;
      s += 1 / Math.sqrt(th(1 + r, 1 - r));
    }
    const exact = ((s * 2) / N) / Math.SQRT2;
    const res = graphTransportDistance(g, [1, 0], [0, 1], { timeSteps: 32 });
    expect(res.converged).toBe(true);
    expect(Math.abs(res.distance / exact - 1)).toBeLessThan(0.01);
    // the discretisation error shrinks with T
    const coarse = graphTransportDistance(g, [1, 0], [0, 1], { timeSteps: 8 });
    expect(Math.abs(coarse.distance - exact)).toBeGreaterThan(Math.abs(res.distance - exact));
  });
  it('metric speed along the heat flow: W(ρ_t, ρ_{t+h})/h → √(dissipation) = √(ξᵀK(ρ)ξ)', () => {
    const Q = generatorMatrix(g6);
    const a = heatExact(Q, g6.pi, rho0, 0.3);
    const h = 1e-3;
    const b = heatExact(Q, g6.pi, rho0, 0.3 + h);
    const f = graphFlow({ graph: g6, energy: relativeEntropy(g6), tau: 1 });
    const xi = relativeEntropy(g6).firstVariation(a);
    const Kxi = onsagerApply(g6, { alpha: 1, beta: 0 }, a, xi);
    const diss = xi.reduce((s, v, x) => s + v * Kxi[x]!, 0);
    void f;
    const W = graphTransportDistance(g6, a, b, { timeSteps: 4 }).distance;
    expect(Math.abs(W / h / Math.sqrt(diss) - 1)).toBeLessThan(0.01);
  });
  it('is symmetric, zero on equal inputs, and obeys the triangle inequality', () => {
    const g = cycleGraph(4);
    const p = [0.7, 0.1, 0.1, 0.1];
    const q = [0.1, 0.1, 0.7, 0.1];
    const r = [0.1, 0.7, 0.1, 0.1];
    const d = (u: number[], v: number[]) => graphTransportDistance(g, u, v).distance;
    expect(Math.abs(d(p, q) - d(q, p))).toBeLessThan(1e-4 * d(p, q));
    expect(d(p, p)).toBeLessThan(1e-12);
    expect(d(p, q)).toBeLessThanOrEqual(d(p, r) + d(r, q) + 1e-6);
  });
});

describe('graph input errors', () => {
  it('names the field', () => {
    expect(() => graphFromEdges({ n: 3, edges: [[0, 1]] })).toThrow(/vertex 2 is not connected/);
    expect(() => graphFromEdges({ n: 3, edges: [[0, 5]] })).toThrow(/edges\[0\]\[1\]: got 5/);
    expect(() => graphFromEdges({ n: 3, edges: [[0, 1, -1], [1, 2]] })).toThrow(/edges\[0\]\[2\]/);
    const g = pathGraph(3);
    expect(() => graphFlow({ graph: g, energy: relativeEntropy(g), tau: 0 })).toThrow(/tau/);
    const f = graphFlow({ graph: g, energy: relativeEntropy(g), tau: 0.1 });
    expect(() => f.init([0.5, 0.5])).toThrow(/init.rho.length/);
    expect(() => f.init([1, 0, 0])).toThrow(/implicit/);
  });
});
