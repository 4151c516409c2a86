/**
 * The double-well demo of the Wasserstein-gradient-flow introduction (seed 004): unadjusted
 * Langevin xᵢ ← xᵢ − dt·∇V(xᵢ) + √(2dt)·N(0, 1) for V(x) = (x² − 1)², from µ₀ = N(0, 0.05²) (the
 * unstable saddle), watched until the particles settle into the Gibbs law exp(−V)/Z. The loss
 * curve is the Kolmogorov–Smirnov distance sup |F_N − F| between the particles' empirical CDF and
 * the exact CDF of exp(−V)/Z (quadrature). Pure.
 */
import { uniformWeights } from '../core/measure.js';
import { rng } from '../core/rng.js';
import { flow as makeFlow } from '../flows/flow.js';
import { runFlow } from '../flows/run.js';
import { langevin } from '../presets/index.js';
import { doubleWellNormalizer, doubleWellSecondMoment, doubleWellTarget } from '../targets/doubleWell.js';
import { runSeed } from './ift.js';
import type { DoubleWellSettings, RunCurve, RunHooks, SnapshotDetail } from './types.js';

/** The Gibbs density e^{−(x²−1)²}/Z at the points x. */
export function gibbsDensity(x: ArrayLike<number>): Float64Array {
  const Z = doubleWellNormalizer();
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const t = x[i]! * x[i]! - 1;
    out[i] = Math.exp(-t * t) / Z;
  }
  return out;
}

const CDF_A = 4;
const CDF_N = 8000;
let cdfTable: Float64Array | null = null;

/** CDF of exp(−V)/Z on [−4, 4] by the cumulative trapezoid rule on 8000 intervals (error ≲ 1e-8; tails beyond ±4 are < e^{−200}). */
export function gibbsCdf(x: number): number {
  if (!cdfTable) {
    const h = (2 * CDF_A) / CDF_N;
    const grid = new Float64Array(CDF_N + 1);
    for (let i = 0; i <= CDF_N; i++) grid[i] = -CDF_A + i * h;
    const p = gibbsDensity(grid);
    const c = new Float64Array(CDF_N + 1);
    for (let i = 1; i <= CDF_N; i++) c[i] = c[i - 1]! + 0.5 * h * (p[i - 1]! + p[i]!);
    const total = c[CDF_N]!;
    for (let i = 0; i <= CDF_N; i++) c[i] = c[i]! / total;
    cdfTable = c;
  }
  if (x <= -CDF_A) return 0;
  if (x >= CDF_A) return 1;
  const u = ((x + CDF_A) / (2 * CDF_A)) * CDF_N;
  const i = Math.min(CDF_N - 1, Math.floor(u));
  const f = u - i;
  return cdfTable[i]! * (1 - f) + cdfTable[i + 1]! * f;
}

/** Kolmogorov–Smirnov distance sup_x |F_N(x) − F(x)| of the sample to the Gibbs law. Cost O(N log N). */
export function ksToGibbs(X: Float64Array): number {
  const s = Float64Array.from(X).sort();
  const N = s.length;
  let D = 0;
  for (let i = 0; i < N; i++) {
    const F = gibbsCdf(s[i]!);
    D = Math.max(D, (i + 1) / N - F, F - i / N);
  }
  return D;
}

/** One Langevin run of the double-well demo (µ₀ from `rng(runSeed, 0)`, step t from `rng(runSeed, t + 1)`). */
export function runDoubleWellTask(s: DoubleWellSettings, run: number, hooks: RunHooks = {}): RunCurve {
  const seed = runSeed(s.seed, run);
  const f = makeFlow(langevin({ target: doubleWellTarget(), tau: s.tau }));
  const X0 = rng(seed, 0).fillNormal(new Float64Array(s.n));
  for (let i = 0; i < s.n; i++) X0[i] = X0[i]! * s.initStd;
  const xs: number[] = [];
  const ls: number[] = [];
  const snaps: SnapshotDetail['snapshots'] = [];
  const want = new Set(s.snapshotSteps);
  if (run === 0 && want.has(0)) snaps.push({ step: 0, t: 0, X: X0.slice() });
  const progressEvery = Math.max(1, Math.floor(s.steps / 100));
  const t0 = nowMs();
  const res = runFlow(f, { n: s.n, d: 1, X: X0, w: uniformWeights(s.n) }, {
    steps: s.steps,
    seed,
    every: s.recordEvery,
    ...(hooks.shouldStop ? { shouldStop: hooks.shouldStop } : {}),
    measure: (st) => ({ loss: ksToGibbs(st.mu.X) }),
    onRecord: (row) => {
      xs.push(row.step);
      ls.push(row.loss!);
    },
    onStep: (st) => {
      if (run === 0 && want.has(st.t)) snaps.push({ step: st.t, t: st.t * s.tau, X: st.mu.X.slice() });
      if (hooks.onProgress && (st.t % progressEvery === 0 || st.t === s.steps)) hooks.onProgress(st.t);
    },
    onDiverge: 'stop',
  });
  const diverged = res.diverged?.message;
  const last = res.final.mu.X;
  let m2 = 0;
  for (let i = 0; i < last.length; i++) m2 += last[i]! * last[i]!;
  m2 /= last.length;
  let right = 0;
  for (let i = 0; i < last.length; i++) if (last[i]! > 0) right++;
  return {
    method: 'langevin',
    run,
    runSeed: seed,
    x: xs,
    loss: ls,
    iterations: s.steps,
    elapsedMs: nowMs() - t0,
    ...(diverged ? { diverged } : {}),
    finals: { secondMoment: m2, secondMomentExact: doubleWellSecondMoment(), fractionRightWell: right / last.length },
    ...(run === 0 ? { snapshots: { snapshots: snaps } } : {}),
  };
}

const perf = (globalThis as { performance?: { now(): number } }).performance;
function nowMs(): number {
  return perf ? perf.now() : Date.now();
}
