import { InputError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { batchRows, checkSampleCount, outArray, type Target } from './target.js';

/**
 * A user's batched function: receives `X [n, d]` and a preallocated `out` (`[n]` for a log
 * density, `[n, d]` for a score) and fills `out`. Returning a different Float64Array of the
 * right length is also accepted (it is copied into `out`).
 */
export type BatchFunction = (X: Float64Array, out: Float64Array) => unknown;

/** Options of `scoreTarget`. */
export interface ScoreTargetOptions {
  /** Dimension d ≥ 1. */
  d: number;
  /** The score s(x) = ∇log π(x), batched. */
  score: BatchFunction;
  /** Optional log π(x) up to an additive constant, batched. */
  logDensity?: BatchFunction;
  /** Optional exact sampler: n iid rows [n, d] drawn with `r`. */
  sample?: (r: Rng, n: number) => Float64Array;
  /** Name used in error messages. Default "target". */
  field?: string;
}

/** A target given by user functions; `score` is always present. */
export interface ScoreTarget extends Target {
  readonly kind: 'score';
  score(X: Float64Array, out?: Float64Array): Float64Array;
}

function call(fn: BatchFunction, X: Float64Array, out: Float64Array, field: string): Float64Array {
  const r = fn(X, out);
  if (r instanceof Float64Array && r !== out) {
    if (r.length !== out.length) throw new InputError(`${field}(X).length`, r.length, `${out.length}`);
    out.set(r);
  }
  return out;
}

/**
 * A target π known through user-supplied functions: the score ∇log π (required, e.g. for
 * SVGD, KSD, Langevin), optionally log π up to a constant and an exact sampler. The
 * wrappers check the batch shape and allocate `out` when it is not given; they do not
 * check the values (a NaN surfaces in the flow's divergence checks).
 * Members not supplied are absent from the returned object.
 */
export function scoreTarget(opts: ScoreTargetOptions): ScoreTarget {
  const field = opts.field ?? 'target';
  const { d } = opts;
  if (!Number.isInteger(d) || d < 1) throw new InputError(`${field}.d`, d, 'an integer >= 1');
  if (typeof opts.score !== 'function') throw new InputError(`${field}.score`, opts.score, 'a function (X, out) => out');
  const userScore = opts.score;
  const t: { -readonly [K in keyof ScoreTarget]: ScoreTarget[K] } = {
    kind: 'score',
    d,
    score(X, out) {
      const n = batchRows(X, d);
      return call(userScore, X, outArray(out, n * d), `${field}.score`);
    },
  };
  if (opts.logDensity !== undefined) {
    const userLog = opts.logDensity;
    if (typeof userLog !== 'function') throw new InputError(`${field}.logDensity`, userLog, 'a function (X, out) => out');
    t.logDensity = (X, out) => call(userLog, X, outArray(out, batchRows(X, d)), `${field}.logDensity`);
  }
  if (opts.sample !== undefined) {
    const userSample = opts.sample;
    if (typeof userSample !== 'function') throw new InputError(`${field}.sample`, userSample, 'a function (r, n) => X');
    t.sample = (r, n) => {
      checkSampleCount(n);
      const Y = userSample(r, n);
      if (!(Y instanceof Float64Array) || Y.length !== n * d)
        throw new InputError(`${field}.sample(r, ${n})`, Y, `a Float64Array of length n*d = ${n * d}`);
      return Y;
    };
  }
  return t;
}
