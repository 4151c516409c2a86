import { describe, expect, it } from 'vitest';
import { approxSummer, resolveSums } from '../src/backend/approxSums.js';
import { Argsorter } from '../src/backend/argsort.js';
import { DIRECTION_SAMPLINGS, drawDirections } from '../src/backend/directions.js';
import { slicedConstant, slicedRieszSums } from '../src/backend/slicedSums.js';
import { particleMeasure, uniformWeights } from '../src/core/measure.js';
import { rng } from '../src/core/rng.js';
import { mmdEnergy } from '../src/energies/mmd.js';
import { flow } from '../src/flows/flow.js';
import { runFlow } from '../src/flows/run.js';
import { energyDistance, mmdSquared, mmdSquaredUnbiased } from '../src/metrics/mmd.js';
import { ift, mmdFlow } from '../src/presets/index.js';

/**
 * Exact Riesz sums by the direct double loop (independent of the backend):
 * val[q] = −Σⱼ vⱼ|z_q − sⱼ|, grad[q] = −Σⱼ vⱼ (z_q − sⱼ)/|z_q − sⱼ| (0 for z = s).
 */
function exactRiesz(S: Float64Array, v: Float64Array, Z: Float64Array, d: number) {
  const N = v.length;
  const p = Z.length / d;
  const val = new Float64Array(p);
  const grad = new Float64Array(p * d);
  for (let q = 0; q < p; q++)
    for (let j = 0; j < N; j++) {
      let s2 = 0;
      for (let a = 0; a < d; a++) s2 += (Z[q * d + a]! - S[j * d + a]!) ** 2;
      const r = Math.sqrt(s2);
      val[q]! -= v[j]! * r;
      if (r > 0) for (let a = 0; a < d; a++) grad[q * d + a]! -= (v[j]! * (Z[q * d + a]! - S[j * d + a]!)) / r;
    }
  return { val, grad };
}

/** Signed sources of µ − ν: [X; Y], [w; −b]. */
function signed(X: Float64Array, w: Float64Array, Y: Float64Array, b: Float64Array, _d: number) {
  const S = new Float64Array(X.length + Y.length);
  S.set(X);
  S.set(Y, X.length);
  const v = new Float64Array(w.length + b.length);
  v.set(w);
  for (let l = 0; l < b.length; l++) v[w.length + l] = -b[l]!;
  return { S, v };
}

function randomWeights(r: ReturnType<typeof rng>, n: number): Float64Array {
  const w = new Float64Array(n).map(() => 0.05 + r.uniform());
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / s);
}

describe('argsort', () => {
  it('orders keys exactly, with ties, negative zeros and a far outlier (fallback path)', () => {
    const r = rng(1);
    for (const N of [0, 1, 2, 1000, 50_000]) {
      const k = r.fillNormal(new Float64Array(N));
      for (let i = 0; i < N; i += 7) k[i] = k[Math.floor(i / 2)]!; // ties
      if (N > 10) {
        k[3] = -0;
        k[4] = 0;
        k[5] = 1e300;
      }
      const s = new Argsorter();
      const { order, sorted } = s.sort(k);
      const ref = Array.from(k).sort((a, b) => a - b);
      expect(Array.from(sorted)).toEqual(ref);
      for (let i = 0; i < N; i++) expect(sorted[i]).toBe(k[order[i]!]);
      expect(new Set(order).size).toBe(N);
      const o2 = s.argsort(k);
      for (let i = 1; i < N; i++) expect(k[o2[i]!]! >= k[o2[i - 1]!]!).toBe(true);
    }
  });
});

