/**
 * Drawing a 2-D particle measure: on a canvas (every frame) and as an SVG string (export).
 * Both share the layout (view box, margins, ticks) and the particle style, so the exported
 * picture is the one on screen. Weight is shown by opacity and size; particles whose weight
 * vanished (w < 1e-3/n) are drawn hollow; target samples are small grey dots.
 */

import { histogram } from './contours.js';

import type { View } from './view.js';

export type { View } from './view.js';

export interface Scene {
  view: View;
  /** Target samples [m, 2] or null. */
  Y: Float64Array | null;
  /** Particles [n, d] (the first two coordinates are drawn) and their weights. */
  X: Float64Array | null;
  w: Float64Array | null;
  n: number;
  d: number;
  /** Colour of the particles. */
  color: string;
  /** Caption in the top-left corner. */
  title: string;
  /** Target density contours as segments [x₀, y₀, x₁, y₁, …] in data coordinates, or null. */
  contours?: Float64Array | null;
  /** Target marginal densities along x and y on the grid over `box` (drawn over the histograms), or null. */
  marginals?: { x: Float64Array; y: Float64Array; box: View } | null;
}

/** Height (px) of the marginal-histogram strips above and right of the plot. */
export const HIST = 44;
/** Number of bins of the marginal histograms. */
export const HIST_BINS = 40;

export const MARGIN = { left: 40, right: 10 + HIST, top: 10 + HIST, bottom: 26 };
const BASE_RADIUS = 3;

/** Visual encoding of a weight relative to uniform (ρ = w·n). */
export function particleStyle(w: number, n: number): { r: number; alpha: number; hollow: boolean } {
  const rho = Math.max(0, w * n);
  if (rho < 1e-3) return { r: BASE_RADIUS, alpha: 0.7, hollow: true };
  const s = Math.sqrt(rho);
  return { r: BASE_RADIUS * Math.min(3, Math.max(0.6, s)), alpha: Math.min(0.95, 0.2 + 0.6 * s), hollow: false };
}

/** Round tick positions covering [lo, hi] (about `count` of them). */
export function ticks(lo: number, hi: number, count = 9): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * span; v += step) out.push(Math.abs(v) < 1e-12 * span ? 0 : v);
  return out;
}

const fmtTick = (v: number) => String(Number(v.toPrecision(6)));

/** Maps data to pixel coordinates of a width × height picture (equal scales on both axes). */
export function layout(view: View, width: number, height: number) {
  const pw = width - MARGIN.left - MARGIN.right;
  const ph = height - MARGIN.top - MARGIN.bottom;
  // equal aspect: widen the data box along the axis with room to spare
  const sx = pw / (view.x1 - view.x0);
  const sy = ph / (view.y1 - view.y0);
  const s = Math.min(sx, sy);
  const cx = (view.x0 + view.x1) / 2;
  const cy = (view.y0 + view.y1) / 2;
  const box: View = { x0: cx - pw / (2 * s), x1: cx + pw / (2 * s), y0: cy - ph / (2 * s), y1: cy + ph / (2 * s) };
  return {
    box,
    px: (x: number) => MARGIN.left + (x - box.x0) * s,
    py: (y: number) => MARGIN.top + (box.y1 - y) * s,
    /** Data coordinates of a pixel. */
    inv: (u: number, v: number): [number, number] => [box.x0 + (u - MARGIN.left) / s, box.y1 - (v - MARGIN.top) / s],
    pw,
    ph,
  };
}

/** A view box around the given point sets: 0.1 %–99.9 % quantiles per axis, padded, never degenerate. */
export function computeView(sets: (Float64Array | null)[], d = 2): View {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const P of sets) {
    if (!P) continue;
    for (let i = 0; i + 1 < P.length; i += d) {
      if (Number.isFinite(P[i]!) && Number.isFinite(P[i + 1]!)) {
        xs.push(P[i]!);
        ys.push(P[i + 1]!);
      }
    }
  }
  if (!xs.length) return { x0: -5, x1: 5, y0: -5, y1: 5 };
  const q = (a: number[], p: number) => a[Math.min(a.length - 1, Math.max(0, Math.round(p * (a.length - 1))))]!;
  xs.sort((a, b) => a - b);
  ys.sort((a, b) => a - b);
  let [x0, x1, y0, y1] = [q(xs, 0.001), q(xs, 0.999), q(ys, 0.001), q(ys, 0.999)];
  const pad = 0.1 * Math.max(x1 - x0, y1 - y0, 1);
  x0 -= pad;
  x1 += pad;
  y0 -= pad;
  y1 += pad;
  return { x0, x1, y0, y1 };
}

