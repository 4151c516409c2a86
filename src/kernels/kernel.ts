import { expNonPositive } from '../backend/exp.js';
import { InputError } from '../core/errors.js';
import { powNonNegative } from '../core/math.js';
import { checkPositive } from '../core/validate.js';

/**
 * Kernels are plain data (a discriminated union), not closures: a WASM or GPU loop cannot
 * call back into JavaScript, and a spec must be able to name a kernel in JSON.
 * All kernels are radial, k(x, y) = g(s) with s = |x − y|².
 *
 * - gaussian  k = exp(−s / (2σ²))
 * - imq       k = (1 + s/σ²)^(−β), β > 0 (default ½: inverse multiquadric)
 * - laplace   k = exp(−r/σ), r = |x − y|            (not differentiable at r = 0)
 * - matern32  k = (1 + √3 r/σ) exp(−√3 r/σ)           (C¹, usable in the Stein kernel)
 * - energy    k = −r^β, β ∈ (0, 2) (default 1)       (negative-distance / Riesz kernel;
 *   conditionally positive definite: MMD² with it is the energy distance)
 */
export type Kernel =
  | { readonly kind: 'gaussian'; readonly sigma: number }
  | { readonly kind: 'imq'; readonly sigma: number; readonly beta?: number }
  | { readonly kind: 'laplace'; readonly sigma: number }
  | { readonly kind: 'matern32'; readonly sigma: number }
  | { readonly kind: 'energy'; readonly beta?: number };

/** The name of a kernel family: `gaussian`, `imq`, `laplace`, `matern32` or `energy` (formulas in {@link Kernel}). */
export type KernelKind = Kernel['kind'];
/** Every kernel family, in the order error messages list them. */
export const KERNEL_KINDS: readonly KernelKind[] = ['gaussian', 'imq', 'laplace', 'matern32', 'energy'];

/**
 * Smallest bandwidth σ accepted by `checkKernel`: 1/σ and √3/σ stay finite doubles. Below
 * about 1.5e-154, 1/σ² overflows; the kernels then form s/σ² as (s/σ)/σ, so k(x, x) = 1 and
 * far pairs give exactly 0 (never 0/0).
 */
export const SIGMA_MIN = 1e-300;

/**
 * s/σ² for s = |x − y|² ≥ 0 without 0/0 when σ² underflows to 0 (σ < 1.5e-162): (s/σ)/σ,
 * which is 0 at s = 0 and +∞ (a kernel value of 0) when it overflows, as the exact quotient does.
 */
export function scaledSq(s: number, sigma: number): number {
  return s / sigma / sigma;
}

/** −s/(2σ²) for the Gaussian: −½·(1/σ²)·s as everywhere, or −½·(s/σ)/σ where 1/σ² overflows. */
export function gaussianExponent(s: number, sigma: number): number {
  const is2 = 1 / (sigma * sigma);
  return Number.isFinite(is2) ? -0.5 * is2 * s : -0.5 * scaledSq(s, sigma);
}

/** Kernels with a finite tr ∇ₓ∇ᵧk at x = y, as the Langevin–Stein kernel requires. */
export const STEIN_KERNEL_KINDS: readonly KernelKind[] = ['gaussian', 'imq', 'matern32'];

/** Validates a kernel description, throwing an `InputError` naming the bad field. */
export function checkKernel(k: unknown, field = 'kernel'): Kernel {
  if (typeof k !== 'object' || k === null) throw new InputError(field, k, 'a kernel object like {kind: "gaussian", sigma: 1}');
  const kind = (k as { kind?: unknown }).kind;
  if (kind === undefined && 'type' in k)
    throw new InputError(`${field}.kind`, kind, `one of ${KERNEL_KINDS.join(', ')} — write {kind: ${JSON.stringify((k as { type: unknown }).type)}, …}: "kind" is the word for the family in the library and the run spec ("type" is its old spec name)`);
  if (typeof kind !== 'string' || !(KERNEL_KINDS as readonly string[]).includes(kind))
    throw new InputError(`${field}.kind`, kind, `one of ${KERNEL_KINDS.join(', ')}`);
  const kk = k as Kernel;
  if (kk.kind !== 'energy') {
    checkPositive(`${field}.sigma`, kk.sigma);
    if (kk.sigma < SIGMA_MIN) throw new InputError(`${field}.sigma`, kk.sigma, `a bandwidth >= ${SIGMA_MIN} (1/σ must stay a finite double)`);
  }
  if (kk.kind === 'imq' && kk.beta !== undefined) checkPositive(`${field}.beta`, kk.beta);
  if (kk.kind === 'energy' && kk.beta !== undefined) {
    const b = kk.beta;
    if (typeof b !== 'number' || !(b > 0 && b < 2)) throw new InputError(`${field}.beta`, b, 'a number in (0, 2)');
  }
  return kk;
}

