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
   * value of that n×n block once and use it for both points. Default false: with it, a row's
   * sum also collects terms computed for other rows, in an order that depends on all rows,
   * so it cannot be split over threads with bit-identical results (see `rows`). About 10–20%
   * faster on one thread for the MMD witness; kept for comparison (bench, tests).
   */
  symmetric?: boolean;
  /**
   * Compute only the output rows [r0, r1) (r0 a multiple of 4): val[r0 … r1) and grad rows
   * r0 … r1 − 1 are written, nothing else. Every row's result is bit-identical to the one the
   * full call (no `rows`) computes, whatever the range: the choice of distance path uses all
   * of X, and each row is summed over the sources in the same order. This is the row kernel
   * that worker threads run (src/backend/parallel.ts).
   */
  rows?: readonly [number, number];
  /**
   * `f64` (default) or `f32`: single-precision distances, kernel values and block sums
   * (f32x4 lanes: about 2× the throughput), added block by block into double accumulators.
   * Relative error against f64 about 1e−6 on typical data; see `F32_ERROR` for the bound tested.
   */
  precision?: 'f64' | 'f32';
}

/**
 * The f32 path's documented accuracy, tested in test/threads.test.ts on N(0, I) data against
 * the f64 path: max |val − val₆₄| ≤ F32_ERROR · max|val₆₄| and likewise for the gradient
 * (measured ≈ 1e−6 … 1e−5 for d = 2 … 100). Its sources: rounding the centred coordinates to
 * float (ε₃₂ = 6e−8 relative), float distances (norms path: ε₃₂·(|x − μ|² + |y − μ|²)/(2σ²),
 * bounded by `NORMS32_MAX_SPREAD`), the float exp (≤ 4e−7 relative) and float sums over
 * blocks of ≤ 1024 sources.
 */
export const F32_ERROR = 1e-4;