describe('slicing constant and directions', () => {
  it('c_d = √π Γ((d+1)/2)/Γ(d/2) matches its closed forms', () => {
    expect(slicedConstant(1)).toBeCloseTo(1, 14);
    expect(slicedConstant(2)).toBeCloseTo(Math.PI / 2, 14);
    expect(slicedConstant(3)).toBeCloseTo(2, 14);
    expect(slicedConstant(4)).toBeCloseTo((3 * Math.PI) / 4, 14);
    expect(slicedConstant(5)).toBeCloseTo(8 / 3, 14);
    // c_d ~ √(πd/2) for large d
    expect(slicedConstant(10_000) / Math.sqrt((Math.PI * 10_000) / 2)).toBeCloseTo(1, 3);
  });

  it('every sampling gives unit directions with E[θθᵀ] = I/d (uniform on the sphere), seeded', () => {
    for (const d of [2, 5]) {
      for (const sampling of DIRECTION_SAMPLINGS) {
        const R = 400;
        const P = 7;
        const M = new Float64Array(d * d);
        for (let s = 0; s < R; s++) {
          const th = drawDirections(rng(11, s), P, d, sampling);
          for (let p = 0; p < P; p++) {
            let n2 = 0;
            for (let a = 0; a < d; a++) n2 += th[p * d + a]! ** 2;
            expect(n2).toBeCloseTo(1, 12);
            for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) M[a * d + b]! += th[p * d + a]! * th[p * d + b]! / (R * P);
          }
        }
        // each entry of θθᵀ lies in [−1, 1]: std of a mean of R·P (dependent within a draw,
        // so count only R independent draws) ≤ 1/√R; margin 4/√R
        for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) expect(Math.abs(M[a * d + b]! - (a === b ? 1 / d : 0))).toBeLessThan(4 / Math.sqrt(R));
      }
    }
  });

  it('qmc is refused above d = 10', () => {
    expect(() => drawDirections(rng(1), 10, 11, 'qmc')).toThrow(/sums.sampling: got "qmc", expected 'orthogonal' or 'random' in d = 11/);
  });

  it('orthogonal blocks are orthonormal', () => {
    const d = 6;
    const th = drawDirections(rng(3), 6, d, 'orthogonal');
    for (let p = 0; p < d; p++)
      for (let q = 0; q < d; q++) {
        let dot = 0;
        for (let a = 0; a < d; a++) dot += th[p * d + a]! * th[q * d + a]!;
        expect(dot).toBeCloseTo(p === q ? 1 : 0, 12);
      }
  });
});

describe('sliced Riesz sums in 1-D are exact', () => {
  const r = rng(7);
  const n = 300;
  const m = 250;
  const X = r.fillNormal(new Float64Array(n));
  const Y = r.fillNormal(new Float64Array(m)).map((y) => 1.5 * y + 0.7);
  X[10] = X[20]!; // a tie inside µ
  Y[5] = X[30]!; // a tie between µ and ν
  for (const weighted of [false, true]) {
    it(`${weighted ? 'weighted' : 'unweighted'}: value, gradient and MMD² to 1e-12 (P = 3, any direction ±1)`, () => {
      const w = weighted ? randomWeights(r, n) : uniformWeights(n);
      const b = weighted ? randomWeights(r, m) : uniformWeights(m);
      const { S, v } = signed(X, w, Y, b, 1);
      const ex = exactRiesz(S, v, X, 1);
      const theta = drawDirections(rng(1), 3, 1);
      const val = new Float64Array(n);
      const grad = new Float64Array(n);
      const q = slicedRieszSums({ S, v, d: 1, theta, nq: n, val, grad, quad: true });
      for (let i = 0; i < n; i++) {
        expect(Math.abs(val[i]! - ex.val[i]!)).toBeLessThan(1e-12);
        expect(Math.abs(grad[i]! - ex.grad[i]!)).toBeLessThan(1e-12);
      }
      // queries that are not sources (one coinciding with a source)
      const Z = Float64Array.from([-3, -0.1, 0, 0.25, 2.5, X[0]!]);
      const ez = exactRiesz(S, v, Z, 1);
      const vz = new Float64Array(Z.length);
      const gz = new Float64Array(Z.length);
      slicedRieszSums({ S, v, d: 1, theta, Z, val: vz, grad: gz });
      for (let i = 0; i < Z.length; i++) {
        expect(Math.abs(vz[i]! - ez.val[i]!)).toBeLessThan(1e-12);
        expect(Math.abs(gz[i]! - ez.grad[i]!)).toBeLessThan(1e-12);
      }
      // vᵀKv = Σ vᵢ ξ(sᵢ)
      const all = exactRiesz(S, v, S, 1).val;
      let quadExact = 0;
      for (let j = 0; j < v.length; j++) quadExact += v[j]! * all[j]!;
      expect(Math.abs(q - quadExact)).toBeLessThan(1e-12);
      const mu = particleMeasure(X, 1, w);
      const nu = particleMeasure(Y, 1, b);
      expect(Math.abs(energyDistance(mu, nu, 'sliced') - quadExact)).toBeLessThan(1e-12);
    });
  }
});

