/**
 * A CLI that explains itself: `presets`, `schema`, `init`, `run --help`, the `sample` and
 * `metrics` messages, a run folder that can be re-checked on its own, the history figure's
 * panels, and the experiment report's notice about the paper's claim.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { paperClaimNotice, REPRODUCING_FLAGS } from '../src/experiments/claim.js';
import { resolveSettings } from '../src/experiments/settings.js';
import { flow } from '../src/flows/flow.js';
import { runFlow } from '../src/flows/run.js';
import { readNpy } from '../src/io/npy.js';
import { main } from '../src/node/cli.js';
import { historyChart } from '../src/plot/history.js';
import { reportHtml } from '../src/plot/report.js';
import { exampleSpec, PRESET_INFO } from '../src/presets/catalog.js';
import * as P from '../src/presets/index.js';
import { buildRun } from '../src/spec/build.js';
import { parseSpec, specJsonSchema } from '../src/spec/schema.js';

const dir = mkdtempSync(join(tmpdir(), 'mf-explain-'));
afterAll(() => {
  process.exitCode = 0;
});

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await main(['node', 'measureflow', ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  process.exitCode = 0;
  return { code, out, err };
}

describe('measureflow presets / schema / init / run --help', () => {
  it('presets prints one line per preset: name, then space · energy · geometry · scheme', async () => {
    const r = await cli('presets');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n').filter((l) => P.PRESET_NAMES.some((n) => l.startsWith(`${n} `)));
    expect(lines).toHaveLength(P.PRESET_NAMES.length);
    for (const l of lines) expect(l.split(' · ')).toHaveLength(4);
    expect(lines.find((l) => l.startsWith('ift '))).toMatch(/^ift +P · ½MMD² · spherical IFT/);
    const j = JSON.parse((await cli('presets', '--json')).out);
    expect(j.map((p: { name: string }) => p.name)).toEqual([...P.PRESET_NAMES]);
  });

  it('schema prints the JSON Schema of the run spec', async () => {
    const r = await cli('schema');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s).toEqual(JSON.parse(JSON.stringify(specJsonSchema())));
    expect(s.required).toEqual(['algorithm', 'target', 'init']);
    expect(s.properties.kernel.properties.kind.enum).toContain('gaussian');
  });

  it('every init example is a valid spec whose fields the schema lists, and it runs', () => {
    const props = Object.keys((specJsonSchema() as { properties: object }).properties);
    for (const name of P.PRESET_NAMES) {
      const spec = exampleSpec(name);
      for (const k of Object.keys(spec)) expect(props).toContain(k);
      const built = buildRun(parseSpec({ ...spec, steps: 3 }));
      const res = runFlow(built.flow, built.mu0, { steps: 3, seed: 0, measure: built.measure });
      expect(res.stepsDone).toBe(3);
      expect(Number.isFinite(res.history.at(-1)!.energy ?? 0)).toBe(true);
      expect(PRESET_INFO[name].space).toBe('P');
    }
  });

  it('init -o writes a spec that `run` runs without any other file; refuses to overwrite', async () => {
    const p = join(dir, 'sub', 'wfr.json');
    const r = await cli('init', 'wfr', '-o', p);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/measureflow run /);
    expect((await cli('init', 'wfr', '-o', p)).code).toBe(2);
    const run = await cli('run', p, '--steps', '4', '--json', '--out', join(dir, 'wfr-out'));
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out).status).toBe('completed');
    const bad = await cli('init', 'no-such');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/preset: got "no-such", expected one of langevin/);
  });

  it('run reads an old spec that says "type", with a note pointing to "kind"', async () => {
    const p = join(dir, 'old.json');
    const spec = { algorithm: 'mmd-flow', kernel: { type: 'gaussian', sigma: 1 }, target: { name: 'paper-gaussian-2d', m: 20 }, init: { name: 'gaussian', mean: [1, 1], n: 20 } };
    writeFileSync(p, JSON.stringify({ ...spec, steps: 2, out: 'old-out' }));
    const r = await cli('run', p, '--json');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/note: spec\.kernel\.type read as "kind"/);
    const res = JSON.parse(readFileSync(join(dir, 'old-out', 'result.json'), 'utf8'));
    expect(res.spec.kernel).toEqual({ kind: 'gaussian', sigma: 1 });
  });

  it('run --help lists every field of the spec', async () => {
    const r = await cli('run', '--help');
    const props = Object.keys((specJsonSchema() as { properties: object }).properties);
    for (const k of props) expect(r.out).toMatch(new RegExp(`\\n  ${k} +`));
    expect(r.out).toMatch(/algorithm +\(required\)/);
  });
});

describe('measureflow sample and metrics say what they do', () => {
  it('sample gaussian without parameters shows a command that works', async () => {
    const out = join(dir, 'g.csv');
    const r = await cli('sample', 'gaussian', '-n', '500', '-o', out);
    expect(r.code).toBe(2);
    const m = /e\.g\. measureflow sample '([^']+)'/.exec(r.err);
    expect(m).not.toBeNull();
    const ok = await cli('sample', m![1]!, '-n', '500', '-o', out);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/wrote 500 samples of gaussian \(d = 2/);
  });

  it('sample paper-gaussian-2d names the target it drew', async () => {
    const r = await cli('sample', 'paper-gaussian-2d', '-n', '50', '-o', join(dir, 'p.csv'));
    expect(r.out).toMatch(/samples of paper-gaussian-2d /);
  });

  it('metrics labels each number with what it is; KSD of a does not depend on b', async () => {
    const a = join(dir, 'ma.csv');
    const b = join(dir, 'mb.csv');
    await cli('sample', 'paper-gaussian-2d', '-n', '80', '-o', a, '--seed', '1');
    await cli('sample', '{"name":"gaussian","mean":[3,3],"cov":4}', '-n', '80', '-o', b, '--seed', '2');
    const alone = JSON.parse((await cli('metrics', a, '--metrics', 'ksd', '--target', 'paper-gaussian-2d', '--json')).out);
    const both = JSON.parse((await cli('metrics', a, b, '--metrics', 'ksd,mmd', '--target', 'paper-gaussian-2d', '--json')).out);
    expect(both.ksd).toBe(alone.ksd);
    expect(both.ksdKernel).toEqual(alone.ksdKernel);
    expect(both.kernel.sigma).not.toBe(both.ksdKernel.sigma); // the MMD's median is over a and b
    const text = (await cli('metrics', a, b, '--metrics', 'mmd,mmd-unbiased,energy,w2,sinkhorn')).out;
    expect(text).toMatch(/^mmd +\S+ +MMD \(a distance, not squared/m);
    expect(text).toMatch(/^mmdSquaredUnbiased +\S+ +MMD² \(squared; unbiased/m);
    expect(text).toMatch(/^energyDistanceSquared +\S+ +energy distance D²/m);
    expect(text).toMatch(/^w2 +\S+ +W₂ .*not squared/m);
    expect(text).toMatch(/^sinkhornDivergence +\S+ +Sinkhorn divergence/m);
  });
});

describe('a run folder can be re-checked on its own', () => {
  it('keeps the target samples and initial particles; history has t = step·τ and wallMs', async () => {
    const spec = {
      algorithm: 'ift',
      target: { name: 'paper-gaussian-2d', m: 30 },
      init: { name: 'gaussian', mean: [2, 2], n: 25 },
      tau: 0.5,
      eta: 0.2,
      steps: 6,
      seed: 3,
      out: 'run',
      record: { every: 2, metrics: ['energy', 'mmd', 'ess'] },
    };
    const p = join(dir, 'run.json');
    writeFileSync(p, JSON.stringify(spec));
    expect((await cli('run', p, '--quiet')).code).toBe(0);
    const out = join(dir, 'run');
    // an independent rebuild of the same spec draws the same µ₀ and target samples
    const built = buildRun(parseSpec(spec));
    const Y = readNpy(readFileSync(join(out, 'target.npy')));
    const X0 = readNpy(readFileSync(join(out, 'init.npy')));
    expect(Y.shape).toEqual([30, 2]);
    expect(Array.from(Y.data)).toEqual(Array.from(built.Y!));
    expect(X0.shape).toEqual([25, 2]);
    expect(Array.from(X0.data)).toEqual(Array.from(built.mu0.X));
    expect(Array.from(readNpy(readFileSync(join(out, 'init-weights.npy'))).data)).toEqual(Array.from(built.mu0.w));
    // rerunning from the saved arrays gives the saved final particles
    const again = runFlow(built.flow, { ...built.mu0, X: Float64Array.from(X0.data) }, { steps: 6, seed: 3 });
    expect(Array.from(readNpy(readFileSync(join(out, 'positions.npy'))).data)).toEqual(Array.from(again.final.mu.X));
    const csv = readFileSync(join(out, 'history.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('step,t,energy,mmd,ess,wallMs');
    for (const line of csv.slice(1)) {
      const [step, t] = line.split(',').map(Number);
      expect(t).toBe(step! * 0.5);
    }
    expect(existsSync(join(out, 'history.svg'))).toBe(true);
  });

  it('a reaction-only flow counts flow time in η', () => {
    const Y = new Float64Array([0, 0, 1, 0, 0, 1]);
    const res = runFlow(flow(P.fisherRao({ target: { Y, d: 2 }, eta: 0.25 })), { n: 3, d: 2, X: Y.slice(), w: new Float64Array([1, 0, 0]) }, { steps: 4, every: 1 });
    expect(res.history.map((h) => h.t)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(res.history.every((h) => typeof h.wallMs === 'number' && !('time' in h))).toBe(true);
  });

  it('the history figure has one panel per kind of quantity, with a legend titled "quantity"', () => {
    const rows = [0, 1, 2].map((step) => ({ step, t: step, wallMs: 1, energy: 1 / (step + 1), mmd: 0.5 / (step + 1), ksd: 2 / (step + 1), ess: 50 - step, mass: 1 }));
    const spec = historyChart({ title: 'x', rows }) as unknown as { vconcat: { title: string; layer: { encoding: Record<string, { scale?: { type?: string }; legend?: { title?: string } }> }[] }[] };
    expect(spec.vconcat.map((p) => p.title)).toEqual(['distances to the target (not squared)', 'energy', 'effective sample size']);
    const curve = (i: number) => spec.vconcat[i]!.layer.find((l) => 'y' in l.encoding)!;
    expect(curve(0).encoding.y!.scale!.type).toBe('log');
    expect(curve(2).encoding.y!.scale!.type).toBeUndefined(); // ESS: a count, linear
    expect(curve(0).encoding.color!.legend!.title).toBe('quantity');
    // the mass gets a panel when it changes (M+)
    const m = historyChart({ title: 'x', rows: rows.map((r) => ({ ...r, mass: 1 + r.step })) }) as unknown as { vconcat: { title: string }[] };
    expect(m.vconcat.map((p) => p.title)).toContain('total mass');
  });
});

describe('the experiment report says whether its setting reproduces the paper', () => {
  it('defaults do not, and say why (σ = 10); the demo flags do; redrawn samples do not', () => {
    const def = paperClaimNotice(resolveSettings('ift-gaussian-2d'))!;
    expect(def.verdict).toBe('does not reproduce');
    expect(def.text).toMatch(/σ = 10/);
    expect(def.text).toContain(REPRODUCING_FLAGS);
    const demo = paperClaimNotice(
      resolveSettings('ift-gaussian-2d', { convention: 'authors-code', sigma: 2.2360679775, targetSamples: 'fixed', lossSample: 'train' }),
    )!;
    expect(demo.verdict).toBe('reproduces');
    const redrawn = paperClaimNotice(resolveSettings('ift-gaussian-2d', { convention: 'authors-code', sigma: 2.2360679775 }))!;
    expect(redrawn.verdict).toBe('does not reproduce');
    expect(redrawn.text).toMatch(/redrawn every iteration/);
    expect(paperClaimNotice(resolveSettings('ift-mixture-2d'))!.verdict).toBe('not checked');
    expect(paperClaimNotice(resolveSettings('double-well-langevin'))).toBeNull();
  });

  it('the notice sits at the top of the page, before the summary, escaped', () => {
    const html = reportHtml({
      title: 't',
      summary: 's',
      config: {},
      figures: [],
      meta: { version: '0', seeds: [0], timings: {}, date: 'd' },
      notice: { title: 'Does <not> reproduce', text: 'because', tone: 'warn' },
    });
    expect(html.indexOf('Does &lt;not&gt; reproduce')).toBeGreaterThan(0);
    expect(html.indexOf('Does &lt;not&gt; reproduce')).toBeLessThan(html.indexOf('<h2>Summary</h2>'));
    expect(html).toContain('class="notice warn"');
  });
});
