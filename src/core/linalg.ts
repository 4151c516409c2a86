/**
 * Small dense linear algebra on flat row-major `Float64Array`s: entry (i, j) of a matrix
 * with `cols` columns is `A[i*cols + j]`. Meant for d×d covariances (d up to a few hundred),
 * not for kernel matrices. Every routine takes an optional `out` and offsets into the
 * vector arguments (stride-1 rows of a batch `X [n, d]`), so loops over a batch allocate
 * nothing.
 */
import { InputError } from './errors.js';
import { log } from './math.js';

/**
 * Cholesky factor of a symmetric positive definite matrix: the lower-triangular `L [d, d]`
 * with positive diagonal and A = L·Lᵀ (Cholesky–Banachiewicz, row by row, O(d³/3)).
 *
 * Checks, in order, each throwing an `InputError` that names `field`:
 * every entry finite (`field[i][j]`); symmetry |Aᵢⱼ − Aⱼᵢ| ≤ 1e-10·maxᵢⱼ|Aᵢⱼ|
 * (`field[i][j]`); and positive definiteness: every pivot
 * Aⱼⱼ − Σₖ<ⱼ Lⱼₖ² must exceed 4·d·ε·Aⱼⱼ (ε = 2⁻⁵²), i.e. the conditional variance of
 * coordinate j given the earlier ones is not lost to rounding. Only the lower triangle of
 * A is used for the factor. The strict upper triangle of the result is zero.
 *
 * @param A - `[d, d]` row-major (any array-like of d² numbers).
 * @param d - dimension.
 * @param field - name used in error messages, e.g. `"target.cov"`.
 * @param out - optional `[d, d]` output (must not alias `A`).
 * @returns L `[d, d]`.
 * @example cholesky([4, 2, 2, 2], 2) // Float64Array [2, 0, 1, 1]
 */
export function cholesky(A: ArrayLike<number>, d: number, field = 'matrix', out?: Float64Array): Float64Array {
  if (!Number.isInteger(d) || d < 1) throw new InputError(`${field}.d`, d, 'an integer >= 1');
  if (A.length !== d * d) throw new InputError(`${field}.length`, A.length, `d*d = ${d * d}`);
  const L = out ?? new Float64Array(d * d);
  if (L.length !== d * d) throw new InputError('out.length', L.length, `d*d = ${d * d}`);
  let maxAbs = 0;
  for (let i = 0; i < d * d; i++) {
    const v = A[i]!;
    if (!Number.isFinite(v)) throw new InputError(`${field}[${Math.floor(i / d)}][${i % d}]`, v, 'a finite number');
    if (Math.abs(v) > maxAbs) maxAbs = Math.abs(v);
  }
  const symTol = 1e-10 * maxAbs;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < i; j++) {
      const a = A[i * d + j]!;
      const b = A[j * d + i]!;
      if (Math.abs(a - b) > symTol)
        throw new InputError(`${field}[${i}][${j}]`, a, `${b} (= ${field}[${j}][${i}]; the matrix must be symmetric)`);
    }
  }
  const pivotTol = 4 * d * Number.EPSILON;
  for (let i = 0; i < d; i++) {
    const ri = i * d;
    for (let j = 0; j <= i; j++) {
      const rj = j * d;
      let s = A[ri + j]!;
      for (let k = 0; k < j; k++) s -= L[ri + k]! * L[rj + k]!;
      if (i === j) {
        if (!(s > pivotTol * A[ri + i]!) || !(s > 0))
          throw new InputError(
            field,
            d <= 4 ? rows(A, d) : A,
            'a symmetric positive definite matrix',
            `the leading ${i + 1}x${i + 1} block is not positive definite: pivot ${i} is ${s}`,
          );
        L[ri + i] = Math.sqrt(s);
      } else {
        L[ri + j] = s / L[rj + j]!;
      }
    }
    for (let j = i + 1; j < d; j++) L[ri + j] = 0;
  }
  return L;
}

function rows(A: ArrayLike<number>, d: number): number[][] {
  const r: number[][] = [];
  for (let i = 0; i < d; i++) r.push(Array.from({ length: d }, (_, j) => A[i * d + j]!));
  return r;
}

/**
 * Forward substitution: solves L·y = b for lower-triangular `L [d, d]`, reading
 * b = `b[bOff .. bOff+d)` and writing y to `out[outOff .. outOff+d)`.
 * yᵢ = (bᵢ − Σⱼ<ᵢ Lᵢⱼ yⱼ) / Lᵢᵢ. In place is allowed (`out === b`, same offset). O(d²/2).
 */
export function solveLower(
  L: Float64Array,
  d: number,
  b: ArrayLike<number>,
  out: Float64Array = new Float64Array(d),
  bOff = 0,
  outOff = 0,
): Float64Array {
  for (let i = 0; i < d; i++) {
    const ri = i * d;
    let s = b[bOff + i]!;
    for (let j = 0; j < i; j++) s -= L[ri + j]! * out[outOff + j]!;
    out[outOff + i] = s / L[ri + i]!;
  }
  return out;
}

