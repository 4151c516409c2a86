import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.js';
import type { ParticleMeasure } from '../src/core/measure.js';
import { type Rng, rng } from '../src/core/rng.js';
import { type SinkhornOptions, type SinkhornResult, sinkhorn, sinkhornDivergence } from '../src/metrics/sinkhorn.js';
import { w2Squared } from '../src/metrics/w2.js';

const meas = (X: ArrayLike<number>, d: number, w?: ArrayLike<number>): ParticleMeasure => {
  const n = X.length / d;
  return { n, d, X: Float64Array.from(X), w: w ? Float64Array.from(w) : new Float64Array(n).fill(1 / n) };
};
const normals = (r: Rng, len: number, scale = 1, shift = 0): Float64Array => {
  const a = r.fillNormal(new Float64Array(len));
  for (let i = 0; i < len; i++) a[i] = scale * a[i]! + shift;
  return a;
};
const simplex = (r: Rng, n: number, zeros = 0): Float64Array => {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.05 + r.uniform();
  for (let k = 0; k < zeros; k++) w[r.int(n)] = 0;
  let s = 0;
  for (let i = 0; i < n; i++) s += w[i]!;
  for (let i = 0; i < n; i++) w[i]! /= s;
  return w;
};
const relErr = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
const allFinite = (r: SinkhornResult) =>
  [r.cost, r.objective, r.marginalError].every(Number.isFinite) && r.f.every(Number.isFinite) && r.g.every(Number.isFinite);

// ---------- POT (ot.bregman.sinkhorn_log, tol 1e-13) fixtures ----------

