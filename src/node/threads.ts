/**
 * All cores for kernel sums (Node): a pool of `worker_threads` running the core's row
 * kernels, installed as the `SumEngine` (src/backend/parallel.ts explains the scheme;
 * results are bit-identical for any thread count, including the built-in path without it).
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InputError } from '../core/errors.js';
import { setSumEngine } from '../backend/engine.js';
import { type ParallelSumEngine, parallelSumEngine } from '../backend/parallel.js';

/** Options of `useThreads`. */
export interface ThreadsOptions {
  /** `f32`: Gaussian kernel-gradient sums in single precision (about 2× faster, relative error ≈ 1e−6). */
  precision?: 'f64' | 'f32';
  /** Sums with fewer point–source pairs stay on the calling thread (default 65536). */
  minPairs?: number;
}

/** The installed thread pool returned by `useThreads`. */
export interface ThreadsHandle {
  /** Threads taking part in each large sum (the calling thread included). */
  readonly threads: number;
  readonly engine: ParallelSumEngine;
  /** Resolves when every helper thread has started (sums before that use the ready ones). */
  readonly ready: Promise<void>;
  /** Uninstalls the engine (restoring the one installed before) and terminates the helpers. */
  dispose(): Promise<void>;
}

/** `'auto'` → the available parallelism; an integer ≥ 1 as given; anything else an `InputError` naming `field`. */
export function resolveThreads(threads: 'auto' | number, field = 'threads'): number {
  if (threads === 'auto') return Math.max(1, availableParallelism());
  if (!Number.isInteger(threads) || threads < 1) throw new InputError(field, threads, "'auto' or an integer ≥ 1");
  return threads;
}

/**
 * How to start a helper: `dist/node/sumWorker.js` in production; under TypeScript (tsx,
 * vitest) a small evaluated bootstrap that registers tsx's loader in the worker and then
 * imports `sumWorker.ts` (a worker's `--import tsx` flag registers the loader too late for
 * the worker's own entry module on Node 20).
 */
function sumWorker(workerData: unknown): Worker {
  const here = import.meta.url;
  const isTs = /\.m?ts$/.test(new URL(here).pathname);
  if (!isTs) return new Worker(new URL('./sumWorker.js', here), { workerData });
  const entry = new URL('./sumWorker.ts', here).href;
  let api = 'tsx/esm/api';
  try {
    api = pathToFileURL(join(dirname(createRequire(here).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  } catch {
    // fall back to resolving 'tsx/esm/api' from the working directory
  }
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(code, { eval: true, workerData });
}

/**
 * Splits every large kernel sum (kernelSumGrad, steinKernelSum, kernelSumVec) over
 * `threads` threads: the calling thread and threads − 1 workers, by output rows, with
 * results bit-identical to the single-threaded path. Installs the engine now and returns a
 * handle; `await handle.dispose()` restores the previous engine. The workers never keep the
 * process alive (unref). With threads = 1 and f64 nothing changes but the engine's name;
 * with `precision: 'f32'` the single-precision Gaussian path is used on any thread count.
 *
 *   const t = useThreads('auto'); await t.ready;
 *   try { runFlow(...) } finally { await t.dispose(); }
 */
export function useThreads(threads: 'auto' | number = 'auto', opts: ThreadsOptions = {}): ThreadsHandle {
  const count = resolveThreads(threads);
  if (opts.precision !== undefined && opts.precision !== 'f64' && opts.precision !== 'f32')
    throw new InputError('precision', opts.precision, "'f64' or 'f32'");
  const flags = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, count - 1)));
  const workers: Worker[] = [];
  const started: Promise<void>[] = [];
  const stops: (() => void)[] = [];
  for (let k = 0; k < count - 1; k++) {
    const w = sumWorker({ ready: flags.buffer, index: k });
    w.unref();
    workers.push(w);
    started.push(
      new Promise<void>((resolve, reject) => {
        const poll = setInterval(() => {
          if (Atomics.load(flags, k) === 1) {
            clearInterval(poll);
            resolve();
          }
        }, 5); // keeps the process alive until the worker is up (the worker itself is unref'd)
        stops.push(() => {
          clearInterval(poll);
          resolve();
        });
        w.once('error', (e) => {
          clearInterval(poll);
          reject(e);
        });
      }),
    );
  }
  const dead = new Set<number>();
  for (const [k, w] of workers.entries()) w.once('exit', () => dead.add(k));
  const engine = parallelSumEngine(workers, {
    precision: opts.precision ?? 'f64',
    ...(opts.minPairs !== undefined ? { minPairs: opts.minPairs } : {}),
    ready: (k) => Atomics.load(flags, k) === 1 && !dead.has(k),
  });
  const prev = setSumEngine(engine);
  let disposed = false;
  const ready = Promise.all(started).then(() => undefined);
  ready.catch(() => {}); // a failed start only shrinks the pool; dispose reports nothing
  return {
    threads: count,
    engine,
    ready,
    async dispose() {
      if (disposed) return;
      disposed = true;
      setSumEngine(prev);
      for (const stop of stops) stop();
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/**
 * Runs `fn` with `useThreads(threads, { precision })` installed (after the helpers started)
 * and disposes it afterwards, also on error. With threads undefined and f64, runs `fn`
 * as is (the built-in single-threaded path).
 */
export async function withThreads<T>(threads: 'auto' | number | undefined, precision: 'f64' | 'f32' | undefined, fn: (h: ThreadsHandle | null) => T | Promise<T>): Promise<T> {
  if (threads === undefined && (precision ?? 'f64') === 'f64') return fn(null);
  const h = useThreads(threads ?? 1, { precision: precision ?? 'f64' });
  try {
    await h.ready;
    return await fn(h);
  } finally {
    await h.dispose();
  }
}
