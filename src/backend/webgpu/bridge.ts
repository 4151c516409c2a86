import type { SumEngine } from '../engine.js';
import type { Kernel } from '../../kernels/kernel.js';
import { STEIN_KERNEL_KINDS } from '../../kernels/kernel.js';
import type { WebGpuSums } from './sums.js';

/**
 * A synchronous `SumEngine` over the asynchronous WebGPU sums. WebGPU only reads results back
 * asynchronously (`mapAsync`), while the core's kernel sums are synchronous; so the GPU work
 * runs on a dedicated thread (a Node worker thread or a browser Web Worker) that owns the
 * device, and the calling thread blocks on `Atomics.wait` until it is done:
 *
 * 1. the client copies its inputs (f64) into a SharedArrayBuffer, resets the control word and
 *    posts a small request (operation, kernel, shapes, offsets) to the GPU thread;
 * 2. the GPU thread runs `WebGpuSums` on views of that buffer, writes the outputs into it, sets
 *    the status and the control word and calls `Atomics.notify`;
 * 3. the client wakes up and copies the outputs out (or declines: the core then uses the CPU).
 *
 * The calling thread must be allowed to block (Node's main thread and workers, Web Workers;
 * not a browser's main thread — use `WebGpuSums` directly there). One request at a time.
 */

/** Bytes of the control block: state, status, error length, then the error text (UTF-16). */
export const CONTROL_BYTES = 4096;
const STATE = 0; // 0 pending, 1 done
const STATUS = 1; // 1 wrote the outputs, 0 declined, 2 failed (text follows)
const ERRLEN = 2;
/** Byte offset of the error text (UTF-16) in the control block. */
export const CONTROL_TEXT_OFFSET = 16;
const ERRTEXT = CONTROL_TEXT_OFFSET;
const ERRMAX = (CONTROL_BYTES - ERRTEXT) / 2;

/** A request posted to the GPU thread; arrays are f64 element offsets into `data`. */
export interface GpuRequest {
  readonly kind: 'sum';
  readonly op: 'grad' | 'stein' | 'vec';
  readonly kernel: Kernel;
  readonly n: number;
  readonly m: number;
  readonly d: number;
  readonly p: number;
  readonly wantVal: boolean;
  readonly wantGrad: boolean;
  readonly off: Readonly<Record<string, number>>;
  /** Present when the client allocated a new (larger) data buffer. */
  readonly data?: SharedArrayBuffer;
}

/** Anything with `postMessage` (a Node `Worker`, a `MessagePort`, a browser `Worker`). */
export interface PostTarget {
  /** Sends `msg` (structured-cloned) to the other side. */
  postMessage(msg: unknown): void;
}

/** Options of the blocking engine. */
export interface BlockingEngineOptions {
  /** Calls with fewer point–source pairs decline without a round trip. Default 32768. */
  minPairs?: number;
  /** Largest d (and p) sent to the GPU. Default 512. */
  maxDim?: number;
  /** Longest wait for one call (ms) before the engine gives up and falls back for good. Default 1 hour. */
  timeoutMs?: number;
  /** Called once with a one-line reason when the GPU fails; the engine then declines every call. */
  onError?: (message: string) => void;
  /** Engine name reported in results. Default 'webgpu'. */
  name?: string;
}

/** Allocates the control block shared by a client and its GPU thread. */
export function createControl(): SharedArrayBuffer {
  return new SharedArrayBuffer(CONTROL_BYTES);
}

/**
 * The client side: a synchronous `SumEngine` that hands every sum to the GPU thread behind
 * `target` and blocks until it answers. Declines (returns false) when the call is small,
 * d is too large, the kernel is not a Stein kernel for the Stein sum, the GPU thread declined,
 * or the GPU failed before (then `onError` was told once).
 */
export class BlockingGpuEngine implements SumEngine {
  readonly name: string;
  private readonly ctl: Int32Array;
  private readonly text: Uint16Array;
  private data: SharedArrayBuffer | null = null;
  private failed: string | null = null;
  private readonly o: Required<Omit<BlockingEngineOptions, 'onError' | 'name'>> & Pick<BlockingEngineOptions, 'onError'>;
  /** Calls the GPU answered (for tests and reports). */
  calls = 0;

  constructor(
    private readonly target: PostTarget,
    control: SharedArrayBuffer,
    options: BlockingEngineOptions = {},
  ) {
    this.name = options.name ?? 'webgpu';
    this.ctl = new Int32Array(control, 0, 2 + 1);
    this.text = new Uint16Array(control, ERRTEXT, ERRMAX);
    this.o = { minPairs: options.minPairs ?? 32768, maxDim: options.maxDim ?? 512, timeoutMs: options.timeoutMs ?? 3_600_000, onError: options.onError };
  }

  /** The reason the GPU failed, or null while it works. */
  get failure(): string | null {
    return this.failed;
  }

  kernelSumGrad(ker: Kernel, X: Float64Array, Y: Float64Array, d: number, v: Float64Array, val: Float64Array | null, grad: Float64Array | null): boolean {
    const n = X.length / d;
    const m = Y.length / d;
    if (!val && !grad) return false;
    if (!this.wanted(n, m, d)) return false;
    return this.call('grad', ker, n, m, d, 1, !!val, !!grad, { X, Y, v }, { val: val ? n : 0, grad: grad ? n * d : 0 }, (views) => {
      if (val) val.set(views.val!);
      if (grad) grad.set(views.grad!);
    });
  }

