/**
 * Kernel-sum benchmark cases: the MMD witness gradient
 *   ∇ξ(xᵢ) = Σⱼ vⱼ ∇₁k(xᵢ, sⱼ),  S = [X; Y], v = [w; −1/m],  Gaussian k,
 * at points X [n, d] ~ N(0, I) against Y [m, d] ~ N(½·1, I), w uniform, σ = max(1, √(d/2))
 * (so |x − y|²/(2σ²) ≈ 2 for a typical pair). One evaluation = `signedSources` +
 * `kernelSumGrad`, as a flow step does it.
 *
 * Run as a script, it times one case in this process and prints one JSON line, so that
 * bench/run.ts can read each case's peak memory (maxRSS) from a fresh process:
 *   node --import tsx bench/kernels.ts --case 2 [--backend auto|js] [--reps 5] [--threads T] [--precision f32] [--data FILE]
 * --data writes the case's data (X, Y, w as little-endian float64) for the numpy baseline.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { kernelSumGrad, signedSources, WASM_MIN_PAIRS } from '../src/backend/kernelSums.js';
import { kernelSumGradJs } from '../src/backend/kernelSumsJs.js';
import { gaussianSumGradWasm, wasmKernelsAvailable, wasmMemoryBytes } from '../src/backend/wasmKernels.js';
import { rng } from '../src/core/rng.js';
import { useThreads } from '../src/node/threads.js';
import type { Kernel } from '../src/kernels/kernel.js';

export interface KernelCase {
  n: number;
  m: number;
  d: number;
  sigma: number;
}

export const KERNEL_CASES: KernelCase[] = [
  [1000, 2],
  [4000, 2],
  [1000, 100],
  [2000, 100],
  [4000, 100],
].map(([n, d]) => ({ n: n!, m: n!, d: d!, sigma: Math.max(1, Math.sqrt(d! / 2)) }));

export function caseLabel(c: KernelCase): string {
  return `n=m=${c.n} d=${c.d}`;
}

export function makeData(c: KernelCase): { X: Float64Array; Y: Float64Array; w: Float64Array } {
  const r = rng(2024, c.n * 1000 + c.d);
  const X = r.fillNormal(new Float64Array(c.n * c.d));
  const Y = r.fillNormal(new Float64Array(c.m * c.d));
  for (let i = 0; i < Y.length; i++) Y[i]! += 0.5;
  const w = new Float64Array(c.n).fill(1 / c.n);
  return { X, Y, w };
}

/** Little-endian float64 X, then Y, then w (the layout bench/numpy_baseline.py --data reads). */
export function writeCaseData(c: KernelCase, file: string): void {
  const { X, Y, w } = makeData(c);
  const all = new Float64Array(X.length + Y.length + w.length);
  all.set(X, 0);
  all.set(Y, X.length);
  all.set(w, X.length + Y.length);
  writeFileSync(file, new Uint8Array(all.buffer));
}

export interface CaseResult {
  /** Median wall time of one witness-gradient evaluation, ms. */
  ms: number;
  msMin: number;
  /** Median CPU time (user + system) of one evaluation, ms: less sensitive to a loaded machine. */
  cpuMs: number;
  reps: number;
  backend: string;
  /** Peak RSS (KiB) after setting up the data, and after the timed evaluations. */
  maxRssBeforeKiB: number;
  maxRssAfterKiB: number;
  /** Size of the WebAssembly linear memory after the run (0 when unused). */
  wasmBytes: number;
  /**
   * CPU time of the busiest thread per evaluation (Linux: /proc/self/task, 10 ms ticks), the
   * critical path of a threaded run: on an idle machine its wall time is about this. On a
   * shared machine whose scheduler caps this process's share, the wall time cannot show the
   * speed-up, and single-thread CPU / this is the honest measure.
   */
  busiestThreadCpuMs?: number;
  /** Σ|grad| and the first four entries, to compare with the numpy baseline. */
  checksum: { sumAbs: number; first: number[] };
}

/** The backend the dispatcher takes for this case, in words (asks the WebAssembly path which distances it used). */
function backendName(c: KernelCase, backend: 'auto' | 'js', precision: 'f64' | 'f32'): string {
  if (backend === 'js' || c.n * (c.n + c.m) < WASM_MIN_PAIRS || !wasmKernelsAvailable()) return 'ts';
  const { X, Y, w } = makeData(c);
  const { S, v } = signedSources(X, w, Y, c.d);
  return `wasm/${gaussianSumGradWasm(c.sigma, X, S, c.d, v, new Float64Array(c.n), null, { precision })}`;
}

