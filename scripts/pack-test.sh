#!/usr/bin/env bash
# The package as a user gets it: `npm pack`, install the tarball into an empty project in a
# temporary folder (no source tree next to it; registry packages from the npm cache when
# possible), then use it from ESM, CommonJS and TypeScript, run the CLI without the optional
# plotting packages, and check that every source map points at a file inside the package.
# Prints the install size. Run by `npm run test:pack` and by .ci/run.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/measureflow-pack-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "pack-test: FAILED: $*" >&2; exit 1; }

echo "== npm pack (runs the build through prepare)"
(cd "$repo" && npm pack --silent --pack-destination "$tmp" >/dev/null)
tgz="$(ls "$tmp"/measureflow-*.tgz)"
tar -tzf "$tgz" > "$tmp/contents.txt"
echo "tarball: $(basename "$tgz"), $(du -k "$tgz" | cut -f1) KiB, $(wc -l < "$tmp/contents.txt") files"
grep -q '^package/test/' "$tmp/contents.txt" && fail "tests are in the tarball"
for f in package/docs/math.md package/docs/experiments.md package/CHANGELOG.md package/LICENSE; do
  grep -qx "$f" "$tmp/contents.txt" || fail "$f is not in the tarball (the doc comments and README point at it)"
done

echo "== npm i the tarball into an empty project"
mkdir "$tmp/app"
cd "$tmp/app"
echo '{ "name": "consumer", "version": "1.0.0", "private": true }' > package.json
npm i --prefer-offline --no-audit --no-fund --loglevel=error "$tgz" >/dev/null || fail "npm i of the tarball"
echo "install size: $(du -sk node_modules | cut -f1) KiB in $(find node_modules -maxdepth 2 -name package.json | wc -l) top-level packages"
for p in vega vega-lite @resvg/resvg-js; do [ -e "node_modules/$p" ] && fail "$p was installed (it is an optional peer dependency)"; done

echo "== ESM"
cat > esm.mjs <<'JS'
import { flow, ift, runFlow, rng, particleMeasure, paperGaussian2d, mmdSquared } from 'measureflow';
import { parseSpec, buildRun } from 'measureflow/spec';
import { historyCsv } from 'measureflow/node';
const Y = paperGaussian2d().sample(rng(0, 0), 100);
const r = rng(1);
const mu0 = particleMeasure(new Float64Array(200).map(() => 3 + r.normal()), 2);
const f = flow(ift({ kernel: { kind: 'gaussian', sigma: 1 }, target: { Y, d: 2 }, tau: 1, eta: 0.1, variant: 'exact' }));
const res = runFlow(f, mu0, { steps: 20, seed: 0, every: 10 });
const e0 = res.history[0].energy, e1 = res.history.at(-1).energy;
if (!(e1 < e0)) throw new Error(`energy did not fall: ${e0} -> ${e1}`);
const built = buildRun(parseSpec({ algorithm: 'mmd-flow', target: { name: 'paper-gaussian-2d' }, init: { name: 'gaussian', mean: [2, 2], cov: 0.5, n: 20 }, steps: 3 }));
if (typeof built.flow.step !== 'function') throw new Error('buildRun gave no flow');
if (typeof historyCsv !== 'function' || typeof mmdSquared !== 'function') throw new Error('missing exports');
console.log(`ESM ok: energy ${e0.toExponential(3)} -> ${e1.toExponential(3)} after 20 IFT steps`);
JS
node esm.mjs || fail "ESM import"

echo "== CommonJS (require of the ESM package, Node >= 20.19)"
cat > cjs.cjs <<'JS'
const mf = require('measureflow');
const spec = require('measureflow/spec');
const Y = mf.paperGaussian2d().sample(mf.rng(0, 0), 50);
const mu = mf.particleMeasure(Y, 2);
if (typeof mf.flow !== 'function' || typeof spec.parseSpec !== 'function') throw new Error('missing exports');
if (!(mu.n === 50)) throw new Error('particleMeasure');
console.log(`CJS ok: require('measureflow') gives ${Object.keys(mf).length} exports`);
JS
node --disable-warning=ExperimentalWarning cjs.cjs 2>/dev/null || node cjs.cjs || fail "require('measureflow')"

