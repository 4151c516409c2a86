/**
 * Exact squared 2-Wasserstein distance between weighted discrete measures.
 *
 * Three exact solvers, chosen by `method` (default `'auto'`):
 * - `'sorted'`: d = 1 only, by matching quantile functions (O((n + m) log(n + m))).
 * - `'assignment'`: n = m and uniform weights on both sides: a Jonker–Volgenant shortest
 *   augmenting path solver (augmenting row reduction, then Dijkstra augmentation with dual
 *   potentials; O(n³) worst case) started from the prices of an ε-scaling auction.
 * - `'networkSimplex'`: any weights: the primal network simplex on the complete bipartite
 *   graph, after LEMON's `NetworkSimplex` (Kovács 2015) as used by POT's `emd` (Bonneel et
 *   al. 2011): spanning-tree bases stored as parent / thread / subtree-size arrays, block-search
 *   pivot rule (blocks of √(nm) arcs), LEMON's leaving-arc tie-break, entering threshold
 *   −1e-13·max C. Differences: no artificial root (the first basis is the north-west corner
 *   rule on the atoms sorted along the widest coordinate, exact in 1-D and a good start
 *   otherwise), and at the end flows are recomputed from the supplies and potentials from the
 *   tree, so marginals and complementary slackness hold to rounding whatever the pivots did.
 *
 * Costs are |xᵢ − yⱼ|² summed coordinate by coordinate (never |x|² + |y|² − 2⟨x, y⟩, which
 * cancels badly for nearby points far from the origin).
 */
import { InputError } from '../core/errors.js';
import { fsum } from '../core/math.js';
import type { ParticleMeasure } from '../core/measure.js';
import { checkSameDim, checkWeights } from '../core/measure.js';
import { checkAllFinite, checkInteger, checkShape } from '../core/validate.js';

/** Which exact solver computes W₂². */
export type W2Method = 'auto' | 'sorted' | 'assignment' | 'networkSimplex';

/** Options of {@link w2Squared}, {@link w2} and {@link optimalPlan}. */
export interface W2Options {
  /**
   * `'auto'` (default): `'sorted'` when d = 1, else `'assignment'` when n = m and both
   * weight vectors are uniform (|wᵢ·n − 1| ≤ 1e-12), else `'networkSimplex'`.
   */
  method?: W2Method;
  /**
   * Network simplex only: the most pivots before giving up with an Error. Default
   * max(10⁵, 1000·(n + m)), about 100× the pivots seen on random data (≈ 10–25·(n + m)).
   */
  maxIter?: number;
}

/**
 * A sparse optimal transport plan P = Σₖ massₖ δ_{(iₖ, jₖ)} with its cost and a dual certificate.
 */
export interface OptimalPlan {
  /** Source indices iₖ into µ, `[nnz]`. */
  i: Int32Array;
  /** Target indices jₖ into ν, `[nnz]`. */
  j: Int32Array;
  /** Masses Pᵢₖⱼₖ > 0, `[nnz]`; Σₖ massₖ = 1. */
  mass: Float64Array;
  /** Σₖ massₖ·|x_{iₖ} − y_{jₖ}|² = W₂²(µ, ν). */
  cost: number;
  /**
   * Kantorovich potentials f `[n]`, g `[m]` with fᵢ + gⱼ ≤ |xᵢ − yⱼ|² for all i, j (up to
   * rounding), equality on the support of the plan, and Σaᵢfᵢ + Σbⱼgⱼ = cost.
   * Not computed by the `'sorted'` method (empty arrays there).
   */
  f: Float64Array;
  g: Float64Array;
  /** The solver that produced the plan. */
  method: Exclude<W2Method, 'auto'>;
  /** Pivots (network simplex), or auction bids + Dijkstra augmentations (assignment); 0 for `'sorted'` and one-atom cases. */
  iterations: number;
}

/** Largest n·m for which a dense cost matrix is built (2²⁷ doubles = 1 GiB). */
const MAX_DENSE = 2 ** 27;

/** Range maxᵢ − minᵢ of each coordinate over both supports X [n, d] and Y [m, d] → [d]. */
export function coordinateRanges(X: Float64Array, Y: Float64Array, n: number, m: number, d: number): Float64Array {
  const out = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = X[i * d + k]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    for (let j = 0; j < m; j++) {
      const v = Y[j * d + k]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    out[k] = hi - lo;
  }
  return out;
}

/**
 * Throws an `InputError` unless µ and ν are non-empty probability measures with the same
 * dimension d, finite positions `X [n, d]`, `Y [m, d]` and weights wᵢ ≥ 0 summing to 1.
 * Shared by the transport metrics (`w2Squared`, `sinkhorn`, …).
 */
export function checkMeasurePair(mu: ParticleMeasure, nu: ParticleMeasure, fa = 'mu', fb = 'nu'): void {
  for (const [m, f] of [
    [mu, fa],
    [nu, fb],
  ] as const) {
    if (m === null || typeof m !== 'object') throw new InputError(f, m, 'a ParticleMeasure {n, d, X, w}');
    checkInteger(`${f}.n`, m.n, 1);
    checkInteger(`${f}.d`, m.d, 1);
    if (!(m.X instanceof Float64Array)) throw new InputError(`${f}.X`, m.X, 'a Float64Array [n, d]');
    checkShape(`${f}.X`, m.X, m.n, m.d);
    checkAllFinite(`${f}.X`, m.X, m.d);
    checkWeights(`${f}.w`, m.w, m.n, 'P');
  }
  checkSameDim(mu, nu, fa, fb);
}