/** Throws unless k is smooth enough for the Langevin–Stein kernel (KSD, SVGD's KSD-based steps). */
export function checkSteinKernel(k: Kernel, field = 'kernel'): void {
  if (!STEIN_KERNEL_KINDS.includes(k.kind))
    throw new InputError(`${field}.kind`, k.kind, `one of ${STEIN_KERNEL_KINDS.join(', ')} (tr ∇x∇y k must be finite at x = y)`);
}

/**
 * The radial profile of a kernel at s = |x − y|²: value k, the factor c with
 * ∇ₓk(x, y) = c·(x − y) = −∇ᵧk(x, y), and tr ∇ₓ∇ᵧk = −2s·c′(s) − d·c.
 * Scalar reference used by tests and by the slow paths; hot loops inline it.
 */
export interface Profile {
  k: number;
  c: number;
  trace: number;
}

/**
 * Value k(x, y) from s = |x − y|². Written with the same operations as the kernel sums
 * (backend/profiles.ts) and with the own `expNonPositive` / `powNonNegative` instead of
 * `Math.exp` / `**`, so a value is the same in every JavaScript engine and equals the one the
 * kernel sums and the WebAssembly module use.
 */
export function kernelValue(ker: Kernel, s: number): number {
  switch (ker.kind) {
    case 'gaussian':
      return expNonPositive(gaussianExponent(s, ker.sigma));
    case 'imq': {
      const b = ker.beta ?? 0.5;
      const is2 = 1 / (ker.sigma * ker.sigma);
      const u = 1 + (Number.isFinite(is2) ? s * is2 : scaledSq(s, ker.sigma));
      return b === 0.5 ? 1 / Math.sqrt(u) : b === 1 ? 1 / u : b === 1.5 ? 1 / (u * Math.sqrt(u)) : powNonNegative(u, -b);
    }
    case 'laplace':
      return expNonPositive(-Math.sqrt(s) * (1 / ker.sigma));
    case 'matern32': {
      const a = Math.sqrt(3) / ker.sigma;
      const r = Math.sqrt(s);
      return (1 + a * r) * expNonPositive(-a * r);
    }
    case 'energy': {
      const b = ker.beta ?? 1;
      const r = Math.sqrt(s);
      return b === 1 ? -r : -powNonNegative(r, b);
    }
  }
}

/**
 * Value, gradient factor and mixed trace at s = |x − y|² in dimension d.
 * At s = 0 the gradient factor of the non-smooth kernels (laplace, energy) is set to 0
 * (the symmetric subgradient), and their trace is +∞.
 */
