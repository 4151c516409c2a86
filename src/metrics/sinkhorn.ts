/**
 * Entropic optimal transport and the Sinkhorn divergence.
 *
 * Convention (it differs between libraries, so it is spelled out):
 *   OT_ε(µ, ν) = min_{P ∈ Π(a, b)} ⟨C, P⟩ + ε·KL(P ‖ a⊗b),   Cᵢⱼ = |xᵢ − yⱼ|²,
 *   KL(P ‖ a⊗b) = Σᵢⱼ Pᵢⱼ log(Pᵢⱼ / (aᵢbⱼ)) − Σᵢⱼ Pᵢⱼ + 1.
 * This is the convention of Genevay et al. (2018) and Feydy et al. (2019, GeomLoss), for which
 * OT_ε ≥ 0 and the Sinkhorn divergence is ≥ 0. POT's `sinkhorn2` (and `sinkhorn`) solve the
 * same problem with the entropy −Σ P log P instead of the KL term (same optimal plan, an
 * objective shifted by ε(H(a) + H(b))), and `sinkhorn2` *returns ⟨C, P⟩ only*. We return both:
 * `cost` = ⟨C, P_ε⟩ (comparable to POT's `sinkhorn2`) and `objective` = OT_ε(µ, ν).
 *
 * Solver: ε-scaling (annealing) by default, as GeomLoss does: the problem is solved at
 * ε₀ = the squared diameter of the data, ε₀/2, ε₀/4, … down to the requested ε, each stage
 * warm-started from the last, then iterated at ε until the marginal error is below `tol`.
 * Two implementations of the same iteration (`domain`):
 * - `'scaling'`: at each stage the kernel Bᵢⱼ = bⱼ·exp((f̂ᵢ + ĝⱼ − Cᵢⱼ)/ε) is built once around
 *   the current potentials (f̂, ĝ) (one exponential per pair, by a log-sum-exp that cannot
 *   overflow), and the iterations are then matrix–vector products on scalings u, v
 *   (f = f̂ + ε log u); scalings that leave [1e−50, 1e50] are absorbed back into (f̂, ĝ) and B
 *   (Schmitzer 2019, "Stabilized sparse scaling algorithms for entropy regularized transport
 *   problems"). Stores one n×m matrix; much faster than exponentials per iteration.
 * - `'log'`: every update is a log-sum-exp over a row or column (2·n·m exponentials per
 *   iteration), O(n + m) memory beyond the optional cost matrix.
 */
import { expNonPositive } from '../backend/exp.js';
import { InputError } from '../core/errors.js';
import { fsum } from '../core/math.js';
import type { ParticleMeasure } from '../core/measure.js';
import { checkInteger, checkNonNegative, checkPositive } from '../core/validate.js';
import { checkMeasurePair, coordinateRanges, costRow } from './w2.js';

/** ε-scaling: solve at ε₀ = epsStart, ε₀·factor, ε₀·factor², … before the target ε. */
export interface SinkhornAnnealing {
  /** First ε. Default: the squared diameter of the bounding box of both supports (≥ max Cᵢⱼ); reported as `epsStart`. */
  epsStart?: number;
  /** Ratio between consecutive ε, in (0, 1). Default 0.5. */
  factor?: number;
  /**
   * Most Sinkhorn iterations at each intermediate ε. Default: 1 in the `'log'` domain (as in
   * GeomLoss), 10 in the `'scaling'` domain (where an iteration costs a matrix–vector product
   * and a stage's setup costs the exponentials). A stage also ends once its marginal error is
   * below 1e−3.
   */
  itersPerStage?: number;
}

/** Options of {@link sinkhorn} and {@link sinkhornDivergence}: the regularisation ε (in units of the squared cost |x − y|²), stopping rule and ε-annealing. */
export interface SinkhornOptions {
  /** Entropic regularisation ε > 0, in units of the cost |x − y|² (required). */
  eps: number;
  /**
   * Most Sinkhorn iterations (one f- and one g-update each), annealing stages included; the
   * last one is always at the target ε. Default 3000. When it is reached first, the result
   * says `converged: false`.
   */
  maxIter?: number;
  /**
   * Stop when the L1 marginal violation ‖P1 − a‖₁ + ‖Pᵀ1 − b‖₁ of the plan is ≤ tol (the
   * masses are 1, so this is the fraction of mass misplaced). Default 1e-4 (OTT-JAX's default
   * threshold is 1e-3; POT's is 1e-9 with 1000 iterations, which small ε rarely reaches).
   * The dual objective's error is second order in this violation.
   */
  tol?: number;
  /** ε-scaling: `true` for the defaults, `false` to iterate at ε from zero potentials, or the settings. Default on. */
  annealing?: boolean | SinkhornAnnealing;
  /**
   * Cost matrix handling: `'dense'` stores the one n×m matrix, `'stream'` recomputes each row
   * of costs when needed (O(m) memory, d flops more per entry); `'auto'` (default) stores it
   * in the `'log'` domain when n·m ≤ 2²³ (64 MiB), and never in the `'scaling'` domain
   * (whose iterations do not read costs). Results are identical.
   */
  costStorage?: 'auto' | 'dense' | 'stream';
  /**
   * `'scaling'` (stabilised kernel, one n×m matrix), `'log'` (log-sum-exp updates, streaming);
   * `'auto'` (default): `'scaling'` when n·m ≤ 2²⁴ (128 MiB), else `'log'`. Both converge to the
   * same potentials; see the module comment.
   */
  domain?: 'auto' | 'scaling' | 'log';
}

