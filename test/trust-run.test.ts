/**
 * Trust under faults (issue 9, items 1–3, 5, 7): a started run always ends with its result,
 * no NaN/Infinity on disk, blow-ups detected, the output folder checked before computing,
 * locked, and replaced as a whole; library misuse gets an InputError.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DivergenceError, InputError } from '../src/core/errors.js';
import { particleMeasure } from '../src/core/measure.js';
import { rng } from '../src/core/rng.js';
import { mmdEnergy } from '../src/energies/mmd.js';
import { type Flow, type FlowState, flow } from '../src/flows/flow.js';
import { runFlow } from '../src/flows/run.js';
import { medianBandwidth } from '../src/kernels/bandwidth.js';
import { main } from '../src/node/cli.js';
import { openOutputFolder } from '../src/node/outputFolder.js';
import { mmdFlow } from '../src/presets/index.js';

const dir = mkdtempSync(join(tmpdir(), 'mf-trust-'));
const examples = join(import.meta.dirname, '..', 'examples', 'presets');
afterAll(() => {
  process.exitCode = 0;
  rmSync(dir, { recursive: true, force: true });
});

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await main(['node', 'measureflow', ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  process.exitCode = 0;
  return { code, out, err };
}

/** A small MMD flow (2-D, n = 20) to wrap with injected faults. */
function baseFlow(): { f: Flow; mu0: ReturnType<typeof particleMeasure> } {
  const r = rng(3, 0);
  const Y = r.fillNormal(new Float64Array(40));
  const X = r.fillNormal(new Float64Array(40)).map((x) => x * 0.5 + 1);
  const f = flow(mmdFlow({ kernel: { kind: 'gaussian', sigma: 1 }, target: { Y, d: 2 }, tau: 0.5 }));
  return { f, mu0: particleMeasure(X, 2) };
}

/** The same flow, with `fault(next)` applied to the state after step `at` (t → t + 1 with t = at). */
function faulty(f: Flow, at: number, fault: (s: FlowState) => FlowState): Flow {
  return {
    config: f.config,
    init: (mu) => f.init(mu),
    step(r, s) {
      const [next, info] = f.step(r, s);
      return [s.t === at ? fault(next) : next, info];
    },
  };
}

const allFinite = (rows: Record<string, number | undefined>[]) => rows.every((r) => Object.values(r).every((v) => v === undefined || Number.isFinite(v)));

