/**
 * `npm run bench:gpu` (tsx bench/gpu.ts): the WebGPU backend on this machine's adapter.
 * No network. Prints
 * 1. the adapter (on a machine without a GPU: Mesa's lavapipe, i.e. software rendering on the
 *    CPU — its times say nothing about GPU speed);
 * 2. parity against the f64 CPU path on a subsample (worst |Δ| / Σ|terms| over entries);
 * 3. time per MMD-witness-gradient evaluation ∇ξ(xᵢ) = Σⱼ vⱼ ∇₁k(xᵢ, sⱼ), sources [X; Y],
 *    coefficients [w; −1/m], Gaussian kernel, at n = m ∈ {10⁴, 10⁵, 10⁶}, d ∈ {2, 100}, on the
 *    GPU (async API, one call = upload + all dispatches + readback), on the CPU (single thread,
 *    only where it takes under the budget) and with torch (f32, chunked cdist/exp/matmul, the
 *    stack of the IFT authors' code) when `python3 -c 'import torch'` works.
 * Sizes whose predicted time (from the previous size, quadratic scaling) exceeds the budget are
 * skipped with a line saying so. Options: --budget SECONDS (per evaluation, default 60),
 * --sizes 1e4,1e5 --dims 2,100.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelSumGrad, signedSources } from '../src/backend/kernelSums.js';
import { WEBGPU_TOLERANCE } from '../src/backend/webgpu/sums.js';
import { rng } from '../src/core/rng.js';
import type { Kernel } from '../src/kernels/kernel.js';
import { kernelProfile } from '../src/kernels/kernel.js';
import { openWebGpu, WebGpuUnavailable } from '../src/node/webgpu.js';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const option = (name: string) => {
  const k = argv.indexOf(name);
  return k >= 0 ? argv[k + 1] : undefined;
};
const budget = Number(option('--budget') ?? 60);
const sizes = (option('--sizes') ?? '1e4,1e5,1e6').split(',').map(Number);
const dims = (option('--dims') ?? '2,100').split(',').map(Number);

function problem(n: number, m: number, d: number) {
  const r = rng(2024, d);
  const X = r.fillNormal(new Float64Array(n * d));
  const Y = r.fillNormal(new Float64Array(m * d)).map((y) => y + 0.5);
  const w = new Float64Array(n).fill(1 / n);
  return { X, Y, w };
}

const fmt = (s: number) => (s < 1 ? `${(s * 1000).toFixed(1)} ms` : `${s.toFixed(2)} s`);

let gpu: Awaited<ReturnType<typeof openWebGpu>>;
try {
  gpu = await openWebGpu({ minPairs: 0 });
} catch (e) {
  if (e instanceof WebGpuUnavailable) {
    console.log(`bench:gpu: no WebGPU adapter (${e.message}). Nothing to measure.`);
    process.exit(1);
  }
  throw e;
}
const software = /llvmpipe|lavapipe|swiftshader|software/i.test(gpu.info);
console.log(`adapter: ${gpu.info}${software ? '   ** SOFTWARE RENDERING on the CPU: times below are not GPU speed **' : ''}`);
const L = gpu.device.limits;
console.log(
  `limits: maxStorageBufferBindingSize ${L.maxStorageBufferBindingSize}, maxBufferSize ${L.maxBufferSize}, maxComputeWorkgroupStorageSize ${L.maxComputeWorkgroupStorageSize}, maxComputeWorkgroupsPerDimension ${L.maxComputeWorkgroupsPerDimension}`,
);

// 2. parity on a subsample
console.log(`\nparity vs the f64 CPU path (worst |Δ| / Σⱼ|vⱼ termᵢⱼ|; documented tolerance ${WEBGPU_TOLERANCE}):`);
for (const d of dims) {
  const n = d > 10 ? 300 : 2000;
  const { X, Y, w } = problem(n, n, d);
  const ker: Kernel = { kind: 'gaussian', sigma: Math.sqrt(d) };
  const { S, v } = signedSources(X, w, Y, d);
  const g = new Float64Array(n * d);
  const vg = new Float64Array(n);
  await gpu.sums.kernelSumGrad(ker, X, S, d, v, vg, g);
  const rc = new Float64Array(n * d);
  const rv = new Float64Array(n);
  kernelSumGrad(ker, X, S, d, v, rv, rc);
  let wv = 0;
  let wg = 0;
  const ns = S.length / d;
  for (let i = 0; i < n; i++) {
    let sv = 0;
    const sg = new Float64Array(d);
    for (let j = 0; j < ns; j++) {
      let s = 0;
      for (let a = 0; a < d; a++) s += (X[i * d + a]! - S[j * d + a]!) ** 2;
      const p = kernelProfile(ker, s, d);
      sv += Math.abs(v[j]! * p.k);
      for (let a = 0; a < d; a++) sg[a]! += Math.abs(v[j]! * p.c * (X[i * d + a]! - S[j * d + a]!));
    }
    wv = Math.max(wv, Math.abs(vg[i]! - rv[i]!) / sv);
    for (let a = 0; a < d; a++) wg = Math.max(wg, Math.abs(g[i * d + a]! - rc[i * d + a]!) / sg[a]!);
  }
  console.log(`  d = ${d}, n = m = ${n}: witness ${wv.toExponential(2)}, gradient ${wg.toExponential(2)}`);
}

// 3. timings
let torchOk = spawnSync('python3', ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
console.log(`\ntorch: ${torchOk ? 'available' : "not available (python3 -c 'import torch' fails): no torch column"}`);
console.log('\nwitness gradient, Gaussian kernel σ = √d, sources [X; Y] (n + m), times per evaluation:');
console.log('  d    n = m      webgpu          cpu (1 thread)   torch f32');
/** Time of one witness-gradient evaluation on the GPU (second run when the first was quick) or on the CPU. */
async function timeOnce(where: 'gpu' | 'cpu', n: number, d: number, data: ReturnType<typeof problem>): Promise<number> {
  const ker: Kernel = { kind: 'gaussian', sigma: Math.sqrt(d) };
  const { S, v } = signedSources(data.X, data.w, data.Y, d);
  const g = new Float64Array(n * d);
  const t0 = performance.now();
  if (where === 'gpu') await gpu.sums.kernelSumGrad(ker, data.X, S, d, v, null, g);
  else kernelSumGrad(ker, data.X, S, d, v, null, g);
  return (performance.now() - t0) / 1000;
}

