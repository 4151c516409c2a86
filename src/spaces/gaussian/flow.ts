/**
 * Gradient flows on the space of Gaussians 𝒩ᵈ: the state is µ = N(m, Σ) (mean [d] and a
 * symmetric positive definite covariance [d, d]), the same (space, energy, geometry, scheme)
 * triple as particle flows. See docs/gaussian-vi.md for the maths and the references.
 *
 * Energies (F(m, Σ); ∇ₘF and ∇_ΣF are what the geometries use):
 * - `kl` — KL(µ‖π) for π ∝ e^{−V} known by its score s = −∇V (exclusive/reverse KL,
 *   mode-seeking): F = E_µ[V] − ½log det Σ − (d/2)(1 + log 2π) (+ log Z),
 *   ∇ₘF = E_µ[∇V],  ∇_ΣF = ½(E_µ[∇²V] − Σ⁻¹). The Hessian is never needed: by Stein's
 *   identity E_µ[∇²V]·Σ = E_µ[∇V(X)(X − m)ᵀ], so E_µ[∇²V] = Σ⁻¹E_µ[(X − m)∇V(X)ᵀ]
 *   (symmetrised). The value is reported when π has a log density (exact KL when that
 *   density is normalised).
 * - `forward-kl` — KL(π‖µ) from target samples (inclusive, mode-covering): up to the
 *   target's entropy F = ½log det(2πΣ) + ½tr(Σ⁻¹C), C = Ĉ + (m − m̂)(m − m̂)ᵀ with m̂, Ĉ the
 *   sample mean and covariance; ∇ₘF = Σ⁻¹(m − m̂), ∇_ΣF = ½(Σ⁻¹ − Σ⁻¹CΣ⁻¹). Its minimiser is
 *   moment matching: m = m̂, Σ = Ĉ.
 *
 * Geometries and schemes (τ is the step):
 * - `bures-wasserstein` — the Wasserstein gradient flow restricted to Gaussians
 *   (Lambert, Chewi, Bach, Bonnabel, Rigollet, NeurIPS 2022): ṁ = −∇ₘF,
 *   Σ̇ = −2(∇_ΣF·Σ + Σ·∇_ΣF); for KL(µ‖π) this is Σ̇ = 2I − E[∇²V]Σ − ΣE[∇²V].
 *   `explicit`: m ← m − τ∇ₘF, Σ ← MΣM with M = I − 2τ∇_ΣF (the BW exponential map, which
 *   keeps Σ symmetric positive semidefinite).
 *   `proximal` (KL(µ‖π) only; forward–backward Gaussian VI, Diao, Balasubramanian, Chewi,
 *   Salim, ICML 2023): a gradient step on E[V], m ← m − τE[∇V], Σ' = (I − τE[∇²V])Σ(I − τE[∇²V]),
 *   then the exact JKO step of the entropy Σ ← ½(Σ' + 2τI + (Σ'(Σ' + 4τI))^{1/2}).
 * - `fisher-rao` — the natural-gradient flow (Fisher information metric of 𝒩ᵈ):
 *   ṁ = −Σ∇ₘF, Ṡ = 2∇_ΣF for the precision S = Σ⁻¹; for KL(µ‖π): Ṡ = E[∇²V] − S,
 *   ṁ = −ΣE[∇V] (the continuous limit of the Bayesian learning rule).
 *   `explicit`: a step along the geodesic of the Fisher (affine-invariant) metric,
 *   S ← S^{1/2}exp(τS^{−1/2}GS^{−1/2})S^{1/2} with G = 2∇_ΣF, which keeps S positive definite
 *   for any τ and agrees with S ← S + τG to first order; and the explicit mean step m ← m − τΣ∇ₘF.
 */
