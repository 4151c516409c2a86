import { InputError } from '../core/errors.js';
import { hypot2 } from '../core/math.js';
import { checkAllFinite, checkInteger, checkPositive } from '../core/validate.js';
import { projectOrthant, projectSimplex } from './simplexProjection.js';

/** The feasible set of the weight step: Δ(m) = {β ≥ 0, Σβ = m} or the orthant {β ≥ 0}. */
export type QPConstraint = 'simplex' | 'orthant';

/** Options of {@link solveKernelQP}. Arrays are `Float64Array`, matrices row-major. */
export interface KernelQPOptions {
  /**
   * K `[n, n]`, symmetric positive semidefinite (may be singular); row-major. On the simplex
   * it suffices that vᵀKv ≥ 0 whenever 1ᵀv = 0 (e.g. the energy kernel −|x − y|).
   */
  readonly K: Float64Array;
  /** a > 0, the factor of the quadratic term. */
  readonly a: number;
  /** g `[n]`, the linear term. */
  readonly g: Float64Array;
  /** 'simplex': {β ≥ 0, Σβ = mass}; 'orthant': {β ≥ 0}. */
  readonly constraint: QPConstraint;
  /** m > 0, the mass of the simplex (ignored on the orthant). Default 1. */
  readonly mass?: number;
  /**
   * Starting point `[n]`, projected onto the feasible set first (on the simplex a point that
   * is feasible up to 1e-9 in its sum is only rescaled, keeping its zeros). Its support is
   * the initial free set: pass a warm start with about the solution's support (e.g. the
   * previous step's β). A dense one (uniform weights) costs an O(s₀³) factorisation of its
   * support s₀ (a few hundred ms at s₀ = 1000) before the usual iterations.
   */
  readonly warmStart?: Float64Array;
  /** Tolerance on the scaled KKT residuals (see {@link kktResiduals}). Default 1e-12. */
  readonly tol?: number;
  /** Cap on active-set iterations (Newton steps, additions, removals). Default max(1000, 20n). */
  readonly maxIter?: number;
}

/** Scaled KKT residuals of a candidate β; see {@link kktResiduals} for the definitions. */
export interface KKTResiduals {
  /** max_i (−(rᵢ + λ))₊ / S: violation of νᵢ = rᵢ + λ ≥ 0 (dual feasibility). */
  readonly stationarity: number;
  /** max_i βᵢ·|rᵢ + λ| / (S·‖β‖∞): violation of νᵢβᵢ = 0. */
  readonly complementarity: number;
  /** simplex: max(max_i(−βᵢ)₊, |Σβ − m|)/m; orthant: max_i(−βᵢ)₊/‖β‖∞. */
  readonly primalFeasibility: number;
  /** The multiplier λ = −βᵀr/Σβ of Σβ = m (0 on the orthant). */
  readonly lambda: number;
  /** The scale S = ‖aKβ‖∞ + ‖g‖∞ (1 if that is 0). */
  readonly scale: number;
}

/** Result of {@link solveKernelQP}. */
export interface KernelQPResult {
  /** The minimiser β `[n]` (a new array). */
  readonly beta: Float64Array;
  /** Active-set iterations used. */
  readonly iterations: number;
  /** Scaled KKT residuals, recomputed at the end by {@link kktResiduals}. */
  readonly kkt: KKTResiduals;
  /** q(β) = ½a βᵀKβ − gᵀβ. */
  readonly objective: number;
  /** true iff all three KKT residuals are ≤ tol. */
  readonly converged: boolean;
  /** Number of βᵢ > 0. */
  readonly support: number;
  /** Proximal (iterated-Tikhonov) outer steps used; see {@link solveKernelQP}. */
  readonly proxSteps: number;
  /** The ridge ε used inside the factorisations (absolute, same units as a·K). */
  readonly ridge: number;
}

const U = 2 ** -53;

/** Validates K `[n, n]`, g `[n]`, a; returns n and max|K_ij|. */
function checkProblem(K: unknown, a: unknown, g: unknown): { n: number; kmax: number } {
  if (!(K instanceof Float64Array)) throw new InputError('K', K, 'a Float64Array [n, n] (row-major)');
  if (!(g instanceof Float64Array)) throw new InputError('g', g, 'a Float64Array [n]');
  const nK = Math.round(Math.sqrt(K.length));
  if (nK * nK !== K.length || nK === 0) throw new InputError('K.length', K.length, 'n*n for some n >= 1 (a square matrix [n, n])');
  const n = g.length;
  if (n !== nK) throw new InputError('g.length', n, `${nK} (K is ${nK}×${nK})`);
  checkPositive('a', a);
  checkAllFinite('K', K, n);
  checkAllFinite('g', g);
  let kmax = 0;
  for (let i = 0; i < n * n; i++) {
    const v = Math.abs(K[i]!);
    if (v > kmax) kmax = v;
  }
  // symmetry, compared tile by tile (B×B blocks) to stay in cache
  const symTol = 1e-10 * kmax;
  const B = 32;
  for (let i0 = 0; i0 < n; i0 += B) {
    const i1 = Math.min(n, i0 + B);
    for (let j0 = i0; j0 < n; j0 += B) {
      const j1 = Math.min(n, j0 + B);
      for (let i = i0; i < i1; i++) {
        for (let j = Math.max(j0, i + 1); j < j1; j++) {
          const kij = K[i * n + j]!;
          const kji = K[j * n + i]!;
          if (Math.abs(kij - kji) > symTol) {
            throw new InputError(`K[${i}][${j}]`, kij, `K[${j}][${i}] = ${kji} (K must be symmetric)`);
          }
        }
      }
    }
  }
  return { n, kmax };
}

