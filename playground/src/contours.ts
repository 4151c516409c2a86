/**
 * Target density contours and marginals for the picture: log π on a grid over a box,
 * iso-lines by marching squares, and the marginal densities of π along x and y (sums of
 * e^{log π} over the other axis, normalised). Pure: no DOM.
 */
import type { View } from './view.js';

/** log π evaluated on a k × k grid of cell centres over `box`; row-major, index i·k + j ↔ (xᵢ, yⱼ). */
export interface DensityGrid {
  box: View;
  k: number;
  logp: Float64Array;
}

/** Evaluates a batched log density on a k × k grid over the box. */
export function densityGrid(logDensity: (X: Float64Array) => Float64Array, box: View, k = 90): DensityGrid {
  const X = new Float64Array(2 * k * k);
  const hx = (box.x1 - box.x0) / k;
  const hy = (box.y1 - box.y0) / k;
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) {
      X[2 * (i * k + j)] = box.x0 + (i + 0.5) * hx;
      X[2 * (i * k + j) + 1] = box.y0 + (j + 0.5) * hy;
    }
  return { box, k, logp: logDensity(X) };
}

/**
 * Iso-lines of log π at max − Δ for Δ in `drops` (relative densities e^{−Δ}), as line
 * segments [x₀, y₀, x₁, y₁, …] in data coordinates (marching squares with linear
 * interpolation on the grid of cell centres; saddle cells are split the simple way).
 */
export function contourSegments(g: DensityGrid, drops: readonly number[] = [0.3, 1, 2, 3.5, 5.5, 8]): Float64Array {
  const { k, logp, box } = g;
  let max = -Infinity;
  for (const v of logp) if (v > max) max = v;
  if (!Number.isFinite(max)) return new Float64Array(0);
  const hx = (box.x1 - box.x0) / k;
  const hy = (box.y1 - box.y0) / k;
  const X = (i: number) => box.x0 + (i + 0.5) * hx;
  const Y = (j: number) => box.y0 + (j + 0.5) * hy;
  const out: number[] = [];
  const v = (i: number, j: number) => {
    const x = logp[i * k + j]!;
    return Number.isFinite(x) ? x : -1e300;
  };
  for (const drop of drops) {
    const L = max - drop;
    for (let i = 0; i + 1 < k; i++)
      for (let j = 0; j + 1 < k; j++) {
        // corners: a (i, j), b (i+1, j), c (i+1, j+1), d (i, j+1)
        const a = v(i, j);
        const b = v(i + 1, j);
        const c = v(i + 1, j + 1);
        const d = v(i, j + 1);
        const code = (a > L ? 1 : 0) | (b > L ? 2 : 0) | (c > L ? 4 : 0) | (d > L ? 8 : 0);
        if (code === 0 || code === 15) continue;
        const t = (p: number, q: number) => (L - p) / (q - p);
        // crossing points on the four edges
        const ab = () => [X(i) + t(a, b) * hx, Y(j)];
        const bc = () => [X(i + 1), Y(j) + t(b, c) * hy];
        const dc = () => [X(i) + t(d, c) * hx, Y(j + 1)];
        const ad = () => [X(i), Y(j) + t(a, d) * hy];
        const seg = (p: number[], q: number[]) => out.push(p[0]!, p[1]!, q[0]!, q[1]!);
        switch (code) {
          case 1:
          case 14:
            seg(ab(), ad());
            break;
          case 2:
          case 13:
            seg(ab(), bc());
            break;
          case 3:
          case 12:
            seg(ad(), bc());
            break;
          case 4:
          case 11:
            seg(bc(), dc());
            break;
          case 6:
          case 9:
            seg(ab(), dc());
            break;
          case 7:
          case 8:
            seg(ad(), dc());
            break;
          case 5:
            seg(ab(), ad());
            seg(bc(), dc());
            break;
          case 10:
            seg(ab(), bc());
            seg(ad(), dc());
            break;
        }
      }
  }
  return Float64Array.from(out);
}

/** Marginal densities of π along x (over the grid's columns) and y, each normalised to integrate to 1. */
export function marginals(g: DensityGrid): { x: Float64Array; y: Float64Array } {
  const { k, logp, box } = g;
  let max = -Infinity;
  for (const v of logp) if (v > max) max = v;
  const mx = new Float64Array(k);
  const my = new Float64Array(k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) {
      const p = Number.isFinite(logp[i * k + j]!) ? Math.exp(logp[i * k + j]! - max) : 0;
      mx[i]! += p;
      my[j]! += p;
    }
  const norm = (m: Float64Array, h: number) => {
    const s = m.reduce((a, b) => a + b, 0) * h;
    if (s > 0) for (let i = 0; i < m.length; i++) m[i]! /= s;
    return m;
  };
  return { x: norm(mx, (box.x1 - box.x0) / k), y: norm(my, (box.y1 - box.y0) / k) };
}

/**
 * Weighted histogram of coordinate `axis` of the particles over [lo, hi] with `bins` bins,
 * as a density (bin mass / bin width; Σ heights·width = mass inside [lo, hi]).
 */
export function histogram(X: Float64Array, w: Float64Array, d: number, axis: number, lo: number, hi: number, bins: number): Float64Array {
  const h = new Float64Array(bins);
  const width = (hi - lo) / bins;
  let mass = 0;
  for (let i = 0; i < w.length; i++) mass += w[i]!;
  if (!(mass > 0) || !(width > 0)) return h;
  for (let i = 0; i < w.length; i++) {
    const b = Math.floor((X[i * d + axis]! - lo) / width);
    if (b >= 0 && b < bins) h[b]! += w[i]! / mass;
  }
  for (let b = 0; b < bins; b++) h[b]! /= width;
  return h;
}
