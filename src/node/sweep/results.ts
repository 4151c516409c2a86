/**
 * Result files of a sweep, under `DIR/results/`, one per task and named by the task's index and
 * content hash (so the results of a different plan never count):
 *
 * - `000012.<hash>.json`: done — the task's curve and where and when it ran;
 * - `000012.<hash>.partial.json`: stopped early by a signal (SIGTERM at a time limit): the curve
 *   up to the last step done, marked `"status": "partial"`; the task still counts as to do;
 * - `000012.<hash>.error.json`: the task threw; the error message for `merge` and `status`.
 *
 * Every file is written atomically (temporary file + rename), so a task killed at any moment
 * leaves either no file or a whole one; leftover temporary files (dot-files) are ignored.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RunCurve } from '../../experiments/index.js';
import { writeFileAtomic } from '../files.js';
import { decodeExact, encodeExact } from './codec.js';
import type { SweepPlan, SweepTask } from './plan.js';

/** What a task's files say about it. */
export type TaskState = 'done' | 'partial' | 'failed' | 'missing';

/** Where and when a task ran. */
export interface TaskProvenance {
  host: string;
  pid: number;
  /** The array index that ran it (SLURM_ARRAY_TASK_ID, …), when it ran as part of an array. */
  arrayIndex?: number;
  /** Where the array index came from (`--index`, `SLURM_ARRAY_TASK_ID`, …). */
  indexSource?: string;
  /** Epoch milliseconds. */
  startedAt: number;
  finishedAt: number;
}

/** A done or partial task's file. */
export interface TaskResult extends TaskProvenance {
  format: 'measureflow-sweep-result/1';
  status: 'done' | 'partial';
  task: SweepTask;
  curve: RunCurve;
  /** Partial only: the signal that stopped it. */
  signal?: string;
}

/** A failed task's file. */
export interface TaskError extends TaskProvenance {
  format: 'measureflow-sweep-result/1';
  status: 'failed';
  task: SweepTask;
  error: string;
  stack?: string;
}

/** The results folder of a sweep. */
export function resultsDir(dir: string): string {
  return join(dir, 'results');
}

/** Base name of a task's files: zero-padded index and content hash. */
export function taskFileStem(t: SweepTask): string {
  return `${String(t.index).padStart(6, '0')}.${t.hash}`;
}

/** Paths of a task's done, partial and error files. */
export function taskFiles(dir: string, t: SweepTask): { done: string; partial: string; error: string } {
  const stem = join(resultsDir(dir), taskFileStem(t));
  return { done: `${stem}.json`, partial: `${stem}.partial.json`, error: `${stem}.error.json` };
}

/** Writes a done or partial result (atomically); a done result removes the task's partial and error files. */
export function writeTaskResult(dir: string, r: TaskResult): void {
  const f = taskFiles(dir, r.task);
  writeFileAtomic(r.status === 'done' ? f.done : f.partial, `${encodeExact(r)}\n`);
  if (r.status === 'done') {
    rmSync(f.partial, { force: true });
    rmSync(f.error, { force: true });
  }
}

/** Writes a failed task's error file (atomically). */
export function writeTaskError(dir: string, e: TaskError): void {
  writeFileAtomic(taskFiles(dir, e.task).error, `${JSON.stringify(e, null, 2)}\n`);
}

/** Reads a done or partial result file. */
export function readTaskResult(path: string): TaskResult {
  return decodeExact(readFileSync(path, 'utf8')) as TaskResult;
}

/** Reads an error file. */
export function readTaskError(path: string): TaskError {
  return JSON.parse(readFileSync(path, 'utf8')) as TaskError;
}

/** State of every task of a sweep, from one listing of the results folder. */
export interface SweepState {
  total: number;
  /** Task indices by state (increasing). A done task is done whatever else its folder holds. */
  done: number[];
  failed: number[];
  partial: number[];
  missing: number[];
  /** Result files that belong to no task of this plan (another plan's, or a foreign name). */
  stale: string[];
}

/**
 * Classifies the tasks: done if its done file exists; else failed if an error file exists; else
 * partial if a partial file exists; else missing. Temporary files are ignored.
 */
export function sweepState(plan: SweepPlan): SweepState {
  let names: string[] = [];
  try {
    names = readdirSync(resultsDir(plan.dir)).filter((n) => !n.startsWith('.'));
  } catch {
    // no results yet
  }
  const have = new Set(names);
  const known = new Set<string>();
  const st: SweepState = { total: plan.tasks.length, done: [], failed: [], partial: [], missing: [], stale: [] };
  for (const t of plan.tasks) {
    const stem = taskFileStem(t);
    const d = `${stem}.json`;
    const p = `${stem}.partial.json`;
    const e = `${stem}.error.json`;
    known.add(d).add(p).add(e);
    if (have.has(d)) st.done.push(t.index);
    else if (have.has(e)) st.failed.push(t.index);
    else if (have.has(p)) st.partial.push(t.index);
    else st.missing.push(t.index);
  }
  st.stale = names.filter((n) => !known.has(n)).sort();
  return st;
}

/** "0-3,7,9-12": increasing integers as ranges. */
export function formatRanges(xs: readonly number[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < xs.length) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j]! + 1) j++;
    out.push(j === i ? String(xs[i]) : `${xs[i]}-${xs[j]}`);
    i = j + 1;
  }
  return out.join(',');
}
