/** Solves A·x = b for a dense nonsingular A [n, n] by Gaussian elimination with partial pivoting; A and b are not modified. */
export function luSolve(A: Float64Array, b: Float64Array, n: number): Float64Array {
  const M = Float64Array.from(A);
  const x = Float64Array.from(b);
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(M[k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(M[i * n + k]!);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (best === 0) throw new RangeError('singular matrix');
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = M[k * n + j]!;
        M[k * n + j] = M[p * n + j]!;
        M[p * n + j] = t;
      }
      const t = x[k]!;
      x[k] = x[p]!;
      x[p] = t;
    }
    const piv = M[k * n + k]!;
    for (let i = k + 1; i < n; i++) {
      const f = M[i * n + k]! / piv;
      if (f === 0) continue;
      for (let j = k; j < n; j++) M[i * n + j]! -= f * M[k * n + j]!;
      x[i]! -= f * x[k]!;
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let j = i + 1; j < n; j++) s -= M[i * n + j]! * x[j]!;
    x[i] = s / M[i * n + i]!;
  }
  return x;
}
