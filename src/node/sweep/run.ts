/**
 * `measureflow sweep run`: runs some tasks of a planned sweep — the block of one array index
 * (SLURM, Kubernetes indexed Jobs, AWS Batch) or every task still to do — on a worker-thread
 * pool. Tasks already done are skipped, so resubmitting a whole array is safe. On SIGTERM,
 * SIGHUP or SIGINT the running tasks stop after their current step and keep a partial result;
 * tasks not yet started are left for the next submission.
 */
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { InputError } from '../../core/errors.js';
import type { SweepPlan } from './plan.js';
import { describeTask, pointLabel, taskHash } from './plan.js';
import { sweepState } from './results.js';
import type { SweepWorkerResult, SweepWorkerTask } from './worker.js';

/** Environment variables holding an array index, in the order they are looked up. */
export const INDEX_ENV_VARS = ['SLURM_ARRAY_TASK_ID', 'JOB_COMPLETION_INDEX', 'AWS_BATCH_JOB_ARRAY_INDEX'] as const;

/** The array index from the environment (SLURM, Kubernetes indexed Job, AWS Batch array), if any. */
export function arrayIndexFromEnv(env: Record<string, string | undefined> = process.env): { index: number; source: string } | undefined {
  for (const name of INDEX_ENV_VARS) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    const i = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(i)) throw new InputError(name, v, 'an integer array index >= 0');
    return { index: i, source: name };
  }
  return undefined;
}

/** Number of array indices for `total` tasks in blocks of `block`: ⌈total / block⌉. */
export function arraySize(total: number, block: number): number {
  return Math.ceil(total / block);
}

/**
 * The tasks of array index `index` when each index takes a contiguous block of `block` tasks:
 * `index·block … min(total, (index + 1)·block) − 1`.
 */
export function blockTasks(index: number, block: number, total: number, field = '--index'): number[] {
  if (!Number.isSafeInteger(block) || block < 1) throw new InputError('--block', block, 'an integer >= 1');
  const n = arraySize(total, block);
  if (!Number.isSafeInteger(index) || index < 0 || index >= n)
    throw new InputError(field, index, `an array index in 0..${n - 1} (${total} tasks in blocks of ${block})`);
  const out: number[] = [];
  for (let i = index * block; i < Math.min(total, (index + 1) * block); i++) out.push(i);
  return out;
}

/**
 * Shared with the workers (Int32Array(2) over `buffer`): [0] the stop request — 0, or the number
 * of the signal that asked to stop; [1] how many tasks have started running.
 */
export interface StopFlag {
  buffer: SharedArrayBuffer;
  request(signal: number): void;
  requested(): number;
  started(): number;
}

/** A fresh stop flag. */
export function createStopFlag(): StopFlag {
  const buffer = new SharedArrayBuffer(8);
  const a = new Int32Array(buffer);
  return {
    buffer,
    request: (sig) => {
      Atomics.compareExchange(a, 0, 0, sig);
    },
    requested: () => Atomics.load(a, 0),
    started: () => Atomics.load(a, 1),
  };
}

const SIGNAL_NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;

/**
 * Sets `stop` on SIGTERM, SIGHUP or SIGINT (what schedulers send at a time limit, on a lost
 * terminal, on Ctrl-C); a second SIGINT exits at once. Returns a function that removes the handlers.
 */
export function stopOnSignals(stop: StopFlag, log: (s: string) => void): () => void {
  const handlers = (Object.keys(SIGNAL_NUMBERS) as (keyof typeof SIGNAL_NUMBERS)[]).map((name) => {
    const h = () => {
      if (stop.requested() !== 0 && name === 'SIGINT') process.exit(130);
      if (stop.requested() === 0) log(`measureflow: ${name} — stopping after the current step; running tasks keep a partial result\n`);
      stop.request(SIGNAL_NUMBERS[name]);
    };
    process.on(name, h);
    return [name, h] as const;
  });
  return () => {
    for (const [name, h] of handlers) process.off(name, h);
  };
}

/** The worker module and Node flags: `worker.ts` under tsx when this module is TypeScript, `worker.js` otherwise. */
export function sweepWorkerEntry(): { filename: string; execArgv: string[] } {
  const here = import.meta.url;
  const isTs = /\.m?ts$/.test(new URL(here).pathname);
  const filename = new URL(isTs ? './worker.ts' : './worker.js', here).href;
  if (!isTs) return { filename, execArgv: [] };
  let tsx = 'tsx';
  try {
    tsx = pathToFileURL(createRequire(here).resolve('tsx')).href;
  } catch {
    // fall back to resolving 'tsx' from the working directory
  }
  return { filename, execArgv: ['--import', tsx] };
}