/**
 * The error of the sliced gradient at a point z, per direction e = c_d ξ_θ′θ − ∇ξ, has
 *   E|e|² = c_d² E[ξ_θ′²] − |∇ξ|²,   E[ξ_θ′²] = Σⱼₖ vⱼvₖ E[sign⟨θ, aⱼ⟩ sign⟨θ, aₖ⟩] = Σⱼₖ vⱼvₖ (1 − 2∠(aⱼ, aₖ)/π)
 * (aⱼ = z − sⱼ; Grothendieck's identity for θ uniform on the sphere; a zero aⱼ contributes 0),
 * so with P independent directions the mean squared error over the points is exactly
 * σ²/P with σ² = mean_q(c_d² E[ξ_θ′²] − |∇ξ(z_q)|²) — a fact independent of the code.
 */
function expectedSquaredError(S: Float64Array, v: Float64Array, Z: Float64Array, d: number, gradExact: Float64Array): number {
  const N = v.length;
  const p = Z.length / d;
  const cd2 = slicedConstant(d) ** 2;
  let tot = 0;
  const A = new Float64Array(N * d);
  const nrm = new Float64Array(N);
  for (let q = 0; q < p; q++) {
    for (let j = 0; j < N; j++) {
      let s2 = 0;
      for (let a = 0; a < d; a++) {
        const t = Z[q * d + a]! - S[j * d + a]!;
        A[j * d + a] = t;
        s2 += t * t;
      }
      nrm[j] = Math.sqrt(s2);
    }
    let e2 = 0;
    for (let j = 0; j < N; j++) {
      if (nrm[j] === 0) continue;
      for (let k = 0; k < N; k++) {
        if (nrm[k] === 0) continue;
        let dot = 0;
        for (let a = 0; a < d; a++) dot += A[j * d + a]! * A[k * d + a]!;
        const c = Math.max(-1, Math.min(1, dot / (nrm[j]! * nrm[k]!)));
        e2 += v[j]! * v[k]! * (1 - (2 * Math.acos(c)) / Math.PI);
      }
    }
    let g2 = 0;
    for (let a = 0; a < d; a++) g2 += gradExact[q * d + a]! ** 2;
    tot += cd2 * e2 - g2;
  }
  return tot / p;
}

