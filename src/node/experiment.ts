/**
 * `measureflow experiment NAME` (Node): runs every (method, run) of an experiment in a piscina
 * worker-thread pool, shows progress on a TTY, aggregates mean ± std, and writes the output
 * folder — config.json, curves.csv, curves.json, figures (SVG + PNG) and index.html — each file
 * atomically. Results do not depend on the number of workers or the scheduling: a task is a
 * pure function of (settings, method, run).
 */
import { setMaxListeners } from 'node:events';
import { availableParallelism, cpus, platform } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import cliProgress from 'cli-progress';
import { Piscina } from 'piscina';
import type { MethodCurve } from '../experiments/index.js';
import {
  aggregateCurves,
  curvesCsv,
  EXPERIMENT_TITLES,
  experimentMethods,
  gibbsDensity,
  lossLabel,
  lossTable,
  meanFinals,
  reportSummary,
  resolvedConfig,
  runSeeds,
  stepsPerIteration,
} from '../experiments/index.js';
import type { ExperimentSettings, ExperimentTask, MethodId, RunCurve } from '../experiments/types.js';
import { curvesChart } from '../plot/curves.js';
import { histogramsChart } from '../plot/histogram.js';
import { particlesChart } from '../plot/particles.js';
import type { ReportFigure, ReportTable } from '../plot/report.js';
import { reportHtml } from '../plot/report.js';
import type { VegaLiteSpec } from '../plot/theme.js';
import { writeFileAtomic } from './files.js';
import { writeFigure } from './render.js';
import { packageVersion } from './version.js';
import type { WorkerTask } from './experimentWorker.js';
import { resolveThreads } from './threads.js';

export interface ExperimentRunOptions {
  settings: ExperimentSettings;
  /** Output folder (created). */
  outDir: string;
  /** Worker threads (default: available parallelism, at most the number of tasks). */
  workers?: number;
  /**
   * Total threads ('auto': all cores). Each run's kernel sums get max(1, ⌊threads / workers⌋)
   * threads (src/node/threads.ts); default 1. Results do not depend on it.
   */
  threads?: 'auto' | number;
  /** Progress bars on stderr (only on a TTY and outside CI). Default true. */
  progress?: boolean;
  /** Aborts pending and running tasks (Ctrl-C); the promise then rejects and nothing is written. */
  signal?: AbortSignal;
  /** Date shown in the report (default: now). */
  date?: Date;
  /** Receives renderer warnings (default: ignored). */
  onWarning?: (message: string) => void;
}

export interface ExperimentOutput {
  outDir: string;
  /** Files written, relative to outDir. */
  files: string[];
  curves: MethodCurve[];
  table: { columns: string[]; rows: string[][] };
  timings: Record<string, number>;
  config: Record<string, unknown>;
  workers: number;
}

/**
 * The worker module and the Node flags it needs: `experimentWorker.ts` under tsx
 * (`--import tsx`) when this module itself is TypeScript (tsx, vitest), `experimentWorker.js`
 * next to it otherwise (dist/).
 */
export function workerEntry(): { filename: string; execArgv: string[] } {
  const here = import.meta.url;
  const isTs = /\.m?ts$/.test(new URL(here).pathname);
  const filename = new URL(isTs ? './experimentWorker.ts' : './experimentWorker.js', here).href;
  if (!isTs) return { filename, execArgv: [] };
  let tsx = 'tsx';
  try {
    tsx = pathToFileURL(createRequire(here).resolve('tsx')).href;
  } catch {
    // fall back to resolving 'tsx' from the working directory
  }
  return { filename, execArgv: ['--import', tsx] };
}