/** `auto` uses the f32 norms path only when the spread bound of `NORMS_MAX_SPREAD` is ≤ this. */
export const NORMS32_MAX_SPREAD = 32;

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
  gauss(n4: number, N4: number, dp: number, Xp: number, Sp: number, Sv: number, v: number, x2: number, s2: number, h: number, G: number, R: number, Rg: number, C: number, block: number, mode: number, nself: number, P: number, i0: number): void;
  panels32(n: number, N: number, d: number, dp4: number, xr: number, sr: number, v: number, mu: number, Xr: number, Sp: number, Sv: number, v32: number, x2: number, s2: number): void;
  gauss32(n4: number, N8: number, d: number, dp4: number, Xr: number, Sp: number, Sv: number, v: number, x2: number, s2: number, h: number, G: number, R: number, C: number, block: number, mode: number): void;
  expf_array(x: number, len: number): void;
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
  const [r0, r1] = opts.rows ?? [0, n];
  if (!(Number.isInteger(r0) && Number.isInteger(r1) && r0 % 4 === 0 && 0 <= r0 && r0 <= r1 && r1 <= n))
    throw new RangeError(`rows: got [${r0}, ${r1}], expected 0 ≤ r0 ≤ r1 ≤ ${n} with r0 a multiple of 4`);
  const nr = r1 - r0;
  const f32 = opts.precision === 'f32';
  const n4 = (n + 3) & ~3;
  const nr4 = (nr + 3) & ~3;
  const N4 = (N + 3) & ~3;
  const N8 = (N + 7) & ~7;
  const dp = d + (d & 1);
  const dp4 = (d + 3) & ~3;
  const symmetric = (opts.symmetric ?? false) && !opts.rows && !f32;
  const block = f32
    ? (opts.block ?? Math.max(64, Math.min(1024, Math.floor(24576 / dp4) & ~7)))
    : (opts.block ?? Math.max(32, Math.min(512, Math.floor(12288 / dp) & ~3)));
  if (!(block > 0 && block % (f32 ? 8 : 4) === 0))
    throw new RangeError(`block: got ${block}, expected a positive multiple of ${f32 ? 8 : 4}`);

  // layout, in doubles from a 16-byte aligned base; every region has an even length
  let top = (ex.heap_base() + 15) >> 3;
  top += top & 1;
  const region = (len: number): number => {
    const at = top;
    top += len + (len & 1);
    return at;
  };
  const floats = (len: number): number => region(Math.ceil(len / 2)); // a float region, in doubles
  const xr = region(n * d); // raw X (all rows: the path choice uses them all), later the gradient
  const sr = region(N * d);
  const mu = region(dp);
  const Sv = region(N4 * dp);
  const vv = region(N4);
  const x2 = region(n4);
  const s2 = region(N4);
  const R = region(nr4);
  let Xp = 0, Sp = 0, G = 0, Rg = 0, C = 0, Xr32 = 0, Sp32 = 0, Sv32 = 0, v32 = 0, x232 = 0, s232 = 0;
  if (f32) {
    Xr32 = floats(nr4 * dp4);
    Sp32 = floats(N8 * dp4);
    Sv32 = floats(N8 * dp4);
    v32 = floats(N8);
    x232 = floats(nr4);
    s232 = floats(N8);
    G = region(grad ? nr4 * dp4 : 0);
    C = floats(4 * block);
  } else {
    Xp = region(nr4 * dp);
    Sp = region(N4 * dp);
    G = region(grad ? nr4 * dp : 0);
    Rg = region(nr4);
    C = region(4 * block);
  }
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
    want === 'auto' ? (d >= NORMS_MIN_D && -h * spread <= (f32 ? NORMS32_MAX_SPREAD : NORMS_MAX_SPREAD) ? 'norms' : 'direct') : want;
  const xRows = (xr + r0 * d) * 8;
  const mode = (grad ? 1 : 0) | (path === 'direct' ? 2 : 0);
  let Gdp = dp;
  if (f32) {
    Gdp = dp4;
    ex.panels32(nr, N, d, dp4, xRows, sr * 8, vv * 8, mu * 8, Xr32 * 8, Sp32 * 8, Sv32 * 8, v32 * 8, x232 * 8, s232 * 8);
    ex.gauss32(nr4, N8, d, dp4, Xr32 * 8, Sp32 * 8, Sv32 * 8, v32 * 8, x232 * 8, s232 * 8, h, G * 8, R * 8, C * 8, block, mode);
    Rg = R;
  } else {
    ex.panels(nr, N, d, dp, xRows, sr * 8, mu * 8, path === 'norms' ? 1 : 0, Xp * 8, Sp * 8);
    // the MMD witness evaluates at X against [X; Y]: each point's own term is kept out of the
    // gradient's cancellation, and (if asked) the shared rows' kernel block is used symmetrically
    const nself = leadingRowsEqual(X, Y) ? n : 0;
    const P = symmetric ? nself >> 2 : 0;
    ex.gauss(nr4, N4, dp, Xp * 8, Sp * 8, Sv * 8, vv * 8, (x2 + r0) * 8, s2 * 8, h, G * 8, R * 8, Rg * 8, C * 8, block, mode, nself, P, r0);
  }
  if (val) val.set(F.subarray(R, R + nr), r0);
  if (grad) {
    ex.finish(nr, d, Gdp, xRows, mu * 8, G * 8, Rg * 8, is2, xRows);
    grad.set(F.subarray(xr + r0 * d, xr + r1 * d), r0 * d);
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

/**
 * expf(x) for x ≤ 0 elementwise through the f32 path's vectorised exp (rounded to float
 * first), for its accuracy test. Null when WebAssembly is unavailable.
 */
export function expNonPositiveWasmF32(x: Float64Array): Float32Array | null {
  const ex = instance();
  if (!ex) return null;
  const len = (x.length + 3) & ~3;
  const at = ((ex.heap_base() + 15) >> 4) << 2; // in floats, 16-byte aligned
  const bytes = (at + len) * 4;
  const have = ex.memory.buffer.byteLength;
  if (bytes > have) ex.memory.grow(Math.ceil((bytes - have) / 65536));
  const F = new Float32Array(ex.memory.buffer);
  F.set(x, at);
  F.fill(0, at + x.length, at + len);
  ex.expf_array(at * 4, len);
  return F.slice(at, at + x.length);
}

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
