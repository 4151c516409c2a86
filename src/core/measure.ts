import { InputError } from './errors.js';
import { fsum } from './math.js';
import { checkAllFinite, checkShape } from './validate.js';

/** The space a measure lives in: probability measures (mass 1) or non-negative measures. */
export type Space = 'P' | 'M+';

/**
 * A weighted particle measure µ = Σᵢ wᵢ δ_{xᵢ}, xᵢ ∈ ℝᵈ.
 * `X` is row-major `[n, d]` (particle i is `X[i*d .. i*d+d)`), `w` is `[n]`.
 */
export interface ParticleMeasure {
  /** Number of particles. */
  readonly n: number;
  /** Dimension of the space. */
  readonly d: number;
  /** Positions [n, d], row-major: particle i is X[i·d … i·d + d − 1]. */
  readonly X: Float64Array;
  /** Weights [n], wᵢ ≥ 0 (Σwᵢ = 1 on P). */
  readonly w: Float64Array;
}

/** Tolerance on |Σwᵢ − 1| for a probability measure. */
export const MASS_TOL = 1e-9;

/** Options of the measure constructors and checks: the space the weights live in (`P`: Σwᵢ = 1 within `MASS_TOL`; `M+`: wᵢ ≥ 0 only). */
export interface MeasureOptions {
  /** 'P' requires Σwᵢ = 1 (to `MASS_TOL`); 'M+' only wᵢ ≥ 0. Default 'P'. */
  space?: Space;
  /** Name used in error messages, e.g. "init.particles". Default "measure". */
  field?: string;
}

/**
 * Builds and validates µ = Σᵢ wᵢ δ_{xᵢ} from positions `X [n, d]` and weights `w [n]`
 * (uniform 1/n when omitted). Throws an `InputError` naming the offending entry for
 * NaN/Inf, a wrong length, negative weights, or (on P) weights not summing to 1.
 * The arrays are used as given (not copied).
 *
 * Also `particleMeasure(rows, w?, opts?)` with rows `[[x₁, x₂], …]` (d from the rows; the
 * numbers are copied, as `fromRows` does), and a flat `number[]` with `d` (copied).
 */
export function particleMeasure(X: Float64Array | readonly number[], d: number, w?: Float64Array | readonly number[], opts?: MeasureOptions): ParticleMeasure;
export function particleMeasure(rows: ArrayLike<ArrayLike<number>>, w?: ArrayLike<number>, opts?: MeasureOptions): ParticleMeasure;
export function particleMeasure(
  Xa: Float64Array | readonly number[] | ArrayLike<ArrayLike<number>>,
  da?: number | ArrayLike<number>,
  wa?: Float64Array | ArrayLike<number> | MeasureOptions,
  oa?: MeasureOptions,
): ParticleMeasure {
  if (!(Xa instanceof Float64Array) && typeof da !== 'number' && Array.isArray(Xa) && (Xa.length === 0 || typeof Xa[0] !== 'number'))
    return fromRows(Xa as ArrayLike<ArrayLike<number>>, da, wa as MeasureOptions | undefined);
  const opts = oa ?? {};
  const field = opts.field ?? 'measure';
  if (opts === null || typeof opts !== 'object') throw new InputError(`${field}.opts`, opts, 'an options object {space?, field?}');
  checkSpace(`${field}.space`, opts.space);
  const X = Array.isArray(Xa) ? checkedFloat64(Xa as readonly unknown[], `${field}.X`) : (Xa as Float64Array);
  const d = da as number;
  const w = Array.isArray(wa) ? checkedFloat64(wa as readonly unknown[], `${field}.w`) : (wa as Float64Array | undefined);
  if (!(X instanceof Float64Array)) throw new InputError(`${field}.X`, X, 'a Float64Array');
  if (!Number.isInteger(d) || d < 1) throw new InputError(`${field}.d`, d, 'an integer >= 1');
  if (X.length % d !== 0) throw new InputError(`${field}.X.length`, X.length, `a multiple of d = ${d}`);
  const n = X.length / d;
  checkShape(`${field}.X`, X, n, d);
  checkAllFinite(`${field}.X`, X, d);
  const weights = w ?? uniformWeights(n);
  checkWeights(`${field}.w`, weights, n, opts.space ?? 'P');
  return { n, d, X, w: weights };
}