/** Result of {@link sinkhorn}: `cost` = ⟨C, P_ε⟩ and `objective` = OT_ε, both squared-distance quantities (C = |x − y|²), with the dual potentials and convergence information. */
export interface SinkhornResult {
  /** Primal transport cost ⟨C, P_ε⟩ = Σᵢⱼ Pᵢⱼ|xᵢ − yⱼ|² of the entropic plan (POT's `sinkhorn2` value). */
  cost: number;
  /**
   * Entropic objective OT_ε(µ, ν), evaluated as the dual value
   * ⟨a, f⟩ + ⟨b, g⟩ − ε(Σᵢⱼ Pᵢⱼ − 1) (a lower bound for any (f, g), exact at convergence, with an
   * error quadratic in the marginal violation).
   */
  objective: number;
  /** Sinkhorn iterations done (annealing stages included). */
  iterations: number;
  /** True when the marginal violation reached `tol` at the target ε within `maxIter`. */
  converged: boolean;
  /** ‖P1 − a‖₁ + ‖Pᵀ1 − b‖₁ of the returned plan, measured after the last iteration. */
  marginalError: number;
  /** The target ε. */
  eps: number;
  /** The first ε of the annealing schedule (equal to `eps` without annealing). */
  epsStart: number;
  /** The implementation used (see `SinkhornOptions.domain`). */
  domain: 'scaling' | 'log';
  /** Dual potentials f `[n]`, g `[m]`: Pᵢⱼ = aᵢbⱼ exp((fᵢ + gⱼ − Cᵢⱼ)/ε). */
  f: Float64Array;
  g: Float64Array;
}

/** Result of {@link sinkhornDivergence}: S_ε(µ, ν) (a squared-distance quantity, → W₂² as ε → 0) and the three OT_ε terms it is made of. */
export interface SinkhornDivergenceResult {
  /** S_ε(µ, ν) = OT_ε(µ, ν) − ½OT_ε(µ, µ) − ½OT_ε(ν, ν). */
  divergence: number;
  /** True when all three Sinkhorn problems converged. */
  converged: boolean;
  /** The largest marginal error ‖P1 − a‖₁ + ‖Pᵀ1 − b‖₁ of the three plans. */
  marginalError: number;
  /** Sinkhorn iterations of the three problems together. */
  iterations: number;
  /** The three problems: (µ, ν), (µ, µ), (ν, ν). */
  xy: SinkhornResult;
  xx: SinkhornResult;
  yy: SinkhornResult;
}

/** Largest n·m for which `costStorage: 'auto'` stores the cost matrix in the log domain. */
const DENSE_LIMIT = 2 ** 23;
/** Largest n·m for which `domain: 'auto'` uses the scaling domain (its n×m kernel matrix). */
const SCALING_LIMIT = 2 ** 24;
/** Scalings beyond [1/ABSORB, ABSORB] are absorbed into the potentials. */
const ABSORB = 1e50;
/** An intermediate ε-stage ends once its marginal error is below this. */
const STAGE_TOL = 1e-3;
/** Plain iterations at the target ε before over-relaxation, and the window of its rate estimate. */
const WARMUP = 10;
const RATE_WINDOW = 10;
/** Largest rate θ of plain Sinkhorn assumed by the over-relaxation (ω ≤ 2/(1 + √(1 − θ)) ≈ 1.98). */
const MAX_THETA = 0.9999;

/** Defaults of `SinkhornOptions`, for documentation and the CLI. */
export const SINKHORN_DEFAULTS = { maxIter: 3000, tol: 1e-4, factor: 0.5 } as const;

interface Resolved {
  eps: number;
  maxIter: number;
  tol: number;
  annealing: { epsStart: number | undefined; factor: number; itersPerStage: number | undefined } | null;
  costStorage: 'auto' | 'dense' | 'stream';
  domain: 'auto' | 'scaling' | 'log';
}

