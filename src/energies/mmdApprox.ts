import type { ResolvedSums } from '../backend/approxSums.js';
import { approxSummer } from '../backend/approxSums.js';
import { InputError } from '../core/errors.js';
import type { ParticleMeasure } from '../core/measure.js';
import type { Rng } from '../core/rng.js';
import type { Kernel } from '../kernels/kernel.js';
import type { Energy, EnergyEval, EnergyRequest } from './energy.js';

/** Options of `approxMmdEnergy`: the kernel and the target samples π̂ = Σₗ νₗ δ_{yₗ}. */
export interface ApproxMmdOptions {
  /** The kernel k ('sliced': the energy kernel −|x − y|; 'features': see `FEATURE_KERNEL_KINDS`). */
  kernel: Kernel;
  /** Target samples Y [m, d]. */
  Y: Float64Array;
  /** Dimension d. */
  d: number;
  /** Target weights ν [m] (validated by the caller). */
  nu: Float64Array;
  /** Draws a fresh target sample Y [m, d] at each flow step (with the step's generator). */
  resample?: (r: Rng, m: number) => Float64Array;
}

/**
 * ½MMD²(µ, π̂) with approximate kernel sums (`sums` 'sliced' or 'features', see
 * src/backend/approxSums.ts): with sources [X; Y] and signed coefficients v = [w; −ν],
 *   F(µ) ≈ ½ vᵀK v,   ξ(z) ≈ Σⱼ vⱼ k(sⱼ, z),   ∇ξ(z) ≈ Σⱼ vⱼ ∇k(sⱼ, z),
 * each an unbiased estimate from the directions / frequencies of evaluation stream `stream`
 * (`rng(sums.seed, stream)`): stream 0 for evaluations outside a flow, t + 1 in flow step t
 * (through `atStep`), so both half steps of one step use the same ones and reruns are
 * bit-identical. The witness force only; no `quadraticWeights` (the exact MMD step's QP needs
 * the n×n kernel matrix, which these sums exist to avoid). Cost per evaluation
 * O(P·(N log N + N·d)) (sliced) or O(D·N·d) (features), N = n + m + p.
 */
export function approxMmdEnergy(o: ApproxMmdOptions, sums: ResolvedSums, stream = 0): Energy {
  const { kernel, Y, d, nu } = o;
  const m = nu.length;
  const summer = approxSummer(kernel, sums, d, stream);
  const sources = (mu: ParticleMeasure) => {
    const S = new Float64Array(mu.X.length + Y.length);
    S.set(mu.X, 0);
    S.set(Y, mu.X.length);
    const v = new Float64Array(mu.n + m);
    v.set(mu.w, 0);
    for (let l = 0; l < m; l++) v[mu.n + l] = -nu[l]!;
    return { S, v };
  };
  const energy: Energy = {
    kind: 'mmd',
    d,
    provides: { value: true, xi: true, grad: true },
    diffusion: 0,
    interacting: true,
    approximate: sums.method === 'features' ? 'features' : 'sliced',
    evaluate(mu: ParticleMeasure, req: EnergyRequest): EnergyEval {
      if (req.grad && kernel.kind === 'laplace' && sums.method === 'features')
        throw new InputError(
          'sums',
          'features',
          "'exact' for gradients of the laplace kernel (its spectral law is Cauchy: E|ω|² = ∞, so the feature gradient has infinite variance; feature values are fine)",
        );
      const { S, v } = sources(mu);
      const out: EnergyEval = {};
      const self = !req.at || req.at === mu.X;
      const p = self ? mu.n : req.at!.length / d;
      const xi = req.xi ? new Float64Array(p) : null;
      const grad = req.grad ? new Float64Array(p * d) : null;
      if (xi || grad || (req.value && self)) {
        const q = summer.sum({ S, v, ...(self ? { nq: mu.n } : { Z: req.at! }), val: xi, grad, quad: !!req.value && self });
        if (req.value && self) out.value = 0.5 * q;
      }
      if (req.value && !self) out.value = 0.5 * summer.sum({ S, v, nq: 0, quad: true });
      if (xi) out.xi = xi;
      if (grad) out.grad = grad;
      return out;
    },
  };
  energy.atStep = (r: Rng, t: number): Energy => approxMmdEnergy(o.resample ? { ...o, Y: o.resample(r, m), resample: undefined } : o, sums, t + 1);
  return energy;
}
