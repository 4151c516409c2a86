/**
 * Entropic optimal transport in the log domain, and the Sinkhorn divergence.
 *
 * Convention (it differs between libraries, so it is spelled out):
 *   OT_ε(µ, ν) = min_{P ∈ Π(a, b)} ⟨C, P⟩ + ε·KL(P ‖ a⊗b),   Cᵢⱼ = |xᵢ − yⱼ|²,
 *   KL(P ‖ a⊗b) = Σᵢⱼ Pᵢⱼ log(Pᵢⱼ / (aᵢbⱼ)) − Σᵢⱼ Pᵢⱼ + 1.
 * This is the convention of Genevay et al. (2018) and Feydy et al. (2019, GeomLoss), for which
 * OT_ε ≥ 0 and the Sinkhorn divergence is ≥ 0. POT's `sinkhorn2` (and `sinkhorn`) solve the
 * same problem with the entropy −Σ P log P instead of the KL term (same optimal plan, an
 * objective shifted by ε(H(a) + H(b))), and `sinkhorn2` *returns ⟨C, P⟩ only*. We return both:
 * `cost` = ⟨C, P_ε⟩ (comparable to POT's `sinkhorn2`) and `objective` = OT_ε(µ, ν).
 */
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
  /** Sinkhorn iterations at each intermediate ε. Default 1 (as in GeomLoss). */
  itersPerStage?: number;
}

/** Options of {@link sinkhorn} and {@link sinkhornDivergence}: the regularisation ε (in units of the squared cost |x − y|²), stopping rule and ε-annealing. */
export interface SinkhornOptions {
  /** Entropic regularisation ε > 0, in units of the cost |x − y|² (required). */
  eps: number;
  /** Most Sinkhorn iterations (one f- and one g-update each), annealing stages included. Default 1000. */
  maxIter?: number;
  /** Stop when the L1 marginal violation ‖P1 − a‖₁ + ‖Pᵀ1 − b‖₁ ≤ tol. Default 1e-9. */
  tol?: number;
  /** ε-scaling for small ε: `true` for the defaults, or the settings. Default off. */
  annealing?: boolean | SinkhornAnnealing;
  /**
   * Cost matrix handling: `'dense'` stores the one n×m matrix, `'stream'` recomputes each row
   * of costs when needed (O(m) memory, d flops more per entry); `'auto'` (default) stores it
   * when n·m ≤ 2²³ (64 MiB). Results are identical.
   */
  costStorage?: 'auto' | 'dense' | 'stream';
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
  /** The three problems: (µ, ν), (µ, µ), (ν, ν). */
  xy: SinkhornResult;
  xx: SinkhornResult;
  yy: SinkhornResult;
}

/** Largest n·m for which `costStorage: 'auto'` stores the cost matrix. */
const DENSE_LIMIT = 2 ** 23;

interface Resolved {
  eps: number;
  maxIter: number;
  tol: number;
  annealing: { epsStart: number | undefined; factor: number; itersPerStage: number } | null;
  costStorage: 'auto' | 'dense' | 'stream';
}

function resolveOptions(opts: SinkhornOptions | undefined): Resolved {
  if (opts === null || typeof opts !== 'object') throw new InputError('opts', opts, 'an options object with eps > 0');
  const eps = checkPositive('opts.eps', opts.eps);
  const maxIter = opts.maxIter === undefined ? 1000 : checkInteger('opts.maxIter', opts.maxIter, 1);
  const tol = opts.tol === undefined ? 1e-9 : checkNonNegative('opts.tol', opts.tol);
  let annealing: Resolved['annealing'] = null;
  const an = opts.annealing;
  if (an === true || (an !== undefined && an !== false && an !== null)) {
    const o = an === true ? {} : an;
    if (typeof o !== 'object') throw new InputError('opts.annealing', an, 'a boolean or {epsStart?, factor?, itersPerStage?}');
    const factor = o.factor === undefined ? 0.5 : checkPositive('opts.annealing.factor', o.factor);
    if (factor >= 1) throw new InputError('opts.annealing.factor', factor, 'a number in (0, 1)');
    const epsStart = o.epsStart === undefined ? undefined : checkPositive('opts.annealing.epsStart', o.epsStart);
    const itersPerStage = o.itersPerStage === undefined ? 1 : checkInteger('opts.annealing.itersPerStage', o.itersPerStage, 1);
    annealing = { epsStart, factor, itersPerStage };
  } else if (an !== undefined && an !== false) {
    throw new InputError('opts.annealing', an, 'a boolean or {epsStart?, factor?, itersPerStage?}');
  }
  const costStorage = opts.costStorage ?? 'auto';
  if (costStorage !== 'auto' && costStorage !== 'dense' && costStorage !== 'stream') {
    throw new InputError('opts.costStorage', costStorage, "'auto', 'dense' or 'stream'");
  }
  return { eps, maxIter, tol, annealing, costStorage };
}