function checkConstraint(c: unknown): QPConstraint {
  if (c !== 'simplex' && c !== 'orthant') throw new InputError('constraint', c, "'simplex' or 'orthant'");
  return c;
}

/**
 * Scaled KKT residuals of β for
 *
 *   min q(β) = ½a βᵀKβ − gᵀβ   s.t. β ≥ 0 (and 1ᵀβ = m on the simplex).
 *
 * KKT: there are λ ∈ ℝ (λ = 0 on the orthant) and ν ∈ ℝⁿ with
 *   aKβ − g + λ1 − ν = 0,  ν ≥ 0,  β ≥ 0,  1ᵀβ = m,  νᵢβᵢ = 0.
 * With the gradient r = aKβ − g, this checker takes ν = r + λ1 and the multiplier
 * λ = −βᵀr/1ᵀβ (the β-weighted mean of −r; λ = 0 on the orthant), and reports
 *
 *   stationarity      = maxᵢ (−(rᵢ + λ))₊ / S                  (ν ≥ 0)
 *   complementarity   = maxᵢ βᵢ·|rᵢ + λ| / (S·‖β‖∞)             (νᵢβᵢ = 0)
 *   primalFeasibility = max(maxᵢ (−βᵢ)₊, |1ᵀβ − m|) / m   (simplex)
 *                       maxᵢ (−βᵢ)₊ / ‖β‖∞                  (orthant; 0 if β = 0)
 *
 * with the scale S = ‖aKβ‖∞ + ‖g‖∞, the size of the two terms of r (S = 1 if it is 0).
 * (The actual size ‖aKβ‖∞, not the bound a·max|K|·‖β‖₁: with the bound, a diverging β
 * on an unbounded orthant problem, Kβ ≈ 0, would look stationary.)
 * For a feasible β on the simplex, convexity gives the optimality certificate
 *   q(β) − min q ≤ m·S·stationarity,
 * and on the orthant q(β) − min q ≤ βᵀr + ‖β*‖₁·S·stationarity.
 *
 * Independent of the solver: one dense product Kβ (O(n²)), nothing else shared.
 * Validates its input like {@link solveKernelQP} (InputError naming the field).
 *
 * @param K    `[n, n]` row-major, symmetric.
 * @param a    > 0.
 * @param g    `[n]`.
 * @param beta `[n]` the candidate.
 * @param constraint 'simplex' | 'orthant'.
 * @param mass m > 0 (simplex), default 1.
 */
export function kktResiduals(
  K: Float64Array,
  a: number,
  g: Float64Array,
  beta: Float64Array,
  constraint: QPConstraint,
  mass = 1,
): KKTResiduals {
  const { n } = checkProblem(K, a, g);
  checkConstraint(constraint);
  checkPositive('mass', mass);
  if (!(beta instanceof Float64Array)) throw new InputError('beta', beta, 'a Float64Array [n]');
  if (beta.length !== n) throw new InputError('beta.length', beta.length, `${n} (the length of g)`);
  checkAllFinite('beta', beta);
  return kktCore(K, n, a, g, beta, constraint === 'simplex', mass);
}

/** {@link kktResiduals} without validation. */
function kktCore(
  K: Float64Array,
  n: number,
  a: number,
  g: Float64Array,
  beta: Float64Array,
  simplex: boolean,
  mass: number,
): KKTResiduals {
  const r = new Float64Array(n);
  let kbinf = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    const row = i * n;
    for (let j = 0; j < n; j++) s += K[row + j]! * beta[j]!;
    const akb = a * s;
    kbinf = Math.max(kbinf, Math.abs(akb));
    r[i] = akb - g[i]!;
  }
  let linf = 0;
  let sum = 0;
  let btr = 0;
  let negMax = 0;
  let ginf = 0;
  for (let i = 0; i < n; i++) {
    const b = beta[i]!;
    linf = Math.max(linf, Math.abs(b));
    sum += b;
    btr += b * r[i]!;
    negMax = Math.max(negMax, -b);
    ginf = Math.max(ginf, Math.abs(g[i]!));
  }
  let S = kbinf + ginf;
  if (!(S > 0)) S = 1;
  const lambda = simplex && sum !== 0 ? -btr / sum : 0;
  let stat = 0;
  let comp = 0;
  for (let i = 0; i < n; i++) {
    const nu = r[i]! + lambda;
    if (-nu > stat) stat = -nu;
    const c = Math.abs(beta[i]! * nu);
    if (c > comp) comp = c;
  }
  const primal = simplex ? Math.max(negMax, Math.abs(sum - mass)) / mass : linf > 0 ? negMax / linf : 0;
  return {
    stationarity: stat / S,
    complementarity: linf > 0 ? comp / (S * linf) : 0,
    primalFeasibility: primal,
    lambda,
    scale: S,
  };
}

