import type { Kernel } from '../kernels/kernel.js';
import { getSumEngine } from './engine.js';
import { kernelSumGradJs } from './kernelSumsJs.js';
import { gaussianSumGradWasm } from './wasmKernels.js';

/**
 * The only place with O(n·m) loops. Every energy, metric and flow reduces its kernel
 * work to these sums over a set of *sources* y_j with coefficients v_j, evaluated at
 * *points* x_i. No n×m matrix is ever allocated: memory is O((n + m)·d).
 *
 * Shapes: X [n, d] (points), Y [m, d] (sources), v [m]; all row-major Float64Arrays.
 *
 * Backends: Gaussian sums with at least `WASM_MIN_PAIRS` pairs run in the WebAssembly-SIMD
 * module (wasmKernels.ts) when the engine has it; everything else, and everything when it
 * does not, runs in the plain-TypeScript loops (kernelSumsJs.ts), which are the reference
 * the WebAssembly path is tested against (test/backend.test.ts). Both use the same `exp`
 * (bit-identical, engine-independent); results differ by rounding only, within the
 * tolerances documented at `gaussianSumGradWasm`.
 */

/** Below this many point–source pairs the TypeScript loop is used (call overhead). */
export const WASM_MIN_PAIRS = 256;

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
  const engine = getSumEngine();
  if (engine?.kernelSumGrad?.(ker, X, Y, d, v, val, grad)) return;
  kernelSumGradRows(ker, X, Y, d, v, val, grad, 0, X.length / d, 'f64');
}

/**
 * The built-in body of `kernelSumGrad` for output rows [r0, r1) (r0 a multiple of 4): writes
 * val[r0 … r1) and those rows of grad, nothing else. The backend (WebAssembly or TypeScript)
 * is chosen from the whole problem, not the range, and each row is summed over the sources
 * in the same order whatever the range: splitting the rows over threads gives results
 * bit-identical to one call over all rows. `precision: 'f32'` runs Gaussian sums in the
 * single-precision WebAssembly path (error: `F32_ERROR` in wasmKernels.ts); other kernels,
 * and everything where WebAssembly is missing, stay in double precision.
 */
export function kernelSumGradRows(
  ker: Kernel,
  X: Float64Array,
  Y: Float64Array,
  d: number,
  v: Float64Array,
  val: Float64Array | null,
  grad: Float64Array | null,
  r0: number,
  r1: number,
  precision: 'f64' | 'f32',
): void {
  const n = X.length / d;
  const m = Y.length / d;
  if (r1 <= r0) return;
  // The WebAssembly path scales by 1/σ², which overflows for σ < 1.5e-154: the TypeScript path handles that.
  if (
    ker.kind === 'gaussian' &&
    n * m >= WASM_MIN_PAIRS &&
    Number.isFinite(1 / (ker.sigma * ker.sigma)) &&
    gaussianSumGradWasm(ker.sigma, X, Y, d, v, val, grad, { rows: [r0, r1], precision }) !== null
  )
    return;
  kernelSumGradJs(ker, X, Y, d, v, val, grad, r0, r1);
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