/**
 * Entropic optimal transport between µ = Σᵢ aᵢδ_{xᵢ} (`mu.X [n, d]`, `mu.w = a [n]`) and
 * ν = Σⱼ bⱼδ_{yⱼ} (`nu.X [m, d]`, `nu.w = b [m]`):
 *   OT_ε(µ, ν) = min_{P ∈ Π(a, b)} ⟨C, P⟩ + ε·KL(P ‖ a⊗b),   Cᵢⱼ = |xᵢ − yⱼ|²,
 * solved by Sinkhorn's alternating dual updates in the log domain,
 *   fᵢ ← −ε log Σⱼ bⱼ exp((gⱼ − Cᵢⱼ)/ε),   gⱼ ← −ε log Σᵢ aᵢ exp((fᵢ − Cᵢⱼ)/ε),
 * with max-shifted log-sum-exp, so any ε > 0 is safe from overflow (small ε converges
 * slowly: use `annealing`). The plan is Pᵢⱼ = aᵢbⱼ exp((fᵢ + gⱼ − Cᵢⱼ)/ε).
 * Returns `cost` = ⟨C, P⟩ (what POT's `sinkhorn2` returns) and `objective` = OT_ε (POT's
 * entropy convention differs from ours by ε(H(a) + H(b)); see the module comment).
 * Bounds used in the tests: W₂² ≤ OT_ε ≤ W₂² + ε·log min(n, m) and W₂² ≤ cost ≤ OT_ε.
 * Cost per iteration O(n·m·d) time (2·n·m exponentials), memory one n×m matrix at most.
 *
 * @example sinkhorn(mu, nu, { eps: 0.01, annealing: true }).cost
 * @throws InputError for invalid measures (see `w2Squared`) or options (eps ≤ 0, …).
 */
export function sinkhorn(mu: ParticleMeasure, nu: ParticleMeasure, opts: SinkhornOptions): SinkhornResult {
  checkMeasurePair(mu, nu);
  return solve(mu, nu, resolveOptions(opts));
}

