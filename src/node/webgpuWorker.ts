/**
 * The GPU worker thread of the Node WebGPU engine: opens a device with the `webgpu` package,
 * posts `{type: 'ready', info}` (or `{type: 'error', message}`), then serves the sums the
 * blocking client posts (see backend/webgpu/bridge.ts). Loaded as `.ts` under tsx from src/
 * and as `.js` from dist/.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { GpuRequest } from '../backend/webgpu/bridge.js';
import { gpuRequestHandler } from '../backend/webgpu/bridge.js';
import { openWebGpu } from './webgpu.js';
import type { WebGpuOptions } from './webgpu.js';

const port = parentPort;
if (port) {
  const { control, options } = workerData as { control: SharedArrayBuffer; options: WebGpuOptions };
  try {
    const gpu = await openWebGpu(options);
    // keep the Dawn instance (and its device) referenced for the life of the thread
    (globalThis as { __measureflowGpu?: unknown }).__measureflowGpu = gpu;
    const handle = gpuRequestHandler(gpu.sums, control);
    port.on('message', (req: GpuRequest) => handle(req));
    port.postMessage({ type: 'ready', info: gpu.info });
  } catch (e) {
    port.postMessage({ type: 'error', message: (e as Error).message });
  }
}
