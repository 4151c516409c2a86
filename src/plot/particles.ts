/**
 * Weighted particles in the plane over target samples (IFT paper, Figs 4–5).
 * Pure: returns a Vega-Lite spec; render it with `node/render.ts` or vega-embed in a browser.
 */
import { InputError } from '../core/errors.js';
import type { VegaLiteSpec } from './theme.js';
import { checkFiniteArray, checkSize, plotConfig, round6, VEGA_LITE_SCHEMA } from './theme.js';

/** Points X [n, d] (row-major, flat); only the first two coordinates are drawn. */
export interface PointCloud {
  X: ArrayLike<number>;
  d: number;
}

/** The final particles, with optional weights w [n] (≥ 0; omitted = uniform). */
export interface WeightedPointCloud extends PointCloud {
  w?: ArrayLike<number>;
}

/** Options of {@link particlesChart}. */
export interface ParticlesChartOptions {
  title: string;
  /** Subtitle; default: a line explaining the weight encoding and the number of vanished particles (when `final.w` is given). */
  subtitle?: string;
  /** Target samples, drawn as small grey dots. */
  target?: PointCloud;
  /** Initial particles, drawn as small orange dots. */
  initial?: PointCloud;
  /** Final particles: opacity ∝ weight / max weight; vanished ones hollow. */
  final: WeightedPointCloud;
  /** A few particle trajectories, each a flat [T, pathD] array (first two coordinates drawn). */
  paths?: ArrayLike<number>[];
  /** Row length of each path (default 2). */
  pathD?: number;
  /** Fixed axis ranges; marks outside are clipped. Default: the data's extent padded by 5%. */
  xDomain?: [number, number];
  yDomain?: [number, number];
  /**
   * When the domains come from the data, widen the shorter one so one unit has the same length
   * on both axes (a circle looks like a circle). Default true.
   */
  equalAspect?: boolean;
  /**
   * A particle counts as vanished when wᵢ < vanishFactor · (Σⱼ wⱼ)/n — i.e. below vanishFactor
   * times the uniform weight (1/n for normalised weights). Default 1e-3. Vanished particles are
   * drawn as hollow circles at full stroke opacity, so where mass died out stays visible.
   */
  vanishFactor?: number;
  /** Opacity of the lightest non-vanished particle: opacity = minOpacity + (1 − minOpacity)·wᵢ/max w. Default 0.15. */
  minOpacity?: number;
  /** Axis titles (default "x₁", "x₂"). */
  xLabel?: string;
  yLabel?: string;
  /** Legend labels (defaults: "target samples", "initial particles", "final particles", "vanished (w ≈ 0)", "trajectories"). */
  labels?: Partial<Record<'target' | 'initial' | 'final' | 'vanished' | 'path', string>>;
  /** Plot area in px; default 480 × 420. */
  width?: number;
  height?: number;
}

/** Colours of the roles (target grey, initial orange, final and vanished blue, paths dark grey). */
export const PARTICLE_COLORS = {
  target: '#9a9a9a',
  initial: '#f58518',
  final: '#1f5fa6',
  vanished: '#1f5fa6',
  path: '#444444',
} as const;

/** Weight classification behind {@link particlesChart}: relative weight wᵢ / max w and vanished flag. */
export interface ParticleWeights {
  /** wᵢ / max w, [n] (1 everywhere for uniform or omitted weights). */
  rel: Float64Array;
  /** true where wᵢ < vanishFactor · (Σw)/n. */
  vanished: boolean[];
  /** Number of vanished particles. */
  nVanished: number;
  /** The threshold used, vanishFactor · (Σw)/n. */
  threshold: number;
}

/** Splits weights into relative weights and vanished flags (see {@link ParticlesChartOptions.vanishFactor}). */
export function classifyWeights(n: number, w: ArrayLike<number> | undefined, vanishFactor = 1e-3): ParticleWeights {
  if (!(vanishFactor >= 0) || !Number.isFinite(vanishFactor)) throw new InputError('vanishFactor', vanishFactor, 'a finite number >= 0');
  const rel = new Float64Array(n).fill(1);
  const vanished = new Array<boolean>(n).fill(false);
  if (!w) return { rel, vanished, nVanished: 0, threshold: vanishFactor / n };
  if (w.length !== n) throw new InputError('final.w.length', w.length, `n = ${n}`);
  checkFiniteArray('final.w', w);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (w[i]! < 0) throw new InputError(`final.w[${i}]`, w[i], 'a weight >= 0');
    sum += w[i]!;
    if (w[i]! > max) max = w[i]!;
  }
  const threshold = (vanishFactor * sum) / n;
  let nVanished = 0;
  for (let i = 0; i < n; i++) {
    rel[i] = max > 0 ? w[i]! / max : 0;
    if (w[i]! < threshold || max === 0) {
      vanished[i] = true;
      nVanished++;
    }
  }
  return { rel, vanished, nVanished, threshold };
}