/** Dense cost matrix C `[n, m]`, Cᵢⱼ = |xᵢ − yⱼ|² summed over coordinates. */
function costMatrix(X: Float64Array, Y: Float64Array, n: number, m: number, d: number): Float64Array {
  if (n * m > MAX_DENSE) {
    throw new InputError('n*m', n * m, `at most ${MAX_DENSE} pairs for the exact solver (it stores the n×m cost matrix)`);
  }
  const C = new Float64Array(n * m);
  for (let i = 0; i < n; i++) costRow(X, Y, i, m, d, C, i * m);
  return C;
}

/** out[off + j] = |xᵢ − yⱼ|² for j < m (coordinate differences, no cancellation). */
export function costRow(X: Float64Array, Y: Float64Array, i: number, m: number, d: number, out: Float64Array, off: number): void {
  const xi = i * d;
  if (d === 1) {
    const x0 = X[xi]!;
    for (let j = 0; j < m; j++) {
      const t = x0 - Y[j]!;
      out[off + j] = t * t;
    }
    return;
  }
  if (d === 2) {
    const x0 = X[xi]!;
    const x1 = X[xi + 1]!;
    for (let j = 0; j < m; j++) {
      const t0 = x0 - Y[2 * j]!;
      const t1 = x1 - Y[2 * j + 1]!;
      out[off + j] = t0 * t0 + t1 * t1;
    }
    return;
  }
  for (let j = 0; j < m; j++) {
    const yj = j * d;
    let s = 0;
    for (let k = 0; k < d; k++) {
      const t = X[xi + k]! - Y[yj + k]!;
      s += t * t;
    }
    out[off + j] = s;
  }
}

function isUniform(w: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (Math.abs(w[i]! * n - 1) > 1e-12) return false;
  return true;
}

function resolveMethod(mu: ParticleMeasure, nu: ParticleMeasure, method: W2Method): Exclude<W2Method, 'auto'> {
  if (method === 'auto') {
    if (mu.d === 1) return 'sorted';
    if (mu.n === nu.n && isUniform(mu.w, mu.n) && isUniform(nu.w, nu.n)) return 'assignment';
    return 'networkSimplex';
  }
  if (method === 'sorted') {
    if (mu.d !== 1) throw new InputError('opts.method', method, "'sorted' only for d = 1 (use 'auto')", `d = ${mu.d}`);
    return method;
  }
  if (method === 'assignment') {
    if (mu.n !== nu.n) throw new InputError('opts.method', method, "'assignment' only when n = m", `n = ${mu.n}, m = ${nu.n}`);
    if (!isUniform(mu.w, mu.n)) throw new InputError('opts.method', method, "'assignment' only for uniform weights", 'mu.w is not uniform');
    if (!isUniform(nu.w, nu.n)) throw new InputError('opts.method', method, "'assignment' only for uniform weights", 'nu.w is not uniform');
    return method;
  }
  if (method === 'networkSimplex') return method;
  throw new InputError('opts.method', method, "one of 'auto', 'sorted', 'assignment', 'networkSimplex'");
}

function defaultMaxIter(n: number, m: number): number {
  return Math.max(1e5, 1000 * (n + m));
}

/**
 * Squared 2-Wasserstein distance, computed exactly (no entropic regularisation):
 *   W₂²(µ, ν) = min_{P ∈ Π(a, b)} Σᵢⱼ Pᵢⱼ |xᵢ − yⱼ|²,
 * where µ = Σᵢ aᵢ δ_{xᵢ} (`mu.X [n, d]`, `mu.w = a [n]`), ν = Σⱼ bⱼ δ_{yⱼ} (`nu.X [m, d]`,
 * `nu.w = b [m]`) and Π(a, b) = {P ≥ 0 : P1 = a, Pᵀ1 = b}. Weights must be probability
 * vectors (zeros allowed). Solver choice: see `W2Options.method`. Cost: O(n·m·d) memory and
 * time for the cost matrix, plus the solver (assignment O(n³) worst case; network simplex
 * typically a few (n + m) pivots of O(√(nm) + n + m) each).
 *
 * @example w2Squared(fromRows([[0, 0]]), fromRows([[3, 4]])) // 25
 * @throws InputError for mismatched d, empty measures, non-finite positions, or weights that
 *   are negative or do not sum to 1 (within 1e-9).
 */
export function w2Squared(mu: ParticleMeasure, nu: ParticleMeasure, opts: W2Options = {}): number {
  checkMeasurePair(mu, nu);
  const method = resolveMethod(mu, nu, opts.method ?? 'auto');
  if (method === 'sorted') return sorted1d(mu, nu);
  return solvePlan(mu, nu, method, opts).cost;
}

/**
 * 2-Wasserstein distance W₂(µ, ν) = √W₂²(µ, ν) (see `w2Squared` for the definition, solvers
 * and input rules).
 *
 * @example w2(fromRows([[0, 0]]), fromRows([[3, 4]])) // 5
 */