describe('sliced Riesz gradient in d > 1: error ∝ P^(−1/2), as predicted', () => {
  for (const [d, n] of [
    [2, 40],
    [10, 40],
    [100, 30],
  ] as const) {
    it(`d = ${d}: mean squared gradient error at P and 16P matches σ²/P (seeded, 4-sd margin); RMS ratio ≈ 4`, () => {
      const r = rng(100 + d);
      const m = n;
      const X = r.fillNormal(new Float64Array(n * d));
      const Y = r.fillNormal(new Float64Array(m * d)).map((y) => y + 0.5);
      const w = randomWeights(r, n);
      const b = uniformWeights(m);
      const { S, v } = signed(X, w, Y, b, d);
      const ex = exactRiesz(S, v, X, d);
      const sigma2 = expectedSquaredError(S, v, X, d, ex.grad);
      const R = 24;
      const rms: number[] = [];
      for (const P of [8, 128]) {
        const mses: number[] = [];
        for (let s = 0; s < R; s++) {
          const theta = drawDirections(rng(5000 + d, P * 1000 + s), P, d, 'random');
          const grad = new Float64Array(n * d);
          slicedRieszSums({ S, v, d, theta, nq: n, grad });
          let e = 0;
          for (let i = 0; i < n * d; i++) e += (grad[i]! - ex.grad[i]!) ** 2;
          mses.push(e / n);
        }
        const mean = mses.reduce((a, c) => a + c, 0) / R;
        const sd = Math.sqrt(mses.reduce((a, c) => a + (c - mean) ** 2, 0) / (R - 1));
        // the mean of R independent MSEs: within 4 standard errors of its expectation σ²/P
        expect(Math.abs(mean - sigma2 / P)).toBeLessThan((4 * sd) / Math.sqrt(R));
        rms.push(Math.sqrt(mean));
      }
      // 16× the directions: 4× smaller RMS error (slope −½ in log–log)
      expect(rms[0]! / rms[1]!).toBeGreaterThan(3);
      expect(rms[0]! / rms[1]!).toBeLessThan(5.3);
    });
  }
});

describe('sliced MMD² (energy distance)', () => {
  it('is unbiased for the exact energy distance in d = 10 (seeded, 4-sd margin), for every sampling', () => {
    const d = 10;
    const r = rng(9);
    const mu = particleMeasure(r.fillNormal(new Float64Array(60 * d)), d, randomWeights(r, 60));
    const nu = particleMeasure(r.fillNormal(new Float64Array(50 * d)).map((y) => 0.8 * y + 0.3), d);
    const exact = energyDistance(mu, nu);
    // independent check of the exact value by the direct loop
    const { S, v } = signed(mu.X, mu.w, nu.X, nu.w, d);
    const all = exactRiesz(S, v, S, d).val;
    let direct = 0;
    for (let j = 0; j < v.length; j++) direct += v[j]! * all[j]!;
    expect(exact).toBeCloseTo(direct, 12);
    for (const sampling of DIRECTION_SAMPLINGS) {
      const R = 40;
      const vals: number[] = [];
      for (let s = 0; s < R; s++) vals.push(energyDistance(mu, nu, { method: 'sliced', directions: 10, sampling, seed: s }));
      const mean = vals.reduce((a, c) => a + c, 0) / R;
      const sd = Math.sqrt(vals.reduce((a, c) => a + (c - mean) ** 2, 0) / (R - 1));
      expect(Math.abs(mean - exact)).toBeLessThan((4 * sd) / Math.sqrt(R));
      for (const x of vals) expect(x).toBeGreaterThanOrEqual(0);
    }
  });

  it('the unbiased U-statistic with sliced sums is unbiased for the exact U-statistic (seeded)', () => {
    const d = 3;
    const r = rng(19);
    const mu = particleMeasure(r.fillNormal(new Float64Array(40 * d)), d);
    const nu = particleMeasure(r.fillNormal(new Float64Array(30 * d)).map((y) => y + 0.4), d);
    const ker = { kind: 'energy' } as const;
    const exact = mmdSquaredUnbiased(ker, mu, nu);
    const R = 40;
    const vals: number[] = [];
    for (let s = 0; s < R; s++) vals.push(mmdSquaredUnbiased(ker, mu, nu, { method: 'sliced', directions: 8, seed: s }));
    const mean = vals.reduce((a, c) => a + c, 0) / R;
    const sd = Math.sqrt(vals.reduce((a, c) => a + (c - mean) ** 2, 0) / (R - 1));
    expect(Math.abs(mean - exact)).toBeLessThan((4 * sd) / Math.sqrt(R));
  });
});

