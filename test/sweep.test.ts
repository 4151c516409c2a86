/**
 * `measureflow sweep` without a scheduler: planning (grid, seeds, hashes), array indices from the
 * environment and blocks, running tasks (skip of done ones, errors, SIGTERM/SIGKILL), status,
 * merge (bit-identical to `experiment`, missing tasks named), and the emitted launch files —
 * the sbatch script is executed by bash as SLURM would, with SLURM_ARRAY_TASK_ID set.
 * The real SLURM array is exercised by scripts/slurm-test.sh.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.js';
import { rng } from '../src/core/rng.js';
import type { IftSettings } from '../src/experiments/index.js';
import { main } from '../src/node/cli.js';
import { runExperiment } from '../src/node/experiment.js';
import { decodeExact, encodeExact } from '../src/node/sweep/codec.js';
import { k8sJob, slurmScript } from '../src/node/sweep/emit.js';
import { incompleteMessage, mergeSweep, SweepIncompleteError } from '../src/node/sweep/merge.js';
import { canonicalJson, parseGridArg, planSweep, readSweep, taskHash } from '../src/node/sweep/plan.js';
import { formatRanges, readTaskResult, sweepState, taskFiles } from '../src/node/sweep/results.js';
import { arrayIndexFromEnv, blockTasks, createStopFlag, runSweepTasks } from '../src/node/sweep/run.js';

const root = mkdtempSync(join(tmpdir(), 'mf-sweep-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  process.exitCode = 0;
});
const REPO = join(import.meta.dirname, '..');
const CLI_TS = join(REPO, 'scripts', 'measureflow.ts');

/** Tiny settings: 2 runs × 4 methods, 20 steps — a task takes milliseconds. */
const TINY = { n: 12, steps: 20, runs: 2, testSize: 30, recordEvery: 4 } as const;

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await main(['node', 'measureflow', ...args], { out: (s) => void (out += s), err: (s) => void (err += s) });
  process.exitCode = 0;
  return { code, out, err };
}

/** curves.json without the per-run timings (the only numbers that depend on the machine). */
function curvesJsonWithoutTimings(path: string): string {
  const o = JSON.parse(readFileSync(path, 'utf8'));
  for (const m of o.methods) for (const r of m.runs) delete r.elapsedMs;
  return JSON.stringify(o);
}