export function unionView(a: View, b: View): View {
  return { x0: Math.min(a.x0, b.x0), x1: Math.max(a.x1, b.x1), y0: Math.min(a.y0, b.y0), y1: Math.max(a.y1, b.y1) };
}

/**
 * Draws a scene on a 2-D context whose drawing buffer is width × height CSS pixels (scaled by dpr):
 * grid, target contours, target samples, particles, and the particles' weighted marginal
 * histograms (density units) above (x) and right of (y) the plot with the target's marginal
 * density as a grey line. Returns the histogram heights it drew.
 */
export function drawScene(ctx: CanvasRenderingContext2D, width: number, height: number, scene: Scene): { histX: Float64Array; histY: Float64Array } {
  const L = layout(scene.view, width, height);
  ctx.save();
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);

  // grid and axes
  ctx.lineWidth = 1;
  ctx.strokeStyle = '#e6e6e6';
  ctx.fillStyle = '#555';
  ctx.font = '11px system-ui, sans-serif';
  ctx.beginPath();
  const xt = ticks(L.box.x0, L.box.x1);
  const yt = ticks(L.box.y0, L.box.y1);
  for (const v of xt) {
    const u = Math.round(L.px(v)) + 0.5;
    ctx.moveTo(u, MARGIN.top);
    ctx.lineTo(u, MARGIN.top + L.ph);
  }
  for (const v of yt) {
    const u = Math.round(L.py(v)) + 0.5;
    ctx.moveTo(MARGIN.left, u);
    ctx.lineTo(MARGIN.left + L.pw, u);
  }
  ctx.stroke();
  ctx.strokeStyle = '#999';
  ctx.strokeRect(MARGIN.left + 0.5, MARGIN.top + 0.5, L.pw - 1, L.ph - 1);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const v of xt) ctx.fillText(fmtTick(v), L.px(v), MARGIN.top + L.ph + 5);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const v of yt) ctx.fillText(fmtTick(v), MARGIN.left - 5, L.py(v));

  ctx.beginPath();
  ctx.rect(MARGIN.left, MARGIN.top, L.pw, L.ph);
  ctx.clip();

  // target density contours
  if (scene.contours?.length) {
    const C = scene.contours;
    ctx.strokeStyle = 'rgba(40, 120, 60, 0.55)';
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let i = 0; i + 3 < C.length; i += 4) {
      ctx.moveTo(L.px(C[i]!), L.py(C[i + 1]!));
      ctx.lineTo(L.px(C[i + 2]!), L.py(C[i + 3]!));
    }
    ctx.stroke();
  }

  // target samples
  if (scene.Y) {
    ctx.fillStyle = 'rgba(90, 90, 90, 0.5)';
    ctx.beginPath();
    const Y = scene.Y;
    for (let i = 0; i + 1 < Y.length; i += 2) {
      const u = L.px(Y[i]!);
      const v = L.py(Y[i + 1]!);
      ctx.moveTo(u + 1.8, v);
      ctx.arc(u, v, 1.8, 0, 2 * Math.PI);
    }
    ctx.fill();
  }

  // particles, batched by opacity (16 levels) so a frame is a handful of fills
  if (scene.X && scene.w) {
    const { X, w, n, d } = scene;
    const buckets: number[][] = Array.from({ length: 17 }, () => []);
    const hollow: number[] = [];
    for (let i = 0; i < n; i++) {
      const st = particleStyle(w[i]!, n);
      if (st.hollow) hollow.push(i);
      else buckets[Math.round(st.alpha * 16)]!.push(i);
    }
    ctx.fillStyle = scene.color;
    for (let b = 0; b < buckets.length; b++) {
      const idx = buckets[b]!;
      if (!idx.length) continue;
      ctx.globalAlpha = b / 16;
      ctx.beginPath();
      for (const i of idx) {
        const r = particleStyle(w[i]!, n).r;
        const u = L.px(X[i * d]!);
        const v = L.py(X[i * d + 1]!);
        ctx.moveTo(u + r, v);
        ctx.arc(u, v, r, 0, 2 * Math.PI);
      }
      ctx.fill();
    }
    if (hollow.length) {
      ctx.globalAlpha = 0.7;
      ctx.strokeStyle = scene.color;
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (const i of hollow) {
        const u = L.px(X[i * d]!);
        const v = L.py(X[i * d + 1]!);
        ctx.moveTo(u + BASE_RADIUS, v);
        ctx.arc(u, v, BASE_RADIUS, 0, 2 * Math.PI);
      }
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
  }
  ctx.restore();

  const hists = drawHistograms(ctx, L, scene);

  if (scene.title) {
    ctx.save();
    ctx.font = '600 12px system-ui, sans-serif';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    const tw = ctx.measureText(scene.title).width;
    ctx.fillStyle = 'rgba(255,255,255,0.85)';
    ctx.fillRect(MARGIN.left + 4, MARGIN.top + 4, tw + 8, 18);
    ctx.fillStyle = '#222';
    ctx.fillText(scene.title, MARGIN.left + 8, MARGIN.top + 7);
    ctx.restore();
  }
  return hists;
}

