import { WASM_MODULE_BASE64 } from './wasmModule.js';

/**
 * The WebAssembly-SIMD backend for Gaussian kernel sums (source: src/backend/wasm/kernels.c,
 * built by scripts/build-wasm.sh into wasmModule.ts, inlined as base64 so the core never
 * reads a file). Instantiated synchronously on first use; where WebAssembly or its SIMD
 * extension is missing (or the module cannot be compiled), every function here reports
 * "unavailable" and the callers fall back to the plain-TypeScript loops.
 *
 * Memory: the module's linear memory holds the inputs, two packed copies of the sources and
 * the outputs, O((n + m)·d) doubles plus a 4×block scratch block, never an n×m matrix. It
 * grows to the largest problem seen and is kept for reuse; `releaseWasmKernels` drops it.
 */

/** How squared distances are formed: `direct` Σₐ(xₐ − yₐ)², or `norms` |x|² + |y|² − 2x·y. */
export type GaussianWasmPath = 'direct' | 'norms';

export interface GaussianWasmOptions {
  /** `auto` (default) picks `norms` when it is accurate enough (see `NORMS_MIN_D`, `NORMS_MAX_SPREAD`). */
  path?: 'auto' | GaussianWasmPath;
  /**
   * Sources per tile, a positive multiple of 4. Default: as many as keep the tile's two
   * packed source blocks within ~200 KiB (L2), 32 to 512 (120 at d = 100, 512 at d = 2).
   */
  block?: number;
  /**
   * When the first n rows of Y are X (as in `signedSources`: S = [X; Y]), compute each kernel
   * value of that n×n block once and use it for both points (default true; false for tests).
   */
  symmetric?: boolean;
}

/**
 * `auto` uses the norms path only from this dimension on: below it the direct path costs
 * about the same and is exact up to rounding.
 */
export const NORMS_MIN_D = 8;

/**
 * `auto` uses the norms path only when (max|xᵢ − μ|² + max|yⱼ − μ|²)/(2σ²) ≤ this bound,
 * μ the sources' mean (the data are centred first). In floating point,
 * |x|² + |y|² − 2x·y carries an absolute error of a few ε·(|x|² + |y|²), so each kernel
 * value k = exp(−s/(2σ²)) carries a relative error of about ε·(|x|² + |y|²)/(2σ²)·√d:
 * ≤ 1024·√d·ε ≈ 2e−12 at d = 100 under this bound, typically far less. Beyond it (σ much
 * smaller than the spread of the data) the direct path is used.
 */
export const NORMS_MAX_SPREAD = 1024;

interface WasmExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  heap_base(): number;
  prep(n: number, N: number, d: number, dp: number, xr: number, sr: number, v: number, mu: number, Sv: number, x2: number, s2: number): number;
  panels(n: number, N: number, d: number, dp: number, xr: number, sr: number, mu: number, centred: number, Xp: number, Sp: number): void;
  gauss(n4: number, N4: number, dp: number, Xp: number, Sp: number, Sv: number, v: number, x2: number, s2: number, h: number, G: number, R: number, Rg: number, C: number, block: number, mode: number, nself: number, P: number): void;
  finish(n: number, d: number, dp: number, xr: number, mu: number, G: number, R: number, is2: number, out: number): void;
  exp_array(x: number, len: number): void;
}

interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

/** undefined: not tried yet; null: unavailable here. */
let wasm: WasmExports | null | undefined;

function instance(): WasmExports | null {
  if (wasm !== undefined) return wasm;
  wasm = null;
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (!api) return null;
  try {
    const bytes = decodeBase64(WASM_MODULE_BASE64);
    if (!api.validate(bytes)) return null; // e.g. an engine without SIMD
    wasm = new api.Instance(new api.Module(bytes), {}).exports as WasmExports;
  } catch {
    wasm = null;
  }
  return wasm;
}

/** Whether the WebAssembly backend can run in this engine (instantiates it on first call). */
export function wasmKernelsAvailable(): boolean {
  return instance() !== null;
}

/** Current size of the module's linear memory in bytes (0 when not instantiated). */
export function wasmMemoryBytes(): number {
  return wasm ? wasm.memory.buffer.byteLength : 0;
}

/** Drops the module instance and its memory; the next call instantiates a fresh one. */
export function releaseWasmKernels(): void {
  wasm = undefined;
}

/**
 * Gaussian kernel sums k(x, y) = exp(−|x − y|²/(2σ²)) in WebAssembly:
 *   val[i]  = Σⱼ vⱼ k(xᵢ, yⱼ)                                      (val [n] or null)
 *   grad[i] = Σⱼ vⱼ ∇₁k(xᵢ, yⱼ) = −(1/σ²)(xᵢ·val[i] − Σⱼ vⱼ k(xᵢ, yⱼ) yⱼ)   (grad [n, d] or null)
 * X [n, d], Y [m, d], v [m], row-major. Returns the path used, or null (nothing written)
 * when WebAssembly is unavailable or the problem does not fit in 2 GiB of linear memory.
 *
 * Accuracy: on the `direct` path the kernel values are bit-identical to the TypeScript
 * path's (same distances, same `exp`); sums differ by rounding (other order). The gradient's
 * form xᵢ·val − Σⱼcᵢⱼyⱼ is evaluated on data centred on the sources' mean μ, so its rounding
 * error is ≈ ε·Σⱼ|cᵢⱼ|·(|xᵢ − μ| + |yⱼ − μ|) against a magnitude scale Σⱼ|cᵢⱼ|·|xᵢ − yⱼ|:
 * large only for pairs that (nearly) coincide, |xᵢ − yⱼ| ≪ |xᵢ − μ|, when their kernel value
 * dominates the others'. The commonest such pair, a point's own term when the sources start
 * with the points (Y = X, or S = [X; Y] from `signedSources`), is left out of that form (its
 * gradient is exactly 0), so it adds no error; other exact duplicates are not detected.
 * The `norms` path adds the error described at `NORMS_MAX_SPREAD`, which `auto` bounds.
 * Cost O(n·m·d) in SIMD tiles, single-threaded.
 */
