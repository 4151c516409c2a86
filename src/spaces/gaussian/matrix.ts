/**
 * Small symmetric-matrix helpers for the Gaussian space (d×d, row-major Float64Array).
 * d is the dimension of the Gaussian (a few to a few hundred), never the particle count.
 */
import { InputError } from '../../core/errors.js';

/** C = A·B for d×d matrices (row-major). */
export function matMul(A: Float64Array, B: Float64Array, d: number, out = new Float64Array(d * d)): Float64Array {
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += A[i * d + k]! * B[k * d + j]!;
      out[i * d + j] = s;
    }
  }
  return out;
}

/** In place: A ← ½(A + Aᵀ). Returns A. */
export function symmetrize(A: Float64Array, d: number): Float64Array {
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const v = 0.5 * (A[i * d + j]! + A[j * d + i]!);
      A[i * d + j] = v;
      A[j * d + i] = v;
    }
  }
  return A;
}

/** The d×d identity. */
export function identity(d: number): Float64Array {
  const I = new Float64Array(d * d);
  for (let i = 0; i < d; i++) I[i * d + i] = 1;
  return I;
}

/**
 * Eigen-decomposition of a symmetric matrix A = V·diag(λ)·Vᵀ by cyclic Jacobi rotations
 * (converges quadratically; accurate to a few ulps of ‖A‖ for any symmetric A).
 * Returns the eigenvalues λ [d] and the orthogonal V [d, d] whose columns are eigenvectors.
 */
export function symEig(A: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(A);
  symmetrize(a, d);
  const V = identity(d);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < d; i++) {
      diag += a[i * d + i]! * a[i * d + i]!;
      for (let j = i + 1; j < d; j++) off += a[i * d + j]! * a[i * d + j]!;
    }
    if (off <= 1e-32 * diag || off === 0) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q]!;
        if (apq === 0) continue;
        const app = a[p * d + p]!;
        const aqq = a[q * d + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p]!;
          const akq = a[k * d + q]!;
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k]!;
          const aqk = a[q * d + k]!;
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = V[k * d + p]!;
          const vkq = V[k * d + q]!;
          V[k * d + p] = c * vkp - s * vkq;
          V[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(d);
  for (let i = 0; i < d; i++) values[i] = a[i * d + i]!;
  return { values, vectors: V };
}

/** f(A) = V·diag(f(λ))·Vᵀ for symmetric A (a spectral function). */
export function symFunction(A: Float64Array, d: number, f: (x: number) => number): Float64Array {
  const { values, vectors: V } = symEig(A, d);
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += V[i * d + k]! * f(values[k]!) * V[j * d + k]!;
      out[i * d + j] = s;
      out[j * d + i] = s;
    }
  }
  return out;
}

/** The symmetric positive semidefinite square root A^{1/2} (negative eigenvalues from rounding clipped to 0). */
export function sqrtSym(A: Float64Array, d: number): Float64Array {
  return symFunction(A, d, (x) => Math.sqrt(Math.max(x, 0)));
}

/** Throws an InputError naming `field` unless A [d, d] is finite, symmetric and positive definite. */
export function checkSPD(field: string, A: Float64Array, d: number): void {
  if (!(A instanceof Float64Array) || A.length !== d * d) throw new InputError(field, A, `a Float64Array [${d}, ${d}]`);
  for (let i = 0; i < d * d; i++) if (!Number.isFinite(A[i]!)) throw new InputError(`${field}[${Math.floor(i / d)}][${i % d}]`, A[i], 'a finite number');
  const { values } = symEig(A, d);
  let min = Number.POSITIVE_INFINITY;
  for (const v of values) min = Math.min(min, v);
  if (!(min > 0)) throw new InputError(field, `a matrix with smallest eigenvalue ${min}`, 'a symmetric positive definite matrix');
}
