/**
 * Elementary functions written with + − × / and bit operations only, so that the
 * results are bit-identical in every JavaScript engine (`Math.log` differs in the
 * last bit between Node and Chromium on ~10% of inputs). Ports of fdlibm's e_log.c.
 */

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// Which half of the double holds the sign/exponent word depends on endianness.
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

// fdlibm's published decimal literals: each rounds to the intended double, so the extra
// digits (flagged by the linter's noPrecisionLoss, switched off for this file) are harmless.
const ln2_hi = 6.93147180369123816490e-1;
const ln2_lo = 1.90821492927058770002e-10;
const two54 = 1.8014398509481984e16;
const Lg1 = 6.666666666666735130e-1;
const Lg2 = 3.999999999940941908e-1;
const Lg3 = 2.857142874366239149e-1;
const Lg4 = 2.222219843214978396e-1;
const Lg5 = 1.818357216161805012e-1;
const Lg6 = 1.531383769920937332e-1;
const Lg7 = 1.479819860511658591e-1;

/** Natural logarithm ln(x), correctly handling 0, subnormals, negatives (NaN) and ∞ (fdlibm, < 1 ulp). */
export function log(x: number): number {
  f64[0] = x;
  let hx = u32[HI]! | 0;
  const lx = u32[LO]!;
  let k = 0;
  if (hx < 0x00100000) {
    if (((hx & 0x7fffffff) | lx) === 0) return -Infinity;
    if (hx < 0) return NaN;
    k -= 54;
    x *= two54;
    f64[0] = x;
    hx = u32[HI]! | 0;
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i0 = (hx + 0x95f64) & 0x100000;
  f64[0] = x;
  u32[HI] = (hx | (i0 ^ 0x3ff00000)) >>> 0;
  x = f64[0];
  k += i0 >> 20;
  const f = x - 1.0;
  if ((0x000fffff & (2 + hx)) < 3) {
    if (f === 0) {
      if (k === 0) return 0;
      return k * ln2_hi + k * ln2_lo;
    }
    const R = f * f * (0.5 - 0.33333333333333333 * f);
    if (k === 0) return f - R;
    return k * ln2_hi - (R - k * ln2_lo - f);
  }
  const s = f / (2.0 + f);
  const dk = k;
  const z = s * s;
  let i = hx - 0x6147a;
  const w = z * z;
  const j = 0x6b851 - hx;
  const t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
  const t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  i |= j;
  const R = t2 + t1;
  if (i > 0) {
    const hfsq = 0.5 * f * f;
    if (k === 0) return f - (hfsq - s * (hfsq + R));
    return dk * ln2_hi - (hfsq - (s * (hfsq + R) + dk * ln2_lo) - f);
  }
  if (k === 0) return f - s * (f - R);
  return dk * ln2_hi - (s * (f - R) - dk * ln2_lo - f);
}

/**
 * Neumaier-compensated sum Σᵢ a[i] of a typed array (error O(ε) independent of length).
 * Used where sums of many terms of mixed sign are compared against small numbers (MMD²).
 */
export function fsum(a: ArrayLike<number>): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const t = s + x;
    if (Math.abs(s) >= Math.abs(x)) c += s - t + x;
    else c += x - t + s;
    s = t;
  }
  return s + c;
}

/** Σᵢ a[i]·b[i] with Neumaier compensation. */
export function fdot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! * b[i]!;
    const t = s + x;
    if (Math.abs(s) >= Math.abs(x)) c += s - t + x;
    else c += x - t + s;
    s = t;
  }
  return s + c;
}

/** log Σᵢ exp(a[i]) computed stably (max shift). */
export function logSumExp(a: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < a.length; i++) if (a[i]! > m) m = a[i]!;
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += exp(a[i]! - m);
  return m + log(s);
}

// fdlibm e_exp.c constants (published decimal literals).
const E_INV_LN2 = 1.44269504088896338700e0;
const E_MAGIC = 6755399441055744.0; // 1.5·2⁵²: x + MAGIC − MAGIC rounds x to an integer (ties to even)
const E_P1 = 1.66666666666666019037e-1;
const E_P2 = -2.77777777770155933842e-3;
const E_P3 = 6.61375632143793436117e-5;
const E_P4 = -1.65339022054652515390e-6;
const E_P5 = 4.13813679705723846039e-8;
const E_OVER = 7.09782712893383973096e2;
const E_UNDER = -7.45133219101941108420e2;

/** 2^k for an integer −1022 ≤ k ≤ 1023 (exact), by writing the exponent bits. */
function pow2(k: number): number {
  u32[HI] = ((k + 1023) << 20) >>> 0;
  u32[LO] = 0;
  return f64[0]!;
}

/**
 * eˣ for every double x, written with + − × / and bit operations only (fdlibm's e_exp.c:
 * x = k·ln2 + r, |r| ≤ ln2/2, degree-5 Remez rational form of eʳ, error < 1 ulp), so the
 * result is the same in every JavaScript engine — `Math.exp` differs in the last bit
 * between engines. For x ≤ 0 down to −708.39 it equals the kernels' `expNonPositive`
 * (and the WebAssembly kernels) bit for bit. Overflow gives +∞, underflow 0 (subnormals
 * in between), NaN gives NaN.
 */
export function exp(x: number): number {
  if (!(x <= E_OVER)) return x > E_OVER ? Infinity : NaN;
  if (x < E_UNDER) return 0;
  const km = x * E_INV_LN2 + E_MAGIC;
  const kf = km - E_MAGIC;
  const hi = x - kf * ln2_hi;
  const lo = kf * ln2_lo;
  const r = hi - lo;
  const t = r * r;
  const c = r - t * (E_P1 + t * (E_P2 + t * (E_P3 + t * (E_P4 + t * E_P5))));
  const y = 1 - (lo - (r * c) / (2 - c) - hi);
  const k = kf | 0;
  if (k >= -1022) return k <= 1023 ? y * pow2(k) : y * 2 * pow2(1023);
  return y * pow2(k + 1000) * pow2(-1000);
}

/**
 * xʸ for x ≥ 0 and finite y, engine-independent: exp(y·ln x) with the own `exp` and `log`
 * (relative error ≲ (1 + |y ln x|)·2⁻⁵², a few ulps for kernel arguments), exact for y = 0
 * (1), y = 1 (x), y = ½ (√x, correctly rounded) and x = 0 (0 for y > 0, +∞ for y < 0).
 * `Math.pow` / `**` may differ in the last bit between JavaScript engines.
 */
export function powNonNegative(x: number, y: number): number {
  if (y === 0) return 1;
  if (y === 1) return x;
  if (y === 0.5) return Math.sqrt(x);
  if (y === -0.5) return 1 / Math.sqrt(x);
  if (y === 2) return x * x;
  if (x === 0) return y > 0 ? 0 : Infinity;
  return exp(y * log(x));
}

/**
 * √(x² + y²) without overflow or underflow, with + − × / and `Math.sqrt` only (scaled by
 * max(|x|, |y|)), so the result is the same in every JavaScript engine; `Math.hypot` is not
 * specified to the last bit. Error ≤ 2 ulp.
 */
export function hypot2(x: number, y: number): number {
  const a = Math.abs(x);
  const b = Math.abs(y);
  const m = a > b ? a : b;
  if (m === 0 || m === Infinity) return m;
  if (!(m > 0)) return NaN;
  const p = a / m;
  const q = b / m;
  return m * Math.sqrt(p * p + q * q);
}
