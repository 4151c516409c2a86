/**
 * Aggregation of the per-run loss curves into mean ± std per method and step, the CSV/JSON
 * tables written by the experiment command, and the loss-at-step table of the report. Pure.
 */
import type { MethodId, RunCurve } from './types.js';

/** A method as shown in tables and figures. */
export interface MethodInfo {
  id: MethodId;
  label: string;
}

/** Mean ± std over runs of one method's loss, on the union of the runs' recorded steps. */
export interface MethodCurve {
  method: MethodId;
  label: string;
  /** Steps (paper counting), increasing. */
  step: number[];
  /** Mean over the runs that have a value at the step. */
  mean: number[];
  /** Population standard deviation (ddof = 0, as numpy's default) over the same runs. */
  std: number[];
  /** Number of runs with a value at the step (fewer than `runs` only after a divergence). */
  count: number[];
  /** perRun[r][k]: run r's loss at step[k], null where the run has none. Runs in index order. */
  perRun: (number | null)[][];
  /** Run indices, in the order of perRun. */
  runs: number[];
  /** Runs that diverged (index and message). */
  diverged: { run: number; message: string }[];
}

/** Groups the run curves by method (in the order of `methods`) and computes mean ± std at every recorded step. */
export function aggregateCurves(methods: readonly MethodInfo[], curves: readonly RunCurve[]): MethodCurve[] {
  return methods.map((m) => {
    const mine = curves.filter((c) => c.method === m.id).sort((a, b) => a.run - b.run);
    const steps = [...new Set(mine.flatMap((c) => c.x))].sort((a, b) => a - b);
    const index = new Map(steps.map((s, k) => [s, k]));
    const perRun = mine.map((c) => {
      const row: (number | null)[] = new Array(steps.length).fill(null);
      c.x.forEach((s, j) => {
        row[index.get(s)!] = c.loss[j]!;
      });
      return row;
    });
    const mean: number[] = [];
    const std: number[] = [];
    const count: number[] = [];
    for (let k = 0; k < steps.length; k++) {
      const vals = perRun.map((r) => r[k]).filter((v): v is number => v !== null && Number.isFinite(v));
      const c = vals.length;
      const mu = c > 0 ? vals.reduce((a, b) => a + b, 0) / c : Number.NaN;
      const v = c > 0 ? vals.reduce((a, b) => a + (b - mu) ** 2, 0) / c : Number.NaN;
      mean.push(mu);
      std.push(Math.sqrt(v));
      count.push(c);
    }
    return {
      method: m.id,
      label: m.label,
      step: steps,
      mean,
      std,
      count,
      perRun,
      runs: mine.map((c) => c.run),
      diverged: mine.filter((c) => c.diverged).map((c) => ({ run: c.run, message: c.diverged! })),
    };
  });
}

/** Columns of curves.csv, in order. */
export const CURVES_CSV_COLUMNS = ['step', 'method', 'mean', 'std', 'runs'] as const;

/** curves.csv: one row per (method, step): `step,method,mean,std,runs` (shortest round-trip numbers). */
export function curvesCsv(curves: readonly MethodCurve[]): string {
  const lines: string[] = [CURVES_CSV_COLUMNS.join(',')];
  for (const c of curves)
    for (let k = 0; k < c.step.length; k++) lines.push(`${c.step[k]},${c.method},${num(c.mean[k]!)},${num(c.std[k]!)},${c.count[k]}`);
  return `${lines.join('\n')}\n`;
}

function num(v: number): string {
  return Number.isFinite(v) ? String(v) : '';
}

/** Mean ± std of a method at a step, or null if not recorded. */
export function valueAt(c: MethodCurve, step: number): { mean: number; std: number; count: number } | null {
  const k = c.step.indexOf(step);
  if (k < 0 || c.count[k] === 0) return null;
  return { mean: c.mean[k]!, std: c.std[k]!, count: c.count[k]! };
}

/** The last step recorded by every non-diverged run of the method (the final step). */
export function finalStep(c: MethodCurve): number {
  return c.step[c.step.length - 1] ?? 0;
}

/** "1.234e-5 ± 2.1e-6" (4 / 2 significant digits). */
export function formatMeanStd(v: { mean: number; std: number } | null): string {
  if (!v) return '—';
  return `${fmt(v.mean, 4)} ± ${fmt(v.std, 2)}`;
}

function fmt(v: number, digits: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e5) return v.toExponential(digits - 1);
  return String(Number(v.toPrecision(digits)));
}

/** Steps of the report's loss table: 1000, 3000 (when within the run) and the final step. */
export function tableSteps(steps: number): number[] {
  return [1000, 3000].filter((s) => s < steps);
}
