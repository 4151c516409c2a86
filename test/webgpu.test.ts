/**
 * The WebGPU backend against the f64 CPU path. Runs on whatever adapter Dawn finds; on CI
 * machines without a GPU that is Mesa's software Vulkan driver (lavapipe), installed by
 * scripts/install-lavapipe.sh. Without an adapter these tests fail under CI (env CI set) and
 * when lavapipe is installed; otherwise they are skipped with a loud message.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSumEngine, setSumEngine } from '../src/backend/engine.js';
import { kernelSumGrad } from '../src/backend/kernelSums.js';
import { kernelSumGradJs, steinKernelSumJs } from '../src/backend/kernelSumsJs.js';
import { kernelSumVec } from '../src/backend/vectorSums.js';
import { BlockingGpuEngine, CONTROL_TEXT_OFFSET, createControl } from '../src/backend/webgpu/bridge.js';
import { WEBGPU_TOLERANCE, WebGpuSums } from '../src/backend/webgpu/sums.js';
import { rng } from '../src/core/rng.js';
import { flow } from '../src/flows/flow.js';
import { runFlow } from '../src/flows/run.js';
import type { Kernel } from '../src/kernels/kernel.js';
import { KERNEL_KINDS, kernelProfile, STEIN_KERNEL_KINDS } from '../src/kernels/kernel.js';
import type { OpenedGpu } from '../src/node/webgpu.js';
import { openWebGpu, useBackend, WebGpuUnavailable } from '../src/node/webgpu.js';
import * as P from '../src/presets/index.js';
import { main } from '../src/node/cli.js';

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await main(['node', 'measureflow', ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

/** Two sample files (CSV, d = 2, n = 300 and 250) for the metrics command. */
function sampleFiles(): [string, string] {
  const dir = mkdtempSync(join(tmpdir(), 'mf-webgpu-'));
  const r = rng(21, 0);
  const csv = (n: number, shift: number) => `x0,x1\n${Array.from({ length: n }, () => `${r.normal() + shift},${r.normal()}`).join('\n')}\n`;
  const a = join(dir, 'a.csv');
  const b = join(dir, 'b.csv');
  writeFileSync(a, csv(300, 0));
  writeFileSync(b, csv(250, 0.5));
  return [a, b];
}

const lavapipeInstalled = (() => {
  const dir = '/usr/share/vulkan/icd.d';
  return existsSync(dir) && readdirSync(dir).some((f) => f.startsWith('lvp_icd'));
})();

let gpu: OpenedGpu | null = null;
let unavailable = '';

beforeAll(async () => {
  try {
    gpu = await openWebGpu({ minPairs: 0 });
    console.log(`webgpu tests: adapter ${gpu.info}`);
  } catch (e) {
    if (!(e instanceof WebGpuUnavailable)) throw e;
    unavailable = e.message;
    console.warn(`\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n!! WebGPU tests: NO ADAPTER (${e.message}).\n!! GPU parity tests are SKIPPED locally; they fail under CI. Install lavapipe: bash scripts/install-lavapipe.sh\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n`);
  }
});

afterAll(() => {
  gpu?.close();
});

/** Skips (locally, without lavapipe) or fails (CI, or lavapipe installed) when no adapter was found. */
function needGpu(ctx: { skip: (note?: string) => void }): WebGpuSums {
  if (gpu) return gpu.sums;
  if (process.env.CI || lavapipeInstalled) throw new Error(`no WebGPU adapter: ${unavailable}`);
  ctx.skip(`no WebGPU adapter: ${unavailable}`);
  throw new Error('unreachable');
}

it('an adapter is found wherever it must be (CI, or lavapipe installed)', () => {
  if (process.env.CI || lavapipeInstalled) expect(gpu, `no WebGPU adapter: ${unavailable}`).not.toBeNull();
});

function kernelFor(kind: Kernel['kind'], d: number): Kernel {
  const sigma = Math.sqrt(d); // the median heuristic's scale for N(0, I) clouds
  switch (kind) {
    case 'imq':
      return { kind, sigma, beta: 0.5 };
    case 'energy':
      return { kind };
    default:
      return { kind, sigma };
  }
}

/**
 * Points and sources: two N(0, I) clouds shifted by 1000 in every coordinate (so f32 without
 * centring would lose 3 digits of every difference), signed coefficients.
 */
function problem(seed: number, n: number, m: number, d: number) {
  const r = rng(seed, 0);
  const X = r.fillNormal(new Float64Array(n * d)).map((x) => x + 1000);
  const Y = r.fillNormal(new Float64Array(m * d)).map((x) => 1.2 * x + 1000.3);
  const v = new Float64Array(m).map(() => r.normal());
  return { X, Y, v };
}