function resolveOptions(opts: SinkhornOptions | undefined): Resolved {
  if (opts === null || typeof opts !== 'object') throw new InputError('opts', opts, 'an options object with eps > 0');
  const eps = checkPositive('opts.eps', opts.eps);
  const maxIter = opts.maxIter === undefined ? SINKHORN_DEFAULTS.maxIter : checkInteger('opts.maxIter', opts.maxIter, 1);
  const tol = opts.tol === undefined ? SINKHORN_DEFAULTS.tol : checkNonNegative('opts.tol', opts.tol);
  let annealing: Resolved['annealing'] = null;
  const an = opts.annealing ?? true;
  if (an === true || (an !== false && an !== null && typeof an === 'object')) {
    const o: SinkhornAnnealing = an === true ? {} : an;
    const factor = o.factor === undefined ? SINKHORN_DEFAULTS.factor : checkPositive('opts.annealing.factor', o.factor);
    if (factor >= 1) throw new InputError('opts.annealing.factor', factor, 'a number in (0, 1)');
    const epsStart = o.epsStart === undefined ? undefined : checkPositive('opts.annealing.epsStart', o.epsStart);
    const itersPerStage = o.itersPerStage === undefined ? undefined : checkInteger('opts.annealing.itersPerStage', o.itersPerStage, 1);
    annealing = { epsStart, factor, itersPerStage };
  } else if (an !== false) {
    throw new InputError('opts.annealing', an, 'a boolean or {epsStart?, factor?, itersPerStage?}');
  }
  const costStorage = opts.costStorage ?? 'auto';
  if (costStorage !== 'auto' && costStorage !== 'dense' && costStorage !== 'stream') {
    throw new InputError('opts.costStorage', costStorage, "'auto', 'dense' or 'stream'");
  }
  const domain = opts.domain ?? 'auto';
  if (domain !== 'auto' && domain !== 'scaling' && domain !== 'log') {
    throw new InputError('opts.domain', domain, "'auto', 'scaling' or 'log'");
  }
  return { eps, maxIter, tol, annealing, costStorage, domain };
}

/**
 * Entropic optimal transport between µ = Σᵢ aᵢδ_{xᵢ} (`mu.X [n, d]`, `mu.w = a [n]`) and
 * ν = Σⱼ bⱼδ_{yⱼ} (`nu.X [m, d]`, `nu.w = b [m]`):
 *   OT_ε(µ, ν) = min_{P ∈ Π(a, b)} ⟨C, P⟩ + ε·KL(P ‖ a⊗b),   Cᵢⱼ = |xᵢ − yⱼ|²,
 * solved by Sinkhorn's alternating dual updates
 *   fᵢ ← −ε log Σⱼ bⱼ exp((gⱼ − Cᵢⱼ)/ε),   gⱼ ← −ε log Σᵢ aᵢ exp((fᵢ − Cᵢⱼ)/ε),
 * with ε-scaling and a stabilised kernel (see the module comment), until the L1 marginal
 * error ‖P1 − a‖₁ + ‖Pᵀ1 − b‖₁ ≤ `tol`; `converged` says whether it got there within
 * `maxIter` (check it: an unconverged plan's cost can be far from OT_ε). The plan is
 * Pᵢⱼ = aᵢbⱼ exp((fᵢ + gⱼ − Cᵢⱼ)/ε).
 * Returns `cost` = ⟨C, P⟩ (what POT's `sinkhorn2` returns) and `objective` = OT_ε (POT's
 * entropy convention differs from ours by ε(H(a) + H(b)); see the module comment).
 * Bounds used in the tests: W₂² ≤ OT_ε ≤ W₂² + ε·log min(n, m) and W₂² ≤ cost ≤ OT_ε.
 * Cost per iteration O(n·m) (scaling domain, plus O(n·m·d) and n·m exponentials per ε-stage)
 * or O(n·m·d) with 2·n·m exponentials (log domain).
 *
 * @example sinkhorn(mu, nu, { eps: 0.01 }).cost
 * @throws InputError for invalid measures (see `w2Squared`) or options (eps ≤ 0, …).
 */
export function sinkhorn(mu: ParticleMeasure, nu: ParticleMeasure, opts: SinkhornOptions): SinkhornResult {
  checkMeasurePair(mu, nu);
  return solve(mu, nu, resolveOptions(opts));
}

/**
 * Sinkhorn divergence (Genevay, Peyré & Cuturi 2018; Feydy et al. 2019):
 *   S_ε(µ, ν) = OT_ε(µ, ν) − ½ OT_ε(µ, µ) − ½ OT_ε(ν, ν),
 * with OT_ε the entropic objective of `sinkhorn` (KL relative to a⊗b, cost |x − y|², so S_ε
 * is in squared units of x). S_ε ≥ 0, S_ε(µ, µ) = 0, and S_ε → W₂²(µ, ν) as ε → 0
 * (|S_ε − W₂²| ≤ ε·log max(n, m)), while S_ε → |Σᵢaᵢxᵢ − Σⱼbⱼyⱼ|² (squared distance of the
 * means) as ε → ∞.
 * Three Sinkhorn problems; the symmetric ones (µ, µ) and (ν, ν) are solved by the averaged
 * iteration f ← ½(f + T(f)) with g = f (GeomLoss), which avoids the slow oscillation of
 * alternating updates there. `converged` is true only when all three reached `tol`;
 * `marginalError` is the largest of their marginal errors. `mu.X [n, d]`, `nu.X [m, d]`.
 */
export function sinkhornDivergence(mu: ParticleMeasure, nu: ParticleMeasure, opts: SinkhornOptions): SinkhornDivergenceResult {
  checkMeasurePair(mu, nu);
  const o = resolveOptions(opts);
  const xy = solve(mu, nu, o);
  const xx = solve(mu, mu, o, true);
  const yy = solve(nu, nu, o, true);
  return {
    divergence: xy.objective - 0.5 * xx.objective - 0.5 * yy.objective,
    converged: xy.converged && xx.converged && yy.converged,
    marginalError: Math.max(xy.marginalError, xx.marginalError, yy.marginalError),
    iterations: xy.iterations + xx.iterations + yy.iterations,
    xy,
    xx,
    yy,
  };
}