  steinKernelSum(ker: Kernel, X: Float64Array, SX: Float64Array, Y: Float64Array, SY: Float64Array, d: number, v: Float64Array, out: Float64Array): boolean {
    const n = X.length / d;
    const m = Y.length / d;
    if (!STEIN_KERNEL_KINDS.includes(ker.kind) || !this.wanted(n, m, d)) return false;
    return this.call('stein', ker, n, m, d, 1, true, false, { X, SX, Y, SY, v }, { out: n }, (views) => out.set(views.out!));
  }

  kernelSumVec(ker: Kernel, X: Float64Array, Y: Float64Array, d: number, v: Float64Array, G: Float64Array, p: number, out: Float64Array): boolean {
    const n = X.length / d;
    const m = Y.length / d;
    if (p < 1 || p > this.o.maxDim || !this.wanted(n, m, d)) return false;
    return this.call('vec', ker, n, m, d, p, true, false, { X, Y, v, G }, { out: n * p }, (views) => out.set(views.out!));
  }

  private wanted(n: number, m: number, d: number): boolean {
    return this.failed === null && n > 0 && m > 0 && n * m >= this.o.minPairs && d <= this.o.maxDim;
  }

  private fail(msg: string): false {
    if (this.failed === null) {
      this.failed = msg;
      this.o.onError?.(msg);
    }
    return false;
  }

  private call(
    op: GpuRequest['op'],
    kernel: Kernel,
    n: number,
    m: number,
    d: number,
    p: number,
    wantVal: boolean,
    wantGrad: boolean,
    inputs: Record<string, Float64Array>,
    outputs: Record<string, number>,
    deliver: (views: Record<string, Float64Array>) => void,
  ): boolean {
    const off: Record<string, number> = {};
    let total = 0;
    for (const [k, a] of Object.entries(inputs)) {
      off[k] = total;
      total += a.length;
    }
    for (const [k, len] of Object.entries(outputs)) {
      off[k] = total;
      total += len;
    }
    let fresh: SharedArrayBuffer | undefined;
    if (!this.data || this.data.byteLength < total * 8) {
      fresh = new SharedArrayBuffer(Math.ceil(total * 1.25) * 8);
      this.data = fresh;
    }
    const f64 = new Float64Array(this.data);
    for (const [k, a] of Object.entries(inputs)) f64.set(a, off[k]!);
    Atomics.store(this.ctl, STATE, 0);
    const req: GpuRequest = { kind: 'sum', op, kernel, n, m, d, p, wantVal, wantGrad, off, ...(fresh ? { data: fresh } : {}) };
    try {
      this.target.postMessage(req);
    } catch (e) {
      return this.fail(`WebGPU: could not reach the GPU thread (${(e as Error).message})`);
    }
    const r = Atomics.wait(this.ctl, STATE, 0, this.o.timeoutMs);
    if (r === 'timed-out') return this.fail(`WebGPU: no answer from the GPU thread within ${this.o.timeoutMs} ms`);
    const status = Atomics.load(this.ctl, STATUS);
    if (status === 2) {
      const len = Math.min(Atomics.load(this.ctl, ERRLEN), ERRMAX);
      return this.fail(`WebGPU failed: ${String.fromCharCode(...this.text.subarray(0, len))}`);
    }
    if (status !== 1) return false;
    const views: Record<string, Float64Array> = {};
    for (const [k, len] of Object.entries(outputs)) if (len > 0) views[k] = f64.subarray(off[k]!, off[k]! + len);
    deliver(views);
    this.calls++;
    return true;
  }
}

/**
 * The GPU-thread side: returns the handler for the requests of one client, running them one at
 * a time on `sums` and answering through the shared control block. Every failure (device lost,
 * validation or out-of-memory error) is answered as status 2 with its message, never thrown.
 */
export function gpuRequestHandler(sums: WebGpuSums, control: SharedArrayBuffer): (req: GpuRequest) => void {
  const ctl = new Int32Array(control, 0, 3);
  const text = new Uint16Array(control, ERRTEXT, ERRMAX);
  let data: SharedArrayBuffer | null = null;
  let chain: Promise<void> = Promise.resolve();
  const answer = (status: number, msg?: string) => {
    if (msg !== undefined) {
      const len = Math.min(msg.length, ERRMAX);
      for (let k = 0; k < len; k++) text[k] = msg.charCodeAt(k);
      Atomics.store(ctl, ERRLEN, len);
    }
    Atomics.store(ctl, STATUS, status);
    Atomics.store(ctl, STATE, 1);
    Atomics.notify(ctl, STATE);
  };
  const run = async (q: GpuRequest): Promise<void> => {
    if (q.data) data = q.data;
    if (!data) return answer(2, 'no data buffer');
    const f64 = new Float64Array(data);
    const { n, m, d, p, off } = q;
    const view = (k: string, len: number) => f64.subarray(off[k]!, off[k]! + len);
    let ok: boolean;
    if (q.op === 'grad')
      ok = await sums.kernelSumGrad(q.kernel, view('X', n * d), view('Y', m * d), d, view('v', m), q.wantVal ? view('val', n) : null, q.wantGrad ? view('grad', n * d) : null);
    else if (q.op === 'stein') ok = await sums.steinKernelSum(q.kernel, view('X', n * d), view('SX', n * d), view('Y', m * d), view('SY', m * d), d, view('v', m), view('out', n));
    else ok = await sums.kernelSumVec(q.kernel, view('X', n * d), view('Y', m * d), d, view('v', m), view('G', m * p), p, view('out', n * p));
    answer(ok ? 1 : 0);
  };
  return (req: GpuRequest) => {
    chain = chain.then(() =>
      run(req).catch((e: unknown) => {
        answer(2, e instanceof Error ? e.message : String(e));
      }),
    );
  };
}
