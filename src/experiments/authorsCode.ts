/**
 * The update rules of the IFT authors' released code (github egorgladin/ift_flow,
 * `ift_experiment.py`, functions `mmd_flow` and `ift_flow`), written as a `Flow` from the
 * library's pieces, for the `authors-code` convention of the experiments (docs/math.md §7, docs/experiments.md):
 *
 *   positions  xᵢ ← xᵢ − lr·∂MMD²/∂xᵢ = xᵢ − 2·lr·wᵢ∇ξ(xᵢ)
 *              (the library's explicit transport with metric 'euclidean' and τ = 2·lr);
 *   noise      (MMD flow, steps t < until) the same gradient of MMD² of the *perturbed* cloud
 *              x̃ = x + level·u, taken at x̃ᵢ (`antigrad_keops(gamma, X_noisy, X_noisy, Y)`),
 *              not the library's (Arbel et al.) ∇ξ_µ(xᵢ + level·uᵢ) with µ unperturbed;
 *   MMD step   w ← Proj_Δ(w − lr_·∂MMD²/∂w) = Proj_Δ(w − 2·lr_·ξ(x))
 *              (the library's pgd MMD reaction with η = 2·lr_);
 *   KL step    w ← Proj_Δ(w·exp(−lr_·ξ(x))) — a Euclidean projection of the multiplied weights
 *              onto the simplex, not the normalisation w·e^{−ηξ}/Z of the library's Fisher–Rao step;
 *
 * with ξ the witness of µ (the first variation of ½MMD²), the weight step taken at the new
 * positions, and one target sample per iteration shared by both half steps (`E.atStep`).
 * All of it is expressed with the library's geometry options (`metric: 'euclidean'`,
 * `noise.cloud`, `normalise: 'project'`).
 */
import type { Energy } from '../energies/energy.js';
import type { Flow, FlowConfig } from '../flows/flow.js';
import { flow } from '../flows/flow.js';
import type { Kernel } from '../kernels/kernel.js';

/** Weight update of the authors-code flow. */
export type AuthorsWeightStep =
  | { kind: 'mmd-pgd'; lr: number }
  | { kind: 'mmd-exact'; eta: number; kernel: Kernel }
  | { kind: 'kl'; lr: number };

/** Options of {@link authorsCodeFlow}: the energy, the code's position step `lr`, its weight update and noise. */
export interface AuthorsFlowOptions {
  energy: Energy;
  /** The code's `lr` (positions). */
  lr: number;
  weights?: AuthorsWeightStep;
  noise?: { level: number; until: number };
}

/**
 * The authors' update rules as a library flow configuration (see the module comment): the
 * Euclidean-metric transport with τ = 2·lr, cloud-perturbing noise, and the pgd MMD step
 * with η = 2·lr′ or the projected KL step with η = lr′. A preset, not a separate code path.
 */
export function authorsCodeConfig(o: AuthorsFlowOptions): FlowConfig {
  const ws = o.weights;
  return {
    space: 'P',
    energy: o.energy,
    transport: { kind: 'wasserstein', metric: 'euclidean', ...(o.noise ? { noise: { ...o.noise, cloud: true } } : {}) },
    tau: 2 * o.lr,
    ...(ws
      ? ws.kind === 'kl'
        ? { reaction: { kind: 'fisher-rao' as const, normalise: 'project' as const }, eta: ws.lr }
        : ws.kind === 'mmd-pgd'
          ? { reaction: { kind: 'mmd' as const, variant: 'pgd' as const, spherical: true }, eta: 2 * ws.lr }
          : { reaction: { kind: 'mmd' as const, variant: 'exact' as const, spherical: true, kernel: ws.kernel }, eta: ws.eta }
      : {}),
  };
}

/** `flow(authorsCodeConfig(o))`. */
export function authorsCodeFlow(o: AuthorsFlowOptions): Flow {
  return flow(authorsCodeConfig(o));
}
