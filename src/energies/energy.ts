import type { ParticleMeasure } from '../core/measure.js';
import type { Rng } from '../core/rng.js';
import type { Kernel } from '../kernels/kernel.js';
import type { Potential } from './potential.js';

/**
 * What a caller needs from an energy at one state. `at` are the points [p, d] where ξ and
 * ∇ξ are evaluated (default: the particles µ.X) — e.g. the noisy points of MMD flow.
 */
export interface EnergyRequest {
  value?: boolean;
  xi?: boolean;
  grad?: boolean;
  at?: Float64Array;
}

/**
 * Results of one evaluation: F(µ), the first variation ξ = δF/δµ[µ] at the points [p],
 * and ∇ξ at the points [p, d]. Quantities that share kernel sums are computed in one pass.
 */
export interface EnergyEval {
  value?: number;
  xi?: Float64Array;
  grad?: Float64Array;
}

/**
 * An energy F on measures, in particle form (docs/math.md §3).
 *
 * `diffusion` D > 0 means part of the energy (the entropy D∫ρ log ρ) is not in ξ/∇ξ but
 * must be realised by the scheme with Brownian noise √(2τD)·N(0, I) (Euler–Maruyama); ξ
 * values, when offered, then include a kernel-density estimate of D·log ρ.
 */
export interface Energy {
  readonly kind: string;
  readonly d: number;
  /** Which quantities `evaluate` can deliver. */
  readonly provides: { readonly value: boolean; readonly xi: boolean; readonly grad: boolean };
  readonly diffusion: number;
  /** The external potential V, for energies that have one (MALA's accept/reject needs it). */
  readonly potential?: Potential;
  /**
   * True when ∇ξ(xᵢ) depends on the other particles (interaction, blob/KDE entropy, kernel
   * energies). MALA's per-particle accept/reject is only exact for non-interacting energies.
   */
  readonly interacting: boolean;
  /** F(µ), ξ and/or ∇ξ at `req.at` (default the particles), as asked by `req`, in one kernel pass. */
  evaluate(mu: ParticleMeasure, req: EnergyRequest): EnergyEval;
  /**
   * Optional weak (integrated-by-parts) form of the Stein-smoothed gradient
   * (𝒦_µ∇ξ)(xᵢ) = Σⱼ wⱼ k(xᵢ, xⱼ) ∇ξ(xⱼ) [n, d], for energies whose ∇ξ is not available
   * pointwise (KL(µ‖π): −Σⱼ wⱼ [k(xⱼ,xᵢ) s(xⱼ) + ∇_{xⱼ}k(xⱼ,xᵢ)], SVGD).
   */
  steinGradient?(mu: ParticleMeasure, kernel: Kernel): Float64Array;
  /**
   * For energies quadratic in the weights, F(Σβᵢδ_{xᵢ}) = ½βᵀKβ − βᵀb + c with K the kernel
   * matrix of the positions: the kernel and b(X) [n] (for ½MMD²: bᵢ = Σₗ νₗ k(xᵢ, yₗ)). The
   * exact MMD weight step (a QP) uses it; other energies are linearised.
   */
  quadraticWeights?: {
    readonly kernel: Kernel;
    /** The linear term b(X) [n] at positions X [n, d]. */
    b(X: Float64Array): Float64Array;
  };
  /**
   * For energies exactly quadratic in the weights with their own Gram matrix and no linear
   * term, F(Σβᵢδ_{xᵢ}) = ½βᵀG(X)β (½KSD²: G = the Stein kernel matrix). The weight step with
   * `variant: 'stein'` uses G as both the energy and the geometry's kernel.
   */
  steinGram?(X: Float64Array): Float64Array;
  /** Optional per-step variant (e.g. fresh target samples each iteration, as in the IFT code). */
  atStep?(r: Rng, t: number): Energy;
}