/** The marginal histograms of the particles (bars) and of the target (grey line) in the two strips. */
function drawHistograms(ctx: CanvasRenderingContext2D, L: ReturnType<typeof layout>, scene: Scene): { histX: Float64Array; histY: Float64Array } {
  const { box } = L;
  const empty = new Float64Array(HIST_BINS);
  const histX = scene.X && scene.w ? histogram(scene.X, scene.w, scene.d, 0, box.x0, box.x1, HIST_BINS) : empty;
  const histY = scene.X && scene.w ? histogram(scene.X, scene.w, scene.d, 1, box.y0, box.y1, HIST_BINS) : empty;
  const m = scene.marginals;
  let top = 0;
  for (const v of histX) top = Math.max(top, v);
  for (const v of histY) top = Math.max(top, v);
  if (m) for (const v of [...m.x, ...m.y]) top = Math.max(top, v);
  if (!(top > 0)) return { histX, histY };
  const H = HIST - 6;
  const x0 = MARGIN.left;
  const yBase = MARGIN.top - 3; // bottom of the x strip
  const xBase = MARGIN.left + L.pw + 3; // left of the y strip
  ctx.save();
  ctx.fillStyle = '#fafafa';
  ctx.fillRect(x0, yBase - H, L.pw, H);
  ctx.fillRect(xBase, MARGIN.top, H, L.ph);
  ctx.fillStyle = scene.color;
  ctx.globalAlpha = 0.55;
  const bw = L.pw / HIST_BINS;
  const bh = L.ph / HIST_BINS;
  for (let b = 0; b < HIST_BINS; b++) {
    const hx = (histX[b]! / top) * H;
    if (hx > 0) ctx.fillRect(x0 + b * bw, yBase - hx, Math.max(1, bw - 1), hx);
    const hy = (histY[b]! / top) * H;
    // bin b of y runs upwards from the bottom of the plot
    if (hy > 0) ctx.fillRect(xBase, MARGIN.top + L.ph - (b + 1) * bh, hy, Math.max(1, bh - 1));
  }
  ctx.globalAlpha = 1;
  if (m) {
    ctx.strokeStyle = '#555';
    ctx.lineWidth = 1.2;
    const k = m.x.length;
    ctx.beginPath();
    let started = false;
    for (let i = 0; i < k; i++) {
      const x = m.box.x0 + ((i + 0.5) * (m.box.x1 - m.box.x0)) / k;
      if (x < box.x0 || x > box.x1) continue;
      const u = L.px(x);
      const v = yBase - (m.x[i]! / top) * H;
      if (started) ctx.lineTo(u, v);
      else ctx.moveTo(u, v);
      started = true;
    }
    started = false;
    for (let j = 0; j < k; j++) {
      const y = m.box.y0 + ((j + 0.5) * (m.box.y1 - m.box.y0)) / k;
      if (y < box.y0 || y > box.y1) continue;
      const u = xBase + (m.y[j]! / top) * H;
      const v = L.py(y);
      if (started) ctx.lineTo(u, v);
      else ctx.moveTo(u, v);
      started = true;
    }
    ctx.stroke();
  }
  ctx.restore();
  return { histX, histY };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const f2 = (v: number) => v.toFixed(2);

/** The scene as SVG elements of a width × height picture (no <svg> wrapper). */
export function sceneSvgBody(width: number, height: number, scene: Scene, clipId: string): string {
  const L = layout(scene.view, width, height);
  const out: string[] = [];
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  const xt = ticks(L.box.x0, L.box.x1);
  const yt = ticks(L.box.y0, L.box.y1);
  const grid: string[] = [];
  for (const v of xt) grid.push(`M${f2(L.px(v))} ${MARGIN.top}V${MARGIN.top + L.ph}`);
  for (const v of yt) grid.push(`M${MARGIN.left} ${f2(L.py(v))}H${MARGIN.left + L.pw}`);
  out.push(`<path d="${grid.join('')}" stroke="#e6e6e6" stroke-width="1" fill="none"/>`);
  out.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${L.pw}" height="${L.ph}" fill="none" stroke="#999"/>`);
  out.push('<g font-family="sans-serif" font-size="11" fill="#555">');
  for (const v of xt) out.push(`<text x="${f2(L.px(v))}" y="${MARGIN.top + L.ph + 15}" text-anchor="middle">${fmtTick(v)}</text>`);
  for (const v of yt) out.push(`<text x="${MARGIN.left - 5}" y="${f2(L.py(v) + 4)}" text-anchor="end">${fmtTick(v)}</text>`);
  out.push('</g>');
  out.push(`<clipPath id="${clipId}"><rect x="${MARGIN.left}" y="${MARGIN.top}" width="${L.pw}" height="${L.ph}"/></clipPath>`);
  out.push(`<g clip-path="url(#${clipId})">`);
  if (scene.contours?.length) {
    const C = scene.contours;
    const dd: string[] = [];
    for (let i = 0; i + 3 < C.length; i += 4) dd.push(`M${f2(L.px(C[i]!))} ${f2(L.py(C[i + 1]!))}L${f2(L.px(C[i + 2]!))} ${f2(L.py(C[i + 3]!))}`);
    out.push(`<path class="contours" d="${dd.join('')}" stroke="#28783c" stroke-opacity="0.55" fill="none"/>`);
  }
  if (scene.Y) {
    out.push('<g fill="#5a5a5a" fill-opacity="0.5">');
    const Y = scene.Y;
    for (let i = 0; i + 1 < Y.length; i += 2) out.push(`<circle cx="${f2(L.px(Y[i]!))}" cy="${f2(L.py(Y[i + 1]!))}" r="1.8"/>`);
    out.push('</g>');
  }
  if (scene.X && scene.w) {
    const { X, w, n, d } = scene;
    out.push(`<g fill="${scene.color}" stroke="${scene.color}">`);
    for (let i = 0; i < n; i++) {
      const st = particleStyle(w[i]!, n);
      const cx = f2(L.px(X[i * d]!));
      const cy = f2(L.py(X[i * d + 1]!));
      out.push(
        st.hollow
          ? `<circle cx="${cx}" cy="${cy}" r="${st.r}" fill="none" stroke-opacity="0.7"/>`
          : `<circle cx="${cx}" cy="${cy}" r="${f2(st.r)}" fill-opacity="${f2(st.alpha)}" stroke="none"/>`,
      );
    }
    out.push('</g>');
  }
  out.push('</g>');
  if (scene.title) out.push(`<text x="${MARGIN.left + 8}" y="${MARGIN.top + 18}" font-family="sans-serif" font-size="12" font-weight="600" fill="#222">${esc(scene.title)}</text>`);
  return out.join('\n');
}

/** Several scenes side by side as one standalone SVG document. */
export function scenesSvg(scenes: Scene[], width: number, height: number): string {
  const W = width * scenes.length;
  const parts = scenes.map((sc, k) => `<g transform="translate(${k * width},0)">\n${sceneSvgBody(width, height, sc, `clip${k}`)}\n</g>`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}">\n${parts.join('\n')}\n</svg>\n`;
}
