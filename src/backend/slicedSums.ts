import { InputError } from '../core/errors.js';
import { Argsorter } from './argsort.js';

/**
 * Sliced sums of the Riesz (energy) kernel k(x, y) = −|x − y| (Hertrich, Wald, Altekrüger,
 * Hagemann, "Generative sliced MMD flows with Riesz kernels", ICLR 2024). The identity
 *   |x| = c_d · E_{θ∼U(S^{d−1})} |⟨θ, x⟩|,   c_d = √π Γ((d+1)/2) / Γ(d/2)
 * turns every sum Σⱼ vⱼ k(z, sⱼ) into an average of 1-D sums over directions θ, and in 1-D
 * the sum and its derivative at all points are one sort plus prefix sums of the (signed)
 * coefficients:
 *   ξ_θ(t)  = −Σⱼ vⱼ |t − tⱼ| = −[t·C₋ − M₋ + M₊ − t·C₊],
 *   ξ_θ′(t) = −Σⱼ vⱼ sign(t − tⱼ) = C₊ − C₋,
 * with tⱼ = ⟨θ, sⱼ⟩, C₋ / C₊ the sums of vⱼ over tⱼ < t / tⱼ > t and M₋ / M₊ those of vⱼtⱼ
 * (equal projections contribute sign(0) = 0, the symmetric subgradient of the exact sums).
 * Then, with P directions,
 *   Σⱼ vⱼ k(z, sⱼ) ≈ (c_d/P) Σₚ ξ_θₚ(⟨θₚ, z⟩),   Σⱼ vⱼ ∇_z k(z, sⱼ) ≈ (c_d/P) Σₚ ξ_θₚ′(⟨θₚ, z⟩) θₚ,
 * unbiased for uniformly distributed θₚ, exact for d = 1 (θ = ±1, c₁ = 1). The error of
 * the gradient has variance (c_d² E_θ[ξ_θ′²] − |∇ξ|²)/P ≤ c_d²(Σ|vⱼ|)²/P per point, with
 * c_d ≈ √(πd/2): O(√(d/P)).
 *
 * Cost per direction: the projection O((N + p)·d) (a blocked product of B directions with
 * all points), the sort O(N + p) (radix, see argsort.ts), the sweep O(N + p) and the
 * gradient update O(p·d); memory O(B·(N + p)).
 */

/** c_d = √π Γ((d+1)/2)/Γ(d/2), so that |x| = c_d E_θ|⟨θ, x⟩| for θ uniform on S^{d−1}. */
export function slicedConstant(d: number): number {
  if (!Number.isSafeInteger(d) || d < 1) throw new InputError('d', d, 'an integer >= 1');
  // ρ(d) = Γ((d+1)/2)/Γ(d/2): ρ(1) = 1/√π, ρ(2) = √π/2, ρ(d+2) = ρ(d)·(d+1)/d
  let rho = d % 2 === 1 ? 1 / Math.sqrt(Math.PI) : Math.sqrt(Math.PI) / 2;
  for (let k = d % 2 === 1 ? 1 : 2; k < d; k += 2) rho *= (k + 1) / k;
  return Math.sqrt(Math.PI) * rho;
}

/** Inputs and outputs of `slicedRieszSums` (arrays row-major). */
export interface SlicedRieszOptions {
  /** Sources s [N, d] and their signed coefficients v [N]. */
  S: Float64Array;
  v: Float64Array;
  /** Dimension d of the points. */
  d: number;
  /** Directions θ [P, d] (unit rows). */
  theta: Float64Array;
  /**
   * Query points z [p, d]. Omitted: the queries are the first `nq` sources themselves
   * (e.g. the particles of µ among the sources [X; Y] of µ − π̂).
   */
  Z?: Float64Array;
  /** Number of leading sources that are the queries when Z is omitted (default N). */
  nq?: number;
  /** Out: val[q] ≈ Σⱼ vⱼ k(z_q, sⱼ) [p] (may be null). */
  val?: Float64Array | null;
  /** Out: grad[q] ≈ Σⱼ vⱼ ∇k(z_q, sⱼ) [p, d] (may be null). */
  grad?: Float64Array | null;
  /** Also return the sliced estimate of vᵀK_SS v = −Σᵢⱼ vᵢvⱼ|sᵢ − sⱼ|. */
  quad?: boolean;
}

