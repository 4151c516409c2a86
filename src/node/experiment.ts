/**
 * `measureflow experiment NAME` (Node): runs every (method, run) of an experiment in a piscina
 * worker-thread pool, shows progress on a TTY, aggregates mean ± std, and writes the output
 * folder — config.json, curves.csv, curves.json, figures (SVG + PNG) and index.html — each file
 * atomically. Results do not depend on the number of workers or the scheduling: a task is a
 * pure function of (settings, method, run).
 */
import { setMaxListeners } from 'node:events';
import { availableParallelism, cpus, platform } from 'node:os';
import { resolve } from 'node:path';
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
  paperClaimNotice,
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
import { PLOTTING_HINT, PlottingUnavailableError } from './plotDeps.js';
import { finalPathOf, type OutputFolder, OutputWriteError, openOutputFolder } from './outputFolder.js';
import { writeFigure } from './render.js';
import { packageVersion } from './version.js';
import type { WorkerTask } from './experimentWorker.js';
import type { Backend } from './webgpu.js';
import { probeBackend } from './webgpu.js';
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
  /**
   * Aborts pending and running tasks (Ctrl-C, SIGTERM): the (method, run) pairs that finished are
   * written (status "interrupted" in config.json and the report); if none had, the promise rejects
   * with an `InterruptedError` and nothing is written.
   */
  signal?: AbortSignal;
  /** Called each time a (method, run) pair finishes (diverged or failed ones included). */
  onTaskDone?: (done: number, total: number) => void;
  /** Called when the runs are over and the files are being written. */
  onPhase?: (phase: 'writing') => void;
  /** Date shown in the report (default: now). */
  date?: Date;
  /** Receives renderer warnings (default: ignored). */
  onWarning?: (message: string) => void;
  /** Receives the backend's one-line messages (default: ignored). */
  log?: (line: string) => void;
  /** Where the kernel sums run (default cpu); 'webgpu'/'auto' start a GPU engine in every worker. */
  backend?: Backend;
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
  status: 'completed' | 'interrupted';
  /** (method, run) pairs finished (diverged and failed ones included) and planned. */
  tasksDone: number;
  tasksTotal: number;
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
  // kernel-sum threads per run: what is left of --threads after the runs took one core each
  const sumThreads = o.threads === undefined ? 1 : Math.max(1, Math.floor(resolveThreads(o.threads, '--threads') / workers));
  const tStart = performance.now();
  // The output folder is checked and locked before any computing.
  const folder = openOutputFolder(outDir, { field: '--out', command: `measureflow experiment ${s.experiment}` });
  const gpu = await probeBackend(o.backend ?? 'cpu', (l) => o.log?.(l));
  if (gpu.backend === 'webgpu') o.log?.(`measureflow: kernel sums on WebGPU (${gpu.info}), one GPU thread per worker\n`);

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
  try {
    return await runAndWrite(o, s, outDir, methods, tasks, workers, tStart, multi, bars, folder, { ...gpu, sumThreads });
  } catch (e) {
    folder.abort();
    throw e;
  }
}

type Bars = Map<MethodId, { bar: cliProgress.SingleBar | undefined; done: number; runsDone: number; perTask: Map<number, number> }>;

async function runAndWrite(
  o: ExperimentRunOptions,
  s: ExperimentSettings,
  outDir: string,
  _methods: ReturnType<typeof experimentMethods>,
  tasks: ExperimentTask[],
  workers: number,
  tStart: number,
  multi: cliProgress.MultiBar | null,
  bars: Bars,
  folder: OutputFolder,
  gpu: { backend: string; info?: string; sumThreads: number },
): Promise<ExperimentOutput> {
  const entry = workerEntry();
  const pool = new Piscina({ filename: entry.filename, execArgv: entry.execArgv, maxThreads: workers, minThreads: workers, idleTimeout: 1000 });
  // A (method, run) that throws is reported as failed (the others still land); an aborted one is dropped.
  const settled: (RunCurve | null)[] = [];
  const errors: unknown[] = [];
  let tasksDone = 0;
  try {
    await Promise.all(
      tasks.map(async (t, idx) => {
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
        const wt: WorkerTask = { ...t, ...(port ? { port: port.port2 } : {}), ...(gpu.backend === 'webgpu' ? { backend: 'webgpu' as const } : {}), ...(gpu.backend !== 'webgpu' && gpu.sumThreads > 1 ? { sumThreads: gpu.sumThreads } : {}) };
        try {
          const res = (await pool.run(wt, { ...(port ? { transferList: [port.port2] } : {}), ...(o.signal ? { signal: o.signal } : {}) })) as RunCurve;
          b.runsDone++;
          b.bar?.update(b.done, { runsDone: b.runsDone });
          settled[idx] = res;
          o.onTaskDone?.(++tasksDone, tasks.length);
        } catch (e) {
          settled[idx] = null;
          if (o.signal?.aborted) return;
          errors.push(e);
          settled[idx] = {
            method: t.method,
            run: t.run,
            runSeed: runSeeds(s)[t.run] ?? 0,
            x: [],
            loss: [],
            iterations: 0,
            elapsedMs: 0,
            diverged: `the run failed: ${e instanceof Error ? e.message : String(e)}`,
            finals: {},
          };
          o.onTaskDone?.(++tasksDone, tasks.length);
        } finally {
          port?.port1.close();
        }
      }),
    );
  } finally {
    multi?.stop();
    await pool.destroy();
  }
  const interrupted = o.signal?.aborted ?? false;
  const curves = settled.filter((c): c is RunCurve => c !== null && c !== undefined);
  const finished = curves.filter((c) => c.x.length > 0);
  if (finished.length === 0) {
    if (interrupted) throw new InterruptedError('interrupted before any (method, run) finished: nothing was written, the output folder keeps its previous contents');
    throw errors[0] ?? new Error('no (method, run) produced a result');
  }
  const tRuns = performance.now();
  return writeExperimentOutput({ settings: s, outDir, curves, workers, tStart, tRuns, date: o.date, onWarning: o.onWarning, onPhase: o.onPhase, folder, tasksTotal: tasks.length, interrupted, ...(gpu.backend === 'webgpu' ? { backendInfo: `webgpu (${gpu.info})` } : {}) });
}

