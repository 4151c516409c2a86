/**
 * Simulation worker: builds a measureflow run from a spec and steps it as fast as it can,
 * at most `spf` steps between two snapshots. It posts a snapshot (positions and weights,
 * transferred) only after the page acknowledged the previous one, so at most one snapshot
 * is in flight per animation frame and the page never queues up work.
 */
import { rng } from '../../src/core/rng.js';
import type { FlowState } from '../../src/flows/flow.js';
import type { Flow } from '../../src/flows/flow.js';
import { kernelSum } from '../../src/backend/kernelSums.js';
import { fdot } from '../../src/core/math.js';
import { checkKernel, type Kernel } from '../../src/kernels/kernel.js';
import { buildRun } from '../../src/spec/build.js';
import { parseSpec } from '../../src/spec/schema.js';
import type { FromWorker, MetricRow, ToWorker } from './protocol.js';
import { setSumEngine } from '../../src/backend/engine.js';
import { BlockingGpuEngine, createControl } from '../../src/backend/webgpu/bridge.js';

/** The worker's global scope, typed without the WebWorker lib (which clashes with DOM's). */
const scope = self as unknown as {
  postMessage(msg: unknown, transfer: Transferable[]): void;
  onmessage: ((ev: MessageEvent<ToWorker>) => void) | null;
};

interface Run {
  flow: Flow;
  state: FlowState;
  seed: number;
  /** MMD to the fixed target sample Y: wᵀK_XX w − 2 wᵀK_XY ν + c_YY, with c_YY cached. */
  mmd: ((X: Float64Array, w: Float64Array) => number) | null;
  hasEnergy: boolean;
}

let run: Run | null = null;
let running = false;
let spf = 4;
let stepsSinceSnapshot = 0;
let awaitingAck = false;
let pendingRows: MetricRow[] = [];
let scheduled = false;
let failed = false;
/** Lockstep bound: while playing, the run stops at this step (side-by-side mode). */
let limit = Infinity;
// cost model for recording metrics: keep them to ~20% of the time spent stepping
let stepMs = 1;
let metricMs = 0;
let lastRecorded = -1;
let energyDeferred = false;
let freeEnergy = false;
const stepTimes: number[] = [];

const post = (msg: FromWorker, transfer: Transferable[] = []) => scope.postMessage(msg, transfer);

function makeMmd(kernel: Kernel, Y: Float64Array, d: number): (X: Float64Array, w: Float64Array) => number {
  const m = Y.length / d;
  const nu = new Float64Array(m).fill(1 / m);
  const cYY = fdot(nu, kernelSum(kernel, Y, Y, d, nu));
  return (X, w) => {
    let mass = 0;
    for (let i = 0; i < w.length; i++) mass += w[i]!;
    const a = w.map((x) => x / mass);
    const kxx = kernelSum(kernel, X, X, d, a);
    const kxy = kernelSum(kernel, X, Y, d, nu);
    return Math.sqrt(Math.max(0, fdot(a, kxx) - 2 * fdot(a, kxy) + cYY));
  };
}

function init(msg: Extract<ToWorker, { type: 'init' }>): void {
  running = false;
  failed = false;
  pendingRows = [];
  lastRecorded = -1;
  stepTimes.length = 0;
  try {
    const spec = parseSpec(msg.spec);
    const data = msg.drawn ? { targetSamples: { X: Float64Array.from(msg.drawn), d: 2 } } : {};
    const built = buildRun(spec, data);
    const d = built.mu0.d;
    const kernel = checkKernel(built.resolved.kernel);
    run = {
      flow: built.flow,
      state: built.flow.init(built.mu0),
      seed: built.resolved.seed as number,
      mmd: built.Y ? makeMmd(kernel, built.Y, d) : null,
      hasEnergy: built.flow.config.energy.provides.value,
    };
    post({ type: 'ready', Y: built.Y ? built.Y.slice() : null, resolved: built.resolved, hasEnergy: run.hasEnergy });
    record(run.state, false);
    awaitingAck = false;
    snapshot();
  } catch (e) {
    run = null;
    post({ type: 'error', message: e instanceof Error ? e.message : String(e), t: 0 });
  }
}

