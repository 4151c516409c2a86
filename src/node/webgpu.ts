/**
 * The WebGPU backend in Node: loads the optional `webgpu` package (Google's Dawn, the binary
 * ships inside the npm package) lazily, and either
 * - opens a device in this thread (`openWebGpu`, the async API: `WebGpuSums`), or
 * - starts a GPU worker thread and returns a synchronous `SumEngine` over it
 *   (`startWebGpuEngine`), which `useBackend` installs with `setSumEngine`.
 * Without the package or without an adapter, `useBackend` prints one line and keeps the CPU.
 */
import { Worker } from 'node:worker_threads';
import { Option } from '@commander-js/extra-typings';
import { InputError } from '../core/errors.js';
import { setSumEngine } from '../backend/engine.js';
import type { SumEngine } from '../backend/engine.js';
import { BlockingGpuEngine, createControl } from '../backend/webgpu/bridge.js';
import type { Gpu, GpuAdapterInfo, GpuDevice } from '../backend/webgpu/gpuTypes.js';
import { requestSumDevice } from '../backend/webgpu/gpuTypes.js';
import { WebGpuSums } from '../backend/webgpu/sums.js';
import type { WebGpuSumsOptions } from '../backend/webgpu/sums.js';

/** Where kernel sums run: the CPU, the GPU through WebGPU (error if unavailable? no: CPU with a line), or the GPU when one is found. */
export type Backend = 'cpu' | 'webgpu' | 'auto';
/** The valid `Backend` names (the `--backend` choices). */
export const BACKENDS: readonly Backend[] = ['cpu', 'webgpu', 'auto'];

/** Thrown (and reported in one line) when WebGPU cannot be used on this machine. */
export class WebGpuUnavailable extends Error {
  override name = 'WebGpuUnavailable';
}

/** Options shared by the WebGPU entry points. */
export interface WebGpuOptions extends WebGpuSumsOptions {
  /**
   * Module specifier of the WebGPU implementation (default: env MEASUREFLOW_WEBGPU_MODULE, else
   * 'webgpu'); tests name a missing one to exercise the fallback.
   */
  module?: string;
  /** Flags for Dawn's `create()` (e.g. 'backend=vulkan'). */
  dawnFlags?: string[];
}

/** A one-line description of an adapter: vendor / architecture / device. */
export function describeAdapter(info: GpuAdapterInfo | undefined): string {
  const i = info ?? {};
  return [i.vendor, i.architecture, i.device || i.description].filter((x) => x).join(' / ') || 'unknown adapter';
}

/** Loads the WebGPU implementation and returns its `GPU` object, or throws `WebGpuUnavailable`. */
export async function loadGpu(o: WebGpuOptions = {}): Promise<Gpu> {
  const spec = o.module ?? process.env.MEASUREFLOW_WEBGPU_MODULE ?? 'webgpu';
  let mod: { create: (flags: string[]) => unknown };
  try {
    mod = (await import(spec)) as typeof mod;
  } catch (e) {
    throw new WebGpuUnavailable(`the optional package '${spec}' could not be loaded (${(e as Error).message.split('\n')[0]}); install it with \`npm install ${spec}\``);
  }
  return mod.create(o.dawnFlags ?? []) as Gpu;
}

/** A device opened in this thread with the async sums over it. */
export interface OpenedGpu {
  /** The implementation's GPU object (kept referenced: Dawn's instance must outlive the device). */
  gpu: Gpu;
  sums: WebGpuSums;
  device: GpuDevice;
  info: string;
  /** Releases the sums' buffers and destroys the device. */
  close(): void;
}

/** Opens a WebGPU device in this thread (async API). Throws `WebGpuUnavailable` without package or adapter. */
export async function openWebGpu(o: WebGpuOptions = {}): Promise<OpenedGpu> {
  const gpu = await loadGpu(o);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new WebGpuUnavailable('no WebGPU adapter found (no GPU driver; on Linux without a GPU install Mesa lavapipe: scripts/install-lavapipe.sh)');
  const device = await requestSumDevice(adapter);
  const sums = new WebGpuSums(device, o);
  return {
    gpu,
    sums,
    device,
    info: describeAdapter(adapter.info),
    close: () => {
      sums.release();
      device.destroy();
      void gpu;
    },
  };
}

/** A synchronous engine backed by a GPU worker thread. */
export interface WebGpuEngine extends SumEngine {
  /** Adapter description. */
  readonly info: string;
  /** The reason the GPU failed during the run (the engine then declined), or null. */
  readonly failure: string | null;
  /** Calls the GPU answered. */
  readonly calls: number;
  /** Stops the GPU thread. */
  close(): Promise<void>;
}

/**
 * Starts the GPU worker module: `webgpuWorker.js` next to this file from dist/; from src/
 * (tests, tsx) a small ESM bootstrap registers tsx's loader and then imports `webgpuWorker.ts`.
 */
function spawnGpuWorker(workerData: unknown): Worker {
  const here = import.meta.url;
  const isTs = /\.m?ts$/.test(new URL(here).pathname);
  if (!isTs) return new Worker(new URL('./webgpuWorker.js', here), { workerData });
  let api = 'tsx/esm/api';
  try {
    api = import.meta.resolve('tsx/esm/api');
  } catch {
    // resolved from the working directory
  }
  const entry = new URL('./webgpuWorker.ts', here).href;
  const code = `import(${JSON.stringify(api)}).then((t) => t.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(here)}));`;
  return new Worker(code, { eval: true, workerData });
}

