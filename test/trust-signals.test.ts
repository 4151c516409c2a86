/**
 * Trust under faults (issue 9, items 4–5) on real child processes: SIGTERM and SIGHUP behave
 * like Ctrl-C, a second signal aborts at once without leaving staged files, `kill -9` at any
 * moment leaves the output folder holding exactly one run's files, and a second concurrent run
 * into the same folder is refused.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveSettings } from '../src/experiments/index.js';
import { main } from '../src/node/cli.js';
import { runExperiment } from '../src/node/experiment.js';

const dir = mkdtempSync(join(tmpdir(), 'mf-signals-'));
const script = join(import.meta.dirname, '..', 'scripts', 'measureflow.ts');
afterAll(() => {
  process.exitCode = 0;
  rmSync(dir, { recursive: true, force: true });
});

function spec(name: string, patch: Record<string, unknown> = {}): string {
  const p = join(dir, `${name}.json`);
  writeFileSync(
    p,
    JSON.stringify({
      algorithm: 'mmd-flow',
      target: { name: 'paper-gaussian-2d', m: 100 },
      init: { name: 'gaussian', mean: [3, 3], n: 100 },
      tau: 1,
      steps: 10_000_000,
      out: join(dir, name),
      ...patch,
    }),
  );
  return p;
}

interface Child {
  child: ChildProcess;
  started: Promise<void>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

/** Starts `measureflow …` under tsx; `started` resolves once the run has printed its "running" line (handlers installed). */
function start(...args: string[]): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let onStart: () => void = () => {};
  const started = new Promise<void>((r) => {
    onStart = r;
  });
  child.stderr!.on('data', (b: Buffer) => {
    err += b.toString();
    if (err.includes('measureflow: running')) onStart();
  });
  child.stdout!.resume();
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('exit', (code, signal) => done({ code, signal })));
  return { child, started, exit, stderr: () => err };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The folder holds exactly one run's files: every file is in result.json's manifest, with its checksum. Returns the run id. */
function checkOneRun(out: string): string {
  const res = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
  const files = readdirSync(out).filter((f) => f !== 'result.json').sort();
  expect(files).toEqual(Object.keys(res.files).sort());
  for (const f of files) expect(createHash('sha256').update(readFileSync(join(out, f))).digest('hex'), f).toBe(res.files[f]);
  // the data files agree with result.json itself
  expect(readFileSync(join(out, 'particles.csv'), 'utf8').trim().split('\n')).toHaveLength(res.n + 1);
  return res.runId;
}