/**
 * Exact solution of the kernel quadratic programme of the MMD weight step,
 *
 *   min_β q(β) = ½a βᵀKβ − gᵀβ   over Δ(m) = {β ≥ 0, 1ᵀβ = m}  or  {β ≥ 0},
 *
 * for a symmetric positive semidefinite K `[n, n]` that may be singular or numerically
 * rank-deficient (Gaussian kernel matrices of close or repeated points).
 *
 * Method: a primal active-set method (Lawson–Hanson type: add the most violating indices,
 * Newton step on the free set F with a ratio test, drop the blocking index) inside a
 * proximal-point loop (iterated Tikhonov). Indices are added in batches that double after
 * each unblocked Newton step and halve after each blocked one (so a dense solution takes
 * O(log n) Newton steps, a sparse one about one step per index). Each outer step solves
 *   min q(β) + (ε/2)‖β − c‖²  with the centre c = the previous iterate,
 * so every factorised block H_FF = a(K_FF + ρ11ᵀ) + εI is positive definite with pivots ≥ √ε
 * even when K_FF is singular. The fixed point of the loop is a minimiser of q itself:
 * at an outer fixed point the proximal term vanishes, so the reported KKT residuals are
 * those of the original problem (nothing is perturbed in the answer). The ridge is
 * ε = max(1e-12, 10·n·u)·a·max|K| (u = 2⁻⁵³; raised tenfold if a pivot is lost to
 * rounding), and ρ = max|K| on the simplex (a constant on Δ(m), so it changes nothing but
 * the conditioning; it also admits conditionally positive definite K such as the energy
 * kernel there). Newton directions are computed from the true gradient r = aKβ − g, so
 * the triangular factor only preconditions and its rounding does not shift the solution.
 * Where K is singular the minimiser is not unique (Kβ is); this returns one of them.
 * Cold start: the best vertex m·e_j (simplex) or β = 0 (orthant). The loop stops when the
 * three scaled KKT residuals are ≤ tol, after `maxIter` iterations, or after 25 proximal
 * steps that fail to halve the residual (an unbounded orthant problem ends this way, with
 * `converged: false`). On the simplex, q(β) − min q ≤ m·S·kkt.stationarity (see
 * {@link kktResiduals}), so a converged result is optimal to m·S·tol in objective.
 *
 * Cost: O(n²) memory for K (given) plus O(s²) for the factor of the free block, s = |F|;
 * a fresh factorisation is O(s³/3) (for a warm start, its crash step, or a ridge
 * increase); an addition or removal updates the factor in O(s²); each Newton step costs
 * O(s²) plus O(n·s) to update r. From a cold start the total is about O(s³ + n·s²) for a
 * solution with support s. A warm start costs one O(s₀³) factorisation of its support; if
 * its Newton point is infeasible in many coordinates it is replaced once by the projection
 * of that point (a "crash"), so a dense warm start of a sparse solution costs about
 * O(s₀³) + a cold start, not s₀ removals.
 *
 * The returned KKT residuals are recomputed independently by {@link kktResiduals}.
 *
 * @throws InputError naming the field: K not square/finite/symmetric, g of another length,
 *   a ≤ 0, mass ≤ 0, bad constraint, warmStart of another length or non-finite, tol ≤ 0,
 *   maxIter < 1; or 'K' when no ridge up to 1e-6·a·max|K| makes a pivot positive
 *   (K not positive semidefinite).
 */
export function solveKernelQP(opts: KernelQPOptions): KernelQPResult {
  if (opts === null || typeof opts !== 'object') throw new InputError('options', opts, 'an options object');
  const { K, a, g } = opts;
  const { n, kmax } = checkProblem(K, a, g);
  const constraint = checkConstraint(opts.constraint);
  const simplex = constraint === 'simplex';
  const mass = opts.mass === undefined ? 1 : checkPositive('mass', opts.mass);
  const tol = opts.tol === undefined ? 1e-12 : checkPositive('tol', opts.tol);
  const maxIter = opts.maxIter === undefined ? Math.max(1000, 20 * n) : checkInteger('maxIter', opts.maxIter, 1);
  let warm: Float64Array | undefined;
  if (opts.warmStart !== undefined) {
    const w = opts.warmStart;
    if (!(w instanceof Float64Array)) throw new InputError('warmStart', w, 'a Float64Array [n]');
    if (w.length !== n) throw new InputError('warmStart.length', w.length, `${n} (the length of g)`);
    checkAllFinite('warmStart', w);
    warm = simplex ? toSimplex(w, mass) : projectOrthant(w);
  }

  const st = new ActiveSet(K, n, a, g, simplex, mass, kmax);
  st.init(warm);
  const out = st.run(tol, maxIter);
  const beta = out.beta;
  const kkt = kktCore(K, n, a, g, beta, simplex, mass);
  let support = 0;
  for (let i = 0; i < n; i++) if (beta[i]! > 0) support++;
  return {
    beta,
    iterations: out.iterations,
    kkt,
    objective: out.objective,
    converged: kkt.stationarity <= tol && kkt.complementarity <= tol && kkt.primalFeasibility <= tol,
    support,
    proxSteps: out.proxSteps,
    ridge: st.eps,
  };
}

