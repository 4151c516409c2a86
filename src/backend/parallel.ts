import type { Kernel } from '../kernels/kernel.js';
import type { SumEngine } from './engine.js';
import { kernelSumGradRows } from './kernelSums.js';
import { steinKernelSumJs } from './kernelSumsJs.js';
import { kernelSumVecJs } from './vectorSums.js';

/**
 * Kernel sums split over threads by OUTPUT ROWS, with results bit-identical for any thread
 * count. Every sum out[i] = Σⱼ vⱼ f(xᵢ, yⱼ) is computed row by row by a row kernel
 * (`kernelSumGradRows`, `steinKernelSumJs`, `kernelSumVecJs` with a row range) whose result
 * for row i depends on row i and the sources alone, always summed in the same order. The
 * engine cuts the rows into contiguous ranges (multiples of 4), lets each helper thread
 * compute one range into shared memory and computes the first range itself, then blocks on
 * `Atomics.wait` until the helpers are done: the synchronous `SumEngine` contract holds, and
 * every row gets exactly the bits the single-threaded path gives it.
 *
 * This module is engine-agnostic (no Node API): helpers are anything with `postMessage`
 * whose other side calls `runSumJob` on each message, i.e. Node `worker_threads` workers
 * (src/node/threads.ts) or browser Web Workers. The calling thread must be allowed to block
 * (Node's main thread, a Web Worker — not a browser page's main thread), and
 * `SharedArrayBuffer` must exist (browsers: a cross-origin-isolated page).
 */

/** Anything that forwards a message to a thread running `runSumJob`. */
export interface SumHelper {
  /** Sends one job (its shared buffers by reference) to the helper thread. */
  postMessage(message: SumJob): void;
}

/** One helper's share of a sum: rows [r0, r1), the data and outputs in `data`. */
export interface SumJob {
  readonly op: 'grad' | 'stein' | 'vec';
  readonly ker: Kernel;
  readonly n: number;
  readonly m: number;
  readonly d: number;
  /** Columns of G and out (op 'vec'), else 0. */
  readonly p: number;
  readonly precision: 'f64' | 'f32';
  readonly hasVal: boolean;
  readonly hasGrad: boolean;
  readonly r0: number;
  readonly r1: number;
  /** Float64 arena: the inputs and outputs at the offsets of `sumJobLayout(job)`. */
  readonly data: SharedArrayBuffer;
  /** Int32 control words: [0] helpers done, [1] error flag, [2] message length, then the message (UTF-16). */
  readonly ctrl: SharedArrayBuffer;
}

const CTRL_WORDS = 3 + 512;

/** Offset and length (in doubles) of each array of a job in its arena, and the total length. */
export function sumJobLayout(j: Pick<SumJob, 'op' | 'n' | 'm' | 'd' | 'p' | 'hasVal' | 'hasGrad'>): { at: Record<string, [number, number]>; end: number } {
  const at: Record<string, [number, number]> = {};
  let end = 0;
  const put = (name: string, len: number) => {
    at[name] = [end, len];
    end += len;
  };
  put('X', j.n * j.d);
  put('Y', j.m * j.d);
  put('v', j.m);
  if (j.op === 'grad') {
    put('val', j.hasVal ? j.n : 0);
    put('grad', j.hasGrad ? j.n * j.d : 0);
  } else if (j.op === 'stein') {
    put('SX', j.n * j.d);
    put('SY', j.m * j.d);
    put('out', j.n);
  } else {
    put('G', j.m * j.p);
    put('out', j.n * j.p);
  }
  return { at, end };
}

function views(j: SumJob): Record<string, Float64Array> {
  const F = new Float64Array(j.data);
  const out: Record<string, Float64Array> = {};
  for (const [k, [at, len]] of Object.entries(sumJobLayout(j).at)) out[k] = F.subarray(at, at + len);
  return out;
}

