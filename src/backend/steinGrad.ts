import type { Kernel } from '../kernels/kernel.js';
import { kernelDerivs } from '../kernels/kernel.js';

/**
 * One pass over pairs for the first variation of ½KSD² and its gradient (KSD descent,
 * Korba et al. 2021). With sources xⱼ (scores sⱼ, weights wⱼ), an evaluation point z with
 * score s_z, r = xⱼ − z, q = |r|², c = 2g′(q), c′, c″ the radial derivatives:
 *   ξ(z)   = Σⱼ wⱼ k_π(xⱼ, z) = Σⱼ wⱼ [k sⱼ·s_z + c (s_z − sⱼ)·r + t],  t = −2q c′ − d c,
 *   ∇ξ(z)  = ∇²log π(z)·φ(z) + Σⱼ wⱼ [ −c (sⱼ·s_z) r − 2c′((s_z − sⱼ)·r) r − c (s_z − sⱼ) − 2t′ r ],
 *   φ(z)   = Σⱼ wⱼ [k sⱼ + c r]      (the SVGD direction),   t′ = −(2 + d)c′ − 2q c″.
 * Returns ξ [p], φ [p, d] and the explicit part R [p, d]; the caller applies the Hessian
 * of log π to φ (one Hessian–vector product per point) and adds R. Cost O(p·n·d).
 */
export function steinFirstVariation(
  ker: Kernel,
  Z: Float64Array,
  SZ: Float64Array,
  X: Float64Array,
  SX: Float64Array,
  d: number,
  w: Float64Array,
  wantGrad: boolean,
): { xi: Float64Array; phi: Float64Array | null; rest: Float64Array | null } {
  const p = Z.length / d;
  const n = X.length / d;
  const xi = new Float64Array(p);
  const phi = wantGrad ? new Float64Array(p * d) : null;
  const rest = wantGrad ? new Float64Array(p * d) : null;
  for (let i = 0; i < p; i++) {
    const io = i * d;
    let acc = 0;
    for (let j = 0; j < n; j++) {
      const jo = j * d;
      let q = 0;
      let ss = 0;
      let dsr = 0;
      for (let a = 0; a < d; a++) {
        const r = X[jo + a]! - Z[io + a]!;
        q += r * r;
        ss += SX[jo + a]! * SZ[io + a]!;
        dsr += (SZ[io + a]! - SX[jo + a]!) * r;
      }
      const { k, c, cp, cpp } = kernelDerivs(ker, q);
      const wj = w[j]!;
      const t = -2 * q * cp - d * c;
      acc += wj * (k * ss + c * dsr + t);
      if (phi && rest) {
        const tp = -(2 + d) * cp - 2 * q * cpp;
        // terms multiplying r vanish at q = 0 (their coefficient's singularity is integrable)
        const fr = q === 0 ? 0 : wj * (-c * ss - 2 * cp * dsr - 2 * tp);
        for (let a = 0; a < d; a++) {
          const r = X[jo + a]! - Z[io + a]!;
          phi[io + a]! += wj * (k * SX[jo + a]! + c * r);
          rest[io + a]! += fr * r - wj * c * (SZ[io + a]! - SX[jo + a]!);
        }
      }
    }
    xi[i] = acc;
  }
  return { xi, phi, rest };
}