describe('the sums option', () => {
  const r = rng(4);
  const d = 2;
  const Y = r.fillNormal(new Float64Array(50 * d));

  it('refuses kernels and settings it cannot honour, naming the field', () => {
    expect(() => mmdEnergy({ kernel: { kind: 'gaussian', sigma: 1 }, Y, d, sums: 'sliced' })).toThrow(/kernel: got "gaussian", expected the energy kernel/);
    expect(() => mmdEnergy({ kernel: { kind: 'energy', beta: 1.5 }, Y, d, sums: 'sliced' })).toThrow(/beta 1/);
    expect(() => mmdEnergy({ kernel: { kind: 'energy' }, Y, d, sums: 'features' })).toThrow(/kernel.kind: got "energy"/);
    expect(() => mmdEnergy({ kernel: { kind: 'energy' }, Y, d, sums: { method: 'sliced', directions: 0 } })).toThrow(/sums.directions: got 0/);
    expect(() => mmdEnergy({ kernel: { kind: 'energy' }, Y, d, sums: { method: 'sliced', features: 10 } })).toThrow(/sums.features/);
    expect(() => mmdEnergy({ kernel: { kind: 'energy' }, Y, d, sums: 'fast' as never })).toThrow(/sums.method: got "fast"/);
    expect(() => mmdEnergy({ kernel: { kind: 'gaussian', sigma: 1 }, Y, d, sums: 'features', force: 'nadaraya-watson' })).toThrow(/energy.force/);
    const kernel = { kind: 'energy' } as const;
    expect(() => flow(ift({ kernel, target: { Y, d }, tau: 0.1, eta: 0.1, variant: 'exact' }))).not.toThrow();
    const E = mmdEnergy({ kernel, Y, d, sums: 'sliced' });
    expect(() => flow({ space: 'P', energy: E, transport: { kind: 'wasserstein' }, reaction: { kind: 'mmd', variant: 'exact' }, tau: 0.1, eta: 0.1 })).toThrow(
      /reaction.variant: got "exact", expected 'pgd' with sums 'sliced'/,
    );
  });

  it('the energy evaluates F, ξ and ∇ξ from one set of directions per stream, and noisy points separately', () => {
    const kernel = { kind: 'energy' } as const;
    const X = r.fillNormal(new Float64Array(40 * d));
    const mu = particleMeasure(X, d);
    const sums = resolveSums({ method: 'sliced', directions: 20, seed: 3 }, kernel);
    const E = mmdEnergy({ kernel, Y, d, sums });
    const ev = E.evaluate(mu, { value: true, xi: true, grad: true });
    // the same numbers from the backend with stream 0
    const { S, v } = signed(X, mu.w, Y, uniformWeights(50), d);
    const val = new Float64Array(40);
    const grad = new Float64Array(80);
    const q = approxSummer(kernel, sums, d, 0).sum({ S, v, nq: 40, val, grad, quad: true });
    expect(ev.value).toBe(0.5 * q);
    expect(Array.from(ev.xi!)).toEqual(Array.from(val));
    expect(Array.from(ev.grad!)).toEqual(Array.from(grad));
    expect(E.evaluate(mu, { value: true }).value).toBe(ev.value);
    expect(mmdSquared(kernel, mu, particleMeasure(Y, d), sums)).toBe(q);
    // at other points: ξ at Z equals the backend's, the value still that of µ
    const Z = X.map((x) => x + 0.01);
    const at = E.evaluate(mu, { value: true, grad: true, at: Z });
    expect(at.value).toBe(ev.value);
    const gz = new Float64Array(80);
    approxSummer(kernel, sums, d, 0).sum({ S, v, Z, grad: gz });
    expect(Array.from(at.grad!)).toEqual(Array.from(gz));
    // step t uses stream t + 1: different directions, deterministic
    const e5 = E.atStep!(rng(0), 5).evaluate(mu, { value: true }).value!;
    expect(e5).not.toBe(ev.value);
    expect(E.atStep!(rng(1), 5).evaluate(mu, { value: true }).value).toBe(e5);
  });
});