/** max over entries of |a − b| / scale (entrywise scale). */
function worstRatio(a: Float64Array, b: Float64Array, scale: Float64Array): number {
  let w = 0;
  for (let k = 0; k < a.length; k++) w = Math.max(w, Math.abs(a[k]! - b[k]!) / scale[k]!);
  return w;
}

/** Σⱼ |vⱼ k| and Σⱼ |vⱼ cᵢⱼ (xᵢ − yⱼ)ₐ| from the scalar profile: the natural scale of each sum. */
function absScales(ker: Kernel, X: Float64Array, Y: Float64Array, d: number, v: Float64Array) {
  const n = X.length / d;
  const m = Y.length / d;
  const sv = new Float64Array(n);
  const sg = new Float64Array(n * d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let a = 0; a < d; a++) s += (X[i * d + a]! - Y[j * d + a]!) ** 2;
      const p = kernelProfile(ker, s, d);
      sv[i]! += Math.abs(v[j]! * p.k);
      for (let a = 0; a < d; a++) sg[i * d + a]! += Math.abs(v[j]! * p.c * (X[i * d + a]! - Y[j * d + a]!));
    }
  return { sv, sg };
}

const SIZES: [number, number, number][] = [
  [1, 2048, 1999],
  [2, 2048, 1500],
  [100, 300, 700],
];

