/**
 * Threaded kernel sums (src/backend/parallel.ts, src/node/threads.ts) and the f32 path.
 * The fact tested for threads: splitting the output rows over any number of threads gives
 * results bit-identical to the built-in single-threaded path (Object.is on every entry).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSumEngine } from '../src/backend/engine.js';
import { kernelSumGrad, signedSources } from '../src/backend/kernelSums.js';
import { splitRows } from '../src/backend/parallel.js';
import { steinKernelSum } from '../src/backend/steinSums.js';
import { kernelSumVec } from '../src/backend/vectorSums.js';
import { expNonPositiveWasmF32, F32_ERROR, gaussianSumGradWasm, wasmKernelsAvailable } from '../src/backend/wasmKernels.js';
import { InputError } from '../src/core/errors.js';
import { rng } from '../src/core/rng.js';
import { flow } from '../src/flows/flow.js';
import { runFlow } from '../src/flows/run.js';
import { KERNEL_KINDS, type Kernel, STEIN_KERNEL_KINDS } from '../src/kernels/kernel.js';
import { resolveSettings } from '../src/experiments/index.js';
import { main } from '../src/node/cli.js';
import { runExperiment } from '../src/node/experiment.js';
import { resolveThreads, type ThreadsHandle, useThreads } from '../src/node/threads.js';
import * as P from '../src/presets/index.js';
import { gaussianTarget } from '../src/targets/gaussian.js';
import { randomMeasure } from './flowHelpers.js';

const kernelOf = (kind: Kernel['kind']): Kernel => (kind === 'energy' ? { kind } : kind === 'imq' ? { kind, sigma: 1.3, beta: 0.7 } : { kind, sigma: 1.3 });

function identical(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function data(n: number, m: number, d: number, seed: number) {
  const r = rng(seed, n * 100 + d);
  const X = r.fillNormal(new Float64Array(n * d));
  const Y = r.fillNormal(new Float64Array(m * d));
  const SX = r.fillNormal(new Float64Array(n * d));
  const SY = r.fillNormal(new Float64Array(m * d));
  const v = new Float64Array(m).map(() => r.normal());
  const p = 3;
  const G = r.fillNormal(new Float64Array(m * p));
  return { X, Y, SX, SY, v, G, p };
}

/** All three sums for every kernel kind (Stein: the kinds it accepts), on the current engine. */
function allSums(n: number, m: number, d: number) {
  const { X, Y, SX, SY, v, G, p } = data(n, m, d, 3);
  const out: Record<string, Float64Array> = {};
  for (const kind of KERNEL_KINDS) {
    const ker = kernelOf(kind);
    const val = new Float64Array(n);
    const grad = new Float64Array(n * d);
    kernelSumGrad(ker, X, Y, d, v, val, grad);
    out[`${kind} val`] = val;
    out[`${kind} grad`] = grad;
    const valOnly = new Float64Array(n);
    kernelSumGrad(ker, X, Y, d, v, valOnly, null);
    out[`${kind} val only`] = valOnly;
    out[`${kind} vec`] = kernelSumVec(ker, X, Y, d, v, G, p);
    if (STEIN_KERNEL_KINDS.includes(kind)) out[`${kind} stein`] = steinKernelSum(ker, X, SX, Y, SY, d, v);
  }
  // the MMD witness: sources [X; Y], where the WebAssembly path treats each point's own term apart
  const w = new Float64Array(n).fill(1 / n);
  const { S, v: sv } = signedSources(X, w, Y, d);
  const wg = new Float64Array(n * d);
  kernelSumGrad({ kind: 'gaussian', sigma: 1.1 }, X, S, d, sv, null, wg);
  out['witness grad'] = wg;
  return out;
}

// sizes: n not divisible by 2, 3 or 4 (nor by the row groups of 4); tiny n; the
// WebAssembly path (n·m ≥ 256) and the TypeScript one; the norms path (d ≥ 8)
const SIZES: [number, number, number][] = [
  [1, 5, 2],
  [3, 7, 3],
  [5, 130, 2],
  [203, 157, 2],
  [61, 47, 12],
];