function energyRow(r: Run, s: FlowState): { energy?: number } {
  const e = energyOf(r, s);
  return e === undefined ? {} : { energy: e };
}

function energyOf(r: Run, s: FlowState): number | undefined {
  if (!r.hasEnergy) return undefined;
  const v = r.flow.config.energy.evaluate(s.mu, { value: true }).value;
  return v !== undefined && Number.isFinite(v) ? v : undefined;
}

/**
 * Records MMD and F(µ) at state s. With `defer`, F(µ_t) is left to the next step, which
 * reports it at no extra cost (the transport step evaluates it anyway).
 */
function record(s: FlowState, defer: boolean): void {
  if (!run) return;
  const t0 = performance.now();
  const row: MetricRow = { t: s.t };
  if (run.mmd) row.mmd = run.mmd(s.mu.X, s.mu.w);
  if (!defer) {
    const e = energyOf(run, s);
    if (e !== undefined) row.energy = e;
  }
  pendingRows.push(row);
  lastRecorded = s.t;
  energyDeferred = defer && run.hasEnergy;
  metricMs = 0.7 * metricMs + 0.3 * (performance.now() - t0);
}

function shouldRecord(t: number): boolean {
  return t - lastRecorded >= Math.max(1, Math.ceil(metricMs / (0.25 * stepMs)));
}

/** One step; fills in F(µ_t) of a deferred record from the step's report. */
function step(): boolean {
  if (!run || failed) return false;
  const s = run.state;
  const t0 = performance.now();
  try {
    const [next, info] = run.flow.step(rng(run.seed, s.t + 1), s);
    stepMs = 0.8 * stepMs + 0.2 * (performance.now() - t0);
    stepTimes.push(performance.now());
    if (stepTimes.length > 1000) stepTimes.shift();
    freeEnergy = info.energy !== undefined;
    if (energyDeferred && s.t === lastRecorded && info.energy !== undefined && Number.isFinite(info.energy)) {
      const last = pendingRows[pendingRows.length - 1];
      if (last && last.t === s.t) last.energy = info.energy;
      else pendingRows.push({ t: s.t, energy: info.energy });
    }
    energyDeferred = false;
    run.state = next;
    if (shouldRecord(next.t)) record(next, running && freeEnergy);
    stepsSinceSnapshot++;
    return true;
  } catch (e) {
    failed = true;
    running = false;
    const text = e instanceof Error ? e.message : String(e);
    post({ type: 'error', message: /diverged|NaN|Infinity/.test(text) ? `${text} — the step is too large for this target: lower τ (or η) and press Reset.` : text, t: s.t });
    return false;
  }
}

function stepsPerSec(): number {
  if (!running || stepTimes.length < 2) return 0;
  const now = performance.now();
  const recent = stepTimes.filter((x) => now - x < 2000);
  // slow flows: fewer than two steps in the window, use the mean step time
  if (recent.length < 2) return 1000 / stepMs;
  return ((recent.length - 1) * 1000) / (recent[recent.length - 1]! - recent[0]!);
}

function snapshot(): void {
  if (!run) return;
  const { mu, t } = run.state;
  const X = mu.X.slice();
  const w = mu.w.slice();
  const rows = pendingRows;
  pendingRows = [];
  stepsSinceSnapshot = 0;
  awaitingAck = true;
  post({ type: 'snapshot', t, n: mu.n, d: mu.d, X, w, rows, stepsPerSec: stepsPerSec(), running, gpuCalls: gpuEngine?.calls ?? 0 }, [X.buffer, w.buffer]);
}

// Yield to the event loop between batches without setTimeout's 4 ms clamp.
const channel = new MessageChannel();
channel.port1.onmessage = () => {
  scheduled = false;
  loop();
};
function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  channel.port2.postMessage(null);
}

