/**
 * exp(x) for x ≤ 0, written with + − × / only: fdlibm's e_exp.c algorithm (Cody–Waite
 * reduction x = k·ln2 + r, |r| ≤ ln2/2, then the degree-5 Remez rational form of e^r),
 * error < 1 ulp. The same operations in the same order run, two lanes at a time, in the
 * WebAssembly module (src/backend/wasm/kernels.c, `vexp`), so kernel values are bit-identical
 * between the two backends and across JavaScript engines (`Math.exp` may differ in the last
 * bit between engines).
 *
 * Differences from fdlibm: k is x/ln2 rounded to nearest-even (fdlibm rounds half away from
 * zero; both are correct reductions), and the result is 0 for x < −708.396… where fdlibm
 * returns a subnormal (< 2.3e−308). NaN gives NaN. Not valid for x > 0 (the kernels never
 * need it).
 */
export function expNonPositive(x: number): number {
  if (x < -708.39641853226408) return 0;
  const km = x * INV_LN2 + MAGIC;
  const kf = km - MAGIC;
  const hi = x - kf * LN2_HI;
  const lo = kf * LN2_LO;
  const r = hi - lo;
  const t = r * r;
  const c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  const y = 1 - (lo - (r * c) / (2 - c) - hi);
  return y * POW2[(kf | 0) + 1022]!;
}

const MAGIC = 6755399441055744.0; // 1.5·2⁵²: x + MAGIC − MAGIC rounds x to an integer (ties to even)
const INV_LN2 = 1.44269504088896338700e0;
const LN2_HI = 6.93147180369123816490e-1;
const LN2_LO = 1.90821492927058770002e-10;
const P1 = 1.66666666666666019037e-1;
const P2 = -2.77777777770155933842e-3;
const P3 = 6.61375632143793436117e-5;
const P4 = -1.65339022054652515390e-6;
const P5 = 4.13813679705723846039e-8;

/** POW2[k + 1022] = 2^k for k = −1022 … 0 (exact powers of two). */
const POW2 = new Float64Array(1023);
for (let k = -1022, p = 2 ** -1022; k <= 0; k++, p *= 2) POW2[k + 1022] = p;