import { DivergenceError, InputError } from '../../core/errors.js';
import { cholesky, choleskyInverse, logDetFromCholesky } from '../../core/linalg.js';
import { type Rng, rng as makeRng } from '../../core/rng.js';
import type { Target } from '../../targets/target.js';
import { type GaussianExpectations, gaussianNodes, resolveExpectations } from './expectations.js';
import { checkSPD, identity, matMul, sqrtSym, symFunction, symmetrize } from './matrix.js';

/** A Gaussian N(m, Σ) on ℝᵈ: mean [d], covariance [d, d] row-major. */
export interface GaussianState {
  readonly d: number;
  readonly m: Float64Array;
  readonly Sigma: Float64Array;
}

/** The energy of a Gaussian flow: `kl` = KL(µ‖π) (reverse, needs the target's score), `forward-kl` = KL(π‖µ) (needs target samples). */
export type GaussianEnergyKind = 'kl' | 'forward-kl';
/**
 * The metric on 𝒩ᵈ: `bures-wasserstein` (the Wasserstein-2 distance restricted to Gaussians)
 * or `fisher-rao` (the Fisher information metric; its gradient flow is natural-gradient descent).
 */
export type GaussianGeometry = 'bures-wasserstein' | 'fisher-rao';
/** Time discretisation: `explicit` (forward Euler) or `proximal` (forward–backward; `kl` in `bures-wasserstein` only). */
export type GaussianScheme = 'explicit' | 'proximal';

/** Configuration of a flow on 𝒩ᵈ. */
export interface GaussianFlowConfig {
  /** The target π. `kl` needs its score; `forward-kl` needs samples (`Y`, `target.samples`, or `target.sample`). */
  target: Target;
  /** `kl` = KL(µ‖π) (default), `forward-kl` = KL(π‖µ). */
  energy?: GaussianEnergyKind;
  /** Default `bures-wasserstein`. */
  geometry?: GaussianGeometry;
  /** Default `explicit`; `proximal` only for `kl` in `bures-wasserstein`. */
  scheme?: GaussianScheme;
  /** Step size τ > 0 (default 0.05). */
  tau?: number;
  /** How E_µ[·] is computed (default `{kind: 'cubature'}`). */
  expectations?: GaussianExpectations;
  /** Target samples [m, d] for `forward-kl`. */
  Y?: Float64Array;
  /** For `forward-kl` with a target that can only be sampled: how many samples to draw once (default 2000, stream (sampleSeed, 0)). */
  sampleSize?: number;
  sampleSeed?: number;
}

/** Per-step information. */
export interface GaussianStepInfo {
  /** F(µ) before the step (NaN when the target has no log density, for `kl`). */
  energy: number;
  /** ‖∇ₘF‖₂ and ‖∇_ΣF‖_F before the step. */
  gradMean: number;
  gradCov: number;
}

/** A flow on 𝒩ᵈ: `step` is pure given the generator (used only by Monte Carlo expectations). */
export interface GaussianFlow {
  readonly space: 'gaussian';
  readonly d: number;
  readonly config: Readonly<Required<Pick<GaussianFlowConfig, 'energy' | 'geometry' | 'scheme' | 'tau'>>> & { expectations: GaussianExpectations };
  /** Validates and copies an initial Gaussian. */
  init(m: ArrayLike<number>, Sigma: ArrayLike<number>): GaussianState;
  /** One step of the scheme: returns the new state and the information at the old one. */
  step(r: Rng, s: GaussianState): [GaussianState, GaussianStepInfo];
  /** F(µ), ∇ₘF, ∇_ΣF at a state (for tests and reports). */
  evaluate(r: Rng, s: GaussianState): { energy: number; gm: Float64Array; gS: Float64Array };
}

const LOG_2PI = Math.log(2 * Math.PI);

function norm(a: Float64Array): number {
  let s = 0;
  for (const v of a) s += v * v;
  return Math.sqrt(s);
}

