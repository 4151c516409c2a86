/**
 * Timing of the exact W₂ solvers at n = m = 1000 in 2-D, with Python baselines on the same data
 * when available: scipy's `linear_sum_assignment` (a shortest augmenting path solver in C++) for
 * the uniform case and POT's `emd2` (LEMON's network simplex in C++) for the weighted case.
 * Prints nothing: returns rows for `npm run bench` to format.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ParticleMeasure } from '../src/core/measure.js';
import { rng } from '../src/core/rng.js';
import { type W2Method, w2Squared } from '../src/metrics/w2.js';

export interface BenchRow {
  name: string;
  /** Median wall time of our solver, ms. */
  ms: number;
  /** Median wall time of the Python baseline on the same data, ms (absent when unavailable). */
  baselineMs?: number;
}

const N = 1000;
const D = 2;
const REPS = 3;

function makeCase(seed: number, weighted: boolean): [ParticleMeasure, ParticleMeasure] {
  const r = rng(seed, 1);
  const X = r.fillNormal(new Float64Array(N * D));
  const Y = r.fillNormal(new Float64Array(N * D));
  for (let k = 0; k < Y.length; k++) Y[k] = Y[k]! + 0.5;
  const a = new Float64Array(N).fill(1 / N);
  const b = new Float64Array(N).fill(1 / N);
  if (weighted) {
    let sa = 0;
    let sb = 0;
    for (let i = 0; i < N; i++) {
      a[i] = 0.05 + r.uniform();
      b[i] = 0.05 + r.uniform();
      sa += a[i]!;
      sb += b[i]!;
    }
    for (let i = 0; i < N; i++) {
      a[i] = a[i]! / sa;
      b[i] = b[i]! / sb;
    }
  }
  return [
    { n: N, d: D, X, w: a },
    { n: N, d: D, X: Y, w: b },
  ];
}

const median = (v: number[]): number => {
  const s = v.slice().sort((p, q) => p - q);
  return s[(s.length - 1) >> 1]!;
};

function timeOurs(mu: ParticleMeasure, nu: ParticleMeasure, method: W2Method): { ms: number; value: number } {
  const times: number[] = [];
  let value = Number.NaN;
  for (let r = 0; r < REPS; r++) {
    const t0 = performance.now();
    value = w2Squared(mu, nu, { method });
    times.push(performance.now() - t0);
  }
  return { ms: median(times), value };
}

// Reads X [n, d], Y [n, d], a [n], b [n] (float64 little-endian), builds C = |x − y|² by
// differences, times the solver REPS times, prints {"ms": median, "value": W₂²}.
const PY = `
import sys, json, time
import numpy as np
kind, path, n, d, reps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
raw = np.fromfile(path, dtype="<f8")
X = raw[:n*d].reshape(n, d); Y = raw[n*d:2*n*d].reshape(n, d)
a = raw[2*n*d:2*n*d+n].copy(); b = raw[2*n*d+n:2*n*d+2*n].copy()
times = []
for _ in range(reps):
    t0 = time.perf_counter()
    C = ((X[:, None, :] - Y[None, :, :]) ** 2).sum(-1)
    if kind == "lsa":
        from scipy.optimize import linear_sum_assignment
        r, c = linear_sum_assignment(C)
        v = float(C[r, c].sum() / n)
    else:
        import ot
        v = float(ot.emd2(a, b, C, numItermax=10**8))
    times.append((time.perf_counter() - t0) * 1000)
times.sort()
print(json.dumps({"ms": times[(len(times) - 1) // 2], "value": v}))
`;

const PYTHONS = ['python3', '/usr/bin/python3'];

function hasModule(python: string, mod: string): boolean {
  const r = spawnSync(python, ['-c', `import numpy, ${mod}`], { encoding: 'utf8', timeout: 30000 });
  return r.status === 0;
}

function baseline(kind: 'lsa' | 'emd', mu: ParticleMeasure, nu: ParticleMeasure, dir: string): { ms: number; value: number } | undefined {
  const mod = kind === 'lsa' ? 'scipy.optimize' : 'ot';
  const python = PYTHONS.find((p) => hasModule(p, mod));
  if (!python) return undefined;
  const path = join(dir, `${kind}.f64`);
  const buf = new Float64Array(2 * N * D + 2 * N);
  buf.set(mu.X, 0);
  buf.set(nu.X, N * D);
  buf.set(mu.w, 2 * N * D);
  buf.set(nu.w, 2 * N * D + N);
  writeFileSync(path, new Uint8Array(buf.buffer)); // little-endian on every platform Node runs on
  const r = spawnSync(python, ['-c', PY, kind, path, String(N), String(D), String(REPS)], { encoding: 'utf8', timeout: 600000 });
  if (r.status !== 0) return undefined;
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number; value: number };
  } catch {
    return undefined;
  }
}

/**
 * Times `w2Squared` at n = m = 1000, d = 2: uniform weights (assignment solver, and the network
 * simplex for comparison) and random weights (network simplex). Each figure is the median of 3
 * runs after a warm-up; baselines likewise (their time includes building C in numpy). A row's
 * baseline is omitted when Python, scipy or POT is missing, or when its value disagrees with
 * ours (relative difference > 1e-9), which would make the comparison meaningless.
 */
export async function benchW2(): Promise<BenchRow[]> {
  // Warm-up (JIT) on a smaller problem with both solvers.
  {
    const [mu, nu] = makeCase(99, false);
    const small = (m: ParticleMeasure): ParticleMeasure => ({ n: 200, d: D, X: m.X.subarray(0, 200 * D), w: new Float64Array(200).fill(1 / 200) });
    w2Squared(small(mu), small(nu), { method: 'assignment' });
    w2Squared(small(mu), small(nu), { method: 'networkSimplex' });
  }
  const dir = mkdtempSync(join(tmpdir(), 'measureflow-bench-w2-'));
  const rows: BenchRow[] = [];
  try {
    const cases: { name: string; weighted: boolean; method: W2Method; kind: 'lsa' | 'emd' }[] = [
      { name: 'w2Squared n=m=1000 d=2 uniform (assignment) vs scipy linear_sum_assignment', weighted: false, method: 'assignment', kind: 'lsa' },
      { name: 'w2Squared n=m=1000 d=2 uniform (network simplex) vs POT emd2', weighted: false, method: 'networkSimplex', kind: 'emd' },
      { name: 'w2Squared n=m=1000 d=2 weighted (network simplex) vs POT emd2', weighted: true, method: 'networkSimplex', kind: 'emd' },
    ];
    for (const c of cases) {
      const [mu, nu] = makeCase(1, c.weighted);
      const ours = timeOurs(mu, nu, c.method);
      const base = baseline(c.kind, mu, nu, dir);
      const row: BenchRow = { name: c.name, ms: ours.ms };
      if (base && Math.abs(base.value - ours.value) <= 1e-9 * Math.abs(ours.value)) row.baselineMs = base.ms;
      rows.push(row);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
