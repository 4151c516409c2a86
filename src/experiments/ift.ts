/**
 * The IFT paper's experiments (§4; docs/experiments.md): MMD flow, MMD flow + noise, IFT gradient
 * descent (Algorithm 1) and WFR gradient descent of ½MMD², from samples of µ₀ towards a target
 * known by samples; the loss is MMD² (squared, V-statistic, the kernel of the flow) to a fixed
 * test sample of π. Pure: one (method, run) at a time, deterministic in (settings, method, run).
 */
import { kernelSum } from '../backend/kernelSums.js';
import { fdot } from '../core/math.js';
import type { ParticleMeasure } from '../core/measure.js';
import { uniformWeights } from '../core/measure.js';
import type { Rng } from '../core/rng.js';
import { rng } from '../core/rng.js';
import { flow as makeFlow, type Flow } from '../flows/flow.js';
import { runFlow } from '../flows/run.js';
import type { Kernel } from '../kernels/kernel.js';
import { mmdEnergy } from '../energies/mmd.js';
import { ift, mmdFlow, type SampleTarget, wfr } from '../presets/index.js';
import { paperGaussian2d, paperMixture100d, paperMixture2d } from '../targets/paper.js';
import { authorsCodeFlow } from './authorsCode.js';
import type { IftMethod, IftSettings, RunCurve, RunHooks, TrajectoryDetail } from './types.js';

/** Stream of `rng(seed, ·)` that draws the random 100-D mixture (fixed across runs, as in the authors' code). */
export const TARGET_STREAM = 0xffffffff;

/** Weight below which a particle counts as vanished: 10⁻³ of the uniform weight (as in the trajectory plots). */
export const VANISH_FACTOR = 1e-3;

/** The per-run seed: `rng(seed, run).nextUint32()`. Run r's µ₀, samples and step noise all derive from it. */
export function runSeed(seed: number, run: number): number {
  return rng(seed, run).nextUint32();
}

/** Target, initial law and plotting coordinates of an IFT experiment. */
export interface IftProblem {
  d: number;
  /** Exact sampler of π. */
  sample(r: Rng, count: number): Float64Array;
  /** Draws µ₀'s n particles [n, d]. */
  sampleInit(r: Rng, n: number): Float64Array;
  /** Plotting coordinates of points [p, d] → [p, 2] (identity in 2-D; a projection in 100-D). */
  project(X: Float64Array): Float64Array;
  xLabel: string;
  yLabel: string;
  /** One-line description for the report. */
  description: string;
}

/** The problem of an IFT experiment (the 100-D mixture is drawn from `rng(seed, TARGET_STREAM)`). */
export function iftProblem(s: IftSettings): IftProblem {
  if (s.experiment === 'ift-mixture-100d') {
    const d = 100;
    const t = paperMixture100d(rng(s.seed, TARGET_STREAM));
    // Plotting plane: e₁ ∥ m₁, e₂ ⊥ e₁ in span(m₁, m₂).
    const e1 = new Float64Array(d);
    const e2 = new Float64Array(d);
    let n1 = 0;
    for (let a = 0; a < d; a++) n1 += t.means[a]! ** 2;
    n1 = Math.sqrt(n1);
    for (let a = 0; a < d; a++) e1[a] = t.means[a]! / n1;
    let dot = 0;
    for (let a = 0; a < d; a++) dot += t.means[d + a]! * e1[a]!;
    let n2 = 0;
    for (let a = 0; a < d; a++) {
      e2[a] = t.means[d + a]! - dot * e1[a]!;
      n2 += e2[a]! ** 2;
    }
    n2 = Math.sqrt(n2);
    for (let a = 0; a < d; a++) e2[a] = e2[a]! / n2;
    return {
      d,
      sample: (r, c) => t.sample(r, c),
      sampleInit: (r, n) => r.fillNormal(new Float64Array(n * d)),
      project(X) {
        const p = X.length / d;
        const out = new Float64Array(2 * p);
        for (let i = 0; i < p; i++) {
          let u = 0;
          let v = 0;
          for (let a = 0; a < d; a++) {
            u += X[i * d + a]! * e1[a]!;
            v += X[i * d + a]! * e2[a]!;
          }
          out[2 * i] = u;
          out[2 * i + 1] = v;
        }
        return out;
      },
      xLabel: '⟨x, e₁⟩  (e₁ ∥ m₁)',
      yLabel: '⟨x, e₂⟩  (e₂ ⊥ e₁ in span(m₁, m₂))',
      description:
        'π = mixture of 3 Gaussians in ℝ¹⁰⁰ with equal weights, ‖mₖ‖ = 20 in random directions, Σₖ = D + PPᵀ (D diagonal ~ U[0.5, 5], P 100×10 ~ U[0, 1]), drawn once from the seed; µ₀ = N(0, I).',
    };
  }
  const t = s.experiment === 'ift-gaussian-2d' ? paperGaussian2d() : paperMixture2d();
  return {
    d: 2,
    sample: (r, c) => t.sample(r, c),
    sampleInit: (r, n) => {
      const X = r.fillNormal(new Float64Array(2 * n));
      for (let i = 0; i < X.length; i++) X[i] = X[i]! + 5;
      return X;
    },
    project: (X) => X.slice(),
    xLabel: 'x₁',
    yLabel: 'x₂',
    description:
      s.experiment === 'ift-gaussian-2d'
        ? 'π = N(0, [[1, ½], [½, 2]]) in ℝ², µ₀ = N(5·1, I).'
        : 'π = ⅓N((0, 0), [[1, ½], [½, 2]]) + ⅓N((3, −1), I) + ⅓N((1, 4), [[3, ½], [½, 1]]) in ℝ², µ₀ = N(5·1, I).',
  };
}

