/**
 * The measureflow playground page: controls ↔ settings ↔ URL, one simulation worker per
 * panel (two in side-by-side mode), canvas rendering at most once per animation frame,
 * a live log-scale uPlot chart of F(µ_t) and MMD(µ_t, π̂), and exports (CSV, PNG, SVG).
 *
 * Test hook: `window.__measureflow` (see `Hook`) exposes the frame counter, the latest
 * values of each run and the export strings; the status lines carry the same numbers as
 * data attributes.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { makeTarget } from '../../src/targets/makeTarget.js';
import { contourSegments, type DensityGrid, densityGrid, marginals } from './contours.js';
import { explain } from './explain.js';
import type { FromWorker, MetricRow, Snapshot, ToWorker } from './protocol.js';
import { computeView, drawScene, layout, type Scene, scenesSvg, unionView, type View } from './render.js';
import {
  ALGORITHMS,
  type Algorithm,
  coerce,
  ENERGIES,
  fromQuery,
  KERNELS,
  MAX_DRAWN,
  needsScore,
  REACTIONS,
  type Settings,
  stepDefaults,
  TARGETS,
  targetSpec,
  TRANSPORTS,
  toQuery,
  toSpec,
  usedSettings,
  VARIANTS,
} from './settings.js';

const COLORS = { A: '#1f5fbf', B: '#c4302b' } as const;
/** Largest number of chart rows kept per run (older rows are thinned out). */
const MAX_ROWS = 4000;