export function gaussianSumGradWasm(
  sigma: number,
  X: Float64Array,
  Y: Float64Array,
  d: number,
  v: Float64Array,
  val: Float64Array | null,
  grad: Float64Array | null,
  opts: GaussianWasmOptions = {},
): GaussianWasmPath | null {
  const ex = instance();
  if (!ex) return null;
  const n = X.length / d;
  const N = Y.length / d;
  const n4 = (n + 3) & ~3;
  const N4 = (N + 3) & ~3;
  const dp = d + (d & 1);
  const block = opts.block ?? Math.max(32, Math.min(512, Math.floor(12288 / dp) & ~3));
  if (!(block > 0 && block % 4 === 0)) throw new RangeError(`block: got ${block}, expected a positive multiple of 4`);

  // layout, in doubles from a 16-byte aligned base; every region has an even length
  let top = (ex.heap_base() + 15) >> 3;
  top += top & 1;
  const region = (len: number): number => {
    const at = top;
    top += len + (len & 1);
    return at;
  };
  const xr = region(n * d); // raw X, later the gradient
  const sr = region(N * d);
  const mu = region(dp);
  const Xp = region(n4 * dp);
  const Sp = region(N4 * dp);
  const Sv = region(N4 * dp);
  const vv = region(N4);
  const x2 = region(n4);
  const s2 = region(N4);
  const G = region(grad ? n4 * dp : 0);
  const R = region(n4);
  const Rg = region(n4);
  const C = region(4 * block);
  const bytes = top * 8;
  if (bytes >= 2 ** 31) return null;
  const have = ex.memory.buffer.byteLength;
  if (bytes > have) {
    try {
      ex.memory.grow(Math.ceil((bytes - have) / 65536));
    } catch {
      return null;
    }
  }
  const F = new Float64Array(ex.memory.buffer);
  F.set(X, xr);
  F.set(Y, sr);
  F.set(v, vv);
  F.fill(0, vv + N, vv + N4);

  const spread = ex.prep(n, N, d, dp, xr * 8, sr * 8, vv * 8, mu * 8, Sv * 8, x2 * 8, s2 * 8);
  const is2 = 1 / (sigma * sigma);
  const h = -0.5 * is2;
  const want = opts.path ?? 'auto';
  const path: GaussianWasmPath =
    want === 'auto' ? (d >= NORMS_MIN_D && -h * spread <= NORMS_MAX_SPREAD ? 'norms' : 'direct') : want;
  ex.panels(n, N, d, dp, xr * 8, sr * 8, mu * 8, path === 'norms' ? 1 : 0, Xp * 8, Sp * 8);
  // the MMD witness evaluates at X against [X; Y]: the shared rows' kernel block is symmetric,
  // and each point's own term is kept out of the gradient's cancellation
  const nself = leadingRowsEqual(X, Y) ? n : 0;
  const P = (opts.symmetric ?? true) ? nself >> 2 : 0;
  ex.gauss(n4, N4, dp, Xp * 8, Sp * 8, Sv * 8, vv * 8, x2 * 8, s2 * 8, h, G * 8, R * 8, Rg * 8, C * 8, block, (grad ? 1 : 0) | (path === 'direct' ? 2 : 0), nself, P);
  if (val) val.set(F.subarray(R, R + n));
  if (grad) {
    ex.finish(n, d, dp, xr * 8, mu * 8, G * 8, Rg * 8, is2, xr * 8);
    grad.set(F.subarray(xr, xr + n * d));
  }
  return path;
}

/** Whether Y [m, d] starts with the rows of X [n, d] (then its n×n kernel block is symmetric). */
function leadingRowsEqual(X: Float64Array, Y: Float64Array): boolean {
  if (Y.length < X.length) return false;
  if (X.buffer === Y.buffer && X.byteOffset === Y.byteOffset) return true;
  for (let i = 0; i < X.length; i++) if (X[i] !== Y[i]) return false;
  return true;
}

/**
 * exp(x) for x ≤ 0 elementwise through the module's vectorised exp (the one the Gaussian
 * sums use), for checking it against `expNonPositive`. Null when WebAssembly is unavailable.
 */
export function expNonPositiveWasm(x: Float64Array): Float64Array | null {
  const ex = instance();
  if (!ex) return null;
  const len = (x.length + 7) & ~7;
  const at = ((ex.heap_base() + 15) >> 4) << 1;
  const bytes = (at + len) * 8;
  const have = ex.memory.buffer.byteLength;
  if (bytes > have) ex.memory.grow(Math.ceil((bytes - have) / 65536));
  const F = new Float64Array(ex.memory.buffer);
  F.set(x, at);
  F.fill(0, at + x.length, at + len);
  ex.exp_array(at * 8, len);
  return F.slice(at, at + x.length);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Decodes standard base64 (no `atob`/`Buffer`, so the core runs in any engine). */
export function decodeBase64(s: string): Uint8Array {
  const idx = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) idx[B64.charCodeAt(i)] = i;
  let len = s.length;
  while (len > 0 && s[len - 1] === '=') len--;
  const out = new Uint8Array((len * 3) >> 2);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    const x = c < 128 ? idx[c]! : -1;
    if (x < 0) throw new Error(`decodeBase64: invalid character at ${i}`);
    acc = ((acc << 6) | x) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}
