/**
 * Reading means and covariances from plain data (JSON arrays, typed arrays, numbers)
 * into flat `Float64Array`s, with `InputError`s that name the field path.
 */
import { InputError } from '../core/errors.js';

/**
 * A covariance Σ of a d-dimensional distribution, as any of:
 * - a number v > 0: the isotropic Σ = v·I (a variance, not a standard deviation);
 * - a flat list (array or typed array) of length d: the diagonal variances, Σ = diag(v);
 * - a flat list of length d²: the full matrix, row-major;
 * - a nested list of d rows of d numbers: the full matrix.
 * The two flat forms are told apart by length (for d = 1 they coincide), so a flat list
 * needs d known from elsewhere (the mean, or an explicit `d`).
 */
export type CovarianceInput = number | ArrayLike<number> | ArrayLike<ArrayLike<number>>;

/** True when `v` is an array-like of array-likes (a nested matrix), false for flat lists. */
export function isNested(v: unknown): v is ArrayLike<ArrayLike<number>> {
  if (!Array.isArray(v) || v.length === 0) return false;
  const first: unknown = v[0];
  return Array.isArray(first) || ArrayBuffer.isView(first);
}

function isArrayLike(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

/**
 * Copies a list of finite numbers into a new Float64Array; throws an `InputError` naming
 * `field[i]` for a non-number/NaN/±∞ entry, or `field` when the length differs from `len`.
 */
export function toVector(value: unknown, field: string, len?: number, lenNote = ''): Float64Array {
  if (!isArrayLike(value) || isNested(value)) throw new InputError(field, value, 'a list of numbers');
  if (len !== undefined && value.length !== len)
    throw new InputError(field, value, `a list of ${len} numbers${lenNote ? ` (${lenNote})` : ''}`);
  if (value.length === 0) throw new InputError(field, value, 'a non-empty list of numbers');
  const out = new Float64Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const v = value[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError(`${field}[${i}]`, v, 'a finite number');
    out[i] = v;
  }
  return out;
}

/**
 * The dimension a covariance input fixes by itself: the number of rows of a nested matrix,
 * otherwise undefined (numbers and flat lists need d from elsewhere).
 */
export function covarianceDim(cov: unknown): number | undefined {
  return isNested(cov) ? cov.length : undefined;
}

/**
 * Σ `[d, d]` row-major from a `CovarianceInput` (identity when `cov` is undefined).
 * Checks shape and finiteness (and positivity of scalar / diagonal variances), not
 * positive definiteness: that is the Cholesky factorisation's job.
 * `dNote` says where d came from, for the error messages (e.g. "d from target.mean").
 */
export function covarianceMatrix(cov: unknown, d: number, field: string, dNote = 'd'): Float64Array {
  const S = new Float64Array(d * d);
  if (cov === undefined) {
    for (let i = 0; i < d; i++) S[i * d + i] = 1;
    return S;
  }
  if (typeof cov === 'number') {
    if (!Number.isFinite(cov) || cov <= 0) throw new InputError(field, cov, 'a variance > 0');
    for (let i = 0; i < d; i++) S[i * d + i] = cov;
    return S;
  }
  if (isNested(cov)) {
    if (cov.length !== d) throw new InputError(field, cov, `a ${d}x${d} matrix (${dNote} = ${d})`);
    for (let i = 0; i < d; i++) {
      const row: unknown = cov[i];
      if (!isArrayLike(row) || isNested(row) || row.length !== d)
        throw new InputError(`${field}[${i}]`, row, `a row of ${d} numbers (${dNote} = ${d})`);
      for (let j = 0; j < d; j++) {
        const v = row[j];
        if (typeof v !== 'number' || !Number.isFinite(v))
          throw new InputError(`${field}[${i}][${j}]`, v, 'a finite number');
        S[i * d + j] = v;
      }
    }
    return S;
  }
  if (!isArrayLike(cov))
    throw new InputError(field, cov, 'a variance, a list of d variances, or a d x d matrix (nested or flat row-major)');
  if (cov.length === d) {
    const diag = toVector(cov, field, d);
    for (let i = 0; i < d; i++) {
      if (diag[i]! <= 0) throw new InputError(`${field}[${i}]`, diag[i], 'a variance > 0');
      S[i * d + i] = diag[i]!;
    }
    return S;
  }
  if (cov.length === d * d) {
    const flat = toVector(cov, field, d * d);
    S.set(flat);
    return S;
  }
  throw new InputError(
    field,
    cov,
    `a flat list of ${d} variances or ${d * d} matrix entries (${dNote} = ${d}), a nested ${d}x${d} matrix, or a number`,
  );
}
