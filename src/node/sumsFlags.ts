/**
 * The `--sums` flags shared by `metrics` and `experiment`: how kernel sums are evaluated
 * (exact, sliced directions for the energy kernel, random Fourier features for smooth kernels;
 * see src/backend/approxSums.ts).
 */
import type { SumsMethod, SumsOptions } from '../backend/approxSums.js';
import type { DirectionSampling } from '../backend/directions.js';
import { InputError } from '../core/errors.js';

/** The `sums` option from the parsed flags (undefined when --sums is not given), refusing flags the method does not read. */
export function sumsFromFlags(o: { sums?: SumsMethod; directions?: number; sampling?: DirectionSampling; features?: number; sumsSeed?: number }): SumsOptions | undefined {
  if (o.sums === undefined) {
    for (const [k, flag] of [
      ['directions', '--directions'],
      ['sampling', '--sampling'],
      ['features', '--features'],
      ['sumsSeed', '--sums-seed'],
    ] as const)
      if (o[k] !== undefined) throw new InputError(flag, o[k], 'nothing without --sums sliced or --sums features');
    return undefined;
  }
  if (o.sums !== 'sliced' && o.directions !== undefined) throw new InputError('--directions', o.directions, 'nothing without --sums sliced');
  if (o.sums !== 'sliced' && o.sampling !== undefined) throw new InputError('--sampling', o.sampling, 'nothing without --sums sliced');
  if (o.sums !== 'features' && o.features !== undefined) throw new InputError('--features', o.features, 'nothing without --sums features');
  return {
    method: o.sums,
    ...(o.directions !== undefined ? { directions: o.directions } : {}),
    ...(o.sampling !== undefined ? { sampling: o.sampling } : {}),
    ...(o.features !== undefined ? { features: o.features } : {}),
    ...(o.sumsSeed !== undefined ? { seed: o.sumsSeed } : {}),
  };
}