interface Panel {
  id: 'A' | 'B';
  alg: Algorithm;
  worker: Worker | null;
  canvas: HTMLCanvasElement;
  figure: HTMLElement;
  status: HTMLElement;
  errorBox: HTMLElement;
  /** Target samples of the run (grey). */
  Y: Float64Array | null;
  /** Initial positions (for the view box). */
  X0: Float64Array | null;
  /** Last drawn snapshot, and the one waiting for the next frame. */
  snap: Snapshot | null;
  pending: Snapshot | null;
  history: MetricRow[];
  hasEnergy: boolean;
  error: string | null;
  /** Set while the run waits for the user (no drawn target samples yet). */
  waiting: string | null;
  stepsPerSec: number;
  running: boolean;
  dirty: boolean;
  /** Marginal histograms drawn last (density units), for the test hook. */
  hist: { x: number[]; y: number[] };
  /** Where the run's kernel sums run ('cpu' | 'webgpu') and what the worker said about it. */
  backend: { name: 'cpu' | 'webgpu'; info: string };
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

function makePanel(id: 'A' | 'B'): Panel {
  return {
    id,
    alg: 'mmd-flow',
    worker: null,
    backend: { name: 'cpu', info: 'CPU' },
    canvas: $<HTMLCanvasElement>(`canvas-${id}`),
    figure: $(`panel-${id}`),
    status: $(`status-${id}`),
    errorBox: $(`error-${id}`),
    Y: null,
    X0: null,
    snap: null,
    pending: null,
    history: [],
    hasEnergy: false,
    error: null,
    waiting: null,
    stepsPerSec: 0,
    running: false,
    dirty: true,
    hist: { x: [], y: [] },
  };
}

const settings: Settings = fromQuery(location.search);
let playing = false;
const panels: Panel[] = [makePanel('A'), makePanel('B')];
let active: Panel[] = [];
let view: View = { x0: -5, x1: 5, y0: -5, y1: 5 };
let viewFixed = false;
let chart: uPlot | null = null;
let chartDirty = false;
let lastChart = 0;
let generation = 0;
let lastStatus = 0;
/** Side by side: both runs advance to the same step `bound`, then wait for each other. */
let lockstep = false;
let bound = 0;

// ---------- controls ----------

const LABELS: Record<string, string> = {
  '': '(none)',
  'mmd-flow': 'MMD flow',
  ift: 'IFT',
  wfr: 'WFR',
  svgd: 'SVGD',
  langevin: 'Langevin (ULA)',
  'ksd-descent': 'KSD descent',
  'birth-death': 'birth–death Langevin',
  'inclusive-kl-mirror': 'inclusive-KL mirror',
  'fisher-rao': 'Fisher-Rao (MMD–MMD)',
  'nw-force': 'Nadaraya–Watson force',
  custom: 'custom…',
  mmd: 'MMD',
  'inclusive-kl': 'inclusive KL (kernelized)',
  kl: 'KL(µ‖π)',
  ksd: 'KSD',
  wasserstein: 'Wasserstein',
  stein: 'Stein',
  none: 'none',
  'paper-gaussian-2d': 'paper Gaussian 2-D',
  'paper-mixture-2d': 'paper mixture 2-D',
  banana: 'banana',
  'double-well': 'double well 2-D',
  gaussian: 'Gaussian',
  drawn: 'drawn (click)',
  donut: 'donut',
  funnel: "Neal's funnel",
  squiggle: 'squiggle',
  ring: 'ring of 8 Gaussians',
  exact: 'exact (QP)',
  pgd: 'projected gradient',
  imq: 'IMQ',
  laplace: 'Laplace',
  matern32: 'Matérn 3/2',
  energy: 'energy distance',
};

function fillSelect(id: string, values: readonly string[]): void {
  const el = $<HTMLSelectElement>(id);
  el.innerHTML = '';
  for (const v of values) {
    const o = document.createElement('option');
    o.value = v;
    o.textContent = id === 'reaction' && v === 'fisher-rao' ? 'Fisher-Rao' : (LABELS[v] ?? v);
    el.append(o);
  }
}

fillSelect('alg', ALGORITHMS);
fillSelect('alg2', ['', ...ALGORITHMS]);
fillSelect('energy', ENERGIES);
fillSelect('transport', TRANSPORTS);
fillSelect('reaction', REACTIONS);
fillSelect('kernel', KERNELS);
fillSelect('variant', VARIANTS);
fillSelect('target', TARGETS);

const controls = Array.from(document.querySelectorAll<HTMLInputElement | HTMLSelectElement>('[data-key]'));

/** Writes the settings into the form and greys out what the chosen algorithm(s) ignore. */
function syncForm(): void {
  const used = usedSettings(settings.alg, settings);
  if (settings.alg2) for (const k of usedSettings(settings.alg2, settings)) used.add(k);
  if (settings.kernel === 'energy') used.delete('sigma');
  for (const el of controls) {
    const key = el.dataset.key as keyof Settings;
    const v = settings[key];
    if (document.activeElement !== el || el instanceof HTMLSelectElement) el.value = String(v);
    const on = used.has(key) || key === 'tmx' || key === 'tmy' || key === 'tstd';
    el.disabled = !on;
    el.closest('label')?.classList.toggle('disabled', !on);
  }
  // drawn targets have samples only: offer them to sample-based algorithms, and vice versa
  const scoreAlgs = [settings.alg, settings.alg2].filter((a) => a && needsScore(a, settings));
  const drawnOpt = $<HTMLSelectElement>('target').querySelector<HTMLOptionElement>('option[value="drawn"]')!;
  drawnOpt.disabled = scoreAlgs.length > 0;
  drawnOpt.title = scoreAlgs.length
    ? `Not for ${scoreAlgs.map((a) => LABELS[a] ?? a).join(' / ')}: it needs the score ∇log π of the target, and a drawn target is only samples.`
    : 'Click or drag on the picture to place target samples.';
  for (const id of ['alg', 'alg2']) {
    for (const o of Array.from($<HTMLSelectElement>(id).options)) {
      const off = settings.target === 'drawn' && o.value !== '' && needsScore(o.value as Algorithm, settings);
      o.disabled = off;
      o.title = off ? 'Needs the score ∇log π of the target; a drawn target is only samples. Pick a named target to use it.' : '';
    }
  }
  showExplanation();
  $('custom-box').hidden = settings.alg !== 'custom' && settings.alg2 !== 'custom';
  $('gauss-target-box').hidden = settings.target !== 'gaussian';
  $('drawn-box').hidden = settings.target !== 'drawn';
  document.body.classList.toggle('drawing', settings.target === 'drawn');
}

/** The explanation panel: each run's algorithm as a triple and its update rule. */
function showExplanation(): void {
  const algs = settings.alg2 ? [settings.alg, settings.alg2] : [settings.alg];
  $('explain').innerHTML = algs
    .map((a, k) => {
      const e = explain(a, settings);
      const tag = algs.length > 1 ? `<b style="color:${k ? COLORS.B : COLORS.A}">${k ? 'B' : 'A'}</b> ` : '';
      return `<div class="explain-item" data-alg="${a}"><h3>${tag}${LABELS[a] ?? a} <span>${e.title}</span></h3><p class="triple">${e.triple}</p><p class="rule">${e.rule}</p></div>`;
    })
    .join('');
}

function writeUrl(): void {
  const q = toQuery(settings);
  history.replaceState(null, '', `${location.pathname}${q ? `?${q}` : ''}${location.hash}`);
}

for (const el of controls) {
  el.addEventListener('change', () => {
    const key = el.dataset.key as keyof Settings;
    const v = coerce(key, el.value);
    if (v === undefined) {
      el.value = String(settings[key]);
      return;
    }
    // τ and η still at the defaults of the old algorithm/target follow the new defaults
    const before = stepDefaults(settings.alg, settings.target);
    (settings as unknown as Record<string, unknown>)[key] = v;
    if (key === 'alg' || key === 'target') {
      const after = stepDefaults(settings.alg, settings.target);
      for (const k of ['tau', 'eta'] as const) if (settings[k] === before[k]) settings[k] = after[k];
    }
    writeUrl();
    syncForm();
    if (key === 'spf') for (const p of active) send(p, { type: 'spf', value: settings.spf });
    else rebuild();
  });
}

/** The GPU switch: kernel sums through WebGPU in a GPU worker; disabled without navigator.gpu. */
const gpuBox = $<HTMLInputElement>('gpu');
if (!('gpu' in navigator)) {
  gpuBox.disabled = true;
  gpuBox.parentElement!.title = 'this browser has no WebGPU (navigator.gpu)';
}
gpuBox.addEventListener('change', () => rebuild());

function send(p: Panel, msg: ToWorker): void {
  p.worker?.postMessage(msg);
}

function setPlaying(on: boolean): void {
  playing = on;
  $('play').textContent = on ? '❚❚ Pause' : '▶ Play';
  if (on && lockstep) raiseBound();
  for (const p of active) send(p, { type: on ? 'play' : 'pause' });
}

$('play').addEventListener('click', () => setPlaying(!playing));
$('step').addEventListener('click', () => {
  if (playing) setPlaying(false);
  for (const p of active) send(p, { type: 'step' });
});
$('reset').addEventListener('click', () => {
  setPlaying(false);
  rebuild();
});
$('clear-drawn').addEventListener('click', () => {
  settings.drawn = [];
  writeUrl();
  rebuild();
});
$('share').addEventListener('click', async () => {
  writeUrl();
  try {
    await navigator.clipboard.writeText(location.href);
    message('Link copied.');
  } catch {
    message('The address bar holds the link of this view.');
  }
});
document.addEventListener('keydown', (ev) => {
  const t = ev.target as HTMLElement;
  if (ev.key === ' ' && !['INPUT', 'SELECT', 'BUTTON', 'TEXTAREA'].includes(t.tagName)) {
    ev.preventDefault();
    setPlaying(!playing);
  }
});

/** Lockstep: lets every run go spf steps past the furthest of them. */
function raiseBound(): void {
  let t = 0;
  for (const p of active) t = Math.max(t, (p.pending ?? p.snap)?.t ?? 0);
  bound = t + settings.spf;
  for (const p of active) send(p, { type: 'limit', t: bound });
}

function message(text: string): void {
  $('message').textContent = text;
}

// ---------- runs ----------

/** A fixed view for drawing targets: [-6, 6]² and the initial distribution's ±3σ box. */
function drawnView(): View {
  const s = settings;
  return unionView({ x0: -6, x1: 6, y0: -6, y1: 6 }, { x0: s.mx - 3 * s.std, x1: s.mx + 3 * s.std, y0: s.my - 3 * s.std, y1: s.my + 3 * s.std });
}

/** Stops the workers and starts fresh runs from µ₀ with the current settings. */
function rebuild(): void {
  generation++;
  for (const p of panels) {
    p.worker?.terminate();
    Object.assign(p, {
      worker: null,
      Y: null,
      X0: null,
      snap: null,
      pending: null,
      history: [],
      error: null,
      waiting: null,
      stepsPerSec: 0,
      running: false,
      dirty: true,
      backend: { name: 'cpu', info: gpuBox.checked ? 'starting the GPU…' : 'CPU' },
    });
  }
  active = settings.alg2 ? [panels[0]!, panels[1]!] : [panels[0]!];
  lockstep = active.length > 1;
  bound = 0;
  panels[0]!.alg = settings.alg;
  panels[1]!.alg = settings.alg2 || settings.alg;
  panels[1]!.figure.hidden = !settings.alg2;
  viewFixed = settings.target === 'drawn';
  if (viewFixed) view = drawnView();
  const drawn = settings.target === 'drawn' ? settings.drawn : undefined;
  for (const p of active) {
    if (drawn && drawn.length < 4) {
      showError(p, null);
      p.waiting = 'Click or drag on the picture to draw target samples.';
      p.errorBox.hidden = false;
      p.errorBox.className = 'error hint';
      p.errorBox.textContent = p.waiting;
      continue;
    }
    const gen = generation;
    const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    w.onmessage = (ev: MessageEvent<FromWorker>) => {
      if (gen === generation) onWorkerMessage(p, ev.data);
    };
    w.onerror = (ev) => {
      if (gen === generation) showError(p, `worker error: ${ev.message}`);
    };
    p.worker = w;
    send(p, { type: 'spf', value: settings.spf });
    if (lockstep) send(p, { type: 'limit', t: settings.spf });
    if (gpuBox.checked) send(p, { type: 'backend', gpu: true });
    send(p, { type: 'init', spec: toSpec(settings, p.alg), drawn });
    if (playing) send(p, { type: 'play' });
    showError(p, null);
  }
  if (lockstep) bound = settings.spf;
  rebuildChart();
  refreshStatus();
}

function showError(p: Panel, text: string | null): void {
  p.error = text;
  p.errorBox.className = 'error';
  p.errorBox.hidden = text === null;
  p.errorBox.textContent = text ?? '';
}

function addRows(p: Panel, rows: MetricRow[]): void {
  const h = p.history;
  for (const r of rows) {
    const last = h[h.length - 1];
    if (last && last.t === r.t) Object.assign(last, r);
    else h.push({ ...r });
  }
  if (h.length > MAX_ROWS) p.history = h.filter((_, i) => i % 2 === 0 || i === h.length - 1);
  if (rows.length) chartDirty = true;
}

function onWorkerMessage(p: Panel, msg: FromWorker): void {
  switch (msg.type) {
    case 'ready':
      p.Y = msg.Y;
      p.hasEnergy = msg.hasEnergy;
      renderLegend();
      break;
    case 'snapshot':
      if (!p.X0) {
        p.X0 = msg.X.slice();
        if (!viewFixed) {
          let v: View | null = null;
          for (const q of active) if (q.X0 || q.Y) v = v ? unionView(v, computeView([q.Y, q.X0], msg.d)) : computeView([q.Y, q.X0], msg.d);
          if (v) view = v;
          for (const q of active) q.dirty = true;
        }
      }
      p.pending = msg;
      if (msg.running !== p.running) lastStatus = 0; // show play/pause at once
      p.stepsPerSec = msg.stepsPerSec;
      p.running = msg.running;
      addRows(p, msg.rows);
      break;
    case 'backend':
      p.backend = { name: msg.name, info: msg.info };
      lastStatus = 0;
      break;
    case 'error':
      showError(p, `Step ${msg.t}: ${msg.message}`);
      p.running = false;
      if (playing && active.every((q) => q.error)) setPlaying(false);
      break;
  }
}

// ---------- drawing ----------

function sizeCanvas(c: HTMLCanvasElement): { w: number; h: number } {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(100, Math.round(c.clientWidth));
  const h = w;
  if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
    c.width = Math.round(w * dpr);
    c.height = Math.round(h * dpr);
  }
  return { w, h };
}