/** Runs an experiment end to end and writes its output folder. */
export async function runExperiment(o: ExperimentRunOptions): Promise<ExperimentOutput> {
  const s = o.settings;
  const outDir = resolve(o.outDir);
  const methods = experimentMethods(s);
  const tasks: ExperimentTask[] = [];
  for (let run = 0; run < s.runs; run++) for (const m of methods) tasks.push({ settings: s, method: m.id, run });
  const workers = Math.max(1, Math.min(o.workers ?? availableParallelism(), tasks.length));
  const sumThreads = o.threads === undefined ? 1 : Math.max(1, Math.floor(resolveThreads(o.threads, '--threads') / workers));
  const tStart = performance.now();

  // Progress: one bar per method, in steps (paper counting) summed over runs.
  const showBars = (o.progress ?? true) && process.stderr.isTTY && !process.env.CI;
  const multi = showBars
    ? new cliProgress.MultiBar(
        { format: '{method} [{bar}] {percentage}% | {runsDone}/{runs} runs | eta {eta_formatted}', hideCursor: true, stream: process.stderr, clearOnComplete: false },
        cliProgress.Presets.shades_classic,
      )
    : null;
  const width = Math.max(...methods.map((m) => m.label.length));
  const totalOf = (id: MethodId) => {
    const k = id === 'langevin' ? 1 : stepsPerIteration(id);
    return s.runs * k * Math.floor(s.steps / k);
  };
  const bars = new Map(
    methods.map((m) => [m.id, { bar: multi?.create(totalOf(m.id), 0, { method: m.label.padEnd(width), runsDone: 0, runs: s.runs }), done: 0, runsDone: 0, perTask: new Map<number, number>() }]),
  );

  // Every pending task listens to the abort signal.
  if (o.signal) setMaxListeners(tasks.length + 16, o.signal);
  const entry = workerEntry();
  const pool = new Piscina({ filename: entry.filename, execArgv: entry.execArgv, maxThreads: workers, minThreads: workers, idleTimeout: 1000 });
  let curves: RunCurve[];
  try {
    curves = await Promise.all(
      tasks.map(async (t) => {
        const b = bars.get(t.method)!;
        let port: MessageChannel | null = null;
        if (b.bar) {
          port = new MessageChannel();
          port.port1.on('message', (steps: number) => {
            const prev = b.perTask.get(t.run) ?? 0;
            b.perTask.set(t.run, steps);
            b.done += steps - prev;
            b.bar!.update(b.done, { runsDone: b.runsDone });
          });
        }
        const wt: WorkerTask = { ...t, ...(port ? { port: port.port2 } : {}), ...(sumThreads > 1 ? { sumThreads } : {}) };
        try {
          const res = (await pool.run(wt, { ...(port ? { transferList: [port.port2] } : {}), ...(o.signal ? { signal: o.signal } : {}) })) as RunCurve;
          b.runsDone++;
          b.bar?.update(b.done, { runsDone: b.runsDone });
          return res;
        } finally {
          port?.port1.close();
        }
      }),
    );
  } finally {
    multi?.stop();
    await pool.destroy();
  }
  const tRuns = performance.now();

  // Aggregate and write.
  const agg = aggregateCurves(methods, curves);
  const config = resolvedConfig(s);
  const finals = meanFinals(curves);
  const table = lossTable(s, agg);
  const files: string[] = [];
  const write = (name: string, data: string) => {
    writeFileAtomic(join(outDir, name), data);
    files.push(name);
  };
  write('config.json', `${JSON.stringify({ ...config, workers, version: packageVersion(), node: process.version }, null, 2)}\n`);
  write('curves.csv', curvesCsv(agg));
  write('curves.json', `${JSON.stringify(curvesJson(s, agg, curves))}\n`);

  const figures: ReportFigure[] = [];
  const fig = async (name: string, title: string, spec: VegaLiteSpec, caption?: string) => {
    await writeFigure(outDir, name, spec, { onWarning: o.onWarning ?? (() => {}) });
    files.push(`${name}.svg`, `${name}.png`);
    figures.push({ title, svgFile: `${name}.svg`, pngFile: `${name}.png`, ...(caption ? { caption } : {}) });
  };
  await fig('loss', 'Loss against steps', lossChart(s, agg), lossCaption(s));
  if (s.experiment === 'double-well-langevin') {
    const run0 = curves.find((c) => c.run === 0 && c.snapshots);
    if (run0?.snapshots) await fig('histograms', 'Particle histograms against the Gibbs density', histogramFigure(s, run0.snapshots.snapshots));
  } else {
    const run0 = curves.filter((c) => c.run === 0 && c.trajectory);
    const dom = sharedDomain(run0);
    for (const c of run0) {
      const label = methods.find((m) => m.id === c.method)!.label;
      await fig(`trajectories-${c.method}`, `Trajectories: ${label}`, trajectoryChart(s, c, label, dom), trajectoryCaption(s));
    }
  }
  const tFig = performance.now();

  const timings: Record<string, number> = {
    'total wall clock': (tFig - tStart) / 1000,
    'runs (wall clock, all workers)': (tRuns - tStart) / 1000,
    'figures and files': (tFig - tRuns) / 1000,
  };
  for (const m of methods) {
    const mine = curves.filter((c) => c.method === m.id);
    timings[`${m.label}: mean time per run`] = mine.reduce((a, c) => a + c.elapsedMs, 0) / mine.length / 1000;
  }
  const tables: ReportTable[] = [
    {
      title: `${lossLabel(s)} — mean ± std over runs`,
      columns: table.columns,
      rows: table.rows,
      caption: s.experiment === 'double-well-langevin' ? undefined : 'Steps in the paper counting (one IFT/WFR iteration = 2 steps).',
    },
    finalsTable(s, finals, methods),
  ];
  const html = reportHtml({
    title: EXPERIMENT_TITLES[s.experiment],
    summary: reportSummary(s, agg, finals),
    config,
    figures,
    tables,
    meta: {
      version: packageVersion(),
      seeds: `master seed ${s.seed}; per-run seeds ${runSeeds(s).join(', ')}`,
      timings,
      date: (o.date ?? new Date()).toISOString(),
      extra: { node: process.version, platform: platform(), cpus: cpus().length, workers },
    },
  });
  write('index.html', html);
  return { outDir, files, curves: agg, table, timings, config, workers };
}