/** Iterations per step: IFT and WFR iterations count as two steps (paper §4). */
export function stepsPerIteration(method: IftMethod): 1 | 2 {
  return method === 'ift' || method === 'wfr' ? 2 : 1;
}

/** Display label of a method. */
export function iftMethodLabel(method: IftMethod, s: Pick<IftSettings, 'variant'>): string {
  switch (method) {
    case 'mmd-flow':
      return 'MMD flow';
    case 'mmd-flow-noise':
      return 'MMD flow + noise';
    case 'ift':
      return s.variant === 'pgd' ? 'IFT (pgd MMD step)' : 'IFT (exact MMD step)';
    case 'wfr':
      return 'WFR (KL step)';
  }
}

/** The flow of `method` under the settings' convention (see `Convention`). */
export function iftFlow(s: IftSettings, method: IftMethod, target: SampleTarget, kernel: Kernel): Flow {
  const noise = s.noiseLevel > 0 ? { level: s.noiseLevel, until: s.noiseUntil } : undefined;
  if (s.convention === 'authors-code') {
    const energy = mmdEnergy({ kernel, Y: target.Y, d: target.d, resample: target.resample });
    switch (method) {
      case 'mmd-flow':
        return authorsCodeFlow({ energy, lr: s.tau });
      case 'mmd-flow-noise':
        return authorsCodeFlow({ energy, lr: s.tau, noise });
      case 'ift':
        return authorsCodeFlow({
          energy,
          lr: s.tau,
          weights: s.variant === 'pgd' ? { kind: 'mmd-pgd', lr: s.eta } : { kind: 'mmd-exact', eta: 2 * s.eta, kernel },
        });
      case 'wfr':
        return authorsCodeFlow({ energy, lr: s.tau, weights: { kind: 'kl', lr: s.etaKl } });
    }
  }
  switch (method) {
    case 'mmd-flow':
      return makeFlow(mmdFlow({ kernel, target, tau: s.tau }));
    case 'mmd-flow-noise':
      return makeFlow(mmdFlow({ kernel, target, tau: s.tau, ...(noise ? { noise } : {}) }));
    case 'ift':
      return makeFlow(ift({ kernel, target, tau: s.tau, eta: s.eta, variant: s.variant }));
    case 'wfr':
      return makeFlow(wfr({ kernel, target, tau: s.tau, eta: s.etaKl }));
  }
}

/**
 * MMD² (V-statistic) between Σwᵢδ_{xᵢ} and the uniform sample T, with 1ᵀK_TT1/|T|² precomputed:
 * returns a function of (X, w). Cost per call O(n·(n + |T|)·d).
 */
export function mmdToSample(kernel: Kernel, T: Float64Array, d: number): (X: Float64Array, w: Float64Array) => number {
  const p = T.length / d;
  const u = uniformWeights(p);
  const cTT = fdot(u, kernelSum(kernel, T, T, d, u));
  return (X, w) => {
    const a = kernelSum(kernel, X, X, d, w);
    const b = kernelSum(kernel, X, T, d, u);
    return Math.max(0, fdot(w, a) - 2 * fdot(w, b) + cTT);
  };
}