/** Sample mean [d] and covariance [d, d] (divisor m) of Y [m, d]. */
export function sampleMoments(Y: Float64Array, d: number): { mean: Float64Array; cov: Float64Array } {
  const m = Y.length / d;
  const mean = new Float64Array(d);
  for (let l = 0; l < m; l++) for (let a = 0; a < d; a++) mean[a]! += Y[l * d + a]! / m;
  const cov = new Float64Array(d * d);
  for (let l = 0; l < m; l++) {
    for (let a = 0; a < d; a++) {
      const da = Y[l * d + a]! - mean[a]!;
      for (let b = 0; b <= a; b++) cov[a * d + b]! += (da * (Y[l * d + b]! - mean[b]!)) / m;
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) cov[b * d + a] = cov[a * d + b]!;
  return { mean, cov };
}

/**
 * Builds a flow on the Gaussian space from its triple. Errors name the config field.
 * @example
 * const f = gaussianFlow({ target: gaussianTarget({mean, cov}), geometry: 'bures-wasserstein', tau: 0.1 });
 * let s = f.init([3, 3], [1, 0, 0, 1]);
 * for (let t = 0; t < 100; t++) [s] = f.step(rng(0, t + 1), s);
 */
export function gaussianFlow(config: GaussianFlowConfig): GaussianFlow {
  if (config === null || typeof config !== 'object') throw new InputError('config', config, 'an object {target, energy, geometry, …}');
  const { target } = config;
  if (target === null || typeof target !== 'object' || !Number.isInteger(target.d)) throw new InputError('target', target, 'a Target');
  const d = target.d;
  const energy = config.energy ?? 'kl';
  const geometry = config.geometry ?? 'bures-wasserstein';
  const scheme = config.scheme ?? 'explicit';
  const tau = config.tau ?? 0.05;
  if (energy !== 'kl' && energy !== 'forward-kl') throw new InputError('energy', energy, "'kl' (KL(µ‖π)) or 'forward-kl' (KL(π‖µ))");
  if (geometry !== 'bures-wasserstein' && geometry !== 'fisher-rao') throw new InputError('geometry', geometry, "'bures-wasserstein' or 'fisher-rao'");
  if (scheme !== 'explicit' && scheme !== 'proximal') throw new InputError('scheme', scheme, "'explicit' or 'proximal'");
  if (scheme === 'proximal' && (energy !== 'kl' || geometry !== 'bures-wasserstein'))
    throw new InputError('scheme', scheme, "'explicit'", "the proximal step is the JKO step of the entropy, defined for energy 'kl' in geometry 'bures-wasserstein'");
  if (!(typeof tau === 'number' && Number.isFinite(tau) && tau > 0)) throw new InputError('tau', tau, 'a finite number > 0');
  const expectations = resolveExpectations(config.expectations);

  let scoreFn: ((X: Float64Array) => Float64Array) | null = null;
  let logDensity: ((X: Float64Array) => Float64Array) | null = null;
  let moments: { mean: Float64Array; cov: Float64Array } | null = null;
  if (energy === 'kl') {
    if (typeof target.score !== 'function')
      throw new InputError('target', target.kind, 'a target with a score ∇log π', "energy 'kl' (KL(µ‖π)) needs the target's score");
    const sc = target.score.bind(target);
    scoreFn = (X) => sc(X);
    if (typeof target.logDensity === 'function') {
      const ld = target.logDensity.bind(target);
      logDensity = (X) => ld(X);
    }
  } else {
    let Y = config.Y ?? target.samples;
    if (Y === undefined && typeof target.sample === 'function') {
      const size = config.sampleSize ?? 2000;
      if (!Number.isInteger(size) || size < d + 1) throw new InputError('sampleSize', size, `an integer >= d + 1 = ${d + 1}`);
      Y = target.sample(makeRng(config.sampleSeed ?? 0, 0), size);
    }
    if (!(Y instanceof Float64Array)) throw new InputError('Y', Y, 'target samples [m, d] (energy forward-kl needs samples of π)');
    if (Y.length % d !== 0 || Y.length / d < d + 1) throw new InputError('Y.length', Y.length, `m·d with m >= d + 1 = ${d + 1} samples`);
    for (let i = 0; i < Y.length; i++) if (!Number.isFinite(Y[i]!)) throw new InputError(`Y[${Math.floor(i / d)}][${i % d}]`, Y[i], 'a finite number');
    moments = sampleMoments(Y, d);
  }

  function evaluate(r: Rng, s: GaussianState): { energy: number; gm: Float64Array; gS: Float64Array } {
    const L = cholesky(s.Sigma, d, 'Sigma');
    const Linv = choleskyInverse(L, d); // Σ⁻¹
    const logDet = logDetFromCholesky(L, d);
    const gm = new Float64Array(d);
    const gS = new Float64Array(d * d);
    let F: number;
    if (energy === 'kl') {
      const nodes = gaussianNodes(expectations, s.m, L, d, r);
      const S = scoreFn!(nodes.X);
      // E[∇V] = −Σ w s(x);  A = E[z ∇V(X)ᵀ] (X − m = L z), E[∇²V] = L⁻ᵀ A (symmetrised).
      const A = new Float64Array(d * d);
      for (let k = 0; k < nodes.q; k++) {
        const wk = nodes.weights[k]!;
        for (let a = 0; a < d; a++) {
          const ga = -S[k * d + a]!;
          gm[a]! += wk * ga;
          for (let b = 0; b < d; b++) A[b * d + a]! += wk * nodes.Z[k * d + b]! * ga;
        }
      }
      // H = L⁻ᵀA: solve Lᵀ H = A column by column (back substitution).
      const H = new Float64Array(d * d);
      for (let c = 0; c < d; c++) {
        for (let i = d - 1; i >= 0; i--) {
          let v = A[i * d + c]!;
          for (let k = i + 1; k < d; k++) v -= L[k * d + i]! * H[k * d + c]!;
          H[i * d + c] = v / L[i * d + i]!;
        }
      }
      symmetrize(H, d);
      for (let i = 0; i < d * d; i++) gS[i] = 0.5 * (H[i]! - Linv[i]!);
      if (logDensity) {
        const lp = logDensity(nodes.X);
        let ev = 0;
        for (let k = 0; k < nodes.q; k++) ev -= nodes.weights[k]! * lp[k]!;
        F = ev - 0.5 * logDet - 0.5 * d * (1 + LOG_2PI);
      } else F = Number.NaN;
    } else {
      const { mean, cov } = moments!;
      const C = Float64Array.from(cov);
      const dm = new Float64Array(d);
      for (let a = 0; a < d; a++) dm[a] = s.m[a]! - mean[a]!;
      for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) C[a * d + b]! += dm[a]! * dm[b]!;
      for (let a = 0; a < d; a++) {
        let v = 0;
        for (let b = 0; b < d; b++) v += Linv[a * d + b]! * dm[b]!;
        gm[a] = v;
      }
      const SC = matMul(Linv, C, d);
      const SCS = symmetrize(matMul(SC, Linv, d), d);
      let tr = 0;
      for (let a = 0; a < d; a++) tr += SC[a * d + a]!;
      for (let i = 0; i < d * d; i++) gS[i] = 0.5 * (Linv[i]! - SCS[i]!);
      F = 0.5 * (d * LOG_2PI + logDet) + 0.5 * tr;
    }
    return { energy: F, gm, gS };
  }

  function init(m: ArrayLike<number>, Sigma: ArrayLike<number>): GaussianState {
    if (m == null || m.length !== d) throw new InputError('init.mean', m, `${d} numbers`);
    const mm = Float64Array.from(m);
    for (let a = 0; a < d; a++) if (!Number.isFinite(mm[a]!)) throw new InputError(`init.mean[${a}]`, mm[a], 'a finite number');
    if (Sigma == null || Sigma.length !== d * d) throw new InputError('init.cov', Sigma, `${d}×${d} = ${d * d} numbers (row-major)`);
    const S = Float64Array.from(Sigma);
    checkSPD('init.cov', S, d);
    return { d, m: mm, Sigma: symmetrize(S, d) };
  }

  function step(r: Rng, s: GaussianState): [GaussianState, GaussianStepInfo] {
    if (s == null || s.d !== d || !(s.m instanceof Float64Array) || !(s.Sigma instanceof Float64Array))
      throw new InputError('state', s, `a GaussianState {d: ${d}, m, Sigma} from init() or step()`);
    const { energy: F, gm, gS } = evaluate(r, s);
    const info: GaussianStepInfo = { energy: F, gradMean: norm(gm), gradCov: norm(gS) };
    let m: Float64Array;
    let Sigma: Float64Array;
    if (geometry === 'bures-wasserstein') {
      m = new Float64Array(d);
      for (let a = 0; a < d; a++) m[a] = s.m[a]! - tau * gm[a]!;
      const M = identity(d);
      if (scheme === 'explicit') {
        for (let i = 0; i < d * d; i++) M[i]! -= 2 * tau * gS[i]!;
      } else {
        // gradient step on E[V] only: 2∇_ΣF + Σ⁻¹ = E[∇²V]
        const Linv = choleskyInverse(cholesky(s.Sigma, d, 'Sigma'), d);
        for (let i = 0; i < d * d; i++) M[i]! -= tau * (2 * gS[i]! + Linv[i]!);
      }
      Sigma = symmetrize(matMul(matMul(M, s.Sigma, d), M, d), d);
      if (scheme === 'proximal') {
        const P = Float64Array.from(Sigma);
        for (let a = 0; a < d; a++) P[a * d + a]! += 4 * tau;
        const R = sqrtSym(symmetrize(matMul(Sigma, P, d), d), d);
        for (let i = 0; i < d * d; i++) Sigma[i] = 0.5 * (Sigma[i]! + R[i]!);
        for (let a = 0; a < d; a++) Sigma[a * d + a]! += tau;
      }
    } else {
      // Geodesic step of the affine-invariant metric on the precision S = Σ⁻¹:
      // S ← S^{1/2} exp(τ S^{-1/2} G S^{-1/2}) S^{1/2}, i.e. Σ ← Σ^{1/2} exp(−τ Σ^{1/2} G Σ^{1/2}) Σ^{1/2}.
      const G = new Float64Array(d * d);
      for (let i = 0; i < d * d; i++) G[i] = 2 * gS[i]!;
      const Sh = sqrtSym(s.Sigma, d); // Σ^{1/2} = S^{-1/2}
      const A = symmetrize(matMul(matMul(Sh, G, d), Sh, d), d);
      const E = symFunction(A, d, (x) => Math.exp(-tau * x));
      Sigma = symmetrize(matMul(matMul(Sh, E, d), Sh, d), d);
      m = new Float64Array(d);
      for (let a = 0; a < d; a++) {
        let v = 0;
        for (let b = 0; b < d; b++) v += s.Sigma[a * d + b]! * gm[b]!;
        m[a] = s.m[a]! - tau * v;
      }
    }
    for (let a = 0; a < d; a++) if (!Number.isFinite(m[a]!)) throw new DivergenceError(`mean[${a}] became ${m[a]} (reduce tau)`, 0);
    for (let i = 0; i < d * d; i++) if (!Number.isFinite(Sigma[i]!)) throw new DivergenceError('covariance became non-finite (reduce tau)', 0);
    try {
      cholesky(Sigma, d, 'Sigma');
    } catch {
      throw new DivergenceError('covariance lost positive definiteness (reduce tau)', 0);
    }
    return [{ d, m, Sigma }, info];
  }

  return { space: 'gaussian', d, config: { energy, geometry, scheme, tau, expectations }, init, step, evaluate };
}