let sharedSorter: Argsorter | null = null;

/**
 * Sliced Riesz sums: fills `val` and `grad` (overwritten, not accumulated) as documented at the
 * top of this file and returns the estimate of vᵀK_SS v when `quad` is set (else NaN).
 * Cost O(P·((N + p)·d + N + p)).
 */
export function slicedRieszSums(o: SlicedRieszOptions): number {
  const { S, v, d, theta } = o;
  const Ns = v.length;
  if (S.length !== Ns * d) throw new InputError('sources.length', S.length, `${Ns}·${d} (one row of d per coefficient)`);
  const P = theta.length / d;
  if (!Number.isSafeInteger(P) || P < 1) throw new InputError('directions.length', theta.length, `a positive multiple of d = ${d}`);
  const Z = o.Z;
  const p = Z ? Z.length / d : (o.nq ?? Ns);
  if (!Z && (p < 0 || p > Ns)) throw new InputError('nq', p, `an integer in [0, ${Ns}]`);
  const N = Z ? Ns + p : Ns;
  const val = o.val ?? null;
  const grad = o.grad ?? null;
  if (val) val.fill(0);
  if (grad) grad.fill(0);
  const cd = slicedConstant(d);
  const scale = cd / P;
  // block of directions: ~4M projected values at most (32 MB)
  const B = Math.max(1, Math.min(32, P, Math.floor(4_000_000 / Math.max(1, N))));
  const proj = new Float64Array(B * N);
  const G = grad ? new Float64Array(B * p) : null;
  const sorter = (sharedSorter ??= new Argsorter());
  let V = 0;
  for (let j = 0; j < Ns; j++) V += v[j]!;
  // coefficients of all N points (0 for separate queries), carried through the sort
  const vAll = Z ? new Float64Array(N) : v;
  if (Z) vAll.set(v);
  const qOff = Z ? Ns : 0;
  let quadSum = 0;
  for (let p0 = 0; p0 < P; p0 += B) {
    const nb = Math.min(B, P - p0);
    projectBlock(S, Ns, d, theta, p0, nb, proj, N, 0);
    if (Z) projectBlock(Z, p, d, theta, p0, nb, proj, N, Ns);
    for (let b = 0; b < nb; b++) {
      const keys = proj.subarray(b * N, (b + 1) * N);
      const { order, sorted, sortedPayload: sv } = sorter.sort(keys, N, vAll);
      // centre the keys: the value formula then cancels at the scale of the spread only
      const c = 0.5 * (sorted[0]! + sorted[N - 1]!);
      let Mtot = 0;
      if (val) for (let e = 0; e < N; e++) Mtot += sv[e]! * (sorted[e]! - c);
      let Cm = 0; // Σ v over keys < current group
      let Mm = 0; // Σ v·t over keys < current group
      let e = 0;
      while (e < N) {
        const t = sorted[e]!;
        let g1 = e + 1;
        let Cg = sv[e]!;
        while (g1 < N && sorted[g1] === t) Cg += sv[g1++]!;
        const tc = t - c;
        const Mg = Cg * tc;
        const Cp = V - Cm - Cg;
        const Mp = Mtot - Mm - Mg;
        const der = Cp - Cm;
        const value = -(tc * Cm - Mm + Mp - tc * Cp);
        for (let f = e; f < g1; f++) {
          const q = order[f]! - qOff;
          if (q < 0 || q >= p) continue;
          if (G) G[b * p + q] = der;
          if (val) val[q] = val[q]! + scale * value;
        }
        if (o.quad && g1 < N) {
          // −Σᵢⱼ vᵢvⱼ|tᵢ − tⱼ| = −2 Σ_gaps gap·C(V − C), C = Σ v up to the gap
          const C = Cm + Cg;
          quadSum -= 2 * (sorted[g1]! - t) * C * (V - C);
        }
        Cm += Cg;
        Mm += Mg;
        e = g1;
      }
    }
    if (G && grad) accumulateGrad(G, p, d, theta, p0, nb, scale, grad);
  }
  return o.quad ? scale * quadSum : Number.NaN;
}