/**
 * Back substitution with the transpose: solves Lᵀ·x = b for lower-triangular `L [d, d]`,
 * reading b = `b[bOff .. bOff+d)` and writing x to `out[outOff .. outOff+d)`.
 * xᵢ = (bᵢ − Σⱼ>ᵢ Lⱼᵢ xⱼ) / Lᵢᵢ, i = d−1 … 0. In place is allowed. O(d²/2).
 */
export function solveLowerTransposed(
  L: Float64Array,
  d: number,
  b: ArrayLike<number>,
  out: Float64Array = new Float64Array(d),
  bOff = 0,
  outOff = 0,
): Float64Array {
  for (let i = d - 1; i >= 0; i--) {
    let s = b[bOff + i]!;
    for (let j = i + 1; j < d; j++) s -= L[j * d + i]! * out[outOff + j]!;
    out[outOff + i] = s / L[i * d + i]!;
  }
  return out;
}

/**
 * Solves A·x = b given the Cholesky factor L of A (A = L·Lᵀ): x = L⁻ᵀ(L⁻¹ b).
 * Same offset conventions as `solveLower`; in place is allowed. O(d²).
 */
export function choleskySolve(
  L: Float64Array,
  d: number,
  b: ArrayLike<number>,
  out: Float64Array = new Float64Array(d),
  bOff = 0,
  outOff = 0,
): Float64Array {
  solveLower(L, d, b, out, bOff, outOff);
  return solveLowerTransposed(L, d, out, out, outOff, outOff);
}

/** log det A = 2·Σᵢ log Lᵢᵢ from the Cholesky factor `L [d, d]` of A. */
export function logDetFromCholesky(L: Float64Array, d: number): number {
  let s = 0;
  for (let i = 0; i < d; i++) s += log(L[i * d + i]!);
  return 2 * s;
}

/**
 * A⁻¹ `[d, d]` from the Cholesky factor L of A, column by column (A⁻¹eⱼ = L⁻ᵀL⁻¹eⱼ),
 * then symmetrised. O(d³). Prefer `choleskySolve` when only products A⁻¹b are needed.
 */
export function choleskyInverse(L: Float64Array, d: number, out: Float64Array = new Float64Array(d * d)): Float64Array {
  const col = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    col.fill(0);
    col[j] = 1;
    choleskySolve(L, d, col, col);
    for (let i = 0; i < d; i++) out[i * d + j] = col[i]!;
  }
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < i; j++) {
      const v = 0.5 * (out[i * d + j]! + out[j * d + i]!);
      out[i * d + j] = v;
      out[j * d + i] = v;
    }
  }
  return out;
}

/**
 * Matrix–vector product y = A·x for `A [rows, cols]` row-major, x = `x[xOff .. xOff+cols)`,
 * y written to `out[outOff .. outOff+rows)`. `out` must not overlap x. O(rows·cols).
 */
export function matVec(
  A: Float64Array,
  rows: number,
  cols: number,
  x: ArrayLike<number>,
  out: Float64Array = new Float64Array(rows),
  xOff = 0,
  outOff = 0,
): Float64Array {
  for (let i = 0; i < rows; i++) {
    const ri = i * cols;
    let s = 0;
    for (let j = 0; j < cols; j++) s += A[ri + j]! * x[xOff + j]!;
    out[outOff + i] = s;
  }
  return out;
}

/**
 * Lower-triangular product y = L·x, yᵢ = Σⱼ≤ᵢ Lᵢⱼ xⱼ, for `L [d, d]` (entries above the
 * diagonal are ignored). Computed for i = d−1 … 0, so in place is allowed (`out === x`,
 * same offset): this maps a row of N(0, I) draws to N(0, L·Lᵀ) without scratch. O(d²/2).
 */
export function lowerMatVec(
  L: Float64Array,
  d: number,
  x: ArrayLike<number>,
  out: Float64Array = new Float64Array(d),
  xOff = 0,
  outOff = 0,
): Float64Array {
  for (let i = d - 1; i >= 0; i--) {
    const ri = i * d;
    let s = 0;
    for (let j = 0; j <= i; j++) s += L[ri + j]! * x[xOff + j]!;
    out[outOff + i] = s;
  }
  return out;
}

/**
 * A·Bᵀ for `A [n, k]` and `B [m, k]` row-major, giving `[n, m]`. With B = A this is the
 * Gram matrix A·Aᵀ, computed symmetrically (exactly symmetric output). O(n·m·k).
 */
export function matMulTransposed(
  A: Float64Array,
  B: Float64Array,
  n: number,
  m: number,
  k: number,
  out: Float64Array = new Float64Array(n * m),
): Float64Array {
  const sym = A === B && n === m;
  for (let i = 0; i < n; i++) {
    for (let j = sym ? i : 0; j < m; j++) {
      let s = 0;
      for (let l = 0; l < k; l++) s += A[i * k + l]! * B[j * k + l]!;
      out[i * m + j] = s;
      if (sym) out[j * m + i] = s;
    }
  }
  return out;
}