/** Target contours and marginals over the current view, cached per (target, view). */
let contourCache: { key: string; contours: Float64Array; marg: Scene['marginals'] } | null = null;
function targetPicture(): { contours: Float64Array; marg: Scene['marginals'] } | null {
  if (settings.target === 'drawn') return null;
  const spec = targetSpec(settings);
  const key = `${JSON.stringify(spec)}|${view.x0},${view.x1},${view.y0},${view.y1}`;
  if (contourCache?.key === key) return contourCache;
  try {
    const t = makeTarget(spec);
    if (!t.logDensity || t.d !== 2) return null;
    // a box wider than the view, so that the contours fill the (square) picture
    const cx = (view.x0 + view.x1) / 2;
    const cy = (view.y0 + view.y1) / 2;
    const half = 0.75 * Math.max(view.x1 - view.x0, view.y1 - view.y0);
    const g: DensityGrid = densityGrid((X) => t.logDensity!(X), { x0: cx - half, x1: cx + half, y0: cy - half, y1: cy + half }, 100);
    const m = marginals(g);
    contourCache = { key, contours: contourSegments(g), marg: { x: m.x, y: m.y, box: g.box } };
    return contourCache;
  } catch {
    return null;
  }
}

function sceneOf(p: Panel): Scene {
  const s = p.snap;
  const drawing = settings.target === 'drawn';
  const pic = targetPicture();
  return {
    contours: pic?.contours ?? null,
    marginals: pic?.marg ?? null,
    view,
    Y: drawing ? Float64Array.from(settings.drawn) : p.Y,
    X: s?.X ?? null,
    w: s?.w ?? null,
    n: s?.n ?? 0,
    d: s?.d ?? 2,
    color: COLORS[p.id],
    title: `${LABELS[p.alg] ?? p.alg} · step ${s?.t ?? 0}`,
  };
}

