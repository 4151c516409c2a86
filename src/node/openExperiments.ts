/**
 * Two experiments on the directions the source papers leave open:
 * - `score-ift`: on targets known only by their score (banana, the 2-D mixture, a 10-D mixture),
 *   SVGD, KSD descent, Langevin (ULA) and score-based IFT (½KSD² in the IFT geometry); KSD and
 *   MMD² to exact target samples over steps, mean ± std over runs.
 * - `rejuvenation`: IFT with and without particle rejuvenation on the IFT paper's 2-D Gaussian
 *   and mixture targets and on a 100-D mixture at a reduced size; MMD² and ESS over steps.
 * Writes curves.csv, result.json, figures and index.html; the exit code is 0, or 3 when a run
 * diverged (it is reported, and the others still land).
 */
import { join } from 'node:path';
import { DivergenceError } from '../core/errors.js';
import { particleMeasure } from '../core/measure.js';
import { type Rng, rng } from '../core/rng.js';
import { flow, type FlowConfig } from '../flows/flow.js';
import { runFlow } from '../flows/run.js';
import { ksdSquared, effectiveSampleSize } from '../metrics/ksd.js';
import { mmdSquared } from '../metrics/mmd.js';
import { curvesChart } from '../plot/curves.js';
import { ift, ksdDescent, langevin, scoreIft, svgd } from '../presets/index.js';
import { bananaTarget } from '../targets/banana.js';
import { mixtureTarget } from '../targets/mixture.js';
import { paperGaussian2d, paperMixture2d, paperMixture100d } from '../targets/paper.js';
import type { Target } from '../targets/target.js';
import { type OutputSink, openOutputSink } from './outputSink.js';
import { packageVersion } from './version.js';

type Io = { out: (s: string) => void; err: (s: string) => void };
type Curve = { step: number[]; values: Record<string, number[]>; diverged?: string };

export const OPEN_EXPERIMENTS = ['score-ift', 'rejuvenation'] as const;
export type OpenExperiment = (typeof OPEN_EXPERIMENTS)[number];

export interface OpenExperimentOptions {
  runs?: number;
  steps?: number;
  n?: number;
  seed?: number;
}

function meanStd(rows: number[][]): { mean: number[]; std: number[] } {
  const T = Math.min(...rows.map((r) => r.length));
  const mean: number[] = [];
  const std: number[] = [];
  for (let k = 0; k < T; k++) {
    const v = rows.map((r) => r[k]!);
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    mean.push(m);
    std.push(Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length));
  }
  return { mean, std };
}

function runCurve(cfg: FlowConfig, X0: Float64Array, d: number, steps: number, every: number, seed: number, measure: (mu: { X: Float64Array; w: Float64Array; n: number; d: number }) => Record<string, number>): Curve {
  const curve: Curve = { step: [], values: {} };
  const push = (step: number, row: Record<string, number>) => {
    curve.step.push(step);
    for (const [k, v] of Object.entries(row)) (curve.values[k] ??= []).push(v);
  };
  try {
    let last: Record<string, number> = {};
    runFlow(flow(cfg), particleMeasure(X0, d), {
      steps,
      seed,
      every,
      measure: (s) => {
        last = measure(s.mu);
        for (const v of Object.values(last)) if (!Number.isFinite(v)) throw new DivergenceError(`a recorded value became ${v}`, s.t);
        return last;
      },
      onRecord: (row) => push(row.step, last),
    });
  } catch (e) {
    if (e instanceof DivergenceError) curve.diverged = e.message;
    else throw e;
  }
  return curve;
}

function initCloud(r: Rng, n: number, d: number, mean: number, sd: number): Float64Array {
  return new Float64Array(n * d).map(() => mean + sd * r.normal());
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toExponential(2) : 'n/a';
}

/** Runs an open-direction experiment into `outDir`; returns the exit code (0, or 3 if any run diverged). */
export async function runOpenExperiment(name: OpenExperiment, outDir: string, io: Io, o: OpenExperimentOptions = {}): Promise<number> {
  const out = openOutputSink(outDir, `measureflow experiment ${name}`, io.err);
  try {
    const code = await runOpenExperimentInto(name, outDir, out, io, o);
    out.commit();
    return code;
  } catch (e) {
    out.abort();
    throw e;
  }
}

