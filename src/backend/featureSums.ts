import { InputError } from '../core/errors.js';
import { log } from '../core/math.js';
import type { Rng } from '../core/rng.js';
import type { Kernel } from '../kernels/kernel.js';

/**
 * Random Fourier features (Rahimi & Recht, "Random features for large-scale kernel
 * machines", NeurIPS 2007) for the translation-invariant kernels: by Bochner's theorem
 * k(x, y) = κ(x − y) = E_{ω∼p} cos(⟨ω, x − y⟩) with p the normalised spectral density, so
 * with D frequencies ω₁..ω_D ∼ p and, per frequency, Aᵣ = Σⱼ vⱼ cos⟨ωᵣ, sⱼ⟩,
 * Bᵣ = Σⱼ vⱼ sin⟨ωᵣ, sⱼ⟩:
 *   Σⱼ vⱼ k(z, sⱼ)    ≈ (1/D) Σᵣ [cos⟨ωᵣ, z⟩ Aᵣ + sin⟨ωᵣ, z⟩ Bᵣ]         (= (1/D)Σᵣ Σⱼ vⱼ cos⟨ωᵣ, z − sⱼ⟩)
 *   Σⱼ vⱼ ∇_z k(z, sⱼ) ≈ (1/D) Σᵣ ωᵣ [−sin⟨ωᵣ, z⟩ Aᵣ + cos⟨ωᵣ, z⟩ Bᵣ]
 *   vᵀK v            ≈ (1/D) Σᵣ (Aᵣ² + Bᵣ²)                               (≥ 0)
 * all unbiased. Per point the value error has variance (E_ω[Tᵣ²] − ξ(z)²)/D ≤ (Σ|vⱼ|)²/D with
 * Tᵣ = Σⱼ vⱼ cos⟨ωᵣ, z − sⱼ⟩, and the gradient's ≤ (Σ|vⱼ|)² E|ω|²/D. Cost O(D·(N + p)·d)
 * plus 2D·(N + p) sines and cosines; memory O(B·(N + p)) for a block of B frequencies.
 *
 * Spectral laws (k radial, r = |x − y|, g ∼ N(0, I_d)):
 * - gaussian exp(−r²/(2σ²)):          ω = g/σ                      (E|ω|² = d/σ²)
 * - laplace exp(−r/σ):                ω = g/(σ|u|), u ∼ N(0, 1)   (multivariate Cauchy; E|ω|² = ∞)
 * - matern32 (1 + √3r/σ)e^{−√3r/σ}:   ω = g/(σ√(W/3)), W ∼ χ²₃    (Student t, 3 dof; E|ω|² = 3d/σ²)
 * - imq (1 + r²/σ²)^(−β):             ω = g√(2λ)/σ, λ ∼ Gamma(β, 1) (the IMQ is the Gamma mixture
 *   E_λ exp(−λr²/σ²) of Gaussians; E|ω|² = 2βd/σ²)
 * The energy kernel −r^β has no spectral probability measure (not positive definite) and is
 * refused: use the sliced sums for it.
 */

/** Kernels with random Fourier features. */
export const FEATURE_KERNEL_KINDS = ['gaussian', 'laplace', 'matern32', 'imq'] as const;

/** Throws unless `ker` has random Fourier features; `field` names the kernel in the message. */
export function checkFeatureKernel(ker: Kernel, field = 'kernel.kind'): void {
  if (!(FEATURE_KERNEL_KINDS as readonly string[]).includes(ker.kind))
    throw new InputError(
      field,
      ker.kind,
      `one of ${FEATURE_KERNEL_KINDS.join(', ')} for random Fourier features (the energy kernel −|x−y|^β has no spectral probability measure; use sums 'sliced' with β = 1)`,
    );
}

/** D frequencies [D, d] from the kernel's spectral law, drawn from `r`. */
export function drawFrequencies(ker: Kernel, r: Rng, D: number, d: number): Float64Array {
  checkFeatureKernel(ker);
  if (!Number.isSafeInteger(D) || D < 1) throw new InputError('sums.features', D, 'an integer >= 1');
  const om = new Float64Array(D * d);
  const sigma = (ker as { sigma: number }).sigma;
  for (let q = 0; q < D; q++) {
    let s: number;
    switch (ker.kind) {
      case 'gaussian':
        s = 1 / sigma;
        break;
      case 'laplace': {
        let u = 0;
        while (u === 0) u = r.normal();
        s = 1 / (sigma * Math.abs(u));
        break;
      }
      case 'matern32': {
        let w = 0;
        while (w === 0) {
          const a = r.normal();
          const b = r.normal();
          const c = r.normal();
          w = a * a + b * b + c * c;
        }
        s = 1 / (sigma * Math.sqrt(w / 3));
        break;
      }
      default: {
        // imq
        const lam = gammaSample(r, ker.kind === 'imq' ? (ker.beta ?? 0.5) : 0.5);
        s = Math.sqrt(2 * lam) / sigma;
      }
    }
    for (let a = 0; a < d; a++) om[q * d + a] = s * r.normal();
  }
  return om;
}