describe('SIGTERM and SIGHUP behave like Ctrl-C', () => {
  for (const [sig, code] of [
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    it(`${sig}: stops after the current step, writes the steps done (status "interrupted"), exit ${code}`, async () => {
      const name = `sig-${sig}`;
      const c = start('run', spec(name));
      await c.started;
      await sleep(700);
      c.child.kill(sig);
      const { code: got } = await c.exit;
      expect(got, c.stderr()).toBe(code);
      expect(c.stderr()).toMatch(new RegExp(`${sig} — stopping after the current step`));
      const out = join(dir, name);
      const res = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
      expect(res.status).toBe('interrupted');
      expect(res.stepsDone).toBeGreaterThan(0);
      expect(res.history.at(-1).step).toBe(res.stepsDone);
      checkOneRun(out);
      expect(readdirSync(dir).filter((e) => e.startsWith(`.${name}.`))).toEqual([]);
    }, 60_000);
  }

  it('a second signal aborts at once: no staged files or lock are left, the folder is never half-written', async () => {
    const name = 'sig-twice';
    const c = start('run', spec(name, { init: { name: 'gaussian', mean: [3, 3], n: 2000 } }));
    await c.started;
    await sleep(300);
    c.child.kill('SIGTERM');
    await sleep(30);
    c.child.kill('SIGTERM');
    const { code } = await c.exit;
    expect(code).toBe(143);
    const out = join(dir, name);
    if (existsSync(out)) checkOneRun(out); // the first signal's write may have won the race; then it is complete
    expect(readdirSync(dir).filter((e) => e.startsWith(`.${name}.`))).toEqual([]);
  }, 60_000);
});

describe('kill -9 at any moment leaves the folder holding one run', () => {
  it('a few kills at random moments (computing, rendering, swapping)', async () => {
    const name = 'k9';
    const out = join(dir, name);
    const base = { steps: 30, record: { every: 10 } };
    // a first complete run
    const first = start('run', spec(name, { ...base, seed: 0 }));
    expect((await first.exit).code, first.stderr()).toBe(0);
    const ids = new Set([checkOneRun(out)]);
    for (let i = 1; i <= 5; i++) {
      const c = start('run', spec(name, { ...base, seed: i }));
      await c.started;
      // the run itself takes well under a second; the figures about a second more: land anywhere in both
      await sleep(50 + ((i * 397) % 1500));
      c.child.kill('SIGKILL');
      await c.exit;
      expect(existsSync(out)).toBe(true);
      ids.add(checkOneRun(out));
    }
    // the next run cleans up whatever the kills left (staging folders, the lock) and lands whole
    const last = start('run', spec(name, { ...base, seed: 99 }));
    expect((await last.exit).code, last.stderr()).toBe(0);
    checkOneRun(out);
    expect(readdirSync(dir).filter((e) => e.startsWith(`.${name}.`))).toEqual([]);
  }, 180_000);
});

describe('two concurrent runs into one folder', () => {
  it('the second is refused with a clear message; the first finishes normally', async () => {
    const name = 'busy';
    const c = start('run', spec(name));
    await c.started;
    let err = '';
    const code = await main(['node', 'measureflow', 'run', spec('busy-second', { out: join(dir, name), steps: 3 }), '--quiet'], {
      out: () => {},
      err: (s) => void (err += s),
    });
    process.exitCode = 0;
    expect(code).toBe(2);
    expect(err).toContain(join(dir, name));
    expect(err).toMatch(new RegExp(`in use by measureflow run \\(mmd-flow\\) \\(pid ${c.child.pid}`));
    c.child.kill('SIGTERM');
    expect((await c.exit).code).toBe(143);
    const res = JSON.parse(readFileSync(join(dir, name, 'result.json'), 'utf8'));
    expect(res.status).toBe('interrupted');
    expect(res.spec.steps).toBe(10_000_000); // the first run's, not the refused one's
  }, 60_000);
});

describe('experiment: interrupted runs keep the finished (method, run) pairs', () => {
  it('aborting after the first finished pair writes it (status "interrupted"), no NaN', async () => {
    const out = join(dir, 'exp-int');
    const settings = resolveSettings('ift-gaussian-2d', { runs: 6, n: 10, steps: 400, methods: ['mmd-flow', 'ift'] });
    const ac = new AbortController();
    const res = await runExperiment({ settings, outDir: out, workers: 1, progress: false, signal: ac.signal, onTaskDone: () => ac.abort() });
    expect(res.status).toBe('interrupted');
    expect(res.tasksDone).toBeGreaterThanOrEqual(1);
    expect(res.tasksDone).toBeLessThan(res.tasksTotal);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.status).toBe('interrupted');
    expect(config.tasksDone).toBe(res.tasksDone);
    for (const [f, sum] of Object.entries(config.files as Record<string, string>))
      expect(createHash('sha256').update(readFileSync(join(out, f))).digest('hex')).toBe(sum);
    for (const f of ['curves.csv', 'curves.json', 'index.html']) expect(readFileSync(join(out, f), 'utf8')).not.toMatch(/NaN|Infinity/);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toMatch(/Interrupted: \d+ of 12/);
  }, 120_000);

  it('SIGTERM on the CLI: exit 143 and a message that says what happens', async () => {
    const out = join(dir, 'exp-term');
    const c = start('experiment', 'ift-gaussian-2d', '--runs', '400', '--n', '10', '--steps', '400', '--methods', 'mmd-flow', '--workers', '1', '--out', out);
    await c.started;
    await sleep(4000);
    c.child.kill('SIGTERM');
    const { code } = await c.exit;
    expect(code, c.stderr()).toBe(143);
    expect(c.stderr()).toMatch(/SIGTERM — stopping the workers; the \(method, run\) pairs that finished are written/);
    if (existsSync(out)) {
      const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
      expect(config.status).toBe('interrupted');
      expect(config.tasksDone).toBeLessThan(400);
    } else expect(c.stderr()).toMatch(/nothing was written/);
  }, 120_000);
});
