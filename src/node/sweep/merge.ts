/**
 * `measureflow sweep merge`: turns the result files of a sweep into the report `experiment`
 * writes — through the same writer (`writeExperimentOutput`), from the same curves in the same
 * order, so curves.csv and every number of curves.json are bit-identical to a single-machine
 * `experiment` run with the same settings. For a grid, each point gets its own report in a
 * folder named after it (`sigma=2/`), and the top level a summary: `summary.csv`/`summary.json`
 * (final loss, mean ± std over runs, per point and method), one figure of the final loss against
 * each numeric swept parameter per method, and an `index.html`.
 */
import { platform, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import type { MethodCurve, RunCurve } from '../../experiments/index.js';
import { EXPERIMENT_TITLES, finalStep, lossLabel, valueAt } from '../../experiments/index.js';
import { curvesChart, type CurveSeries } from '../../plot/curves.js';
import type { ReportFigure, ReportTable } from '../../plot/report.js';
import { reportHtml } from '../../plot/report.js';
import type { VegaLiteSpec } from '../../plot/theme.js';
import { writeExperimentOutput } from '../experiment.js';
import { writeFileAtomic } from '../files.js';
import { writeFigure } from '../render.js';
import { packageVersion } from '../version.js';
import type { GridValue, SweepPlan } from './plan.js';
import { describeTask, readSweep } from './plan.js';
import { readTaskError, readTaskResult, type SweepState, sweepState, taskFiles } from './results.js';

/** Raised by merge when tasks are not done; the message says which. */
export class SweepIncompleteError extends Error {
  readonly state: SweepState;
  constructor(message: string, state: SweepState) {
    super(message);
    this.name = 'SweepIncompleteError';
    this.state = state;
  }
}

/** "3 of 48 tasks are not done — missing 2: 4 (ift, run 1, sigma=2), …; failed 1: 7 (…): message". At most `limit` tasks listed per kind. */
export function incompleteMessage(plan: SweepPlan, st: SweepState, limit = 12): string {
  const notDone = st.failed.length + st.partial.length + st.missing.length;
  const list = (xs: number[], withError: boolean) =>
    xs
      .slice(0, limit)
      .map((i) => {
        const t = plan.tasks[i]!;
        let s = `${i} (${describeTask(t)})`;
        if (withError) {
          try {
            s += `: ${readTaskError(taskFiles(plan.dir, t).error).error}`;
          } catch {
            // unreadable error file: the index is enough
          }
        }
        return s;
      })
      .join('; ') + (xs.length > limit ? `; … and ${xs.length - limit} more` : '');
  const parts: string[] = [];
  if (st.missing.length) parts.push(`missing ${st.missing.length}: ${list(st.missing, false)}`);
  if (st.failed.length) parts.push(`failed ${st.failed.length}: ${list(st.failed, true)}`);
  if (st.partial.length) parts.push(`partial (stopped by a signal) ${st.partial.length}: ${list(st.partial, false)}`);
  return `${notDone} of ${st.total} tasks are not done — ${parts.join(' | ')}`;
}

/** Options of {@link mergeSweep}. */
export interface MergeOptions {
  dir: string;
  /** Output folder (default DIR/merged). */
  out?: string;
  /** Merge the tasks that are done even if others are not (the report then has fewer runs). */
  allowMissing?: boolean;
  /** Date shown in the reports (default now). */
  date?: Date;
  onWarning?: (message: string) => void;
}

/** One grid point's merged report. */
export interface MergedPoint {
  label: string;
  params: Record<string, GridValue>;
  outDir: string;
  files: string[];
  curves: MethodCurve[];
  table: { columns: string[]; rows: string[][] };
}

/** What merge wrote. */
export interface MergeOutput {
  out: string;
  points: MergedPoint[];
  /** Files of the grid summary, relative to `out` (empty without a grid). */
  summaryFiles: string[];
  state: SweepState;
}

/** Merges a sweep's results into reports; refuses (SweepIncompleteError) if tasks are not done, unless `allowMissing`. */
export async function mergeSweep(o: MergeOptions): Promise<MergeOutput> {
  const plan = readSweep(o.dir);
  const out = resolve(o.out ?? join(plan.dir, 'merged'));
  const st = sweepState(plan);
  const notDone = st.total - st.done.length;
  if (notDone > 0 && !o.allowMissing) throw new SweepIncompleteError(`merge: ${incompleteMessage(plan, st)}; run the missing tasks (resubmit the array: done tasks are skipped) or merge with --allow-missing`, st);
  if (st.done.length === 0) throw new SweepIncompleteError(`merge: no task of ${plan.tasks.length} is done yet`, st);
  const done = new Set(st.done);
  const date = o.date ?? new Date();
  const points: MergedPoint[] = [];
  for (const p of plan.points) {
    const mine = plan.tasks.filter((t) => t.point === p.index && done.has(t.index));
    if (mine.length === 0) {
      o.onWarning?.(`grid point ${p.label}: no task done; no report`);
      continue;
    }
    const curves: RunCurve[] = [];
    const executors = new Set<string>();
    let first = Infinity;
    let last = -Infinity;
    for (const t of mine) {
      const r = readTaskResult(taskFiles(plan.dir, t).done);
      curves.push(r.curve);
      executors.add(`${r.host}:${r.pid}`);
      first = Math.min(first, r.startedAt);
      last = Math.max(last, r.finishedAt);
    }
    const tRuns = performance.now();
    const outDir = plan.grid.length > 0 ? join(out, p.label) : out;
    const res = await writeExperimentOutput({
      settings: p.settings,
      outDir,
      curves,
      workers: executors.size,
      tStart: tRuns - (last - first),
      tRuns,
      date,
      ...(o.onWarning ? { onWarning: o.onWarning } : {}),
    });
    points.push({ label: p.label, params: p.params, outDir: res.outDir, files: res.files, curves: res.curves, table: res.table });
  }
  const summaryFiles = plan.grid.length > 0 ? await writeGridSummary(plan, points, out, date, o.onWarning) : [];
  return { out, points, summaryFiles, state: st };
}

/** One row of the grid summary: a method at a grid point. */
export interface SummaryRow {
  /** The grid point's label (and folder), e.g. `sigma=2`. */
  point: string;
  params: Record<string, GridValue>;
  method: string;
  label: string;
  finalStep: number;
  mean: number | null;
  std: number | null;
  runs: number;
}

/** The final loss (mean ± std over runs at the method's final step) of every method at every merged point. */
export function summaryRows(points: readonly MergedPoint[]): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const p of points)
    for (const c of p.curves) {
      const fs = finalStep(c);
      const v = valueAt(c, fs);
      rows.push({ point: p.label, params: p.params, method: c.method, label: c.label, finalStep: fs, mean: v ? v.mean : null, std: v ? v.std : null, runs: c.runs.length });
    }
  return rows;
}