/** Gamma(shape, 1) by Marsaglia & Tsang (2000), with the U^{1/shape} boost for shape < 1. */
export function gammaSample(r: Rng, shape: number): number {
  if (shape < 1) {
    let u = 0;
    while (u === 0) u = r.uniform();
    return gammaSample(r, shape + 1) * Math.exp(log(u) / shape);
  }
  const dd = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * dd);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = r.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = r.uniform();
    if (u < 1 - 0.0331 * x * x * x * x) return dd * v;
    if (u > 0 && log(u) < 0.5 * x * x + dd * (1 - v + log(v))) return dd * v;
  }
}

/** Inputs and outputs of `featureSums` (arrays row-major). */
export interface FeatureSumOptions {
  /** Sources s [N, d] and their coefficients v [N]. */
  S: Float64Array;
  v: Float64Array;
  /** Dimension d of the points. */
  d: number;
  /** Frequencies ω [D, d] (from `drawFrequencies`). */
  omega: Float64Array;
  /** Query points z [p, d]; omitted: the first `nq` sources (default N). */
  Z?: Float64Array;
  nq?: number;
  /** Out: val[q] ≈ Σⱼ vⱼ k(z_q, sⱼ) [p] (may be null). */
  val?: Float64Array | null;
  /** Out: grad[q] ≈ Σⱼ vⱼ ∇k(z_q, sⱼ) [p, d] (may be null). */
  grad?: Float64Array | null;
  /** Also return the estimate of vᵀK_SS v. */
  quad?: boolean;
}

/**
 * Random-feature kernel sums: fills `val` and `grad` (overwritten) as documented at the top of
 * this file and returns the estimate of vᵀK v when `quad` is set (else NaN).
 */
export function featureSums(o: FeatureSumOptions): number {
  const { S, v, d, omega } = o;
  const Ns = v.length;
  if (S.length !== Ns * d) throw new InputError('sources.length', S.length, `${Ns}·${d} (one row of d per coefficient)`);
  const D = omega.length / d;
  if (!Number.isSafeInteger(D) || D < 1) throw new InputError('features.length', omega.length, `a positive multiple of d = ${d}`);
  const Z = o.Z;
  const p = Z ? Z.length / d : (o.nq ?? Ns);
  if (!Z && (p < 0 || p > Ns)) throw new InputError('nq', p, `an integer in [0, ${Ns}]`);
  const val = o.val ?? null;
  const grad = o.grad ?? null;
  if (val) val.fill(0);
  if (grad) grad.fill(0);
  const inv = 1 / D;
  const B = Math.max(1, Math.min(64, D, Math.floor(2_000_000 / Math.max(1, Ns + p))));
  const cs = new Float64Array(B * Ns);
  const sn = new Float64Array(B * Ns);
  const cq = Z ? new Float64Array(B * p) : cs;
  const sq = Z ? new Float64Array(B * p) : sn;
  const qStride = Z ? p : Ns;
  const A = new Float64Array(B);
  const Bs = new Float64Array(B);
  let quad = 0;
  for (let r0 = 0; r0 < D; r0 += B) {
    const nb = Math.min(B, D - r0);
    trig(S, Ns, d, omega, r0, nb, cs, sn, Ns);
    if (Z) trig(Z, p, d, omega, r0, nb, cq, sq, p);
    for (let b = 0; b < nb; b++) {
      let a = 0;
      let s = 0;
      const o0 = b * Ns;
      for (let j = 0; j < Ns; j++) {
        a += v[j]! * cs[o0 + j]!;
        s += v[j]! * sn[o0 + j]!;
      }
      A[b] = a;
      Bs[b] = s;
      quad += a * a + s * s;
    }
    if (val)
      for (let b = 0; b < nb; b++) {
        const a = inv * A[b]!;
        const s = inv * Bs[b]!;
        const o0 = b * qStride;
        for (let q = 0; q < p; q++) val[q] = val[q]! + cq[o0 + q]! * a + sq[o0 + q]! * s;
      }
    if (grad)
      for (let b = 0; b < nb; b++) {
        const a = inv * A[b]!;
        const s = inv * Bs[b]!;
        const o0 = b * qStride;
        const w = (r0 + b) * d;
        for (let q = 0; q < p; q++) {
          const f = -sq[o0 + q]! * a + cq[o0 + q]! * s;
          const x = q * d;
          for (let k = 0; k < d; k++) grad[x + k] = grad[x + k]! + f * omega[w + k]!;
        }
      }
  }
  return o.quad ? inv * quad : Number.NaN;
}

/** cos/sin of ⟨ω_{r0+b}, X_j⟩ into c/s [b·stride + j]. */
function trig(X: Float64Array, n: number, d: number, omega: Float64Array, r0: number, nb: number, c: Float64Array, s: Float64Array, stride: number): void {
  for (let b = 0; b < nb; b++) {
    const w = (r0 + b) * d;
    const o = b * stride;
    for (let j = 0; j < n; j++) {
      let t = 0;
      const x = j * d;
      for (let k = 0; k < d; k++) t += X[x + k]! * omega[w + k]!;
      c[o + j] = Math.cos(t);
      s[o + j] = Math.sin(t);
    }
  }
}
