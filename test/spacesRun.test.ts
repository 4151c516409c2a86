import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSpaceExperiment, runSpaceSpec } from '../src/node/spaceRun.js';
import { buildGaussianRun, buildGraphRun } from '../src/spec/spaces.js';

const io = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) }, out, err };
};

describe('run specs with "space": "gaussian" | "graph"', () => {
  it('a gaussian-vi spec on a Gaussian target reaches the target and writes its files without NaN', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mf-gauss-'));
    const spec = { space: 'gaussian', algorithm: 'gaussian-vi', target: { name: 'gaussian', mean: [1, 2], cov: [[2, 0.5], [0.5, 1]] }, init: { mean: [-3, 0] }, tau: 0.1, steps: 800 };
    const { io: o } = io();
    expect(await runSpaceSpec(spec, dir, o)).toBe(0);
    const r = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
    expect(r.status).toBe('completed');
    expect(Math.abs(r.final.mean[0] - 1)).toBeLessThan(1e-8);
    expect(Math.abs(r.final.cov[1] - 0.5)).toBeLessThan(1e-8);
    // the energy is the exact KL here; it ends at 0
    expect(r.history.at(-1).energy).toBeLessThan(1e-12);
    expect(readFileSync(join(dir, 'history.csv'), 'utf8')).not.toMatch(/NaN|Infinity/);
    expect(existsSync(join(dir, 'gaussian.png'))).toBe(true);
  });
  it('a graph spec: heat flow on a cycle from a Dirac mass ends at π', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mf-graph-'));
    const spec = { space: 'graph', graph: { kind: 'cycle', n: 8 }, scheme: 'implicit', tau: 0.5, steps: 200, init: { dirac: 3 } };
    const { io: o } = io();
    expect(await runSpaceSpec(spec, dir, o)).toBe(0);
    const r = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
    for (const v of r.final.rho) expect(Math.abs(v - 1 / 8)).toBeLessThan(1e-9);
    expect(existsSync(join(dir, 'mass.svg'))).toBe(true);
  });
  it('a diverging explicit graph step ends as diverged with exit code 3 and the last finite state', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mf-graph-'));
    const spec = { space: 'graph', graph: { kind: 'path', n: 5 }, tau: 50, steps: 10, init: { rho: [0.6, 0.1, 0.1, 0.1, 0.1] } };
    const { io: o, err } = io();
    expect(await runSpaceSpec(spec, dir, o)).toBe(3);
    const r = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
    expect(r.status).toBe('diverged');
    expect(r.final.rho.every((v: number) => Number.isFinite(v) && v > 0)).toBe(true);
    expect(err.join('')).toMatch(/diverged/);
  });
  it('bad specs name the field', () => {
    expect(() => buildGaussianRun({ space: 'gaussian', target: { name: 'gaussian', mean: [0, 0] }, init: { mean: [0] } })).toThrow(/init.mean/);
    expect(() => buildGaussianRun({ space: 'gaussian', algorithm: 'natural-gradient-vi', geometry: 'bures-wasserstein', target: { name: 'gaussian', mean: [0] }, init: { mean: [0] } })).toThrow(/geometry/);
    expect(() => buildGraphRun({ space: 'graph', graph: { kind: 'hypercube', k: 40 }, init: { dirac: 0 } })).toThrow(/graph.k/);
    expect(() => buildGraphRun({ space: 'graph', graph: { kind: 'path', n: 3 }, init: { dirac: 7 } })).toThrow(/init.dirac/);
    expect(() => buildGraphRun({ space: 'graph', graph: { kind: 'path', n: 3 }, init: { rho: [0.5, 0.5, 0.5] } })).toThrow(/init.rho/);
  });
});

describe('space experiments', () => {
  it('gaussian-vi-bimodal: reverse KL settles on a mode, forward KL matches the moments', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mf-gvi-'));
    const { io: o } = io();
    expect(await runSpaceExperiment('gaussian-vi-bimodal', dir, o, { steps: 400 })).toBe(0);
    const r = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
    const [bw, ng, fwd] = r.runs;
    // the right component is N((3, 0.5), [[0.6, 0.2], [0.2, 0.4]]); Monte Carlo fixed points within 0.1
    for (const run of [bw, ng]) {
      expect(Math.abs(run.mean[0] - 3)).toBeLessThan(0.1);
      expect(Math.abs(run.cov[0] - 0.6)).toBeLessThan(0.1);
    }
    // mixture moments: mean x₁ = 0, var x₁ = ½(0.5 + 0.6) + 9 = 9.55 (2000 samples: sd of the mean ≈ 0.07)
    expect(Math.abs(fwd.mean[0])).toBeLessThan(0.35);
    expect(Math.abs(fwd.cov[0] - 9.55)).toBeLessThan(1.2);
    expect(existsSync(join(dir, 'ellipses.png'))).toBe(true);
  });
});