describe('runFlow: a failure inside a step ends as a divergence with the last sane state', () => {
  const cases: [string, (s: FlowState) => FlowState][] = [
    [
      'InputError thrown by the step',
      () => {
        throw new InputError('mass', 0, 'a finite number > 0');
      },
    ],
    [
      'RangeError thrown by the step',
      () => {
        throw new RangeError('Invalid typed array length');
      },
    ],
    ['NaN position', (s) => ({ ...s, mu: { ...s.mu, X: s.mu.X.map((x, i) => (i === 3 ? Number.NaN : x)) } })],
    ['Infinite weight', (s) => ({ ...s, mu: { ...s.mu, w: s.mu.w.map((w, i) => (i === 0 ? Infinity : w)) } })],
    ['weights that lost all mass on P', (s) => ({ ...s, mu: { ...s.mu, w: new Float64Array(s.mu.n) } })],
    ['positions at 1e300 (finite, but a blow-up)', (s) => ({ ...s, mu: { ...s.mu, X: s.mu.X.map((x) => x * 1e300) } })],
  ];
  for (const [name, fault] of cases) {
    it(name, () => {
      const { f, mu0 } = baseFlow();
      const bad = faulty(f, 5, fault);
      const res = runFlow(bad, mu0, { steps: 20, seed: 1, every: 2, onDiverge: 'stop' });
      expect(res.diverged?.step).toBe(5);
      // the state after 5 steps is the last sane one: it equals the unfaulted flow's state at t = 5
      const ref = runFlow(f, mu0, { steps: 5, seed: 1, every: 5 });
      expect(res.final.t).toBe(5);
      expect(Array.from(res.final.mu.X)).toEqual(Array.from(ref.final.mu.X));
      expect(res.stepsDone).toBe(5);
      expect(res.history.at(-1)!.step).toBe(5);
      expect(allFinite(res.history)).toBe(true);
      // the default throws a DivergenceError that carries the same partial result
      let thrown: unknown;
      try {
        runFlow(bad, mu0, { steps: 20, seed: 1, every: 2 });
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(DivergenceError);
      expect(((thrown as DivergenceError).result as { final: FlowState }).final.t).toBe(5);
    });
  }

  it('positions growing ×1000 per step diverge at the first step beyond 10⁶ × the initial scale', () => {
    const mu0 = particleMeasure(Float64Array.of(1, -0.5, 0.25, 0.5), 2); // max |x| = 1
    const grow: Flow = {
      config: baseFlow().f.config,
      init: (mu) => ({ t: 0, mu: { ...mu, X: mu.X.slice(), w: mu.w.slice() } }),
      step: (_r, s) => [{ t: s.t + 1, mu: { ...s.mu, X: s.mu.X.map((x) => x * 1000) } }, { t: s.t }],
    };
    const res = runFlow(grow, mu0, { steps: 10, seed: 0, every: 1, measure: () => ({}), onDiverge: 'stop' });
    // 1000² = 10⁶ is not beyond 10⁶·1; 1000³ is: step 2 → 3 fails, the state after 2 steps is kept
    expect(res.diverged?.step).toBe(2);
    expect(res.final.t).toBe(2);
    expect(res.diverged?.message).toMatch(/blew up/);
  });

  it('a recorded quantity that is not finite stops the run; at µ₀ it is refused before the run', () => {
    const { f, mu0 } = baseFlow();
    const measure = (s: FlowState) => ({ ksd: s.t >= 6 ? Number.NaN : 1 / (1 + s.t) });
    const res = runFlow(f, mu0, { steps: 20, seed: 0, every: 3, measure, onDiverge: 'stop' });
    expect(res.diverged?.message).toMatch(/ksd is NaN at step 6/);
    expect(res.final.t).toBe(5); // the last sane state: step 5 (its record at step 5 is finite)
    expect(res.history.map((h) => h.step)).toEqual([0, 3, 5]);
    expect(allFinite(res.history)).toBe(true);
    expect(() => runFlow(f, mu0, { steps: 3, seed: 0, measure: () => ({ w2: Infinity }) })).toThrow(InputError);
    expect(() => runFlow(f, mu0, { steps: 3, seed: 0, measure: () => ({ w2: Infinity }) })).toThrow(/w2 is Infinity at step 0.*refused before the run/);
  });

  it('an energy rising by more than 10⁶ × max(1, |F(µ₀)|) is a blow-up', () => {
    const { f, mu0 } = baseFlow();
    const measure = (s: FlowState) => ({ energy: s.t < 4 ? 2 : 3e6 });
    const res = runFlow(f, mu0, { steps: 10, seed: 0, every: 1, measure, onDiverge: 'stop' });
    expect(res.diverged?.message).toMatch(/energy rose from 2.* to 3\.000e\+6/);
    expect(res.final.t).toBe(3);
  });
});

describe('library misuse gets an InputError, not a TypeError', () => {
  it('flow(null), runFlow without options, malformed states', () => {
    const { f, mu0 } = baseFlow();
    // biome-ignore lint/suspicious/noExplicitAny: deliberately wrong calls
    const any = (x: unknown) => x as any;
    expect(() => flow(any(null))).toThrow(InputError);
    expect(() => flow(any({ space: 'P' }))).toThrow(/config\.energy/);
    // options are optional (100 steps, seed 0), but a non-object is refused
    expect(runFlow(f, mu0, any(undefined)).stepsDone).toBe(100);
    expect(() => runFlow(f, mu0, any(null))).toThrow(InputError);
    expect(() => runFlow(f, mu0, any(5))).toThrow(InputError);
    expect(() => runFlow(any(null), mu0, { steps: 1, seed: 0 })).toThrow(InputError);
    expect(() => runFlow(f, any({ X: [1, 2] }), { steps: 1, seed: 0 })).toThrow(InputError);
    const s = f.init(mu0);
    expect(() => f.step(rng(0, 1), any(null))).toThrow(InputError);
    expect(() => f.step(rng(0, 1), any({ t: 0 }))).toThrow(InputError);
    expect(() => f.step(rng(0, 1), any({ t: -1, mu: s.mu }))).toThrow(/state\.t/);
    expect(() => f.step(rng(0, 1), any({ t: 0, mu: { ...s.mu, X: new Float64Array(3) } }))).toThrow(/state\.mu\.X/);
    expect(() => f.step(any(undefined), s)).toThrow(InputError);
    expect(() => mmdEnergy(any({ kernel: { kind: 'gaussian', sigma: 1 }, Y: new Float64Array(4), d: 2 }))).not.toThrow();
  });

  it('the median heuristic on points at 1e200 is finite (no "sigma: got Infinity")', () => {
    // three points: pairwise distances 2e200, √2e200, √2e200 → median √2·1e200
    const s = medianBandwidth(Float64Array.of(1e200, 0, -1e200, 0, 0, 1e200), 2);
    expect(s / (Math.SQRT2 * 1e200)).toBeCloseTo(1, 12);
  });
});

/** No NaN or Infinity in a file; in result.json, every position, weight and history value is a finite number (not null). */
function checkNoNonFinite(path: string): void {
  const text = readFileSync(path, 'utf8');
  expect(text, path).not.toMatch(/NaN|Infinity/);
  if (path.endsWith('result.json')) {
    const res = JSON.parse(text);
    const nums = [...res.positions.flat(), ...res.weights, ...res.history.flatMap((h: Record<string, unknown>) => Object.values(h))];
    expect(nums.every((v: unknown) => typeof v === 'number' && Number.isFinite(v))).toBe(true);
  }
}

function exampleSpec(name: string, patch: Record<string, unknown>): string {
  const spec = { ...JSON.parse(readFileSync(join(examples, `${name}.json`), 'utf8')), ...patch };
  const p = join(dir, `${name}-${Object.keys(patch).join('-')}-${Math.random().toString(36).slice(2, 8)}.json`);
  writeFileSync(p, JSON.stringify(spec));
  return p;
}

describe('measureflow run: the issue examples end as "diverged" with finite files (exit 3)', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['mmd-flow', { tau: 1e300 }],
    ['ift', { tau: 1e300 }],
    ['wfr', { tau: 1e300 }],
    ['nw-force', { tau: 1e300 }],
    ['svgd', { tau: 1e6 }],
    ['ift', { variant: 'pgd', eta: 1e17 }],
    ['ift', { tau: 1.7e308 }],
    ['mckean-vlasov', { potential: { type: 'double-well' }, tau: 1 }],
  ];
  for (const [name, patch] of cases) {
    it(`${name} ${JSON.stringify(patch)}`, async () => {
      const out = join(dir, `ex-${name}-${Object.keys(patch).join('-')}-${String(Object.values(patch)[0]).slice(0, 6)}`);
      const r = await cli('run', exampleSpec(name, { ...patch, steps: 20, out }), '--quiet');
      expect(r.code, r.err).toBe(3);
      expect(r.err).toMatch(/diverged|failed/);
      const res = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
      expect(res.status).toBe('diverged');
      expect(res.error).toMatch(/last sane state/);
      expect(res.stepsDone).toBeLessThan(20);
      expect(res.history.at(-1).step).toBe(res.stepsDone);
      for (const f of ['result.json', 'history.csv', 'particles.csv']) checkNoNonFinite(join(out, f));
      expect(existsSync(join(out, 'history.svg'))).toBe(true);
      expect(existsSync(join(out, 'particles.svg'))).toBe(true);
    }, 60_000);
  }

  it('W₂ or KSD of a cloud at 1e200 (not finite) is refused before the run: exit 2, the reason, nothing written', async () => {
    writeFileSync(join(dir, 'far.csv'), 'x,y\n1e200,0\n-1e200,0\n0,1e200\n');
    writeFileSync(join(dir, 'near.csv'), 'x,y\n0,0\n1,0\n0,1\n');
    for (const [metric, target] of [
      ['w2', { samples: 'near.csv' }],
      ['ksd', { name: 'paper-gaussian-2d' }],
    ] as const) {
      const out = join(dir, `far-out-${metric}`);
      const spec = join(dir, `far-${metric}.json`);
      writeFileSync(spec, JSON.stringify({ algorithm: 'mmd-flow', target, init: { particles: 'far.csv' }, steps: 3, out, record: { metrics: [metric] } }));
      const r = await cli('run', spec, '--quiet');
      expect(r.code, r.err).toBe(2);
      expect(r.err).toContain(`the recorded ${metric} is NaN at step 0; refused before the run`);
      expect(existsSync(out)).toBe(false);
    }
  });
});