/**
 * Sinkhorn divergence (Genevay, Peyré & Cuturi 2018; Feydy et al. 2019):
 *   S_ε(µ, ν) = OT_ε(µ, ν) − ½ OT_ε(µ, µ) − ½ OT_ε(ν, ν),
 * with OT_ε the entropic objective of `sinkhorn` (KL relative to a⊗b, cost |x − y|²). S_ε ≥ 0,
 * S_ε(µ, µ) = 0, and S_ε → W₂²(µ, ν) as ε → 0 (|S_ε − W₂²| ≤ ε·log max(n, m)), while
 * S_ε → |Σᵢaᵢxᵢ − Σⱼbⱼyⱼ|² (squared distance of the means) as ε → ∞.
 * Three Sinkhorn problems; the symmetric ones (µ, µ) and (ν, ν) are solved by the averaged
 * iteration f ← ½(f + T(f)) with g = f (GeomLoss), which avoids the slow oscillation of
 * alternating updates there. Cost O((n + m)²·d) per iteration. `mu.X [n, d]`, `nu.X [m, d]`.
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

function solve(mu: ParticleMeasure, nu: ParticleMeasure, o: Resolved, symmetric = false): SinkhornResult {
  const n = mu.n;
  const m = nu.n;
  const d = mu.d;
  const X = mu.X;
  const Y = nu.X;
  const a = mu.w;
  const b = nu.w;
  const eps = o.eps;

  const dense = o.costStorage === 'dense' || (o.costStorage === 'auto' && n * m <= DENSE_LIMIT);
  let Cd: Float64Array | null = null;
  if (dense) {
    Cd = new Float64Array(n * m);
    for (let i = 0; i < n; i++) costRow(X, Y, i, m, d, Cd, i * m);
  }
  const scratch = dense ? null : new Float64Array(m);
  // Row i of C lives in buf[off .. off + m).
  let buf: Float64Array = Cd ?? scratch!;
  let off = 0;
  const loadRow = (i: number): void => {
    if (Cd) {
      buf = Cd;
      off = i * m;
    } else {
      costRow(X, Y, i, m, d, scratch!, 0);
      buf = scratch!;
      off = 0;
    }
  };

  const la = new Float64Array(n);
  const lb = new Float64Array(m);
  for (let i = 0; i < n; i++) la[i] = Math.log(a[i]!);
  for (let j = 0; j < m; j++) lb[j] = Math.log(b[j]!);

  let f = new Float64Array(n);
  let g = new Float64Array(m);
  let fNew = new Float64Array(n);
  let gNew = new Float64Array(m);
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
      loadRow(i);
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
      loadRow(i);
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

  // ε schedule.
  let epsStart = eps;
  const stages: number[] = [];
  if (o.annealing) {
    epsStart = o.annealing.epsStart ?? boxDiameterSq(X, Y, n, m, d);
    for (let e = epsStart; e > eps; e *= o.annealing.factor) stages.push(e);
    if (stages.length === 0) epsStart = eps;
  }

  let iterations = 0;
  let converged = false;
  if (symmetric) {
    // µ = ν: the optimal potentials coincide (f = g), and the averaged fixed-point iteration
    // f ← ½(f + T(f)) converges much faster than alternating updates, which oscillate here
    // (Feydy et al. 2019, §3.1). The row error of P(f, f) is also its column error.
    g = f;
    for (const e of stages) {
      for (let r = 0; r < o.annealing!.itersPerStage && iterations < o.maxIter; r++) {
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
  } else {
    for (const e of stages) {
      for (let r = 0; r < o.annealing!.itersPerStage && iterations < o.maxIter; r++) {
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
  }

  // Evaluate the plan P(f, g): ⟨C, P⟩, its mass and both marginals.
  const inv = 1 / eps;
  const rowCost = new Float64Array(n);
  const rowMass = new Float64Array(n);
  const colMass = colSum;
  colMass.fill(0);
  for (let j = 0; j < m; j++) gb[j] = lb[j]! + g[j]! * inv;
  for (let i = 0; i < n; i++) {
    if (a[i] === 0) continue;
    loadRow(i);
    const fa = la[i]! + f[i]! * inv;
    let sc = 0;
    let sm = 0;
    for (let j = 0; j < m; j++) {
      const c = buf[off + j]!;
      const p = Math.exp(fa + gb[j]! - c * inv);
      sc += p * c;
      sm += p;
      colMass[j] = colMass[j]! + p;
    }
    rowCost[i] = sc;
    rowMass[i] = sm;
  }
  const cost = fsum(rowCost);
  const total = fsum(rowMass);
  let marginalError = 0;
  for (let i = 0; i < n; i++) marginalError += Math.abs(rowMass[i]! - a[i]!);
  for (let j = 0; j < m; j++) marginalError += Math.abs(colMass[j]! - b[j]!);
  for (let i = 0; i < n; i++) rowCost[i] = a[i]! * f[i]!;
  const af = fsum(rowCost);
  const bgTerms = new Float64Array(m);
  for (let j = 0; j < m; j++) bgTerms[j] = b[j]! * g[j]!;
  const objective = af + fsum(bgTerms) - eps * (total - 1);

  return { cost, objective, iterations, converged, marginalError, eps, epsStart, f: f.slice(), g: g === f ? f.slice() : g.slice() };
}
