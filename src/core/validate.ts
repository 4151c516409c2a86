import { InputError } from './errors.js';

/** Throws unless `x` is a finite number. */
export function checkFinite(field: string, x: unknown): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new InputError(field, x, 'a finite number');
  return x;
}

/** Throws unless `x` is a finite number > 0. */
export function checkPositive(field: string, x: unknown): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0) throw new InputError(field, x, 'a finite number > 0');
  return x;
}

/** Throws unless `x` is a finite number ≥ 0. */
export function checkNonNegative(field: string, x: unknown): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) throw new InputError(field, x, 'a finite number >= 0');
  return x;
}

/** Throws unless `x` is an integer ≥ `min`. */
export function checkInteger(field: string, x: unknown, min = 0): number {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < min) throw new InputError(field, x, `an integer >= ${min}`);
  return x;
}

/** Throws at the first NaN/±Inf entry of `a`, naming its index (row, column when `d` is given). */
export function checkAllFinite(field: string, a: ArrayLike<number>, d?: number): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (!Number.isFinite(v)) {
      const where = d ? `[${Math.floor(i / d)}][${i % d}]` : `[${i}]`;
      throw new InputError(`${field}${where}`, v, 'a finite number');
    }
  }
}

/** Throws unless `a.length === n * d` with n ≥ 1 (or n ≥ 0 when `allowEmpty`). */
export function checkShape(field: string, a: ArrayLike<number>, n: number, d: number, allowEmpty = false): void {
  checkInteger(`${field}.d`, d, 1);
  checkInteger(`${field}.n`, n, allowEmpty ? 0 : 1);
  if (a.length !== n * d) throw new InputError(`${field}.length`, a.length, `n*d = ${n}*${d} = ${n * d}`);
}
