import { InputError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { checkAllFinite, checkShape } from '../core/validate.js';
import { checkSampleCount, type Target } from './target.js';

/** A target known only through a fixed sample. */
export interface SamplesTarget extends Target {
  readonly kind: 'samples';
  /** The fixed samples Y [m, d] (the array passed in, not a copy). */
  readonly samples: Float64Array;
  /** Number of samples m. */
  readonly m: number;
  sample(r: Rng, n: number): Float64Array;
}

/**
 * The target π represented by m fixed samples `Y [m, d]` (row-major), i.e. the empirical
 * measure (1/m)Σₗ δ_{yₗ}; energies such as MMD² use `samples` directly. It has no log
 * density and no score.
 *
 * `sample(r, n)` draws n rows uniformly *with replacement* from Y (one `r.int(m)` per row):
 * exact iid samples of the empirical measure, not fresh samples of the distribution Y came
 * from. `mean`/`cov` are left absent (the sample moments are estimates, not exact values).
 * Y is used as given (not copied) and must not be modified afterwards. Throws an
 * `InputError` naming `field` for a wrong length, fewer than one row, or NaN/±∞.
 */
export function samplesTarget(Y: Float64Array, d: number, opts: { field?: string } = {}): SamplesTarget {
  const field = opts.field ?? 'target.samples';
  if (!(Y instanceof Float64Array)) throw new InputError(field, Y, 'a Float64Array [m, d]');
  if (!Number.isInteger(d) || d < 1) throw new InputError(`${field}.d`, d, 'an integer >= 1');
  if (Y.length % d !== 0) throw new InputError(`${field}.length`, Y.length, `a multiple of d = ${d}`);
  const m = Y.length / d;
  checkShape(field, Y, m, d);
  checkAllFinite(field, Y, d);
  return {
    kind: 'samples',
    d,
    m,
    samples: Y,
    sample(r, n) {
      checkSampleCount(n);
      const res = new Float64Array(n * d);
      for (let i = 0; i < n; i++) {
        const j = r.int(m);
        res.set(Y.subarray(j * d, (j + 1) * d), i * d);
      }
      return res;
    },
  };
}