function curvesJson(s: ExperimentSettings, agg: MethodCurve[], runs: RunCurve[]): unknown {
  return {
    experiment: s.experiment,
    loss: lossLabel(s),
    x: 'step (paper counting: one IFT/WFR iteration = 2 steps)',
    std: 'population standard deviation over runs (ddof = 0)',
    methods: agg.map((c) => ({
      method: c.method,
      label: c.label,
      step: c.step,
      mean: c.mean.map(nullIfNaN),
      std: c.std.map(nullIfNaN),
      count: c.count,
      runs: c.runs.map((r, i) => {
        const rc = runs.find((x) => x.method === c.method && x.run === r)!;
        return { run: r, seed: rc.runSeed, elapsedMs: rc.elapsedMs, finals: rc.finals, ...(rc.diverged ? { diverged: rc.diverged } : {}), values: c.perRun[i] };
      }),
    })),
  };
}

function nullIfNaN(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function lossChart(s: ExperimentSettings, agg: MethodCurve[]): VegaLiteSpec {
  const series = agg
    .filter((c) => c.step.length > 0)
    .map((c) => {
      const keep = c.step.map((_, k) => k).filter((k) => c.count[k]! > 0);
      return { method: c.label, step: keep.map((k) => c.step[k]!), mean: keep.map((k) => c.mean[k]!), std: keep.map((k) => c.std[k]!) };
    });
  const markers =
    s.experiment !== 'double-well-langevin' && s.methods.includes('mmd-flow-noise') && s.noiseLevel > 0 && s.noiseUntil > 0 && s.noiseUntil < s.steps
      ? [{ step: s.noiseUntil, label: 'noise off' }]
      : [];
  return curvesChart({
    title: EXPERIMENT_TITLES[s.experiment],
    subtitle:
      s.experiment === 'double-well-langevin'
        ? `mean ± std over ${s.runs} runs, ${s.n} particles, dt = ${s.tau}`
        : `mean ± std over ${s.runs} runs · n = ${s.n} · ${s.convention} convention · ${s.targetSamples} target samples · IFT/WFR: 1 iteration = 2 steps`,
    xLabel: s.experiment === 'double-well-langevin' ? 'step' : 'step (IFT/WFR: 2 steps per iteration)',
    yLabel: lossLabel(s),
    series,
    markers,
  });
}

function lossCaption(s: ExperimentSettings): string {
  if (s.experiment === 'double-well-langevin') return 'Log scale; band = mean ± std over runs (lower edge clipped at a positive floor on the log axis).';
  return 'Log scale; band = mean ± std over runs (lower edge clipped at a positive floor on the log axis). IFT and WFR iterations count as two steps (paper §4).';
}

type Domain = { x: [number, number]; y: [number, number] };

/** One plotting window for all trajectory panels: the union of everything drawn, padded by 5 %, equal aspect. */
function sharedDomain(run0: RunCurve[]): Domain | undefined {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  const grow = (P: Float64Array) => {
    for (let i = 0; i + 1 < P.length; i += 2) {
      x0 = Math.min(x0, P[i]!);
      x1 = Math.max(x1, P[i]!);
      y0 = Math.min(y0, P[i + 1]!);
      y1 = Math.max(y1, P[i + 1]!);
    }
  };
  for (const c of run0) {
    const t = c.trajectory!;
    grow(t.target);
    grow(t.initial);
    grow(t.final);
    for (const p of t.paths) grow(p);
  }
  if (!Number.isFinite(x0) || !Number.isFinite(y0)) return undefined;
  const span = Math.max(x1 - x0, y1 - y0, 1e-9) * 1.1;
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  return { x: [cx - span / 2, cx + span / 2], y: [cy - span / 2, cy + span / 2] };
}

function trajectoryChart(s: ExperimentSettings, c: RunCurve, label: string, dom: Domain | undefined): VegaLiteSpec {
  const t = c.trajectory!;
  const final = c.x[c.x.length - 1] ?? 0;
  const ift = s.experiment !== 'double-well-langevin';
  const m = ift ? s.m : 0;
  return particlesChart({
    title: `${label} — run 0, step ${final}`,
    target: { X: t.target, d: 2 },
    initial: { X: t.initial, d: 2 },
    final: { X: t.final, d: 2, w: t.finalW },
    ...(t.paths.length > 0 && t.paths[0]!.length > 0 ? { paths: t.paths, pathD: 2 } : {}),
    ...(dom ? { xDomain: dom.x, yDomain: dom.y } : {}),
    xLabel: t.xLabel,
    yLabel: t.yLabel,
    labels: {
      target: `target samples (${Math.min(m, t.target.length / 2)} of Y)`,
      initial: 'particles at step 0',
      final: `particles at step ${final}`,
      path: `paths of ${t.paths.length} particles`,
    },
    width: 520,
    height: 520,
  });
}

function trajectoryCaption(s: ExperimentSettings): string {
  const proj = s.experiment === 'ift-mixture-100d' ? ' Coordinates: projection of ℝ¹⁰⁰ onto the plane spanned by the first two component means.' : '';
  return `Run 0 (as the paper's Figs 4–5): target samples grey, initial particles orange, final particles blue with opacity ∝ weight, hollow circles for vanished weights (w < 10⁻³/n), paths of a few particles.${proj}`;
}

function histogramFigure(s: ExperimentSettings, snaps: { step: number; t: number; X: Float64Array }[]): VegaLiteSpec {
  const bins = s.experiment === 'double-well-langevin' ? s.bins : 60;
  const grid = Array.from({ length: 301 }, (_, i) => -2.5 + (5 * i) / 300);
  const dens = gibbsDensity(grid);
  return histogramsChart({
    title: 'Double well V(x) = (x² − 1)²: Langevin particles vs the Gibbs density',
    subtitle: `run 0, ${snaps[0]?.X.length ?? 0} particles from N(0, 0.05²), dt = ${s.experiment === 'double-well-langevin' ? s.tau : ''}`,
    panels: snaps.map((sn) => ({
      title: `t = ${Number(sn.t.toPrecision(4))} (step ${sn.step})`,
      samples: sn.X,
      bins,
      domain: [-2.5, 2.5] as [number, number],
      density: { x: grid, y: dens },
      label: 'particles',
      densityLabel: 'exp(−V)/Z',
    })),
    columns: 3,
    xLabel: 'x',
    yLabel: 'density',
  });
}

function finalsTable(s: ExperimentSettings, finals: Record<string, Record<string, number>>, methods: { id: MethodId; label: string }[]): ReportTable {
  if (s.experiment === 'double-well-langevin') {
    const f = finals.langevin ?? {};
    return {
      title: 'Final state (mean over runs)',
      columns: ['method', 'E[x²]', 'exact E[x²]', 'fraction x > 0'],
      rows: [['Langevin (ULA)', f.secondMoment ?? null, f.secondMomentExact ?? null, f.fractionRightWell ?? null]],
    };
  }
  return {
    title: 'Final weights (mean over runs)',
    columns: ['method', 'vanished (w < 10⁻³/n)', 'effective sample size / n'],
    rows: methods.map((m) => [m.label, finals[m.id]?.vanishedFraction ?? null, finals[m.id]?.essFraction ?? null]),
    caption: 'MMD flow keeps uniform weights; IFT and WFR move mass between particles.',
  };
}