/** Computes rows [r0, r1) of the job into its shared outputs (no signalling). */
function computeRows(j: SumJob): void {
  const a = views(j);
  if (j.op === 'grad') kernelSumGradRows(j.ker, a.X!, a.Y!, j.d, a.v!, j.hasVal ? a.val! : null, j.hasGrad ? a.grad! : null, j.r0, j.r1, j.precision);
  else if (j.op === 'stein') steinKernelSumJs(j.ker, a.X!, a.SX!, a.Y!, a.SY!, j.d, a.v!, a.out!, j.r0, j.r1);
  else kernelSumVecJs(j.ker, a.X!, a.Y!, j.d, a.v!, a.G!, j.p, a.out!, j.r0, j.r1);
}

/**
 * The helper side: computes the job's rows, then counts itself done (control word 0) and
 * wakes the waiting thread. An error is recorded (flag and message) and also counts as done,
 * so the caller never waits for a helper that failed.
 */
export function runSumJob(j: SumJob): void {
  const c = new Int32Array(j.ctrl);
  try {
    computeRows(j);
  } catch (e) {
    const msg = String(e instanceof Error ? (e.stack ?? e.message) : e).slice(0, CTRL_WORDS - 3);
    if (Atomics.compareExchange(c, 1, 0, 1) === 0) {
      for (let k = 0; k < msg.length; k++) c[3 + k] = msg.charCodeAt(k);
      c[2] = msg.length;
    }
  } finally {
    Atomics.add(c, 0, 1);
    Atomics.notify(c, 0);
  }
}

/**
 * Row boundaries for `parts` ranges of n rows: b[0] = 0 < b[1] < … < b[k] = n, every inner
 * boundary a multiple of 4 (the WebAssembly kernel's point groups), ranges as equal as that
 * allows; fewer than `parts` ranges when n is small (never an empty one).
 */
export function splitRows(n: number, parts: number): number[] {
  const groups = Math.ceil(n / 4);
  const k = Math.max(1, Math.min(parts, groups));
  const b = [0];
  for (let t = 1; t < k; t++) b.push(Math.min(n, 4 * Math.floor((groups * t) / k)));
  b.push(n);
  return b;
}

/** Options of `parallelSumEngine`. */
export interface ParallelEngineOptions {
  /** Sums with fewer point–source pairs (n·m) stay on the calling thread. Default 65536. */
  minPairs?: number;
  /** `f32`: Gaussian kernelSumGrad in single precision (see `kernelSumGradRows`). Default `f64`. */
  precision?: 'f64' | 'f32';
  /**
   * Which helpers may be used now (default: all). A helper that is still starting is left
   * out of a call: results do not depend on how many threads took part.
   */
  ready?: (index: number) => boolean;
}

/**
 * A `SumEngine` that splits every kernel sum with at least `minPairs` pairs over the calling
 * thread and `helpers` (threads = helpers + 1). Inputs are copied into one shared arena per
 * call (O((n + m)·d), against O(n·m·d) work); outputs are copied back. Smaller sums, and all
 * sums when there are no helpers, run on the calling thread through the same row kernels
 * (with `precision`), so results never depend on the thread count.
 */
export interface ParallelSumEngine extends SumEngine {
  /** Counters since creation: sums split over threads, and row ranges given to helpers. */
  readonly stats: { splitSums: number; helperJobs: number };
}

/**
 * A `ParallelSumEngine` over the calling thread and `helpers` (threads = helpers + 1), to
 * install with `setSumEngine`. The calling thread blocks (`Atomics.wait`) while the helpers
 * compute, so it must be allowed to.
 */