/** Squared diameter of the bounding box of both supports (an upper bound on max Cᵢⱼ). */
function boxDiameterSq(X: Float64Array, Y: Float64Array, n: number, m: number, d: number): number {
  let s = 0;
  for (const r of coordinateRanges(X, Y, n, m, d)) s += r * r;
  return s;
}

/** The problem data shared by both domains. */
interface Problem {
  n: number;
  m: number;
  d: number;
  X: Float64Array;
  Y: Float64Array;
  a: Float64Array;
  b: Float64Array;
  la: Float64Array;
  lb: Float64Array;
  /** Writes row i of C into out[0 .. m), or returns the stored matrix and offset. */
  row: (i: number) => { buf: Float64Array; off: number };
}

/** Where an iteration loop stopped: the potentials (f, g) and the iteration count. */
interface LoopState {
  f: Float64Array;
  g: Float64Array;
  iterations: number;
  converged: boolean;
  /** Index into the stage list of the first stage not yet done (stages.length = at ε). */
  stage: number;
}

function solve(mu: ParticleMeasure, nu: ParticleMeasure, o: Resolved, symmetric = false): SinkhornResult {
  const n = mu.n;
  const m = nu.n;
  const d = mu.d;
  const X = mu.X;
  const Y = nu.X;
  const a = mu.w;
  const b = nu.w;
  const eps = o.eps;
  const domain = o.domain === 'auto' ? (n * m <= SCALING_LIMIT ? 'scaling' : 'log') : o.domain;

  const dense = o.costStorage === 'dense' || (o.costStorage === 'auto' && domain === 'log' && n * m <= DENSE_LIMIT);
  let Cd: Float64Array | null = null;
  if (dense) {
    Cd = new Float64Array(n * m);
    for (let i = 0; i < n; i++) costRow(X, Y, i, m, d, Cd, i * m);
  }
  const scratch = new Float64Array(m);
  const view: { buf: Float64Array; off: number } = { buf: scratch, off: 0 };
  const row = (i: number) => {
    if (Cd) {
      view.buf = Cd;
      view.off = i * m;
    } else {
      costRow(X, Y, i, m, d, scratch, 0);
      view.buf = scratch;
      view.off = 0;
    }
    return view;
  };
  const la = new Float64Array(n);
  const lb = new Float64Array(m);
  for (let i = 0; i < n; i++) la[i] = Math.log(a[i]!);
  for (let j = 0; j < m; j++) lb[j] = Math.log(b[j]!);
  const P: Problem = { n, m, d, X, Y, a, b, la, lb, row };

  // ε schedule.
  let epsStart = eps;
  const stages: number[] = [];
  if (o.annealing) {
    epsStart = o.annealing.epsStart ?? boxDiameterSq(X, Y, n, m, d);
    for (let e = epsStart; e > eps; e *= o.annealing.factor) stages.push(e);
    if (stages.length === 0) epsStart = eps;
  }

  const init: LoopState = { f: new Float64Array(n), g: symmetric ? new Float64Array(0) : new Float64Array(m), iterations: 0, converged: false, stage: 0 };
  let st = init;
  let used: 'scaling' | 'log' = domain;
  if (domain === 'scaling') {
    const r = scalingLoop(P, o, stages, symmetric, st);
    st = r.state;
    // The stabilised kernel could not continue (a column underflowed): finish in the log domain.
    if (!r.done) used = 'log';
  }
  if (used === 'log') st = logLoop(P, o, stages, symmetric, st);
  const f = st.f;
  let g = symmetric ? st.f : st.g;
  if (!symmetric) fillZeroWeightPotentials(P, eps, f, g);
  let ev = evaluate(P, eps, f, g);
  if (!st.converged || !Number.isFinite(ev.objective) || !Number.isFinite(ev.marginalError)) {
    // Stopped early: potentials that are not each other's c-transforms at ε can make the plan
    // overflow. g ← T_a(f) makes every column exact (Pᵢⱼ ≤ bⱼ), so the reported plan, cost and
    // dual value (a lower bound on OT_ε) are finite; the marginal error is the rows' alone.
    const gc = cTransformColumns(P, eps, f);
    const ev2 = evaluate(P, eps, f, gc);
    if (!Number.isFinite(ev.objective) || !Number.isFinite(ev.marginalError) || ev2.marginalError <= ev.marginalError) {
      g = gc;
      ev = ev2;
    }
  }
  return {
    cost: ev.cost,
    objective: ev.objective,
    iterations: st.iterations,
    // The stopping rule holds for the plan returned (also when the final c-transform of an
    // unconverged run happened to bring its marginal error below tol).
    converged: st.converged || ev.marginalError <= o.tol,
    marginalError: ev.marginalError,
    eps,
    epsStart,
    domain: used,
    f: f.slice(),
    g: g.slice(),
  };
}

// ---------------------------------------------------------------- log domain

