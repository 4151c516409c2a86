/**
 * Sliced and random-feature kernel sums (src/backend/slicedSums.ts, featureSums.ts), called
 * from `npm run bench` (bench/run.ts) or alone: `tsx bench/sliced.ts [--quick]`.
 *
 * 1. Scaling: wall time of one MMD-flow step (energy kernel −|x−y|, sliced sums, P = 100
 *    directions in orthogonal blocks, the default; n = m, uniform weights) at n = 10⁴, 10⁵, 10⁶ in 2-D and 10⁴, 10⁵ in
 *    100-D, the exact step at n = 10⁴ for comparison, and the fitted slope of log time
 *    against log n (n log n growth reads as a slope slightly above 1).
 * 2. Error: relative RMS error of the sliced witness gradient against the exact sum at
 *    n = m = 1000 for P = 10, 100, 1000 random directions (slope in P, expected −½), and for
 *    orthogonal and QMC directions at P = 100 (QMC only where d ≤ 10); and the same for random Fourier features of a Gaussian kernel.
 * 3. Time per iteration of ift-mixture-100d at n = m = 10⁴: exact Gaussian vs sliced energy
 *    kernel vs Gaussian random features.
 */
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { kernelSumGrad } from '../src/backend/kernelSums.js';
import { particleMeasure, uniformWeights } from '../src/core/measure.js';
import { rng } from '../src/core/rng.js';
import { mmdEnergy } from '../src/energies/mmd.js';
import { flow } from '../src/flows/flow.js';
import type { Kernel } from '../src/kernels/kernel.js';
import { iftFlow, iftProblem, resolveSettings } from '../src/experiments/index.js';
import type { IftSettings } from '../src/experiments/types.js';
import { mmdFlow } from '../src/presets/index.js';

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k]!.length)));
  const line = (cells: string[]) => cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]!) : c.padStart(widths[k]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Least-squares slope of log y against log x. */
export function logSlope(xs: number[], ys: number[]): number {
  const lx = xs.map(Math.log);
  const ly = ys.map(Math.log);
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ly.reduce((a, b) => a + b, 0) / ly.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < lx.length; i++) {
    sxy += (lx[i]! - mx) * (ly[i]! - my);
    sxx += (lx[i]! - mx) ** 2;
  }
  return sxy / sxx;
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)]!;
}

/** Median wall time (ms) of one MMD-flow step, and the CPU time of the same. */
function timeStep(n: number, d: number, sums: 'exact' | 'sliced', reps: number): { ms: number; cpuMs: number } {
  const r = rng(1, n + d);
  const Y = r.fillNormal(new Float64Array(n * d));
  const X = r.fillNormal(new Float64Array(n * d)).map((x) => x + 1);
  const kernel: Kernel = { kind: 'energy' };
  const f = flow(mmdFlow({ kernel, target: { Y, d, ...(sums === 'sliced' ? { sums: { method: 'sliced', directions: 100 } } : {}) }, tau: 0.1 }));
  let st = f.init(particleMeasure(X, d));
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let k = 0; k < reps; k++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    [st] = f.step(rng(0, k + 1), st);
    walls.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
  }
  return { ms: median(walls), cpuMs: median(cpus) };
}

/** Relative RMS error of an approximate witness gradient at the particles, over `reps` seeds. */
function gradError(d: number, n: number, kernel: Kernel, sums: Parameters<typeof mmdEnergy>[0]['sums'], seeds: number): number {
  const r = rng(2, d);
  const Y = r.fillNormal(new Float64Array(n * d));
  const X = r.fillNormal(new Float64Array(n * d)).map((x) => x + 0.5);
  const mu = particleMeasure(X, d);
  const gA = new Float64Array(n * d);
  const gB = new Float64Array(n * d);
  kernelSumGrad(kernel, X, X, d, uniformWeights(n), null, gA);
  kernelSumGrad(kernel, X, Y, d, uniformWeights(n), null, gB);
  let ref = 0;
  for (let i = 0; i < n * d; i++) {
    gA[i] = gA[i]! - gB[i]!;
    ref += gA[i]! ** 2;
  }
  let err = 0;
  for (let s = 0; s < seeds; s++) {
    const withSeed = typeof sums === 'object' ? { ...sums, seed: s } : sums;
    const g = mmdEnergy({ kernel, Y, d, sums: withSeed }).evaluate(mu, { grad: true }).grad!;
    for (let i = 0; i < n * d; i++) err += (g[i]! - gA[i]!) ** 2;
  }
  return Math.sqrt(err / seeds / ref);
}

/**
 * Wall and CPU time of one iteration of `ift-mixture-100d` at the paper's size (n = m = 10⁴,
 * d = 100) for MMD flow and IFT (pgd): exact Gaussian sums (σ = 10, the experiment's kernel),
 * the energy kernel with sliced sums (P = 100), the Gaussian kernel with D = 1000 features.
 */
