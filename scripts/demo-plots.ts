/**
 * Writes one example of each figure (SVG + PNG) and an index.html report, from synthetic data,
 * so the plots can be looked at:  npx tsx scripts/demo-plots.ts out/demo-plots
 */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { rng } from '../src/core/rng.js';
import { writeFigure } from '../src/node/render.js';
import { curvesChart } from '../src/plot/curves.js';
import { histogramChart, histogramsChart } from '../src/plot/histogram.js';
import { particlesChart } from '../src/plot/particles.js';
import { reportHtml } from '../src/plot/report.js';

const dir = resolve(process.argv[2] ?? 'out/demo-plots');
const g = rng(7);

// (a) Loss curves: four methods, 6000 steps, noisy MMD flow with noise switched off at 3000.
const T = 6000;
const step = Float64Array.from({ length: T }, (_, i) => i);
const curve = (rate: number, plateau: number, wobble: number, rel: number) => {
  const mean = Array.from(step, (s) => Math.exp(-s / rate) * 0.8 + plateau * (1 + wobble * Math.sin(s / 90)));
  const std = mean.map((m) => rel * m);
  return { mean, std };
};
const curves = curvesChart({
  title: '2-D Gaussian: MMD² between particles and target',
  subtitle: 'mean ± std over 50 runs (synthetic demo data)',
  xLabel: 'step',
  yLabel: 'MMD²',
  series: [
    { method: 'IFT', step, ...curve(250, 2e-4, 0, 0.4) },
    { method: 'WFR', step, ...curve(500, 8e-4, 0.2, 0.5) },
    { method: 'MMD flow', step, ...curve(4000, 3e-2, 0, 0.9) },
    // std > mean here: the band's lower edge is clipped at the floor on the log axis.
    { method: 'MMD flow + noise', step, ...curve(700, 1e-3, 0.5, 1.4) },
  ],
  markers: [{ step: 3000, label: 'noise off' }],
});

// (b) Particles: target N(0, [[1, ½], [½, 2]]) samples; final weighted particles, some vanished.
const gauss = (n: number, mx: number, my: number, c: [number, number, number]) => {
  // Cholesky of [[a, b], [b, d]].
  const [a, b, d] = c;
  const l11 = Math.sqrt(a);
  const l21 = b / l11;
  const l22 = Math.sqrt(d - l21 * l21);
  const X = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const z1 = g.normal();
    const z2 = g.normal();
    X[2 * i] = mx + l11 * z1;
    X[2 * i + 1] = my + l21 * z1 + l22 * z2;
  }
  return X;
};
const n = 100;
const target = gauss(1000, 0, 0, [1, 0.5, 2]);
const initial = gauss(n, 5, 5, [1, 0, 1]);
const final = gauss(n, 0, 0, [1.1, 0.5, 2.1]);
const w = new Float64Array(n);
for (let i = 0; i < n; i++) {
  // A quarter of the particles (stragglers near the start) lose their mass.
  if (i % 4 === 0) {
    final[2 * i] = 3.5 + 0.7 * g.normal();
    final[2 * i + 1] = 3.5 + 0.7 * g.normal();
    w[i] = i % 8 === 0 ? 0 : 1e-7;
  } else w[i] = 0.2 + g.uniform();
}
let s = 0;
for (const v of w) s += v;
for (let i = 0; i < n; i++) w[i]! /= s;
const paths = [1, 2, 3, 4, 5].map((i) => {
  const P = new Float64Array(2 * 60);
  for (let t = 0; t < 60; t++) {
    const a = 1 - Math.exp(-t / 15);
    P[2 * t] = initial[2 * i]! * (1 - a) + final[2 * i]! * a + 0.3 * Math.sin(t / 6) * (1 - a);
    P[2 * t + 1] = initial[2 * i + 1]! * (1 - a) + final[2 * i + 1]! * a;
  }
  return P;
});
const particles = particlesChart({
  title: 'IFT on the 2-D Gaussian, step 6000',
  target: { X: target, d: 2 },
  initial: { X: initial, d: 2 },
  final: { X: final, d: 2, w },
  paths,
});

// (c) Histograms: double-well V(x) = (x² − 1)², Gibbs density e^{−V}/Z; samples from it by rejection.
const V = (x: number) => (x * x - 1) ** 2;
const grid = Array.from({ length: 401 }, (_, i) => -2.2 + (4.4 * i) / 400);
let Z = 0;
for (const x of grid) Z += Math.exp(-V(x)) * (4.4 / 400);
const gibbs = grid.map((x) => Math.exp(-V(x)) / Z);
const sample = (N: number, spread: number) => {
  const out = new Float64Array(N);
  for (let i = 0; i < N; ) {
    const x = spread * (g.uniform() * 4.4 - 2.2);
    if (g.uniform() < Math.exp(-V(x))) out[i++] = x;
  }
  return out;
};
const hist = histogramChart({
  title: 'Double well: Langevin particles vs Gibbs density',
  subtitle: '2000 particles, t = 10',
  samples: sample(2000, 1),
  bins: 50,
  density: { x: grid, y: gibbs },
  label: 'particles',
  densityLabel: 'Gibbs density e^(−V)/Z',
});
const early = Float64Array.from({ length: 2000 }, () => 0.25 * g.normal());
const panels = [0, 0.6, 0.85, 1].map((spread, k) => ({
  title: `t = ${[0.1, 1, 3, 10][k]}`,
  samples: spread === 0 ? early : sample(2000, spread),
  bins: 40,
  density: { x: grid, y: gibbs },
  label: 'particles',
  densityLabel: 'Gibbs density e^(−V)/Z',
}));
const hists = histogramsChart({ title: 'Double well: particles at several times', panels });

const figs = [
  { name: 'curves', spec: curves, title: 'Loss curves (mean ± std, log scale)' },
  { name: 'particles', spec: particles, title: 'Weighted particles' },
  { name: 'histogram', spec: hist, title: 'Histogram vs reference density' },
  { name: 'histograms', spec: hists, title: 'Histograms at several times' },
];
const t0 = performance.now();
for (const f of figs) {
  const r = await writeFigure(dir, f.name, f.spec);
  console.log(r.pngPath);
}
const html = reportHtml({
  title: 'measureflow demo plots',
  summary: 'Synthetic data, one example of each figure.\nConfig strings such as <script>alert(1)</script> are escaped.',
  config: { demo: true, note: '<script>alert(1)</script>' },
  figures: figs.map((f) => ({ title: f.title, svgFile: `${f.name}.svg`, pngFile: `${f.name}.png` })),
  tables: [{ title: 'Final MMD² (demo)', columns: ['method', 'MMD²', 'runs'], rows: [['IFT', 2.1e-4, 50], ['MMD flow', 0.0312, 50]] }],
  meta: { version: '0.1.0', seeds: [7], timings: { render_s: (performance.now() - t0) / 1000 }, date: '1970-01-01' },
});
await writeFile(join(dir, 'index.html'), html);
console.log(join(dir, 'index.html'));
