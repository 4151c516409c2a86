import type { Kernel } from '../kernels/kernel.js';
import { kernelValue } from '../kernels/kernel.js';
import { expNonPositive } from './exp.js';
import { getSumEngine } from './engine.js';

/**
 * Vector-valued kernel sum: out[i, :] = Σⱼ k(xᵢ, yⱼ) vⱼ G[j, :] for X [n, d], Y [m, d],
 * coefficients v [m] and vectors G [m, p]. This is the Stein smoothing 𝒦_µ of a vector
 * field (SVGD). Cost O(n·m·(d + p)), memory O(1) beyond the output.
 */
export function kernelSumVec(
  ker: Kernel,
  X: Float64Array,
  Y: Float64Array,
  d: number,
  v: Float64Array,
  G: Float64Array,
  p: number,
  out?: Float64Array,
): Float64Array {
  const n = X.length / d;
  const res = out ?? new Float64Array(n * p);
  if (getSumEngine()?.kernelSumVec?.(ker, X, Y, d, v, G, p, res)) return res;
  return kernelSumVecJs(ker, X, Y, d, v, G, p, res);
}

/**
 * The built-in body of `kernelSumVec` for output rows [r0, r1) (default all):
 * out[i, :] = Σⱼ k(xᵢ, yⱼ) vⱼ G[j, :]; each row's result depends on that row alone.
 * Writes those rows of `out` [n, p] and returns it. Cost O((r1 − r0)·m·(d + p)).
 */
export function kernelSumVecJs(
  ker: Kernel,
  X: Float64Array,
  Y: Float64Array,
  d: number,
  v: Float64Array,
  G: Float64Array,
  p: number,
  res: Float64Array,
  r0 = 0,
  r1 = X.length / d,
): Float64Array {
  const m = Y.length / d;
  res.fill(0, r0 * p, r1 * p);
  const gauss = ker.kind === 'gaussian' ? -0.5 / (ker.sigma * ker.sigma) : 0;
  for (let i = r0; i < r1; i++) {
    const io = i * d;
    const oo = i * p;
    for (let j = 0; j < m; j++) {
      const jo = j * d;
      let s = 0;
      for (let a = 0; a < d; a++) {
        const t = X[io + a]! - Y[jo + a]!;
        s += t * t;
      }
      const kv = v[j]! * (gauss !== 0 && gauss !== -Infinity ? expNonPositive(gauss * s) : kernelValue(ker, s));
      if (kv === 0) continue;
      const go = j * p;
      for (let a = 0; a < p; a++) res[oo + a]! += kv * G[go + a]!;
    }
  }
  return res;
}
