/**
 * Worker-thread entry of `measureflow experiment` (piscina calls the default export): runs one
 * (method, run) task and returns its curve. Progress (steps done, paper counting) is posted on
 * the task's MessagePort when one is given. Loaded as `.ts` under tsx (`--import tsx`) from src/
 * and as `.js` from dist/.
 */
import type { MessagePort } from 'node:worker_threads';
import { runExperimentTask } from '../experiments/index.js';
import type { ExperimentTask, RunCurve } from '../experiments/types.js';
import { useThreads } from './threads.js';

/** A task as sent to the pool: the experiment task plus an optional progress port (transferred). */
export interface WorkerTask extends ExperimentTask {
  readonly port?: MessagePort;
  /** Threads for this run's kernel sums (useThreads); absent: single-threaded. */
  readonly sumThreads?: number;
}

export default function runTask(task: WorkerTask): RunCurve {
  const { port, sumThreads, ...t } = task;
  const threads = sumThreads && sumThreads > 1 ? useThreads(sumThreads) : null; // helpers join as they start
  try {
    return runExperimentTask(t, port ? { onProgress: (steps) => port.postMessage(steps) } : {});
  } finally {
    port?.close();
    void threads?.dispose();
  }
}