/**
 * Starts a GPU worker thread owning a WebGPU device and returns a synchronous `SumEngine`
 * that blocks on `Atomics.wait` while the worker runs each sum. Throws `WebGpuUnavailable`
 * when the package or an adapter is missing. `onError` hears (once) a failure during the run,
 * after which the engine declines and the CPU takes over.
 */
export async function startWebGpuEngine(o: WebGpuOptions & { onError?: (msg: string) => void } = {}): Promise<WebGpuEngine> {
  const control = createControl();
  const { onError, ...sumOpts } = o;
  const worker = spawnGpuWorker({ control, options: sumOpts });
  const ready = await new Promise<{ type: string; info?: string; message?: string }>((resolve) => {
    worker.once('message', resolve);
    worker.once('error', (e) => resolve({ type: 'error', message: e.message }));
    worker.once('exit', (code) => resolve({ type: 'error', message: `GPU thread exited (${code})` }));
  });
  if (ready.type !== 'ready') {
    await worker.terminate();
    throw new WebGpuUnavailable(ready.message ?? 'GPU thread failed');
  }
  worker.unref();
  const engine = new BlockingGpuEngine(worker, control, { ...sumOpts, ...(onError ? { onError } : {}) });
  const info = ready.info ?? 'unknown adapter';
  return {
    name: 'webgpu',
    info,
    get failure() {
      return engine.failure;
    },
    get calls() {
      return engine.calls;
    },
    kernelSumGrad: engine.kernelSumGrad.bind(engine),
    steinKernelSum: engine.steinKernelSum.bind(engine),
    kernelSumVec: engine.kernelSumVec.bind(engine),
    close: async () => {
      await worker.terminate();
    },
  };
}

/** The backend in use after `useBackend`. */
export interface ActiveBackend {
  /** 'cpu' or 'webgpu'. */
  readonly name: 'cpu' | 'webgpu';
  /** Adapter description for 'webgpu'. */
  readonly info?: string;
  readonly engine: WebGpuEngine | null;
  /** Restores the previous engine and stops the GPU thread. */
  close(): Promise<void>;
}

/** Validates a `--backend` / `backend` value. */
export function checkBackend(b: unknown, field = '--backend'): Backend {
  if (typeof b !== 'string' || !(BACKENDS as readonly string[]).includes(b)) throw new InputError(field, b, `one of ${BACKENDS.join(', ')}`);
  return b as Backend;
}

/**
 * Installs the requested backend for this thread's kernel sums. 'cpu' does nothing; 'webgpu'
 * and 'auto' start the GPU engine and install it, or — without the `webgpu` package or an
 * adapter — log one line and keep the CPU (never throw). A failure during the run is also
 * logged once, and the remaining sums run on the CPU.
 */
export async function useBackend(backend: Backend, o: WebGpuOptions & { log?: (line: string) => void } = {}): Promise<ActiveBackend> {
  const cpu: ActiveBackend = { name: 'cpu', engine: null, close: async () => {} };
  if (backend === 'cpu') return cpu;
  const { log, ...rest } = o;
  let engine: WebGpuEngine;
  try {
    engine = await startWebGpuEngine({ ...rest, onError: (msg) => log?.(`measureflow: ${msg}; the remaining kernel sums run on the CPU\n`) });
  } catch (e) {
    const why = e instanceof WebGpuUnavailable ? e.message : `WebGPU failed to start (${(e as Error).message})`;
    log?.(`measureflow: --backend ${backend}: ${why}; using the CPU\n`);
    return cpu;
  }
  const prev = setSumEngine(engine);
  return {
    name: 'webgpu',
    info: engine.info,
    engine,
    close: async () => {
      setSumEngine(prev);
      await engine.close();
    },
  };
}

/** The `--backend` option shared by the run, metrics and experiment commands (default cpu). */
export function backendOption() {
  return new Option('--backend <b>', 'where kernel sums run: cpu, webgpu (the GPU; falls back to the CPU with a message), auto (the GPU when found)')
    .choices(BACKENDS)
    .default('cpu' as Backend);
}

/**
 * Runs `fn` with the backend installed (see `useBackend`), then restores the CPU path and stops
 * the GPU thread. On the GPU, one line on `err` names the adapter.
 */
export async function withBackend<T>(backend: Backend, err: (s: string) => void, fn: () => T | Promise<T>): Promise<T> {
  const be = await useBackend(backend, { log: err });
  if (be.name === 'webgpu') err(`measureflow: kernel sums on WebGPU (${be.info})\n`);
  try {
    return await fn();
  } finally {
    await be.close();
  }
}

/**
 * Checks in this thread whether WebGPU works (package, adapter, device) without keeping a
 * device: 'webgpu' when it does; otherwise one line on `log` and 'cpu'. For callers that start
 * engines elsewhere (the experiment's worker threads).
 */
export async function probeBackend(backend: Backend, log: (s: string) => void): Promise<{ backend: 'cpu' | 'webgpu'; info?: string }> {
  if (backend === 'cpu') return { backend: 'cpu' };
  try {
    const g = await openWebGpu();
    g.close();
    return { backend: 'webgpu', info: g.info };
  } catch (e) {
    const why = e instanceof WebGpuUnavailable ? e.message : `WebGPU failed to start (${(e as Error).message})`;
    log(`measureflow: --backend ${backend}: ${why}; using the CPU\n`);
    return { backend: 'cpu' };
  }
}
