/**
 * Sinkhorn divergence timings (`npx tsx bench/sinkhorn.ts [n …]`, default n = 500 1000):
 * the defaults (ε-scaling, stabilised scaling domain, over-relaxation, tol 1e-4 on the L1
 * marginal error) side by side with the previous solver's settings (log domain, no
 * ε-scaling, 1000 iterations, tol 1e-9), at ε = 0.01 on two 2-D Gaussian clouds of n points
 * (the `metrics` command's default ε). CPU time of one call (a busy machine disturbs it less
 * than wall time), whether it converged and its marginal error.
 */
import { rng } from '../src/core/rng.js';
import { type SinkhornOptions, sinkhornDivergence } from '../src/metrics/sinkhorn.js';

function clouds(n: number) {
  const r = rng(1);
  const X = r.fillNormal(new Float64Array(2 * n));
  const Y = r.fillNormal(new Float64Array(2 * n));
  for (let i = 0; i < n; i++) {
    Y[2 * i]! += 1;
    Y[2 * i + 1] = 1.4 * Y[2 * i + 1]! + 0.5;
  }
  const w = new Float64Array(n).fill(1 / n);
  return { mu: { n, d: 2, X, w }, nu: { n, d: 2, X: Y, w } };
}

const SETTINGS: [string, SinkhornOptions][] = [
  ['defaults', { eps: 0.01 }],
  ['previous (log, no ε-scaling, 1000 it)', { eps: 0.01, domain: 'log', annealing: false, maxIter: 1000, tol: 1e-9 }],
];

export function benchSinkhorn(sizes: number[] = [500, 1000]): { name: string; n: number; cpuMs: number; converged: boolean; marginalError: number; divergence: number }[] {
  const rows = [];
  for (const n of sizes) {
    const { mu, nu } = clouds(n);
    for (const [name, opts] of SETTINGS) {
      const c0 = process.cpuUsage();
      const S = sinkhornDivergence(mu, nu, opts);
      const c = process.cpuUsage(c0);
      rows.push({ name, n, cpuMs: (c.user + c.system) / 1000, converged: S.converged, marginalError: S.marginalError, divergence: S.divergence });
    }
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
  const rows = benchSinkhorn(sizes.length ? sizes : undefined);
  console.table(rows.map((r) => ({ ...r, cpuMs: Math.round(r.cpuMs), marginalError: r.marginalError.toExponential(2) })));
}