/**
 * Log-sum-exp updates (2·n·m exponentials per iteration), continuing from `st`: the
 * remaining ε-stages with `itersPerStage` (default 1) iterations each, then the target ε.
 */
function logLoop(P: Problem, o: Resolved, stages: number[], symmetric: boolean, st: LoopState): LoopState {
  const { n, m, a, la, lb, row } = P;
  const eps = o.eps;
  let f = st.f;
  let g = symmetric ? f : st.g;
  let fNew: Float64Array = new Float64Array(n);
  let gNew: Float64Array = new Float64Array(m);
  const tmp = new Float64Array(m);
  const gb = new Float64Array(m);
  const colMax = new Float64Array(m);
  const colSum = new Float64Array(m);

  /** fNew ← T_b(g) at ε = e; returns ‖P(f, g)1 − a‖₁, the row violation of the current plan. */
  const updateF = (e: number): number => {
    const inv = 1 / e;
    for (let j = 0; j < m; j++) gb[j] = lb[j]! + g[j]! * inv;
    let err = 0;
    for (let i = 0; i < n; i++) {
      const { buf, off } = row(i);
      let mx = -Infinity;
      for (let j = 0; j < m; j++) {
        const t = gb[j]! - buf[off + j]! * inv;
        tmp[j] = t;
        if (t > mx) mx = t;
      }
      let s = 0;
      for (let j = 0; j < m; j++) s += Math.exp(tmp[j]! - mx);
      const fi = -e * (mx + Math.log(s));
      fNew[i] = fi;
      if (a[i]! > 0) err += a[i]! * Math.abs(Math.exp((f[i]! - fi) * inv) - 1);
    }
    return err;
  };

  /** gNew ← T_a(f) at ε = e, by an online (running-max) log-sum-exp down each column. */
  const updateG = (e: number): void => {
    const inv = 1 / e;
    colMax.fill(-Infinity);
    colSum.fill(0);
    for (let i = 0; i < n; i++) {
      if (a[i] === 0) continue;
      const { buf, off } = row(i);
      const fa = la[i]! + f[i]! * inv;
      for (let j = 0; j < m; j++) {
        const t = fa - buf[off + j]! * inv;
        const c = colMax[j]!;
        if (t > c) {
          colSum[j] = colSum[j]! * Math.exp(c - t) + 1;
          colMax[j] = t;
        } else {
          colSum[j] = colSum[j]! + Math.exp(t - c);
        }
      }
    }
    for (let j = 0; j < m; j++) gNew[j] = -e * (colMax[j]! + Math.log(colSum[j]!));
  };

  const perStage = o.annealing?.itersPerStage ?? 1;
  let iterations = st.iterations;
  let converged = false;
  if (symmetric) {
    // µ = ν: the optimal potentials coincide (f = g), and the averaged fixed-point iteration
    // f ← ½(f + T(f)) converges much faster than alternating updates, which oscillate here
    // (Feydy et al. 2019, §3.1). The row error of P(f, f) is also its column error.
    for (let k = st.stage; k < stages.length; k++) {
      const e = stages[k]!;
      for (let r = 0; r < perStage && iterations < o.maxIter - 1; r++) {
        updateF(e);
        for (let i = 0; i < n; i++) f[i] = 0.5 * (f[i]! + fNew[i]!);
        iterations++;
      }
    }
    while (iterations <= o.maxIter) {
      const err = updateF(eps);
      if (2 * err <= o.tol) {
        converged = true;
        break;
      }
      if (iterations === o.maxIter) break;
      for (let i = 0; i < n; i++) f[i] = 0.5 * (f[i]! + fNew[i]!);
      iterations++;
    }
    return { f, g: f, iterations, converged, stage: stages.length };
  }
  for (let k = st.stage; k < stages.length; k++) {
    const e = stages[k]!;
    for (let r = 0; r < perStage && iterations < o.maxIter - 1; r++) {
      updateF(e);
      [f, fNew] = [fNew, f];
      updateG(e);
      [g, gNew] = [gNew, g];
      iterations++;
    }
  }
  // Target ε: iterate until the plan (f, g) — whose columns are exact after a g-update at
  // this ε — has row violation ≤ tol.
  let gAtEps = false;
  while (iterations <= o.maxIter) {
    const err = updateF(eps);
    if (gAtEps && err <= o.tol) {
      converged = true;
      break;
    }
    if (iterations === o.maxIter) break;
    [f, fNew] = [fNew, f];
    updateG(eps);
    [g, gNew] = [gNew, g];
    gAtEps = true;
    iterations++;
  }
  return { f, g, iterations, converged, stage: stages.length };
}

// ---------------------------------------------------------------- scaling domain

/**
 * The stabilised-kernel iteration. Per ε-stage: absorb the scalings into (f̂, ĝ), rebuild
 * Bᵢⱼ = bⱼ exp((f̂ᵢ + ĝⱼ − Cᵢⱼ)/ε) around them (with f̂ the exact f-update, so each row of B
 * sums to 1 and nothing overflows), then iterate u ← 1/(B v), v ← b/(Bᵀ(a∘u)) (symmetric:
 * u ← √(u/(B u)) with Bᵢⱼ = aⱼ exp((f̂ᵢ + f̂ⱼ − Cᵢⱼ)/ε)). `done` is false when a column of B
 * underflowed entirely (the state then holds valid potentials for the log domain to go on).
 */