/**
 * A warm start on Δ(m): a non-negative w whose sum is within 1e-9 of m is rescaled by
 * m/Σw (keeping its zeros, hence its support); anything else is projected. (The exact
 * projection of such a w shifts every entry by θ ≈ 1e-17, turning all zeros positive.)
 */
function toSimplex(w: Float64Array, mass: number): Float64Array {
  let sum = 0;
  let neg = false;
  for (let i = 0; i < w.length; i++) {
    sum += w[i]!;
    if (w[i]! < 0) neg = true;
  }
  if (!neg && Math.abs(sum - mass) <= 1e-9 * mass) return w.map((v) => (v * mass) / sum);
  return projectSimplex(w, undefined, mass);
}

/** Options of {@link mmdStepQP}. */
export interface MmdStepQPOptions {
  /** K = K_XX `[n, n]`, the kernel matrix of the particles (row-major). */
  readonly K: Float64Array;
  /** K_XY 1/m `[n]`: the mean kernel value of each particle against the m target samples. */
  readonly kxyMean: Float64Array;
  /** α `[n]`: the current weights. */
  readonly alpha: Float64Array;
  /** η > 0: the step size of the MMD weight step. */
  readonly eta: number;
  /** 'simplex' (spherical MMD step, on P) or 'orthant' (MMD step on M+). Default 'simplex'. */
  readonly constraint?: QPConstraint;
  /** Mass of the simplex, default 1. */
  readonly mass?: number;
  /**
   * Forwarded to {@link solveKernelQP}. Default: none (cold start from the best vertex).
   * The previous step's β is a good warm start; a dense α (uniform weights) adds an O(n³)
   * factorisation (see {@link KernelQPOptions.warmStart}).
   */
  readonly warmStart?: Float64Array;
  /** Forwarded to {@link solveKernelQP} (scaled KKT tolerance, default 1e-12). */
  readonly tol?: number;
  /** Forwarded to {@link solveKernelQP}. */
  readonly maxIter?: number;
}

/**
 * The exact MMD weight step (IFT paper eq. 23) for F = ½MMD²(·, π̂) with π̂ = (1/m)Σδ_{yₗ}:
 *
 *   β = argmin_{β ∈ Δ} ½MMD²(Σβᵢδ_{xᵢ}, π̂) + (1/2η) MMD²(Σβᵢδ_{xᵢ}, Σαᵢδ_{xᵢ})
 *     = argmin_{β ∈ Δ} ½(1 + 1/η) βᵀKβ − βᵀ(K_XY 1/m + (1/η) Kα),
 *
 * i.e. {@link solveKernelQP} with a = 1 + 1/η and g = K_XY 1/m + Kα/η (O(n²) to form g).
 * On the orthant it is the MMD step on M+ (same objective over β ≥ 0).
 *
 * @throws InputError naming `eta`, `alpha`, `kxyMean` or any field of solveKernelQP.
 */
export function mmdStepQP(opts: MmdStepQPOptions): KernelQPResult {
  if (opts === null || typeof opts !== 'object') throw new InputError('options', opts, 'an options object');
  const { K, kxyMean, alpha } = opts;
  const eta = checkPositive('eta', opts.eta);
  if (!(kxyMean instanceof Float64Array)) throw new InputError('kxyMean', kxyMean, 'a Float64Array [n]');
  if (!(alpha instanceof Float64Array)) throw new InputError('alpha', alpha, 'a Float64Array [n]');
  if (!(K instanceof Float64Array)) throw new InputError('K', K, 'a Float64Array [n, n] (row-major)');
  const n = kxyMean.length;
  if (alpha.length !== n) throw new InputError('alpha.length', alpha.length, `${n} (the length of kxyMean)`);
  if (K.length !== n * n) throw new InputError('K.length', K.length, `n*n = ${n * n} (n = the length of kxyMean)`);
  checkAllFinite('kxyMean', kxyMean);
  checkAllFinite('alpha', alpha);
  checkAllFinite('K', K, n);
  const g = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const row = i * n;
    for (let j = 0; j < n; j++) s += K[row + j]! * alpha[j]!;
    g[i] = kxyMean[i]! + s / eta;
  }
  const qp: KernelQPOptions = {
    K,
    a: 1 + 1 / eta,
    g,
    constraint: opts.constraint ?? 'simplex',
    ...(opts.mass !== undefined ? { mass: opts.mass } : {}),
    ...(opts.warmStart !== undefined ? { warmStart: opts.warmStart } : {}),
    ...(opts.tol !== undefined ? { tol: opts.tol } : {}),
    ...(opts.maxIter !== undefined ? { maxIter: opts.maxIter } : {}),
  };
  return solveKernelQP(qp);
}