function draw(p: Panel): void {
  const t0 = performance.now();
  const { w, h } = sizeCanvas(p.canvas);
  const ctx = p.canvas.getContext('2d');
  if (!ctx) return;
  const dpr = p.canvas.width / w;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const hist = drawScene(ctx, w, h, sceneOf(p));
  p.hist = { x: Array.from(hist.histX), y: Array.from(hist.histY) };
  p.dirty = false;
  cost.draw = 0.9 * cost.draw + 0.1 * (performance.now() - t0);
}

// drawing target samples with the pointer
let pointerDown = false;
function addDrawnAt(p: Panel, ev: PointerEvent, spray: number): void {
  const rect = p.canvas.getBoundingClientRect();
  const L = layout(view, rect.width, rect.height);
  const [x, y] = L.inv(ev.clientX - rect.left, ev.clientY - rect.top);
  const jitter = 0.015 * (view.x1 - view.x0);
  for (let k = 0; k < spray && settings.drawn.length < 2 * MAX_DRAWN; k++) {
    const r = k === 0 ? 0 : jitter * Math.sqrt(-2 * Math.log(Math.random() || 1e-12));
    const a = 2 * Math.PI * Math.random();
    settings.drawn.push(x + r * Math.cos(a), y + r * Math.sin(a));
  }
  for (const q of active) q.dirty = true;
}
for (const p of panels) {
  p.canvas.addEventListener('pointerdown', (ev) => {
    if (settings.target !== 'drawn') return;
    pointerDown = true;
    p.canvas.setPointerCapture(ev.pointerId);
    addDrawnAt(p, ev, 3);
  });
  p.canvas.addEventListener('pointermove', (ev) => {
    if (pointerDown && settings.target === 'drawn') addDrawnAt(p, ev, 2);
  });
  const up = () => {
    if (!pointerDown) return;
    pointerDown = false;
    writeUrl();
    rebuild();
  };
  p.canvas.addEventListener('pointerup', up);
  p.canvas.addEventListener('pointercancel', up);
}