function scalingLoop(P: Problem, o: Resolved, stages: number[], symmetric: boolean, st: LoopState): { state: LoopState; done: boolean } {
  const { n, m, a, b, lb, row } = P;
  const eps = o.eps;
  const f = st.f;
  const g = symmetric ? f : st.g;
  const B = new Float64Array(n * m);
  const u = new Float64Array(n).fill(1);
  const v = symmetric ? u : new Float64Array(m).fill(1);
  const s = new Float64Array(n);
  const col = new Float64Array(m);
  const au = new Float64Array(n);
  const perStage = o.annealing?.itersPerStage ?? 10;
  let iterations = st.iterations;
  let eCur = 0;

  /** f̂ += ε log u, ĝ += ε log v, u = v = 1 (B must be rebuilt or rescaled by the caller). */
  const absorb = (): void => {
    if (eCur === 0) return;
    for (let i = 0; i < n; i++) {
      f[i]! += eCur * Math.log(u[i]!);
      u[i] = 1;
    }
    if (!symmetric)
      for (let j = 0; j < m; j++) {
        if (b[j]! > 0) g[j]! += eCur * Math.log(v[j]!);
        v[j] = 1;
      }
  };

  /** v ← b / Bᵀ(a∘u); false when a column with bⱼ > 0 has underflowed to 0. */
  const updateV = (): boolean => {
    for (let i = 0; i < n; i++) au[i] = a[i]! * u[i]!;
    col.fill(0);
    for (let i = 0; i < n; i++) {
      const c = au[i]!;
      if (c === 0) continue;
      const off = i * m;
      for (let j = 0; j < m; j++) col[j]! += c * B[off + j]!;
    }
    for (let j = 0; j < m; j++) {
      const bj = b[j]!;
      if (bj === 0) continue;
      const cj = col[j]!;
      if (!(cj > 0) || !Number.isFinite(cj)) return false;
      v[j] = bj / cj;
    }
    return true;
  };

  /** Rebuild B at ε = e around the absorbed potentials; false on an underflowed column. */
  const rebuild = (e: number): boolean => {
    absorb();
    eCur = e;
    const inv = 1 / e;
    if (symmetric) {
      for (let i = 0; i < n; i++) {
        const { buf, off } = row(i);
        const fi = f[i]!;
        const bo = i * m;
        let rs = 0;
        for (let j = 0; j < m; j++) {
          const t = (fi + f[j]! - buf[off + j]!) * inv;
          // t ≤ 0 up to the potentials' growth between stages; clamp keeps exp finite.
          const k = t <= 0 ? expNonPositive(t) : Math.exp(t);
          const val = a[j]! * k;
          B[bo + j] = val;
          rs += val;
        }
        if (!(rs > 0) || !Number.isFinite(rs)) return false;
      }
      return true;
    }
    for (let i = 0; i < n; i++) {
      const { buf, off } = row(i);
      const bo = i * m;
      let mx = -Infinity;
      for (let j = 0; j < m; j++) {
        const t = lb[j]! + (g[j]! - buf[off + j]!) * inv;
        B[bo + j] = t;
        if (t > mx) mx = t;
      }
      let sum = 0;
      for (let j = 0; j < m; j++) {
        const k = expNonPositive(B[bo + j]! - mx);
        B[bo + j] = k;
        sum += k;
      }
      const r = 1 / sum;
      for (let j = 0; j < m; j++) B[bo + j]! *= r;
      f[i] = -e * (mx + Math.log(sum));
    }
    return updateV();
  };

  /** One f-update; returns the row error Σᵢ aᵢ|uᵢ(Bv)ᵢ − 1| of the plan before it. Leaves (Bv) in s. */
  const rowSums = (): number => {
    let err = 0;
    for (let i = 0; i < n; i++) {
      const off = i * m;
      let t = 0;
      for (let j = 0; j < m; j++) t += B[off + j]! * v[j]!;
      s[i] = t;
      if (a[i]! > 0) err += a[i]! * Math.abs(u[i]! * t - 1);
    }
    return err;
  };

  /** Absorb scalings outside [1/ABSORB, ABSORB] into (f̂, ĝ) and B without new exponentials. */
  const maybeAbsorb = (): void => {
    let out = false;
    for (let i = 0; i < n && !out; i++) if (a[i]! > 0 && !(u[i]! < ABSORB && u[i]! > 1 / ABSORB)) out = true;
    if (!symmetric) for (let j = 0; j < m && !out; j++) if (b[j]! > 0 && !(v[j]! < ABSORB && v[j]! > 1 / ABSORB)) out = true;
    if (!out) return;
    for (let i = 0; i < n; i++) {
      const off = i * m;
      const ui = u[i]!;
      for (let j = 0; j < m; j++) B[off + j]! *= ui * v[j]!;
    }
    absorb();
  };

  /**
   * One iteration at the current ε, checking the plan on the way. Symmetric: measures the
   * row error of P(u, u), stops when ≤ tol, else (when `apply`) u ← √(u/(B u)).
   * Otherwise: u ← u·(1/(u∘Bv))^ω (u ← 1/(Bv) at ω = 1), measures both marginal errors of
   * the plan (u, v), stops when their sum is ≤ tol, else v ← v·(b/(v∘Bᵀ(a∘u)))^ω. ω > 1 is
   * over-relaxation (Thibault et al. 2017); the plain iteration is ω = 1.
   * Returns the measured L1 marginal error (NaN when a column underflowed).
   */
  const iterate = (tol: number, apply: boolean, omega: number): { stop: boolean; ok: boolean; err: number } => {
    if (symmetric) {
      const err = 2 * rowSums();
      if (err <= tol) return { stop: true, ok: true, err };
      if (!apply) return { stop: false, ok: true, err };
      for (let i = 0; i < n; i++) {
        const si = s[i]!;
        u[i] = si > 0 ? Math.sqrt(u[i]! / si) : u[i]!;
      }
      maybeAbsorb();
      return { stop: false, ok: true, err };
    }
    // One pass over B: row i's product with v gives uᵢ, then row i adds aᵢuᵢBᵢ to Bᵀ(a∘u)
    // while it is still in cache.
    let rowErr = 0;
    col.fill(0);
    for (let i = 0; i < n; i++) {
      const off = i * m;
      let t = 0;
      for (let j = 0; j < m; j++) t += B[off + j]! * v[j]!;
      if (apply && t > 0) u[i] = omega === 1 ? 1 / t : u[i]! * (u[i]! * t) ** -omega;
      const ai = a[i]!;
      if (ai === 0) continue;
      const ui = u[i]!;
      rowErr += ai * Math.abs(ui * t - 1);
      const c = ai * ui;
      for (let j = 0; j < m; j++) col[j]! += c * B[off + j]!;
    }
    let colErr = 0;
    for (let j = 0; j < m; j++) colErr += Math.abs(v[j]! * col[j]! - b[j]!);
    const err = rowErr + colErr;
    if (err <= tol) return { stop: true, ok: true, err };
    if (!apply) return { stop: false, ok: true, err };
    for (let j = 0; j < m; j++) {
      const bj = b[j]!;
      if (bj === 0) continue;
      const cj = col[j]!;
      if (!(cj > 0) || !Number.isFinite(cj)) return { stop: false, ok: false, err: Number.NaN };
      v[j] = omega === 1 ? bj / cj : v[j]! * (bj / (v[j]! * cj)) ** omega;
    }
    maybeAbsorb();
    return { stop: false, ok: true, err };
  };

  const bail = (stage: number): { state: LoopState; done: boolean } => {
    // Potentials at the last good scalings, for the log domain to continue from this stage.
    absorb();
    return { state: { f, g, iterations, converged: false, stage }, done: false };
  };

  // The last of the maxIter iterations is always one at the target ε, so that the potentials
  // returned belong to ε even when the budget ran out during the annealing.
  for (let k = st.stage; k < stages.length; k++) {
    if (iterations >= o.maxIter - 1) break;
    if (!rebuild(stages[k]!)) return bail(k);
    iterations++;
    for (let r = 1; r < perStage && iterations < o.maxIter - 1; r++) {
      const it = iterate(STAGE_TOL, true, 1);
      if (it.stop) break;
      if (!it.ok) return bail(k + 1);
      iterations++;
    }
  }
  // Target ε: the plan (u, v) has exact columns after each v-update; stop when its rows are within tol.
  let converged = false;
  if (!rebuild(eps)) return bail(stages.length);
  iterations++;
  // Over-relaxation at the target ε. Plain Sinkhorn converges locally like θᵏ; over-relaxed
  // with ω it converges like ρ(ω)ᵏ, fastest at ω* = 2/(1 + √(1 − θ)) with ρ = ω* − 1 (SOR theory,
  // Thibault et al. 2017; Lehmann et al. 2021, eq. 5). θ is not known: every RATE_WINDOW
  // iterations the observed ρ gives θ = ((ρ + ω − 1)/ω)²/ρ (the SOR eigenvalue relation
  // (λ + ω − 1)² = λω²θ), and ω moves up towards ω*. If the error grows tenfold above its
  // best, ω is halved back towards 1.
  let omega = 1;
  let best = Infinity;
  let ref = Number.NaN;
  let since = 0;
  while (true) {
    const it = iterate(o.tol, iterations < o.maxIter, omega);
    if (it.stop) {
      converged = true;
      break;
    }
    if (!it.ok) return bail(stages.length);
    if (iterations >= o.maxIter) break;
    iterations++;
    if (symmetric) continue;
    const err = it.err;
    if (err < best) best = err;
    if (omega > 1 && err > 10 * best) {
      omega = 1 + 0.5 * (omega - 1);
      best = err;
      ref = Number.NaN;
      since = 0;
      continue;
    }
    since++;
    if (since === WARMUP) ref = err;
    else if (since > WARMUP && (since - WARMUP) % RATE_WINDOW === 0) {
      const rho = (err / ref) ** (1 / RATE_WINDOW);
      ref = err;
      if (rho < 1 && rho > omega - 1) {
        const theta = Math.min(MAX_THETA, ((rho + omega - 1) / omega) ** 2 / rho);
        const next = 2 / (1 + Math.sqrt(1 - theta));
        if (next > omega) omega = next;
      }
    }
  }
  absorb();
  return { state: { f, g, iterations, converged, stage: stages.length }, done: true };
}