describe('WebGPU sums vs the f64 CPU path (|Δ| ≤ WEBGPU_TOLERANCE · Σⱼ|vⱼ termᵢⱼ|)', () => {
  for (const [d, n, m] of SIZES)
    for (const kind of KERNEL_KINDS) {
      it(`kernelSumGrad value + gradient and value only: ${kind}, d = ${d}, n = ${n}, m = ${m}`, async (ctx) => {
        const sums = needGpu(ctx);
        const ker = kernelFor(kind, d);
        const { X, Y, v } = problem(d * 31 + kind.length, n, m, d);
        const val = new Float64Array(n);
        const grad = new Float64Array(n * d);
        expect(await sums.kernelSumGrad(ker, X, Y, d, v, val, grad)).toBe(true);
        const val1 = new Float64Array(n);
        expect(await sums.kernelSumGrad(ker, X, Y, d, v, val1, null)).toBe(true);
        const rv = new Float64Array(n);
        const rg = new Float64Array(n * d);
        kernelSumGradJs(ker, X, Y, d, v, rv, rg);
        const { sv, sg } = absScales(ker, X, Y, d, v);
        const ev = worstRatio(val, rv, sv);
        const eg = worstRatio(grad, rg, sg);
        const ev1 = worstRatio(val1, rv, sv);
        console.log(`webgpu parity ${kind} d=${d}: value ${ev.toExponential(2)}, gradient ${eg.toExponential(2)}, value-only ${ev1.toExponential(2)}`);
        expect(ev).toBeLessThanOrEqual(WEBGPU_TOLERANCE);
        expect(eg).toBeLessThanOrEqual(WEBGPU_TOLERANCE);
        expect(ev1).toBeLessThanOrEqual(WEBGPU_TOLERANCE);
      });

      it(`kernelSumVec (K·G, p = 3): ${kind}, d = ${d}`, async (ctx) => {
        const sums = needGpu(ctx);
        const ker = kernelFor(kind, d);
        const nn = Math.min(n, 700);
        const { X, Y, v } = problem(d * 17 + kind.length, nn, m, d);
        const p = 3;
        const G = rng(5, 1).fillNormal(new Float64Array(m * p));
        const out = new Float64Array(nn * p);
        expect(await sums.kernelSumVec(ker, X, Y, d, v, G, p, out)).toBe(true);
        const ref = kernelSumVec(ker, X, Y, d, v, G, p);
        const scale = new Float64Array(nn * p);
        for (let i = 0; i < nn; i++)
          for (let j = 0; j < m; j++) {
            let s = 0;
            for (let a = 0; a < d; a++) s += (X[i * d + a]! - Y[j * d + a]!) ** 2;
            const kv = Math.abs(v[j]! * kernelProfile(ker, s, d).k);
            for (let c = 0; c < p; c++) scale[i * p + c]! += kv * Math.abs(G[j * p + c]!);
          }
        const e = worstRatio(out, ref, scale);
        console.log(`webgpu parity K·G ${kind} d=${d}: ${e.toExponential(2)}`);
        expect(e).toBeLessThanOrEqual(WEBGPU_TOLERANCE);
      });

      if (STEIN_KERNEL_KINDS.includes(kind))
        it(`steinKernelSum: ${kind}, d = ${d}`, async (ctx) => {
          const sums = needGpu(ctx);
          const ker = kernelFor(kind, d);
          const nn = Math.min(n, 700);
          const { X, Y, v } = problem(d * 7 + kind.length, nn, m, d);
          // scores of N(1000·1, I): s(x) = −(x − 1000)
          const SX = X.map((x) => 1000 - x);
          const SY = Y.map((y) => 1000 - y);
          const out = new Float64Array(nn);
          expect(await sums.steinKernelSum(ker, X, SX, Y, SY, d, v, out)).toBe(true);
          const ref = steinKernelSumJs(ker, X, SX, Y, SY, d, v, new Float64Array(nn));
          const scale = new Float64Array(nn);
          for (let i = 0; i < nn; i++)
            for (let j = 0; j < m; j++) {
              let s = 0;
              let ss = 0;
              let dsd = 0;
              for (let a = 0; a < d; a++) {
                const u = X[i * d + a]! - Y[j * d + a]!;
                s += u * u;
                ss += SX[i * d + a]! * SY[j * d + a]!;
                dsd += (SY[j * d + a]! - SX[i * d + a]!) * u;
              }
              const pr = kernelProfile(ker, s, d);
              scale[i]! += Math.abs(v[j]!) * (Math.abs(pr.k * ss) + Math.abs(pr.c * dsd) + Math.abs(pr.trace));
            }
          const e = worstRatio(out, ref, scale);
          console.log(`webgpu parity Stein ${kind} d=${d}: ${e.toExponential(2)}`);
          expect(e).toBeLessThanOrEqual(WEBGPU_TOLERANCE);
        });
    }

  it('chunking over rows and sources (tiny binding limit, few pairs per dispatch) gives the same sums', async (ctx) => {
    needGpu(ctx);
    const chunky = new WebGpuSums(gpu!.device, { minPairs: 0, maxBindingBytes: 4096, maxPairsPerDispatch: 50_000 });
    const d = 3;
    const n = 1500;
    const m = 1300;
    const ker: Kernel = { kind: 'gaussian', sigma: 1.5 };
    const { X, Y, v } = problem(99, n, m, d);
    const val = new Float64Array(n);
    const grad = new Float64Array(n * d);
    expect(await chunky.kernelSumGrad(ker, X, Y, d, v, val, grad)).toBe(true);
    const rv = new Float64Array(n);
    const rg = new Float64Array(n * d);
    kernelSumGradJs(ker, X, Y, d, v, rv, rg);
    const { sv, sg } = absScales(ker, X, Y, d, v);
    expect(worstRatio(val, rv, sv)).toBeLessThanOrEqual(WEBGPU_TOLERANCE);
    expect(worstRatio(grad, rg, sg)).toBeLessThanOrEqual(WEBGPU_TOLERANCE);
    chunky.release();
  });

  it('accumulation is compensated: 4·10⁶ equal terms sum to 4·10⁶·k within the f32 error of one term', async (ctx) => {
    needGpu(ctx);
    // a plain f32 running sum of the 62 500 tile partials (each ≈ 39) near 2.4·10⁶ rounds each addition
    // to ulp = 0.25: a random walk of ~10⁻⁵ relative; the double-f32 accumulator keeps only the
    // error of k itself (WGSL's exp: 4 ulp ≈ 2.4·10⁻⁷ at −½)
    const sums = gpu!.sums;
    const m = 4_000_000;
    const Y = new Float64Array(m).fill(0.3);
    const X = Float64Array.of(0.3, 1.3);
    const v = new Float64Array(m).fill(1);
    const ker: Kernel = { kind: 'gaussian', sigma: 1 };
    const val = new Float64Array(2);
    expect(await sums.kernelSumGrad(ker, X, Y, 1, v, val, null)).toBe(true);
    expect(Math.abs(val[0]! - m) / m).toBeLessThan(1e-6);
    expect(Math.abs(val[1]! - m * Math.exp(-0.5)) / (m * Math.exp(-0.5))).toBeLessThan(1e-6);
  });

  it('declines what it does not do: non-Stein kernels in the Stein sum, non-finite inputs', async (ctx) => {
    const sums = needGpu(ctx);
    const X = Float64Array.of(0, 1);
    const out = new Float64Array(2);
    expect(await sums.steinKernelSum({ kind: 'laplace', sigma: 1 }, X, X, X, X, 1, Float64Array.of(1, 1), out)).toBe(false);
    expect(await sums.kernelSumGrad({ kind: 'gaussian', sigma: 1 }, Float64Array.of(0, Number.NaN), X, 1, Float64Array.of(1, 1), out, null)).toBe(false);
  });
});