function loop(): void {
  if (!running || !run) return;
  const t0 = performance.now();
  // Step until the per-frame budget is used or ~10 ms passed, then let messages in.
  while (running && stepsSinceSnapshot < spf && run.state.t < limit && performance.now() - t0 < 10) if (!step()) return;
  const atLimit = run.state.t >= limit;
  // in lockstep, only the snapshot at the bound is posted, so both panels show the same step
  if (!awaitingAck && stepsSinceSnapshot > 0 && (limit === Infinity || atLimit)) snapshot();
  // at the bound: the page's next 'limit' message resumes the loop
  if (atLimit) return;
  // Blocked on the page (spf steps done, snapshot not yet drawn): the ack resumes the loop.
  if (stepsSinceSnapshot >= spf && awaitingAck) return;
  schedule();
}

/**
 * Switches the kernel sums to the GPU: starts a GPU worker (it owns the WebGPU device) and
 * installs a blocking engine over it; this worker then waits on `Atomics.wait` during each sum.
 * Needs SharedArrayBuffer (a cross-origin-isolated page). Reports the outcome to the page.
 */
let gpuEngine: BlockingGpuEngine | null = null;

async function useGpu(on: boolean): Promise<void> {
  if (!on) {
    setSumEngine(null);
    gpuEngine = null;
    post({ type: 'backend', name: 'cpu', info: 'CPU (WebAssembly / JavaScript)' });
    return;
  }
  if (typeof SharedArrayBuffer === 'undefined' || !(self as unknown as { crossOriginIsolated?: boolean }).crossOriginIsolated) {
    post({ type: 'backend', name: 'cpu', info: 'GPU unavailable: the page is not cross-origin isolated (no SharedArrayBuffer)' });
    return;
  }
  const control = createControl();
  const gw = new Worker(new URL('./gpuWorker.ts', import.meta.url), { type: 'module' });
  const ready = await new Promise<{ type: string; info?: string; message?: string }>((resolve) => {
    gw.onmessage = (ev) => resolve(ev.data);
    gw.onerror = (ev) => resolve({ type: 'error', message: ev.message || 'GPU worker failed to start' });
    gw.postMessage({ type: 'start', control });
  });
  if (ready.type !== 'ready') {
    gw.terminate();
    post({ type: 'backend', name: 'cpu', info: `GPU unavailable: ${ready.message}` });
    return;
  }
  const engine = new BlockingGpuEngine(gw, control, {
    // a GPU round trip costs ~0.1–1 ms: small sums stay on the CPU
    minPairs: 16384,
    onError: (m) => post({ type: 'backend', name: 'cpu', info: `GPU failed (${m}); back on the CPU` }),
  });
  setSumEngine(engine);
  gpuEngine = engine;
  post({ type: 'backend', name: 'webgpu', info: ready.info ?? 'WebGPU' });
}

scope.onmessage = (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  switch (msg.type) {
    case 'backend':
      void useGpu(msg.gpu);
      break;
    case 'init':
      init(msg);
      break;
    case 'play':
      if (run && !failed) {
        running = true;
        stepTimes.length = 0;
        schedule();
      }
      break;
    case 'pause':
      running = false;
      // lockstep: finish the batch up to the bound, so both runs pause at the same step
      if (run && limit !== Infinity) while (run.state.t < limit && step());
      if (run && (lastRecorded !== run.state.t || energyDeferred)) {
        if (lastRecorded === run.state.t) pendingRows.push({ t: run.state.t, ...energyRow(run, run.state) });
        else record(run.state, false);
        energyDeferred = false;
      }
      if (!awaitingAck) snapshot();
      break;
    case 'step':
      running = false;
      if (step()) {
        if (run && lastRecorded !== run.state.t) record(run.state, false);
        if (!awaitingAck) snapshot();
      }
      break;
    case 'spf':
      spf = msg.value;
      break;
    case 'limit':
      limit = msg.t;
      if (running) schedule();
      break;
    case 'ack':
      awaitingAck = false;
      // lockstep while playing: hold intermediate steps back until the bound is reached
      if ((stepsSinceSnapshot > 0 || pendingRows.length) && (limit === Infinity || !running || (run !== null && run.state.t >= limit))) snapshot();
      if (running) schedule();
      break;
  }
};