// ---------------------------------------------------------------- shared

/**
 * Potentials of zero-weight atoms do not enter the plan; give them their c-transform values
 * gⱼ = T_a(f)ⱼ (and fᵢ = T_b(g)ᵢ), as a converged log-domain solver would.
 */
function fillZeroWeightPotentials(P: Problem, eps: number, f: Float64Array, g: Float64Array): void {
  const { n, m, a, b, la, lb, row } = P;
  const inv = 1 / eps;
  const zb: number[] = [];
  for (let j = 0; j < m; j++) if (b[j] === 0) zb.push(j);
  if (zb.length > 0) {
    const mx = new Float64Array(zb.length).fill(-Infinity);
    const sm = new Float64Array(zb.length);
    for (let i = 0; i < n; i++) {
      if (a[i] === 0) continue;
      const { buf, off } = row(i);
      const fa = la[i]! + f[i]! * inv;
      for (let q = 0; q < zb.length; q++) {
        const t = fa - buf[off + zb[q]!]! * inv;
        const c = mx[q]!;
        if (t > c) {
          sm[q] = sm[q]! * Math.exp(c - t) + 1;
          mx[q] = t;
        } else sm[q]! += Math.exp(t - c);
      }
    }
    for (let q = 0; q < zb.length; q++) g[zb[q]!] = -eps * (mx[q]! + Math.log(sm[q]!));
  }
  for (let i = 0; i < n; i++) {
    if (a[i]! > 0) continue;
    const { buf, off } = row(i);
    let mx = -Infinity;
    for (let j = 0; j < m; j++) if (b[j]! > 0) mx = Math.max(mx, lb[j]! + (g[j]! - buf[off + j]!) * inv);
    let s = 0;
    for (let j = 0; j < m; j++) if (b[j]! > 0) s += Math.exp(lb[j]! + (g[j]! - buf[off + j]!) * inv - mx);
    f[i] = -eps * (mx + Math.log(s));
  }
}

