/**
 * Normalised histograms of 1-D samples with a reference density overlaid (e.g. Langevin
 * particles against the Gibbs density e^{−V}/Z), singly or as panels for several times t.
 * Pure: returns Vega-Lite specs; render them with `node/render.ts` or vega-embed in a browser.
 */
import { InputError } from '../core/errors.js';
import type { VegaLiteSpec } from './theme.js';
import { checkFiniteArray, checkSize, plotConfig, round6, VEGA_LITE_SCHEMA } from './theme.js';

/** A density-scale histogram: `bins` equal bins on [edges[0], edges[bins]]. */
export interface HistogramDensity {
  /** Bin edges, [bins + 1], increasing. */
  edges: Float64Array;
  /** Height of bin k: count_k / (N · width), N = all samples (also those outside the edges), [bins]. */
  density: Float64Array;
  /** Samples outside [edges[0], edges[bins]] (not in any bin, but counted in N). */
  outside: number;
}

/**
 * Histogram on the density scale: bin k (of width h = (b − a)/bins on [a, b]) gets
 * count_k / (N·h), with N the number of all samples, so the bars integrate to the fraction of
 * samples inside [a, b] (to 1 when the domain covers them). Bins are half-open [eₖ, eₖ₊₁) except
 * the last, which includes b. Default domain: [min, max] of the samples (±0.5 if all are equal).
 * Cost O(N).
 */
export function histogramDensity(samples: ArrayLike<number>, bins: number, domain?: [number, number]): HistogramDensity {
  const N = samples.length;
  if (N === 0) throw new InputError('samples.length', 0, 'at least one sample');
  if (!Number.isInteger(bins) || bins < 1 || bins > 100_000) throw new InputError('bins', bins, 'an integer in [1, 100000]');
  checkFiniteArray('samples', samples);
  let a: number;
  let b: number;
  if (domain) {
    if (!Array.isArray(domain) || domain.length !== 2 || !Number.isFinite(domain[0]) || !Number.isFinite(domain[1]) || !(domain[0] < domain[1]))
      throw new InputError('domain', domain, '[min, max] with finite min < max');
    [a, b] = domain;
  } else {
    a = Number.POSITIVE_INFINITY;
    b = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < N; i++) {
      const v = samples[i]!;
      if (v < a) a = v;
      if (v > b) b = v;
    }
    if (a === b) {
      a -= 0.5;
      b += 0.5;
    }
  }
  const h = (b - a) / bins;
  const edges = new Float64Array(bins + 1);
  for (let k = 0; k <= bins; k++) edges[k] = k === bins ? b : a + k * h;
  const counts = new Float64Array(bins);
  let outside = 0;
  for (let i = 0; i < N; i++) {
    const v = samples[i]!;
    if (v < a || v > b) {
      outside++;
      continue;
    }
    const k = Math.min(bins - 1, Math.floor((v - a) / h));
    counts[k]!++;
  }
  const density = new Float64Array(bins);
  for (let k = 0; k < bins; k++) density[k] = counts[k]! / (N * h);
  return { edges, density, outside };
}

/** One histogram panel. */
export interface HistogramPanel {
  /** Panel title (in {@link histogramsChart}, e.g. "t = 2.5"); in {@link histogramChart} the chart title. */
  title: string;
  /** Samples, [N]. */
  samples: ArrayLike<number>;
  /** Number of equal-width bins (default 40). */
  bins?: number;
  /** Bin range (default: the samples' range); see {@link histogramDensity}. */
  domain?: [number, number];
  /** Reference density curve y = p(x), drawn as a line through the points (x sorted increasing). */
  density?: { x: ArrayLike<number>; y: ArrayLike<number> };
  /** Legend label of the histogram (default "samples"). */
  label?: string;
  /** Legend label of the density curve (default "reference density"). */
  densityLabel?: string;
}

/** Options of {@link histogramChart}. */
export interface HistogramChartOptions extends HistogramPanel {
  subtitle?: string;
  /** Axis titles (default "x" and "density"). */
  xLabel?: string;
  yLabel?: string;
  /** Plot area in px; default 640 × 420. */
  width?: number;
  height?: number;
}

/** Options of {@link histogramsChart}. */
export interface HistogramsChartOptions {
  title: string;
  subtitle?: string;
  panels: HistogramPanel[];
  /** Panels per row (default: all in one row up to 4, then wrapped). */
  columns?: number;
  /** One y scale for all panels (default false: each panel its own). */
  sharedY?: boolean;
  /** Same x range in every panel: the union of all bins and density curves (default true). */
  sharedX?: boolean;
  xLabel?: string;
  yLabel?: string;
  /** Size of each panel in px; default 260 × 200. */
  width?: number;
  height?: number;
}

