/**
 * Worker-thread entry of `measureflow experiment` (piscina calls the default export): runs one
 * (method, run) task and returns its curve. Progress (steps done, paper counting) is posted on
 * the task's MessagePort when one is given. Loaded as `.ts` under tsx (`--import tsx`) from src/
 * and as `.js` from dist/.
 */
import type { MessagePort } from 'node:worker_threads';
import { runExperimentTask } from '../experiments/index.js';
import type { ExperimentTask, RunCurve } from '../experiments/types.js';
import type { ActiveBackend } from './webgpu.js';
import { useBackend } from './webgpu.js';
import { useThreads } from './threads.js';

/** A task as sent to the pool: the experiment task plus an optional progress port (transferred). */
export interface WorkerTask extends ExperimentTask {
  readonly port?: MessagePort;
  /** 'webgpu': this worker thread installs a WebGPU engine (once) before running. */
  readonly backend?: 'webgpu';
  /** Threads for this run's kernel sums (useThreads); absent: single-threaded. */
  readonly sumThreads?: number;
}

let gpu: Promise<ActiveBackend> | null = null;

export default async function runTask(task: WorkerTask): Promise<RunCurve> {
  const { port, backend, sumThreads, ...t } = task;
  if (backend === 'webgpu') await (gpu ??= useBackend('webgpu', { log: (l) => process.stderr.write(l) }));
  const threads = backend !== 'webgpu' && sumThreads && sumThreads > 1 ? useThreads(sumThreads) : null; // helpers join as they start
  try {
    return runExperimentTask(t, port ? { onProgress: (steps) => port.postMessage(steps) } : {});
  } finally {
    port?.close();
    void threads?.dispose();
  }
}