describe('sweep plan', () => {
  it('parses --grid in flag or camelCase spelling and refuses bad axes with the flag named', () => {
    expect(parseGridArg('sigma=1,2,5')).toEqual({ param: 'sigma', key: 'sigma', values: [1, 2, 5] });
    expect(parseGridArg('--eta-kl=0.5, 1')).toEqual({ param: 'eta-kl', key: 'etaKl', values: [0.5, 1] });
    expect(parseGridArg('noiseLevel=0,2')).toEqual({ param: 'noise-level', key: 'noiseLevel', values: [0, 2] });
    expect(parseGridArg('variant=pgd,exact').values).toEqual(['pgd', 'exact']);
    for (const [bad, msg] of [
      ['sigma', /PARAM=V1/],
      ['bogus=1', /one of sigma/],
      ['sigma=1,-2', /--grid sigma: got "-2", expected finite numbers > 0/],
      ['sigma=1,,2', /none empty/],
      ['sigma=1,1', /distinct/],
      ['n=1.5', /integers >= 1/],
      ['variant=fast', /one of pgd, exact/],
      ['runs=1,2', /a setting to sweep/],
    ] as const) {
      expect(() => parseGridArg(bad)).toThrow(InputError);
      expect(() => parseGridArg(bad)).toThrow(msg);
    }
  });

  it('tasks: grid points × runs × methods, first axis slowest, seeds rng(seed, r).nextUint32(), hashes per content', () => {
    const dir = join(root, 'plan');
    const plan = planSweep({ experiment: 'ift-gaussian-2d', base: { ...TINY, seed: 7 }, grid: [parseGridArg('sigma=1,3'), parseGridArg('tau=10,20,30')], dir });
    expect(plan.points.map((p) => p.label)).toEqual(['sigma=1,tau=10', 'sigma=1,tau=20', 'sigma=1,tau=30', 'sigma=3,tau=10', 'sigma=3,tau=20', 'sigma=3,tau=30']);
    expect((plan.points[4]!.settings as IftSettings).sigma).toBe(3);
    expect((plan.points[4]!.settings as IftSettings).tau).toBe(20);
    expect(plan.tasks).toHaveLength(6 * 2 * 4);
    const methods = ['mmd-flow', 'mmd-flow-noise', 'ift', 'wfr'];
    plan.tasks.forEach((t, i) => {
      expect(t.index).toBe(i);
      expect(t.point).toBe(Math.floor(i / 8));
      expect(t.run).toBe(Math.floor((i % 8) / 4));
      expect(t.method).toBe(methods[i % 4]);
      expect(t.seed).toBe(rng(7, t.run).nextUint32());
    });
    // every task's content differs (different point, run or method) → distinct hashes
    expect(new Set(plan.tasks.map((t) => t.hash)).size).toBe(plan.tasks.length);
    // the files read back to the same plan
    const again = readSweep(dir);
    expect(again.tasks).toEqual(plan.tasks);
    expect(again.points).toEqual(plan.points);
    expect(JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')).points[0].config.seeds.master).toBe(7);
  });

  it('planning the same sweep again keeps the folder; a different one needs --force; a grid axis may not also be a flag', () => {
    const dir = join(root, 'replan');
    const a = planSweep({ experiment: 'ift-gaussian-2d', base: TINY, grid: [parseGridArg('sigma=1,2')], dir });
    const created = readFileSync(join(dir, 'sweep.json'), 'utf8');
    planSweep({ experiment: 'ift-gaussian-2d', base: TINY, grid: [parseGridArg('sigma=1,2')], dir });
    expect(readFileSync(join(dir, 'sweep.json'), 'utf8')).toBe(created);
    expect(() => planSweep({ experiment: 'ift-gaussian-2d', base: TINY, grid: [parseGridArg('sigma=1,4')], dir })).toThrow(/--force/);
    const b = planSweep({ experiment: 'ift-gaussian-2d', base: TINY, grid: [parseGridArg('sigma=1,4')], dir, force: true });
    expect(b.tasks[0]!.hash).toBe(a.tasks[0]!.hash); // sigma=1 tasks are the same computation
    expect(b.tasks[8]!.hash).not.toBe(a.tasks[8]!.hash);
    expect(() => planSweep({ experiment: 'ift-gaussian-2d', base: { ...TINY, sigma: 2 }, grid: [parseGridArg('sigma=1,4')], dir: join(root, 'x') })).toThrow(/--sigma 2 was given too/);
    expect(() => planSweep({ experiment: 'ift-gaussian-2d', base: TINY, grid: [parseGridArg('m=5'), parseGridArg('noise-until=99999')], dir: join(root, 'y') })).not.toThrow();
    expect(() => planSweep({ experiment: 'double-well-langevin', base: { runs: 1 }, grid: [parseGridArg('sigma=1')], dir: join(root, 'z') })).toThrow(/--sigma.*at grid point sigma=1/);
  });

  it('the content hash is that of the canonical JSON: key order does not matter, any setting does', () => {
    expect(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] })).toBe('{"a":[2,{"c":4,"d":3}],"b":1}');
    const plan = readSweep(join(root, 'plan'));
    const s = plan.points[0]!.settings;
    const reordered = Object.fromEntries(Object.entries(s).reverse()) as typeof s;
    expect(taskHash(reordered, 'ift', 1)).toBe(taskHash(s, 'ift', 1));
    expect(taskHash({ ...s, eta: (s as IftSettings).eta * (1 + 2 ** -52) } as typeof s, 'ift', 1)).not.toBe(taskHash(s, 'ift', 1));
    expect(taskHash(s, 'ift', 0)).not.toBe(taskHash(s, 'ift', 1));
  });
});