const HIST_COLOR = '#4c78a8';
const DENSITY_COLOR = '#c0392b';

interface PanelData {
  bars: { lo: number; hi: number; p: number }[];
  curve: { x: number; y: number }[];
  label: string;
  densityLabel: string;
  xExtent: [number, number];
}

function panelData(p: HistogramPanel, field: string): PanelData {
  if (!p.samples) throw new InputError(`${field}.samples`, p.samples, 'an array of numbers');
  const hist = histogramDensity(p.samples, p.bins ?? 40, p.domain);
  const bars = Array.from(hist.density, (v, k) => ({ lo: round6(hist.edges[k]!), hi: round6(hist.edges[k + 1]!), p: round6(v) }));
  let lo = hist.edges[0]!;
  let hi = hist.edges[hist.edges.length - 1]!;
  const curve: { x: number; y: number }[] = [];
  if (p.density) {
    const { x, y } = p.density;
    if (x.length !== y.length) throw new InputError(`${field}.density.y.length`, y.length, `density.x.length = ${x.length}`);
    if (x.length < 2) throw new InputError(`${field}.density.x.length`, x.length, 'at least 2 points');
    checkFiniteArray(`${field}.density.x`, x);
    checkFiniteArray(`${field}.density.y`, y);
    for (let i = 0; i < x.length; i++) {
      if (i > 0 && !(x[i]! > x[i - 1]!)) throw new InputError(`${field}.density.x[${i}]`, x[i], `a value > density.x[${i - 1}] = ${x[i - 1]} (increasing)`);
      curve.push({ x: round6(x[i]!), y: round6(y[i]!) });
    }
    lo = Math.min(lo, x[0]!);
    hi = Math.max(hi, x[x.length - 1]!);
  }
  return { bars, curve, label: p.label ?? 'samples', densityLabel: p.densityLabel ?? 'reference density', xExtent: [lo, hi] };
}

/**
 * The layer spec (no data at top level) of one histogram panel. `id` suffixes the mark names:
 * vega-lite wires marks of equal name in different panels to the same data set.
 */
function panelLayer(
  d: PanelData,
  id: string,
  xDomain: [number, number],
  xLabel: string,
  yLabel: string,
  width: number,
  height: number,
  title?: string,
): Record<string, unknown> {
  const x = { type: 'quantitative' as const, title: xLabel, scale: { domain: xDomain, nice: false, zero: false } };
  // Bars 4 px wide or more get a 1 px white gap (narrower ones would vanish).
  const barPx = d.bars.length > 0 ? (width * (d.bars[0]!.hi - d.bars[0]!.lo)) / (xDomain[1] - xDomain[0]) : 0;
  const gap = barPx >= 4 ? { xOffset: 0.5, x2Offset: -0.5 } : {};
  // The legend rides on the `stroke` channel (datum = label); see strokeScaleAndLegend.
  const layers: Record<string, unknown>[] = [
    {
      name: `histogram_bars${id}`,
      data: { values: d.bars },
      mark: { type: 'rect', fill: HIST_COLOR, fillOpacity: 0.55, strokeWidth: 0, ...gap },
      encoding: {
        x: { ...x, field: 'lo' },
        x2: { field: 'hi' },
        y: { field: 'p', type: 'quantitative', title: yLabel },
        y2: { datum: 0 },
        stroke: { datum: d.label, type: 'nominal' },
      },
    },
  ];
  if (d.curve.length > 0) {
    layers.push({
      name: `density_curve${id}`,
      data: { values: d.curve },
      mark: { type: 'line', strokeWidth: 2.2 },
      encoding: {
        x: { ...x, field: 'x' },
        y: { field: 'y', type: 'quantitative', title: yLabel },
        stroke: { datum: d.densityLabel, type: 'nominal' },
      },
    });
  }
  return { ...(title !== undefined ? { title } : {}), width, height, layer: layers };
}

/**
 * Stroke scale and legend shared by the histogram charts: bars as filled squares, density curves
 * as strokes. The legend is carried by the `stroke` channel and styled through vega-lite's legend
 * `encoding` (marked @hidden in vega-lite 6): with a `color` legend vega-lite would strip the
 * per-entry symbol fill.
 */