echo "== TypeScript consumer (tsc --noEmit, strict, no skipLibCheck)"
cat > consumer.ts <<'TS'
import { flow, ift, runFlow, rng, particleMeasure, paperGaussian2d, type RunResult, type FlowConfig } from 'measureflow';
import { parseSpec, type RunSpec } from 'measureflow/spec';
const Y: Float64Array = paperGaussian2d().sample(rng(0, 0), 10);
const cfg: FlowConfig = ift({ kernel: { kind: 'gaussian', sigma: 1 }, target: { Y, d: 2 }, tau: 1, eta: 0.1 });
const res: RunResult = runFlow(flow(cfg), particleMeasure(Y, 2), { steps: 1, seed: 0 });
const spec: RunSpec = parseSpec({ algorithm: 'ift', target: { name: 'paper-gaussian-2d' }, init: { name: 'gaussian', mean: [0, 0], cov: 1, n: 5 } });
export const out: [number, string] = [res.stepsDone, spec.algorithm];
TS
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true,
  "skipLibCheck": false, "noEmit": true, "types": [], "lib": ["ES2023", "DOM"] }, "files": ["consumer.ts"] }
JSON
"$repo/node_modules/.bin/tsc" -p tsconfig.json || fail "tsc on a TypeScript consumer"
echo "TypeScript ok"

echo "== CLI without the optional plotting packages"
cat > spec.json <<'JSON'
{ "algorithm": "mmd-flow", "target": { "name": "paper-gaussian-2d" },
  "init": { "name": "gaussian", "mean": [2, 2], "cov": 0.5, "n": 30 }, "steps": 5, "out": "run" }
JSON
npx --no-install measureflow run spec.json > cli.out 2> cli.err || { cat cli.err; fail "measureflow run"; }
[ -f run/result.json ] || fail "run/result.json not written"
grep -q "install vega vega-lite @resvg/resvg-js" cli.err || { cat cli.err; fail "no hint about the plotting packages"; }
echo "CLI ok: $(ls run | tr '\n' ' ')"
grep "install vega" cli.err

echo "== CLI with the optional plotting packages installed next to it"
npm i --prefer-offline --no-audit --no-fund --loglevel=error "vega@$(node -p 'require("measureflow/package.json").peerDependencies.vega')" \
  "vega-lite@$(node -p 'require("measureflow/package.json").peerDependencies["vega-lite"]')" \
  "@resvg/resvg-js@$(node -p 'require("measureflow/package.json").peerDependencies["@resvg/resvg-js"]')" >/dev/null || fail "npm i of the plotting packages"
rm -rf run
npx --no-install measureflow run spec.json > cli.out 2> cli.err || { cat cli.err; fail "measureflow run with plotting"; }
for f in history.svg history.png particles.svg particles.png; do [ -s "run/$f" ] || fail "run/$f not drawn with the plotting packages installed"; done
grep -q "install vega" cli.err && fail "asked to install the plotting packages although they are installed"
echo "CLI with plotting ok: $(ls run | tr '\n' ' ')"

echo "== source maps point inside the package"
node -e '
const fs = require("fs"), path = require("path");
const root = "node_modules/measureflow/dist"; let maps = 0, bad = [];
const walk = (d) => { for (const f of fs.readdirSync(d)) { const p = path.join(d, f);
  if (fs.statSync(p).isDirectory()) walk(p);
  else if (p.endsWith(".map")) { maps++; for (const s of JSON.parse(fs.readFileSync(p, "utf8")).sources) {
    const t = path.resolve(path.dirname(p), s); if (!fs.existsSync(t)) bad.push(p + " -> " + s); } } } };
walk(root);
if (bad.length) { console.error(bad.slice(0, 5).join("\n")); process.exit(1); }
console.log(`${maps} source maps, every source present in the package`);
' || fail "source maps point at missing files"
echo "pack-test: all checks passed"
