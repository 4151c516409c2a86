import type { Kernel } from '../kernels/kernel.js';

/**
 * The seam every kernel-sum backend plugs into. The numerical core calls the free
 * functions `kernelSumGrad`, `steinKernelSum` and `kernelSumVec`; each first offers the
 * work to the installed engine (if any) and falls back to the built-in single-threaded
 * path (WebAssembly SIMD / plain TypeScript) when the engine declines by returning
 * `false`, or when no engine is installed.
 *
 * Engines are synchronous by contract: a flow's `step` stays a pure synchronous function.
 * A multi-threaded or GPU engine blocks the calling thread until its helpers are done
 * (e.g. `Atomics.wait` on shared memory), which Node's main thread and Web Workers allow.
 *
 * Every method computes exactly what the built-in function of the same name documents
 * (same shapes, same formula); an engine only changes how and where the sum is evaluated.
 */
export interface SumEngine {
  /** Short name reported in results and benches, e.g. `'threads×2'`, `'webgpu'`. */
  readonly name: string;
  /** val[i] = Σⱼ vⱼ k(xᵢ, yⱼ), grad[i] = Σⱼ vⱼ ∇₁k(xᵢ, yⱼ). Returns false to decline. */
  kernelSumGrad?(
    ker: Kernel,
    X: Float64Array,
    Y: Float64Array,
    d: number,
    v: Float64Array,
    val: Float64Array | null,
    grad: Float64Array | null,
  ): boolean;
  /** out[i] = Σⱼ vⱼ k_π(xᵢ, yⱼ) (Langevin–Stein kernel). Returns false to decline. */
  steinKernelSum?(
    ker: Kernel,
    X: Float64Array,
    SX: Float64Array,
    Y: Float64Array,
    SY: Float64Array,
    d: number,
    v: Float64Array,
    out: Float64Array,
  ): boolean;
  /** out[i, :] = Σⱼ k(xᵢ, yⱼ) vⱼ G[j, :] (G [m, p]). Returns false to decline. */
  kernelSumVec?(
    ker: Kernel,
    X: Float64Array,
    Y: Float64Array,
    d: number,
    v: Float64Array,
    G: Float64Array,
    p: number,
    out: Float64Array,
  ): boolean;
}

let current: SumEngine | null = null;

/**
 * Installs `engine` as the backend of every kernel sum (null restores the built-in
 * single-threaded path). Returns the engine that was installed before, so callers can
 * restore it: `const prev = setSumEngine(e); try { … } finally { setSumEngine(prev); }`.
 */
export function setSumEngine(engine: SumEngine | null): SumEngine | null {
  const prev = current;
  current = engine;
  return prev;
}

/** The installed engine, or null when the built-in single-threaded path is used. */
export function getSumEngine(): SumEngine | null {
  return current;
}