/** Options of {@link runSweepTasks}. */
export interface SweepRunOptions {
  plan: SweepPlan;
  /** Task indices to run (those already done are skipped). */
  tasks: readonly number[];
  /** Worker threads (default 1; at most the number of tasks to run). */
  workers?: number;
  /** Stop flag (default: a fresh one nobody sets). */
  stop?: StopFlag;
  /** The array index being run and where it came from, recorded in the results. */
  arrayIndex?: number;
  indexSource?: string;
  /** One line per task (default: nothing). */
  log?: (line: string) => void;
}

/** What a `sweep run` did. */
export interface SweepRunSummary {
  /** Task indices by outcome. */
  skipped: number[];
  done: number[];
  partial: number[];
  failed: { index: number; message: string }[];
  notStarted: number[];
  /** 0, or the signal number that stopped the run. */
  stoppedBy: number;
  seconds: number;
  workers: number;
}

/** Runs tasks of a sweep on a worker pool; each task writes its own result file. */
export async function runSweepTasks(o: SweepRunOptions): Promise<SweepRunSummary> {
  const { plan } = o;
  const t0 = performance.now();
  const log = o.log ?? (() => {});
  const stop = o.stop ?? createStopFlag();
  for (const i of o.tasks) if (!Number.isSafeInteger(i) || i < 0 || i >= plan.tasks.length) throw new InputError('task', i, `a task index in 0..${plan.tasks.length - 1}`);
  const state = sweepState(plan);
  const done = new Set(state.done);
  const skipped = o.tasks.filter((i) => done.has(i));
  const todo = o.tasks.filter((i) => !done.has(i));
  for (const i of skipped) log(`task ${i} (${describeTask(plan.tasks[i]!)}): already done, skipped\n`);
  const summary: SweepRunSummary = { skipped, done: [], partial: [], failed: [], notStarted: [], stoppedBy: 0, seconds: 0, workers: 0 };
  if (todo.length === 0) {
    summary.seconds = (performance.now() - t0) / 1000;
    return summary;
  }
  for (const i of todo) {
    const task = plan.tasks[i]!;
    const settings = plan.points[task.point]?.settings;
    const h = settings ? taskHash(settings, task.method, task.run) : 'no such grid point';
    if (h !== task.hash) throw new InputError(`tasks.jsonl task ${i}`, task.hash, `the hash of its settings in sweep.json (${h})`, 'the sweep folder was edited after planning; plan again');
  }
  const workers = Math.max(1, Math.min(o.workers ?? 1, todo.length));
  summary.workers = workers;
  const entry = sweepWorkerEntry();
  const pool = new Piscina({ filename: entry.filename, execArgv: entry.execArgv, maxThreads: workers, minThreads: workers, idleTimeout: 1000 });
  const host = hostname();
  try {
    const results = await Promise.all(
      todo.map(async (i) => {
        const task = plan.tasks[i]!;
        const settings = plan.points[task.point]!.settings;
        const wt: SweepWorkerTask = {
          dir: plan.dir,
          task,
          settings,
          stop: stop.buffer,
          provenance: { host, pid: process.pid, ...(o.arrayIndex !== undefined ? { arrayIndex: o.arrayIndex } : {}), ...(o.indexSource ? { indexSource: o.indexSource } : {}) },
        };
        const what = `task ${i} (${describeTask(task)})`;
        if (o.log) wt.announce = `${what}: running\n`;
        const r = (await pool.run(wt)) as SweepWorkerResult;
        if (r.status === 'done') log(`${what}: done in ${(r.elapsedMs / 1000).toFixed(2)} s\n`);
        else if (r.status === 'partial') log(`${what}: stopped at step ${r.lastStep}; partial result kept\n`);
        else if (r.status === 'failed') log(`${what}: FAILED: ${r.message}\n`);
        return r;
      }),
    );
    for (const r of results) {
      if (r.status === 'done') summary.done.push(r.index);
      else if (r.status === 'partial') summary.partial.push(r.index);
      else if (r.status === 'failed') summary.failed.push({ index: r.index, message: r.message ?? '' });
      else summary.notStarted.push(r.index);
    }
  } finally {
    await pool.destroy();
  }
  summary.stoppedBy = stop.requested();
  summary.seconds = (performance.now() - t0) / 1000;
  return summary;
}

/** A one-line account of a run summary. */
export function summaryLine(s: SweepRunSummary, plan: SweepPlan): string {
  const parts = [`${s.done.length} done`];
  if (s.skipped.length) parts.push(`${s.skipped.length} already done (skipped)`);
  if (s.partial.length) parts.push(`${s.partial.length} partial`);
  if (s.failed.length) parts.push(`${s.failed.length} failed`);
  if (s.notStarted.length) parts.push(`${s.notStarted.length} not started`);
  const label = plan.points.length > 1 ? `, ${plan.points.length} grid points (${plan.points.map((p) => pointLabel(p.params)).join('; ')})` : '';
  return `sweep ${plan.experiment}${label}: ${parts.join(', ')} in ${s.seconds.toFixed(1)} s on ${s.workers} worker${s.workers === 1 ? '' : 's'}\n`;
}