for (const d of dims) {
  // calibration at a small size, so the first listed size is skipped too when it would take too long
  const n0 = d > 10 ? 500 : 2000;
  const cal = problem(n0, n0, d);
  await timeOnce('gpu', n0, d, cal); // compiles the pipeline
  let prevGpu: { n: number; s: number } | null = { n: n0, s: await timeOnce('gpu', n0, d, cal) };
  let prevCpu: { n: number; s: number } | null = { n: n0, s: await timeOnce('cpu', n0, d, cal) };
  console.log(`  ${String(d).padEnd(4)} ${`${n0} (cal.)`.padEnd(10)} ${fmt(prevGpu.s).padEnd(15)} ${fmt(prevCpu.s).padEnd(16)} ${torchOk ? '' : '—'}`);
  for (const n of sizes) {
    const predict = (p: { n: number; s: number } | null) => (p ? p.s * (n / p.n) ** 2 : 0);
    const pg = predict(prevGpu);
    const pc = predict(prevCpu);
    let gpuCell = '';
    let cpuCell = '';
    let torchCell = torchOk ? '' : '—';
    const needData = pg <= budget || pc <= budget || torchOk;
    const data = needData ? problem(n, n, d) : null;
    const ker: Kernel = { kind: 'gaussian', sigma: Math.sqrt(d) };
    if (data && pg <= budget) {
      const { S, v } = signedSources(data.X, data.w, data.Y, d);
      const g = new Float64Array(n * d);
      const t0 = performance.now();
      await gpu.sums.kernelSumGrad(ker, data.X, S, d, v, null, g);
      let s = (performance.now() - t0) / 1000;
      if (s < budget / 3) {
        // a second, warm run (pipeline compiled, buffers allocated)
        const t1 = performance.now();
        await gpu.sums.kernelSumGrad(ker, data.X, S, d, v, null, g);
        s = (performance.now() - t1) / 1000;
      }
      prevGpu = { n, s };
      gpuCell = fmt(s);
    } else gpuCell = `skipped (~${fmt(pg)})`;
    if (data && pc <= budget) {
      const { S, v } = signedSources(data.X, data.w, data.Y, d);
      const g = new Float64Array(n * d);
      const t0 = performance.now();
      kernelSumGrad(ker, data.X, S, d, v, null, g);
      const s = (performance.now() - t0) / 1000;
      prevCpu = { n, s };
      cpuCell = fmt(s);
    } else cpuCell = `skipped (~${fmt(pc)})`;
    if (torchOk) {
      const r = spawnSync('python3', [join(here, 'torch_witness.py'), '--n', String(n), '--d', String(d), '--budget', String(budget)], { encoding: 'utf8' });
      if (r.status === 0) torchCell = r.stdout.trim();
      else {
        torchCell = `failed: ${r.stderr.trim().split('\n').pop()}`;
        torchOk = false;
      }
    }
    console.log(`  ${String(d).padEnd(4)} ${n.toExponential(0).padEnd(10)} ${gpuCell.padEnd(15)} ${cpuCell.padEnd(16)} ${torchCell}`);
  }
}
if (software) console.log('\n(software rendering: the webgpu column measures Mesa lavapipe on this CPU, not a GPU)');
gpu.close();
process.exit(0);