export function kernelProfile(ker: Kernel, s: number, d: number): Profile {
  switch (ker.kind) {
    case 'gaussian': {
      const is2 = 1 / (ker.sigma * ker.sigma);
      const k = expNonPositive(gaussianExponent(s, ker.sigma));
      // k = 0 terms are 0 even where 1/σ² or s/σ⁴ overflow (0·∞ would give NaN).
      if (k === 0) return { k, c: 0, trace: 0 };
      return { k, c: -k * is2, trace: k * (d * is2 - s * is2 * is2) };
    }
    case 'imq': {
      const b = ker.beta ?? 0.5;
      const is2 = 1 / (ker.sigma * ker.sigma);
      const u = 1 + (Number.isFinite(is2) ? s * is2 : scaledSq(s, ker.sigma));
      const k = powNonNegative(u, -b);
      const c = (-2 * b * is2 * k) / u;
      const cp = (2 * b * (b + 1) * is2 * is2 * k) / (u * u);
      return { k, c, trace: -2 * s * cp - d * c };
    }
    case 'laplace': {
      const r = Math.sqrt(s);
      const k = expNonPositive(-r * (1 / ker.sigma));
      if (r === 0) return { k, c: 0, trace: Infinity };
      const c = -k / (ker.sigma * r);
      // c(r) = −e^{−r/σ}/(σr): c′(s) = (dc/dr)/(2r) = e^{−r/σ}(1/σ + 1/r)/(2σr²)
      const cp = (k * (1 / ker.sigma + 1 / r)) / (2 * ker.sigma * s);
      return { k, c, trace: -2 * s * cp - d * c };
    }
    case 'matern32': {
      const a = Math.sqrt(3) / ker.sigma;
      const r = Math.sqrt(s);
      const e = expNonPositive(-a * r);
      return { k: (1 + a * r) * e, c: -a * a * e, trace: a * a * e * (d - a * r) };
    }
    case 'energy': {
      const b = ker.beta ?? 1;
      const r = Math.sqrt(s);
      const k = b === 1 ? -r : -powNonNegative(r, b);
      if (r === 0) return { k, c: 0, trace: Infinity };
      const rb2 = powNonNegative(r, b - 2);
      return { k, c: -b * rb2, trace: b * (b - 2 + d) * rb2 };
    }
  }
}

/**
 * Radial derivatives up to the order the KSD gradient needs, at s = |x − y|²:
 * k = g(s), c = 2g′(s) (so ∇ₓk = c·(x − y)), cp = c′(s), cpp = c″(s).
 * Only for the Stein kernels (gaussian, imq, matern32). For matern32, cp and cpp blow up at
 * s = 0 while every term they enter is multiplied by a power of (x − y) that vanishes
 * there; callers treat s = 0 as that limit (the symmetric subgradient).
 */
export function kernelDerivs(ker: Kernel, s: number): { k: number; c: number; cp: number; cpp: number } {
  switch (ker.kind) {
    case 'gaussian': {
      const is2 = 1 / (ker.sigma * ker.sigma);
      const k = expNonPositive(gaussianExponent(s, ker.sigma));
      if (k === 0) return { k, c: 0, cp: 0, cpp: 0 };
      return { k, c: -k * is2, cp: 0.5 * k * is2 * is2, cpp: -0.25 * k * is2 * is2 * is2 };
    }
    case 'imq': {
      const b = ker.beta ?? 0.5;
      const is2 = 1 / (ker.sigma * ker.sigma);
      const u = 1 + (Number.isFinite(is2) ? s * is2 : scaledSq(s, ker.sigma));
      const k = powNonNegative(u, -b);
      return {
        k,
        c: (-2 * b * is2 * k) / u,
        cp: (2 * b * (b + 1) * is2 * is2 * k) / (u * u),
        cpp: (-2 * b * (b + 1) * (b + 2) * is2 * is2 * is2 * k) / (u * u * u),
      };
    }
    case 'matern32': {
      const a = Math.sqrt(3) / ker.sigma;
      const r = Math.sqrt(s);
      const e = expNonPositive(-a * r);
      if (r === 0) return { k: 1, c: -a * a, cp: 0, cpp: 0 };
      return { k: (1 + a * r) * e, c: -a * a * e, cp: (a * a * a * e) / (2 * r), cpp: (-a * a * a * e * (a * r + 1)) / (4 * r * r * r) };
    }
    default:
      throw new InputError('kernel.kind', ker.kind, `one of ${STEIN_KERNEL_KINDS.join(', ')} (a twice-differentiable kernel)`);
  }
}

/** Structural equality of two kernel descriptions (defaults filled in). */
export function sameKernel(a: Kernel, b: Kernel): boolean {
  if (a.kind !== b.kind) return false;
  const sa = 'sigma' in a ? a.sigma : undefined;
  const sb = 'sigma' in b ? b.sigma : undefined;
  const ba = a.kind === 'imq' ? (a.beta ?? 0.5) : a.kind === 'energy' ? (a.beta ?? 1) : undefined;
  const bb = b.kind === 'imq' ? (b.beta ?? 0.5) : b.kind === 'energy' ? (b.beta ?? 1) : undefined;
  return sa === sb && ba === bb;
}