/** Inputs of {@link writeExperimentOutput}: the finished runs and what the report says about how they ran. */
export interface ExperimentWriteOptions {
  settings: ExperimentSettings;
  /** Output folder (created). */
  outDir: string;
  /** Every (method, run) of the experiment, in task order: run-major, methods in plotting order. */
  curves: RunCurve[];
  /** Workers (or machines) that ran them, shown in config.json and the report. */
  workers: number;
  /** `performance.now()` when the runs started and when they ended (timings of the report). */
  tStart: number;
  tRuns: number;
  date?: Date;
  onWarning?: (message: string) => void;
  onPhase?: (phase: 'writing') => void;
  /** The output folder, already opened and locked (default: opened here, committed or aborted here). */
  folder?: OutputFolder;
  /** (method, run) pairs planned (default: the number of curves). */
  tasksTotal?: number;
  /** The runs were interrupted (the report says so). */
  interrupted?: boolean;
  /** Where the kernel sums ran (shown in the report; default 'cpu'). */
  backendInfo?: string;
}

/**
 * Aggregates the run curves (mean ± std per method and step) and writes the experiment's
 * output folder: config.json, curves.csv, curves.json, figures and index.html, each atomically.
 * The numbers depend only on the curves and their order, so any executor that produces the
 * same curves (worker pool, cluster array) writes the same files.
 */
export async function writeExperimentOutput(o: ExperimentWriteOptions): Promise<ExperimentOutput> {
  const s = o.settings;
  const outDir = resolve(o.outDir);
  const methods = experimentMethods(s);
  const { curves, workers, tStart, tRuns } = o;
  const folder = o.folder ?? openOutputFolder(outDir, { field: '--out', command: `measureflow sweep merge (${s.experiment})` });
  try {
    return await writeOutput(o, s, outDir, methods, curves, workers, tStart, tRuns, folder);
  } catch (e) {
    if (!o.folder) folder.abort();
    throw e;
  }
}