export function w2(mu: ParticleMeasure, nu: ParticleMeasure, opts: W2Options = {}): number {
  return Math.sqrt(Math.max(0, w2Squared(mu, nu, opts)));
}

/**
 * An optimal plan of the exact problem W₂²(µ, ν) = min_{P ∈ Π(a, b)} Σᵢⱼ Pᵢⱼ |xᵢ − yⱼ|²,
 * returned sparse (a basic solution: at most n + m − 1 non-zeros) with its cost and the
 * Kantorovich potentials (f, g) certifying optimality. Marginals hold to rounding
 * (|P1 − a|, |Pᵀ1 − b| ~ 1e-16 per entry); any imbalance |Σa − Σb| ≤ 1e-9 is absorbed by
 * atom 0 of µ. `mu.X [n, d]`, `nu.X [m, d]`. With `'auto'` and d = 1 the plan comes from the
 * assignment or network simplex solver as for d > 1; `method: 'sorted'` gives the monotone
 * plan without potentials (empty f, g).
 */
export function optimalPlan(mu: ParticleMeasure, nu: ParticleMeasure, opts: W2Options = {}): OptimalPlan {
  checkMeasurePair(mu, nu);
  let method = opts.method ?? 'auto';
  if (method === 'auto' && mu.d === 1) method = mu.n === nu.n && isUniform(mu.w, mu.n) && isUniform(nu.w, nu.n) ? 'assignment' : 'networkSimplex';
  const resolved = resolveMethod(mu, nu, method);
  if (resolved === 'sorted') return sortedPlan(mu, nu);
  return solvePlan(mu, nu, resolved, opts);
}

/**
 * Squared 2-Wasserstein distance on the line by matching quantile functions:
 *   W₂²(µ, ν) = ∫₀¹ |F_µ⁻¹(t) − F_ν⁻¹(t)|² dt,
 * for µ = Σᵢ aᵢ δ_{xᵢ}, ν = Σⱼ bⱼ δ_{yⱼ} on ℝ (`mu.X [n, 1]`, `nu.X [m, 1]`, any weights on
 * the simplex). Both supports are sorted and the mass is transported monotonically
 * (north-west corner rule on the sorted atoms), which is optimal for convex costs.
 * Cost O((n + m) log(n + m)).
 *
 * @example w2Squared1d(fromRows([[0], [1]]), fromRows([[2], [3]])) // 4
 * @throws InputError when d ≠ 1 or the measures are invalid (see `w2Squared`).
 */
export function w2Squared1d(mu: ParticleMeasure, nu: ParticleMeasure): number {
  checkMeasurePair(mu, nu);
  if (mu.d !== 1) throw new InputError('mu.d', mu.d, '1 (w2Squared1d works on the line; use w2Squared)');
  return sorted1d(mu, nu);
}

function argsort1d(X: Float64Array): Uint32Array {
  const idx = new Uint32Array(X.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  idx.sort((p, q) => X[p]! - X[q]!);
  return idx;
}

/** Monotone (north-west corner) matching of sorted atoms; calls `emit(i, j, mass)` per piece. */
function monotoneMatch(mu: ParticleMeasure, nu: ParticleMeasure, emit: (i: number, j: number, mass: number) => void): void {
  const ia = argsort1d(mu.X);
  const ib = argsort1d(nu.X);
  const a = mu.w;
  const b = nu.w;
  const n = mu.n;
  const m = nu.n;
  let p = 0;
  let q = 0;
  let ra = a[ia[0]!]!;
  let rb = b[ib[0]!]!;
  for (;;) {
    const x = ra < rb ? ra : rb;
    if (x > 0) emit(ia[p]!, ib[q]!, x);
    ra -= x;
    rb -= x;
    if (p === n - 1 && q === m - 1) break;
    if (q === m - 1 || (p < n - 1 && ra <= rb)) {
      p++;
      ra = a[ia[p]!]!;
    } else {
      q++;
      rb = b[ib[q]!]!;
    }
  }
}

function sorted1d(mu: ParticleMeasure, nu: ParticleMeasure): number {
  const X = mu.X;
  const Y = nu.X;
  // Neumaier-compensated accumulation of Σ mass·(x − y)².
  let s = 0;
  let c = 0;
  monotoneMatch(mu, nu, (i, j, mass) => {
    const t = X[i]! - Y[j]!;
    const v = mass * t * t;
    const u = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - u + v : v - u + s;
    s = u;
  });
  return s + c;
}

function sortedPlan(mu: ParticleMeasure, nu: ParticleMeasure): OptimalPlan {
  const ii: number[] = [];
  const jj: number[] = [];
  const mm: number[] = [];
  monotoneMatch(mu, nu, (i, j, mass) => {
    ii.push(i);
    jj.push(j);
    mm.push(mass);
  });
  const mass = Float64Array.from(mm);
  const terms = new Float64Array(mass.length);
  for (let k = 0; k < mass.length; k++) {
    const t = mu.X[ii[k]!]! - nu.X[jj[k]!]!;
    terms[k] = mass[k]! * t * t;
  }
  return {
    i: Int32Array.from(ii),
    j: Int32Array.from(jj),
    mass,
    cost: fsum(terms),
    f: new Float64Array(0),
    g: new Float64Array(0),
    method: 'sorted',
    iterations: 0,
  };
}

function solvePlan(mu: ParticleMeasure, nu: ParticleMeasure, method: 'assignment' | 'networkSimplex', opts: W2Options): OptimalPlan {
  const n = mu.n;
  const m = nu.n;
  const d = mu.d;
  if (n === 1 || m === 1) return trivialPlan(mu, nu, method);
  const C = costMatrix(mu.X, nu.X, n, m, d);
  if (method === 'assignment') {
    const { rowSol, u, v, bids, augmentations } = assignmentLapjv(C, n);
    const terms = new Float64Array(n);
    const mass = new Float64Array(n);
    const ii = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      ii[i] = i;
      mass[i] = mu.w[i]!;
      terms[i] = mass[i]! * C[i * n + rowSol[i]!]!;
    }
    return { i: ii, j: rowSol, mass, cost: fsum(terms), f: u, g: v, method, iterations: bids + augmentations };
  }
  const maxIter = opts.maxIter === undefined ? defaultMaxIter(n, m) : checkInteger('opts.maxIter', opts.maxIter, 1);
  return networkSimplex(mu.w, nu.w, C, n, m, maxIter, mu.X, nu.X, d);
}