/** gⱼ = −ε log Σᵢ aᵢ exp((fᵢ − Cᵢⱼ)/ε) for every j, by a running-max log-sum-exp down the columns. */
function cTransformColumns(P: Problem, eps: number, f: Float64Array): Float64Array {
  const { n, m, a, la, row } = P;
  const inv = 1 / eps;
  const mx = new Float64Array(m).fill(-Infinity);
  const sm = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    if (a[i] === 0) continue;
    const { buf, off } = row(i);
    const fa = la[i]! + f[i]! * inv;
    for (let j = 0; j < m; j++) {
      const t = fa - buf[off + j]! * inv;
      const c = mx[j]!;
      if (t > c) {
        sm[j] = sm[j]! * Math.exp(c - t) + 1;
        mx[j] = t;
      } else sm[j]! += Math.exp(t - c);
    }
  }
  const g = new Float64Array(m);
  for (let j = 0; j < m; j++) g[j] = -eps * (mx[j]! + Math.log(sm[j]!));
  return g;
}

/** The plan P(f, g) at ε: ⟨C, P⟩, the dual objective and the L1 marginal error, from exponentials. */
function evaluate(P: Problem, eps: number, f: Float64Array, g: Float64Array): { cost: number; objective: number; marginalError: number } {
  const { n, m, a, b, la, lb, row } = P;
  const inv = 1 / eps;
  const rowCost = new Float64Array(n);
  const rowMass = new Float64Array(n);
  const colMass = new Float64Array(m);
  const gb = new Float64Array(m);
  for (let j = 0; j < m; j++) gb[j] = lb[j]! + g[j]! * inv;
  for (let i = 0; i < n; i++) {
    if (a[i] === 0) continue;
    const { buf, off } = row(i);
    const fa = la[i]! + f[i]! * inv;
    let sc = 0;
    let sm = 0;
    for (let j = 0; j < m; j++) {
      const c = buf[off + j]!;
      const p = Math.exp(fa + gb[j]! - c * inv);
      sc += p * c;
      sm += p;
      colMass[j]! += p;
    }
    rowCost[i] = sc;
    rowMass[i] = sm;
  }
  const cost = fsum(rowCost);
  const total = fsum(rowMass);
  let marginalError = 0;
  for (let i = 0; i < n; i++) marginalError += Math.abs(rowMass[i]! - a[i]!);
  for (let j = 0; j < m; j++) marginalError += Math.abs(colMass[j]! - b[j]!);
  for (let i = 0; i < n; i++) rowCost[i] = a[i]! > 0 ? a[i]! * f[i]! : 0;
  const af = fsum(rowCost);
  const bgTerms = new Float64Array(m);
  for (let j = 0; j < m; j++) bgTerms[j] = b[j]! > 0 ? b[j]! * g[j]! : 0;
  const objective = af + fsum(bgTerms) - eps * (total - 1);
  return { cost, objective, marginalError };
}
