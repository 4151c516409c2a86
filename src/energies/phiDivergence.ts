import { kernelSumGrad } from '../backend/kernelSums.js';
import { InputError } from '../core/errors.js';
import type { ParticleMeasure } from '../core/measure.js';
import { checkPositive } from '../core/validate.js';
import type { Kernel } from '../kernels/kernel.js';
import type { Target } from '../targets/target.js';
import type { Energy, EnergyEval, EnergyRequest } from './energy.js';

/**
 * The power family of φ-divergences to a target π with a log density,
 *   D_p(µ‖π) = ∫ φ_p(ρ/π) dπ,   φ_p(s) = (sᵖ − p(s − 1) − 1)/(p(p − 1)),
 * so D_p = (E_µ[(ρ/π)^{p−1}] − 1)/(p(p − 1)) for probability measures: p = 2 is ½χ²(µ‖π),
 * p = ½ is 2∫(√ρ − √π)² (twice the squared Hellinger distance ∫(√ρ − √π)²), p → 1 is KL(µ‖π).
 * On particles ρ is the Gaussian kernel density estimate ρ̂ = Σⱼ wⱼ φ_h(· − xⱼ) (the blob
 * method, as for the entropy of KL), and with G(ρ, x) = ((ρ/π(x))^{p−1} − 1)/(p(p − 1)):
 *   F(µ) = Σᵢ wᵢ G(ρ̂(xᵢ), xᵢ),
 *   ξ(z) = G(ρ̂(z), z) + Σⱼ wⱼ ∂_ρG(ρ̂(xⱼ), xⱼ) φ_h(z − xⱼ),   ∂_ρG = (ρ/π)^{p−1}/(pρ),
 *   ∇ξ(z) = ∂_ρG(ρ̂(z), z)∇ρ̂(z) − (ρ̂(z)/π(z))^{p−1} s(z)/p + Σⱼ wⱼ ∂_ρG(ρ̂ⱼ, xⱼ)∇φ_h(z − xⱼ),
 * the exact first variation and gradient of the regularised energy (s = ∇log π). ξ is the
 * first variation in the weights, and ∂F/∂xᵢ = wᵢ∇ξ(xᵢ).
 * If log π is known only up to a constant log Z, (ρ/π)^{p−1} is scaled by Z^{1−p}: the value is
 * off and the flow runs at a rescaled speed, with the same paths. O(n²·d) per evaluation.
 */
export function phiDivergenceEnergy(o: { target: Target; p: number; bandwidth: number }): Energy {
  const { target, p } = o;
  if (!(Number.isFinite(p) && p > 0 && p !== 1)) throw new InputError('p', p, 'a finite power p > 0, p ≠ 1 (p → 1 is KL: use the kl energy)');
  checkPositive('bandwidth', o.bandwidth);
  if (typeof target?.logDensity !== 'function' || typeof target.score !== 'function')
    throw new InputError('target', target?.kind, 'a target with a log density and a score (φ-divergences need π(x) itself)');
  const d = target.d;
  const h = o.bandwidth;
  const kde: Kernel = { kind: 'gaussian', sigma: h };
  const norm = (2 * Math.PI * h * h) ** (-d / 2);
  const logpi = target.logDensity.bind(target);
  const score = target.score.bind(target);
  const cst = 1 / (p * (p - 1));
  const evaluate = (mu: ParticleMeasure, req: EnergyRequest): EnergyEval => {
    const pts = req.at ?? mu.X;
    const same = pts === mu.X;
    const np = pts.length / d;
    const n = mu.n;
    const rhoX = new Float64Array(n);
    kernelSumGrad(kde, mu.X, mu.X, d, mu.w, rhoX, null);
    for (let j = 0; j < n; j++) rhoX[j]! *= norm;
    const lpX = logpi(mu.X);
    // r_j = (ρ̂ⱼ/πⱼ)^{p−1}, coefficients c_j = wⱼ ∂_ρG = wⱼ r_j/(p ρ̂ⱼ)
    const rX = new Float64Array(n);
    const coef = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      rX[j] = Math.exp((p - 1) * (Math.log(rhoX[j]!) - lpX[j]!));
      coef[j] = (mu.w[j]! * rX[j]!) / (p * rhoX[j]!);
    }
    const out: EnergyEval = {};
    if (req.value) {
      let s = 0;
      for (let j = 0; j < n; j++) s += mu.w[j]! * (rX[j]! - 1) * cst;
      out.value = s;
    }
    if (req.xi || req.grad) {
      let rhoP = rhoX;
      let rP = rX;
      let gRho: Float64Array | null = null;
      if (!same || req.grad) {
        rhoP = new Float64Array(np);
        gRho = req.grad ? new Float64Array(np * d) : null;
        kernelSumGrad(kde, pts, mu.X, d, mu.w, rhoP, gRho);
        for (let i = 0; i < np; i++) rhoP[i]! *= norm;
        if (gRho) for (let i = 0; i < np * d; i++) gRho[i]! *= norm;
        const lpP = same ? lpX : logpi(pts);
        rP = new Float64Array(np);
        for (let i = 0; i < np; i++) rP[i] = Math.exp((p - 1) * (Math.log(rhoP[i]!) - lpP[i]!));
      }
      const S = new Float64Array(np);
      const gS = req.grad ? new Float64Array(np * d) : null;
      kernelSumGrad(kde, pts, mu.X, d, coef, S, gS);
      if (req.xi) {
        const xi = new Float64Array(np);
        for (let i = 0; i < np; i++) xi[i] = (rP[i]! - 1) * cst + norm * S[i]!;
        out.xi = xi;
      }
      if (req.grad && gS && gRho) {
        const sP = score(pts);
        const grad = new Float64Array(np * d);
        for (let i = 0; i < np; i++) {
          const dG = rP[i]! / (p * rhoP[i]!);
          for (let a = 0; a < d; a++) grad[i * d + a] = dG * gRho[i * d + a]! - (rP[i]! * sP[i * d + a]!) / p + norm * gS[i * d + a]!;
        }
        out.grad = grad;
      }
    }
    return out;
  };
  return { kind: `phi-divergence(p=${p})`, d, provides: { value: true, xi: true, grad: true }, diffusion: 0, interacting: true, evaluate };
}