interface SkCase {
  name: string;
  d: number;
  X: number[];
  a: number[];
  Y: number[];
  b: number[];
  eps: number;
  cost: number;
  cost_sinkhorn2: number;
  objective: number;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/ot_sinkhorn.json', import.meta.url), 'utf8')) as { cases: SkCase[] };

describe('sinkhorn against POT (fixtures from scripts/make_ot_fixtures.py)', () => {
  it('has POT reference cases', () => {
    expect(fixture.cases.length).toBeGreaterThan(0);
  });
  for (const c of fixture.cases) {
    it(c.name, () => {
      const mu = meas(c.X, c.d, c.a);
      const nu = meas(c.Y, c.d, c.b);
      const r = sinkhorn(mu, nu, { eps: c.eps, tol: 1e-13, maxIter: 50000 });
      expect(r.converged).toBe(true);
      expect(r.marginalError).toBeLessThan(1e-12);
      // Same plan as POT: ⟨C, P⟩ is POT's sinkhorn2 value. With both marginal errors ~1e-13 the
      // costs agree to ~1e-12 relative.
      expect(relErr(r.cost, c.cost_sinkhorn2)).toBeLessThan(1e-10);
      // Our objective ⟨C,P⟩ + ε KL(P‖a⊗b), recomputed from POT's plan in Python.
      expect(relErr(r.objective, c.objective)).toBeLessThan(1e-10);
    });
  }
});

// ---------- properties ----------

describe('sinkhorn: structure', () => {
  const r = rng(41);
  const mu = meas(normals(r, 2 * 40), 2, simplex(r, 40, 3));
  const nu = meas(normals(r, 2 * 55, 0.8, 0.7), 2, simplex(r, 55, 2));

  it('dense and streamed costs give bit-identical results', () => {
    const a = sinkhorn(mu, nu, { eps: 0.5, costStorage: 'dense' });
    const b = sinkhorn(mu, nu, { eps: 0.5, costStorage: 'stream' });
    expect(b.cost).toBe(a.cost);
    expect(b.objective).toBe(a.objective);
    expect(b.iterations).toBe(a.iterations);
    expect(Array.from(b.f)).toEqual(Array.from(a.f));
  });

  it('converges to tol; marginalError ≤ tol; reports iterations; maxIter stops early', () => {
    const a = sinkhorn(mu, nu, { eps: 0.2, tol: 1e-10 });
    expect(a.converged).toBe(true);
    expect(a.marginalError).toBeLessThan(1e-10 * (1 + 1e-6));
    expect(a.iterations).toBeGreaterThan(1);
    const b = sinkhorn(mu, nu, { eps: 0.2, tol: 1e-10, maxIter: 2 });
    expect(b.converged).toBe(false);
    expect(b.iterations).toBe(2);
    expect(b.marginalError).toBeGreaterThan(1e-10);
  });

  it('symmetric in (µ, ν) and consistent: cost ≤ objective, plan P = a⊗b·exp((f⊕g − C)/ε)', () => {
    const a = sinkhorn(mu, nu, { eps: 0.3, tol: 1e-12 });
    const b = sinkhorn(nu, mu, { eps: 0.3, tol: 1e-12 });
    expect(relErr(a.objective, b.objective)).toBeLessThan(1e-10);
    expect(relErr(a.cost, b.cost)).toBeLessThan(1e-10);
    expect(a.cost).toBeLessThan(a.objective); // ε KL(P‖a⊗b) > 0
    // Rebuild P from the returned potentials: its cost and marginals match the report.
    let cost = 0;
    let err = 0;
    const col = new Float64Array(nu.n);
    for (let i = 0; i < mu.n; i++) {
      let row = 0;
      for (let j = 0; j < nu.n; j++) {
        const c = (mu.X[2 * i]! - nu.X[2 * j]!) ** 2 + (mu.X[2 * i + 1]! - nu.X[2 * j + 1]!) ** 2;
        const p = mu.w[i]! * nu.w[j]! * Math.exp((a.f[i]! + a.g[j]! - c) / 0.3);
        cost += p * c;
        row += p;
        col[j]! += p;
      }
      err += Math.abs(row - mu.w[i]!);
    }
    for (let j = 0; j < nu.n; j++) err += Math.abs(col[j]! - nu.w[j]!);
    expect(relErr(cost, a.cost)).toBeLessThan(1e-12);
    expect(err).toBeLessThan(1e-12);
  });

  it('zero-weight atoms are ignored: same result as with those atoms removed', () => {
    const keep = (m: ParticleMeasure) => {
      const idx = Array.from(m.w.keys()).filter((i) => m.w[i]! > 0);
      return meas(
        idx.flatMap((i) => Array.from(m.X.subarray(i * m.d, i * m.d + m.d))),
        m.d,
        idx.map((i) => m.w[i]!),
      );
    };
    const a = sinkhorn(mu, nu, { eps: 0.1, tol: 1e-12 });
    const b = sinkhorn(keep(mu), keep(nu), { eps: 0.1, tol: 1e-12 });
    expect(allFinite(a)).toBe(true);
    expect(relErr(a.cost, b.cost)).toBeLessThan(1e-12);
    expect(relErr(a.objective, b.objective)).toBeLessThan(1e-12);
  });
});

describe('sinkhorn: limits in ε', () => {
  // For any plan, OT_ε = ⟨C,P⟩ + ε KL(P‖a⊗b) with 0 ≤ KL ≤ min(H(a), H(b)) ≤ log min(n, m) at the
  // optimal exact plan, so   W₂² ≤ cost ≤ OT_ε ≤ W₂² + ε log min(n, m)   (deterministic bounds).
  // Sinkhorn divergence: OT_ε(µ,µ) ∈ [0, ε log n], so |S_ε − W₂²| ≤ ε log max(n, m).
  const r = rng(42);
  const n = 16;
  const m = 20;
  const mu = meas(normals(r, 2 * n), 2, simplex(r, n));
  const nu = meas(normals(r, 2 * m, 0.7, 0.5), 2);
  const W = w2Squared(mu, nu);
  const slack = 1e-9; // dual objective error at marginal violation ≤ 1e-10 (quadratic)

  for (const eps of [0.3, 0.1, 0.03, 0.01]) {
    it(`ε = ${eps}: W₂² ≤ cost ≤ OT_ε ≤ W₂² + ε log min(n, m), |S_ε − W₂²| ≤ ε log max(n, m)`, () => {
      const opts: SinkhornOptions = { eps, tol: 1e-10, maxIter: 200000, annealing: true };
      const s = sinkhorn(mu, nu, opts);
      expect(s.converged).toBe(true);
      expect(s.cost).toBeGreaterThan(W - slack);
      expect(s.cost).toBeLessThan(s.objective + slack);
      expect(s.objective).toBeLessThan(W + eps * Math.log(Math.min(n, m)) + slack);
      const S = sinkhornDivergence(mu, nu, opts);
      expect(S.converged).toBe(true);
      expect(Math.abs(S.divergence - W)).toBeLessThan(eps * Math.log(Math.max(n, m)) + slack);
    });
  }

  it('ε → ∞: S_ε → |mean(µ) − mean(ν)|² (O(1/ε))', () => {
    let mx = 0;
    let my = 0;
    let dm = 0;
    for (let k = 0; k < 2; k++) {
      mx = 0;
      my = 0;
      for (let i = 0; i < n; i++) mx += mu.w[i]! * mu.X[2 * i + k]!;
      for (let j = 0; j < m; j++) my += nu.w[j]! * nu.X[2 * j + k]!;
      dm += (mx - my) ** 2;
    }
    const S = sinkhornDivergence(mu, nu, { eps: 1e4, tol: 1e-13 });
    // The first correction is O(Var²/ε): here Var ≈ 1, so |S − dm| ≲ 10/ε = 1e-3.
    expect(Math.abs(S.divergence - dm)).toBeLessThan(1e-3);
  });
});

describe('sinkhornDivergence ≥ 0', () => {
  // S_ε ≥ 0 holds for the exact OT_ε (Feydy et al. 2019, Thm 1). Our objective is the dual value
  // D(f, g) ≤ OT_ε; its deficit is bounded by the marginal violation δ times the cost range
  // (rounding P to a feasible plan moves ⟨C,P⟩ + εKL by O(max C·δ)), so we allow
  // −4·max C·(δ_xy + δ_xx + δ_yy). When µ ≈ ν with ε ≪ the atom spacing the plan is almost block
  // diagonal and alternating Sinkhorn converges very slowly (near-gauge modes), so those
  // cases stop at maxIter with δ ~ 1e-7 and the check is only as sharp as that.
  it('on random weighted pairs (some nearly equal) and ε from 1e-2 to 10; S(µ, µ) ≈ 0', () => {
    const r = rng(43);
    for (let rep = 0; rep < 4; rep++) {
      const n = 5 + r.int(30);
      const m = 5 + r.int(30);
      const d = 1 + r.int(3);
      const mu = meas(normals(r, n * d), d, simplex(r, n, r.int(2)));
      const nu = rep % 2 === 0 ? meas(normals(r, m * d, 1.2, 0.3), d, simplex(r, m)) : meas(mu.X.map((v) => v + 1e-3 * r.normal()), d, mu.w);
      let maxC = 0;
      for (let i = 0; i < mu.n; i++) {
        for (let j = 0; j < nu.n; j++) {
          let c = 0;
          for (let k = 0; k < d; k++) c += (mu.X[i * d + k]! - nu.X[j * d + k]!) ** 2;
          maxC = Math.max(maxC, c);
        }
      }
      for (const eps of [0.01, 0.1, 1, 10]) {
        // Well-separated pairs converge within 8000 iterations; nearly equal ones are capped.
        const opts: SinkhornOptions = { eps, tol: 1e-11, maxIter: rep % 2 === 0 ? 8000 : 300, annealing: eps < 0.1 };
        const S = sinkhornDivergence(mu, nu, opts);
        const delta = S.xy.marginalError + S.xx.marginalError + S.yy.marginalError;
        if (rep % 2 === 0) expect(S.converged).toBe(true);
        expect(S.xx.converged && S.yy.converged).toBe(true); // the averaged symmetric iteration is fast
        expect(S.divergence).toBeGreaterThanOrEqual(-1e-10 - 4 * maxC * delta);
        const self = sinkhornDivergence(mu, mu, { ...opts, maxIter: 300 });
        const dSelf = self.xy.marginalError + self.xx.marginalError + self.yy.marginalError;
        expect(Math.abs(self.divergence)).toBeLessThan(1e-10 + 4 * maxC * dSelf);
      }
    }
  });
});

describe('log-domain stability', () => {
  it('ε = 1e-4 on costs of order 1–10: finite, and within ε log n of W₂² when converged', () => {
    const r = rng(44);
    const n = 20;
    const mu = meas(normals(r, 2 * n), 2);
    const nu = meas(normals(r, 2 * n, 1, 1.5), 2);
    const W = w2Squared(mu, nu);
    // Without annealing: may not converge in few iterations, but never NaN/Inf.
    const raw = sinkhorn(mu, nu, { eps: 1e-4, maxIter: 50 });
    expect(allFinite(raw)).toBe(true);
    // With ε-scaling it converges (the plan is close to a permutation).
    const s = sinkhorn(mu, nu, { eps: 1e-4, tol: 1e-9, maxIter: 20000, annealing: { factor: 0.5, itersPerStage: 5 } });
    expect(allFinite(s)).toBe(true);
    expect(s.converged).toBe(true);
    expect(s.epsStart).toBeGreaterThan(1);
    expect(s.cost).toBeGreaterThan(W - 1e-9);
    expect(s.objective).toBeLessThan(W + 1e-4 * Math.log(n) + 1e-9);
    const S = sinkhornDivergence(mu, nu, { eps: 1e-4, tol: 1e-9, maxIter: 20000, annealing: true });
    expect(Number.isFinite(S.divergence)).toBe(true);
    expect(Math.abs(S.divergence - W)).toBeLessThan(1e-4 * Math.log(n) + 1e-8);
  });
});

// ---------- input validation ----------

describe('bad input', () => {
  const good = meas([0, 0, 1, 1], 2);
  const expectInput = (f: () => unknown, field: string) => {
    let err: unknown;
    try {
      f();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).field).toBe(field);
    expect((err as InputError).message).toMatch(/got .*expected/);
  };
  it('eps ≤ 0, NaN, missing', () => {
    expectInput(() => sinkhorn(good, good, { eps: 0 }), 'opts.eps');
    expectInput(() => sinkhorn(good, good, { eps: -1 }), 'opts.eps');
    expectInput(() => sinkhorn(good, good, { eps: Number.NaN }), 'opts.eps');
    expectInput(() => sinkhornDivergence(good, good, {} as SinkhornOptions), 'opts.eps');
    expectInput(() => sinkhorn(good, good, undefined as unknown as SinkhornOptions), 'opts');
  });
  it('other options', () => {
    expectInput(() => sinkhorn(good, good, { eps: 1, maxIter: 0 }), 'opts.maxIter');
    expectInput(() => sinkhorn(good, good, { eps: 1, tol: -1 }), 'opts.tol');
    expectInput(() => sinkhorn(good, good, { eps: 1, annealing: { factor: 1.5 } }), 'opts.annealing.factor');
    expectInput(() => sinkhorn(good, good, { eps: 1, annealing: { epsStart: 0 } }), 'opts.annealing.epsStart');
    expectInput(() => sinkhorn(good, good, { eps: 1, costStorage: 'gpu' as 'dense' }), 'opts.costStorage');
  });
  it('measures: mismatched d, NaN, negative weights, mass ≠ 1, empty', () => {
    expectInput(() => sinkhorn(good, meas([0, 0, 0], 3), { eps: 1 }), 'nu.d');
    expectInput(() => sinkhorn(meas([0, Number.NaN, 1, 1], 2), good, { eps: 1 }), 'mu.X[0][1]');
    expectInput(() => sinkhornDivergence(good, meas([0, 0, 1, 1], 2, [-0.5, 1.5]), { eps: 1 }), 'nu.w[0]');
    expectInput(() => sinkhorn(good, meas([0, 0, 1, 1], 2, [0.5, 0.4]), { eps: 1 }), 'sum(nu.w)');
    expectInput(() => sinkhorn({ n: 0, d: 2, X: new Float64Array(0), w: new Float64Array(0) }, good, { eps: 1 }), 'mu.n');
  });
});
