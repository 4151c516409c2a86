/**
 * Loss curves of several methods against the step, mean ± std over runs (IFT paper, Figs 1–3).
 * Pure: returns a Vega-Lite spec; render it with `node/render.ts` or vega-embed in a browser.
 */
import { InputError } from '../core/errors.js';
import type { VegaLiteSpec } from './theme.js';
import { checkFiniteArray, checkSize, PLOT_PALETTE, plotConfig, round6, thinIndices, VEGA_LITE_SCHEMA } from './theme.js';

/** One method's curve: `mean[k]` (and optionally `std[k]`, over runs) at step `step[k]`; all of length T. */
export interface CurveSeries {
  /** Legend label of the method (e.g. `"IFT"`, `"MMD flow + noise"`). Must be unique in a chart. */
  method: string;
  /** Step (or time) of each point, [T]. */
  step: ArrayLike<number>;
  /** Mean over runs, [T]. On a log axis, entries ≤ 0 are left out (the line has a gap there). */
  mean: ArrayLike<number>;
  /** Standard deviation over runs, [T], ≥ 0; draws the band mean ± std. Omit for no band. */
  std?: ArrayLike<number>;
  /** Colour of this method (any CSS colour); default: the palette colour of its position. */
  color?: string;
}

/** A vertical rule marking a step of interest (e.g. "noise off" at step 3000). */
export interface CurveMarker {
  step: number;
  label: string;
}

/** Options of {@link curvesChart}. */
export interface CurvesChartOptions {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  /** Log-scale y axis (default true). */
  logY?: boolean;
  series: CurveSeries[];
  /**
   * Log axis only: lower edge of the ±std band is max(mean − std, bandFloor), because mean − std
   * is often ≤ 0 (std of a positive loss can exceed its mean) and log(≤ 0) is undefined; the
   * clip also keeps a tiny positive mean − std from stretching the axis over many decades.
   * Default: one decade below the smallest positive mean of all series (0.1 · min mean).
   * The edge is never above the mean itself.
   */
  bandFloor?: number;
  /** At most this many points per series are drawn (evenly thinned by index, ends kept); default 1000. */
  maxPoints?: number;
  /** Vertical rules with a label at the top, e.g. `[{ step: 3000, label: 'noise off' }]`. */
  markers?: CurveMarker[];
  /** Title of the colour legend (default `'method'`). */
  legendTitle?: string;
  /** Plot area in px (legend and axes come on top): default 640 × 420. */
  width?: number;
  height?: number;
}

/** A row of the curves data set; `lo`/`hi` are the band edges, null where not drawn. */
export interface CurveRow {
  method: string;
  step: number;
  mean: number | null;
  lo: number | null;
  hi: number | null;
}

/**
 * The rows behind {@link curvesChart}, with the band clipped as documented there, and the
 * floor used (`null` on a linear axis). Exposed so the clipping can be inspected and tested.
 */
export function curvesData(opts: CurvesChartOptions): { rows: CurveRow[]; floor: number | null } {
  const logY = opts.logY ?? true;
  const maxPoints = opts.maxPoints ?? 1000;
  if (!Number.isInteger(maxPoints) || maxPoints < 2) throw new InputError('maxPoints', maxPoints, 'an integer >= 2');
  if (!Array.isArray(opts.series) || opts.series.length === 0) throw new InputError('series', opts.series, 'a non-empty array of curves');
  const seen = new Set<string>();
  let minPos = Number.POSITIVE_INFINITY;
  opts.series.forEach((s, j) => {
    const f = `series[${j}]`;
    if (typeof s.method !== 'string' || s.method === '') throw new InputError(`${f}.method`, s.method, 'a non-empty string');
    if (seen.has(s.method)) throw new InputError(`${f}.method`, s.method, 'a method name not used by another series');
    seen.add(s.method);
    const T = s.step.length;
    if (T === 0) throw new InputError(`${f}.step.length`, T, 'at least one point');
    if (s.mean.length !== T) throw new InputError(`${f}.mean.length`, s.mean.length, `step.length = ${T}`);
    if (s.std && s.std.length !== T) throw new InputError(`${f}.std.length`, s.std.length, `step.length = ${T}`);
    checkFiniteArray(`${f}.step`, s.step);
    checkFiniteArray(`${f}.mean`, s.mean);
    if (s.std) {
      checkFiniteArray(`${f}.std`, s.std);
      for (let k = 0; k < T; k++) if (s.std[k]! < 0) throw new InputError(`${f}.std[${k}]`, s.std[k], 'a standard deviation >= 0');
    }
    for (let k = 0; k < T; k++) if (s.mean[k]! > 0 && s.mean[k]! < minPos) minPos = s.mean[k]!;
  });
  let floor: number | null = null;
  if (logY) {
    if (opts.bandFloor !== undefined) {
      if (!(opts.bandFloor > 0) || !Number.isFinite(opts.bandFloor)) throw new InputError('bandFloor', opts.bandFloor, 'a finite number > 0');
      floor = opts.bandFloor;
    } else {
      if (!Number.isFinite(minPos)) throw new InputError('series[].mean', 'no value > 0', 'at least one positive mean for a log-scale y axis (or logY: false)');
      floor = 0.1 * minPos;
    }
  }
  const rows: CurveRow[] = [];
  for (const s of opts.series) {
    for (const k of thinIndices(s.step.length, maxPoints)) {
      const m = s.mean[k]!;
      const sd = s.std ? s.std[k]! : null;
      if (floor !== null && !(m > 0)) {
        rows.push({ method: s.method, step: round6(s.step[k]!), mean: null, lo: null, hi: null });
        continue;
      }
      let lo: number | null = null;
      let hi: number | null = null;
      if (sd !== null) {
        lo = m - sd;
        hi = m + sd;
        if (floor !== null) lo = Math.min(m, Math.max(lo, floor));
        lo = round6(lo);
        hi = round6(hi);
      }
      rows.push({ method: s.method, step: round6(s.step[k]!), mean: round6(m), lo, hi });
    }
  }
  return { rows, floor };
}