/**
 * State of the proximal active-set method. H_FF = a(K_FF + ρ11ᵀ) + εI = RᵀR with R upper
 * triangular, row-major with leading dimension `cap`, columns in the order of `F`.
 */
class ActiveSet {
  readonly n: number;
  readonly K: Float64Array;
  readonly a: number;
  readonly g: Float64Array;
  readonly simplex: boolean;
  readonly mass: number;
  readonly kmax: number;
  eps: number;
  rho: number;
  readonly beta: Float64Array;
  /** r = aKβ − g, the gradient of q (true K, maintained by row updates, refreshed often). */
  readonly r: Float64Array;
  /** The proximal centre c. */
  readonly c: Float64Array;
  /** Free indices, F[0..s). */
  readonly F: Int32Array;
  /** pos[i] = position of i in F, or −1. */
  readonly pos: Int32Array;
  s = 0;
  cap: number;
  R: Float64Array;
  // work arrays of length n
  readonly w1: Float64Array;
  readonly w2: Float64Array;
  readonly d: Float64Array;

  constructor(K: Float64Array, n: number, a: number, g: Float64Array, simplex: boolean, mass: number, kmax: number) {
    this.K = K;
    this.n = n;
    this.a = a;
    this.g = g;
    this.simplex = simplex;
    this.mass = mass;
    this.kmax = kmax;
    const kscale = kmax > 0 ? kmax : 1;
    this.eps = Math.max(1e-12, 10 * n * U) * a * kscale;
    this.rho = simplex ? kmax : 0;
    this.beta = new Float64Array(n);
    this.r = new Float64Array(n);
    this.c = new Float64Array(n);
    this.F = new Int32Array(n);
    this.pos = new Int32Array(n).fill(-1);
    this.cap = Math.min(n, 64);
    this.R = new Float64Array(this.cap * this.cap);
    this.w1 = new Float64Array(n);
    this.w2 = new Float64Array(n);
    this.d = new Float64Array(n);
  }

  /** H_ij of the factorised matrix. */
  h(i: number, j: number): number {
    const v = this.a * (this.K[i * this.n + j]! + this.rho);
    return i === j ? v + this.eps : v;
  }

  init(warm: Float64Array | undefined): void {
    const { n, beta, K, g, a, mass } = this;
    if (warm) {
      beta.set(warm);
    } else if (this.simplex) {
      // best vertex: argmin_j q(m·e_j) = ½a m² K_jj − m g_j
      let best = 0;
      let bv = Infinity;
      for (let j = 0; j < n; j++) {
        const v = 0.5 * a * mass * K[j * n + j]! - g[j]!;
        if (v < bv) {
          bv = v;
          best = j;
        }
      }
      beta[best] = mass;
    }
    for (let i = 0; i < n; i++) if (beta[i]! > 0) this.pushIndex(i);
    this.refactor();
    this.c.set(beta);
    this.refreshGradient();
    if (warm) this.crash();
  }

  /**
   * Crash step for a warm start: if the Newton point z = β + d on its support F leaves the
   * feasible set in many coordinates (more than max(8, |F|/8)), walking there by ratio tests
   * would cost one O(|F|²) removal per coordinate; instead restart from the projection of
   * z onto the feasible set (supported in F), refactorising its smaller support once.
   */
  crash(): void {
    const { F, beta, d } = this;
    const s = this.s;
    if (s < 2) return;
    this.newton();
    let neg = 0;
    for (let f = 0; f < s; f++) if (beta[F[f]!]! + d[f]! <= 0) neg++;
    if (neg <= Math.max(8, s >> 3)) return;
    const z = new Float64Array(s);
    for (let f = 0; f < s; f++) z[f] = beta[F[f]!]! + d[f]!;
    const pz = this.simplex ? projectSimplex(z, undefined, this.mass) : projectOrthant(z);
    const old = F.slice(0, s);
    this.s = 0;
    for (let f = 0; f < s; f++) {
      const i = old[f]!;
      beta[i] = pz[f]!;
      this.pos[i] = -1;
      if (pz[f]! > 0) this.pushIndex(i);
    }
    this.refactor();
    this.c.set(beta);
    this.refreshGradient();
  }

  /** r = aKβ − g from scratch (rows of the support), O(n·|supp β|). */
  refreshGradient(): void {
    const { n, K, a, g, r, beta } = this;
    for (let i = 0; i < n; i++) r[i] = -g[i]!;
    for (let j = 0; j < n; j++) {
      const b = beta[j]!;
      if (b === 0) continue;
      const f = a * b;
      const row = j * n;
      for (let i = 0; i < n; i++) r[i] += f * K[row + i]!;
    }
  }

  pushIndex(i: number): void {
    this.pos[i] = this.s;
    this.F[this.s++] = i;
  }

  ensureCap(s: number): void {
    if (s <= this.cap) return;
    const cap = Math.min(this.n, Math.max(s, 2 * this.cap));
    const R = new Float64Array(cap * cap);
    const m = Math.min(this.s, this.cap);
    for (let i = 0; i < m; i++) R.set(this.R.subarray(i * this.cap + i, i * this.cap + m), i * cap + i);
    this.R = R;
    this.cap = cap;
  }