describe('array indices and blocks', () => {
  it('reads SLURM_ARRAY_TASK_ID, then JOB_COMPLETION_INDEX, then AWS_BATCH_JOB_ARRAY_INDEX', () => {
    expect(arrayIndexFromEnv({})).toBeUndefined();
    expect(arrayIndexFromEnv({ AWS_BATCH_JOB_ARRAY_INDEX: '4' })).toEqual({ index: 4, source: 'AWS_BATCH_JOB_ARRAY_INDEX' });
    expect(arrayIndexFromEnv({ JOB_COMPLETION_INDEX: '2', AWS_BATCH_JOB_ARRAY_INDEX: '4' })).toEqual({ index: 2, source: 'JOB_COMPLETION_INDEX' });
    expect(arrayIndexFromEnv({ SLURM_ARRAY_TASK_ID: '11', JOB_COMPLETION_INDEX: '2' })).toEqual({ index: 11, source: 'SLURM_ARRAY_TASK_ID' });
    expect(() => arrayIndexFromEnv({ SLURM_ARRAY_TASK_ID: '1.5' })).toThrow(/SLURM_ARRAY_TASK_ID: got "1.5"/);
    expect(() => arrayIndexFromEnv({ JOB_COMPLETION_INDEX: '-1' })).toThrow(InputError);
  });

  it('blocks are contiguous, cover every task exactly once, the last one may be short', () => {
    for (const [total, block] of [
      [48, 1],
      [48, 4],
      [50, 7],
      [1, 3],
    ] as const) {
      const m = Math.ceil(total / block);
      const all: number[] = [];
      for (let i = 0; i < m; i++) {
        const b = blockTasks(i, block, total);
        expect(b.length).toBe(i < m - 1 ? block : total - block * (m - 1));
        for (let k = 1; k < b.length; k++) expect(b[k]).toBe(b[k - 1]! + 1);
        all.push(...b);
      }
      expect(all).toEqual(Array.from({ length: total }, (_, k) => k));
      expect(() => blockTasks(m, block, total)).toThrow(`an array index in 0..${m - 1}`);
    }
    expect(() => blockTasks(0, 0, 5)).toThrow(/--block/);
    expect(formatRanges([0, 1, 2, 5, 7, 8])).toBe('0-2,5,7-8');
  });
});

describe('exact JSON of task results', () => {
  it('round-trips every double bit for bit, NaN, ±Infinity and −0 included', () => {
    const r = rng(3, 0);
    const bits = new Float64Array(64);
    const u32 = new Uint32Array(bits.buffer);
    for (let i = 0; i < u32.length; i++) u32[i] = r.nextUint32();
    const specials = [Number.NaN, Infinity, -Infinity, -0, 0, 5e-324, Number.MAX_VALUE, 0.1 + 0.2, 1 / 3];
    const v = { a: bits, b: specials, c: { d: Float64Array.from(specials), e: 'text', f: [1, null] } };
    const back = decodeExact(encodeExact(v)) as typeof v;
    expect(back.a).toBeInstanceOf(Float64Array);
    const same = (x: ArrayLike<number>, y: ArrayLike<number>) => {
      expect(y.length).toBe(x.length);
      for (let i = 0; i < x.length; i++) expect(Object.is(x[i], y[i]) || (Number.isNaN(x[i]) && Number.isNaN(y[i]))).toBe(true);
    };
    // compare the raw bits of the random doubles (NaN payloads aside, which JS does not preserve)
    const b1 = new Uint32Array(back.a.buffer);
    for (let i = 0; i < bits.length; i++) if (!Number.isNaN(bits[i])) expect([b1[2 * i], b1[2 * i + 1]]).toEqual([u32[2 * i], u32[2 * i + 1]]);
    same(specials, back.b);
    same(specials, back.c.d);
    expect(back.c.e).toBe('text');
    expect(back.c.f).toEqual([1, null]);
  });
});