async function writeGridSummary(plan: SweepPlan, points: MergedPoint[], out: string, date: Date, onWarning?: (m: string) => void): Promise<string[]> {
  const rows = summaryRows(points);
  const params = plan.grid.map((a) => a.param);
  const files: string[] = [];
  const num = (v: number | null) => (v === null || !Number.isFinite(v) ? '' : String(v));
  const csv = [[...params, 'method', 'final_step', 'mean', 'std', 'runs'].join(',')];
  for (const r of rows) csv.push([...params.map((k) => String(r.params[k])), r.method, r.finalStep, num(r.mean), num(r.std), r.runs].join(','));
  writeFileAtomic(join(out, 'summary.csv'), `${csv.join('\n')}\n`);
  files.push('summary.csv');
  writeFileAtomic(join(out, 'summary.json'), `${JSON.stringify({ experiment: plan.experiment, loss: lossLabel(plan.points[0]!.settings), grid: plan.grid, rows }, null, 2)}\n`);
  files.push('summary.json');

  const figures: ReportFigure[] = [];
  const skipped: string[] = [];
  for (const axis of plan.grid) {
    if (axis.values.length < 2 || axis.values.some((v) => typeof v !== 'number')) {
      skipped.push(axis.param);
      continue;
    }
    const others = params.filter((k) => k !== axis.param);
    const groups = new Map<string, SummaryRow[]>();
    for (const r of rows) {
      const rest = others.map((k) => `${k}=${r.params[k]}`).join(', ');
      const key = rest ? `${r.label} (${rest})` : r.label;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key)!.push(r);
    }
    const series: CurveSeries[] = [...groups.entries()].map(([method, rs]) => {
      const sorted = rs.filter((r) => r.mean !== null).sort((a, b) => (a.params[axis.param] as number) - (b.params[axis.param] as number));
      return { method, step: sorted.map((r) => r.params[axis.param] as number), mean: sorted.map((r) => r.mean!), std: sorted.map((r) => r.std ?? 0) };
    });
    const logY = series.some((s) => Array.from(s.mean).some((m) => m > 0));
    const name = `final-vs-${axis.param}`;
    const spec = curvesChart({
        title: `${EXPERIMENT_TITLES[plan.points[0]!.settings.experiment]}: final loss against ${axis.param}`,
        subtitle: `mean ± std over runs at each method's final step`,
        xLabel: axis.param,
        yLabel: lossLabel(plan.points[0]!.settings),
        logY,
        series,
      });
    await writeFigure(out, name, withPoints(spec), { onWarning: onWarning ?? (() => {}) });
    files.push(`${name}.svg`, `${name}.png`);
    figures.push({ title: `Final loss against ${axis.param}`, svgFile: `${name}.svg`, pngFile: `${name}.png`, caption: `One line per method${others.length ? ' and value of the other swept settings' : ''}; band = mean ± std over runs.` });
  }
  const table: ReportTable = {
    title: 'Final loss per grid point and method (mean ± std over runs)',
    columns: [...params, 'method', 'final step', 'mean', 'std', 'runs', 'report'],
    rows: rows.map((r) => [...params.map((k) => String(r.params[k])), r.label, r.finalStep, r.mean, r.std, r.runs, `${r.point}/index.html`]),
    caption: 'Exact values in summary.csv; each grid point has the full experiment report in its folder.',
  };
  const total = plan.points.length;
  const html = reportHtml({
    title: `Sweep: ${EXPERIMENT_TITLES[plan.points[0]!.settings.experiment]}`,
    summary: [
      `A sweep of ${plan.experiment} over ${plan.grid.map((a) => `${a.param} ∈ {${a.values.join(', ')}}`).join(' × ')}: ${total} grid points, ${plan.tasks.length} tasks (grid point × run × method), ${points.length} points merged.`,
      `Every grid point uses the same master seed, so run r of every point starts from the same µ₀ and samples (common random numbers). Loss: ${lossLabel(plan.points[0]!.settings)}.`,
      skipped.length ? `No figure for ${skipped.join(', ')} (not numeric, or a single value).` : '',
    ]
      .filter((x) => x)
      .join('\n\n'),
    config: { experiment: plan.experiment, base: plan.base, grid: plan.grid.map((a) => ({ param: a.param, values: a.values })), points: plan.points.map((p) => p.label), created: plan.created },
    figures,
    tables: [table],
    meta: {
      version: packageVersion(),
      seeds: `master seed ${plan.points[0]!.settings.seed} at every grid point`,
      timings: {},
      date: date.toISOString(),
      extra: { node: process.version, platform: platform(), cpus: cpus().length, planned: plan.created, planVersion: plan.version },
    },
  });
  writeFileAtomic(join(out, 'index.html'), html);
  files.push('index.html');
  return files;
}

/** The chart with a dot at every grid value on each line (a grid has few x values). */
function withPoints(spec: VegaLiteSpec): VegaLiteSpec {
  const layers = (spec as unknown as { layer: { name?: string; mark: Record<string, unknown> }[] }).layer;
  for (const l of layers) if (l.name === 'curve') l.mark = { ...l.mark, point: { filled: true, size: 50 } };
  return spec;
}
