import { InputError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { medianBandwidth } from '../kernels/bandwidth.js';
import type { Kernel } from '../kernels/kernel.js';
import { checkKernel } from '../kernels/kernel.js';

/**
 * The defaults and conveniences the presets share with the run spec, in one place:
 * τ = 0.1, η = 0.1, the Gaussian kernel with σ = 1, `sigma: 'median'`, and a target given
 * as `{Y, d}`, a measure `{X, d, w?}`, nested arrays `[[x, y], …]` or a bare `Float64Array`
 * (with `d` beside it).
 */

/** Default transport step τ of the presets and of the run spec. */
export const DEFAULT_TAU = 0.1;
/** Default reaction step η of the presets and of the run spec. */
export const DEFAULT_ETA = 0.1;
/** Default kernel of the presets and of the run spec: Gaussian exp(−|x − y|²/(2σ²)) with σ = 1. */
export const DEFAULT_KERNEL: Kernel = { kind: 'gaussian', sigma: 1 };

/** Target samples for MMD-type energies: Y [m, d] (uniform weights unless `yWeights`). */
export interface SampleTarget {
  Y: Float64Array;
  d: number;
  yWeights?: Float64Array;
  /** Redraw the m target samples every step (the IFT authors' convention). */
  resample?: (r: Rng, m: number) => Float64Array;
}

/**
 * Target samples as a preset accepts them: `{Y, d}`, a particle measure `{X, d, w?}`
 * (its weights become the target weights), rows `[[x₁, x₂], …]`, or a bare row-major
 * `Float64Array` (then the preset's `d` says the dimension).
 */
export type SampleTargetInput = SampleTarget | { X: Float64Array; d: number; w?: Float64Array } | Float64Array | ArrayLike<ArrayLike<number>>;

/**
 * A kernel as a preset accepts it: a `Kernel`, or one whose `sigma` is `'median'` — the
 * median heuristic σ = median |yᵢ − yⱼ| over the target samples (score-only presets have
 * none: give σ, or compute `medianBandwidth(X0, d)` on the initial particles).
 */
export type KernelInput =
  | Kernel
  | { readonly kind: 'gaussian' | 'laplace' | 'matern32'; readonly sigma: number | 'median' }
  | { readonly kind: 'imq'; readonly sigma: number | 'median'; readonly beta?: number };

/** The target as `{Y, d, …}` (copying nested arrays into a Float64Array). */
export function toSampleTarget(t: SampleTargetInput, d?: number, field = 'target'): SampleTarget {
  if (t instanceof Float64Array) {
    if (d === undefined)
      throw new InputError(`${field}`, t, 'the dimension too: give {Y, d}, rows [[x, y], …], or d beside a bare Float64Array');
    if (!Number.isInteger(d) || d < 1) throw new InputError('d', d, 'an integer >= 1');
    return { Y: t, d };
  }
  if (typeof t !== 'object' || t === null) throw new InputError(field, t, 'target samples: {Y, d}, {X, d, w?}, rows [[x, y], …] or a Float64Array');
  if ('Y' in t && t.Y instanceof Float64Array) return t as SampleTarget;
  if ('X' in t && t.X instanceof Float64Array) {
    const m = t as { X: Float64Array; d: number; w?: Float64Array };
    return { Y: m.X, d: m.d, ...(m.w ? { yWeights: m.w } : {}) };
  }
  const rows = t as ArrayLike<ArrayLike<number>>;
  if (typeof rows.length === 'number' && rows.length > 0 && typeof rows[0] === 'object' && rows[0] !== null) {
    const n = rows.length;
    const dd = rows[0].length;
    if (!(dd >= 1)) throw new InputError(`${field}[0]`, rows[0], 'a row with at least one coordinate');
    if (d !== undefined && d !== dd) throw new InputError(`${field}[0].length`, dd, `${d} (the given d)`);
    const Y = new Float64Array(n * dd);
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      if (r.length !== dd) throw new InputError(`${field}[${i}].length`, r.length, `${dd} (the length of row 0)`);
      for (let a = 0; a < dd; a++) {
        const v = r[a]!;
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError(`${field}[${i}][${a}]`, v, 'a finite number');
        Y[i * dd + a] = v;
      }
    }
    return { Y, d: dd };
  }
  throw new InputError(field, t, 'target samples: {Y, d}, {X, d, w?}, rows [[x, y], …] or a Float64Array');
}

/** The kernel with `sigma: 'median'` resolved on the target samples (default: `DEFAULT_KERNEL`). */
export function resolveKernel(k: KernelInput | undefined, target: SampleTarget | null, field = 'kernel'): Kernel {
  if (k === undefined) return DEFAULT_KERNEL;
  if (typeof k === 'object' && k !== null && 'sigma' in k && k.sigma === 'median') {
    if (!target)
      throw new InputError(
        `${field}.sigma`,
        'median',
        'a number here: this preset has no target samples to take the median over (use medianBandwidth(X0, d) on the initial particles)',
      );
    return checkKernel({ ...k, sigma: medianBandwidth(target.Y, target.d) }, field);
  }
  return checkKernel(k, field);
}