/**
 * Floating-point operations of one witness-gradient evaluation on the WebAssembly path, by
 * the kernel's own count per point–source pair (n·(n + m) pairs, no symmetric shortcut):
 * distance 2d (norms: multiply-add per coordinate) or 3d (direct: subtract, multiply, add),
 * gradient accumulation 2d, value accumulation 2, exp 24 (fdlibm's reduction and rational
 * form: 13 multiply/add + 1 divide + 10 for reduction and scaling, counted as 24).
 */
export function witnessFlops(c: KernelCase, path: string): number {
  const perPair = (path.endsWith('norms') ? 2 : 3) * c.d + 2 * c.d + 2 + 24;
  return c.n * (c.n + c.m) * perPair;
}

/** Per-thread CPU ticks (user + system, 1/100 s) of this process, or null off Linux. */
function threadTicks(): Map<string, number> | null {
  try {
    const m = new Map<string, number>();
    for (const t of readdirSync('/proc/self/task')) {
      try {
        const f = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
        const p = f.slice(f.lastIndexOf(')') + 2).split(' ');
        m.set(t, Number(p[11]) + Number(p[12]));
      } catch {
        // the thread ended
      }
    }
    return m;
  } catch {
    return null;
  }
}

export async function runCase(
  c: KernelCase,
  opts: { reps: number; warmup?: number; backend?: 'auto' | 'js'; threads?: number; precision?: 'f64' | 'f32' },
): Promise<CaseResult> {
  const backend = opts.backend ?? 'auto';
  const pool = (opts.threads ?? 1) > 1 || opts.precision === 'f32' ? useThreads(opts.threads ?? 1, { precision: opts.precision ?? 'f64' }) : null;
  await pool?.ready;
  try {
    return runCaseNow(c, backend, opts, pool?.engine.name);
  } finally {
    await pool?.dispose();
  }
}

function runCaseNow(c: KernelCase, backend: 'auto' | 'js', opts: { reps: number; warmup?: number; precision?: 'f64' | 'f32' }, engine: string | undefined): CaseResult {
  const { X, Y, w } = makeData(c);
  const ker: Kernel = { kind: 'gaussian', sigma: c.sigma };
  const grad = new Float64Array(c.n * c.d);
  const evaluate = () => {
    const { S, v } = signedSources(X, w, Y, c.d);
    if (backend === 'js') kernelSumGradJs(ker, X, S, c.d, v, null, grad);
    else kernelSumGrad(ker, X, S, c.d, v, null, grad);
  };
  const maxRssBeforeKiB = process.resourceUsage().maxRSS;
  for (let k = 0; k < (opts.warmup ?? 1); k++) evaluate();
  const wall: number[] = [];
  const cpu: number[] = [];
  const ticks0 = threadTicks();
  for (let k = 0; k < opts.reps; k++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    evaluate();
    wall.push(performance.now() - t0);
    const cu = process.cpuUsage(c0);
    cpu.push((cu.user + cu.system) / 1000);
  }
  const ticks1 = threadTicks();
  let busiest = 0;
  if (ticks0 && ticks1) for (const [t, v] of ticks1) busiest = Math.max(busiest, v - (ticks0.get(t) ?? 0));
  const maxRssAfterKiB = process.resourceUsage().maxRSS;
  const wasmBytes = wasmMemoryBytes();
  const median = (a: number[]) => a.slice().sort((p, q) => p - q)[(a.length - 1) >> 1]!; // lower median
  let sumAbs = 0;
  for (let i = 0; i < grad.length; i++) sumAbs += Math.abs(grad[i]!);
  return {
    ms: median(wall),
    msMin: Math.min(...wall),
    cpuMs: median(cpu),
    reps: opts.reps,
    backend: backendName(c, backend, opts.precision ?? 'f64') + (engine ? ` ${engine}` : ''),
    maxRssBeforeKiB,
    maxRssAfterKiB,
    wasmBytes,
    checksum: { sumAbs, first: Array.from(grad.subarray(0, 4)) },
    ...(ticks0 && ticks1 ? { busiestThreadCpuMs: (busiest * 10) / opts.reps } : {}),
  };
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const k = argv.indexOf(name);
    return k >= 0 ? argv[k + 1] : undefined;
  };
  const index = Number(arg('--case'));
  const c = KERNEL_CASES[index];
  if (!c) throw new Error(`--case: expected 0..${KERNEL_CASES.length - 1}`);
  const data = arg('--data');
  if (data) {
    writeCaseData(c, data);
    return;
  }
  const backend = arg('--backend') === 'js' ? 'js' : 'auto';
  const reps = Number(arg('--reps') ?? 5);
  const threads = Number(arg('--threads') ?? 1);
  const precision = arg('--precision') === 'f32' ? 'f32' : 'f64';
  process.stdout.write(`${JSON.stringify(await runCase(c, { reps, backend, threads, precision }))}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main(process.argv.slice(2));