describe('threaded kernel sums are bit-identical to the single-threaded path', () => {
  const reference = new Map<string, Record<string, Float64Array>>();
  beforeAll(() => {
    expect(getSumEngine()).toBeNull();
    for (const [n, m, d] of SIZES) reference.set(`${n},${m},${d}`, allSums(n, m, d));
  });
  for (const threads of [1, 2, 3, 4]) {
    describe(`${threads} thread(s)`, () => {
      let h: ThreadsHandle;
      beforeAll(async () => {
        h = useThreads(threads, { minPairs: 1 }); // split even the tiny sums
        await h.ready;
      }, 60_000);
      afterAll(async () => {
        await h.dispose();
        expect(getSumEngine()).toBeNull();
      });
      for (const [n, m, d] of SIZES) {
        it(`n=${n} m=${m} d=${d}: every kernel, kernelSumGrad / steinKernelSum / kernelSumVec`, () => {
          expect(h.engine.name).toBe(`threads×${threads}`);
          const got = allSums(n, m, d);
          const ref = reference.get(`${n},${m},${d}`)!;
          expect(Object.keys(got)).toEqual(Object.keys(ref));
          for (const k of Object.keys(ref)) expect(identical(got[k]!, ref[k]!), `${k} (${threads} threads)`).toBe(true);
          // and the helpers really computed rows (n ≥ 5 rows can be split)
          if (threads > 1 && n >= 5) expect(h.engine.stats.helperJobs).toBeGreaterThan(0);
        });
      }
    });
  }
});

describe('a whole flow is bit-identical with and without threads', () => {
  const run = () => {
    const r = rng(11, 0);
    const Y = r.fillNormal(new Float64Array(150 * 2));
    const mu0 = randomMeasure(r, 120, 2, 2);
    const ker: Kernel = { kind: 'gaussian', sigma: 1 };
    const ift = runFlow(flow(P.ift({ kernel: ker, target: { Y, d: 2 }, tau: 0.2, eta: 0.5, variant: 'pgd' })), mu0, { steps: 5, seed: 7 });
    const mmd = runFlow(flow(P.mmdFlow({ kernel: ker, target: { Y, d: 2 }, tau: 0.3, noise: { level: 0.3, until: 3 } })), mu0, { steps: 5, seed: 7 });
    const target = gaussianTarget({ d: 2 });
    const svgd = runFlow(flow(P.svgd({ kernel: ker, target, tau: 0.1 })), mu0, { steps: 3, seed: 7 });
    const ksd = runFlow(flow(P.ksdDescent({ kernel: ker, target, tau: 0.1 })), mu0, { steps: 2, seed: 7 });
    return [ift.final.mu.X, ift.final.mu.w, mmd.final.mu.X, svgd.final.mu.X, ksd.final.mu.X];
  };
  it('IFT (PGD weights), MMD flow with noise, SVGD, KSD descent: 3 threads vs none', async () => {
    const plain = run();
    const h = useThreads(3, { minPairs: 1 });
    await h.ready;
    try {
      const threaded = run();
      expect(h.engine.stats.helperJobs).toBeGreaterThan(100);
      for (let k = 0; k < plain.length; k++) expect(identical(threaded[k]!, plain[k]!), `array ${k}`).toBe(true);
    } finally {
      await h.dispose();
    }
  }, 60_000);
});

