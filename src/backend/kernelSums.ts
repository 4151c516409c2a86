import type { Kernel } from '../kernels/kernel.js';
import { kernelProfile } from '../kernels/kernel.js';

/**
 * The only place with O(n·m) loops. Every energy, metric and flow reduces its kernel
 * work to these sums over a set of *sources* y_j with coefficients v_j, evaluated at
 * *points* x_i. No n×m matrix is ever allocated: memory is O((n + m)·d).
 *
 * Shapes: X [n, d] (points), Y [m, d] (sources), v [m]; all row-major Float64Arrays.
 */

/**
 * K·v: out[i] = Σⱼ vⱼ k(xᵢ, yⱼ).   Cost O(n·m·d).
 */
export function kernelSum(ker: Kernel, X: Float64Array, Y: Float64Array, d: number, v: Float64Array, out?: Float64Array): Float64Array {
  const n = X.length / d;
  const res = out ?? new Float64Array(n);
  kernelSumGrad(ker, X, Y, d, v, res, null);
  return res;
}

/**
 * Value and gradient in the first argument, in one pass:
 *   val[i]  = Σⱼ vⱼ k(xᵢ, yⱼ)                          (val may be null)
 *   grad[i] = Σⱼ vⱼ ∇₁k(xᵢ, yⱼ) = Σⱼ vⱼ cᵢⱼ (xᵢ − yⱼ)   (grad [n, d], may be null)
 * with cᵢⱼ the radial gradient factor of `kernelProfile`. Cost O(n·m·d).
 */
export function kernelSumGrad(
  ker: Kernel,
  X: Float64Array,
  Y: Float64Array,
  d: number,
  v: Float64Array,
  val: Float64Array | null,
  grad: Float64Array | null,
): void {
  const n = X.length / d;
  const m = Y.length / d;
  if (val) val.fill(0, 0, n);
  if (grad) grad.fill(0, 0, n * d);
  if (ker.kind === 'gaussian') {
    gaussianSumGrad(1 / (ker.sigma * ker.sigma), X, n, Y, m, d, v, val, grad);
    return;
  }
  const diff = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const io = i * d;
    let acc = 0;
    for (let j = 0; j < m; j++) {
      const jo = j * d;
      let s = 0;
      for (let a = 0; a < d; a++) {
        const t = X[io + a]! - Y[jo + a]!;
        diff[a] = t;
        s += t * t;
      }
      const p = kernelProfile(ker, s, d);
      const vj = v[j]!;
      acc += vj * p.k;
      if (grad) {
        const f = vj * p.c;
        for (let a = 0; a < d; a++) grad[io + a]! += f * diff[a]!;
      }
    }
    if (val) val[i] = acc;
  }
}

/**
 * Gaussian fast path. Uses Σⱼ vⱼcᵢⱼ(xᵢ − yⱼ) = xᵢ·Σⱼ vⱼcᵢⱼ − Σⱼ vⱼcᵢⱼ yⱼ, so the gradient
 * costs one axpy per pair and no difference vector is stored.
 */
function gaussianSumGrad(
  is2: number,
  X: Float64Array,
  n: number,
  Y: Float64Array,
  m: number,
  d: number,
  v: Float64Array,
  val: Float64Array | null,
  grad: Float64Array | null,
): void {
  const h = -0.5 * is2;
  const gy = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const io = i * d;
    let acc = 0;
    gy.fill(0);
    for (let j = 0; j < m; j++) {
      const jo = j * d;
      let s = 0;
      for (let a = 0; a < d; a++) {
        const t = X[io + a]! - Y[jo + a]!;
        s += t * t;
      }
      const kv = v[j]! * Math.exp(h * s);
      acc += kv;
      if (grad) for (let a = 0; a < d; a++) gy[a]! += kv * Y[jo + a]!;
    }
    if (val) val[i] = acc;
    if (grad) for (let a = 0; a < d; a++) grad[io + a] = -is2 * (acc * X[io + a]! - gy[a]!);
  }
}

/**
 * Sources of a signed measure µ − π̂ with π̂ = (1/m)Σₗ δ_{yₗ}: positions [X; Y] and
 * coefficients [w; −1/m]. Evaluating `kernelSumGrad` on them gives the MMD witness
 * ξ(z) = Σⱼ wⱼ k(xⱼ, z) − (1/m) Σₗ k(yₗ, z) and ∇ξ in a single pass.
 */
export function signedSources(
  X: Float64Array,
  w: Float64Array,
  Y: Float64Array,
  d: number,
  yWeights?: Float64Array,
): { S: Float64Array; v: Float64Array } {
  const n = w.length;
  const m = Y.length / d;
  const S = new Float64Array(X.length + Y.length);
  S.set(X, 0);
  S.set(Y, X.length);
  const v = new Float64Array(n + m);
  v.set(w, 0);
  if (yWeights) for (let l = 0; l < m; l++) v[n + l] = -yWeights[l]!;
  else v.fill(-1 / m, n);
  return { S, v };
}
