import { kernelSum, kernelSumGrad } from '../backend/kernelSums.js';
import { kernelSumVec } from '../backend/vectorSums.js';
import { InputError } from '../core/errors.js';
import { fdot, log, powNonNegative } from '../core/math.js';
import type { ParticleMeasure } from '../core/measure.js';
import { checkPositive } from '../core/validate.js';
import type { Kernel } from '../kernels/kernel.js';
import { checkKernel } from '../kernels/kernel.js';
import type { Energy, EnergyEval, EnergyRequest } from './energy.js';
import type { Potential } from './potential.js';

/**
 * Interaction W(x − y): `scale`·k(x, y) for a radial kernel (e.g. energy kernel −|x−y|
 * for repulsion with scale > 0), or `scale`·|x − y|²/2 ('quadratic', aggregation).
 */
export type Interaction =
  | { readonly kind: 'kernel'; readonly kernel: Kernel; readonly scale: number }
  | { readonly kind: 'quadratic'; readonly scale: number };

/**
 * Internal energy ∫U(ρ). `entropy`: U = T·ρ log ρ (Fokker–Planck); `porous`: U = T·ρᵐ/(m−1).
 * Realised either by Brownian noise of variance 2τT per step ('noise', entropy only) or by
 * the blob method (Carrillo–Craig–Patacchini 2019): ρ is replaced by the Gaussian kernel
 * density estimate ρ̂ = Σⱼ wⱼ φ_h(· − xⱼ), φ_h the N(0, h²I) density, and
 *   F_U(µ) = T Σᵢ wᵢ G(ρ̂(xᵢ)),   G(ρ) = U(ρ)/ρ  (log ρ, or ρ^{m−1}/(m−1)),
 *   ξ_U(z) = T[G(ρ̂(z)) + Σⱼ wⱼ G′(ρ̂(xⱼ)) φ_h(z − xⱼ)],
 * whose ∇ is the exact gradient of the regularised energy.
 */
export type Internal =
  | { readonly kind: 'entropy'; readonly temperature?: number; readonly realisation: 'noise' | 'blob'; readonly bandwidth?: number }
  | { readonly kind: 'porous'; readonly m: number; readonly temperature?: number; readonly bandwidth: number };

/** Options of {@link mckeanVlasovEnergy}: the parts V, W and U of F (each optional, at least one). */
export interface McKeanVlasovOptions {
  d: number;
  potential?: Potential;
  interaction?: Interaction;
  internal?: Internal;
  /** Name reported by `kind` (e.g. 'kl' for the exclusive KL preset). */
  kind?: string;
}

/**
 * McKean–Vlasov free energy (docs/math.md §3)
 *   F(µ) = ∫V dµ + ½∬W(x − y) dµ dµ + ∫U(ρ),   ξ = V + W∗µ + U′(ρ).
 * With V = −log π and U = ρ log ρ this is KL(µ‖π) (up to log Z). The 'noise' realisation
 * of the entropy leaves its part out of ξ/∇ξ and sets `diffusion = T`; with a `bandwidth`,
 * ξ values then include T·log ρ̂ (the plain KDE estimate used by birth–death).
 */
