#!/usr/bin/env node
// Browser bundle size of the core: esbuild bundles a 50-step IFT script that imports from
// 'measureflow' (resolved to the built dist/ through package.json "exports", as a user's
// bundler would), minified, for the browser. Prints the size and the largest inputs; exits 1
// when the bundle is larger than the budget (default 96 KB = 96·1024 bytes; --max-kb N).
// Needs `npm run build` first. Run by `npm run bundle-size`, `npm run bench` and .ci/run.
import { mkdtempSync, rmSync, writeFileSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const maxKb = Number(args[args.indexOf('--max-kb') + 1] ?? 96) || 96;
const json = args.includes('--json');

const script = `
import { flow, ift, runFlow, rng, particleMeasure, paperGaussian2d } from 'measureflow';
const target = paperGaussian2d();
const Y = target.sample(rng(0, 0), 200);
const r = rng(1);
const X0 = new Float64Array(400).map(() => 3 + r.normal());
const f = flow(ift({ kernel: { kind: 'gaussian', sigma: 1 }, target: { Y, d: 2 }, tau: 1, eta: 0.1, variant: 'exact' }));
const res = runFlow(f, particleMeasure(X0, 2), { steps: 50, seed: 0 });
console.log(res.history.at(-1));
`;

const dir = mkdtempSync(join(tmpdir(), 'measureflow-bundle-'));
try {
  // a consumer project whose node_modules/measureflow is this package
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'measureflow'), 'dir');
  writeFileSync(join(dir, 'entry.js'), script);
  const res = await build({
    entryPoints: [join(dir, 'entry.js')],
    absWorkingDir: dir,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    metafile: true,
    preserveSymlinks: false,
    logLevel: 'silent',
  });
  const bytes = res.outputFiles[0].contents.byteLength;
  const out = Object.values(res.metafile.outputs)[0];
  const byPackage = new Map();
  for (const [file, info] of Object.entries(out.inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
    const key = m && m[1] !== 'measureflow' ? m[1] : 'measureflow (own code)';
    byPackage.set(key, (byPackage.get(key) ?? 0) + info.bytesInOutput);
  }
  const kb = bytes / 1024;
  const ok = kb <= maxKb;
  if (json) {
    console.log(JSON.stringify({ bytes, kb, maxKb, ok, byPackage: Object.fromEntries(byPackage) }));
  } else {
    console.log(`browser bundle of a 50-step IFT script importing 'measureflow' (esbuild, minified): ${kb.toFixed(1)} KB (budget ${maxKb} KB)`);
    for (const [k, v] of [...byPackage].sort((a, b) => b[1] - a[1])) console.log(`  ${(v / 1024).toFixed(1).padStart(7)} KB  ${k}`);
  }
  if (!ok) {
    console.error(`bundle-size: ${kb.toFixed(1)} KB is over the ${maxKb} KB budget (see the inputs above)`);
    process.exitCode = 1;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
