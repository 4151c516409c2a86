import type { Kernel } from '../kernels/kernel.js';

/**
 * Transport part of a geometry: how positions move (docs/math.md §4–5).
 * - wasserstein: ẋᵢ = −∇ξ(xᵢ), weights fixed. `scheme` 'explicit' (default) is
 *   xᵢ ← xᵢ − τ·coef·∇ξ(xᵢ) (+ √(2τ·coef·D)·N(0, I) when the energy has diffusion D:
 *   Euler–Maruyama); 'implicit' is the JKO step argmin_X F(µ_X) + (1/2τ)Σwᵢ|xᵢ − xᵢᵏ|².
 *   `metric` 'euclidean' replaces ∇ξ(xᵢ) by the Euclidean gradient ∂F/∂xᵢ = wᵢ∇ξ(xᵢ)
 *   (the convention of the IFT authors' code; with uniform weights τ_W = τ/n).
 *   `noise` (MMD flow, Arbel et al. 2019): ∇ξ is evaluated at xᵢ + level·uᵢ, uᵢ ~ N(0, I),
 *   for steps t < until; with `cloud: true` the whole cloud is perturbed instead, i.e. ∇ξ
 *   of µ̃ = Σwᵢδ_{xᵢ+level·uᵢ} taken at the perturbed points (the IFT authors' code). `mala` adds a Metropolis–Hastings correction per particle
 *   (MALA; needs an energy with a potential and Langevin noise).
 * - stein: ẋᵢ = −(𝒦_µ∇ξ)(xᵢ) = −Σⱼ wⱼ k(xᵢ, xⱼ)∇ξ(xⱼ) (SVGD when the energy is KL).
 */
export type Transport =
  | {
      readonly kind: 'wasserstein';
      readonly scheme?: 'explicit' | 'implicit';
      readonly metric?: 'wasserstein' | 'euclidean';
      readonly coef?: number;
      readonly noise?: { readonly level: number; readonly until: number; readonly cloud?: boolean };
      readonly mala?: boolean;
      readonly implicit?: { readonly maxIter?: number; readonly tol?: number };
    }
  | { readonly kind: 'stein'; readonly kernel: Kernel; readonly coef?: number };

/**
 * Reaction part: how weights change with positions fixed (docs/math.md §4–5); η·coef is the step.
 * - fisher-rao (spherical Hellinger, keeps mass): wᵢ ← wᵢ·exp(−η ξ(xᵢ)) / Z (entropic mirror
 *   descent; Z restores the mass before the step). `normalise: 'project'` replaces the
 *   division by Z with the Euclidean projection onto the simplex, Proj_Δ(w·e^{−ηξ}) (the KL
 *   step of the IFT authors' code).
 * - hellinger (M+): wᵢ ← wᵢ·exp(−η ξ(xᵢ)), the exact flow ẇ = −wξ over time η with ξ frozen.
 * - mmd: spherical (default, P) or not (M+). 'exact': the proximal step
 *   β = argmin_{β ∈ Δ (or ≥ 0)} F(Σβᵢδ_{xᵢ}) + (1/2η)MMD²(Σβᵢδ_{xᵢ}, Σwᵢδ_{xᵢ}) — a QP, exact
 *   for energies quadratic in the weights (½MMD²), F linearised at w otherwise;
 *   'pgd': β = Proj_Δ(w − ηξ) (or max(0, w − ηξ) on M+), one projected-gradient step.
 *   'stein': for ½KSD² (F = ½βᵀGβ, G the Stein kernel matrix), the exact proximal step in the
 *   geometry of the Stein kernel itself: β = argmin ½βᵀGβ + (1/2η)(β − w)ᵀG(β − w).
 *   `kernel` defaults to the energy's kernel.
 */
export type Reaction =
  | { readonly kind: 'fisher-rao'; readonly coef?: number; readonly normalise?: 'rescale' | 'project' }
  | { readonly kind: 'hellinger'; readonly coef?: number }
  | {
      readonly kind: 'mmd';
      readonly spherical?: boolean;
      readonly variant?: 'exact' | 'pgd' | 'stein';
      readonly kernel?: Kernel;
      readonly coef?: number;
    };