// ---------- chart ----------

function rebuildChart(): void {
  chart?.destroy();
  const series: uPlot.Series[] = [{ label: 'step' }];
  for (const p of active) {
    const name = LABELS[p.alg] ?? p.alg;
    series.push({ label: `F(µ) ╌ ${name}`, stroke: COLORS[p.id], dash: [6, 4], width: 1.5, spanGaps: true, points: { show: false } });
    series.push({ label: `MMD ─ ${name}`, stroke: COLORS[p.id], width: 2, spanGaps: true, points: { show: false } });
  }
  const el = $('chart');
  const opts: uPlot.Options = {
    width: Math.max(300, el.clientWidth - 8),
    height: 220,
    scales: { x: { time: false }, y: { distr: 3, log: 10 } },
    series,
    axes: [
      { label: 'step' },
      {
        label: 'log scale',
        size: 56,
        grid: { stroke: 'rgba(0, 0, 0, 0.07)', width: 1 },
        values: (_u, splits) => splits.map((v) => (v == null ? '' : logTick(v))),
      },
    ],
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
  };
  chart = new uPlot(opts, [[], ...series.slice(1).map(() => [])] as uPlot.AlignedData, el);
  chartDirty = true;
  renderLegend();
}

/** The chart's legend: one dashed line (energy) and one solid line (MMD) per run, with what each measures. */
function renderLegend(): void {
  const items: string[] = [];
  for (const p of active) {
    const name = LABELS[p.alg] ?? p.alg;
    const energy = p.alg === 'custom' ? 'F' : explain(p.alg, settings).triple.split(' · ')[1];
    const swatch = (dash: boolean) =>
      `<svg width="28" height="10" aria-hidden="true"><line x1="1" y1="5" x2="27" y2="5" stroke="${COLORS[p.id]}" stroke-width="2" ${dash ? 'stroke-dasharray="6 4"' : ''}/></svg>`;
    items.push(
      `<li data-series="energy-${p.id}">${swatch(true)} <b>F(µ<sub>t</sub>)</b> · ${name}: the energy ${energy} the flow descends${p.hasEnergy ? '' : ' (no value for this energy: not drawn)'}</li>`,
      `<li data-series="mmd-${p.id}">${swatch(false)} <b>MMD(µ<sub>t</sub>, π̂)</b> · ${name}: kernel distance to the target samples (not squared)</li>`,
    );
  }
  $('legend').innerHTML = `<ul>${items.join('')}</ul><p class="hint">y: log scale · x: step</p>`;
}

