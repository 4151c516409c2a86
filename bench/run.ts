/**
 * `npm run bench` (tsx bench/run.ts): time per MMD-witness-gradient evaluation of our
 * backend against a vectorized numpy implementation on the same data, with peak memory,
 * then the exact-W₂ rows of bench/w2.ts when that file exists.
 *
 * Each case runs in a fresh child process (bench/kernels.ts for ours, numpy_baseline.py for
 * numpy), so the peak resident set (maxRSS) growth during the evaluations is that case's
 * alone. Times are medians after one warm-up; "cpu" is the median CPU time of one
 * evaluation, which a busy machine disturbs less than the wall time. Ours is
 * single-threaded; numpy's BLAS is pinned to one thread too unless --numpy-threads default.
 *
 * A second table puts our f32 path and the threaded engine (f64 and f32, --threads T, default
 * all cores) beside numpy's single-thread time, with achieved GFLOP/s and the fraction of the
 * 128-bit SIMD peak (clock from /proc/cpuinfo).
 *
 * Options: --quick (first case only), --no-numpy, --no-ts (skip the TypeScript reference
 * rows), --no-threads (skip the threads/precision table), --threads T, --ghz X (clock for the
 * peak fraction, default /proc/cpuinfo), --numpy-threads N|default, --no-sliced (skip the
 * sliced / random-feature sums of bench/sliced.ts: scaling to n = 10⁶, error against P).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type CaseResult, caseLabel, KERNEL_CASES, type KernelCase, witnessFlops } from './kernels.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const option = (name: string) => {
  const k = argv.indexOf(name);
  return k >= 0 ? argv[k + 1] : undefined;
};

interface NumpyResult {
  ms: number;
  cpuMs: number;
  maxRssDeltaKiB: number;
  tracedPeakBytes: number | null;
  checksum: { sumAbs: number; first: number[] };
  numpy: string;
  blasThreads: string;
}

/** Repetitions (after one warm-up): fewer for the slow cases, to keep the whole run under ~2 minutes. */
function repsFor(c: KernelCase): number {
  const work = c.n * (c.n + c.m) * c.d;
  return work > 2e9 ? 2 : work > 5e8 ? 3 : 5;
}

function runOurs(index: number, backend: 'auto' | 'js', reps: number, threads = 1, precision: 'f64' | 'f32' = 'f64'): CaseResult {
  const args = [join(here, 'kernels.ts'), '--case', String(index), '--backend', backend, '--reps', String(reps), '--threads', String(threads), '--precision', precision];
  const p = spawnSync(process.execPath, ['--import', 'tsx', ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (p.status !== 0) throw new Error(`bench/kernels.ts --case ${index} failed:\n${p.stderr}`);
  return JSON.parse(p.stdout.trim().split('\n').pop()!) as CaseResult;
}

function python(): string | null {
  for (const exe of ['python3', 'python']) {
    const p = spawnSync(exe, ['-c', 'import numpy'], { encoding: 'utf8' });
    if (p.status === 0) return exe;
  }
  return null;
}

function runNumpy(exe: string, index: number, impl: 'plain' | 'inplace', reps: number, dir: string, threads: string): NumpyResult {
  const c = KERNEL_CASES[index]!;
  const file = join(dir, `case${index}.f64`);
  if (!existsSync(file)) {
    const w = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'kernels.ts'), '--case', String(index), '--data', file], { cwd: root, encoding: 'utf8' });
    if (w.status !== 0) throw new Error(`writing data for case ${index} failed:\n${w.stderr}`);
  }
  const env = { ...process.env };
  // let OpenBLAS pick this CPU's own kernel: a machine-wide OPENBLAS_CORETYPE (e.g. Haswell on an
  // AVX-512 CPU) or OPENBLAS_L2_SIZE selects an older, slower one and flatters our side
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  if (threads !== 'default') for (const k of ['OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS']) env[k] = threads;
  const args = [join(here, 'numpy_baseline.py'), '--n', String(c.n), '--m', String(c.m), '--d', String(c.d), '--sigma', String(c.sigma), '--data', file, '--reps', String(reps), '--impl', impl];
  if (impl === 'plain') args.push('--no-trace'); // one tracemalloc run (in-place) is enough
  const p = spawnSync(exe, args, { encoding: 'utf8', env, maxBuffer: 1 << 24 });
  if (p.status !== 0) throw new Error(`numpy_baseline.py failed:\n${p.stderr}`);
  return JSON.parse(p.stdout.trim().split('\n').pop()!) as NumpyResult;
}

