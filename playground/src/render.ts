/**
 * Drawing a 2-D particle measure: on a canvas (every frame) and as an SVG string (export).
 * Both share the layout (view box, margins, ticks) and the particle style, so the exported
 * picture is the one on screen. Weight is shown by opacity and size; particles whose weight
 * vanished (w < 1e-3/n) are drawn hollow; target samples are small grey dots.
 */

/** The data box shown, [x0, x1] × [y0, y1]. */
export interface View {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

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
}

export const MARGIN = { left: 40, right: 10, top: 10, bottom: 26 };
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

/** Draws a scene on a 2-D context whose drawing buffer is width × height CSS pixels (scaled by dpr). */
export function drawScene(ctx: CanvasRenderingContext2D, width: number, height: number, scene: Scene): void {
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
