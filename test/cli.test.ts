import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/node/cli.js';
import { readNpy } from '../src/io/npy.js';

const dir = mkdtempSync(join(tmpdir(), 'mf-cli-'));
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

describe('measureflow CLI', () => {
  it('sample writes exact samples; metrics reads them back', async () => {
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.npy');
    expect((await cli('sample', 'paper-gaussian-2d', '-n', '300', '-o', a, '--seed', '1')).code).toBe(0);
    expect((await cli('sample', '{"name":"gaussian","mean":[1,1],"cov":1}', '-n', '300', '-o', b, '--json')).code).toBe(0);
    const r = await cli('metrics', a, b, '--json', '--metrics', 'mmd,energy,w2,sinkhorn', '--sigma', '1');
    expect(r.code).toBe(0);
    const m = JSON.parse(r.out);
    expect(m.mmd).toBeGreaterThan(0);
    expect(m.w2).toBeGreaterThan(0.5); // means differ by (1, 1): W₂ ≥ |Δmean| = √2 up to sampling noise
    expect(m.energyDistanceSquared).toBeGreaterThan(0);
    expect(m.sinkhornDivergence).toBeGreaterThan(0);
    const self = JSON.parse((await cli('metrics', a, a, '--json', '--metrics', 'mmd,w2')).out);
    expect(self.mmd).toBeLessThan(1e-6);
    expect(self.w2).toBeLessThan(1e-9);
  });

  it('run writes every documented output, and the result loads', async () => {
    const spec = {
      algorithm: 'mmd-flow',
      kernel: { kind: 'gaussian', sigma: 1 },
      target: { name: 'paper-gaussian-2d', m: 40 },
      init: { name: 'gaussian', mean: [2, 2], n: 40 },
      tau: 1,
      steps: 20,
      out: 'out1',
      record: { every: 5 },
    };
    const p = join(dir, 'spec.json');
    writeFileSync(p, JSON.stringify(spec));
    const r = await cli('run', p, '--json');
    expect(r.code).toBe(0);
    const files = readdirSync(join(dir, 'out1')).sort();
    expect(files).toEqual(
      ['history.csv', 'history.png', 'history.svg', 'init-weights.npy', 'init.npy', 'particles.csv', 'particles.png', 'particles.svg', 'positions.npy', 'result.json', 'target.npy', 'weights.npy'].sort(),
    );
    const res = JSON.parse(readFileSync(join(dir, 'out1', 'result.json'), 'utf8'));
    expect(res.status).toBe('completed');
    expect(res.positions).toHaveLength(40);
    expect(res.weights).toHaveLength(40);
    expect(res.history.map((h: { step: number }) => h.step)).toEqual([0, 5, 10, 15, 20]);
    expect(res.spec.kernel).toEqual({ kind: 'gaussian', sigma: 1 });
    expect(res.spec.seed).toBe(0);
    expect(typeof res.measureflow).toBe('string');
    expect(res.history[4].energy).toBeLessThan(res.history[0].energy);
    const npy = readNpy(readFileSync(join(dir, 'out1', 'positions.npy')));
    expect(npy.shape).toEqual([40, 2]);
    expect(Array.from(npy.data)).toEqual(res.positions.flat());
  });

  it('bad input: exit code 2, one clear line, nothing written', async () => {
    const p = join(dir, 'bad.json');
    writeFileSync(p, JSON.stringify({ algorithm: 'ift', target: { name: 'paper-gaussian-2d' }, init: { name: 'gaussian', d: 2, n: 5 }, tau: -1, out: 'never' }));
    const r = await cli('run', p);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/spec\.tau: .*got -1/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'never'))).toBe(false);

    const unknown = await cli('run', join(dir, 'missing.json'));
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/missing\.json/);

    const badN = await cli('sample', 'banana', '-n', '-3', '-o', join(dir, 'x.csv'));
    expect(badN.code).toBe(2);
    expect(badN.err).toMatch(/--n must be an integer/);
    expect(existsSync(join(dir, 'x.csv'))).toBe(false);

    const badTarget = await cli('sample', 'bananas', '-n', '3', '-o', join(dir, 'y.csv'));
    expect(badTarget.code).toBe(2);
    expect(badTarget.err).toMatch(/target\.name: got "bananas", expected one of gaussian/);

    writeFileSync(join(dir, 'nan.csv'), 'x,y\n1,2\nNaN,3\n');
    const badFile = await cli('metrics', join(dir, 'nan.csv'), join(dir, 'nan.csv'));
    expect(badFile.code).toBe(2);
    expect(badFile.err).toMatch(/nan\.csv/);
    expect(badFile.err).toMatch(/line 3/);

    const badEps = await cli('metrics', join(dir, 'a.csv'), join(dir, 'a.csv'), '--eps', '0');
    expect(badEps.code).toBe(2);
    expect(badEps.err).toMatch(/--eps must be a finite number > 0/);
  });

  it('--help works on every command', async () => {
    for (const c of ['run', 'metrics', 'sample']) {
      const r = await cli(c, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/Usage: measureflow/);
    }
  });
});

describe('measureflow run: Ctrl-C', () => {
  it('SIGINT stops the run and leaves a consistent result for the steps done', async () => {
    const { spawn } = await import('node:child_process');
    const spec = join(dir, 'long.json');
    writeFileSync(
      spec,
      JSON.stringify({
        algorithm: 'mmd-flow',
        target: { name: 'paper-gaussian-2d', m: 100 },
        init: { name: 'gaussian', mean: [3, 3], n: 100 },
        tau: 1,
        steps: 10_000_000,
        out: 'long-out',
      }),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'scripts', 'measureflow.ts'), 'run', spec], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const code = await new Promise<number | null>((done) => {
      child.stderr.on('data', (b: Buffer) => {
        const first = stderr === '';
        stderr += b.toString();
        // the run has started (handler installed): let it take some steps, then interrupt
        if (first && stderr.includes('running mmd-flow')) setTimeout(() => child.kill('SIGINT'), 500);
      });
      child.on('exit', (c) => done(c));
    });
    expect(code).toBe(130);
    const res = JSON.parse(readFileSync(join(dir, 'long-out', 'result.json'), 'utf8'));
    expect(res.status).toBe('interrupted');
    expect(res.stepsDone).toBeGreaterThan(0);
    expect(res.stepsDone).toBeLessThan(10_000_000);
    expect(res.history.at(-1).step).toBe(res.stepsDone);
    expect(res.positions).toHaveLength(100);
    expect(readdirSync(join(dir, 'long-out')).filter((f) => f.includes('.tmp'))).toEqual([]);
  }, 60_000);
});