async function writeOutput(
  o: ExperimentWriteOptions,
  s: ExperimentSettings,
  outDir: string,
  methods: ReturnType<typeof experimentMethods>,
  curves: RunCurve[],
  workers: number,
  tStart: number,
  tRuns: number,
  folder: OutputFolder,
): Promise<ExperimentOutput> {
  const tasks = { length: o.tasksTotal ?? curves.length };
  const interrupted = o.interrupted ?? false;
  const finished = curves.filter((c) => c.x.length > 0);
  o.onPhase?.('writing');

  // Aggregate and write.
  const agg = aggregateCurves(methods, curves);
  const config = resolvedConfig(s);
  const finals = meanFinals(finished);
  const table = lossTable(s, agg);
  const files: string[] = [];
  const write = (name: string, data: string) => {
    folder.write(name, data);
    files.push(name);
  };
  const status = interrupted ? 'interrupted' : 'completed';
  const progress = { status, tasksDone: curves.length, tasksTotal: tasks.length, ...(curves.some((c) => c.diverged) ? { diverged: curves.filter((c) => c.diverged).map((c) => ({ method: c.method, run: c.run, message: c.diverged })) } : {}) };
  write('curves.csv', curvesCsv(agg));
  write('curves.json', `${JSON.stringify(curvesJson(s, agg, curves), finiteOrNull)}\n`);
  const outStaging = folder.staging;

  const figures: ReportFigure[] = [];
  // A figure that cannot be drawn is left out (with a warning), never the reason the results are lost.
  // vega, vega-lite and @resvg/resvg-js are optional peer dependencies: without them, one hint line.
  const figureProblems: string[] = [];
  let plotting = true;
  const fig = async (name: string, title: string, spec: () => VegaLiteSpec, caption?: string) => {
    if (!plotting) return;
    try {
      await writeFigure(outStaging, name, spec(), { onWarning: o.onWarning ?? (() => {}) });
    } catch (e) {
      if (e instanceof PlottingUnavailableError) {
        plotting = false;
        process.stderr.write(`measureflow: ${PLOTTING_HINT}\n`);
        return;
      }
      if ((e as NodeJS.ErrnoException).code) throw new OutputWriteError(finalPathOf(folder, e, `${name}.svg`), e);
      const msg = `${name}.svg could not be drawn (${e instanceof Error ? e.message : String(e)})`;
      figureProblems.push(msg);
      o.onWarning?.(msg);
      return;
    }
    files.push(`${name}.svg`, `${name}.png`);
    figures.push({ title, svgFile: `${name}.svg`, pngFile: `${name}.png`, ...(caption ? { caption } : {}) });
  };
  await fig('loss', 'Loss against steps', () => lossChart(s, agg), lossCaption(s));
  if (s.experiment === 'double-well-langevin') {
    const run0 = curves.find((c) => c.run === 0 && c.snapshots);
    if (run0?.snapshots) await fig('histograms', 'Particle histograms against the Gibbs density', () => histogramFigure(s, run0.snapshots!.snapshots));
  } else {
    const run0 = curves.filter((c) => c.run === 0 && c.trajectory);
    // each panel on its own range (the extent of its own cloud): a shared range would be
    // set by the method whose particles strand farthest away
    for (const c of run0) {
      const label = methods.find((m) => m.id === c.method)!.label;
      await fig(`trajectories-${c.method}`, `Trajectories: ${label}`, () => trajectoryChart(s, c, label), trajectoryCaption(s));
    }
  }
  const tFig = performance.now();

  const timings: Record<string, number> = {
    'total wall clock': (tFig - tStart) / 1000,
    'runs (wall clock, all workers)': (tRuns - tStart) / 1000,
    'figures and files': (tFig - tRuns) / 1000,
  };
  for (const m of methods) {
    const mine = finished.filter((c) => c.method === m.id);
    if (mine.length > 0) {
      timings[`${m.label}: mean time per run`] = mine.reduce((a, c) => a + c.elapsedMs, 0) / mine.length / 1000;
      timings[`${m.label}: mean time per iteration (ms)`] = mine.reduce((a, c) => a + c.elapsedMs / Math.max(1, c.iterations), 0) / mine.length;
    }
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
  const claim = paperClaimNotice(s);
  const html = reportHtml({
    title: EXPERIMENT_TITLES[s.experiment],
    ...(claim ? { notice: { title: claim.title, text: claim.text, tone: claim.verdict === 'reproduces' ? 'ok' : claim.verdict === 'not checked' ? 'info' : 'warn' } } : {}),
    summary: [
      ...figureProblems.map((m) => `Figure left out: ${m}.`),
      ...(interrupted
        ? [`Interrupted: ${curves.length} of ${tasks.length} (method, run) pairs had finished and are shown; the others were stopped and are not part of any number here.`]
        : []),
      reportSummary(s, agg, finals),
    ].join('\n\n'),
    config,
    figures,
    tables,
    meta: {
      version: packageVersion(),
      seeds: `master seed ${s.seed}; per-run seeds ${runSeeds(s).join(', ')}`,
      timings,
      date: (o.date ?? new Date()).toISOString(),
      extra: { node: process.version, platform: platform(), cpus: cpus().length, workers, backend: o.backendInfo ?? 'cpu' },
    },
  });
  write('index.html', html);
  // config.json last: it is the manifest (run id, SHA-256 of every other file)
  write(
    'config.json',
    `${JSON.stringify({ ...config, ...progress, workers, version: packageVersion(), node: process.version, runId: folder.runId, files: folder.checksums() }, finiteOrNull, 2)}\n`,
  );
  folder.commit();
  return { outDir, files, curves: agg, table, timings, config, workers, status, tasksDone: curves.length, tasksTotal: tasks.length };
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

/** JSON replacer: non-finite numbers become null (JSON has no NaN/Infinity; never write "NaN"). */
function finiteOrNull(_k: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? null : v;
}

/** Raised when an experiment is interrupted before any (method, run) finished (nothing is written). */
export class InterruptedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InterruptedError';
  }
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

function trajectoryChart(s: ExperimentSettings, c: RunCurve, label: string): VegaLiteSpec {
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