describe('flows with sliced sums', () => {
  /** Exact energy distance by the direct loop (independent of the backend). */
  function exactEnergy(X: Float64Array, w: Float64Array, Y: Float64Array, d: number): number {
    const { S, v } = signed(X, w, Y, uniformWeights(Y.length / d), d);
    const all = exactRiesz(S, v, S, d).val;
    let q = 0;
    for (let j = 0; j < v.length; j++) q += v[j]! * all[j]!;
    return 0.5 * q;
  }

  it('MMD flow and IFT (pgd) with sliced sums decrease the exact ½ energy distance (2-D and 10-D), reproducibly', () => {
    for (const d of [2, 10]) {
      const r = rng(31 + d);
      const n = 80;
      const Y = r.fillNormal(new Float64Array(n * d));
      const X0 = r.fillNormal(new Float64Array(n * d)).map((x) => 0.5 * x + 2);
      const mu0 = particleMeasure(X0, d);
      const kernel = { kind: 'energy' } as const;
      const sums = { method: 'sliced', directions: 50, seed: 1 } as const;
      const E0 = exactEnergy(X0, mu0.w, Y, d);
      for (const cfg of [
        mmdFlow({ kernel, target: { Y, d, sums }, tau: 0.2 }),
        ift({ kernel, target: { Y, d, sums }, tau: 0.2, eta: 0.2 / n, variant: 'pgd' }),
      ]) {
        const f = flow(cfg);
        const res = runFlow(f, mu0, { steps: 30, seed: 2, every: 10 });
        const Ex = exactEnergy(res.final.mu.X, res.final.mu.w, Y, d);
        expect(Ex).toBeLessThan(0.25 * E0);
        const again = runFlow(f, mu0, { steps: 30, seed: 2, every: 10 });
        expect(Array.from(again.final.mu.X)).toEqual(Array.from(res.final.mu.X));
      }
    }
  });
});

