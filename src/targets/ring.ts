import { InputError } from '../core/errors.js';
import { type MixtureTarget, mixtureTarget } from './mixture.js';

/** Options of `ringTarget`. */
export interface RingOptions {
  /** Number of modes k ≥ 1. Default 8. */
  k?: number;
  /** Radius R > 0 of the circle the modes sit on. Default 3. */
  radius?: number;
  /** Standard deviation s > 0 of each mode (isotropic). Default 0.3. */
  s?: number;
  /** Name used in error messages. Default "target". */
  field?: string;
}

/**
 * The multimodal ring on ℝ²: the equal-weight Gaussian mixture
 * π = (1/k) Σⱼ N(mⱼ, s²I), mⱼ = R·(cos 2πj/k, sin 2πj/k), j = 0 … k − 1.
 * A `MixtureTarget` (log density, score, exact sampler, mean and covariance; see
 * `mixtureTarget`); the mean is 0 up to rounding and, for k ≥ 3, cov = (s² + R²/2)·I.
 */
export function ringTarget(opts: RingOptions = {}): MixtureTarget {
  const field = opts.field ?? 'target';
  const k = opts.k ?? 8;
  const R = opts.radius ?? 3;
  const s = opts.s ?? 0.3;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > 1000) throw new InputError(`${field}.k`, k, 'an integer in [1, 1000]');
  if (typeof R !== 'number' || !Number.isFinite(R) || R <= 0) throw new InputError(`${field}.radius`, R, 'a finite number > 0');
  if (typeof s !== 'number' || !Number.isFinite(s) || s <= 0) throw new InputError(`${field}.s`, s, 'a finite number > 0');
  const components = Array.from({ length: k }, (_, j) => ({
    mean: [R * Math.cos((2 * Math.PI * j) / k), R * Math.sin((2 * Math.PI * j) / k)],
    cov: s * s,
  }));
  return mixtureTarget({ components, field });
}