  /**
   * Appends column `k` (index F[k], all earlier columns factorised) to R: Rᵀx = H_{F,j},
   * R_kk = √(H_jj − ‖x‖²). Returns false if the pivot is lost (< ε/2).
   */
  appendColumn(k: number): boolean {
    this.ensureCap(k + 1);
    const { R, cap, F } = this;
    const j = F[k]!;
    const x = this.w1;
    for (let f = 0; f < k; f++) x[f] = this.h(F[f]!, j);
    // forward substitution Rᵀx = h, row-oriented
    let ss = 0;
    for (let p = 0; p < k; p++) {
      const row = p * cap;
      const xp = x[p]! / R[row + p]!;
      x[p] = xp;
      ss += xp * xp;
      for (let f = p + 1; f < k; f++) x[f] -= R[row + f]! * xp;
    }
    const d2 = this.h(j, j) - ss;
    if (!(d2 >= 0.5 * this.eps)) return false;
    for (let p = 0; p < k; p++) R[p * cap + k] = x[p]!;
    R[k * cap + k] = Math.sqrt(d2);
    return true;
  }

  /** Factorises H_FF from scratch, raising ε (and ρ on the simplex) until every pivot holds. */
  refactor(): void {
    const maxEps = 1e-6 * this.a * (this.kmax > 0 ? this.kmax : 1);
    for (let attempt = 0; attempt < 40; attempt++) {
      let ok = true;
      for (let k = 0; k < this.s; k++) {
        if (!this.appendColumn(k)) {
          ok = false;
          break;
        }
      }
      if (ok) return;
      if (this.eps * 10 <= maxEps) this.eps *= 10;
      else if (this.simplex && this.rho < 1e6 * (this.kmax > 0 ? this.kmax : 1)) this.rho = this.rho > 0 ? 4 * this.rho : 1;
      else break;
    }
    throw new InputError('K', this.K, 'a positive semidefinite matrix (a pivot stayed ≤ 0 with ridge 1e-6·a·max|K|)');
  }

  /** Adds index j at the end of F; refactorises with a larger ridge if its pivot is lost. */
  addIndex(j: number): void {
    this.pushIndex(j);
    if (!this.appendColumn(this.s - 1)) this.refactor();
  }

  /** Removes the index at position p of F, updating R by Givens rotations (O(s²)). */
  removeAt(p: number): void {
    const { R, cap, F, pos } = this;
    const s = this.s;
    pos[F[p]!] = -1;
    for (let q = p; q < s - 1; q++) {
      F[q] = F[q + 1]!;
      pos[F[q]!] = q;
    }
    this.s = s - 1;
    if (p === s - 1) return;
    // delete column p of R (s × s): shift columns p+1..s−1 left in rows 0..s−1
    for (let i = 0; i < s; i++) {
      const row = i * cap;
      const from = Math.max(p + 1, i);
      R.copyWithin(row + from - 1, row + from, row + s);
    }
    // rows p..s−1 are now upper Hessenberg in columns p..s−2: restore triangularity
    for (let i = p; i < s - 1; i++) {
      const ri = i * cap;
      const rj = (i + 1) * cap;
      const x = R[ri + i]!;
      const y = R[rj + i]!;
      const rr = hypot2(x, y);
      const cs = x / rr;
      const sn = y / rr;
      R[ri + i] = rr;
      R[rj + i] = 0;
      for (let k = i + 1; k < s - 1; k++) {
        const t1 = R[ri + k]!;
        const t2 = R[rj + k]!;
        R[ri + k] = cs * t1 + sn * t2;
        R[rj + k] = cs * t2 - sn * t1;
      }
    }
  }

  /** Solves H_FF x = b in place (b of length s in `x`). */
  solve(x: Float64Array): void {
    const { R, cap } = this;
    const s = this.s;
    for (let p = 0; p < s; p++) {
      const row = p * cap;
      const xp = x[p]! / R[row + p]!;
      x[p] = xp;
      for (let f = p + 1; f < s; f++) x[f] -= R[row + f]! * xp;
    }
    for (let p = s - 1; p >= 0; p--) {
      const row = p * cap;
      let t = x[p]!;
      for (let f = p + 1; f < s; f++) t -= R[row + f]! * x[f]!;
      x[p] = t / R[row + p]!;
    }
  }

  /** Solves H_FF x = b and H_FF y = c in place, in one pass over R. */
  solve2(x: Float64Array, y: Float64Array): void {
    const { R, cap } = this;
    const s = this.s;
    for (let p = 0; p < s; p++) {
      const row = p * cap;
      const rpp = R[row + p]!;
      const xp = x[p]! / rpp;
      const yp = y[p]! / rpp;
      x[p] = xp;
      y[p] = yp;
      for (let f = p + 1; f < s; f++) {
        const rf = R[row + f]!;
        x[f] -= rf * xp;
        y[f] -= rf * yp;
      }
    }
    for (let p = s - 1; p >= 0; p--) {
      const row = p * cap;
      let tx = x[p]!;
      let ty = y[p]!;
      for (let f = p + 1; f < s; f++) {
        const rf = R[row + f]!;
        tx -= rf * x[f]!;
        ty -= rf * y[f]!;
      }
      const rpp = R[row + p]!;
      x[p] = tx / rpp;
      y[p] = ty / rpp;
    }
  }