describe('measureflow experiment: a diverging method is reported, the others land', () => {
  it('--eta 1e300 makes IFT diverge; MMD flow is written; no NaN in any file; exit 3', async () => {
    const out = join(dir, 'exp-eta');
    const r = await cli('experiment', 'ift-gaussian-2d', '--runs', '2', '--n', '10', '--steps', '20', '--methods', 'mmd-flow,ift', '--eta', '1e300', '--workers', '1', '--out', out, '--quiet');
    expect(r.code, r.err).toBe(3);
    expect(r.err).toMatch(/diverged: IFT/);
    const curves = JSON.parse(readFileSync(join(out, 'curves.json'), 'utf8'));
    const ift = curves.methods.find((m: { method: string }) => m.method === 'ift');
    const mmd = curves.methods.find((m: { method: string }) => m.method === 'mmd-flow');
    expect(ift.runs.every((x: { diverged?: string }) => typeof x.diverged === 'string')).toBe(true);
    expect(mmd.runs.every((x: { diverged?: string }) => x.diverged === undefined)).toBe(true);
    expect(mmd.step.at(-1)).toBe(20);
    const csv = readFileSync(join(out, 'curves.csv'), 'utf8');
    expect(csv).not.toMatch(/NaN|Infinity/);
    expect(csv).toMatch(/^20,mmd-flow,/m);
    for (const f of ['config.json', 'index.html']) expect(readFileSync(join(out, f), 'utf8')).not.toMatch(/NaN|Infinity/);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toMatch(/diverged/);
  }, 120_000);

  it('--runs 0 and --runs -1 get the same message', async () => {
    for (const v of ['0', '-1']) {
      const r = await cli('experiment', 'ift-gaussian-2d', '--runs', v);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/--runs must be an integer >= 1/);
    }
  });
});

