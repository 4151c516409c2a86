import type { Kernel } from '../kernels/kernel.js';
import { getSumEngine } from './engine.js';
import { steinKernelSumJs } from './kernelSumsJs.js';

/**
 * Sums of the Langevin–Stein kernel
 *   k_π(x, y) = s(x)ᵀs(y) k + s(x)ᵀ∇ᵧk + s(y)ᵀ∇ₓk + tr ∇ₓ∇ᵧk,   s = ∇log π.
 * For a radial kernel with ∇ₓk = c·(x − y) = −∇ᵧk this is
 *   k_π(x, y) = k·s(x)·s(y) + c·(s(y) − s(x))·(x − y) + tr ∇ₓ∇ᵧk.
 *
 * out[i] = Σⱼ vⱼ k_π(xᵢ, yⱼ), X [n, d] with scores SX [n, d], Y [m, d] with SY [m, d].
 * Cost O(n·m·d), memory O(1) beyond the output (a block of 256 sources at a time; the
 * kernel's profile is evaluated by one kind-specific loop per block, see profiles.ts).
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
  const res = out ?? new Float64Array(n);
  if (getSumEngine()?.steinKernelSum?.(ker, X, SX, Y, SY, d, v, res)) return res;
  return steinKernelSumJs(ker, X, SX, Y, SY, d, v, res);
}