  /**
   * Newton direction of the proximal subproblem on F, into this.d[0..s):
   * H_FF d + μ1 = −(r + ε(β − c))_F, 1ᵀd = m − 1ᵀβ_F (simplex), or H_FF d = −(…) (orthant).
   */
  newton(): void {
    const { F, r, beta, c, eps, d } = this;
    const s = this.s;
    for (let f = 0; f < s; f++) {
      const i = F[f]!;
      d[f] = -(r[i]! + eps * (beta[i]! - c[i]!));
    }
    if (this.simplex) {
      // μ absorbs any constant: centre the right side so that H⁻¹ never sees the
      // (possibly huge) multiplier part, which would cancel in d = p − μw
      let mean = 0;
      for (let f = 0; f < s; f++) mean += d[f]!;
      mean /= s;
      for (let f = 0; f < s; f++) d[f] -= mean;
    }
    if (!this.simplex) {
      this.solve(d);
      return;
    }
    const w = this.w2;
    let sumB = 0;
    for (let f = 0; f < s; f++) {
      w[f] = 1;
      sumB += beta[F[f]!]!;
    }
    this.solve2(d, w);
    let sd = 0;
    let sw = 0;
    for (let f = 0; f < s; f++) {
      sd += d[f]!;
      sw += w[f]!;
    }
    const mu = (sd - (this.mass - sumB)) / sw;
    for (let f = 0; f < s; f++) d[f] -= mu * w[f]!;
  }

  /** β_F += t·d, r += t·a·K_{·F} d (row updates). */
  step(t: number, block: number): void {
    const { F, beta, r, K, n, d, a } = this;
    const s = this.s;
    for (let f = 0; f < s; f++) {
      const df = t * d[f]!;
      if (df === 0) continue;
      const i = F[f]!;
      beta[i] += df;
      const coef = a * df;
      const row = i * n;
      for (let k = 0; k < n; k++) r[k] += coef * K[row + k]!;
    }
    if (block >= 0) {
      // exact zero on the blocking index; its rounding residue goes into r
      const i = F[block]!;
      const bi = beta[i]!;
      if (bi !== 0) {
        beta[i] = 0;
        const coef = -a * bi;
        const row = i * n;
        for (let k = 0; k < n; k++) r[k] += coef * K[row + k]!;
      }
    }
  }

  /** Guard (rounding only): if the simplex support emptied, put the mass back on the best vertex. */
  restartAtVertex(): void {
    this.beta.fill(0);
    let best = 0;
    let bv = Infinity;
    for (let j = 0; j < this.n; j++) {
      const v = 0.5 * this.a * this.mass * this.K[j * this.n + j]! - this.g[j]!;
      if (v < bv) {
        bv = v;
        best = j;
      }
    }
    this.beta[best] = this.mass;
    this.pushIndex(best);
    this.refactor();
    this.refreshGradient();
  }

  /** Multiplier estimate −mean_F(r + ε(β − c)) of the subproblem (0 on the orthant). */
  lambdaF(): number {
    if (!this.simplex || this.s === 0) return 0;
    const { F, r, beta, c, eps } = this;
    let sum = 0;
    for (let f = 0; f < this.s; f++) {
      const i = F[f]!;
      sum += r[i]! + eps * (beta[i]! - c[i]!);
    }
    return -sum / this.s;
  }

  /** Internal scale S = ‖aKβ‖∞ + ‖g‖∞ of the KKT residuals (aKβ = r + g). */
  scale(): number {
    let kb = 0;
    let ginf = 0;
    for (let i = 0; i < this.n; i++) {
      const gi = this.g[i]!;
      kb = Math.max(kb, Math.abs(this.r[i]! + gi));
      ginf = Math.max(ginf, Math.abs(gi));
    }
    const S = kb + ginf;
    return S > 0 ? S : 1;
  }