describe('sweep run, status and merge', () => {
  it('runs blocks, skips done tasks, and merges to exactly what experiment writes', async () => {
    const dir = join(root, 'equal');
    const plan = planSweep({ experiment: 'ift-gaussian-2d', base: TINY, grid: [parseGridArg('sigma=1,3')], dir });
    expect(plan.tasks).toHaveLength(16);
    // array index 1 with blocks of 3: tasks 3, 4, 5
    const first = await runSweepTasks({ plan, tasks: blockTasks(1, 3, 16), arrayIndex: 1, indexSource: 'SLURM_ARRAY_TASK_ID' });
    expect(first.done.sort()).toEqual([3, 4, 5]);
    let st = sweepState(plan);
    expect(st.done).toEqual([3, 4, 5]);
    expect(st.missing).toEqual([0, 1, 2, ...Array.from({ length: 10 }, (_, k) => k + 6)]);
    const r4 = readTaskResult(taskFiles(dir, plan.tasks[4]!).done);
    expect(r4).toMatchObject({ status: 'done', arrayIndex: 1, indexSource: 'SLURM_ARRAY_TASK_ID', task: plan.tasks[4] });
    expect(r4.curve).toMatchObject({ method: 'mmd-flow', run: 1, runSeed: plan.tasks[4]!.seed });

    // merge refuses and names what is missing
    await expect(mergeSweep({ dir })).rejects.toThrow(SweepIncompleteError);
    await expect(mergeSweep({ dir })).rejects.toThrow(/13 of 16 tasks are not done — missing 13: 0 \(mmd-flow, run 0, sigma=1\); 1 \(mmd-flow-noise, run 0, sigma=1\)/);
    const viaCli = await cli('sweep', 'merge', dir);
    expect(viaCli.code).toBe(1);
    expect(viaCli.err).toMatch(/6 \(ift, run 1, sigma=1\)/);

    // resubmitting the same block skips it and rewrites nothing
    const before = readFileSync(taskFiles(dir, plan.tasks[3]!).done, 'utf8');
    const again = await runSweepTasks({ plan, tasks: blockTasks(1, 3, 16) });
    expect(again.skipped).toEqual([3, 4, 5]);
    expect(again.done).toEqual([]);
    expect(readFileSync(taskFiles(dir, plan.tasks[3]!).done, 'utf8')).toBe(before);

    // the rest on two workers (in any order), then merge
    const rest = await runSweepTasks({ plan, tasks: plan.tasks.map((t) => t.index), workers: 2 });
    expect(rest.skipped).toEqual([3, 4, 5]);
    expect(rest.done).toHaveLength(13);
    st = sweepState(plan);
    expect(st.done).toHaveLength(16);
    const merged = await mergeSweep({ dir, date: new Date(0) });
    expect(merged.points.map((p) => p.label)).toEqual(['sigma=1', 'sigma=3']);
    expect(merged.summaryFiles).toEqual(expect.arrayContaining(['summary.csv', 'summary.json', 'final-vs-sigma.svg', 'final-vs-sigma.png', 'index.html']));

    // the single-machine experiment with sigma = 3
    const exp = join(root, 'equal-exp');
    await runExperiment({ settings: plan.points[1]!.settings, outDir: exp, workers: 1, progress: false, date: new Date(0) });
    const m3 = join(dir, 'merged', 'sigma=3');
    expect(readFileSync(join(m3, 'curves.csv'), 'utf8')).toBe(readFileSync(join(exp, 'curves.csv'), 'utf8'));
    expect(curvesJsonWithoutTimings(join(m3, 'curves.json'))).toBe(curvesJsonWithoutTimings(join(exp, 'curves.json')));
    expect(readdirSync(m3).sort()).toEqual(readdirSync(exp).sort());
    // the figures too: the same curves and particles give the same SVG, byte for byte
    for (const f of readdirSync(exp).filter((x) => x.endsWith('.svg'))) expect(readFileSync(join(m3, f), 'utf8'), f).toBe(readFileSync(join(exp, f), 'utf8'));

    // summary.csv: the final mean and std of each method, as in the point's curves.csv (the last row per method)
    const curveRows = readFileSync(join(m3, 'curves.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const summary = readFileSync(join(dir, 'merged', 'summary.csv'), 'utf8').trim().split('\n');
    expect(summary[0]).toBe('sigma,method,final_step,mean,std,runs');
    for (const line of summary.slice(1).filter((l) => l.startsWith('3,'))) {
      const [, method, step, mean, std, runs] = line.split(',');
      const last = curveRows.filter((r) => r[1] === method).at(-1)!;
      expect([step, mean, std, runs]).toEqual([last[0], last[2], last[3], last[4]]);
    }
    const html = readFileSync(join(dir, 'merged', 'index.html'), 'utf8');
    expect(html).toContain('final-vs-sigma.svg');
    expect(html).toContain('sigma=3/index.html');

    // status from the CLI
    const s = await cli('sweep', 'status', dir, '--json');
    expect(JSON.parse(s.out).counts).toEqual({ done: 16, failed: 0, partial: 0, missing: 0 });
  }, 120_000);

  it('a task that throws leaves an error file that status and merge report', async () => {
    const dir = join(root, 'fails');
    planSweep({ experiment: 'ift-gaussian-2d', base: { ...TINY, runs: 1, methods: ['mmd-flow'] }, dir });
    // Make the one task impossible (n = 0 particles), consistently in sweep.json and its hash.
    const head = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8'));
    head.points[0].settings.n = 0;
    writeFileSync(join(dir, 'sweep.json'), JSON.stringify(head));
    const t = JSON.parse(readFileSync(join(dir, 'tasks.jsonl'), 'utf8'));
    t.hash = taskHash(head.points[0].settings, t.method, t.run);
    writeFileSync(join(dir, 'tasks.jsonl'), `${JSON.stringify(t)}\n`);
    const plan = readSweep(dir);
    const r = await runSweepTasks({ plan, tasks: [0] });
    expect(r.failed).toHaveLength(1);
    expect(sweepState(plan).failed).toEqual([0]);
    const err = JSON.parse(readFileSync(taskFiles(dir, plan.tasks[0]!).error, 'utf8'));
    expect(err.status).toBe('failed');
    expect(err.error).toBe(r.failed[0]!.message);
    const st = await cli('sweep', 'status', dir);
    expect(st.out).toContain('1 failed');
    expect(st.out).toContain(r.failed[0]!.message);
    expect(incompleteMessage(plan, sweepState(plan))).toContain(`failed 1: 0 (mmd-flow, run 0): ${r.failed[0]!.message}`);
    // the CLI exits 1 when a task failed
    expect((await cli('sweep', 'run', dir, '--index', '0')).code).toBe(1);
    // a folder edited without re-hashing is refused before anything runs
    head.points[0].settings.n = 13;
    writeFileSync(join(dir, 'sweep.json'), JSON.stringify(head));
    await expect(runSweepTasks({ plan: readSweep(dir), tasks: [0] })).rejects.toThrow(/edited after planning/);
  }, 60_000);

  it('a stop request (SIGTERM) keeps a partial result; tasks not started stay missing', async () => {
    const dir = join(root, 'stop');
    const plan = planSweep({ experiment: 'ift-gaussian-2d', base: { n: 20, steps: 4_000_000, runs: 2, methods: ['mmd-flow'], testSize: 20 }, dir });
    const stop = createStopFlag();
    const lines: string[] = [];
    const p = runSweepTasks({ plan, tasks: [0, 1], workers: 1, stop, log: (l) => lines.push(l) });
    // wait until task 0 runs (its worker counts it as started), let it take some steps, then stop
    while (stop.started() === 0) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));
    stop.request(15);
    const s = await p;
    expect(s.stoppedBy).toBe(15);
    expect(s.partial).toEqual([0]);
    expect(s.notStarted).toEqual([1]);
    const r = readTaskResult(taskFiles(dir, plan.tasks[0]!).partial);
    expect(r.status).toBe('partial');
    expect(r.signal).toBe('SIGTERM');
    const last = r.curve.x.at(-1)!;
    expect(last).toBeGreaterThan(0);
    expect(last).toBeLessThan(4_000_000);
    expect(r.curve.loss).toHaveLength(r.curve.x.length);
    const st = sweepState(plan);
    expect(st.partial).toEqual([0]);
    expect(st.missing).toEqual([1]);
    expect(lines.join('')).toMatch(/task 0 \(mmd-flow, run 0\): stopped at step \d+; partial result kept/);
  }, 60_000);

  it('SIGTERM to `sweep run` exits 143 with a partial result; SIGKILL leaves no result file', async () => {
    const dir = join(root, 'signals');
    planSweep({ experiment: 'ift-gaussian-2d', base: { n: 20, steps: 4_000_000, runs: 2, methods: ['mmd-flow'], testSize: 20 }, dir });
    const runChild = (index: number, signal: NodeJS.Signals) =>
      new Promise<{ code: number | null; sig: NodeJS.Signals | null; err: string }>((done) => {
        const child = spawn(process.execPath, ['--import', 'tsx', CLI_TS, 'sweep', 'run', dir], {
          cwd: REPO,
          env: { ...process.env, JOB_COMPLETION_INDEX: String(index) },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let err = '';
        let sent = false;
        child.stderr.on('data', (b: Buffer) => {
          err += b.toString();
          if (!sent && err.includes(': running')) {
            sent = true;
            setTimeout(() => child.kill(signal), 500);
          }
        });
        child.on('exit', (code, sig) => done({ code, sig, err }));
      });
    const term = await runChild(0, 'SIGTERM');
    expect(term.code).toBe(143);
    expect(term.err).toContain('SIGTERM — stopping after the current step');
    const plan = readSweep(dir);
    const r = readTaskResult(taskFiles(dir, plan.tasks[0]!).partial);
    expect(r).toMatchObject({ status: 'partial', signal: 'SIGTERM', arrayIndex: 0, indexSource: 'JOB_COMPLETION_INDEX' });
    const kill = await runChild(1, 'SIGKILL');
    expect(kill.sig).toBe('SIGKILL');
    const names = readdirSync(join(dir, 'results'));
    expect(names.filter((n) => n.startsWith('000001'))).toEqual([]);
    for (const n of names.filter((x) => !x.startsWith('.'))) expect(() => JSON.parse(readFileSync(join(dir, 'results', n), 'utf8'))).not.toThrow();
    expect(sweepState(plan)).toMatchObject({ partial: [0], missing: [1], done: [] });
  }, 120_000);
});

describe('sweep emit', () => {
  it('slurm: an array of ⌈N/B⌉ with %K, resources, one log per array task; bash runs it like SLURM would', async () => {
    const dir = join(root, 'emit');
    const plan = planSweep({ experiment: 'ift-gaussian-2d', base: TINY, grid: [parseGridArg('sigma=1,3,5')], dir });
    expect(plan.tasks).toHaveLength(24);
    const s = slurmScript(plan, { block: 5, maxParallel: 3, cpusPerTask: 2, mem: '2G', time: '00:30:00', partition: 'gpu', account: 'lab', sbatch: ['--qos=short'] });
    const directives = s.split('\n').filter((l) => l.startsWith('#SBATCH'));
    expect(directives).toEqual([
      '#SBATCH --job-name=measureflow-ift-gaussian-2d',
      '#SBATCH --array=0-4%3',
      '#SBATCH --cpus-per-task=2',
      '#SBATCH --ntasks=1',
      `#SBATCH --output=${dir}/logs/%A_%a.log`,
      '#SBATCH --mem=2G',
      '#SBATCH --time=00:30:00',
      '#SBATCH --signal=B:TERM@120',
      '#SBATCH --partition=gpu',
      '#SBATCH --account=lab',
      '#SBATCH --qos=short',
    ]);
    expect(s.startsWith('#!/bin/bash\n')).toBe(true);
    expect(s).toMatch(/\nexec node \S+bin\/measureflow\.js sweep run \S+ --block 5 --workers "\$\{SLURM_CPUS_PER_TASK:-1\}"\n$/);
    expect(() => slurmScript(plan, { mem: 'lots' })).toThrow(/--mem: got "lots"/);
    expect(() => slurmScript(plan, { time: '1h' })).toThrow(/--time/);
    expect(() => slurmScript(plan, { sbatch: ['--a\n--b'] })).toThrow(/--sbatch/);

    // The script through the CLI, run by bash as array task 2 would be (tasks 10..14 with blocks of 5).
    const e = await cli('sweep', 'emit', 'slurm', dir, '--block', '5', '--command', `${process.execPath} --import tsx ${CLI_TS}`);
    expect(e.code).toBe(0);
    const res = spawnSync('bash', [join(dir, 'slurm.sh')], { cwd: REPO, env: { ...process.env, SLURM_ARRAY_TASK_ID: '2', SLURM_CPUS_PER_TASK: '2' }, encoding: 'utf8' });
    expect(res.status).toBe(0);
    expect(res.stdout).toContain('5 done');
    expect(sweepState(plan).done).toEqual([10, 11, 12, 13, 14]);
    expect(readTaskResult(taskFiles(dir, plan.tasks[12]!).done)).toMatchObject({ arrayIndex: 2, indexSource: 'SLURM_ARRAY_TASK_ID' });
  }, 60_000);

  it('k8s: an indexed Job of ⌈N/B⌉ completions whose pods run the block of JOB_COMPLETION_INDEX', async () => {
    const plan = readSweep(join(root, 'emit'));
    const y = k8sJob(plan, { image: 'ghcr.io/lab/mf:1', pvc: 'sweeps', subPath: 'exp1', block: 4, maxParallel: 2, memory: '2Gi' });
    const line = (key: string) => y.split('\n').find((l) => l.trimStart().startsWith(`${key}:`))!.split(': ').slice(1).join(': ');
    expect(line('kind')).toBe('Job');
    expect(line('completionMode')).toBe('Indexed');
    expect(line('completions')).toBe('6');
    expect(line('parallelism')).toBe('2');
    expect(line('restartPolicy')).toBe('Never');
    expect(JSON.parse(line('command'))).toEqual(['npx', 'measureflow', 'sweep', 'run', '/sweep', '--block', '4']);
    expect(JSON.parse(line('image'))).toBe('ghcr.io/lab/mf:1');
    expect(JSON.parse(line('claimName'))).toBe('sweeps');
    expect(JSON.parse(line('subPath'))).toBe('exp1');
    expect(line('requests')).toBe('{ cpu: "1", memory: "2Gi" }');
    // YAML indentation: two spaces per level, no tabs
    for (const l of y.split('\n')) expect(l).not.toMatch(/\t/);
    expect(() => k8sJob(plan, { image: 'x', pvc: 'Bad_Name' })).toThrow(/--pvc/);
    expect(() => k8sJob(plan, { image: 'x', pvc: 'ok', jobName: 'UPPER' })).toThrow(/--job-name/);
    const viaCli = await cli('sweep', 'emit', 'k8s', join(root, 'emit'), '--image', 'img', '--pvc', 'sweeps', '--json');
    expect(JSON.parse(viaCli.out).completions).toBe(24);
  });

  it('sweep plan has every setting flag of experiment', async () => {
    const { buildProgram } = await import('../src/node/cli.js');
    const p = buildProgram({ out: () => {}, err: () => {} });
    const exp = p.commands.find((c) => c.name() === 'experiment')!;
    const plan = p.commands.find((c) => c.name() === 'sweep')!.commands.find((c) => c.name() === 'plan')!;
    const flags = (c: typeof exp) => c.options.map((o) => o.long);
    // execution options are not settings: --threads gives bit-identical results for any count;
    // --backend picks the hardware of the kernel sums (sweep tasks run on the CPU)
    const wanted = flags(exp).filter((f) => !['--workers', '--out', '--json', '--quiet', '--threads', '--backend'].includes(f!));
    expect(wanted.length).toBeGreaterThan(15);
    for (const f of wanted) expect(flags(plan)).toContain(f);
  });

  it('emit local runs what is left on this machine; run without an index says where one comes from', async () => {
    const dir = join(root, 'emit');
    const saved = { ...process.env };
    for (const k of ['SLURM_ARRAY_TASK_ID', 'JOB_COMPLETION_INDEX', 'AWS_BATCH_JOB_ARRAY_INDEX']) delete process.env[k];
    try {
      const r = await cli('sweep', 'run', dir);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/--index: got undefined, expected an array index: --index I, or one of SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX set, or --all/);
      expect((await cli('sweep', 'run', dir, '--index', '99')).err).toMatch(/--index: got 99, expected an array index in 0\.\.23/);
    } finally {
      process.env = saved;
    }
    const l = await cli('sweep', 'emit', 'local', dir, '--workers', '2', '--json');
    expect(l.code).toBe(0);
    const s = JSON.parse(l.out);
    expect(s.skipped).toEqual([10, 11, 12, 13, 14]);
    expect(s.done).toHaveLength(19);
    expect(sweepState(readSweep(dir)).done).toHaveLength(24);
  }, 60_000);
});