/** Tick label of a log axis: 1, 10, 0.1, 0.01 as such, else 1e-4 style. */
function logTick(v: number): string {
  if (v <= 0) return '';
  const e = Math.round(Math.log10(v));
  if (Math.abs(v / 10 ** e - 1) > 1e-6) return '';
  return e >= -2 && e <= 3 ? String(10 ** e >= 1 ? 10 ** e : Number((10 ** e).toFixed(-e))) : `1e${e}`;
}

function updateChart(): void {
  if (!chart) return;
  const steps = new Set<number>();
  for (const p of active) for (const r of p.history) steps.add(r.t);
  const xs = Array.from(steps).sort((a, b) => a - b);
  const index = new Map(xs.map((t, i) => [t, i]));
  const data: (number | null)[][] = [xs];
  const pos = (v: number | undefined) => (v !== undefined && v > 0 && Number.isFinite(v) ? v : null);
  for (const p of active) {
    const e: (number | null)[] = new Array(xs.length).fill(null);
    const m: (number | null)[] = new Array(xs.length).fill(null);
    for (const r of p.history) {
      const i = index.get(r.t)!;
      if (r.energy !== undefined) e[i] = pos(r.energy);
      if (r.mmd !== undefined) m[i] = pos(r.mmd);
    }
    data.push(e, m);
  }
  chart.setData(data as uPlot.AlignedData);
  chartDirty = false;
}