async function runOpenExperimentInto(name: OpenExperiment, outDir: string, out: OutputSink, io: Io, o: OpenExperimentOptions): Promise<number> {
  const started = Date.now();
  const runs = o.runs ?? 4;
  const seed = o.seed ?? 0;
  const summary: Record<string, unknown>[] = [];
  const csv: string[] = ['problem,method,quantity,step,mean,std,runs'];
  const sections: string[] = [];
  let anyDiverged = false;
  const problems: { id: string; title: string; target: Target; methods: { id: string; label: string; cfg: (d: number) => FlowConfig }[]; n: number; d: number; init: [number, number]; steps: number; every: number; quantities: string[]; measure: (Yt: Float64Array) => (mu: { X: Float64Array; w: Float64Array; n: number; d: number }) => Record<string, number> }[] = [];

  if (name === 'score-ift') {
    const steps = o.steps ?? 400;
    const n = o.n ?? 100;
    const targets: { id: string; title: string; target: Target; sigma: number; tau: Record<string, number>; init: [number, number] }[] = [
      { id: 'banana', title: 'banana (b = 0.1, s = 3), d = 2', target: bananaTarget({ b: 0.1, s: 3 }), sigma: 1, tau: { svgd: 0.5, ksd: 0.5, langevin: 0.05, sift: 0.5 }, init: [0, 1] },
      { id: 'mixture-2d', title: 'the IFT paper’s 2-D mixture', target: paperMixture2d(), sigma: 1, tau: { svgd: 0.5, ksd: 0.5, langevin: 0.05, sift: 0.5 }, init: [0, 1] },
      {
        id: 'mixture-10d',
        title: '3-component mixture in d = 10 (means of norm 3, unit covariances)',
        target: mixtureTarget({
          components: [0, 1, 2].map((k) => ({ mean: Array.from({ length: 10 }, (_, a) => (a === k ? 3 : 0)) })),
        }),
        sigma: Math.sqrt(10),
        tau: { svgd: 0.5, ksd: 0.5, langevin: 0.05, sift: 0.5 },
        init: [0, 1],
      },
    ];
    for (const t of targets) {
      const kernel = { kind: 'gaussian' as const, sigma: t.sigma };
      problems.push({
        id: t.id,
        title: t.title,
        target: t.target,
        n,
        d: t.target.d,
        init: t.init,
        steps,
        every: Math.max(1, Math.floor(steps / 20)),
        quantities: ['KSD', 'MMD²'],
        methods: [
          { id: 'svgd', label: 'SVGD', cfg: () => svgd({ target: t.target, kernel, tau: t.tau.svgd! }) },
          { id: 'ksd-descent', label: 'KSD descent', cfg: () => ksdDescent({ target: t.target, kernel, tau: t.tau.ksd! }) },
          { id: 'langevin', label: 'Langevin (ULA)', cfg: () => langevin({ target: t.target, tau: t.tau.langevin! }) },
          { id: 'score-ift', label: 'score-IFT (pgd)', cfg: () => scoreIft({ target: t.target, kernel, tau: t.tau.sift!, eta: 0.5 / n, variant: 'pgd' }) },
        ],
        measure: (Yt) => (mu) => {
          const nu = particleMeasure(Yt, t.target.d);
          const m = mu.w.reduce((a, b) => a + b, 0);
          const w = mu.w.map((v) => v / m);
          const mm = { n: mu.n, d: mu.d, X: mu.X, w };
          return { KSD: Math.sqrt(Math.max(0, ksdSquared(kernel, mm, t.target.score!(mu.X)))), 'MMD²': mmdSquared(kernel, mm, nu) };
        },
      });
    }
  } else {
    const steps = o.steps ?? 600;
    const mk = (id: string, title: string, target: Target, n: number, sigma: number, tau: number, eta: number, stepsHere: number, init: [number, number]) => {
      const kernel = { kind: 'gaussian' as const, sigma };
      problems.push({
        id,
        title,
        target,
        n,
        d: target.d,
        init,
        steps: stepsHere,
        every: Math.max(1, Math.floor(stepsHere / 20)),
        quantities: ['MMD²', 'ESS/n'],
        methods: [
          { id: 'ift', label: 'IFT', cfg: () => ift({ kernel, target: { Y: targetSamplesFor(target, n, seed), d: target.d }, tau, eta, variant: 'exact' }) },
          { id: 'ift-rejuvenated', label: 'IFT + rejuvenation', cfg: () => ({ ...ift({ kernel, target: { Y: targetSamplesFor(target, n, seed), d: target.d }, tau, eta, variant: 'exact' }), rejuvenate: {} }) },
        ],
        measure: (Yt) => (mu) => {
          const nu = particleMeasure(Yt, target.d);
          return { 'MMD²': mmdSquared(kernel, mu, nu), 'ESS/n': effectiveSampleSize(mu.w) / mu.n };
        },
      });
    };
    mk('gaussian-2d', 'the IFT paper’s 2-D Gaussian (σ = √5, τ = 1, η = 1)', paperGaussian2d(), o.n ?? 100, Math.sqrt(5), 1, 1, steps, [0, 1]);
    mk('mixture-2d', 'the IFT paper’s 2-D mixture (σ = √5, τ = 1, η = 1)', paperMixture2d(), o.n ?? 100, Math.sqrt(5), 1, 1, steps, [0, 1]);
    mk('mixture-100d', 'the 100-D mixture at a reduced size (n = 200, σ = 10, τ = 2, η = 0.1)', paperMixture100d(rng(0)), o.n ?? 200, 10, 2, 0.1, Math.min(steps, 300), [0, 1]);
  }

  for (const p of problems) {
    const Yt = p.target.sample!(rng(seed, 1_000_000), 1000);
    const measure = p.measure(Yt);
    const perMethod: { label: string; curves: Curve[] }[] = [];
    for (const m of p.methods) {
      const curves: Curve[] = [];
      for (let r = 0; r < runs; r++) {
        const X0 = initCloud(rng(seed, r), p.n, p.d, p.init[0], p.init[1]);
        const c = runCurve(m.cfg(p.d), X0, p.d, p.steps, p.every, seed * 1000 + r, measure);
        if (c.diverged) {
          anyDiverged = true;
          io.err(`${p.id} · ${m.label} · run ${r}: diverged (${c.diverged})\n`);
        }
        curves.push(c);
      }
      perMethod.push({ label: m.label, curves });
    }
    const figs: string[] = [];
    for (const q of p.quantities) {
      const series = perMethod.map((pm) => {
        const ok = pm.curves.filter((c) => !c.diverged);
        const rows = ok.map((c) => c.values[q]!);
        const { mean, std } = rows.length ? meanStd(rows) : { mean: [], std: [] };
        const step = ok[0]?.step.slice(0, mean.length) ?? [];
        step.forEach((s, k) => {
          csv.push(`${p.id},${pm.label},${q},${s},${mean[k]},${std[k]},${rows.length}`);
        });
        summary.push({ problem: p.id, method: pm.label, quantity: q, final: { mean: mean.at(-1) ?? null, std: std.at(-1) ?? null }, runs: rows.length, diverged: pm.curves.filter((c) => c.diverged).length });
        return { method: pm.label, step, mean, std };
      });
      const file = `${p.id}-${q === 'MMD²' ? 'mmd2' : q === 'KSD' ? 'ksd' : 'ess'}`;
      await out.figure(file, () => curvesChart({ title: `${q} — ${p.title}`, subtitle: `mean ± std over ${runs} runs, n = ${p.n}`, xLabel: 'step', yLabel: q, logY: q !== 'ESS/n', series: series.filter((s) => s.mean.length > 0) }));
      figs.push(file);
    }
    const table = perMethod
      .map((pm) => `<tr><td>${pm.label}</td>${p.quantities.map((q) => {
        const rows = pm.curves.filter((c) => !c.diverged).map((c) => c.values[q]!.at(-1)!);
        if (rows.length === 0) return '<td>diverged</td>';
        const { mean, std } = meanStd(rows.map((v) => [v]));
        return `<td>${fmt(mean[0]!)} ± ${fmt(std[0]!)}</td>`;
      }).join('')}</tr>`)
      .join('\n');
    sections.push(`<h2>${p.title}</h2><table border="1" cellpadding="4"><tr><th>method</th>${p.quantities.map((q) => `<th>final ${q}</th>`).join('')}</tr>${table}</table>${figs.map((f) => `<img src="${f}.svg" alt="${f}">`).join('')}`);
    for (const pm of perMethod)
      io.out(`${p.id.padEnd(13)} ${pm.label.padEnd(20)} ${p.quantities.map((q) => {
        const rows = pm.curves.filter((c) => !c.diverged).map((c) => c.values[q]!.at(-1)!);
        const { mean, std } = rows.length ? meanStd(rows.map((v) => [v])) : { mean: [Number.NaN], std: [Number.NaN] };
        return `${q} ${fmt(mean[0]!)} ± ${fmt(std[0]!)}`;
      }).join('   ')}\n`);
  }
  out.write('curves.csv', `${csv.join('\n')}\n`);
  out.write('result.json', `${JSON.stringify({ experiment: name, runs, seed, summary, version: packageVersion(), elapsedMs: Date.now() - started }, null, 2)}\n`);
  out.write('index.html', `<!doctype html><meta charset="utf-8"><title>${name}</title><body style="font-family: DejaVu Sans, sans-serif; max-width: 1000px"><h1>measureflow experiment ${name}</h1>${sections.join('\n')}<p>measureflow ${packageVersion()}, ${runs} runs, seed ${seed}, ${((Date.now() - started) / 1000).toFixed(1)} s.</p></body>\n`);
  io.out(`wrote ${join(outDir, 'index.html')}\n`);
  return anyDiverged ? 3 : 0;
}

function targetSamplesFor(target: Target, n: number, seed: number): Float64Array {
  return target.sample!(rng(seed, 2_000_000), n);
}