describe('the output folder is checked before any computing', () => {
  const spec = () => exampleSpec('mmd-flow', { steps: 3 });

  it('a file in place of the folder', async () => {
    const f = join(dir, 'iam-a-file');
    writeFileSync(f, 'x');
    const r = await cli('run', spec(), '--out', f);
    expect(r.code).toBe(2);
    expect(r.err).toContain(f);
    expect(r.err).toMatch(/is a file, not a folder/);
    expect(r.err).not.toMatch(/running/); // refused before the run started
  });

  it('a file as a component of the path', async () => {
    const f = join(dir, 'file-parent');
    writeFileSync(f, 'x');
    const r = await cli('run', spec(), '--out', join(f, 'sub', 'out'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/file-parent is a file, not a folder/);
    expect(r.err).not.toMatch(/running/);
  });

  it('a read-only folder (chmod as a non-root user; a read-only tmpfs as root)', async (ctx) => {
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    let cleanup = () => {};
    if (process.getuid?.() === 0) {
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', ro], { stdio: 'ignore' });
        cleanup = () => execFileSync('umount', [ro], { stdio: 'ignore' });
      } catch {
        console.warn('skipped: running as root (chmod is ineffective) and no tmpfs could be mounted');
        ctx.skip();
      }
    } else {
      execFileSync('chmod', ['555', ro]);
      cleanup = () => execFileSync('chmod', ['755', ro]);
    }
    try {
      const r = await cli('run', spec(), '--out', join(ro, 'out'));
      expect(r.code).toBe(2);
      expect(r.err).toContain(join(ro, 'out'));
      expect(r.err).toMatch(/EROFS|EACCES/);
      expect(r.err).not.toMatch(/ENOENT/);
      expect(r.err).not.toMatch(/running/);
    } finally {
      cleanup();
    }
  });

  it('ENOSPC names the file, and the folder keeps its previous run', async (ctx) => {
    if (process.getuid?.() !== 0) {
      console.warn('skipped: a small tmpfs needs root');
      ctx.skip();
    }
    const small = join(dir, 'small');
    mkdirSync(small);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', small], { stdio: 'ignore' });
    } catch {
      console.warn('skipped: no tmpfs could be mounted');
      ctx.skip();
    }
    try {
      const out = join(small, 'out');
      const ok = await cli('run', exampleSpec('mmd-flow', { steps: 2, init: { name: 'gaussian', mean: [2, 2], n: 5 }, target: { name: 'paper-gaussian-2d', m: 5 } }), '--out', out, '--quiet');
      expect(ok.code, ok.err).toBe(0);
      const before = readFileSync(join(out, 'result.json'), 'utf8');
      const big = await cli('run', exampleSpec('mmd-flow', { steps: 2, init: { name: 'gaussian', mean: [2, 2], n: 3000 }, target: { name: 'paper-gaussian-2d', m: 5 } }), '--out', out, '--quiet');
      expect(big.code).toBe(1);
      expect(big.err).toMatch(/could not write .*out\/[a-z]+\.(csv|npy|json|svg|png).*ENOSPC/);
      expect(readFileSync(join(out, 'result.json'), 'utf8')).toBe(before);
      expect(readdirSync(small).sort()).toEqual(['out']);
    } finally {
      execFileSync('umount', [small], { stdio: 'ignore' });
    }
  }, 60_000);
});

/** The folder holds exactly one run's files: each file listed in result.json's manifest, with its checksum. */
function checkOneRun(out: string): string {
  const res = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
  const files = readdirSync(out).filter((f) => f !== 'result.json').sort();
  expect(files).toEqual(Object.keys(res.files).sort());
  for (const f of files) expect(createHash('sha256').update(readFileSync(join(out, f))).digest('hex'), f).toBe(res.files[f]);
  return res.runId;
}