describe('the synchronous engine (GPU worker thread + Atomics.wait)', () => {
  it('a flow run on the GPU backend tracks the CPU run (IFT, Gaussian kernel, n = m = 400, d = 2, 10 steps)', async (ctx) => {
    needGpu(ctx);
    const r = rng(11, 0);
    const n = 400;
    const d = 2;
    const X0 = r.fillNormal(new Float64Array(n * d));
    const Y = r.fillNormal(new Float64Array(n * d)).map((y, k) => y * 0.5 + (k % 2 ? 2 : -1));
    const cfg = P.ift({ kernel: { kind: 'gaussian', sigma: 1 }, target: { Y, d }, tau: 0.5, eta: 0.5, variant: 'pgd' });
    const mu0 = { n, d, X: X0, w: new Float64Array(n).fill(1 / n) };
    const steps = 10;
    const cpu = runFlow(flow(cfg), mu0, { steps, seed: 3 });
    const be = await useBackend('webgpu', { minPairs: 0, log: (l) => console.warn(l) });
    expect(be.name).toBe('webgpu');
    let g: ReturnType<typeof runFlow>;
    try {
      g = runFlow(flow(cfg), mu0, { steps, seed: 3 });
      expect(be.engine!.calls).toBeGreaterThanOrEqual(steps);
      expect(be.engine!.failure).toBeNull();
    } finally {
      await be.close();
    }
    expect(getSumEngine()).toBeNull();
    // Each step perturbs ∇ξ by ≤ tol·Σ|terms| (≈ 1e-5·|∇ξ|); over 10 steps of τ = 0.5 positions move
    // O(1), so they agree to ~1e-4 absolute; the weights likewise.
    let dx = 0;
    for (let k = 0; k < n * d; k++) dx = Math.max(dx, Math.abs(g.final.mu.X[k]! - cpu.final.mu.X[k]!));
    let dw = 0;
    for (let i = 0; i < n; i++) dw = Math.max(dw, Math.abs(g.final.mu.w[i]! - cpu.final.mu.w[i]!) * n);
    console.log(`webgpu flow tracking after ${steps} steps: max |Δx| ${dx.toExponential(2)}, max n·|Δw| ${dw.toExponential(2)}`);
    expect(dx).toBeLessThan(1e-3);
    expect(dw).toBeLessThan(1e-3);
    // and the run moved: the comparison is not between two copies of µ₀
    let moved = 0;
    for (let k = 0; k < n * d; k++) moved = Math.max(moved, Math.abs(cpu.final.mu.X[k]! - X0[k]!));
    expect(moved).toBeGreaterThan(0.1);
  });
});

describe('CLI on the GPU', () => {
  it('metrics --backend webgpu agrees with the CPU (MMD of 300 vs 250 points, d = 2) and names the adapter', async (ctx) => {
    needGpu(ctx);
    const [a, b] = sampleFiles();
    const cpu = await cli('metrics', a, b, '--metrics', 'mmd', '--json');
    const g = await cli('metrics', a, b, '--metrics', 'mmd', '--json', '--backend', 'webgpu');
    expect(g.code).toBe(0);
    expect(g.err).toMatch(/kernel sums on WebGPU/);
    const m0 = JSON.parse(cpu.out).mmd as number;
    const m1 = JSON.parse(g.out).mmd as number;
    // MMD² = sums of O(1) terms with weights 1/n²: its error is ≤ tol·(Σ|terms|) ≈ 1e-6·3, and
    // MMD = √MMD² moves by at most that / (2·MMD)
    expect(Math.abs(m1 - m0)).toBeLessThan((3 * WEBGPU_TOLERANCE) / (2 * m0));
  });
});