/** The CPU clock in GHz from /proc/cpuinfo (the first "cpu MHz" line), or null. */
function cpuGHz(): number | null {
  try {
    const m = /cpu MHz\s*:\s*([\d.]+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return m ? Number(m[1]) / 1000 : null;
  } catch {
    return null;
  }
}

const mib = (kib: number) => (kib / 1024).toFixed(1);
const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

/** Largest relative difference of the two checksums (both sides must compute the same gradient). */
function agreement(a: { sumAbs: number; first: number[] }, b: { sumAbs: number; first: number[] }): number {
  let worst = Math.abs(a.sumAbs - b.sumAbs) / Math.abs(b.sumAbs);
  const scale = Math.max(...b.first.map(Math.abs));
  for (let k = 0; k < b.first.length; k++) worst = Math.max(worst, Math.abs(a.first[k]! - b.first[k]!) / scale);
  return worst;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k]!.length)));
  const line = (cells: string[]) => cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]!) : c.padStart(widths[k]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const cases = flag('--quick') ? KERNEL_CASES.slice(0, 1) : KERNEL_CASES;
  const exe = flag('--no-numpy') ? null : python();
  const threads = option('--numpy-threads') ?? '1';
  const dir = mkdtempSync(join(tmpdir(), 'measureflow-bench-'));
  console.log(`MMD witness gradient ∇ξ(xᵢ) = Σⱼ vⱼ∇₁k(xᵢ, sⱼ), S = [X; Y], v = [w; −1/m], Gaussian k, σ = max(1, √(d/2))`);
  console.log(`node ${process.version}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}; ours single-threaded; numpy BLAS threads: ${exe ? threads : 'n/a'}`);
  if (!exe) console.log('(python3 with numpy not found: numpy columns omitted)');
  const rows: string[][] = [];
  const notes: string[] = [];
  const firstRun = new Map<number, CaseResult>();
  const npFirst = new Map<number, NumpyResult>();
  try {
    for (const c of cases) {
      const index = KERNEL_CASES.indexOf(c);
      const reps = repsFor(c);
      const ours = runOurs(index, 'auto', reps);
      firstRun.set(index, ours);
      const row = [caseLabel(c), ours.backend, fmt(ours.ms), fmt(ours.cpuMs)];
      const np = exe ? runNumpy(exe, index, 'plain', reps, dir, threads) : null;
      const npi = exe ? runNumpy(exe, index, 'inplace', reps, dir, threads) : null;
      if (npi) npFirst.set(index, npi);
      if (np && npi) {
        row.push(fmt(np.ms), fmt(np.cpuMs), (ours.ms / np.ms).toFixed(2), (ours.cpuMs / np.cpuMs).toFixed(2));
        row.push(fmt(npi.ms), fmt(npi.cpuMs), (ours.ms / npi.ms).toFixed(2), (ours.cpuMs / npi.cpuMs).toFixed(2));
        const agree = Math.max(agreement(ours.checksum, np.checksum), agreement(ours.checksum, npi.checksum));
        if (agree > 1e-9) notes.push(`${caseLabel(c)}: our gradient and numpy's differ by ${agree.toExponential(1)} (relative)`);
      }
      row.push(mib(ours.maxRssAfterKiB - ours.maxRssBeforeKiB), mib(ours.wasmBytes / 1024));
      if (np && npi) row.push(mib(np.maxRssDeltaKiB), mib(npi.maxRssDeltaKiB), mib((npi.tracedPeakBytes ?? 0) / 1024));
      rows.push(row);
      process.stderr.write('.');
    }
    process.stderr.write('\n');
    const header = ['case', 'path', 'ours ms', 'cpu'];
    if (exe) header.push('np ms', 'cpu', 'ratio', 'cpu', 'np-inpl ms', 'cpu', 'ratio', 'cpu');
    header.push('ours ΔRSS MiB', 'wasm mem MiB');
    if (exe) header.push('np ΔRSS MiB', 'np-inpl ΔRSS', 'np-inpl traced MiB');
    console.log(table(header, rows));
    console.log('ratio = ours / numpy (< 1: ours faster). np = textbook numpy expressions, np-inpl = the same with in-place updates.');
    console.log('ΔRSS = growth of the peak resident set during the timed evaluations (fresh process per case);');
    console.log('wasm mem = our WebAssembly linear memory; np-inpl traced = peak of numpy allocations in one in-place call (tracemalloc).');
    for (const n of notes) console.log(`note: ${n}`);

    if (!flag('--no-threads')) {
      // threads and precision, side by side with numpy's single-thread time (np-inpl, the faster one)
      const ghz = option('--ghz') ? Number(option('--ghz')) : cpuGHz();
      const T = Number(option('--threads') ?? availableParallelism());
      const tRows: string[][] = [];
      for (const c of cases) {
        const index = KERNEL_CASES.indexOf(c);
        const reps = repsFor(c);
        const f64 = firstRun.get(index)!;
        const f32 = runOurs(index, 'auto', reps, 1, 'f32');
        const f64T = T > 1 ? runOurs(index, 'auto', reps, T, 'f64') : null;
        const f32T = T > 1 ? runOurs(index, 'auto', reps, T, 'f32') : null;
        const gf = (r: CaseResult) => witnessFlops(c, r.backend.split(' ')[0]!) / r.cpuMs / 1e6; // single thread: CPU time, robust to load
        const peak = (r: CaseResult, lanes: number) => (ghz ? `${((100 * gf(r)) / (4 * lanes * ghz)).toFixed(0)}%` : '-');
        const np = npFirst.get(index);
        const agree32 = agreement(f32.checksum, f64.checksum);
        if (f64T && agreement(f64T.checksum, f64.checksum) !== 0) notes.push(`${caseLabel(c)}: threaded f64 checksum differs from single-threaded (should be bit-identical)`);
        tRows.push([
          caseLabel(c),
          f64.backend,
          fmt(f64.ms),
          gf(f64).toFixed(1),
          peak(f64, 2),
          fmt(f32.ms),
          gf(f32).toFixed(1),
          peak(f32, 4),
          agree32.toExponential(0),
          f64T ? fmt(f64T.ms) : '-',
          f64T ? (f64.ms / f64T.ms).toFixed(2) : '-',
          f64T?.busiestThreadCpuMs ? fmt(f64T.busiestThreadCpuMs) : '-',
          f64T?.busiestThreadCpuMs ? (f64.cpuMs / f64T.busiestThreadCpuMs).toFixed(2) : '-',
          f32T ? fmt(f32T.ms) : '-',
          np ? fmt(np.ms) : '-',
          np ? (f64.ms / np.ms).toFixed(2) : '-',
          np ? (f32.ms / np.ms).toFixed(2) : '-',
          np && f64T ? (f64T.ms / np.ms).toFixed(2) : '-',
          np && f32T ? (f32T.ms / np.ms).toFixed(2) : '-',
        ]);
        process.stderr.write('.');
      }
      process.stderr.write('\n');
      console.log(`\nThreads and precision (${T} threads; CPU clock ${ghz ? `${ghz.toFixed(2)} GHz from /proc/cpuinfo` : 'unknown'}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}):`);
      console.log(
        table(
          ['case', 'path', 'f64 ms', 'GF/s', 'peak', 'f32 ms', 'GF/s', 'peak', 'f32 err', `f64×${T} ms`, 'speedup', 'crit cpu', 'cpu speedup', `f32×${T} ms`, 'np ms', 'f64/np', 'f32/np', `f64×${T}/np`, `f32×${T}/np`],
          tRows,
        ),
      );
      console.log('In a VM /proc/cpuinfo shows the nominal (TSC) clock; the core may boost higher, so peak can read above 100%: pass --ghz X.');
      console.log("GF/s = the kernel's own flop count (bench/kernels.ts witnessFlops) / CPU time of one evaluation. peak = GF/s / (clock × flop/cycle of");
      console.log('128-bit SIMD without FMA: 2 vector adds + 2 vector multiplies per cycle = 8 flop/cycle in f64, 16 in f32);');
      console.log('the exp, loads and stores in the loop keep it well below 100%. f32 err = relative checksum difference to f64.');
      console.log('speedup = f64 wall / threaded wall; crit cpu = CPU time of the busiest thread per call (the critical path;');
      console.log('10 ms ticks), cpu speedup = single-thread CPU / crit cpu: what the threads give where the cores are free.');
      console.log('np = numpy in-place, 1 BLAS thread, OpenBLAS choosing its own kernel (OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE unset).');
      console.log('f64 threaded results are bit-identical to single-threaded (checked on the checksum).');
    }

    if (!flag('--no-ts')) {
      const tsRows: string[][] = [];
      for (const c of cases.filter((k) => k.n <= 1000)) {
        const index = KERNEL_CASES.indexOf(c);
        const ts = runOurs(index, 'js', c.d > 10 ? 1 : 3);
        const wasm = runOurs(index, 'auto', 3);
        tsRows.push([caseLabel(c), fmt(ts.ms), fmt(ts.cpuMs), fmt(wasm.cpuMs), (ts.cpuMs / wasm.cpuMs).toFixed(1)]);
      }
      console.log('\nPlain-TypeScript reference path (the fallback where WebAssembly SIMD is missing):');
      console.log(table(['case', 'ts ms', 'cpu', 'wasm cpu', 'ts/wasm'], tsRows));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const w2Path = join(here, 'w2.ts');
  if (existsSync(w2Path)) {
    const mod = (await import(pathToFileURL(w2Path).href)) as { benchW2?: () => Promise<{ name: string; ms: number; baselineMs?: number }[]> };
    if (typeof mod.benchW2 === 'function') {
      const w2 = await mod.benchW2();
      console.log('\nExact W₂ (bench/w2.ts):');
      console.log(
        table(
          ['case', 'ours ms', 'baseline ms', 'ratio'],
          w2.map((r) => [r.name, fmt(r.ms), r.baselineMs === undefined ? '-' : fmt(r.baselineMs), r.baselineMs === undefined ? '-' : (r.ms / r.baselineMs).toFixed(2)]),
        ),
      );
    }
  }
  const slicedPath = join(here, 'sliced.ts');
  if (existsSync(slicedPath) && !flag('--no-sliced')) {
    const mod = (await import(pathToFileURL(slicedPath).href)) as { benchSliced?: (o: { quick?: boolean }) => Promise<void> };
    if (typeof mod.benchSliced === 'function') await mod.benchSliced({ quick: flag('--quick') });
  }
  console.log(`\ntotal ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

await main();
