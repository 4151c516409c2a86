import type { Energy } from './energy.js';
import { mckeanVlasovEnergy } from './mckeanVlasov.js';
import type { ScoreModel } from './potential.js';
import { potentialFromTarget } from './potential.js';

/** Options of {@link klEnergy}: the target (by its score) and how log µ is realised on particles. */
export interface KlEnergyOptions {
  target: ScoreModel;
  /**
   * How the entropy part log µ of ξ = log µ + V + 1 is realised on particles:
   * 'langevin' — Brownian noise in the transport step (diffusion 1; ξ values need a
   * `bandwidth` and are then log ρ̂ + V with the plain KDE ρ̂); 'blob' — deterministic,
   * the exact gradient of the KDE-regularised entropy (needs `bandwidth`).
   */
  estimator: 'langevin' | 'blob';
  bandwidth?: number;
}

/**
 * Exclusive KL(µ‖π) for π ∝ e^{−V} known by its score (and log π up to a constant for the
 * value): F(µ) = ∫log µ dµ + ∫V dµ (+ log Z), ξ = log µ + V + 1 (docs/math.md §3). A McKean–Vlasov
 * energy with V = −log π, no interaction and U = ρ log ρ.
 */
export function klEnergy(opts: KlEnergyOptions): Energy {
  return mckeanVlasovEnergy({
    kind: 'kl',
    d: opts.target.d,
    potential: potentialFromTarget(opts.target),
    internal: { kind: 'entropy', realisation: opts.estimator === 'langevin' ? 'noise' : 'blob', bandwidth: opts.bandwidth },
  });
}