export function parallelSumEngine(helpers: readonly SumHelper[], opts: ParallelEngineOptions = {}): ParallelSumEngine {
  const minPairs = opts.minPairs ?? 65536;
  const precision = opts.precision ?? 'f64';
  const ready = opts.ready ?? (() => true);
  let arena: SharedArrayBuffer | null = null;
  const ctrl = new SharedArrayBuffer(4 * CTRL_WORDS);
  const c = new Int32Array(ctrl);
  const stats = { splitSums: 0, helperJobs: 0 };

  /** The helpers usable for this call and the row boundaries (null: do it all here). */
  function plan(n: number, m: number): { use: SumHelper[]; b: number[] } | null {
    if (n * m < minPairs || helpers.length === 0) return null;
    const use = helpers.filter((_, k) => ready(k));
    const b = splitRows(n, use.length + 1);
    if (b.length <= 2) return null;
    return { use: use.slice(0, b.length - 2), b };
  }

  function run(job: Omit<SumJob, 'r0' | 'r1' | 'data' | 'ctrl'>, fill: (a: Record<string, Float64Array>) => void, use: SumHelper[], b: number[]): Record<string, Float64Array> {
    const len = sumJobLayout(job).end;
    if (!arena || arena.byteLength < 8 * len) arena = new SharedArrayBuffer(8 * Math.max(len, 1));
    const full: SumJob = { ...job, r0: 0, r1: job.n, data: arena, ctrl };
    const a = views(full);
    fill(a);
    c.fill(0, 0, 3);
    stats.splitSums++;
    stats.helperJobs += use.length;
    for (let t = 0; t < use.length; t++) use[t]!.postMessage({ ...full, r0: b[t + 1]!, r1: b[t + 2]! });
    let err: unknown = null;
    try {
      computeRows({ ...full, r0: b[0]!, r1: b[1]! });
    } catch (e) {
      err = e;
    }
    for (;;) {
      const done = Atomics.load(c, 0);
      if (done >= use.length) break;
      Atomics.wait(c, 0, done);
    }
    if (err) throw err;
    if (c[1] !== 0) {
      let msg = '';
      for (let k = 0; k < c[2]!; k++) msg += String.fromCharCode(c[3 + k]!);
      throw new Error(`kernel-sum helper thread failed: ${msg}`);
    }
    return a;
  }

  return {
    stats,
    name: `threads×${helpers.length + 1}${precision === 'f32' ? '/f32' : ''}`,
    kernelSumGrad(ker, X, Y, d, v, val, grad) {
      const n = X.length / d;
      const m = Y.length / d;
      const p = plan(n, m);
      if (!p) {
        kernelSumGradRows(ker, X, Y, d, v, val, grad, 0, n, precision);
        return true;
      }
      const a = run(
        { op: 'grad', ker, n, m, d, p: 0, precision, hasVal: val !== null, hasGrad: grad !== null },
        (a) => {
          a.X!.set(X);
          a.Y!.set(Y);
          a.v!.set(v);
        },
        p.use,
        p.b,
      );
      if (val) val.set(a.val!);
      if (grad) grad.set(a.grad!);
      return true;
    },
    steinKernelSum(ker, X, SX, Y, SY, d, v, out) {
      const n = X.length / d;
      const m = Y.length / d;
      const p = plan(n, m);
      if (!p) return false;
      const a = run(
        { op: 'stein', ker, n, m, d, p: 0, precision, hasVal: false, hasGrad: false },
        (a) => {
          a.X!.set(X);
          a.SX!.set(SX);
          a.Y!.set(Y);
          a.SY!.set(SY);
          a.v!.set(v);
        },
        p.use,
        p.b,
      );
      out.set(a.out!);
      return true;
    },
    kernelSumVec(ker, X, Y, d, v, G, pc, out) {
      const n = X.length / d;
      const m = Y.length / d;
      const p = plan(n, m);
      if (!p) return false;
      const a = run(
        { op: 'vec', ker, n, m, d, p: pc, precision, hasVal: false, hasGrad: false },
        (a) => {
          a.X!.set(X);
          a.Y!.set(Y);
          a.v!.set(v);
          a.G!.set(G);
        },
        p.use,
        p.b,
      );
      out.set(a.out!);
      return true;
    },
  };
}