window.addEventListener('resize', () => {
  chart?.setSize({ width: Math.max(300, $('chart').clientWidth - 8), height: 220 });
  for (const p of active) p.dirty = true;
});

// ---------- status, fps ----------

const fmt = (v: number | undefined) => (v === undefined ? '–' : v.toExponential(3));
let fps = 0;
let frames = 0;
/** Main-thread milliseconds spent drawing particles and the chart (exponential averages). */
const cost = { draw: 0, chart: 0 };
let fpsFrames = 0;
let fpsSince = performance.now();

function latest(p: Panel): { mmd?: number; energy?: number } {
  let mmd: number | undefined;
  let energy: number | undefined;
  for (let i = p.history.length - 1; i >= 0 && (mmd === undefined || energy === undefined); i--) {
    const r = p.history[i]!;
    if (mmd === undefined && r.mmd !== undefined) mmd = r.mmd;
    if (energy === undefined && r.energy !== undefined) energy = r.energy;
  }
  return { mmd, energy };
}

function refreshStatus(): void {
  for (const p of active) {
    const t = p.snap?.t ?? 0;
    const { mmd, energy } = latest(p);
    const parts = [`<b style="color:${COLORS[p.id]}">${p.id}</b>`, `step ${t}`, `MMD ${fmt(mmd)}`];
    if (p.hasEnergy) parts.push(`F ${fmt(energy)}`);
    parts.push(p.running ? `${p.stepsPerSec.toPrecision(3)} steps/s` : 'paused');
    p.status.innerHTML = parts.join(' · ');
    p.status.dataset.step = String(t);
    p.status.dataset.mmd = mmd === undefined ? '' : String(mmd);
    p.status.dataset.energy = energy === undefined ? '' : String(energy);
    p.status.dataset.running = String(p.running);
  }
  const el = $('fps');
  el.textContent = `${fps.toFixed(0)} fps`;
  el.dataset.fps = fps.toFixed(1);
  // which backend is active, with the particles animated and the frame rate
  const be = $('backend');
  const p0 = active[0];
  if (p0) {
    const n = (p0.pending ?? p0.snap)?.n ?? 0;
    be.textContent = `kernel sums: ${p0.backend.name === 'webgpu' ? `GPU (${p0.backend.info})` : p0.backend.info} · ${n} particles · ${fps.toFixed(0)} fps`;
    be.dataset.backend = p0.backend.name;
  }
}

function frame(now: number): void {
  frames++;
  fpsFrames++;
  if (now - fpsSince >= 1000) {
    fps = (fpsFrames * 1000) / (now - fpsSince);
    fpsFrames = 0;
    fpsSince = now;
  }
  // lockstep: show new snapshots only when every live run has one (for the same step)
  const live = active.filter((p) => p.worker && !p.error);
  const release = !lockstep || live.every((p) => p.pending);
  for (const p of active) {
    if (p.pending && (release || !live.includes(p))) {
      p.snap = p.pending;
      p.pending = null;
      p.dirty = true;
      draw(p);
      send(p, { type: 'ack' });
    } else if (p.dirty) draw(p);
  }
  if (lockstep && playing && release && live.length && live.every((p) => (p.snap?.t ?? 0) >= bound)) raiseBound();
  if (chartDirty && now - lastChart > 100) {
    lastChart = now;
    const t0 = performance.now();
    updateChart();
    cost.chart = 0.9 * cost.chart + 0.1 * (performance.now() - t0);
  }
  if (now - lastStatus > 200) {
    lastStatus = now;
    refreshStatus();
  }
  requestAnimationFrame(frame);
}

// ---------- exports ----------

