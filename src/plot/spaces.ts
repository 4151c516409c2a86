/**
 * Figures of the Gaussian and graph spaces (pure Vega-Lite specs; render with node/render.ts).
 */
import { InputError } from '../core/errors.js';
import type { VegaLiteSpec } from './theme.js';
import { checkFiniteArray, PLOT_PALETTE, plotConfig, round6, VEGA_LITE_SCHEMA } from './theme.js';

/** A Gaussian to draw: its mean and covariance in 2-D (first two coordinates are used). */
export interface EllipseSnapshot {
  /** Series (e.g. "reverse KL (BW)"). */
  series: string;
  /** Step or time of the snapshot (drawn lighter for earlier ones). */
  step: number;
  m: ArrayLike<number>;
  Sigma: ArrayLike<number>;
  d: number;
}

/** Points of the ellipse {m + r·Σ^{1/2}u : |u| = 1} (the r-standard-deviation contour), 2-D block only. */
export function ellipsePoints(m: ArrayLike<number>, Sigma: ArrayLike<number>, d: number, r = 2, k = 72): { x: number; y: number }[] {
  const a = Sigma[0]!;
  const b = Sigma[1]!;
  const c = Sigma[d + 1]!;
  // Cholesky of the 2×2 block
  const l11 = Math.sqrt(a);
  const l21 = b / l11;
  const l22 = Math.sqrt(Math.max(c - l21 * l21, 0));
  const out: { x: number; y: number }[] = [];
  for (let i = 0; i <= k; i++) {
    const t = (2 * Math.PI * i) / k;
    const u = Math.cos(t);
    const v = Math.sin(t);
    out.push({ x: round6(m[0]! + r * l11 * u), y: round6(m[1]! + r * (l21 * u + l22 * v)) });
  }
  return out;
}

/**
 * 2-σ ellipses of Gaussians over steps (one colour per series, later steps more opaque), over
 * target samples (grey) — the picture of reverse-KL mode seeking vs forward-KL mode covering.
 */
export function ellipsesChart(o: { title: string; subtitle?: string; target?: { X: ArrayLike<number>; d: number }; snapshots: EllipseSnapshot[]; width?: number; height?: number }): VegaLiteSpec {
  if (o.snapshots.length === 0) throw new InputError('snapshots', o.snapshots, 'at least one Gaussian');
  const rows: Record<string, number | string>[] = [];
  const steps = o.snapshots.map((s) => s.step);
  const maxStep = Math.max(...steps, 1);
  o.snapshots.forEach((s, j) => {
    if (s.d < 2) throw new InputError(`snapshots[${j}].d`, s.d, 'at least 2 (ellipses are drawn in the plane)');
    checkFiniteArray(`snapshots[${j}].m`, s.m);
    checkFiniteArray(`snapshots[${j}].Sigma`, s.Sigma);
    ellipsePoints(s.m, s.Sigma, s.d).forEach((p, i) => {
      rows.push({ ...p, series: s.series, id: j, order: i, fade: round6(0.25 + (0.75 * s.step) / maxStep) });
    });
  });
  const layers: Record<string, unknown>[] = [];
  if (o.target) {
    const n = o.target.X.length / o.target.d;
    const pts = [];
    for (let i = 0; i < n; i++) pts.push({ x: round6(o.target.X[i * o.target.d]!), y: round6(o.target.X[i * o.target.d + 1]!) });
    layers.push({ data: { values: pts }, mark: { type: 'circle', size: 8, color: '#9e9e9e', opacity: 0.5 }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } });
  }
  layers.push({
    data: { values: rows },
    mark: { type: 'line', strokeWidth: 1.8 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: 'x₁' },
      y: { field: 'y', type: 'quantitative', title: 'x₂' },
      detail: { field: 'id', type: 'nominal' },
      order: { field: 'order', type: 'quantitative' },
      color: { field: 'series', type: 'nominal', title: 'flow', scale: { range: [...PLOT_PALETTE] }, legend: { labelLimit: 320, orient: 'bottom', direction: 'vertical' } },
      opacity: { field: 'fade', type: 'quantitative', legend: null, scale: { domain: [0, 1], range: [0, 1] } },
    },
  });
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: o.subtitle ? { text: o.title, subtitle: o.subtitle } : o.title,
    width: o.width ?? 460,
    height: o.height ?? 380,
    layer: layers,
    config: plotConfig(),
  } as unknown as VegaLiteSpec;
}

/** Heat map of vertex masses over time: x = recorded time, y = vertex, colour = ρ_t(x). */
export function graphMassChart(o: { title: string; subtitle?: string; history: { t: number; rho: ArrayLike<number> }[]; width?: number; height?: number }): VegaLiteSpec {
  if (o.history.length === 0) throw new InputError('history', o.history, 'at least one recorded state');
  const rows: { t: number; vertex: number; mass: number }[] = [];
  for (const h of o.history) {
    checkFiniteArray('history.rho', h.rho);
    for (let x = 0; x < h.rho.length; x++) rows.push({ t: round6(h.t), vertex: x, mass: round6(h.rho[x]!) });
  }
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: o.subtitle ? { text: o.title, subtitle: o.subtitle } : o.title,
    width: o.width ?? 520,
    height: o.height ?? Math.min(420, Math.max(120, 14 * o.history[0]!.rho.length)),
    data: { values: rows },
    mark: { type: 'rect' },
    encoding: {
      x: { field: 't', type: 'ordinal', title: 'flow time t', axis: { labelOverlap: true, format: '.3~g' } },
      y: { field: 'vertex', type: 'ordinal', title: 'vertex', axis: { labelOverlap: true } },
      color: { field: 'mass', type: 'quantitative', title: 'ρ_t(x)', scale: { scheme: 'viridis', type: 'sqrt' } },
    },
    config: plotConfig(),
  } as unknown as VegaLiteSpec;
}

/** Energy against flow time on a log axis, with an optional reference curve (e.g. a decay bound). */
export function energyDecayChart(o: { title: string; subtitle?: string; series: { name: string; t: number[]; value: number[]; dashed?: boolean }[]; yTitle?: string; width?: number; height?: number }): VegaLiteSpec {
  const rows: { t: number; value: number; series: string }[] = [];
  for (const s of o.series) s.t.forEach((t, i) => {
    const v = s.value[i]!;
    if (Number.isFinite(v) && v > 0) rows.push({ t: round6(t), value: v, series: s.name });
  });
  if (rows.length === 0) throw new InputError('series', o.series, 'at least one positive finite value');
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: o.subtitle ? { text: o.title, subtitle: o.subtitle } : o.title,
    width: o.width ?? 460,
    height: o.height ?? 300,
    data: { values: rows },
    mark: { type: 'line', strokeWidth: 2 },
    encoding: {
      x: { field: 't', type: 'quantitative', title: 'flow time t' },
      y: { field: 'value', type: 'quantitative', scale: { type: 'log' }, title: o.yTitle ?? 'energy' },
      color: { field: 'series', type: 'nominal', title: null, scale: { range: [...PLOT_PALETTE] } },
      strokeDash: { field: 'series', type: 'nominal', legend: null, scale: { range: o.series.map((s) => (s.dashed ? [6, 4] : [1, 0])) } },
    },
    config: plotConfig(),
  } as unknown as VegaLiteSpec;
}