describe('rows and threads: the pieces', () => {
  it('splitRows: inner boundaries multiples of 4, covering [0, n), no empty range', () => {
    for (const n of [0, 1, 3, 4, 5, 17, 203, 1000])
      for (const parts of [1, 2, 3, 4, 7]) {
        const b = splitRows(n, parts);
        expect(b[0]).toBe(0);
        expect(b.at(-1)).toBe(n);
        for (let k = 1; k < b.length - 1; k++) expect(b[k]! % 4).toBe(0);
        for (let k = 1; k < b.length; k++) expect(b[k]!).toBeGreaterThan(b[k - 1]! - (n === 0 ? 1 : 0));
        expect(b.length - 1).toBeLessThanOrEqual(parts);
      }
  });
  it('resolveThreads: auto ≥ 1; bad values are InputErrors naming the field', () => {
    expect(resolveThreads('auto')).toBeGreaterThanOrEqual(1);
    expect(resolveThreads(3)).toBe(3);
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => resolveThreads(bad, '--threads')).toThrow(InputError);
      expect(() => resolveThreads(bad, '--threads')).toThrow(/--threads/);
    }
  });
  it.skipIf(!wasmKernelsAvailable())('a row range of the WebAssembly kernel equals those rows of the full call', () => {
    const n = 37;
    const d = 5;
    const { X, Y, v } = data(n, 41, d, 5);
    const val = new Float64Array(n);
    const grad = new Float64Array(n * d);
    gaussianSumGradWasm(1.2, X, Y, d, v, val, grad);
    const val2 = new Float64Array(n).fill(Number.NaN);
    const grad2 = new Float64Array(n * d).fill(Number.NaN);
    for (const [a, b] of [[0, 4], [4, 12], [12, 16], [16, 37]] as [number, number][])
      gaussianSumGradWasm(1.2, X, Y, d, v, val2, grad2, { rows: [a, b] });
    expect(identical(val, val2)).toBe(true);
    expect(identical(grad, grad2)).toBe(true);
    expect(() => gaussianSumGradWasm(1.2, X, Y, d, v, val2, null, { rows: [2, 6] })).toThrow(/multiple of 4/);
  });
  it('dist/: a production worker pool runs and does not keep the process alive', () => {
    const root = join(import.meta.dirname, '..');
    // rebuild dist/ only when it is older than the sources this test runs (npm ci builds it)
    const mtime = (f: string) => (existsSync(join(root, f)) ? statSync(join(root, f)).mtimeMs : 0);
    const pairs = ['node/threads', 'node/sumWorker', 'backend/parallel', 'backend/kernelSums', 'backend/wasmKernels', 'backend/wasmModule'];
    if (pairs.some((f) => mtime(`dist/${f}.js`) < mtime(`src/${f}.ts`))) {
      const build = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
      expect(build.status, build.stdout + build.stderr).toBe(0);
    }
    // not disposed on purpose: the unref'd workers must let the process end by itself
    const code = `
      import { useThreads } from '${pathToFileURL(join(root, 'dist/node/index.js')).href}';
      import { kernelSumGrad } from '${pathToFileURL(join(root, 'dist/backend/kernelSums.js')).href}';
      const h = useThreads(2, { minPairs: 1 });
      await h.ready;
      const n = 50, d = 2, X = new Float64Array(n * d).map((_, i) => Math.sin(i)), v = new Float64Array(n).fill(1);
      const a = new Float64Array(n); kernelSumGrad({ kind: 'gaussian', sigma: 1 }, X, X, d, v, a, null);
      console.log(h.engine.name, a[0] > 1);`;
    const dir = mkdtempSync(join(tmpdir(), 'measureflow-threads-'));
    const file = join(dir, 'pool.mjs');
    writeFileSync(file, code);
    const p = spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', timeout: 30_000, env: { ...process.env, NODE_OPTIONS: '' } });
    rmSync(dir, { recursive: true, force: true });
    expect(p.stderr).toBe('');
    expect(p.stdout.trim()).toBe('threads×2 true');
    expect(p.status).toBe(0);
  }, 120_000);
});

describe.skipIf(!wasmKernelsAvailable())('f32 path: error against f64 within the documented bound', () => {
  it('the float exp: relative error ≤ 4e−7 on [−87, 0]', () => {
    const xs = new Float64Array(20001).map((_, i) => -87 * (i / 20000) ** 1.5);
    const got = expNonPositiveWasmF32(xs)!;
    let worst = 0;
    for (let i = 0; i < xs.length; i++) {
      const xf = Math.fround(xs[i]!);
      worst = Math.max(worst, Math.abs(got[i]! - Math.exp(xf)) / Math.exp(xf));
    }
    expect(worst).toBeLessThan(4e-7);
    expect(expNonPositiveWasmF32(new Float64Array([-88, -100, -1e6]))).toEqual(new Float32Array(3));
  });
  for (const d of [1, 2, 10, 100]) {
    it(`MMD witness on N(0, I) data, d = ${d}: max error ≤ F32_ERROR · max magnitude (value and gradient)`, () => {
      const n = 300;
      const r = rng(5, d);
      const X = r.fillNormal(new Float64Array(n * d));
      const Y = r.fillNormal(new Float64Array(n * d)).map((y) => y + 0.5);
      const { S, v } = signedSources(X, new Float64Array(n).fill(1 / n), Y, d);
      const sigma = Math.max(1, Math.sqrt(d / 2));
      const val = new Float64Array(n);
      const grad = new Float64Array(n * d);
      gaussianSumGradWasm(sigma, X, S, d, v, val, grad);
      const val32 = new Float64Array(n);
      const grad32 = new Float64Array(n * d);
      gaussianSumGradWasm(sigma, X, S, d, v, val32, grad32, { precision: 'f32' });
      const rel = (a: Float64Array, b: Float64Array) => {
        let e = 0;
        let s = 0;
        for (let i = 0; i < a.length; i++) {
          e = Math.max(e, Math.abs(a[i]! - b[i]!));
          s = Math.max(s, Math.abs(b[i]!));
        }
        return e / s;
      };
      // the witness values are differences of sums of size ~1: normalise by the sum of |terms|
      const absSum = new Float64Array(n);
      gaussianSumGradWasm(sigma, X, S, d, v.map(Math.abs), absSum, null);
      let ev = 0;
      for (let i = 0; i < n; i++) ev = Math.max(ev, Math.abs(val32[i]! - val[i]!) / absSum[i]!);
      expect(ev).toBeLessThan(F32_ERROR);
      expect(rel(grad32, grad)).toBeLessThan(F32_ERROR);
      expect(rel(grad32, grad)).toBeGreaterThan(0); // it is really another computation
    });
  }
  it('precision f32 through the engine: single thread and 2 threads agree bit for bit', async () => {
    const n = 203;
    const d = 3;
    const { X, Y, v } = data(n, 190, d, 9);
    const ker: Kernel = { kind: 'gaussian', sigma: 1.4 };
    const one = useThreads(1, { precision: 'f32' });
    const a = new Float64Array(n * d);
    try {
      expect(one.engine.name).toBe('threads×1/f32');
      kernelSumGrad(ker, X, Y, d, v, null, a);
    } finally {
      await one.dispose();
    }
    const two = useThreads(2, { precision: 'f32', minPairs: 1 });
    await two.ready;
    const b = new Float64Array(n * d);
    try {
      kernelSumGrad(ker, X, Y, d, v, null, b);
    } finally {
      await two.dispose();
    }
    const ref = new Float64Array(n * d);
    gaussianSumGradWasm(1.4, X, Y, d, v, null, ref, { precision: 'f32' });
    expect(identical(a, ref)).toBe(true);
    expect(identical(b, ref)).toBe(true);
  }, 60_000);
});