function strokeScaleAndLegend(ds: PanelData[]): { scale: Record<string, unknown>; legend: Record<string, unknown> } {
  const domain: string[] = [];
  const range: string[] = [];
  const barLabels: string[] = [];
  for (const d of ds) {
    if (!domain.includes(d.label)) {
      domain.push(d.label);
      range.push(HIST_COLOR);
      barLabels.push(d.label);
    }
  }
  for (const d of ds) {
    if (d.curve.length > 0 && !domain.includes(d.densityLabel)) {
      domain.push(d.densityLabel);
      range.push(DENSITY_COLOR);
    }
  }
  const isBar = barLabels.map((l) => `datum.value === ${JSON.stringify(l)}`).join(' || ');
  return {
    scale: { domain, range },
    legend: {
      title: null,
      orient: 'right',
      symbolOpacity: 1,
      encoding: {
        symbols: {
          shape: { condition: { test: isBar, value: 'square' }, value: 'stroke' },
          fill: { condition: { test: isBar, value: HIST_COLOR }, value: 'transparent' },
          fillOpacity: { value: 0.7 },
          // (a conditional strokeWidth breaks vega's legend size computation; hide the bar outline by opacity)
          strokeWidth: { value: 2.5 },
          strokeOpacity: { condition: { test: isBar, value: 0 }, value: 1 },
        },
      },
    },
  };
}

/** Puts the shared stroke scale and legend on every layer of a panel (vega-lite merges them into one legend). */
function attachLegend(layerSpec: Record<string, unknown>, sl: { scale: Record<string, unknown>; legend: Record<string, unknown> }): void {
  for (const layer of layerSpec.layer as Record<string, unknown>[]) {
    const enc = layer.encoding as Record<string, unknown>;
    enc.stroke = { ...(enc.stroke as object), scale: sl.scale, legend: sl.legend };
  }
}

/**
 * A normalised histogram (density scale, see {@link histogramDensity}) of 1-D samples with a
 * reference density curve overlaid and a legend (right of the plot, so it never hides a bar).
 *
 * @example
 * histogramChart({ title: 'double well, t = 10', samples: x, bins: 60,
 *   density: { x: grid, y: gibbs }, label: 'particles', densityLabel: 'e^{−V}/Z' })
 */
export function histogramChart(opts: HistogramChartOptions): VegaLiteSpec {
  const width = checkSize('width', opts.width ?? 640);
  const height = checkSize('height', opts.height ?? 420);
  const d = panelData(opts, 'histogram');
  const spec = panelLayer(d, '', [round6(d.xExtent[0]), round6(d.xExtent[1])], opts.xLabel ?? 'x', opts.yLabel ?? 'density', width, height);
  attachLegend(spec, strokeScaleAndLegend([d]));
  return {
    $schema: VEGA_LITE_SCHEMA,
    config: plotConfig(),
    ...spec,
    title: opts.subtitle ? { text: opts.title, subtitle: opts.subtitle } : opts.title,
  } as unknown as VegaLiteSpec;
}

/**
 * Several histogram panels side by side (wrapped after `columns`), e.g. the particles at
 * times t₁ < t₂ < … against the same reference density; each panel titled by its `title`, one
 * shared legend, the same x range by default.
 */
export function histogramsChart(opts: HistogramsChartOptions): VegaLiteSpec {
  if (!Array.isArray(opts.panels) || opts.panels.length === 0) throw new InputError('panels', opts.panels, 'a non-empty array of panels');
  const width = checkSize('width', opts.width ?? 260);
  const height = checkSize('height', opts.height ?? 200);
  const columns = opts.columns ?? Math.min(opts.panels.length, 4);
  if (!Number.isInteger(columns) || columns < 1) throw new InputError('columns', columns, 'an integer >= 1');
  const ds = opts.panels.map((p, i) => panelData(p, `panels[${i}]`));
  let union: [number, number] = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (const d of ds) union = [Math.min(union[0], d.xExtent[0]), Math.max(union[1], d.xExtent[1])];
  const shareX = opts.sharedX ?? true;
  // The stroke (legend) scale is shared, so vega-lite merges the identical legends into one, placed to
  // the right of the whole figure.
  const sl = strokeScaleAndLegend(ds);
  const specs = ds.map((d, i) => {
    const dom = shareX ? union : d.xExtent;
    const s = panelLayer(d, `_${i}`, [round6(dom[0]), round6(dom[1])], opts.xLabel ?? 'x', opts.yLabel ?? 'density', width, height, opts.panels[i]!.title);
    attachLegend(s, sl);
    return s;
  });
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: opts.subtitle ? { text: opts.title, subtitle: opts.subtitle } : opts.title,
    config: { ...plotConfig(), concat: { spacing: 24 } },
    columns,
    concat: specs,
    resolve: { scale: { stroke: 'shared', y: opts.sharedY ? 'shared' : 'independent', x: shareX ? 'shared' : 'independent' } },
  } as unknown as VegaLiteSpec;
}
