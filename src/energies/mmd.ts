import { kernelSum, kernelSumGrad } from '../backend/kernelSums.js';
import { InputError } from '../core/errors.js';
import { fdot } from '../core/math.js';
import type { ParticleMeasure } from '../core/measure.js';
import { checkWeights, uniformWeights } from '../core/measure.js';
import type { Rng } from '../core/rng.js';
import { checkAllFinite } from '../core/validate.js';
import type { Kernel } from '../kernels/kernel.js';
import { checkKernel } from '../kernels/kernel.js';
import type { Energy, EnergyEval, EnergyRequest } from './energy.js';

/** Options of {@link mmdEnergy}: the kernel and the target samples π̂ = Σₗ νₗ δ_{yₗ}. */
export interface MmdEnergyOptions {
  kernel: Kernel;
  /** Target samples Y [m, d]. */
  Y: Float64Array;
  d: number;
  /** Target weights [m] (default uniform 1/m). */
  yWeights?: Float64Array;
  /**
   * 'witness' (default): ξ is the MMD witness. 'nadaraya-watson': ξ is the witness divided
   * by Z(x) = Σⱼ wⱼ k(xⱼ, x), i.e. 1 − (K_{·Y}ν)/(K_{·X}w), the local-regression force of the
   * inclusive-KL paper (eq. 22–23); F(µ) is still reported as ½MMD². Requires k > 0.
   */
  force?: 'witness' | 'nadaraya-watson';
  /** Draw a fresh target sample Y [m, d] each step (the IFT authors' code does this). */
  resample?: (r: Rng, m: number) => Float64Array;
}

/**
 * ½MMD²(µ, π̂) to a target given by samples π̂ = Σₗ νₗ δ_{yₗ} (docs/math.md §3), also the
 * kernelized inclusive KL(π‖µ) (its kernel-smoothed first variation is the same witness):
 *   F(µ) = ½[wᵀK_XX w − 2 wᵀK_XY ν + νᵀK_YY ν],
 *   ξ(z) = Σⱼ wⱼ k(xⱼ, z) − Σₗ νₗ k(yₗ, z),   ∇ξ(z) from the same kernel pass.
 * F is half the squared MMD (so ξ carries no factor 2): MMD = √(2F).
 * νᵀK_YYν is computed once at construction. One evaluation costs O(p·(n + m)·d) for p points.
 */
export function mmdEnergy(opts: MmdEnergyOptions): Energy {
  const kernel = checkKernel(opts.kernel);
  const { Y, d } = opts;
  if (Y.length === 0 || Y.length % d !== 0) throw new InputError('target.samples.length', Y.length, `a non-zero multiple of d = ${d}`);
  checkAllFinite('target.samples', Y, d);
  const m = Y.length / d;
  const nu = opts.yWeights ?? uniformWeights(m);
  checkWeights('target.weights', nu, m, 'P');
  const force = opts.force ?? 'witness';
  if (force !== 'witness' && force !== 'nadaraya-watson') throw new InputError('energy.force', force, "'witness' or 'nadaraya-watson'");
  if (force === 'nadaraya-watson' && kernel.kind === 'energy')
    throw new InputError('kernel.kind', kernel.kind, 'a positive kernel for the Nadaraya–Watson force (Z(x) = Σ wⱼ k(xⱼ, x) must be > 0)');
  const cYY = fdot(nu, kernelSum(kernel, Y, Y, d, nu));

  const energy: Energy = {
    kind: 'mmd',
    d,
    provides: { value: true, xi: true, grad: true },
    diffusion: 0,
    interacting: true,
    evaluate(mu: ParticleMeasure, req: EnergyRequest): EnergyEval {
      const pts = req.at ?? mu.X;
      const p = pts.length / d;
      const needGrad = !!req.grad;
      const A = new Float64Array(p);
      const B = new Float64Array(p);
      const gA = needGrad ? new Float64Array(p * d) : null;
      const gB = needGrad ? new Float64Array(p * d) : null;
      kernelSumGrad(kernel, pts, mu.X, d, mu.w, A, gA);
      kernelSumGrad(kernel, pts, Y, d, nu, B, gB);
      const out: EnergyEval = {};
      if (req.value) {
        if (pts === mu.X) out.value = 0.5 * (fdot(mu.w, A) - 2 * fdot(mu.w, B) + cYY);
        else {
          const a = kernelSum(kernel, mu.X, mu.X, d, mu.w);
          const b = kernelSum(kernel, mu.X, Y, d, nu);
          out.value = 0.5 * (fdot(mu.w, a) - 2 * fdot(mu.w, b) + cYY);
        }
      }
      if (force === 'witness') {
        if (req.xi) {
          const xi = new Float64Array(p);
          for (let i = 0; i < p; i++) xi[i] = A[i]! - B[i]!;
          out.xi = xi;
        }
        if (gA && gB) {
          for (let i = 0; i < p * d; i++) gA[i] = gA[i]! - gB[i]!;
          out.grad = gA;
        }
      } else {
        // ξ = 1 − B/A,  ∇ξ = −(A∇B − B∇A)/A²
        if (req.xi) {
          const xi = new Float64Array(p);
          for (let i = 0; i < p; i++) xi[i] = 1 - B[i]! / A[i]!;
          out.xi = xi;
        }
        if (gA && gB) {
          for (let i = 0; i < p; i++) {
            const a = A[i]!;
            const b = B[i]!;
            const ia2 = 1 / (a * a);
            for (let k = 0; k < d; k++) gA[i * d + k] = -(a * gB[i * d + k]! - b * gA[i * d + k]!) * ia2;
          }
          out.grad = gA;
        }
      }
      return out;
    },
    quadraticWeights: force === 'witness' ? { kernel, b: (X: Float64Array) => kernelSum(kernel, X, Y, d, nu) } : undefined,
  };
  if (opts.resample) {
    const resample = opts.resample;
    energy.atStep = (r: Rng) => mmdEnergy({ ...opts, Y: resample(r, m), resample: undefined });
  }
  return energy;
}