function checkCloud(field: string, c: PointCloud): number {
  if (!Number.isInteger(c.d) || c.d < 2) throw new InputError(`${field}.d`, c.d, 'an integer >= 2 (the chart draws the first two coordinates)');
  if (c.X.length % c.d !== 0) throw new InputError(`${field}.X.length`, c.X.length, `a multiple of d = ${c.d}`);
  checkFiniteArray(`${field}.X`, c.X);
  return c.X.length / c.d;
}

function checkDomain(field: string, dom: [number, number] | undefined): void {
  if (dom === undefined) return;
  if (!Array.isArray(dom) || dom.length !== 2 || !Number.isFinite(dom[0]) || !Number.isFinite(dom[1]) || !(dom[0] < dom[1]))
    throw new InputError(field, dom, '[min, max] with finite min < max');
}

/**
 * Scatter plot of weighted particles in the plane (first two coordinates), in the style of the
 * IFT paper's Figures 4–5: target samples as small grey dots, initial particles in orange, final
 * particles in blue with opacity growing with weight relative to the largest weight
 * (uniform weights → full opacity), particles whose weight vanished (wᵢ < vanishFactor·(Σw)/n,
 * default 1e-3/n) as hollow circles, optional trajectories as thin lines; one legend for the roles.
 *
 * @example
 * particlesChart({ title: 'IFT, step 6000', target: { X: Y, d: 2 }, final: { X, d: 2, w } })
 */