describe('sums in the run spec and the CLI', () => {
  it('a spec with sums sliced runs MMD flow and records energy and MMD with the same sums; other algorithms refuse it', async () => {
    const { parseSpec } = await import('../src/spec/schema.js');
    const { buildRun } = await import('../src/spec/build.js');
    const base = {
      kernel: { type: 'energy' },
      target: { name: 'gaussian', mean: [0, 0], cov: [[1, 0], [0, 1]], m: 60 },
      init: { name: 'gaussian', mean: [2, 2], cov: [[1, 0], [0, 1]], n: 50 },
      steps: 5,
    };
    const built = buildRun(parseSpec({ ...base, algorithm: 'mmd-flow', tau: 0.2, sums: { method: 'sliced', directions: 30, seed: 4 } }));
    expect(built.resolved.sums).toEqual({ method: 'sliced', directions: 30, sampling: 'orthogonal', seed: 4 });
    const row = built.measure(built.flow.init(built.mu0));
    const Y = built.Y!;
    const mu = built.mu0;
    expect(row.mmd).toBe(Math.sqrt(mmdSquared({ kind: 'energy' }, mu, particleMeasure(Y, 2), { method: 'sliced', directions: 30, seed: 4 })));
    const res = runFlow(built.flow, built.mu0, { steps: 5, seed: 0, every: 5, measure: built.measure });
    expect(res.history.at(-1)!.mmd!).toBeLessThan(res.history[0]!.mmd!);
    expect(() => buildRun(parseSpec({ ...base, algorithm: 'ift', sums: 'sliced', variant: 'pgd' }))).not.toThrow();
    expect(() => buildRun(parseSpec({ ...base, algorithm: 'ift', sums: 'sliced' }))).toThrow(/reaction.variant: got "exact", expected 'pgd'/);
    expect(() => buildRun(parseSpec({ ...base, algorithm: 'fisher-rao', sums: 'sliced' }))).toThrow(/sums: got "sliced", expected 'exact' for algorithm "fisher-rao"/);
    expect(() => buildRun(parseSpec({ ...base, kernel: { type: 'gaussian', sigma: 1 }, algorithm: 'svgd', target: { name: 'gaussian', mean: [0, 0], cov: [[1, 0], [0, 1]] }, sums: 'features' }))).toThrow(
      /sums: got "features", expected 'exact' for algorithm "svgd"/,
    );
    expect(() => buildRun(parseSpec({ ...base, algorithm: 'mmd-flow', sums: 'features' }))).toThrow(/kernel.kind: got "energy"/);
    expect(() =>
      buildRun(parseSpec({ ...base, algorithm: 'mmd-flow', sums: 'sliced', record: { kernel: { type: 'gaussian', sigma: 1 } } })),
    ).toThrow(/record.kernel: got "gaussian"/);
    expect(() => parseSpec({ ...base, algorithm: 'mmd-flow', sums: { method: 'sliced', directions: 0 } })).toThrow(/spec.sums/);
  });

  it('measureflow metrics --sums sliced / features', async () => {
    const { main } = await import('../src/node/cli.js');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'mf-sliced-'));
    const r = rng(8);
    const rows = (n: number, shift: number) => Array.from({ length: n }, () => `${r.normal() + shift},${r.normal()}`).join('\n');
    writeFileSync(join(dir, 'a.csv'), `x0,x1\n${rows(40, 0)}\n`);
    writeFileSync(join(dir, 'b.csv'), `x0,x1\n${rows(30, 1)}\n`);
    const call = async (...args: string[]) => {
      let out = '';
      let err = '';
      const code = await main(['node', 'measureflow', 'metrics', join(dir, 'a.csv'), join(dir, 'b.csv'), ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
      return { code, out, err };
    };
    const exact = JSON.parse((await call('--kernel', 'energy', '--metrics', 'mmd,energy', '--json')).out);
    const sl = JSON.parse((await call('--kernel', 'energy', '--metrics', 'mmd,energy', '--sums', 'sliced', '--directions', '2000', '--json')).out);
    expect(sl.sums).toEqual({ method: 'sliced', directions: 2000, sampling: 'orthogonal', seed: 0 });
    expect(sl.energyDistanceSquared).toBeCloseTo(sl.mmd ** 2, 10);
    // 2000 directions in 2-D: relative error of a few percent at most
    expect(Math.abs(sl.energyDistanceSquared / exact.energyDistanceSquared - 1)).toBeLessThan(0.1);
    const ft = JSON.parse((await call('--kernel', 'gaussian', '--sigma', '1', '--metrics', 'mmd', '--sums', 'features', '--features', '4000', '--json')).out);
    const ex2 = JSON.parse((await call('--kernel', 'gaussian', '--sigma', '1', '--metrics', 'mmd', '--json')).out);
    expect(Math.abs(ft.mmd ** 2 - ex2.mmd ** 2)).toBeLessThan(4 * (2 / Math.sqrt(4000)));
    const bad = await call('--kernel', 'gaussian', '--sigma', '1', '--metrics', 'mmd', '--sums', 'sliced');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/expected the energy kernel/);
    const bad2 = await call('--directions', '10');
    expect(bad2.code).toBe(2);
    expect(bad2.err).toMatch(/--directions: got 10, expected nothing without --sums sliced/);
  });
});