/** One atom on one side: the plan is forced. */
function trivialPlan(mu: ParticleMeasure, nu: ParticleMeasure, method: 'assignment' | 'networkSimplex'): OptimalPlan {
  const n = mu.n;
  const m = nu.n;
  const d = mu.d;
  const len = n === 1 ? m : n;
  const ii = new Int32Array(len);
  const jj = new Int32Array(len);
  const mass = new Float64Array(len);
  const terms = new Float64Array(len);
  const f = new Float64Array(n);
  const g = new Float64Array(m);
  for (let k = 0; k < len; k++) {
    const i = n === 1 ? 0 : k;
    const j = n === 1 ? k : 0;
    ii[k] = i;
    jj[k] = j;
    mass[k] = n === 1 ? nu.w[j]! : mu.w[i]!;
    let s = 0;
    for (let a = 0; a < d; a++) {
      const t = mu.X[i * d + a]! - nu.X[j * d + a]!;
      s += t * t;
    }
    terms[k] = mass[k]! * s;
    // Potentials: all cost goes to the side with several atoms, the single atom gets 0.
    if (n === 1) g[j] = s;
    else f[i] = s;
  }
  // Drop zero-mass entries to keep the plan's support honest.
  let nnz = 0;
  for (let k = 0; k < len; k++) if (mass[k]! > 0) nnz++;
  const oi = new Int32Array(nnz);
  const oj = new Int32Array(nnz);
  const om = new Float64Array(nnz);
  for (let k = 0, q = 0; k < len; k++) {
    if (mass[k]! > 0) {
      oi[q] = ii[k]!;
      oj[q] = jj[k]!;
      om[q++] = mass[k]!;
    }
  }
  return { i: oi, j: oj, mass: om, cost: fsum(terms), f, g, method, iterations: 0 };
}

// ---------------------------------------------------------------------------------------
// Assignment: Jonker & Volgenant (1987), "A shortest augmenting path algorithm for dense and
// sparse linear assignment problems", Computing 38, with its column-reduction start replaced
// by Bertsekas' ε-scaling auction (Bertsekas 1988, Ann. Oper. Res. 14). Column prices v;
// in steps 2–4 every assigned row sits on a column minimising Cᵢⱼ − vⱼ, so uᵢ = Cᵢσ(ᵢ) − vσ(ᵢ)
// and Cᵢⱼ − uᵢ − vⱼ ≥ 0: the final (u, v) is an optimal dual pair.
// ---------------------------------------------------------------------------------------

interface LapResult {
  rowSol: Int32Array;
  u: Float64Array;
  v: Float64Array;
  bids: number;
  augmentations: number;
}

const AUCTION_EPS0 = 0.1;
const AUCTION_THETA = 0.2;
const AUCTION_EPS_FINAL = 1e-3;

