/**
 * Shared look of every measureflow figure and small helpers of the chart builders.
 * Pure: builds plain objects, imports nothing from `node:*`, so it runs in a browser.
 */
import type { TopLevelSpec } from 'vega-lite';
import { InputError } from '../core/errors.js';

/** A Vega-Lite specification (JSON-serialisable plain object) as built by the `*Chart` functions. */
export type VegaLiteSpec = TopLevelSpec;

/**
 * Font family written into every spec. The Node renderer (`node/render.ts`) bundles exactly
 * this font (DejaVu Sans, regular and bold), so text in the PNG matches the SVG on any machine.
 */
export const PLOT_FONT = 'DejaVu Sans';

/** The Vega-Lite `$schema` URL of the Vega-Lite major version the specs are written for (6). */
export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/**
 * Categorical palette (Tableau 10, the Vega default), used in this order for the methods of a
 * curves chart, so a method keeps its colour when the series are given in the same order.
 */
export const PLOT_PALETTE: readonly string[] = [
  '#4c78a8',
  '#f58518',
  '#e45756',
  '#72b7b2',
  '#54a24b',
  '#eeca3b',
  '#b279a2',
  '#ff9da6',
  '#9d755d',
  '#bab0ac',
];

/**
 * The `config` block shared by all charts: the bundled font everywhere, white background
 * (PNG files are not transparent), slightly larger titles and labels than Vega's defaults.
 */
export function plotConfig(): Record<string, unknown> {
  return {
    font: PLOT_FONT,
    background: 'white',
    padding: 8,
    view: { stroke: '#bbb' },
    title: { font: PLOT_FONT, fontSize: 16, fontWeight: 'bold', subtitleFontSize: 12, subtitleColor: '#555', anchor: 'middle', offset: 10 },
    axis: { labelFont: PLOT_FONT, titleFont: PLOT_FONT, labelFontSize: 11, titleFontSize: 13, titleFontWeight: 'normal', gridColor: '#e6e6e6' },
    legend: { labelFont: PLOT_FONT, titleFont: PLOT_FONT, labelFontSize: 12, titleFontSize: 12, labelLimit: 260 },
    header: { labelFont: PLOT_FONT, titleFont: PLOT_FONT, labelFontSize: 13 },
    mark: { invalid: 'break-paths-filter-domains', aria: false },
  };
}

/** Checks that `a` holds finite numbers only (NaN/±Inf rejected), naming the first bad index. */
export function checkFiniteArray(field: string, a: ArrayLike<number>): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError(`${field}[${i}]`, v, 'a finite number');
  }
}

/** Checks that `size` (a chart width or height in px) is a positive integer-ish number. */
export function checkSize(field: string, size: number): number {
  if (typeof size !== 'number' || !Number.isFinite(size) || size < 20 || size > 10000)
    throw new InputError(field, size, 'a size in pixels between 20 and 10000');
  return size;
}

/**
 * Indices 0 = i₀ < i₁ < … < i_{k−1} = len − 1 of at most `maxPoints` points, evenly spread
 * over [0, len) (first and last kept). Used to thin long curves so the SVG stays small.
 */
export function thinIndices(len: number, maxPoints: number): number[] {
  if (len <= maxPoints) return Array.from({ length: len }, (_, i) => i);
  const out: number[] = [];
  let last = -1;
  for (let k = 0; k < maxPoints; k++) {
    const i = Math.round((k * (len - 1)) / (maxPoints - 1));
    if (i !== last) out.push(i);
    last = i;
  }
  return out;
}

/** Rounds `x` to 6 significant digits, so specs (and the SVG built from them) stay compact. */
export function round6(x: number): number {
  return Number.isFinite(x) && x !== 0 ? Number(x.toPrecision(6)) : x;
}
