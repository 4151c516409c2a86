import type { Kernel } from '../kernels/kernel.js';
import { kernelValue } from '../kernels/kernel.js';

/**
 * The dense Gram matrix Kᵢⱼ = k(xᵢ, xⱼ) [n, n] of X [n, d]. O(n²) memory: only the exact
 * MMD weight step (a QP over the simplex) needs it; kernel sums never build it.
 */
export function kernelMatrix(ker: Kernel, X: Float64Array, d: number): Float64Array {
  const n = X.length / d;
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    K[i * n + i] = kernelValue(ker, 0);
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let a = 0; a < d; a++) {
        const t = X[i * d + a]! - X[j * d + a]!;
        s += t * t;
      }
      const v = kernelValue(ker, s);
      K[i * n + j] = v;
      K[j * n + i] = v;
    }
  }
  return K;
}