export function mckeanVlasovEnergy(opts: McKeanVlasovOptions): Energy {
  const { d, potential, interaction, internal } = opts;
  if (interaction?.kind === 'kernel') checkKernel(interaction.kernel, 'interaction.kernel');
  if (internal) {
    if (internal.temperature !== undefined) checkPositive('internal.temperature', internal.temperature);
    if (internal.kind === 'porous') {
      if (!(internal.m > 1)) throw new InputError('internal.m', internal.m, 'an exponent m > 1 for the porous medium energy ρᵐ/(m−1)');
      checkPositive('internal.bandwidth', internal.bandwidth);
    } else if (internal.realisation === 'blob') checkPositive('internal.bandwidth', internal.bandwidth);
    else if (internal.realisation !== 'noise') throw new InputError('internal.realisation', internal.realisation, "'noise' or 'blob'");
    else if (internal.bandwidth !== undefined) checkPositive('internal.bandwidth', internal.bandwidth);
  }
  const T = internal?.temperature ?? 1;
  const noise = internal?.kind === 'entropy' && internal.realisation === 'noise';
  const blob = internal !== undefined && !noise;
  const h = internal?.bandwidth;
  const kde: Kernel | null = h !== undefined ? { kind: 'gaussian', sigma: h } : null;
  const kdeNorm = h !== undefined ? powNonNegative(2 * Math.PI * h * h, -d / 2) : 0;
  const G = internal?.kind === 'porous' ? (r: number) => powNonNegative(r, internal.m - 1) / (internal.m - 1) : (r: number) => log(r);
  const Gp = internal?.kind === 'porous' ? (r: number) => powNonNegative(r, internal.m - 2) : (r: number) => 1 / r;
  const potentialHasValue = !potential || !!potential.value;
  const provides = {
    value: potentialHasValue && !noise,
    xi: potentialHasValue && (!noise || kde !== null),
    grad: true,
  };

  const evaluate = (mu: ParticleMeasure, req: EnergyRequest): EnergyEval => {
    const pts = req.at ?? mu.X;
    const same = pts === mu.X;
    const p = pts.length / d;
    const wantXi = !!req.xi;
    const wantGrad = !!req.grad;
    const wantValue = !!req.value;
    if (wantValue && !provides.value) throw new InputError('energy', opts.kind ?? 'mckean-vlasov', 'an energy with a computable value (needs log π and a blob/KDE entropy)');
    if (wantXi && !provides.xi) throw new InputError('energy', opts.kind ?? 'mckean-vlasov', 'an energy with pointwise ξ (needs log π, and a bandwidth for the entropy)');
    const xi = wantXi ? new Float64Array(p) : null;
    const grad = wantGrad ? new Float64Array(p * d) : null;
    let value = 0;
    if (potential) {
      if (grad) grad.set(potential.grad(pts));
      if (xi || wantValue) {
        const V = potential.value!(pts);
        if (xi) xi.set(V);
        if (wantValue) value += fdot(mu.w, same ? V : potential.value!(mu.X));
      }
    }
    if (interaction) {
      const sc = interaction.scale;
      if (interaction.kind === 'kernel') {
        const val = new Float64Array(p);
        const g = grad ? new Float64Array(p * d) : null;
        kernelSumGrad(interaction.kernel, pts, mu.X, d, mu.w, val, g);
        if (xi) for (let i = 0; i < p; i++) xi[i]! += sc * val[i]!;
        if (grad && g) for (let i = 0; i < p * d; i++) grad[i]! += sc * g[i]!;
        if (wantValue) value += 0.5 * sc * fdot(mu.w, same ? val : kernelSum(interaction.kernel, mu.X, mu.X, d, mu.w));
      } else {
        // Σⱼ wⱼ|z − xⱼ|²/2 = (M|z|² − 2z·m₁ + m₂)/2 with the moments of µ: O(n·d).
        let M = 0;
        let m2 = 0;
        const m1 = new Float64Array(d);
        for (let j = 0; j < mu.n; j++) {
          const wj = mu.w[j]!;
          M += wj;
          for (let a = 0; a < d; a++) {
            const x = mu.X[j * d + a]!;
            m1[a]! += wj * x;
            m2 += wj * x * x;
          }
        }
        const quad = (Z: Float64Array, i: number) => {
          let zz = 0;
          let zm = 0;
          for (let a = 0; a < d; a++) {
            zz += Z[i * d + a]! ** 2;
            zm += Z[i * d + a]! * m1[a]!;
          }
          return 0.5 * (M * zz - 2 * zm + m2);
        };
        for (let i = 0; i < p; i++) {
          if (xi) xi[i]! += sc * quad(pts, i);
          if (grad) for (let a = 0; a < d; a++) grad[i * d + a]! += sc * (M * pts[i * d + a]! - m1[a]!);
        }
        if (wantValue) {
          let s = 0;
          for (let i = 0; i < mu.n; i++) s += mu.w[i]! * quad(mu.X, i);
          value += 0.5 * sc * s;
        }
      }
    }
    if (kde && (blob || xi)) {
      // ρ̂ at the particles (needed for the blob coefficients and the value)
      const rhoX = kernelSum(kde, mu.X, mu.X, d, mu.w);
      for (let j = 0; j < mu.n; j++) rhoX[j]! *= kdeNorm;
      let rhoP = rhoX;
      let gRhoP: Float64Array | null = null;
      if (!same || (blob && grad)) {
        rhoP = new Float64Array(p);
        gRhoP = blob && grad ? new Float64Array(p * d) : null;
        kernelSumGrad(kde, pts, mu.X, d, mu.w, rhoP, gRhoP);
        for (let i = 0; i < p; i++) rhoP[i]! *= kdeNorm;
        if (gRhoP) for (let i = 0; i < p * d; i++) gRhoP[i]! *= kdeNorm;
      }
      if (noise) {
        if (xi) for (let i = 0; i < p; i++) xi[i]! += T * log(rhoP[i]!);
      } else {
        const coef = new Float64Array(mu.n);
        for (let j = 0; j < mu.n; j++) coef[j] = mu.w[j]! * Gp(rhoX[j]!);
        const S = new Float64Array(p);
        const gS = grad ? new Float64Array(p * d) : null;
        kernelSumGrad(kde, pts, mu.X, d, coef, S, gS);
        for (let i = 0; i < p; i++) {
          const r = rhoP[i]!;
          if (xi) xi[i]! += T * (G(r) + kdeNorm * S[i]!);
          if (grad && gS && gRhoP) {
            const gp = Gp(r);
            for (let a = 0; a < d; a++) grad[i * d + a]! += T * (gp * gRhoP[i * d + a]! + kdeNorm * gS[i * d + a]!);
          }
        }
        if (wantValue) {
          let s = 0;
          for (let j = 0; j < mu.n; j++) s += mu.w[j]! * G(rhoX[j]!);
          value += T * s;
        }
      }
    }
    const out: EnergyEval = {};
    if (wantValue) out.value = value;
    if (xi) out.xi = xi;
    if (grad) out.grad = grad;
    return out;
  };

  const energy: Energy = {
    kind: opts.kind ?? 'mckean-vlasov',
    d,
    provides,
    diffusion: noise ? T : 0,
    potential,
    interacting: interaction !== undefined || blob,
    evaluate,
  };
  if (noise) {
    // Stein form: Σⱼ wⱼ k(xᵢ,xⱼ)∇ξ(xⱼ) with the entropy part integrated by parts:
    // Σⱼ wⱼ k(xᵢ,xⱼ)[∇V + ∇W∗µ](xⱼ) − T Σⱼ wⱼ ∇_{xⱼ}k(xⱼ, xᵢ)  (no density estimate needed).
    // Only for the 'noise' realisation, whose ∇ξ has no pointwise form: with the blob, ∇ξ of
    // the regularised energy is available and the Stein step smooths it (so that step is a
    // gradient step of the F this energy reports; the integrated-by-parts exact entropy is
    // not, and can increase the blob F for a wide bandwidth).
    energy.steinGradient = (mu: ParticleMeasure, kernel: Kernel) => {
      const rest = mckeanVlasovEnergy({ d, potential, interaction }).evaluate(mu, { grad: true }).grad!;
      const out = kernelSumVec(kernel, mu.X, mu.X, d, mu.w, rest, d);
      // ∇_{xⱼ}k(xⱼ, xᵢ) = −∇₁k(xᵢ, xⱼ): subtract T·(−Σⱼ wⱼ∇₁k(xᵢ,xⱼ)).
      const g = new Float64Array(mu.n * d);
      kernelSumGrad(kernel, mu.X, mu.X, d, mu.w, null, g);
      for (let i = 0; i < out.length; i++) out[i]! += T * g[i]!;
      return out;
    };
  }
  return energy;
}