  /** Largest scaled KKT residual of the original problem from the maintained r. */
  kktMax(S: number): number {
    const { n, beta, r } = this;
    let lambda = 0;
    let linf = 0;
    if (this.simplex) {
      let btr = 0;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        btr += beta[i]! * r[i]!;
        sum += beta[i]!;
      }
      lambda = -btr / sum;
    }
    let stat = 0;
    let comp = 0;
    for (let i = 0; i < n; i++) {
      const nu = r[i]! + lambda;
      if (-nu > stat) stat = -nu;
      const b = beta[i]!;
      if (b > linf) linf = b;
      const cpl = b * Math.abs(nu);
      if (cpl > comp) comp = cpl;
    }
    let primal = 0;
    if (this.simplex) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += beta[i]!;
      primal = Math.abs(sum - this.mass) / this.mass;
    }
    return Math.max(stat / S, linf > 0 ? comp / (S * linf) : 0, primal);
  }

  run(tol: number, maxIter: number): { beta: Float64Array; iterations: number; objective: number; proxSteps: number } {
    const { n, F, pos, beta, r, c, d } = this;
    const blocked = new Uint8Array(n);
    const blockedList: number[] = [];
    const clearBlocked = (): void => {
      for (const i of blockedList) blocked[i] = 0;
      blockedList.length = 0;
    };
    /** Indices added (at βⱼ = 0) by the last pricing round whose Newton component is unchecked. */
    const added: number[] = [];
    const cand: number[] = [];
    const candV = new Float64Array(n);
    let batch = 1; // indices added per pricing round: doubles after full steps, halves on drops
    let iter = 0;
    let proxSteps = 0;
    let refine = 0;
    let sinceRefresh = 0;
    let best = Infinity;
    let stall = 0;
    let S = this.scale();
    let innerTol = 0.25 * tol * S;
    let needNewton = true;
    while (iter < maxIter) {
      if (needNewton) {
        iter++;
        this.newton();
        if (added.length > 0) {
          // an index entering at 0 must move up (d_j > 0); take out those that do not, newest
          // first so that the positions of the others (and their entries of d) stay valid
          const single = added.length === 1;
          let kept = 0;
          for (let q = added.length - 1; q >= 0; q--) {
            const j = added[q]!;
            if (d[pos[j]!]! > 0) {
              kept++;
              continue;
            }
            this.removeAt(pos[j]!);
            added[q] = -1;
            if (single) {
              // numerically no descent into the most violating index: skip it until β moves
              blocked[j] = 1;
              blockedList.push(j);
            }
          }
          if (kept < added.length) {
            batch = 1;
            let w = 0;
            for (const j of added) if (j >= 0) added[w++] = j;
            added.length = w;
            needNewton = w > 0; // re-solve with the survivors, or price again one at a time
            continue;
          }
          added.length = 0;
        }
        const s = this.s;
        // ratio test
        let t = 1;
        let blk = -1;
        for (let f = 0; f < s; f++) {
          const df = d[f]!;
          if (df < 0) {
            const tf = beta[F[f]!]! / -df;
            if (tf < t) {
              t = tf;
              blk = f;
            }
          }
        }
        this.step(t, blk);
        if (t > 0) clearBlocked();
        if (++sinceRefresh >= 50) {
          this.refreshGradient();
          sinceRefresh = 0;
        }
        if (blk >= 0) {
          // drop the blocking index and any other that rounding left ≤ 0
          for (let f = this.s - 1; f >= 0; f--) {
            const i = F[f]!;
            if (f === blk || beta[i]! <= 0) {
              if (beta[i]! !== 0) {
                // fold the residue into r to keep it exact
                const coef = -this.a * beta[i]!;
                const row = i * n;
                for (let k = 0; k < n; k++) r[k] += coef * this.K[row + k]!;
                beta[i] = 0;
              }
              this.removeAt(f);
            }
          }
          if (this.simplex && this.s === 0) this.restartAtVertex();
          batch = Math.max(1, batch >> 1);
          refine = 0;
          continue;
        }
        batch = Math.min(2 * batch, n);
        // full step: check stationarity on F, refine with a further Newton step if needed
        const lam = this.lambdaF();
        let dev = 0;
        for (let f = 0; f < this.s; f++) {
          const i = F[f]!;
          dev = Math.max(dev, Math.abs(r[i]! + this.eps * (beta[i]! - c[i]!) + lam));
        }
        if (dev > innerTol && refine < 3) {
          refine++;
          continue;
        }
        refine = 0;
      }
      needNewton = true;
      // pricing: the `batch` most negative reduced gradients outside F
      const lam = this.lambdaF();
      cand.length = 0;
      for (let i = 0; i < n; i++) {
        if (pos[i]! >= 0 || blocked[i]) continue;
        const v = r[i]! - this.eps * c[i]! + lam;
        if (v < -innerTol) {
          candV[i] = v;
          cand.push(i);
        }
      }
      if (cand.length > 0) {
        if (cand.length > batch) {
          cand.sort((x, y) => candV[x]! - candV[y]!);
          cand.length = batch;
        }
        for (const j of cand) {
          this.addIndex(j);
          added.push(j);
        }
        continue;
      }
      // proximal subproblem solved: test the original problem's KKT conditions
      this.refreshGradient();
      sinceRefresh = 0;
      S = this.scale();
      innerTol = 0.25 * tol * S;
      const res = this.kktMax(S);
      if (res <= tol) break;
      if (res < 0.5 * best) {
        best = res;
        stall = 0;
      } else if (++stall >= 25) break;
      proxSteps++;
      c.set(beta);
      clearBlocked();
    }
    this.refreshGradient();
    let obj = 0;
    for (let i = 0; i < n; i++) {
      const b = beta[i]!;
      if (b !== 0) obj += b * (r[i]! - this.g[i]!);
    }
    return { beta: beta.slice(), iterations: iter, objective: 0.5 * obj, proxSteps };
  }
}