export function particlesChart(opts: ParticlesChartOptions): VegaLiteSpec {
  const width = checkSize('width', opts.width ?? 480);
  const height = checkSize('height', opts.height ?? 420);
  const minOpacity = opts.minOpacity ?? 0.15;
  if (!(minOpacity >= 0 && minOpacity <= 1)) throw new InputError('minOpacity', minOpacity, 'a number in [0, 1]');
  checkDomain('xDomain', opts.xDomain);
  checkDomain('yDomain', opts.yDomain);
  const labels = {
    target: 'target samples',
    initial: 'initial particles',
    final: 'final particles',
    vanished: 'vanished (w ≈ 0)',
    path: 'trajectories',
    ...opts.labels,
  };
  const nFinal = checkCloud('final', opts.final);
  const weights = classifyWeights(nFinal, opts.final.w, opts.vanishFactor ?? 1e-3);

  // Extent of everything drawn, for the default domains.
  const ext = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  const grow = (x: number, y: number) => {
    if (x < ext[0]!) ext[0] = x;
    if (x > ext[1]!) ext[1] = x;
    if (y < ext[2]!) ext[2] = y;
    if (y > ext[3]!) ext[3] = y;
  };
  const rowsOf = (c: PointCloud): { x: number; y: number }[] => {
    const n = c.X.length / c.d;
    const out = new Array<{ x: number; y: number }>(n);
    for (let i = 0; i < n; i++) {
      const x = c.X[i * c.d]!;
      const y = c.X[i * c.d + 1]!;
      grow(x, y);
      out[i] = { x: round6(x), y: round6(y) };
    }
    return out;
  };

  const domain: string[] = [];
  const addRole = (role: keyof typeof labels) => {
    domain.push(labels[role]);
  };
  const layers: Record<string, unknown>[] = [];
  // The legend is carried by the `stroke` channel (datum = role label): vega-lite then lets the
  // legend's symbol `fill` be set per entry (hollow for vanished particles), which it would not
  // for a `color` legend. Filled marks get their fill as a mark property and no outline.
  const strokeOf = (role: keyof typeof labels) => ({ datum: labels[role], type: 'nominal' as const });

  if (opts.target) {
    checkCloud('target', opts.target);
    addRole('target');
    layers.push({
      name: 'target_samples',
      data: { values: rowsOf(opts.target) },
      mark: { type: 'circle', size: 9, opacity: 0.6, fill: PARTICLE_COLORS.target, strokeWidth: 0, clip: true },
      encoding: { stroke: strokeOf('target') },
    });
  }
  if (opts.paths && opts.paths.length > 0) {
    const pd = opts.pathD ?? 2;
    if (!Number.isInteger(pd) || pd < 2) throw new InputError('pathD', pd, 'an integer >= 2');
    const rows: { x: number; y: number; path: number; t: number }[] = [];
    opts.paths.forEach((p, j) => {
      if (p.length % pd !== 0 || p.length === 0) throw new InputError(`paths[${j}].length`, p.length, `a positive multiple of pathD = ${pd}`);
      checkFiniteArray(`paths[${j}]`, p);
      const rs = rowsOf({ X: p, d: pd });
      rs.forEach((r, t) => {
        rows.push({ ...r, path: j, t });
      });
    });
    addRole('path');
    layers.push({
      name: 'trajectories',
      data: { values: rows },
      mark: { type: 'line', strokeWidth: 1, opacity: 0.65, clip: true },
      encoding: { detail: { field: 'path', type: 'nominal' }, order: { field: 't', type: 'quantitative' }, stroke: strokeOf('path') },
    });
  }
  if (opts.initial) {
    checkCloud('initial', opts.initial);
    addRole('initial');
    layers.push({
      name: 'initial_particles',
      data: { values: rowsOf(opts.initial) },
      mark: { type: 'circle', size: 16, opacity: 0.7, fill: PARTICLE_COLORS.initial, strokeWidth: 0, clip: true },
      encoding: { stroke: strokeOf('initial') },
    });
  }
  const finalRows = rowsOf(opts.final);
  const live: { x: number; y: number; r: number }[] = [];
  const dead: { x: number; y: number }[] = [];
  finalRows.forEach((p, i) => {
    if (weights.vanished[i]) dead.push(p);
    else live.push({ ...p, r: round6(weights.rel[i]!) });
  });
  addRole('final');
  layers.push({
    name: 'final_particles',
    data: { values: live },
    mark: { type: 'circle', size: 36, fill: PARTICLE_COLORS.final, strokeWidth: 0, clip: true },
    encoding: {
      stroke: strokeOf('final'),
      opacity: { field: 'r', type: 'quantitative', scale: { domain: [0, 1], range: [minOpacity, 1], clamp: true }, legend: null },
    },
  });
  if (dead.length > 0) {
    addRole('vanished');
    layers.push({
      name: 'vanished_particles',
      data: { values: dead },
      mark: { type: 'point', shape: 'circle', filled: false, size: 36, strokeWidth: 1, opacity: 0.9, clip: true },
      encoding: { stroke: strokeOf('vanished') },
    });
  }

  // Domains: given, or padded extent (equal aspect by default).
  let xDom = opts.xDomain;
  let yDom = opts.yDomain;
  if (!xDom || !yDom) {
    const pad = (lo: number, hi: number): [number, number] => {
      const span = hi - lo > 0 ? hi - lo : Math.max(1, Math.abs(lo));
      return [lo - 0.05 * span, hi + 0.05 * span];
    };
    let xd = xDom ?? pad(ext[0]!, ext[1]!);
    let yd = yDom ?? pad(ext[2]!, ext[3]!);
    if (opts.equalAspect ?? true) {
      const ux = (xd[1] - xd[0]) / width;
      const uy = (yd[1] - yd[0]) / height;
      if (!xDom && ux < uy) {
        const c = (xd[0] + xd[1]) / 2;
        xd = [c - (uy * width) / 2, c + (uy * width) / 2];
      } else if (!yDom && uy < ux) {
        const c = (yd[0] + yd[1]) / 2;
        yd = [c - (ux * height) / 2, c + (ux * height) / 2];
      }
    }
    xDom = [round6(xd[0]), round6(xd[1])];
    yDom = [round6(yd[0]), round6(yd[1])];
  }

  // Legend: one entry per role (target, initial, final, vanished, trajectories), the vanished
  // entry a hollow circle, trajectories a stroke. This uses vega-lite's legend `encoding` (its
  // own conditional syntax, no scale references; marked @hidden in vega-lite 6 but what
  // `encode` compiles to), so each entry's fill is spelled out.
  const order = (['target', 'initial', 'final', 'vanished', 'path'] as const).filter((r) => domain.includes(labels[r]));
  const legendDomain = order.map((r) => labels[r]);
  const legendRange = order.map((r) => PARTICLE_COLORS[r]);
  const is = (r: keyof typeof labels) => `datum.value === ${JSON.stringify(labels[r])}`;
  const legend = {
    title: null,
    orient: 'right',
    symbolOpacity: 1,
    symbolSize: 70,
    symbolStrokeWidth: 1.5,
    encoding: {
      symbols: {
        fill: {
          condition: order.map((r) => ({ test: is(r), value: r === 'vanished' || r === 'path' ? 'transparent' : PARTICLE_COLORS[r] })),
          value: 'transparent',
        },
        shape: { condition: { test: is('path'), value: 'stroke' }, value: 'circle' },
        opacity: { value: 1 },
      },
    },
  };
  // Every layer carries the same scale and legend definition, so vega-lite merges them into one.
  for (const layer of layers) {
    const enc = layer.encoding as Record<string, unknown>;
    enc.stroke = { ...(enc.stroke as object), scale: { domain: legendDomain, range: legendRange }, legend };
  }

  let subtitle = opts.subtitle;
  if (subtitle === undefined && opts.final.w) {
    const f = opts.vanishFactor ?? 1e-3;
    // The threshold is f·mean(w); for normalised weights that is f/n.
    let sum = 0;
    for (let i = 0; i < nFinal; i++) sum += opts.final.w[i]!;
    const rule = Math.abs(sum - 1) < 1e-9 ? `w < ${f}/n` : `w < ${f}·mean(w)`;
    subtitle = `opacity ∝ w / max w;  hollow: ${rule}  (${weights.nVanished} of ${nFinal} particles)`;
  }
  const axis = { grid: true };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: subtitle ? { text: opts.title, subtitle } : opts.title,
    width,
    height,
    config: plotConfig(),
    encoding: {
      x: { field: 'x', type: 'quantitative', title: opts.xLabel ?? 'x₁', scale: { domain: xDom, nice: false, zero: false }, axis },
      y: { field: 'y', type: 'quantitative', title: opts.yLabel ?? 'x₂', scale: { domain: yDom, nice: false, zero: false }, axis },
    },
    layer: layers,
  } as unknown as VegaLiteSpec;
}