/** Solves min_σ Σᵢ C[i, σ(i)] over permutations for a dense `C [n, n]` (n ≥ 2). */
function assignmentLapjv(C: Float64Array, n: number): LapResult {
  const rowSol = new Int32Array(n).fill(-1);
  const colSol = new Int32Array(n).fill(-1);
  const v = new Float64Array(n);
  const free = new Int32Array(n);

  // 1. ε-scaling auction (Bertsekas 1988) for good column prices: row i bids for its best
  // column j₁ (least Cᵢⱼ − vⱼ), lowering v_{j₁} by (second best − best) + ε and evicting the
  // previous owner. Every bid moves a price by ≥ ε, so each phase ends (a cap of 200·n bids
  // guards against prices so large that ε is lost to rounding); ε shrinks by THETA per phase
  // from 0.1·max C down to 1e-3 × the mean nearest-neighbour cost. This replaces JV's column
  // reduction, whose prices on low-dimensional geometric costs are so far from optimal that
  // the augmenting paths of step 4 span the whole set (5–10× slower at n = 1000 in 2-D).
  let maxC = 0;
  for (let e = 0; e < n * n; e++) if (C[e]! > maxC) maxC = C[e]!;
  for (let j = 0; j < n; j++) {
    let min = Infinity;
    for (let i = 0; i < n; i++) {
      const c = C[i * n + j]!;
      if (c < min) min = c;
    }
    v[j] = min;
  }
  let bids = 0;
  if (maxC > 0) {
    const queue = new Int32Array(n);
    const bidCap = 200 * n;
    // Final ε: small against the typical nearest-neighbour cost (mean column minimum), which
    // matters on multi-scale data, but above the rounding of prices of size max C.
    let meanMin = 0;
    for (let j = 0; j < n; j++) meanMin += v[j]!;
    meanMin /= n;
    const epsFinal = Math.max(AUCTION_EPS_FINAL * (meanMin > 0 ? meanMin : maxC), 1e-12 * maxC);
    let eps = AUCTION_EPS0 * maxC;
    for (;;) {
      rowSol.fill(-1);
      colSol.fill(-1);
      let head = 0;
      let tail = 0;
      let queued = n;
      for (let i = 0; i < n; i++) queue[i] = i;
      let phaseBids = 0;
      while (queued > 0 && phaseBids < bidCap) {
        const i = queue[head]!;
        head = head + 1 === n ? 0 : head + 1;
        queued--;
        phaseBids++;
        const row = i * n;
        let umin = C[row]! - v[0]!;
        let j1 = 0;
        let usubmin = Infinity;
        for (let j = 1; j < n; j++) {
          const h = C[row + j]! - v[j]!;
          if (h < usubmin) {
            if (h >= umin) usubmin = h;
            else {
              usubmin = umin;
              umin = h;
              j1 = j;
            }
          }
        }
        v[j1] = v[j1]! - (usubmin - umin) - eps;
        const i0 = colSol[j1]!;
        rowSol[i] = j1;
        colSol[j1] = i;
        if (i0 >= 0) {
          rowSol[i0] = -1;
          queue[tail] = i0;
          tail = tail + 1 === n ? 0 : tail + 1;
          queued++;
        }
      }
      bids += phaseBids;
      if (queued > 0 || eps <= epsFinal) break;
      eps *= AUCTION_THETA;
    }
  }

  // 2. Keep only the rows whose column attains minⱼ (Cᵢⱼ − vⱼ) exactly (JV's invariant); the
  // others are freed. Any prices v are valid here: exactness comes from steps 3–4.
  let numFree = 0;
  for (let i = 0; i < n; i++) {
    const j = rowSol[i]!;
    if (j < 0) {
      free[numFree++] = i;
      continue;
    }
    const row = i * n;
    let min = Infinity;
    for (let k = 0; k < n; k++) {
      const h = C[row + k]! - v[k]!;
      if (h < min) min = h;
    }
    if (C[row + j]! - v[j]! > min) {
      colSol[j] = -1;
      rowSol[i] = -1;
      free[numFree++] = i;
    }
  }

  // 3. Augmenting row reduction (JV), two passes: the auction with ε = 0. A guard bounds the
  // immediate re-processing of displaced rows (floating-point ties can make it creep); rows left over go to step 4.
  for (let pass = 0; pass < 2 && numFree > 0; pass++) {
    let k = 0;
    const prevNumFree = numFree;
    numFree = 0;
    let budget = 4 * n;
    while (k < prevNumFree) {
      const i = free[k++]!;
      const row = i * n;
      let umin = C[row]! - v[0]!;
      let j1 = 0;
      let j2 = -1;
      let usubmin = Infinity;
      for (let j = 1; j < n; j++) {
        const h = C[row + j]! - v[j]!;
        if (h < usubmin) {
          if (h >= umin) {
            usubmin = h;
            j2 = j;
          } else {
            usubmin = umin;
            umin = h;
            j2 = j1;
            j1 = j;
          }
        }
      }
      let i0 = colSol[j1]!;
      const strict = umin < usubmin;
      if (strict) {
        v[j1] = v[j1]! - (usubmin - umin);
      } else if (i0 >= 0) {
        j1 = j2;
        i0 = colSol[j2]!;
      }
      rowSol[i] = j1;
      colSol[j1] = i;
      if (i0 >= 0) {
        rowSol[i0] = -1;
        if (strict && budget-- > 0) free[--k] = i0;
        else free[numFree++] = i0;
      }
    }
  }

  // 4. Augmentation (JV): Dijkstra from each free row over reduced costs Cᵢⱼ − vⱼ − uᵢ.
  const d = new Float64Array(n);
  const pred = new Int32Array(n);
  const colList = new Int32Array(n);
  for (let f = 0; f < numFree; f++) {
    const freeRow = free[f]!;
    const frow = freeRow * n;
    for (let j = 0; j < n; j++) {
      d[j] = C[frow + j]! - v[j]!;
      pred[j] = freeRow;
      colList[j] = j;
    }
    let low = 0; // colList[0, low): scanned (final distances)
    let up = 0; // colList[low, up): at the current minimum, to scan
    let last = 0;
    let min = 0;
    let endOfPath = -1;
    while (endOfPath < 0) {
      if (up === low) {
        last = low - 1;
        min = d[colList[up++]!]!;
        for (let k = up; k < n; k++) {
          const j = colList[k]!;
          const h = d[j]!;
          if (h <= min) {
            if (h < min) {
              up = low;
              min = h;
            }
            colList[k] = colList[up]!;
            colList[up++] = j;
          }
        }
        for (let k = low; k < up; k++) {
          if (colSol[colList[k]!]! < 0) {
            endOfPath = colList[k]!;
            break;
          }
        }
      }
      if (endOfPath < 0) {
        const j1 = colList[low++]!;
        const i = colSol[j1]!;
        const row = i * n;
        const h = C[row + j1]! - v[j1]! - min;
        for (let k = up; k < n; k++) {
          const j = colList[k]!;
          const v2 = C[row + j]! - v[j]! - h;
          if (v2 < d[j]!) {
            pred[j] = i;
            if (v2 === min) {
              if (colSol[j]! < 0) {
                endOfPath = j;
                break;
              }
              colList[k] = colList[up]!;
              colList[up++] = j;
            }
            d[j] = v2;
          }
        }
      }
    }
    // Update the prices of the columns scanned before the last minimum.
    for (let k = 0; k <= last; k++) {
      const j1 = colList[k]!;
      v[j1] = v[j1]! + d[j1]! - min;
    }
    // Augment along the alternating path.
    for (;;) {
      const i = pred[endOfPath]!;
      colSol[endOfPath] = i;
      const j1 = endOfPath;
      endOfPath = rowSol[i]!;
      rowSol[i] = j1;
      if (i === freeRow) break;
    }
  }

  const u = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const j = rowSol[i]!;
    u[i] = C[i * n + j]! - v[j]!;
  }
  return { rowSol, u, v, bids, augmentations: numFree };
}