describe('the output folder never mixes runs', () => {
  it('a second run replaces the whole set: stale files of the first are gone, the manifest matches', async () => {
    const out = join(dir, 'swap');
    const r1 = await cli('run', exampleSpec('mmd-flow', { steps: 2, init: { name: 'gaussian', mean: [2, 2], n: 10 }, target: { name: 'paper-gaussian-2d', m: 10 } }), '--out', out, '--quiet');
    expect(r1.code, r1.err).toBe(0);
    const id1 = checkOneRun(out);
    writeFileSync(join(out, 'trajectories-old.svg'), 'stale'); // a measureflow file name of another run
    // 1-D: no particles.svg/png this time; those of the first run must not survive
    const oneD = join(dir, 'oned.json');
    writeFileSync(oneD, JSON.stringify({ algorithm: 'mmd-flow', target: { name: 'gaussian', mean: [0], cov: 1, m: 10 }, init: { name: 'gaussian', mean: [1], cov: 1, n: 10 }, steps: 2, out }));
    const r2 = await cli('run', oneD, '--quiet');
    expect(r2.code, r2.err).toBe(0);
    const id2 = checkOneRun(out);
    expect(id2).not.toBe(id1);
    expect(existsSync(join(out, 'particles.svg'))).toBe(false);
    expect(existsSync(join(out, 'trajectories-old.svg'))).toBe(false);
    expect(readdirSync(dir).filter((e) => e.startsWith('.swap.'))).toEqual([]);
  }, 60_000);

  it("a folder holding the user's own files keeps them (files replaced in place, manifest last)", async () => {
    const out = join(dir, 'mine');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const r = await cli('run', exampleSpec('mmd-flow', { steps: 2, init: { name: 'gaussian', mean: [2, 2], n: 10 }, target: { name: 'paper-gaussian-2d', m: 10 } }), '--out', out, '--quiet');
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine');
    const res = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    for (const [f, sum] of Object.entries(res.files)) expect(createHash('sha256').update(readFileSync(join(out, f))).digest('hex')).toBe(sum);
    expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]);
  }, 60_000);

  it('a lock held by a live process refuses the run; a stale lock (dead pid) is taken over; leftovers are removed', async () => {
    const out = join(dir, 'locked');
    const lock = join(dir, '.locked.measureflow-lock');
    // a live process: this test's parent (the vitest runner)
    writeFileSync(lock, JSON.stringify({ pid: process.ppid, host: (await import('node:os')).hostname(), command: 'measureflow run (test)', started: 'now' }));
    const r = await cli('run', exampleSpec('mmd-flow', { steps: 2 }), '--out', out, '--quiet');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/in use by measureflow run \(test\) \(pid \d+/);
    expect(existsSync(out)).toBe(false);
    // a dead pid: a child that has exited
    const dead = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).toString());
    writeFileSync(lock, JSON.stringify({ pid: dead, host: (await import('node:os')).hostname(), command: 'x', started: 'then' }));
    mkdirSync(join(dir, '.locked.mf-staging-old-run'));
    writeFileSync(join(dir, '.locked.mf-staging-old-run', 'result.json'), 'half');
    const r2 = await cli('run', exampleSpec('mmd-flow', { steps: 2, init: { name: 'gaussian', mean: [2, 2], n: 10 }, target: { name: 'paper-gaussian-2d', m: 10 } }), '--out', out, '--quiet');
    expect(r2.code, r2.err).toBe(0);
    checkOneRun(out);
    expect(readdirSync(dir).filter((e) => e.startsWith('.locked.'))).toEqual([]);
  }, 60_000);

  it('a swap interrupted between its two renames is repaired by the next open', () => {
    const out = join(dir, 'halfswap');
    // what a kill -9 between "folder → old" and "ready → folder" leaves: no folder, a ready and an old one
    mkdirSync(join(dir, '.halfswap.mf-ready-x'));
    writeFileSync(join(dir, '.halfswap.mf-ready-x', 'result.json'), 'new');
    mkdirSync(join(dir, '.halfswap.mf-old-x'));
    writeFileSync(join(dir, '.halfswap.mf-old-x', 'result.json'), 'old');
    const f = openOutputFolder(out, { field: 'out', command: 'test' });
    expect(readFileSync(join(out, 'result.json'), 'utf8')).toBe('new');
    f.abort();
    expect(readdirSync(dir).filter((e) => e.startsWith('.halfswap.'))).toEqual([]);
  });
});
