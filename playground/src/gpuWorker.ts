/**
 * The playground's GPU thread: a module Web Worker (started by the simulation worker) that owns
 * a WebGPU device from `navigator.gpu` and serves the kernel sums the simulation worker posts
 * while it blocks on `Atomics.wait` (see src/backend/webgpu/bridge.ts). Posts
 * `{type: 'ready', info}` or `{type: 'error', message}` first.
 */
import { gpuRequestHandler } from '../../src/backend/webgpu/bridge.js';
import type { GpuRequest } from '../../src/backend/webgpu/bridge.js';
import type { Gpu } from '../../src/backend/webgpu/gpuTypes.js';
import { requestSumDevice } from '../../src/backend/webgpu/gpuTypes.js';
import { WebGpuSums } from '../../src/backend/webgpu/sums.js';

const scope = self as unknown as {
  postMessage(msg: unknown): void;
  onmessage: ((ev: MessageEvent) => void) | null;
  navigator: { gpu?: Gpu };
};

let handle: ((req: GpuRequest) => void) | null = null;
const queued: GpuRequest[] = [];

scope.onmessage = async (ev: MessageEvent) => {
  const data = ev.data as { kind?: string };
  if (data.kind === 'sum') {
    const req = data as GpuRequest;
    if (handle) handle(req);
    else queued.push(req);
    return;
  }
  const msg = data as { type?: string; control: SharedArrayBuffer };
  if (msg.type !== 'start') return;
  try {
    const gpu = scope.navigator.gpu;
    if (!gpu) throw new Error('navigator.gpu is missing in this browser');
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) throw new Error('no WebGPU adapter');
    const device = await requestSumDevice(adapter);
    const i = adapter.info ?? {};
    const info = [i.vendor, i.architecture, i.device || i.description].filter((x) => x).join(' / ') || 'WebGPU adapter';
    handle = gpuRequestHandler(new WebGpuSums(device, { minPairs: 0 }), msg.control);
    for (const q of queued.splice(0)) handle(q);
    scope.postMessage({ type: 'ready', info });
  } catch (e) {
    scope.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
};