describe('CLI --threads / --precision', () => {
  async function cli(...args: string[]) {
    let out = '';
    let err = '';
    const code = await main(['node', 'measureflow', ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
    process.exitCode = 0;
    return { code, out, err };
  }
  it('metrics: the same figures with --threads 2 as without; f32 close; bad values named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'measureflow-threads-cli-'));
    try {
      const r = rng(3, 1);
      const csv = (n: number, shift: number) => ['x,y', ...Array.from({ length: n }, () => `${r.normal() + shift},${r.normal()}`)].join('\n');
      writeFileSync(join(dir, 'a.csv'), csv(300, 0));
      writeFileSync(join(dir, 'b.csv'), csv(280, 0.5));
      const args = ['metrics', join(dir, 'a.csv'), join(dir, 'b.csv'), '--metrics', 'mmd', '--sigma', '1', '--json'];
      const plain = await cli(...args);
      const threaded = await cli(...args, '--threads', '2');
      const f32 = await cli(...args, '--precision', 'f32', '--threads', 'auto');
      expect(plain.code, plain.err).toBe(0);
      expect(threaded.code, threaded.err).toBe(0);
      expect(JSON.parse(threaded.out).mmd).toBe(JSON.parse(plain.out).mmd);
      expect(f32.code, f32.err).toBe(0);
      expect(Math.abs(JSON.parse(f32.out).mmd - JSON.parse(plain.out).mmd)).toBeLessThan(1e-4 * JSON.parse(plain.out).mmd);
      const bad = await cli(...args, '--threads', '0');
      expect(bad.code).not.toBe(0);
      expect(bad.err).toMatch(/--threads/);
      expect(getSumEngine()).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('experiment --threads', () => {
  it('threads per run = threads ÷ workers; the curves are identical with and without', async () => {
    const settings = resolveSettings('ift-gaussian-2d', { runs: 1, n: 200, steps: 6, methods: ['ift'] });
    const dirs = [mkdtempSync(join(tmpdir(), 'mf-thr-a-')), mkdtempSync(join(tmpdir(), 'mf-thr-b-'))];
    try {
      const plain = await runExperiment({ settings, outDir: dirs[0]!, workers: 1, progress: false });
      const threaded = await runExperiment({ settings, outDir: dirs[1]!, workers: 1, threads: 2, progress: false });
      expect(threaded.curves.map((c) => c.mean)).toEqual(plain.curves.map((c) => c.mean));
      await expect(runExperiment({ settings, outDir: dirs[1]!, workers: 1, threads: 0, progress: false })).rejects.toThrow(/--threads/);
    } finally {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  }, 120_000);
});