/** Vega expression: is `datum.value` a power of ten (up to rounding)? */
const IS_DECADE = 'abs(log(datum.value) / LN10 - round(log(datum.value) / LN10)) < 1e-6';

/** Vega expression: `datum.value` = 10^k written as "10" + superscript k (DejaVu Sans has the glyphs). */
const DECADE_LABEL = (() => {
  let e = "'' + round(log(datum.value) / LN10)";
  const sup = '⁰¹²³⁴⁵⁶⁷⁸⁹';
  for (let k = 0; k < 10; k++) e = `replace(${e}, /${k}/g, '${sup[k]}')`;
  return `'10' + replace(${e}, /-/g, '⁻')`;
})();

/**
 * Log y axis: over two decades or more, labels and solid grid lines at powers of ten only
 * (10⁻³, 10⁻²…), the other ticks unlabelled with faint grid lines; otherwise vega's default ticks.
 */
function logAxis(rows: CurveRow[]): Record<string, unknown> {
  let lo = Number.POSITIVE_INFINITY;
  let hi = 0;
  for (const r of rows) {
    for (const v of [r.mean, r.lo, r.hi]) {
      if (v !== null && v > 0) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  }
  if (!(hi / lo >= 100)) return { grid: true, format: '.1~e' };
  return {
    grid: true,
    labelExpr: `${IS_DECADE} ? ${DECADE_LABEL} : ''`,
    labelFontSize: 12,
    gridColor: { condition: { test: IS_DECADE, value: '#d6d6d6' }, value: '#f2f2f2' },
    tickSize: { condition: { test: IS_DECADE, value: 6 }, value: 3 },
  };
}

/**
 * Line chart of a loss against the step, one line per method, with a translucent mean ± std band
 * per method and a legend; log-scale y by default.
 *
 * On a log axis the band's lower edge is clipped at a positive floor (option `bandFloor`,
 * default one decade below the smallest positive mean): mean − std ≤ 0 cannot be drawn on a log
 * scale. Means ≤ 0 are dropped (gaps in the line). Long series are thinned to `maxPoints` points.
 *
 * @example
 * curvesChart({ title: 'MMD² to π', xLabel: 'step', yLabel: 'MMD²', series: [
 *   { method: 'IFT', step: [0, 1, 2], mean: [1, 0.1, 0.01], std: [0.2, 0.05, 0.02] }] })
 */
export function curvesChart(opts: CurvesChartOptions): VegaLiteSpec {
  const logY = opts.logY ?? true;
  const width = checkSize('width', opts.width ?? 640);
  const height = checkSize('height', opts.height ?? 420);
  const { rows } = curvesData(opts);
  const methods = opts.series.map((s) => s.method);
  const colors = opts.series.map((s, j) => s.color ?? PLOT_PALETTE[j % PLOT_PALETTE.length]!);
  const color = {
    field: 'method',
    type: 'nominal' as const,
    scale: { domain: methods, range: colors },
    legend: { title: opts.legendTitle ?? 'method', orient: 'right' as const, symbolType: 'stroke', symbolStrokeWidth: 3, symbolOpacity: 1 },
  };
  const x = { field: 'step', type: 'quantitative' as const, title: opts.xLabel, scale: { nice: false, zero: false } };
  const yScale = logY ? { type: 'log' as const } : { zero: false };
  const hasBand = opts.series.some((s) => s.std !== undefined);
  const layers: Record<string, unknown>[] = [];
  if (hasBand) {
    layers.push({
      name: 'band',
      mark: { type: 'area', opacity: 0.18 },
      encoding: {
        x,
        y: { field: 'lo', type: 'quantitative', scale: yScale, title: opts.yLabel },
        y2: { field: 'hi' },
        color,
      },
    });
  }
  layers.push({
    name: 'curve',
    mark: { type: 'line', strokeWidth: 2 },
    encoding: {
      x,
      y: {
        field: 'mean',
        type: 'quantitative',
        scale: yScale,
        title: opts.yLabel,
        axis: logY ? logAxis(rows) : { grid: true },
      },
      color,
    },
  });
  const markers = opts.markers ?? [];
  if (markers.length > 0) {
    markers.forEach((m, i) => {
      if (!Number.isFinite(m.step)) throw new InputError(`markers[${i}].step`, m.step, 'a finite number');
    });
    const mdata = { values: markers.map((m) => ({ step: m.step, label: m.label })) };
    layers.push({
      name: 'marker_rule',
      data: mdata,
      mark: { type: 'rule', strokeDash: [5, 4], color: '#555' },
      encoding: { x: { field: 'step', type: 'quantitative' } },
    });
    layers.push({
      name: 'marker_label',
      data: mdata,
      mark: { type: 'text', align: 'left', baseline: 'top', dx: 4, y: 4, fontSize: 11, color: '#333' },
      encoding: { x: { field: 'step', type: 'quantitative' }, text: { field: 'label' } },
    });
  }
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: opts.subtitle ? { text: opts.title, subtitle: opts.subtitle } : opts.title,
    width,
    height,
    config: plotConfig(),
    data: { values: rows as unknown as Record<string, unknown>[] },
    layer: layers,
  } as unknown as VegaLiteSpec;
}
