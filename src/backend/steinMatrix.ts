import type { Kernel } from '../kernels/kernel.js';
import { kernelDerivs } from '../kernels/kernel.js';

/**
 * The dense Gram matrix of the Langevin–Stein kernel, G[i][j] = k_π(xᵢ, xⱼ) [n, n], with
 *   k_π(x, y) = k·s(x)·s(y) + c·(s(y) − s(x))·(x − y) + tr ∇ₓ∇ᵧk   (s = ∇log π, c = 2g′(|x − y|²)),
 * so that ½KSD²(Σβᵢδ_{xᵢ}) = ½βᵀGβ. O(n²·d) time and O(n²) memory: only the exact
 * Stein-geometry weight step of score-based IFT builds it.
 */
export function steinKernelMatrix(ker: Kernel, X: Float64Array, SX: Float64Array, d: number): Float64Array {
  const n = X.length / d;
  const G = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let q = 0;
      let ss = 0;
      let dsr = 0;
      for (let a = 0; a < d; a++) {
        const r = X[j * d + a]! - X[i * d + a]!;
        q += r * r;
        ss += SX[j * d + a]! * SX[i * d + a]!;
        dsr += (SX[i * d + a]! - SX[j * d + a]!) * r;
      }
      const { k, c, cp } = kernelDerivs(ker, q);
      const v = k * ss + c * dsr - 2 * q * cp - d * c;
      G[i * n + j] = v;
      G[j * n + i] = v;
    }
  }
  return G;
}
