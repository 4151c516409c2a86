import { InputError, describe } from '../core/errors.js';
import { rng } from '../core/rng.js';
import type { Kernel } from '../kernels/kernel.js';
import type { DirectionSampling } from './directions.js';
import { DIRECTION_SAMPLINGS, drawDirections } from './directions.js';
import { checkFeatureKernel, drawFrequencies, featureSums } from './featureSums.js';
import { slicedRieszSums } from './slicedSums.js';

/**
 * How kernel sums are evaluated:
 * - `exact`: every pair, O(n·m·d) (src/backend/kernelSums.ts).
 * - `sliced`: the energy kernel k = −|x − y| only, through P random directions and a sort
 *   per direction, O(P·(N log N + N·d)) with N = n + m; unbiased, error O(√(d/P))
 *   (src/backend/slicedSums.ts).
 * - `features`: gaussian, laplace, matern32, imq through D random Fourier features,
 *   O(D·N·d); unbiased, error O(1/√D) (src/backend/featureSums.ts).
 * The random directions / frequencies of evaluation stream t are drawn from
 * `rng(seed, t)` (stream 0 outside a flow step, t + 1 in step t of a flow), so runs are
 * reproducible and two evaluations within one step use the same directions.
 */
export type SumsMethod = 'exact' | 'sliced' | 'features';
/** The valid `SumsMethod` names, in documentation order. */
export const SUMS_METHODS: readonly SumsMethod[] = ['exact', 'sliced', 'features'];

/** The `sums` option as an object: the method and its parameters (each optional, with the defaults below). */
export interface SumsOptions {
  /** Which evaluation, see `SumsMethod`. */
  method: SumsMethod;
  /** sliced: number of directions P (default 100). */
  directions?: number;
  /** sliced: how the directions are drawn (default 'orthogonal'); see `DirectionSampling`. */
  sampling?: DirectionSampling;
  /** features: number of random frequencies D (default 1000). */
  features?: number;
  /** Seed of the directions / frequencies (default 0). */
  seed?: number;
}

/** The `sums` option: a method name (defaults for the rest) or the options object. */
export type Sums = SumsMethod | SumsOptions;

/**
 * A validated `sums` option with every default filled in (frozen; from `resolveSums`). Fields
 * a method does not use hold their defaults.
 */
export interface ResolvedSums {
  /** Which evaluation, see `SumsMethod`. */
  readonly method: SumsMethod;
  /** Number of slicing directions P. */
  readonly directions: number;
  /** How the directions are drawn. */
  readonly sampling: DirectionSampling;
  /** Number of random Fourier frequencies D. */
  readonly features: number;
  /** Seed of the directions / frequencies, an integer in [0, 2³²). */
  readonly seed: number;
}

/** Default number of slicing directions P for `sliced` sums. */
export const DEFAULT_DIRECTIONS = 100;
/** Default number of random Fourier frequencies D for `features` sums. */
export const DEFAULT_FEATURES = 1000;

/**
 * Validates a `sums` option against the kernel it will sum, filling in defaults. Throws an
 * `InputError` naming the field for an unknown method, a bad count, or a kernel the method
 * cannot sum (sliced: only −|x − y|, i.e. the energy kernel with β = 1, where the slicing
 * identity holds and the 1-D sums are sort + prefix sums).
 */
