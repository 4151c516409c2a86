import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.js';
import { uniformWeights } from '../src/core/measure.js';
import { rng } from '../src/core/rng.js';
import { mmdEnergy } from '../src/energies/mmd.js';
import { flow } from '../src/flows/flow.js';
import { doubleWellTarget } from '../src/targets/doubleWell.js';
import {
  aggregateCurves,
  authorsCodeFlow,
  CURVES_CSV_COLUMNS,
  curvesCsv,
  EXPERIMENT_NAMES,
  type ExperimentName,
  gibbsCdf,
  type IftSettings,
  ksToGibbs,
  resolveSettings,
  runExperimentTask,
  type RunCurve,
} from '../src/experiments/index.js';
import { runExperiment } from '../src/node/experiment.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Minimal well-formedness check of an SVG document: one root <svg>, balanced tags, no stray '<'. */
function checkSvg(svg: string): void {
  expect(svg.trimStart().startsWith('<svg')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  const stack: string[] = [];
  const re = /<(\/?)([A-Za-z][\w:.-]*)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>/g;
  let m: RegExpExecArray | null;
  let last = 0;
  let roots = 0;
  while ((m = re.exec(svg)) !== null) {
    expect(svg.slice(last, m.index)).not.toMatch(/</);
    last = re.lastIndex;
    const [, close, name, , self] = m;
    if (close) expect(stack.pop()).toBe(name);
    else if (!self) {
      if (stack.length === 0) roots++;
      stack.push(name!);
    } else if (stack.length === 0) roots++;
  }
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

describe('experiment settings', () => {
  it('defaults follow docs/experiments.md', () => {
    const g = resolveSettings('ift-gaussian-2d') as IftSettings;
    expect(g).toMatchObject({ n: 100, m: 100, sigma: 10, tau: 50, eta: 0.1, steps: 6000, noiseLevel: 10, noiseUntil: 3000, variant: 'pgd', convention: 'paper', targetSamples: 'fixed' });
    expect(g.methods).toEqual(['mmd-flow', 'mmd-flow-noise', 'ift', 'wfr']);
    expect((resolveSettings('ift-mixture-2d') as IftSettings).steps).toBe(5000);
    const a = resolveSettings('ift-gaussian-2d', { convention: 'authors-code' }) as IftSettings;
    expect(a.targetSamples).toBe('redrawn');
    const h = resolveSettings('ift-mixture-100d', { n: 10000, convention: 'authors-code' }) as IftSettings;
    expect(h).toMatchObject({ tau: 10000, eta: 0.001, etaKl: 1, noiseLevel: 2 });
    const dw = resolveSettings('double-well-langevin');
    expect(dw).toMatchObject({ n: 2000, tau: 0.005, steps: 2000, initStd: 0.05, snapshotSteps: [0, 100, 500, 1000, 2000] });
  });

  it('rejects bad and inapplicable settings with the flag name', () => {
    expect(() => resolveSettings('nope')).toThrow(InputError);
    expect(() => resolveSettings('double-well-langevin', { sigma: 1 })).toThrow(/--sigma/);
    expect(() => resolveSettings('ift-gaussian-2d', { recordEvery: 3 })).toThrow(/--record-every/);
    expect(() => resolveSettings('ift-gaussian-2d', { methods: ['ift', 'svgd'] })).toThrow(/--methods/);
    expect(() => resolveSettings('ift-gaussian-2d', { tau: -1 })).toThrow(/--tau/);
    expect(() => resolveSettings('ift-gaussian-2d', { lossSample: 'train', targetSamples: 'redrawn' })).toThrow(/--loss-sample/);
  });
});

describe('experiment pieces', () => {
  it('IFT/WFR iterations count as two steps', () => {
    const s = resolveSettings('ift-gaussian-2d', { n: 8, steps: 21, recordEvery: 4, testSize: 20 }) as IftSettings;
    const a = runExperimentTask({ settings: s, method: 'mmd-flow', run: 0 });
    const b = runExperimentTask({ settings: s, method: 'ift', run: 0 });
    expect(a.iterations).toBe(21);
    expect(b.iterations).toBe(10);
    expect(a.x).toEqual([0, 4, 8, 12, 16, 20, 21]);
    expect(b.x).toEqual([0, 4, 8, 12, 16, 20]);
    expect(a.loss[0]).toBe(b.loss[0]); // same µ₀ and test sample
  });

  it('the authors-code flow equals the library flow with a Euclidean position step and η = 2·lr_', () => {
    const r = rng(3, 0);
    const d = 2;
    const X = r.fillNormal(new Float64Array(12 * d));
    const Y = r.fillNormal(new Float64Array(9 * d));
    const kernel = { kind: 'gaussian', sigma: 2 } as const;
    const E = mmdEnergy({ kernel, Y, d });
    const lib = flow({ space: 'P', energy: E, transport: { kind: 'wasserstein', metric: 'euclidean' }, reaction: { kind: 'mmd', variant: 'pgd' }, tau: 2 * 3, eta: 2 * 0.05 });
    const own = authorsCodeFlow({ energy: E, lr: 3, weights: { kind: 'mmd-pgd', lr: 0.05 } });
    let s1 = lib.init({ n: 12, d, X, w: uniformWeights(12) });
    let s2 = own.init({ n: 12, d, X, w: uniformWeights(12) });
    for (let t = 0; t < 5; t++) {
      s1 = lib.step(rng(1, t + 1), s1)[0];
      s2 = own.step(rng(1, t + 1), s2)[0];
    }
    expect(Array.from(s2.mu.X)).toEqual(Array.from(s1.mu.X));
    expect(Array.from(s2.mu.w)).toEqual(Array.from(s1.mu.w));
  });

  it('the KS distance to the Gibbs law is small for exact samples', () => {
    expect(gibbsCdf(0)).toBeCloseTo(0.5, 12);
    expect(gibbsCdf(10)).toBe(1);
    const X = doubleWellTarget().sample(rng(5, 0), 4000);
    expect(ksToGibbs(X)).toBeLessThan(0.03);
    expect(ksToGibbs(new Float64Array(100))).toBeCloseTo(0.5, 6);
  });

  it('aggregates mean ± population std per step', () => {
    const c = (run: number, loss: number[]): RunCurve => ({ method: 'ift', run, runSeed: run, x: [0, 2], loss, iterations: 1, elapsedMs: 0, finals: {} });
    const [agg] = aggregateCurves([{ id: 'ift', label: 'IFT' }], [c(1, [1, 3]), c(0, [1, 1])]);
    expect(agg!.mean).toEqual([1, 2]);
    expect(agg!.std).toEqual([0, 1]);
    expect(agg!.perRun).toEqual([
      [1, 1],
      [1, 3],
    ]);
    expect(curvesCsv([agg!]).split('\n')[2]).toBe('2,ift,2,1,2');
  });
});

describe('measureflow experiment (tiny sizes, worker pool)', () => {
  // Every method in the first case; subsets elsewhere keep the test fast (figures dominate its time).
  const cases: { name: ExperimentName; workers: number; methods?: string[]; figures: string[] }[] = [
    { name: 'ift-gaussian-2d', workers: 2, figures: ['loss', 'trajectories-mmd-flow', 'trajectories-mmd-flow-noise', 'trajectories-ift', 'trajectories-wfr'] },
    { name: 'ift-mixture-2d', workers: 1, methods: ['ift', 'wfr'], figures: ['loss', 'trajectories-ift', 'trajectories-wfr'] },
    { name: 'ift-mixture-100d', workers: 2, methods: ['mmd-flow-noise', 'ift'], figures: ['loss', 'trajectories-mmd-flow-noise', 'trajectories-ift'] },
    { name: 'double-well-langevin', workers: 1, figures: ['loss', 'histograms'] },
  ];
  it('covers every experiment', () => {
    expect(cases.map((c) => c.name)).toEqual([...EXPERIMENT_NAMES]);
  });
  for (const c of cases) {
    it(`${c.name} writes every file`, async () => {
      const out = mkdtempSync(join(tmpdir(), `mf-${c.name}-`));
      dirs.push(out);
      const settings = resolveSettings(c.name, { runs: 2, n: 10, steps: 20, ...(c.methods ? { methods: c.methods } : {}) });
      const res = await runExperiment({ settings, outDir: out, workers: c.workers, progress: false });
      for (const f of ['config.json', 'curves.csv', 'curves.json', 'index.html', ...c.figures.flatMap((f) => [`${f}.svg`, `${f}.png`])]) {
        expect(existsSync(join(out, f)), f).toBe(true);
        expect(res.files).toContain(f);
      }
      for (const f of res.files) {
        if (f.endsWith('.png')) expect(Array.from(readFileSync(join(out, f)).subarray(0, 8))).toEqual(PNG_SIGNATURE);
        if (f.endsWith('.svg')) checkSvg(readFileSync(join(out, f), 'utf8'));
      }
      // CSV: documented columns, one row per (method, recorded step), finite means
      const lines = readFileSync(join(out, 'curves.csv'), 'utf8').trimEnd().split('\n');
      expect(lines[0]).toBe(CURVES_CSV_COLUMNS.join(','));
      const methods = res.curves.map((m) => m.method);
      expect(lines.length - 1).toBe(res.curves.reduce((a, m) => a + m.step.length, 0));
      for (const line of lines.slice(1)) {
        const [step, method, mean, std, runs] = line.split(',');
        expect(Number.isInteger(Number(step))).toBe(true);
        expect(methods).toContain(method);
        expect(Number.isFinite(Number(mean)) && Number(mean) >= 0).toBe(true);
        expect(Number(std)).toBeGreaterThanOrEqual(0);
        expect(Number(runs)).toBe(2);
      }
      // JSON: per-run values; the pool's results equal an in-process run (no dependence on scheduling)
      const json = JSON.parse(readFileSync(join(out, 'curves.json'), 'utf8'));
      const m0 = json.methods[0];
      expect(m0.runs).toHaveLength(2);
      const direct = runExperimentTask({ settings, method: m0.method, run: 1 });
      expect(m0.runs[1].values.filter((v: number | null) => v !== null)).toEqual(direct.loss);
      const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
      expect(config.settings).toEqual(JSON.parse(JSON.stringify(settings)));
      // Report references every figure
      const html = readFileSync(join(out, 'index.html'), 'utf8');
      for (const f of c.figures) {
        expect(html).toContain(`src="${f}.svg"`);
        expect(html).toContain(`href="${f}.png"`);
      }
      expect(html).toContain('final');
    });
  }
});