describe('experiment sliced-mmd', () => {
  it('resolves its defaults and refuses inconsistent flags', async () => {
    const { resolveSettings } = await import('../src/experiments/index.js');
    const s = resolveSettings('sliced-mmd') as import('../src/experiments/types.js').IftSettings;
    expect(s).toMatchObject({ n: 100000, m: 100000, dim: 2, kernel: 'energy', tau: 1, eta: 1e-5, variant: 'pgd', methods: ['mmd-flow', 'ift'], testSize: 10000 });
    expect(s.sums).toEqual({ method: 'sliced', directions: 100, sampling: 'orthogonal' });
    expect(resolveSettings('sliced-mmd', { d: 100, n: 1000, directions: 20 })).toMatchObject({ dim: 100, tau: 10, eta: 1e-3, sums: { directions: 20 } });
    expect(() => resolveSettings('sliced-mmd', { d: 3 })).toThrow(/--d: got 3, expected 2 or 100/);
    expect(() => resolveSettings('ift-mixture-2d', { d: 2 })).toThrow(/--d/);
    expect(() => resolveSettings('ift-mixture-2d', { sums: 'sliced' })).toThrow(/--sums: got "sliced", expected --kernel energy/);
    expect(() => resolveSettings('sliced-mmd', { variant: 'exact' })).toThrow(/--variant: got "exact", expected 'pgd'/);
    expect(() => resolveSettings('sliced-mmd', { sigma: 2 })).toThrow(/--sigma/);
    expect(() => resolveSettings('ift-mixture-2d', { directions: 10 })).toThrow(/--directions: got 10, expected nothing without --sums sliced/);
    expect(() => resolveSettings('sliced-mmd', { d: 100, sampling: 'qmc' })).toThrow(/--sampling/);
    // the existing experiments are unchanged by default
    expect(resolveSettings('ift-mixture-2d')).not.toHaveProperty('sums');
    expect(resolveSettings('ift-mixture-100d', { kernel: 'energy', sums: 'sliced' })).toMatchObject({ kernel: 'energy', sums: { method: 'sliced' } });
    expect(resolveSettings('ift-mixture-100d', { sums: 'features', features: 64 })).toMatchObject({ sums: { method: 'features', features: 64 } });
  });

  it('a small run decreases the sliced loss for both methods, deterministically, and says the loss is estimated', async () => {
    const { resolveSettings, runExperimentTask, reportSummary, meanFinals, aggregateCurves, experimentMethods, lossLabel } = await import('../src/experiments/index.js');
    const s = resolveSettings('sliced-mmd', { n: 400, steps: 20, recordEvery: 10 });
    expect(lossLabel(s)).toMatch(/estimated by sliced sums with 100 orthogonal directions/);
    const curves = (['mmd-flow', 'ift'] as const).map((method) => runExperimentTask({ settings: s, method, run: 0 }));
    for (const c of curves) {
      expect(c.loss.at(-1)!).toBeLessThan(0.05 * c.loss[0]!);
      expect(c.elapsedMs / c.iterations).toBeGreaterThan(0);
    }
    const again = runExperimentTask({ settings: s, method: 'ift', run: 0 });
    expect(again.loss).toEqual(curves[1]!.loss);
    const agg = aggregateCurves(experimentMethods(s), curves);
    expect(reportSummary(s, agg, meanFinals(curves))).toMatch(/Approximate kernel sums: .* not the exact MMD²/);
    // ift-mixture-2d with features for the Gaussian kernel runs too
    const g = resolveSettings('ift-mixture-2d', { n: 50, steps: 4, recordEvery: 2, sums: 'features', features: 100, methods: ['ift'] });
    expect(runExperimentTask({ settings: g, method: 'ift', run: 0 }).loss.length).toBe(3);
  });

  it('the README snippet runs', async () => {
    const { mmdFlow } = await import('../src/presets/index.js');
    const d = 2;
    const r = rng(5);
    const Y = r.fillNormal(new Float64Array(100 * d));
    const mu = particleMeasure(r.fillNormal(new Float64Array(80 * d)), d);
    const nu = particleMeasure(Y, d);
    const E = mmdEnergy({ kernel: { kind: 'energy' }, Y, d, sums: { method: 'sliced', directions: 100, seed: 0 } });
    const f = flow(mmdFlow({ kernel: { kind: 'energy' }, target: { Y, d, sums: 'sliced' }, tau: 1 }));
    expect(E.evaluate(mu, { value: true }).value).toBeGreaterThan(0);
    expect(f.step(rng(0, 1), f.init(mu))[0].t).toBe(1);
    expect(energyDistance(mu, nu, 'sliced')).toBeGreaterThan(0);
  });
});
