import { InputError } from '../core/errors.js';

/**
 * Median heuristic: σ = median{|xᵢ − xⱼ| : i < j} over the rows of X [n, d] (Gretton et al.
 * 2012). For n > `maxPoints` (default 1000) a deterministic strided subset of rows is used,
 * so the cost stays O(maxPoints²·d). The value is reported back to the user wherever it is
 * applied (never chosen silently). `field` names the setting in error messages (a spec field or
 * a CLI flag). Throws an `InputError` when the median is 0 or not finite (coordinates so large
 * that their distances overflow).
 */
export function medianBandwidth(X: Float64Array, d: number, maxPoints = 1000, field = 'bandwidth'): number {
  const n = X.length / d;
  if (n < 2) throw new InputError(field, 'median', 'at least 2 points for the median heuristic');
  const stride = Math.max(1, Math.ceil(n / maxPoints));
  const idx: number[] = [];
  for (let i = 0; i < n; i += stride) idx.push(i);
  const median = (scale: number) => {
    const dist = new Float64Array((idx.length * (idx.length - 1)) / 2);
    let p = 0;
    for (let a = 0; a < idx.length; a++)
      for (let b = a + 1; b < idx.length; b++) {
        let s = 0;
        for (let k = 0; k < d; k++) {
          const t = X[idx[a]! * d + k]! / scale - X[idx[b]! * d + k]! / scale;
          s += t * t;
        }
        dist[p++] = s;
      }
    dist.sort();
    const mid = dist.length >> 1;
    const med = dist.length % 2 ? dist[mid]! : 0.5 * (dist[mid - 1]! + dist[mid]!);
    return scale * Math.sqrt(med);
  };
  let sigma = median(1);
  if (sigma === Infinity) {
    // squared distances overflow (coordinates beyond ~1e154): the same median computed on X / max|x|
    let big = 0;
    for (let i = 0; i < X.length; i++) big = Math.max(big, Math.abs(X[i]!));
    sigma = median(big);
  }
  if (!Number.isFinite(sigma))
    throw new InputError(field, 'median', 'finite pairwise distances for the median heuristic', `the median distance is ${sigma}; give sigma as a number`);
  if (!(sigma > 0)) throw new InputError(field, 'median', 'points that are not all identical (the median distance is 0); give a bandwidth');
  return sigma;
}
