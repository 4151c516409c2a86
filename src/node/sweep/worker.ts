/**
 * Worker-thread entry of `measureflow sweep run` (piscina calls the default export): runs one
 * task — the same (method, run) function `experiment` runs — and writes its result file itself
 * (atomically), so only a small summary crosses back to the main thread. The run checks a shared
 * stop flag before every step: the main thread sets it on SIGTERM/SIGHUP/SIGINT, and the task
 * then keeps what it has as a partial result. Loaded as `.ts` under tsx and as `.js` from dist/.
 */
import { writeSync } from 'node:fs';
import { runExperimentTask } from '../../experiments/index.js';
import type { ExperimentSettings } from '../../experiments/index.js';
import type { SweepTask } from './plan.js';
import { type TaskProvenance, writeTaskError, writeTaskResult } from './results.js';

/** Signal numbers the stop flag may hold, and their names. */
export const STOP_SIGNALS: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 15: 'SIGTERM' };

/** A task as sent to the pool. */
export interface SweepWorkerTask {
  dir: string;
  task: SweepTask;
  settings: ExperimentSettings;
  /** Int32Array(2) over this buffer: [0] 0 = go on, else the number of the signal that asks to stop; [1] tasks started. */
  stop: SharedArrayBuffer;
  provenance: Omit<TaskProvenance, 'startedAt' | 'finishedAt'>;
  /** Write `task I (…): running` to stderr when the run starts (synchronously, so a log shows it at once). */
  announce?: string;
}

/** What the worker reports back. */
export interface SweepWorkerResult {
  index: number;
  status: 'done' | 'partial' | 'failed' | 'not-started';
  elapsedMs: number;
  /** The last step of the curve (paper counting). */
  lastStep?: number;
  message?: string;
}

export default function runSweepTask(w: SweepWorkerTask): SweepWorkerResult {
  const flag = new Int32Array(w.stop);
  const index = w.task.index;
  if (Atomics.load(flag, 0) !== 0) return { index, status: 'not-started', elapsedMs: 0 };
  const startedAt = Date.now();
  Atomics.add(flag, 1, 1);
  if (w.announce) writeSync(2, w.announce);
  let stopped = false;
  const shouldStop = () => {
    if (Atomics.load(flag, 0) === 0) return false;
    stopped = true;
    return true;
  };
  try {
    const curve = runExperimentTask({ settings: w.settings, method: w.task.method, run: w.task.run }, { shouldStop });
    const finishedAt = Date.now();
    const status = stopped ? 'partial' : 'done';
    writeTaskResult(w.dir, {
      format: 'measureflow-sweep-result/1',
      status,
      task: w.task,
      curve,
      ...w.provenance,
      startedAt,
      finishedAt,
      ...(stopped ? { signal: STOP_SIGNALS[Atomics.load(flag, 0)] ?? String(Atomics.load(flag, 0)) } : {}),
    });
    return { index, status, elapsedMs: finishedAt - startedAt, lastStep: curve.x[curve.x.length - 1] ?? 0 };
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    const finishedAt = Date.now();
    writeTaskError(w.dir, {
      format: 'measureflow-sweep-result/1',
      status: 'failed',
      task: w.task,
      error: err.message,
      ...(err.stack ? { stack: err.stack } : {}),
      ...w.provenance,
      startedAt,
      finishedAt,
    });
    return { index, status: 'failed', elapsedMs: finishedAt - startedAt, message: err.message };
  }
}