function iftMixtureIteration(n: number, iters: number): string[][] {
  const rows: string[][] = [];
  for (const cfg of [
    { label: 'gaussian σ=10, exact', o: {} },
    { label: 'energy, sliced P=100', o: { kernel: 'energy' as const, sums: 'sliced' as const } },
    { label: 'gaussian σ=10, features D=1000', o: { sums: 'features' as const } },
  ]) {
    const s = resolveSettings('ift-mixture-100d', { n, m: n, methods: ['mmd-flow', 'ift'], ...cfg.o }) as IftSettings;
    const prob = iftProblem(s);
    const r0 = rng(7, 0);
    const X0 = prob.sampleInit(r0, n);
    const Y = prob.sample(r0, n);
    const kernel: Kernel = s.kernel === 'energy' ? { kind: 'energy' } : { kind: 'gaussian', sigma: s.sigma };
    const row = [cfg.label];
    for (const method of ['mmd-flow', 'ift'] as const) {
      const f = iftFlow(s, method, { Y, d: prob.d, ...(s.sums ? { sums: { ...s.sums, seed: 1 } } : {}) }, kernel);
      let st = f.init(particleMeasure(X0, prob.d));
      const walls: number[] = [];
      const cpus: number[] = [];
      for (let k = 0; k < iters; k++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        [st] = f.step(rng(0, k + 1), st);
        walls.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpus.push((c.user + c.system) / 1000);
      }
      row.push(fmt(median(walls)), fmt(median(cpus)));
      process.stderr.write('.');
    }
    rows.push(row);
  }
  return rows;
}

export async function benchSliced(o: { quick?: boolean } = {}): Promise<void> {
  const quick = !!o.quick;
  console.log(`\nSliced kernel sums: one MMD-flow step, energy kernel −|x−y|, P = 100 directions (orthogonal blocks, the default), n = m (load average ${loadavg().map((x) => x.toFixed(1)).join(' ')})`);
  const rows: string[][] = [];
  const ns2 = quick ? [1e4, 1e5] : [1e4, 1e5, 1e6];
  const t2: number[] = [];
  const c2: number[] = [];
  for (const n of ns2) {
    const t = timeStep(n, 2, 'sliced', n >= 1e6 ? 1 : 3);
    t2.push(t.ms);
    c2.push(t.cpuMs);
    rows.push(['2', String(n), 'sliced', fmt(t.ms), fmt(t.cpuMs), ((1e6 * t.ms) / (100 * 2 * n)).toFixed(0)]);
    process.stderr.write('.');
  }
  const ns100 = quick ? [1e4] : [1e4, 1e5];
  const t100: number[] = [];
  const c100: number[] = [];
  for (const n of ns100) {
    const t = timeStep(n, 100, 'sliced', n >= 1e5 ? 1 : 2);
    t100.push(t.ms);
    c100.push(t.cpuMs);
    rows.push(['100', String(n), 'sliced', fmt(t.ms), fmt(t.cpuMs), ((1e6 * t.ms) / (100 * 2 * n)).toFixed(0)]);
    process.stderr.write('.');
  }
  if (!quick) {
    const e = timeStep(1e4, 2, 'exact', 1);
    rows.push(['2', '10000', 'exact', fmt(e.ms), fmt(e.cpuMs), '-']);
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  console.log(table(['d', 'n = m', 'sums', 'step ms', 'cpu ms', 'ns/(point·dir)'], rows));
  const sl = (ns: number[], t: number[]) => (ns.length > 1 ? logSlope(ns, t).toFixed(2) : '-');
  console.log(
    `fitted slope of log(step time) vs log n — wall: 2-D ${sl(ns2, t2)}, 100-D ${sl(ns100, t100)}; cpu: 2-D ${sl(ns2, c2)}, 100-D ${sl(ns100, c100)} (n log n ≈ 1.1 over 10⁴–10⁶; exact sums: 2). On a shared machine the cpu column is the cost; wall includes waiting for a core.`,
  );

  const n = quick ? 300 : 1000;
  const seeds = quick ? 2 : 4;
  console.log(`\nSliced gradient error: relative RMS of the witness gradient vs the exact sum, n = m = ${n}, mean over ${seeds} seeds`);
  const Ps = [10, 100, 1000];
  const erows: string[][] = [];
  for (const d of [2, 10, 100]) {
    const es = Ps.map((P) => gradError(d, n, { kind: 'energy' }, { method: 'sliced', directions: P, sampling: 'random' }, seeds));
    const ort = gradError(d, n, { kind: 'energy' }, { method: 'sliced', directions: 100, sampling: 'orthogonal' }, seeds);
    const qmc = d <= 10 ? gradError(d, n, { kind: 'energy' }, { method: 'sliced', directions: 100, sampling: 'qmc' }, seeds) : Number.NaN;
    erows.push([String(d), ...es.map((e) => e.toExponential(2)), logSlope(Ps, es).toFixed(2), ort.toExponential(2), Number.isNaN(qmc) ? '-' : qmc.toExponential(2)]);
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  console.log(table(['d', 'random P = 10', 'P = 100', 'P = 1000', 'slope', 'orthogonal P=100', 'qmc P=100'], erows));

  const Ds = [100, 1000, 10000];
  const frows: string[][] = [];
  for (const d of [2, 10]) {
    const sigma = Math.max(1, Math.sqrt(d / 2));
    const es = Ds.map((D) => gradError(d, quick ? 200 : 500, { kind: 'gaussian', sigma }, { method: 'features', features: D }, seeds));
    frows.push([String(d), fmt(sigma), ...es.map((e) => e.toExponential(2)), logSlope(Ds, es).toFixed(2)]);
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  console.log(`Random Fourier features (Gaussian kernel): relative RMS gradient error, n = m = ${quick ? 200 : 500}`);
  console.log(table(['d', 'σ', 'D = 100', 'D = 1000', 'D = 10000', 'slope'], frows));

  const nPaper = quick ? 1000 : 10000;
  const irows = iftMixtureIteration(nPaper, quick ? 1 : 2);
  process.stderr.write('\n');
  console.log(`\nift-mixture-100d at n = m = ${nPaper} (the paper's size is 10⁴): one iteration (IFT = transport + pgd weight step), single-threaded`);
  console.log(table(['sums', 'MMD flow ms', 'cpu', 'IFT ms', 'cpu'], irows));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchSliced({ quick: process.argv.includes('--quick') });
