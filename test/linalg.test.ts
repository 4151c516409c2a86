import { describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.js';
import {
  cholesky,
  choleskyInverse,
  choleskySolve,
  logDetFromCholesky,
  lowerMatVec,
  matMulTransposed,
  matVec,
  solveLower,
  solveLowerTransposed,
} from '../src/core/linalg.js';
import { rng } from '../src/core/rng.js';

/** A random SPD matrix B·Bᵀ + 0.1·I [d, d]. */
function randomSpd(d: number, seed: number): Float64Array {
  const r = rng(seed);
  const B = r.fillNormal(new Float64Array(d * d));
  const A = matMulTransposed(B, B, d, d, d);
  for (let i = 0; i < d; i++) A[i * d + i]! += 0.1;
  return A;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function expectInputError(f: () => unknown, field: string, pattern?: RegExp): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).field).toBe(field);
    if (pattern) expect((e as InputError).message).toMatch(pattern);
    return;
  }
  throw new Error(`expected an InputError for ${field}`);
}

describe('cholesky', () => {
  it('is lower triangular and reconstructs A = L·Lᵀ (d = 1..8)', () => {
    for (let d = 1; d <= 8; d++) {
      const A = randomSpd(d, 10 + d);
      const L = cholesky(A, d);
      for (let i = 0; i < d; i++) {
        expect(L[i * d + i]).toBeGreaterThan(0);
        for (let j = i + 1; j < d; j++) expect(L[i * d + j]).toBe(0);
      }
      const LLt = matMulTransposed(L, L, d, d, d);
      let scale = 0;
      for (let i = 0; i < d * d; i++) scale = Math.max(scale, Math.abs(A[i]!));
      expect(maxAbsDiff(LLt, A)).toBeLessThan(1e-13 * scale);
    }
  });

  it('gives the textbook factor of a small matrix', () => {
    expect(Array.from(cholesky([4, 2, 2, 2], 2))).toEqual([2, 0, 1, 1]);
    expect(Array.from(cholesky([9], 1))).toEqual([3]);
  });

  it('rejects non-symmetric, indefinite, singular and non-finite matrices, naming the field', () => {
    expectInputError(() => cholesky([1, 0.5, 0.4, 1], 2, 'target.cov'), 'target.cov[1][0]', /symmetric/);
    expectInputError(() => cholesky([1, 2, 2, 1], 2, 'target.cov'), 'target.cov', /positive definite/);
    expectInputError(() => cholesky([1, 1, 1, 1], 2, 'S'), 'S', /leading 2x2 block/);
    expectInputError(() => cholesky([-1], 1, 'S'), 'S', /positive definite/);
    expectInputError(() => cholesky([0, 0, 0, 1], 2, 'S'), 'S', /leading 1x1 block/);
    expectInputError(() => cholesky([1, Number.NaN, Number.NaN, 1], 2, 'S'), 'S[0][1]', /finite/);
    expectInputError(() => cholesky([1, 0, 0], 2, 'S'), 'S.length');
    // numerically singular: a rank-1 matrix perturbed below rounding
    const v = [1, 2, 3];
    const R = new Float64Array(9);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) R[i * 3 + j] = v[i]! * v[j]!;
    expectInputError(() => cholesky(R, 3, 'S'), 'S', /not positive definite/);
  });
});

describe('triangular solves and products', () => {
  const d = 6;
  const A = randomSpd(d, 3);
  const L = cholesky(A, d);
  const r = rng(4);
  const b = r.fillNormal(new Float64Array(d));

  it('solveLower / solveLowerTransposed invert L and Lᵀ, also in place and at offsets', () => {
    const y = solveLower(L, d, b);
    expect(maxAbsDiff(lowerMatVec(L, d, y), b)).toBeLessThan(1e-12);
    // Lᵀx = b  <=>  check via explicit Lᵀ
    const x = solveLowerTransposed(L, d, b);
    const Lt = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) Lt[i * d + j] = L[j * d + i]!;
    expect(maxAbsDiff(matVec(Lt, d, d, x), b)).toBeLessThan(1e-12);
    // in place inside a batch row at offset 2d
    const batch = new Float64Array(3 * d);
    batch.set(b, 2 * d);
    solveLower(L, d, batch, batch, 2 * d, 2 * d);
    expect(maxAbsDiff(batch.subarray(2 * d), y)).toBeLessThan(1e-15);
    batch.set(b, d);
    solveLowerTransposed(L, d, batch, batch, d, d);
    expect(maxAbsDiff(batch.subarray(d, 2 * d), x)).toBeLessThan(1e-15);
  });

  it('choleskySolve solves A·x = b and choleskyInverse gives A⁻¹', () => {
    const x = choleskySolve(L, d, b);
    expect(maxAbsDiff(matVec(A, d, d, x), b)).toBeLessThan(1e-10);
    const Ainv = choleskyInverse(L, d);
    const I = matMulTransposed(A, Ainv, d, d, d); // A·(A⁻¹)ᵀ = A·A⁻¹ (A⁻¹ symmetric)
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) expect(I[i * d + j]).toBeCloseTo(i === j ? 1 : 0, 10);
  });

  it('lowerMatVec in place equals the out-of-place product', () => {
    const y = lowerMatVec(L, d, b);
    const z = b.slice();
    lowerMatVec(L, d, z, z);
    expect(maxAbsDiff(y, z)).toBe(0);
  });

  it('logDetFromCholesky equals log det by the 2x2 formula and by elimination', () => {
    const L2 = cholesky([3, 1, 1, 2], 2);
    expect(logDetFromCholesky(L2, 2)).toBeCloseTo(Math.log(5), 14);
    // Gaussian elimination with partial pivoting as an independent determinant
    const M = Array.from(A);
    let logDet = 0;
    for (let k = 0; k < d; k++) {
      let p = k;
      for (let i = k + 1; i < d; i++) if (Math.abs(M[i * d + k]!) > Math.abs(M[p * d + k]!)) p = i;
      if (p !== k) for (let j = 0; j < d; j++) [M[k * d + j], M[p * d + j]] = [M[p * d + j]!, M[k * d + j]!];
      logDet += Math.log(Math.abs(M[k * d + k]!));
      for (let i = k + 1; i < d; i++) {
        const f = M[i * d + k]! / M[k * d + k]!;
        for (let j = k; j < d; j++) M[i * d + j]! -= f * M[k * d + j]!;
      }
    }
    expect(logDetFromCholesky(L, d)).toBeCloseTo(logDet, 10);
  });

  it('matVec and matMulTransposed on a non-square example', () => {
    const M = new Float64Array([1, 2, 3, 4, 5, 6]); // [2, 3]
    expect(Array.from(matVec(M, 2, 3, [1, 0, -1]))).toEqual([-2, -2]);
    const N = new Float64Array([1, 0, 1, 0, 1, 0]); // [2, 3]
    expect(Array.from(matMulTransposed(M, N, 2, 2, 3))).toEqual([4, 2, 10, 5]);
  });
});
