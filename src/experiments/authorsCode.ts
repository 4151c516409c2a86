/**
 * The update rules of the IFT authors' released code (github egorgladin/ift_flow,
 * `ift_experiment.py`, functions `mmd_flow` and `ift_flow`), written as a `Flow` from the
 * library's pieces, for the `authors-code` convention of the experiments (MATH.md §8):
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
 * Pure; `step` consumes the generator in the order: target resample (if any), noise.
 */
import { DivergenceError } from '../core/errors.js';
import type { ParticleMeasure } from '../core/measure.js';
import type { Rng } from '../core/rng.js';
import type { Energy } from '../energies/energy.js';
import type { Flow, FlowConfig, FlowState, StepInfo } from '../flows/flow.js';
import { reactionStep } from '../geometries/reaction.js';
import { transportStep } from '../geometries/transport.js';
import type { Kernel } from '../kernels/kernel.js';
import { projectSimplex } from '../solvers/simplexProjection.js';

/** Weight update of the authors-code flow. */
export type AuthorsWeightStep =
  | { kind: 'mmd-pgd'; lr: number }
  | { kind: 'mmd-exact'; eta: number; kernel: Kernel }
  | { kind: 'kl'; lr: number };

export interface AuthorsFlowOptions {
  energy: Energy;
  /** The code's `lr` (positions). */
  lr: number;
  weights?: AuthorsWeightStep;
  noise?: { level: number; until: number };
}

/**
 * A flow with the authors' update rules (see the module comment). `config` describes the nearest
 * library configuration (identical without noise and with the MMD step; the KL step and the
 * noise differ as documented).
 */
export function authorsCodeFlow(o: AuthorsFlowOptions): Flow {
  const E = o.energy;
  const tau = 2 * o.lr;
  const config: FlowConfig = {
    space: 'P',
    energy: E,
    transport: { kind: 'wasserstein', metric: 'euclidean', ...(o.noise ? { noise: o.noise } : {}) },
    tau,
    ...(o.weights
      ? o.weights.kind === 'kl'
        ? { reaction: { kind: 'fisher-rao' as const }, eta: o.weights.lr }
        : { reaction: { kind: 'mmd' as const, variant: o.weights.kind === 'mmd-pgd' ? ('pgd' as const) : ('exact' as const) }, eta: o.weights.kind === 'mmd-pgd' ? 2 * o.weights.lr : o.weights.eta }
      : {}),
  };
  return {
    config,
    init(mu0: ParticleMeasure): FlowState {
      return { t: 0, mu: { n: mu0.n, d: mu0.d, X: mu0.X.slice(), w: mu0.w.slice() } };
    },
    step(r: Rng, state: FlowState): [FlowState, StepInfo] {
      const Et = E.atStep ? E.atStep(r, state.t) : E;
      const mu = state.mu;
      const { n, d } = mu;
      const info: StepInfo = { t: state.t };
      let X: Float64Array;
      const noisy = o.noise && o.noise.level > 0 && state.t < o.noise.until;
      if (noisy) {
        const Xn = mu.X.slice();
        for (let i = 0; i < Xn.length; i++) Xn[i]! += o.noise!.level * r.normal();
        const g = Et.evaluate({ ...mu, X: Xn }, { grad: true }).grad!;
        X = mu.X.slice();
        for (let i = 0; i < n; i++) {
          const f = tau * mu.w[i]!;
          for (let a = 0; a < d; a++) X[i * d + a]! -= f * g[i * d + a]!;
        }
      } else {
        X = transportStep(Et, mu, { kind: 'wasserstein', metric: 'euclidean' }, tau, state.t, r).X;
      }
      let w = mu.w;
      const ws = o.weights;
      if (ws) {
        const moved = { ...mu, X };
        if (ws.kind === 'mmd-pgd') w = reactionStep(Et, moved, { kind: 'mmd', variant: 'pgd', spherical: true }, 2 * ws.lr, null).w;
        else if (ws.kind === 'mmd-exact') {
          const res = reactionStep(Et, moved, { kind: 'mmd', variant: 'exact', spherical: true }, ws.eta, ws.kernel);
          w = res.w;
          if (res.qp) info.qp = res.qp;
        } else {
          const xi = Et.evaluate(moved, { xi: true }).xi!;
          const v = new Float64Array(n);
          for (let i = 0; i < n; i++) v[i] = mu.w[i]! * Math.exp(-ws.lr * xi[i]!);
          for (let i = 0; i < n; i++)
            if (!Number.isFinite(v[i]!)) throw new DivergenceError(`the flow diverged at step ${state.t}: weight ${i} overflowed in the KL step — reduce --eta-kl`, state.t);
          w = projectSimplex(v);
        }
      }
      for (let i = 0; i < X.length; i++)
        if (!Number.isFinite(X[i]!))
          throw new DivergenceError(`the flow diverged at step ${state.t}: particle ${Math.floor(i / d)} has position ${X[i]} — reduce the step size (--tau)`, state.t);
      return [{ t: state.t + 1, mu: { n, d, X, w } }, info];
    },
  };
}
