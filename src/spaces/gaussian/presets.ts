/**
 * Named Gaussian variational-inference algorithms as (space, energy, geometry, scheme)
 * triples on 𝒩ᵈ. Each returns a plain `GaussianFlowConfig`; `gaussianFlow` builds it.
 */
import type { Target } from '../../targets/target.js';
import type { GaussianExpectations } from './expectations.js';
import type { GaussianFlowConfig } from './flow.js';

/** What the Gaussian VI presets accept: the target, the step size and how E_µ[·] is computed. */
export interface PresetOptions {
  /** The target π (its score is needed for KL(µ‖π)). */
  target: Target;
  /** Step size τ > 0 (default 0.05 for `gaussianVI`, 0.1 for `naturalGradientVI`). */
  tau?: number;
  /** How E_µ[·] is computed (default cubature). */
  expectations?: GaussianExpectations;
}

/**
 * Gaussian VI (Lambert et al. 2022): 𝒩ᵈ · KL(µ‖π) · Bures–Wasserstein, explicit by default,
 * or the forward–backward (proximal) step with `scheme: 'proximal'`.
 * ṁ = −E[∇V], Σ̇ = 2I − E[∇²V]Σ − ΣE[∇²V].
 */
export function gaussianVI(o: PresetOptions & { scheme?: 'explicit' | 'proximal' }): GaussianFlowConfig {
  return { target: o.target, energy: 'kl', geometry: 'bures-wasserstein', scheme: o.scheme ?? 'explicit', tau: o.tau ?? 0.05, ...(o.expectations ? { expectations: o.expectations } : {}) };
}

/**
 * Natural-gradient VI: 𝒩ᵈ · KL(µ‖π) · Fisher–Rao (Fisher information metric), explicit.
 * Ṡ = E[∇²V] − S (S = Σ⁻¹), ṁ = −ΣE[∇V].
 */
export function naturalGradientVI(o: PresetOptions): GaussianFlowConfig {
  return { target: o.target, energy: 'kl', geometry: 'fisher-rao', scheme: 'explicit', tau: o.tau ?? 0.1, ...(o.expectations ? { expectations: o.expectations } : {}) };
}

/**
 * Inclusive (forward) KL over Gaussians: 𝒩ᵈ · KL(π‖µ) · Bures–Wasserstein, from target
 * samples. Its fixed point is moment matching, m = E_π̂[x], Σ = Cov_π̂(x).
 */
export function forwardKLGaussian(o: { target: Target; Y?: Float64Array; tau?: number; geometry?: 'bures-wasserstein' | 'fisher-rao' }): GaussianFlowConfig {
  return { target: o.target, energy: 'forward-kl', geometry: o.geometry ?? 'bures-wasserstein', scheme: 'explicit', tau: o.tau ?? 0.1, ...(o.Y ? { Y: o.Y } : {}) };
}
