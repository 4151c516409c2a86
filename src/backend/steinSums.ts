import type { Kernel } from '../kernels/kernel.js';
import { kernelProfile } from '../kernels/kernel.js';

/**
 * Sums of the Langevin–Stein kernel
 *   k_π(x, y) = s(x)ᵀs(y) k + s(x)ᵀ∇ᵧk + s(y)ᵀ∇ₓk + tr ∇ₓ∇ᵧk,   s = ∇log π.
 * For a radial kernel with ∇ₓk = c·(x − y) = −∇ᵧk this is
 *   k_π(x, y) = k·s(x)·s(y) + c·(s(y) − s(x))·(x − y) + tr ∇ₓ∇ᵧk.
 *
 * out[i] = Σⱼ vⱼ k_π(xᵢ, yⱼ), X [n, d] with scores SX [n, d], Y [m, d] with SY [m, d].
 * Cost O(n·m·d), memory O(1) beyond the output.
 */
export function steinKernelSum(
  ker: Kernel,
  X: Float64Array,
  SX: Float64Array,
  Y: Float64Array,
  SY: Float64Array,
  d: number,
  v: Float64Array,
  out?: Float64Array,
): Float64Array {
  const n = X.length / d;
  const m = Y.length / d;
  const res = out ?? new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const io = i * d;
    let acc = 0;
    for (let j = 0; j < m; j++) {
      const jo = j * d;
      let s = 0;
      let ss = 0;
      let dsd = 0;
      for (let a = 0; a < d; a++) {
        const t = X[io + a]! - Y[jo + a]!;
        s += t * t;
        ss += SX[io + a]! * SY[jo + a]!;
        dsd += (SY[jo + a]! - SX[io + a]!) * t;
      }
      const p = kernelProfile(ker, s, d);
      acc += v[j]! * (p.k * ss + p.c * dsd + p.trace);
    }
    res[i] = acc;
  }
  return res;
}