/**
 * One (method, run) of an IFT experiment. Run r draws, from `rng(runSeed(seed, r), 0)` and in
 * this order, µ₀'s n particles, the m target samples Y and the test sample; every method of run r
 * sees the same draws and the same per-step generators `rng(runSeed, t + 1)` (common random
 * numbers). IFT/WFR run ⌊steps/2⌋ iterations, recorded at x = 2·iteration.
 */
export function runIftTask(s: IftSettings, method: IftMethod, run: number, hooks: RunHooks = {}): RunCurve {
  const seed = runSeed(s.seed, run);
  const prob = iftProblem(s);
  const { d } = prob;
  const kernel: Kernel = { kind: 'gaussian', sigma: s.sigma };
  const r0 = rng(seed, 0);
  const X0 = prob.sampleInit(r0, s.n);
  const Y = prob.sample(r0, s.m);
  const T = prob.sample(r0, s.testSize);
  const target: SampleTarget = { Y, d, ...(s.targetSamples === 'redrawn' ? { resample: (r: Rng, m: number) => prob.sample(r, m) } : {}) };
  const f = iftFlow(s, method, target, kernel);
  const loss = mmdToSample(kernel, s.lossSample === 'test' ? T : Y, d);
  const k = stepsPerIteration(method);
  const iterations = Math.floor(s.steps / k);
  const every = s.recordEvery / k;
  const mu0: ParticleMeasure = { n: s.n, d, X: X0, w: uniformWeights(s.n) };
  const xs: number[] = [];
  const ls: number[] = [];
  const detail = run === 0;
  const P = detail ? s.pathParticles : 0;
  const pathRows: number[][] = Array.from({ length: P }, () => []);
  const recordPaths = (X: Float64Array) => {
    if (P === 0) return;
    const pr = prob.project(X.subarray(0, P * d));
    for (let i = 0; i < P; i++) pathRows[i]!.push(pr[2 * i]!, pr[2 * i + 1]!);
  };
  const progressEvery = Math.max(1, Math.floor(iterations / 100));
  const t0 = nowMs();
  const res = runFlow(f, mu0, {
    steps: iterations,
    seed,
    every,
    ...(hooks.shouldStop ? { shouldStop: hooks.shouldStop } : {}),
    measure: (st) => ({ loss: loss(st.mu.X, st.mu.w) }),
    onRecord: (row, st) => {
      xs.push(k * row.step);
      ls.push(row.loss!);
      recordPaths(st.mu.X);
    },
    onStep: (st) => {
      if (hooks.onProgress && (st.t % progressEvery === 0 || st.t === iterations)) hooks.onProgress(k * st.t);
    },
    onDiverge: 'stop',
  });
  const diverged = res.diverged?.message;
  const last = res.final.mu;
  const elapsedMs = nowMs() - t0;
  const finals = weightStats(last.w);
  let trajectory: TrajectoryDetail | undefined;
  if (detail) {
    const shown = Math.min(s.m, 500);
    trajectory = {
      target: prob.project(Y.subarray(0, shown * d)),
      initial: prob.project(X0),
      final: prob.project(last.X),
      finalW: last.w.slice(),
      paths: pathRows.map((p) => Float64Array.from(p)),
      xLabel: prob.xLabel,
      yLabel: prob.yLabel,
    };
  }
  return {
    method,
    run,
    runSeed: seed,
    x: xs,
    loss: ls,
    iterations,
    elapsedMs,
    ...(diverged ? { diverged } : {}),
    finals,
    ...(trajectory ? { trajectory } : {}),
  };
}

/** Fraction of vanished weights (wᵢ < 10⁻³/n) and the effective sample size (Σw)²/Σw² divided by n. */
export function weightStats(w: Float64Array): Record<string, number> {
  const n = w.length;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    s += w[i]!;
    s2 += w[i]! * w[i]!;
  }
  let vanished = 0;
  for (let i = 0; i < n; i++) if (w[i]! < (VANISH_FACTOR * s) / n) vanished++;
  return { vanishedFraction: vanished / n, essFraction: (s * s) / s2 / n };
}

const perf = (globalThis as { performance?: { now(): number } }).performance;
function nowMs(): number {
  return perf ? perf.now() : Date.now();
}
