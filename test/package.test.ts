/**
 * The package as users see it: the core entry stays lean (its static import graph reaches none of
 * zod, vega, vega-lite, @resvg/resvg-js), the plotting stack is optional (loaded lazily; the CLI
 * writes its data files and a one-line hint without it), and package.json is complete. The
 * tarball itself is checked end to end by scripts/pack-test.sh and the bundle size by
 * scripts/bundle-size.mjs (both run by .ci/run).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { resolveSettings } from '../src/experiments/index.js';
import { main } from '../src/node/cli.js';
import { runExperiment } from '../src/node/experiment.js';
import { PlottingUnavailableError, renderPng, renderSvg } from '../src/node/render.js';

const root = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Every bare package name reached by static `import`/`export … from` from `entry` through relative imports. */
function staticPackages(entry: string): Set<string> {
  const seen = new Set<string>();
  const pkgs = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^'";]*?from\s+['"]([^'"]+)['"]/gm)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else pkgs.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  };
  visit(entry);
  return pkgs;
}

describe('lean core entry', () => {
  it("`import 'measureflow'` reaches only d3-dsv (the 10 KB CSV tokeniser of src/io)", () => {
    expect([...staticPackages(join(root, 'src/index.ts'))]).toEqual(['d3-dsv']);
  });
  it('zod is reached only through measureflow/spec; vega, vega-lite and resvg by no static import', () => {
    expect([...staticPackages(join(root, 'src/spec/index.ts'))]).toEqual(['zod']);
    const node = staticPackages(join(root, 'src/node/index.ts'));
    for (const p of ['vega', 'vega-lite', '@resvg/resvg-js']) expect(node.has(p)).toBe(false);
  });
});

describe('package.json', () => {
  it('every export has types, import and default conditions (require() of the ESM build works)', () => {
    for (const [k, v] of Object.entries(pkg.exports as Record<string, unknown>)) {
      if (k === './package.json') continue;
      const e = v as Record<string, string>;
      expect(Object.keys(e), k).toEqual(['types', 'import', 'default']);
      expect(e.default, k).toBe(e.import);
    }
  });
  it('the plotting stack is an optional peer dependency, not a dependency', () => {
    for (const p of ['vega', 'vega-lite', '@resvg/resvg-js']) {
      expect(pkg.dependencies[p], p).toBeUndefined();
      expect(pkg.peerDependencies[p], p).toBeTruthy();
      expect(pkg.peerDependenciesMeta[p], p).toEqual({ optional: true });
      expect(pkg.devDependencies[p], `${p} (so the CLI draws figures in this repository)`).toBeTruthy();
    }
  });
  it('runtime dependencies use ranges; metadata a registry page needs is there', () => {
    for (const [k, v] of Object.entries(pkg.dependencies as Record<string, string>)) expect(v, k).toMatch(/^[~^]/);
    expect(pkg.repository.url).toMatch(/^git\+https:\/\/github\.com\//);
    expect(pkg.homepage).toMatch(/^https:\/\//);
    expect(pkg.bugs.url).toMatch(/^https:\/\//);
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.files).toContain('src'); // the source maps point at ../src
    expect(pkg.files).toContain('CHANGELOG.md');
    expect(existsSync(join(root, 'CHANGELOG.md'))).toBe(true);
  });
});

describe('without the optional plotting packages', () => {
  const withoutPlotting = async <T>(fn: () => Promise<T>): Promise<T> => {
    const before = process.env.MEASUREFLOW_NO_PLOTTING;
    process.env.MEASUREFLOW_NO_PLOTTING = '1';
    try {
      return await fn();
    } finally {
      if (before === undefined) delete process.env.MEASUREFLOW_NO_PLOTTING;
      else process.env.MEASUREFLOW_NO_PLOTTING = before;
    }
  };
  it('renderSvg and renderPng throw PlottingUnavailableError naming the packages to install', async () => {
    await withoutPlotting(async () => {
      await expect(renderSvg({ mark: 'point' } as never)).rejects.toThrow(PlottingUnavailableError);
      expect(() => renderPng('<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2"/>')).toThrow(/install vega vega-lite @resvg\/resvg-js/);
    });
  });
  it('`measureflow run` writes its data files, no figures, and says once how to get them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mf-noplot-'));
    const spec = { algorithm: 'mmd-flow', target: { name: 'paper-gaussian-2d', m: 20 }, init: { name: 'gaussian', mean: [2, 2], n: 20 }, steps: 4, out: 'o' };
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
    let err = '';
    const code = await withoutPlotting(() => main(['node', 'measureflow', 'run', join(dir, 'spec.json')], { out: () => {}, err: (s) => void (err += s) }));
    process.exitCode = 0;
    expect(code).toBe(0);
    expect(readdirSync(join(dir, 'o')).sort()).toEqual(['history.csv', 'init-weights.npy', 'init.npy', 'particles.csv', 'positions.npy', 'result.json', 'target.npy', 'weights.npy']);
    expect(err.match(/install vega vega-lite @resvg\/resvg-js for figures/g)).toHaveLength(1);
  });
  it('`measureflow experiment` writes its data and report without figures, and says so once', async () => {
    const out = mkdtempSync(join(tmpdir(), 'mf-noplot-exp-'));
    const settings = resolveSettings('double-well-langevin', { runs: 1, n: 10, steps: 10 });
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
      written.push(String(chunk));
      return true;
    });
    let res: Awaited<ReturnType<typeof runExperiment>>;
    try {
      res = await withoutPlotting(() => runExperiment({ settings, outDir: out, workers: 1, progress: false }));
    } finally {
      spy.mockRestore();
    }
    const hints = written.filter((l) => l.includes('install vega vega-lite @resvg/resvg-js'));
    expect(hints).toHaveLength(1);
    expect(res.files.filter((f) => f.endsWith('.svg') || f.endsWith('.png'))).toEqual([]);
    for (const f of ['config.json', 'curves.csv', 'curves.json', 'index.html']) expect(existsSync(join(out, f)), f).toBe(true);
  });
});
