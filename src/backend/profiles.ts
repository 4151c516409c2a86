import type { Kernel } from '../kernels/kernel.js';
import { powNonNegative } from '../core/math.js';
import { expNonPositive } from './exp.js';

/**
 * Radial profiles of a kernel over a block of squared distances, one kind-specific loop per
 * call (the switch on the kind is outside the loop): for q < len, with s = s[q],
 *   k[q] = k(s),  c[q] = the factor with ∇ₓk = c·(x − y),  tr[q] = tr ∇ₓ∇ᵧk = −2s·c′(s) − d·c.
 * Same formulas and conventions as `kernelProfile` in kernels/kernel.ts (c = 0 and tr = +∞
 * at s = 0 for laplace and energy), except that the Gaussian and the exponentials use
 * `expNonPositive` (bit-identical to the WebAssembly backend) instead of `Math.exp`.
 * `c` and `tr` may be null when not needed. Allocation-free.
 */
export function profileBlock(
  ker: Kernel,
  d: number,
  s: Float64Array,
  len: number,
  k: Float64Array,
  c: Float64Array | null,
  tr: Float64Array | null,
): void {
  switch (ker.kind) {
    case 'gaussian': {
      const is2 = 1 / (ker.sigma * ker.sigma);
      const h = -0.5 * is2;
      if (!Number.isFinite(is2)) {
        // σ so small that 1/σ² overflows: s/σ² as (s/σ)/σ (0 at s = 0, never 0·∞).
        const sg = ker.sigma;
        for (let q = 0; q < len; q++) {
          const sq = s[q]!;
          const kq = expNonPositive(-0.5 * (sq / sg / sg));
          k[q] = kq;
          if (c) c[q] = kq === 0 ? 0 : -kq * is2;
          if (tr) tr[q] = kq === 0 ? 0 : kq * (d * is2 - sq * is2 * is2);
        }
        return;
      }
      for (let q = 0; q < len; q++) {
        const sq = s[q]!;
        const kq = expNonPositive(h * sq);
        k[q] = kq;
        if (c) c[q] = -kq * is2;
        // k = 0 (far pairs): the trace is 0 even where s/σ⁴ overflows (0·∞ would be NaN).
        if (tr) tr[q] = kq === 0 ? 0 : kq * (d * is2 - sq * is2 * is2);
      }
      return;
    }
    case 'imq': {
      const b = ker.beta ?? 0.5;
      const is2 = 1 / (ker.sigma * ker.sigma);
      // u^(−b) without a pow for the common exponents (powNonNegative, engine-independent, otherwise)
      const form = b === 0.5 ? 1 : b === 1 ? 2 : b === 1.5 ? 3 : 0;
      const tiny = !Number.isFinite(is2);
      for (let q = 0; q < len; q++) {
        const sq = s[q]!;
        const u = 1 + (tiny ? sq / ker.sigma / ker.sigma : sq * is2);
        const kq = form === 1 ? 1 / Math.sqrt(u) : form === 2 ? 1 / u : form === 3 ? 1 / (u * Math.sqrt(u)) : powNonNegative(u, -b);
        k[q] = kq;
        const cq = (-2 * b * is2 * kq) / u;
        if (c) c[q] = cq;
        if (tr) tr[q] = (-4 * b * (b + 1) * is2 * is2 * kq * sq) / (u * u) - d * cq;
      }
      return;
    }
    case 'laplace': {
      const isg = 1 / ker.sigma;
      for (let q = 0; q < len; q++) {
        const sq = s[q]!;
        const r = Math.sqrt(sq);
        const kq = expNonPositive(-r * isg);
        k[q] = kq;
        if (r === 0) {
          if (c) c[q] = 0;
          if (tr) tr[q] = Infinity;
        } else {
          const cq = (-kq * isg) / r;
          if (c) c[q] = cq;
          // c′(s) = e^{−r/σ}(1/σ + 1/r)/(2σr²)
          if (tr) tr[q] = -2 * sq * ((kq * (isg + 1 / r)) / (2 * ker.sigma * sq)) - d * cq;
        }
      }
      return;
    }
    case 'matern32': {
      const a = Math.sqrt(3) / ker.sigma;
      const a2 = a * a;
      for (let q = 0; q < len; q++) {
        const r = Math.sqrt(s[q]!);
        const e = expNonPositive(-a * r);
        k[q] = (1 + a * r) * e;
        if (c) c[q] = -a2 * e;
        if (tr) tr[q] = a2 * e * (d - a * r);
      }
      return;
    }
    case 'energy': {
      const b = ker.beta ?? 1;
      for (let q = 0; q < len; q++) {
        const r = Math.sqrt(s[q]!);
        if (b === 1) {
          k[q] = -r;
          if (c) c[q] = r === 0 ? 0 : -1 / r;
          if (tr) tr[q] = r === 0 ? Infinity : (b - 2 + d) / r;
        } else {
          k[q] = -powNonNegative(r, b);
          const rb2 = powNonNegative(r, b - 2);
          if (c) c[q] = r === 0 ? 0 : -b * rb2;
          if (tr) tr[q] = r === 0 ? Infinity : b * (b - 2 + d) * rb2;
        }
      }
      return;
    }
  }
}