/** out[b·N + off + j] = ⟨θ_{p0+b}, X_j⟩ for j < n, b < nb (rows of X contiguous, θ block in cache). */
function projectBlock(X: Float64Array, n: number, d: number, theta: Float64Array, p0: number, nb: number, out: Float64Array, N: number, off: number): void {
  if (d === 1) {
    for (let b = 0; b < nb; b++) {
      const t = theta[p0 + b]!;
      const o = b * N + off;
      for (let j = 0; j < n; j++) out[o + j] = t * X[j]!;
    }
    return;
  }
  if (d === 2) {
    for (let b = 0; b < nb; b++) {
      const t0 = theta[2 * (p0 + b)]!;
      const t1 = theta[2 * (p0 + b) + 1]!;
      const o = b * N + off;
      for (let j = 0; j < n; j++) out[o + j] = t0 * X[2 * j]! + t1 * X[2 * j + 1]!;
    }
    return;
  }
  let b = 0;
  for (; b + 4 <= nb; b += 4) {
    const r0 = (p0 + b) * d;
    const r1 = r0 + d;
    const r2 = r1 + d;
    const r3 = r2 + d;
    const o0 = b * N + off;
    for (let j = 0; j < n; j++) {
      const x = j * d;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let a = 0; a < d; a++) {
        const xa = X[x + a]!;
        s0 += xa * theta[r0 + a]!;
        s1 += xa * theta[r1 + a]!;
        s2 += xa * theta[r2 + a]!;
        s3 += xa * theta[r3 + a]!;
      }
      out[o0 + j] = s0;
      out[o0 + N + j] = s1;
      out[o0 + 2 * N + j] = s2;
      out[o0 + 3 * N + j] = s3;
    }
  }
  for (; b < nb; b++) {
    const r0 = (p0 + b) * d;
    const o0 = b * N + off;
    for (let j = 0; j < n; j++) {
      const x = j * d;
      let s0 = 0;
      for (let a = 0; a < d; a++) s0 += X[x + a]! * theta[r0 + a]!;
      out[o0 + j] = s0;
    }
  }
}

/** grad[q, :] += scale · Σ_b G[b, q] θ_{p0+b} (a [p, nb] × [nb, d] product). */
function accumulateGrad(G: Float64Array, p: number, d: number, theta: Float64Array, p0: number, nb: number, scale: number, grad: Float64Array): void {
  if (d === 2) {
    for (let b = 0; b < nb; b++) {
      const t0 = scale * theta[2 * (p0 + b)]!;
      const t1 = scale * theta[2 * (p0 + b) + 1]!;
      const o = b * p;
      for (let q = 0; q < p; q++) {
        const g = G[o + q]!;
        grad[2 * q] = grad[2 * q]! + g * t0;
        grad[2 * q + 1] = grad[2 * q + 1]! + g * t1;
      }
    }
    return;
  }
  let b = 0;
  for (; b + 4 <= nb; b += 4) {
    const r0 = (p0 + b) * d;
    const r1 = r0 + d;
    const r2 = r1 + d;
    const r3 = r2 + d;
    for (let q = 0; q < p; q++) {
      const g0 = scale * G[b * p + q]!;
      const g1 = scale * G[(b + 1) * p + q]!;
      const g2 = scale * G[(b + 2) * p + q]!;
      const g3 = scale * G[(b + 3) * p + q]!;
      const x = q * d;
      for (let a = 0; a < d; a++) grad[x + a] = grad[x + a]! + g0 * theta[r0 + a]! + g1 * theta[r1 + a]! + g2 * theta[r2 + a]! + g3 * theta[r3 + a]!;
    }
  }
  for (; b < nb; b++) {
    const r0 = (p0 + b) * d;
    for (let q = 0; q < p; q++) {
      const g0 = scale * G[b * p + q]!;
      const x = q * d;
      for (let a = 0; a < d; a++) grad[x + a] = grad[x + a]! + g0 * theta[r0 + a]!;
    }
  }
}
