import { steinFirstVariation } from '../backend/steinGrad.js';
import { steinKernelMatrix } from '../backend/steinMatrix.js';
import { InputError } from '../core/errors.js';
import { fdot } from '../core/math.js';
import type { ParticleMeasure } from '../core/measure.js';
import type { Kernel } from '../kernels/kernel.js';
import { checkKernel, checkSteinKernel } from '../kernels/kernel.js';
import type { Energy, EnergyEval, EnergyRequest } from './energy.js';
import type { ScoreModel } from './potential.js';
import { scoreHvpByDifferences } from './potential.js';

/**
 * ½KSD²(µ‖π) = ½ Σᵢⱼ wᵢwⱼ k_π(xᵢ, xⱼ) (half the squared KSD) with the Langevin–Stein kernel (docs/math.md §3); needs
 * only the score s = ∇log π. ξ(z) = Σⱼ wⱼ k_π(xⱼ, z); ∇ξ needs ∇²log π·φ, taken from the
 * target's `hvp` when it has one, else from central differences of the score (documented
 * accuracy ~1e-8 relative). Kernel must be gaussian, imq or matern32. O(n²·d) per evaluation.
 */
export function ksdEnergy(opts: { kernel: Kernel; target: ScoreModel }): Energy {
  const kernel = checkKernel(opts.kernel);
  checkSteinKernel(kernel);
  const t = opts.target;
  if (!t.score) throw new InputError('target', 'a sample-only target', 'a target with a score ∇log π (KSD needs the score)');
  const score = t.score.bind(t);
  const d = t.d;
  const hvp = t.hvp ? t.hvp.bind(t) : (X: Float64Array, U: Float64Array) => scoreHvpByDifferences(score, X, U, d);
  return {
    kind: 'ksd',
    d,
    provides: { value: true, xi: true, grad: true },
    diffusion: 0,
    interacting: true,
    steinGram: (X: Float64Array) => steinKernelMatrix(kernel, X, score(X), d),
    evaluate(mu: ParticleMeasure, req: EnergyRequest): EnergyEval {
      const pts = req.at ?? mu.X;
      const SX = score(mu.X);
      const SZ = pts === mu.X ? SX : score(pts);
      const r = steinFirstVariation(kernel, pts, SZ, mu.X, SX, d, mu.w, !!req.grad);
      const out: EnergyEval = {};
      if (req.xi) out.xi = r.xi;
      if (req.value) {
        const xiX = pts === mu.X ? r.xi : steinFirstVariation(kernel, mu.X, SX, mu.X, SX, d, mu.w, false).xi;
        out.value = 0.5 * fdot(mu.w, xiX);
      }
      if (req.grad) {
        const g = hvp(pts, r.phi!);
        for (let i = 0; i < g.length; i++) g[i]! += r.rest![i]!;
        out.grad = g;
      }
      return out;
    },
  };
}