describe('experiment on the GPU', () => {
  it('ift-mixture-100d --backend webgpu (n = m = 200, 6 steps, 1 run) gives the CPU figures and prints time per iteration', async (ctx) => {
    needGpu(ctx);
    const dir = mkdtempSync(join(tmpdir(), 'mf-webgpu-exp-'));
    const args = ['experiment', 'ift-mixture-100d', '--n', '200', '--m', '200', '--steps', '6', '--runs', '1', '--test-size', '200', '--record-every', '2', '--workers', '1', '--quiet', '--json'];
    const cpu = await cli(...args, '--out', join(dir, 'cpu'));
    const gpuRun = await cli(...args, '--out', join(dir, 'gpu'), '--backend', 'webgpu');
    expect(gpuRun.code).toBe(0);
    expect(gpuRun.err).toMatch(/kernel sums on WebGPU/);
    const a = JSON.parse(cpu.out).final as { method: string; mean: number }[];
    const b = JSON.parse(gpuRun.out).final as { method: string; mean: number }[];
    expect(b.map((x) => x.method)).toEqual(a.map((x) => x.method));
    // the loss MMD² after 6 steps: GPU sums perturb it by ~1e-6 relative per step
    for (let k = 0; k < a.length; k++) expect(Math.abs(b[k]!.mean - a[k]!.mean)).toBeLessThan(1e-4 * a[k]!.mean);
    expect(readFileSync(join(dir, 'gpu', 'index.html'), 'utf8')).toMatch(/mean time per iteration \(ms\)/);
  }, 240_000);
});

describe('fallback to the CPU', () => {
  it('without the webgpu package: one line naming the package, the CPU backend, no engine installed', async () => {
    const lines: string[] = [];
    const be = await useBackend('webgpu', { module: 'measureflow-no-such-webgpu-package', log: (l) => lines.push(l) });
    expect(be.name).toBe('cpu');
    expect(getSumEngine()).toBeNull();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/measureflow-no-such-webgpu-package.*could not be loaded.*using the CPU/);
    await be.close();
  });

  it('CLI: --backend webgpu without the package prints one line and gives the CPU figures', async () => {
    const [a, b] = sampleFiles();
    const cpu = await cli('metrics', a, b, '--metrics', 'mmd', '--json');
    process.env.MEASUREFLOW_WEBGPU_MODULE = 'measureflow-no-such-webgpu-package';
    let fb: Awaited<ReturnType<typeof cli>>;
    try {
      fb = await cli('metrics', a, b, '--metrics', 'mmd', '--json', '--backend', 'webgpu');
    } finally {
      delete process.env.MEASUREFLOW_WEBGPU_MODULE;
    }
    expect(fb.code).toBe(0);
    expect(fb.err.trim().split('\n')).toHaveLength(1);
    expect(fb.err).toMatch(/--backend webgpu: .*could not be loaded.*using the CPU/);
    expect(JSON.parse(fb.out).mmd).toBe(JSON.parse(cpu.out).mmd);
  });

  it('CLI: --backend bogus is refused with the allowed values', async () => {
    const [a, b] = sampleFiles();
    const r = await cli('metrics', a, b, '--backend', 'cuda');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cpu, webgpu, auto/);
  });

  it("backend 'cpu' starts nothing and says nothing", async () => {
    const lines: string[] = [];
    const be = await useBackend('cpu', { log: (l) => lines.push(l) });
    expect(be.name).toBe('cpu');
    expect(lines).toHaveLength(0);
  });

  it('a GPU failure during a run is reported once and the sums fall back to the CPU result', () => {
    const control = createControl();
    const ctl = new Int32Array(control, 0, 3);
    const text = new Uint16Array(control, CONTROL_TEXT_OFFSET, 16);
    let posts = 0;
    // a fake GPU thread that fails every request (answers before the client waits)
    const target = {
      postMessage: () => {
        posts++;
        const msg = 'device lost';
        for (let k = 0; k < msg.length; k++) text[k] = msg.charCodeAt(k);
        Atomics.store(ctl, 2, msg.length);
        Atomics.store(ctl, 1, 2);
        Atomics.store(ctl, 0, 1);
      },
    };
    const errors: string[] = [];
    const engine = new BlockingGpuEngine(target, control, { minPairs: 0, onError: (m) => errors.push(m) });
    const prev = setSumEngine(engine);
    try {
      const ker: Kernel = { kind: 'gaussian', sigma: 1 };
      const { X, Y, v } = problem(4, 50, 60, 2);
      const val = new Float64Array(50);
      const ref = new Float64Array(50);
      kernelSumGrad(ker, X, Y, 2, v, val, null);
      kernelSumGrad(ker, X, Y, 2, v, val, null);
      setSumEngine(null);
      kernelSumGrad(ker, X, Y, 2, v, ref, null);
      expect(Array.from(val)).toEqual(Array.from(ref));
      expect(errors).toEqual(['WebGPU failed: device lost']);
      expect(posts).toBe(1); // after the failure the engine declines without asking the GPU
    } finally {
      setSumEngine(prev);
    }
  });
});