// ---------------------------------------------------------------------------------------
// Network simplex for the uncapacitated transportation problem on the complete bipartite
// graph. Nodes: sources 0..n-1 (supply aᵢ), sinks n..n+m-1 (demand bⱼ); arc e = i·m + j from
// source i to sink j with cost C[e]. The basis is a spanning tree rooted at source 0, stored
// as parent, pred (tree arc to the parent), thread (preorder successor, circular), revThread
// and succ (subtree size). The tree arc of a source points up (source → parent sink), that
// of a sink points down (parent source → sink), so directions need no storage, and the
// flow of a tree arc is stored at its child node. Potentials π satisfy Cₑ + π_src − π_tgt = 0
// on tree arcs; an arc enters when its reduced cost is < −tol (block search, LEMON's rule).
// ---------------------------------------------------------------------------------------

function networkSimplex(
  a: Float64Array,
  b: Float64Array,
  C: Float64Array,
  n: number,
  m: number,
  maxIter: number,
  X: Float64Array,
  Y: Float64Array,
  d: number,
): OptimalPlan {
  const N = n + m;
  const nArcs = n * m;
  const parent = new Int32Array(N);
  const pred = new Int32Array(N);
  const thread = new Int32Array(N);
  const revThread = new Int32Array(N);
  const succ = new Int32Array(N);
  const flow = new Float64Array(N);
  const pi = new Float64Array(N);
  const inTree = new Uint8Array(nArcs);

  let maxC = 0;
  for (let e = 0; e < nArcs; e++) if (C[e]! > maxC) maxC = C[e]!;
  const tolEnter = 1e-13 * (maxC > 0 ? maxC : 1);

  initialTree(a, b, n, m, X, Y, d, parent, pred, thread, revThread, succ, flow, inTree);
  computePotentials(C, n, parent, pred, thread, pi);

  // Scratch for the pivots.
  const stem = new Int32Array(N);
  const A = new Int32Array(N);
  const B = new Int32Array(N);
  const pos = new Int32Array(N);

  const blockSize = Math.max(10, Math.ceil(Math.sqrt(nArcs)));
  let nextArc = 0;
  let iterations = 0;

  for (;;) {
    // --- Block search for an entering arc (most negative reduced cost in a block).
    let inArc = -1;
    let minRc = -tolEnter;
    let cnt = blockSize;
    let e = nextArc;
    let i = (e / m) | 0;
    let j = e - i * m;
    let piI = pi[i]!;
    for (let scanned = 0; scanned < nArcs; scanned++) {
      const rc = C[e]! + piI - pi[n + j]!;
      if (rc < minRc && inTree[e] === 0) {
        minRc = rc;
        inArc = e;
      }
      e++;
      j++;
      if (j === m) {
        j = 0;
        i++;
        if (e === nArcs) {
          e = 0;
          i = 0;
        }
        piI = pi[i]!;
      }
      if (--cnt === 0) {
        if (inArc >= 0) break;
        cnt = blockSize;
      }
    }
    if (inArc < 0) break;
    nextArc = e;
    if (++iterations > maxIter) {
      throw new Error(`w2Squared: the network simplex did not finish within opts.maxIter = ${maxIter} pivots; raise maxIter`);
    }

    // --- Cycle: in-arc from s to t, then t up to join, then join down to s.
    const si = (inArc / m) | 0;
    const s = si;
    const t = n + (inArc - si * m);
    let u = s;
    let w = t;
    while (u !== w) {
      if (succ[u]! < succ[w]!) u = parent[u]!;
      else w = parent[w]!;
    }
    const join = u;

    // --- Leaving arc: arcs traversed backwards lose flow. On the s side a source's arc
    // (pointing up) is traversed backwards; on the t side a sink's arc (pointing down) is.
    // Ties: first on the s side (strict), last on the t side (non-strict) — strongly feasible.
    let delta = Infinity;
    let uOut = -1;
    let side = 0;
    for (let x = s; x !== join; x = parent[x]!) {
      if (x < n && flow[x]! < delta) {
        delta = flow[x]!;
        uOut = x;
        side = 1;
      }
    }
    for (let x = t; x !== join; x = parent[x]!) {
      if (x >= n && flow[x]! <= delta) {
        delta = flow[x]!;
        uOut = x;
        side = 2;
      }
    }
    if (side === 0) throw new Error('w2Squared: unbounded network simplex cycle (negative cost cycle); the costs must be finite');

    // --- Augment.
    if (delta > 0) {
      for (let x = s; x !== join; x = parent[x]!) {
        if (x < n) flow[x] = flow[x]! - delta;
        else flow[x] = flow[x]! + delta;
      }
      for (let x = t; x !== join; x = parent[x]!) {
        if (x < n) flow[x] = flow[x]! + delta;
        else flow[x] = flow[x]! - delta;
      }
    }
    flow[uOut] = 0;

    const uIn = side === 1 ? s : t;
    const vIn = side === 1 ? t : s;
    const vOut = parent[uOut]!;

    // --- Subtree S of uOut in old preorder, positions of its nodes.
    const sz = succ[uOut]!;
    let x = uOut;
    for (let p = 0; p < sz; p++) {
      A[p] = x;
      pos[x] = p;
      x = thread[x]!;
    }
    const after = x;
    const before = revThread[uOut]!;

    // --- Stem uIn = s₀, s₁ = parent(s₀), …, s_k = uOut.
    let k = 0;
    stem[0] = uIn;
    while (stem[k] !== uOut) {
      stem[k + 1] = parent[stem[k]!]!;
      k++;
    }

    // --- New preorder of S rerooted at uIn: subtree(s₀), then for each i ≥ 1 subtree(sᵢ)
    // without subtree(sᵢ₋₁) (two contiguous pieces of the old order).
    let q = 0;
    {
      const p0 = pos[uIn]!;
      const e0 = p0 + succ[uIn]!;
      for (let p = p0; p < e0; p++) B[q++] = A[p]!;
    }
    for (let r = 1; r <= k; r++) {
      const ps = pos[stem[r]!]!;
      const es = ps + succ[stem[r]!]!;
      const pc = pos[stem[r - 1]!]!;
      const ec = pc + succ[stem[r - 1]!]!;
      for (let p = ps; p < pc; p++) B[q++] = A[p]!;
      for (let p = ec; p < es; p++) B[q++] = A[p]!;
    }

    // --- Subtree sizes on the two paths to join (above join they cancel).
    for (let y = vOut; y !== join; y = parent[y]!) succ[y] = succ[y]! - sz;
    for (let y = vIn; y !== join; y = parent[y]!) succ[y] = succ[y]! + sz;

    // --- Reverse the stem.
    inTree[pred[uOut]!] = 0;
    inTree[inArc] = 1;
    for (let r = k; r >= 1; r--) {
      const sr = stem[r]!;
      const sc = stem[r - 1]!;
      parent[sr] = sc;
      pred[sr] = pred[sc]!;
      flow[sr] = flow[sc]!;
      succ[sr] = sz - succ[sc]!;
    }
    parent[uIn] = vIn;
    pred[uIn] = inArc;
    flow[uIn] = delta;
    succ[uIn] = sz;

    // --- Thread: cut S out, insert its new order right after vIn.
    thread[before] = after;
    revThread[after] = before;
    const nx = thread[vIn]!;
    thread[vIn] = B[0]!;
    revThread[B[0]!] = vIn;
    for (let p = 0; p + 1 < sz; p++) {
      thread[B[p]!] = B[p + 1]!;
      revThread[B[p + 1]!] = B[p]!;
    }
    thread[B[sz - 1]!] = nx;
    revThread[nx] = B[sz - 1]!;

    // --- Potentials of S shift so that the entering arc has zero reduced cost.
    const c = C[inArc]!;
    const sigma = uIn < n ? pi[vIn]! - c - pi[uIn]! : c + pi[vIn]! - pi[uIn]!;
    for (let p = 0; p < sz; p++) pi[A[p]!] = pi[A[p]!]! + sigma;
  }

  // Final: flows from the supplies (subtree sums, children before parents) and potentials
  // recomputed along the tree, so marginals and complementary slackness hold to rounding.
  const net = new Float64Array(N);
  for (let i = 0; i < n; i++) net[i] = a[i]!;
  for (let j = 0; j < m; j++) net[n + j] = -b[j]!;
  let y = revThread[0]!;
  while (y !== 0) {
    const sub = net[y]!;
    flow[y] = y < n ? sub : -sub;
    net[parent[y]!] = net[parent[y]!]! + sub;
    y = revThread[y]!;
  }
  computePotentials(C, n, parent, pred, thread, pi);

  let nnz = 0;
  for (let z = 1; z < N; z++) if (flow[z]! > 0) nnz++;
  const ii = new Int32Array(nnz);
  const jj = new Int32Array(nnz);
  const mass = new Float64Array(nnz);
  const terms = new Float64Array(nnz);
  for (let z = 1, q = 0; z < N; z++) {
    if (flow[z]! > 0) {
      const arc = pred[z]!;
      const i = (arc / m) | 0;
      ii[q] = i;
      jj[q] = arc - i * m;
      mass[q] = flow[z]!;
      terms[q] = flow[z]! * C[arc]!;
      q++;
    }
  }
  const f = new Float64Array(n);
  const g = new Float64Array(m);
  for (let i = 0; i < n; i++) f[i] = -pi[i]!;
  for (let j = 0; j < m; j++) g[j] = pi[n + j]!;
  return { i: ii, j: jj, mass, cost: fsum(terms), f, g, method: 'networkSimplex', iterations };
}