export function resolveSums(s: Sums | ResolvedSums | undefined, ker: Kernel, field = 'sums'): ResolvedSums {
  if (typeof s === 'object' && s !== null && resolved.has(s)) {
    checkKernelFor(s as ResolvedSums, ker);
    return s as ResolvedSums;
  }
  const o: SumsOptions = s === undefined ? { method: 'exact' } : typeof s === 'string' ? { method: s } : s;
  if (typeof o !== 'object' || o === null) throw new InputError(field, s, `one of ${SUMS_METHODS.join(', ')} or {method, directions?, features?, sampling?, seed?}`);
  if (!SUMS_METHODS.includes(o.method)) throw new InputError(`${field}.method`, o.method, `one of ${SUMS_METHODS.join(', ')}`);
  const int = (name: string, v: unknown, dflt: number, min: number): number => {
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new InputError(`${field}.${name}`, v, `an integer >= ${min}`);
    return v;
  };
  const directions = int('directions', o.directions, DEFAULT_DIRECTIONS, 1);
  const features = int('features', o.features, DEFAULT_FEATURES, 1);
  const seed = int('seed', o.seed, 0, 0);
  if (seed >= 2 ** 32) throw new InputError(`${field}.seed`, seed, 'an integer < 2^32');
  const sampling = o.sampling ?? 'orthogonal';
  if (!DIRECTION_SAMPLINGS.includes(sampling)) throw new InputError(`${field}.sampling`, sampling, `one of ${DIRECTION_SAMPLINGS.join(', ')}`);
  if (o.method !== 'sliced' && (o.directions !== undefined || o.sampling !== undefined))
    throw new InputError(`${field}.${o.directions !== undefined ? 'directions' : 'sampling'}`, o.directions ?? o.sampling, `nothing for method '${o.method}' (directions are for 'sliced')`);
  if (o.method !== 'features' && o.features !== undefined)
    throw new InputError(`${field}.features`, o.features, `nothing for method '${o.method}' (features are for 'features')`);
  const out: ResolvedSums = Object.freeze({ method: o.method, directions, sampling, features, seed });
  checkKernelFor(out, ker);
  resolved.add(out);
  return out;
}

const resolved = new WeakSet<object>();

function checkKernelFor(o: ResolvedSums, ker: Kernel): void {
  if (o.method === 'sliced' && !(ker.kind === 'energy' && (ker.beta ?? 1) === 1))
    throw new InputError(
      'kernel',
      ker.kind === 'energy' ? `energy with beta ${describe(ker.beta)}` : ker.kind,
      "the energy kernel −|x − y| (beta 1) for sums 'sliced' (the slicing identity |x| = c_d E|⟨θ, x⟩| with 1-D sort + prefix sums holds for it only; use sums 'features' for gaussian, laplace, matern32, imq)",
    );
  if (o.method === 'features') checkFeatureKernel(ker, 'kernel.kind');
}

/** The options object of a resolved `sums`, without the fields its method does not use (for reports). */
export function sumsToSpec(s: ResolvedSums): SumsOptions {
  if (s.method === 'sliced') return { method: 'sliced', directions: s.directions, sampling: s.sampling, seed: s.seed };
  if (s.method === 'features') return { method: 'features', features: s.features, seed: s.seed };
  return { method: 'exact' };
}

/** One approximate kernel-sum evaluator: fixed directions or frequencies (one stream). */
export interface ApproxSummer {
  readonly sums: ResolvedSums;
  /**
   * val[q] ≈ Σⱼ vⱼ k(z_q, sⱼ), grad[q] ≈ Σⱼ vⱼ ∇k(z_q, sⱼ) at the queries Z [p, d] (or the first
   * nq sources when Z is omitted); returns the estimate of vᵀK_SS v when `quad`, else NaN.
   */
  sum(o: { S: Float64Array; v: Float64Array; Z?: Float64Array; nq?: number; val?: Float64Array | null; grad?: Float64Array | null; quad?: boolean }): number;
}

/**
 * The evaluator of stream `stream`: directions (sliced) or frequencies (features) drawn from
 * `rng(sums.seed, stream)`. `sums` must come from `resolveSums` with the same kernel.
 */
export function approxSummer(ker: Kernel, sums: ResolvedSums, d: number, stream: number): ApproxSummer {
  if (sums.method === 'exact') throw new InputError('sums.method', 'exact', "'sliced' or 'features' for an approximate evaluator");
  const r = rng(sums.seed, stream);
  if (sums.method === 'sliced') {
    const theta = drawDirections(r, sums.directions, d, sums.sampling);
    return { sums, sum: (o) => slicedRieszSums({ ...o, d, theta }) };
  }
  const omega = drawFrequencies(ker, r, sums.features, d);
  return { sums, sum: (o) => featureSums({ ...o, d, omega }) };
}