/** Builds a measure from an array of rows (each of length d), copying into Float64Arrays. */
export function fromRows(rows: ArrayLike<ArrayLike<number>>, w?: ArrayLike<number>, opts: MeasureOptions = {}): ParticleMeasure {
  const field = opts.field ?? 'measure';
  const n = rows.length;
  if (n === 0) throw new InputError(`${field}.X`, rows, 'at least one particle');
  const d = rows[0]!.length;
  if (d === 0) throw new InputError(`${field}.X[0]`, rows[0], 'a row with at least one coordinate');
  const X = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    if (r.length !== d) throw new InputError(`${field}.X[${i}].length`, r.length, `${d} (the length of row 0)`);
    for (let k = 0; k < d; k++) {
      const v = r[k];
      if (typeof v !== 'number') throw new InputError(`${field}.X[${i}][${k}]`, v, 'a number');
      X[i * d + k] = v;
    }
  }
  return particleMeasure(X, d, w ? Float64Array.from(w) : undefined, opts);
}

/** A flat array of numbers as a Float64Array (an `InputError` naming the first non-number). */
function checkedFloat64(a: readonly unknown[], field: string): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (typeof v !== 'number') throw new InputError(`${field}[${i}]`, v, 'a number');
    out[i] = v;
  }
  return out;
}

/** Uniform weights 1/n. */
export function uniformWeights(n: number): Float64Array {
  return new Float64Array(n).fill(1 / n);
}

/** Throws unless `space` is undefined, 'P' or 'M+'. */
export function checkSpace(field: string, space: unknown): void {
  if (space !== undefined && space !== 'P' && space !== 'M+') throw new InputError(field, space, "'P' (probability measures) or 'M+' (non-negative measures)");
}

/** Throws unless `w [n]` is finite, ≥ 0 and (on P) sums to 1 within `MASS_TOL`. */
export function checkWeights(field: string, w: Float64Array, n: number, space: Space): void {
  checkSpace('space', space);
  if (!(w instanceof Float64Array)) throw new InputError(field, w, 'a Float64Array');
  if (w.length !== n) throw new InputError(`${field}.length`, w.length, `${n} (one weight per particle)`);
  for (let i = 0; i < n; i++) {
    const v = w[i]!;
    if (!Number.isFinite(v)) throw new InputError(`${field}[${i}]`, v, 'a finite weight');
    if (v < 0) throw new InputError(`${field}[${i}]`, v, 'a weight >= 0');
  }
  if (space === 'P') {
    const s = fsum(w);
    if (Math.abs(s - 1) > MASS_TOL) throw new InputError(`sum(${field})`, s, 'weights summing to 1 on a probability measure');
  }
}

/** Total mass Σᵢ wᵢ. */
export function mass(mu: ParticleMeasure): number {
  return fsum(mu.w);
}

/** A deep copy of µ. */
export function cloneMeasure(mu: ParticleMeasure): ParticleMeasure {
  return { n: mu.n, d: mu.d, X: mu.X.slice(), w: mu.w.slice() };
}

/**
 * Throws an `InputError` naming the field unless `m` is a well-formed measure: an object
 * {n ≥ 1, d ≥ 1, X: Float64Array [n, d] of finite numbers, w: Float64Array [n] of finite
 * weights ≥ 0} (and Σw = 1 on `space` 'P'). For library entry points that take a measure
 * built by hand rather than by `particleMeasure`. O(n·d).
 */
export function checkMeasure(m: unknown, field: string, space: Space = 'M+'): ParticleMeasure {
  if (m === null || typeof m !== 'object') throw new InputError(field, m, 'a ParticleMeasure {n, d, X, w}');
  const mm = m as ParticleMeasure;
  if (typeof mm.n !== 'number' || !Number.isInteger(mm.n) || mm.n < 1) throw new InputError(`${field}.n`, mm.n, 'an integer >= 1');
  if (typeof mm.d !== 'number' || !Number.isInteger(mm.d) || mm.d < 1) throw new InputError(`${field}.d`, mm.d, 'an integer >= 1');
  if (!(mm.X instanceof Float64Array)) throw new InputError(`${field}.X`, mm.X, 'a Float64Array [n, d]');
  checkShape(`${field}.X`, mm.X, mm.n, mm.d);
  checkAllFinite(`${field}.X`, mm.X, mm.d);
  checkWeights(`${field}.w`, mm.w, mm.n, space);
  return mm;
}

/** Throws unless `a` and `b` have the same dimension d. */
export function checkSameDim(a: { d: number }, b: { d: number }, fa = 'X', fb = 'Y'): void {
  if (a.d !== b.d) throw new InputError(`${fb}.d`, b.d, `${a.d} (the dimension of ${fa})`);
}