function download(blob: Blob, name: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

function csv(): string {
  const lines = ['run,algorithm,step,x,y,w'];
  for (const p of active) {
    const s = p.snap;
    if (!s) continue;
    for (let i = 0; i < s.n; i++) lines.push(`${p.id},${p.alg},${s.t},${s.X[i * s.d]},${s.X[i * s.d + 1]},${s.w[i]}`);
  }
  return `${lines.join('\n')}\n`;
}

function svg(): string {
  return scenesSvg(active.map(sceneOf), 560, 560);
}

$('export-csv').addEventListener('click', () => download(new Blob([csv()], { type: 'text/csv' }), 'measureflow-particles.csv'));
$('export-svg').addEventListener('click', () => download(new Blob([svg()], { type: 'image/svg+xml' }), 'measureflow.svg'));
$('export-png').addEventListener('click', () => {
  const out = document.createElement('canvas');
  const cs = active.map((p) => p.canvas);
  out.width = cs.reduce((s, c) => s + c.width, 0);
  out.height = Math.max(...cs.map((c) => c.height));
  const ctx = out.getContext('2d')!;
  let x = 0;
  for (const c of cs) {
    ctx.drawImage(c, x, 0);
    x += c.width;
  }
  out.toBlob((b) => b && download(b, 'measureflow.png'), 'image/png');
});

// ---------- test hook ----------

interface Hook {
  readonly fps: number;
  readonly frames: number;
  readonly cost: { draw: number; chart: number };
  readonly playing: boolean;
  readonly query: string;
  readonly settings: Settings;
  readonly runs: {
    id: string;
    alg: string;
    t: number;
    n: number;
    mmd?: number;
    energy?: number;
    running: boolean;
    error: string | null;
    waiting: string | null;
    history: MetricRow[];
    X: number[];
    /** Step of the snapshot on screen. */
    shown: number;
    hist: { x: number[]; y: number[] };
    backend: { name: 'cpu' | 'webgpu'; info: string };
    gpuCalls: number;
  }[];
  /** Contour segments drawn under the particles (0 for drawn targets). */
  readonly contourSegments: number;
  csv(): string;
  svg(): string;
}
const hook: Hook = {
  get fps() {
    return fps;
  },
  get frames() {
    return frames;
  },
  get cost() {
    return { ...cost };
  },
  get playing() {
    return playing;
  },
  get query() {
    return toQuery(settings);
  },
  get settings() {
    return structuredClone(settings);
  },
  get runs() {
    return active.map((p) => ({
      id: p.id,
      alg: p.alg,
      // t and n of the latest snapshot received (the one `running` comes from), drawn or not
      t: (p.pending ?? p.snap)?.t ?? 0,
      n: (p.pending ?? p.snap)?.n ?? 0,
      ...latest(p),
      running: p.running,
      error: p.error,
      waiting: p.waiting,
      history: p.history.map((r) => ({ ...r })),
      X: p.snap ? Array.from(p.snap.X) : [],
      shown: p.snap?.t ?? 0,
      hist: { x: [...p.hist.x], y: [...p.hist.y] },
      backend: { ...p.backend },
      gpuCalls: (p.pending ?? p.snap)?.gpuCalls ?? 0,
    }));
  },
  get contourSegments() {
    return (targetPicture()?.contours.length ?? 0) / 4;
  },
  csv,
  svg,
};
(window as unknown as { __measureflow: Hook }).__measureflow = hook;

// ---------- start ----------

// start playing right away when the link says so (?play=1 is not a setting: it is not kept)
const autoplay = new URLSearchParams(location.search).get('play') === '1';
if (settings.target === 'drawn' && [settings.alg, settings.alg2].some((a) => a && needsScore(a, settings)))
  message('A drawn target is only samples: the score-based algorithm chosen cannot use it (pick a named target).');
// ?gpu=1 ticks the GPU switch (not a setting either)
if (new URLSearchParams(location.search).get('gpu') === '1' && !gpuBox.disabled) gpuBox.checked = true;
syncForm();
writeUrl();
rebuild();
requestAnimationFrame(frame);
if (autoplay) setPlaying(true);