/**
 * Initial basis: the north-west corner rule applied to the atoms of µ and ν sorted along the
 * coordinate of largest range: a staircase spanning tree (n + m − 1 arcs, degenerate ones
 * included) that is already the optimal plan in 1-D and a good start in higher d.
 */
function initialTree(
  a: Float64Array,
  b: Float64Array,
  n: number,
  m: number,
  X: Float64Array,
  Y: Float64Array,
  d: number,
  parent: Int32Array,
  pred: Int32Array,
  thread: Int32Array,
  revThread: Int32Array,
  succ: Int32Array,
  flow: Float64Array,
  inTree: Uint8Array,
): void {
  const N = n + m;
  // Coordinate with the largest range over both supports.
  const ranges = coordinateRanges(X, Y, n, m, d);
  let axis = 0;
  for (let k = 1; k < d; k++) if (ranges[k]! > ranges[axis]!) axis = k;
  const oa = new Uint32Array(n);
  const ob = new Uint32Array(m);
  for (let i = 0; i < n; i++) oa[i] = i;
  for (let j = 0; j < m; j++) ob[j] = j;
  oa.sort((p, q) => X[p * d + axis]! - X[q * d + axis]!);
  ob.sort((p, q) => Y[p * d + axis]! - Y[q * d + axis]!);

  // North-west corner: n + m − 1 arcs, a spanning tree; edge list with flows.
  const ea = new Int32Array(N - 1);
  const ef = new Float64Array(N - 1);
  let p = 0;
  let q = 0;
  let ra = a[oa[0]!]!;
  let rb = b[ob[0]!]!;
  for (let k = 0; ; k++) {
    const x = ra < rb ? ra : rb;
    ea[k] = oa[p]! * m + ob[q]!;
    ef[k] = x;
    ra -= x;
    rb -= x;
    if (p === n - 1 && q === m - 1) break;
    if (q === m - 1 || (p < n - 1 && ra <= rb)) {
      p++;
      ra = a[oa[p]!]!;
    } else {
      q++;
      rb = b[ob[q]!]!;
    }
  }

  // Adjacency (CSR) of the tree.
  const deg = new Int32Array(N + 1);
  for (let k = 0; k < N - 1; k++) {
    const i = (ea[k]! / m) | 0;
    const j = ea[k]! - i * m;
    deg[i + 1]!++;
    deg[n + j + 1]!++;
  }
  for (let z = 0; z < N; z++) deg[z + 1] = deg[z + 1]! + deg[z]!;
  const fill = deg.slice(0, N);
  const adj = new Int32Array(2 * (N - 1));
  for (let k = 0; k < N - 1; k++) {
    const i = (ea[k]! / m) | 0;
    const j = ea[k]! - i * m;
    adj[fill[i]!++] = k;
    adj[fill[n + j]!++] = k;
  }

  // Iterative DFS from root 0: parent, pred, flow, preorder (thread), subtree sizes.
  const order = new Int32Array(N);
  const stack = new Int32Array(N);
  const seen = new Uint8Array(N);
  let top = 0;
  let cntOrder = 0;
  stack[top++] = 0;
  seen[0] = 1;
  parent[0] = -1;
  pred[0] = -1;
  while (top > 0) {
    const z = stack[--top]!;
    order[cntOrder++] = z;
    for (let r = deg[z + 1]! - 1; r >= deg[z]!; r--) {
      const k = adj[r]!;
      const i = (ea[k]! / m) | 0;
      const j = ea[k]! - i * m;
      const other = z === i ? n + j : i;
      if (seen[other]) continue;
      seen[other] = 1;
      parent[other] = z;
      pred[other] = ea[k]!;
      flow[other] = ef[k]!;
      inTree[ea[k]!] = 1;
      stack[top++] = other;
    }
  }
  for (let z = 0; z < N; z++) {
    const nxt = order[(z + 1) % N]!;
    thread[order[z]!] = nxt;
    revThread[nxt] = order[z]!;
  }
  succ.fill(1);
  for (let z = N - 1; z >= 1; z--) {
    const v = order[z]!;
    succ[parent[v]!] = succ[parent[v]!]! + succ[v]!;
  }
}

/** π along the tree in preorder: π_root = 0 and zero reduced cost on every tree arc. */
function computePotentials(C: Float64Array, n: number, parent: Int32Array, pred: Int32Array, thread: Int32Array, pi: Float64Array): void {
  pi[0] = 0;
  for (let z = thread[0]!; z !== 0; z = thread[z]!) {
    const c = C[pred[z]!]!;
    // Source z (arc z → parent): c + π_z − π_parent = 0. Sink z (arc parent → z): c + π_parent − π_z = 0.
    pi[z] = z < n ? pi[parent[z]!]! - c : pi[parent[z]!]! + c;
  }
}
