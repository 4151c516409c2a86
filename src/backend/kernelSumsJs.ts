import type { Kernel } from '../kernels/kernel.js';
import { profileBlock } from './profiles.js';

/** Sources per block: the block's distances and profiles (a few KiB) stay in L1. */
const BLOCK = 256;

/**
 * Plain-TypeScript reference for `kernelSumGrad`, for every kernel kind:
 *   val[i]  = Σⱼ vⱼ k(xᵢ, yⱼ)                          (val may be null)
 *   grad[i] = Σⱼ vⱼ ∇₁k(xᵢ, yⱼ) = Σⱼ vⱼ cᵢⱼ (xᵢ − yⱼ)   (grad [n, d], may be null)
 * X [n, d], Y [m, d], v [m]. For each point, sources are taken in blocks of 256: squared
 * distances for the block, then one kind-specific loop for the profiles (`profileBlock`,
 * no call or object per pair), then the accumulation. The gradient uses the differences
 * xᵢ − yⱼ directly (no cancellation). Only rows [r0, r1) are computed and written (default
 * all); each row's result depends on that row alone. Cost O(n·m·d), memory O(block).
 */
export function kernelSumGradJs(
  ker: Kernel,
  X: Float64Array,
  Y: Float64Array,
  d: number,
  v: Float64Array,
  val: Float64Array | null,
  grad: Float64Array | null,
  r0 = 0,
  r1 = X.length / d,
): void {
  const m = Y.length / d;
  const s = new Float64Array(BLOCK);
  const kb = new Float64Array(BLOCK);
  const cb = grad ? new Float64Array(BLOCK) : null;
  const xi = new Float64Array(d); // the point's row and its gradient, local and contiguous
  const gi = new Float64Array(d);
  for (let i = r0; i < r1; i++) {
    const io = i * d;
    for (let a = 0; a < d; a++) xi[a] = X[io + a]!;
    gi.fill(0);
    let acc = 0;
    for (let j0 = 0; j0 < m; j0 += BLOCK) {
      const len = Math.min(BLOCK, m - j0);
      for (let q = 0; q < len; q++) {
        const jo = (j0 + q) * d;
        let t = 0;
        for (let a = 0; a < d; a++) {
          const u = xi[a]! - Y[jo + a]!;
          t += u * u;
        }
        s[q] = t;
      }
      profileBlock(ker, d, s, len, kb, cb, null);
      for (let q = 0; q < len; q++) acc += v[j0 + q]! * kb[q]!;
      if (cb) {
        for (let q = 0; q < len; q++) {
          const f = v[j0 + q]! * cb[q]!;
          const jo = (j0 + q) * d;
          for (let a = 0; a < d; a++) gi[a]! += f * (xi[a]! - Y[jo + a]!);
        }
      }
    }
    if (val) val[i] = acc;
    if (grad) grad.set(gi, io);
  }
}

/**
 * Plain-TypeScript Langevin–Stein kernel sum (the body of `steinKernelSum`):
 *   out[i] = Σⱼ vⱼ [k·s(xᵢ)·s(yⱼ) + c·(s(yⱼ) − s(xᵢ))·(xᵢ − yⱼ) + tr ∇ₓ∇ᵧk],
 * X [n, d] with scores SX [n, d], Y [m, d] with scores SY [m, d]. Blocked like
 * `kernelSumGradJs`; writes rows [r0, r1) of `out` [n] (default all) and returns it.
 * Cost O(n·m·d), memory O(block).
 */
export function steinKernelSumJs(
  ker: Kernel,
  X: Float64Array,
  SX: Float64Array,
  Y: Float64Array,
  SY: Float64Array,
  d: number,
  v: Float64Array,
  out: Float64Array,
  r0 = 0,
  r1 = X.length / d,
): Float64Array {
  const m = Y.length / d;
  const s = new Float64Array(BLOCK);
  const ssb = new Float64Array(BLOCK);
  const dsb = new Float64Array(BLOCK);
  const kb = new Float64Array(BLOCK);
  const cb = new Float64Array(BLOCK);
  const tb = new Float64Array(BLOCK);
  for (let i = r0; i < r1; i++) {
    const io = i * d;
    let acc = 0;
    for (let j0 = 0; j0 < m; j0 += BLOCK) {
      const len = Math.min(BLOCK, m - j0);
      for (let q = 0; q < len; q++) {
        const jo = (j0 + q) * d;
        let t = 0;
        let ss = 0;
        let dsd = 0;
        for (let a = 0; a < d; a++) {
          const u = X[io + a]! - Y[jo + a]!;
          const sx = SX[io + a]!;
          const sy = SY[jo + a]!;
          t += u * u;
          ss += sx * sy;
          dsd += (sy - sx) * u;
        }
        s[q] = t;
        ssb[q] = ss;
        dsb[q] = dsd;
      }
      profileBlock(ker, d, s, len, kb, cb, tb);
      for (let q = 0; q < len; q++) acc += v[j0 + q]! * (kb[q]! * ssb[q]! + cb[q]! * dsb[q]! + tb[q]!);
    }
    out[i] = acc;
  }
  return out;
}
