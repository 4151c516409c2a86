/**
 * `measureflow run SPEC.json` for the Gaussian and graph spaces (`"space": "gaussian"` or
 * `"graph"`), and the two space experiments (`experiment gaussian-vi-bimodal`,
 * `experiment graph-heat`). Writes result.json, history.csv and figures into the output folder;
 * returns the exit code (0 completed, 3 diverged). No NaN is ever written: a value that is not
 * finite is written as an empty field in CSV and as null in JSON, and the run is `diverged`.
 */
import { join } from 'node:path';
import { rng } from '../core/rng.js';
import { ellipsesChart, energyDecayChart, graphMassChart } from '../plot/spaces.js';
import type { GaussianState } from '../spaces/gaussian/flow.js';
import { gaussianFlow } from '../spaces/gaussian/flow.js';
import { forwardKLGaussian, gaussianVI, naturalGradientVI } from '../spaces/gaussian/presets.js';
import { type GaussianRunResult, runGaussianFlow } from '../spaces/gaussian/run.js';
import { relativeEntropy } from '../spaces/graph/energies.js';
import { graphFlow, runGraphFlow } from '../spaces/graph/flow.js';
import { graphTransportDistance } from '../spaces/graph/distance.js';
import { hypercubeGraph, pathGraph } from '../spaces/graph/graph.js';
import { buildGaussianRun, buildGraphRun } from '../spec/spaces.js';
import { mixtureTarget } from '../targets/mixture.js';
import { type OutputSink, openOutputSink } from './outputSink.js';
import { packageVersion } from './version.js';

type Io = { out: (s: string) => void; err: (s: string) => void };

const fin = (v: number) => (Number.isFinite(v) ? v : null);
const csvNum = (v: number) => (Number.isFinite(v) ? String(v) : '');

/** True when a parsed spec asks for one of the non-particle spaces. */
export function isSpaceSpec(raw: unknown): boolean {
  return raw !== null && typeof raw === 'object' && ((raw as { space?: unknown }).space === 'gaussian' || (raw as { space?: unknown }).space === 'graph');
}

function defaultEvery(steps: number): number {
  return Math.max(1, Math.round(steps / 100));
}

/**
 * Runs a Gaussian- or graph-space spec into `outDir` (checked and locked before computing, the
 * files swapped in together); returns the exit code (0 completed, 3 diverged).
 */
export async function runSpaceSpec(raw: unknown, outDir: string, io: Io, overrides: { steps?: number } = {}): Promise<number> {
  const space = (raw as { space: string }).space;
  if (space === 'gaussian') buildGaussianRun(raw);
  else buildGraphRun(raw); // a bad spec is refused before the folder is touched
  const out = openOutputSink(outDir, `measureflow run (space ${space})`, io.err);
  try {
    const code = await runSpaceSpecInto(raw, outDir, out, io, overrides);
    out.commit();
    return code;
  } catch (e) {
    out.abort();
    throw e;
  }
}

async function runSpaceSpecInto(raw: unknown, outDir: string, out: OutputSink, io: Io, overrides: { steps?: number }): Promise<number> {
  const started = Date.now();
  const space = (raw as { space: string }).space;
  if (space === 'gaussian') {
    const { spec, flow: f, init } = buildGaussianRun(raw);
    const steps = overrides.steps ?? spec.steps ?? 200;
    const res = runGaussianFlow(f, init, { steps, seed: spec.seed ?? 0, every: spec.every ?? defaultEvery(steps) });
    const history = res.history.map((h) => ({ step: h.step, t: h.t, energy: fin(h.energy) }));
    out.write('history.csv', `step,t,energy\n${res.history.map((h) => `${h.step},${h.t},${csvNum(h.energy)}`).join('\n')}\n`);
    const result = {
      space: 'gaussian',
      status: res.status,
      ...(res.reason ? { reason: res.reason } : {}),
      stepsDone: res.steps,
      final: { mean: Array.from(res.state.m), cov: Array.from(res.state.Sigma) },
      history,
      spec: { ...spec, ...f.config, steps },
      version: packageVersion(),
      elapsedMs: Date.now() - started,
    };
    out.write('result.json', `${JSON.stringify(result, null, 2)}\n`);
    if (f.d >= 2) {
      const every = Math.max(1, Math.floor(res.history.length / 8));
      const snaps = res.history.filter((_, i) => i % every === 0 || i === res.history.length - 1);
      await out.figure('gaussian', () => ellipsesChart({ title: 'Gaussian flow: 2-σ ellipses over steps', subtitle: `${f.config.energy} · ${f.config.geometry} · ${f.config.scheme}, τ = ${f.config.tau}`, snapshots: snaps.map((h) => ({ series: 'µ_t', step: h.step, m: h.m, Sigma: h.Sigma, d: f.d })) }));
    }
    io.out(`${res.status}: ${res.steps} steps; mean ${fmtVec(res.state.m)}; energy ${csvNum(res.history.at(-1)!.energy) || 'n/a'}\nwrote ${outDir}\n`);
    if (res.status === 'diverged') io.err(`diverged: ${res.reason}\n`);
    return res.status === 'diverged' ? 3 : 0;
  }
  const { spec, flow: f, init } = buildGraphRun(raw);
  const steps = overrides.steps ?? spec.steps ?? 200;
  const res = runGraphFlow(f, init, { steps, every: spec.every ?? defaultEvery(steps) });
  const g = f.graph;
  const dist = spec.distance ? res.history.map((h) => graphTransportDistance(g, h.rho, g.pi, { timeSteps: 8 })) : null;
  out.write(
    'history.csv',
    `step,t,energy${dist ? ',distance_to_pi,distance_converged' : ''}\n${res.history.map((h, i) => `${h.step},${h.t},${csvNum(h.energy)}${dist ? `,${csvNum(dist[i]!.distance)},${dist[i]!.converged}` : ''}`).join('\n')}\n`,
  );
  const result = {
    space: 'graph',
    graph: g.name,
    status: res.status,
    ...(res.reason ? { reason: res.reason } : {}),
    stepsDone: res.steps,
    final: { rho: Array.from(res.rho) },
    pi: Array.from(g.pi),
    history: res.history.map((h, i) => ({ step: h.step, t: h.t, energy: fin(h.energy), ...(dist ? { distanceToPi: fin(dist[i]!.distance), distanceConverged: dist[i]!.converged } : {}), rho: Array.from(h.rho) })),
    spec: { ...spec, steps, tau: f.tau },
    version: packageVersion(),
    elapsedMs: Date.now() - started,
  };
  out.write('result.json', `${JSON.stringify(result, null, 2)}\n`);
  await out.figure('mass', () => graphMassChart({ title: `Vertex masses on ${g.name}`, subtitle: `${f.energy.name} · ${spec.geometry ?? 'wasserstein'} · ${spec.scheme ?? 'explicit'}, τ = ${f.tau}`, history: res.history }));
  await out.figure('energy', () => energyDecayChart({ title: `${f.energy.name} along the flow`, series: [{ name: f.energy.name, t: res.history.map((h) => h.t), value: res.history.map((h) => h.energy) }] }));
  io.out(`${res.status}: ${res.steps} steps on ${g.name}; energy ${csvNum(res.history.at(-1)!.energy) || 'n/a'}\nwrote ${outDir}\n`);
  if (res.status === 'diverged') io.err(`diverged: ${res.reason}\n`);
  return res.status === 'diverged' ? 3 : 0;
}

function fmtVec(a: Float64Array): string {
  return `[${Array.from(a.slice(0, 4), (v) => v.toPrecision(4)).join(', ')}${a.length > 4 ? ', …' : ''}]`;
}

export const SPACE_EXPERIMENTS = ['gaussian-vi-bimodal', 'graph-heat'] as const;
export type SpaceExperiment = (typeof SPACE_EXPERIMENTS)[number];

/**
 * The two space experiments:
 * - `gaussian-vi-bimodal`: a 2-D mixture of two Gaussians; reverse KL over Gaussians (BW and
 *   natural gradient, Monte Carlo expectations) settles on one mode, forward KL (moment matching)
 *   covers both — ellipses figure, table of final means/covariances.
 * - `graph-heat`: the Wasserstein flow of H(·|π) on the hypercube {0,1}^k (k = 4) from a Dirac mass,
 *   entropy against the Erbar–Maas bound e^{−2κt}H₀ with κ = 2/k, and on a path of 12 vertices
 *   the mass over time with the transport distance to π.
 */
export async function runSpaceExperiment(name: SpaceExperiment, outDir: string, io: Io, o: { steps?: number; seed?: number } = {}): Promise<number> {
  const out = openOutputSink(outDir, `measureflow experiment ${name}`, io.err);
  try {
    const code = await runSpaceExperimentInto(name, outDir, out, io, o);
    out.commit();
    return code;
  } catch (e) {
    out.abort();
    throw e;
  }
}

async function runSpaceExperimentInto(name: SpaceExperiment, outDir: string, out: OutputSink, io: Io, o: { steps?: number; seed?: number }): Promise<number> {
  const started = Date.now();
  if (name === 'gaussian-vi-bimodal') {
    const target = mixtureTarget({ components: [{ mean: [-3, 0], cov: 0.5 }, { mean: [3, 0.5], cov: [[0.6, 0.2], [0.2, 0.4]] }] });
    const Y = target.sample(rng(o.seed ?? 0, 1), 2000);
    const steps = o.steps ?? 600;
    const mc = { kind: 'monte-carlo' as const, samples: 1000 };
    const init = { m: [1.5, 1], S: [1, 0, 0, 1] };
    const runs: { label: string; res: GaussianRunResult }[] = [];
    const add = (label: string, cfg: Parameters<typeof gaussianFlow>[0]) => {
      const f = gaussianFlow(cfg);
      runs.push({ label, res: runGaussianFlow(f, f.init(init.m, init.S), { steps, seed: o.seed ?? 0, every: Math.max(1, Math.floor(steps / 6)) }) });
    };
    add('reverse KL · Bures–Wasserstein', gaussianVI({ target, tau: 0.05, expectations: mc }));
    add('reverse KL · natural gradient', naturalGradientVI({ target, tau: 0.05, expectations: mc }));
    add('forward KL · Bures–Wasserstein', forwardKLGaussian({ target, Y, tau: 0.05 }));
    const snaps = runs.flatMap((r) => r.res.history.map((h) => ({ series: r.label, step: h.step, m: h.m, Sigma: h.Sigma, d: 2 })));
    await out.figure('ellipses', () => ellipsesChart({ title: 'Reverse KL seeks a mode, forward KL covers both', subtitle: `2-σ ellipses every ${Math.floor(steps / 6)} steps (darker = later), from N((1.5, 1), I); grey: samples of π`, target: { X: Y.subarray(0, 1200), d: 2 }, snapshots: snaps, width: 560, height: 360 }));
    const table = runs.map((r) => ({ method: r.label, status: r.res.status, mean: Array.from(r.res.state.m), cov: Array.from(r.res.state.Sigma), finalEnergy: fin(r.res.history.at(-1)!.energy) }));
    out.write('result.json', `${JSON.stringify({ experiment: name, steps, seed: o.seed ?? 0, target: 'mixture ½N((−3,0), 0.5I) + ½N((3,0.5), [[0.6,0.2],[0.2,0.4]])', runs: table, version: packageVersion(), elapsedMs: Date.now() - started }, null, 2)}\n`);
    const rows = table.map((r) => `<tr><td>${r.method}</td><td>${r.status}</td><td>(${r.mean.map((v) => v.toFixed(3)).join(', ')})</td><td>[[${r.cov[0]!.toFixed(3)}, ${r.cov[1]!.toFixed(3)}], [${r.cov[2]!.toFixed(3)}, ${r.cov[3]!.toFixed(3)}]]</td></tr>`).join('\n');
    out.write(
      'index.html',
      `<!doctype html><meta charset="utf-8"><title>Gaussian VI on a bimodal target</title><body style="font-family: DejaVu Sans, sans-serif; max-width: 900px">
<h1>Gaussian VI on a bimodal target</h1>
<p>The space is 𝒩², the energies KL(µ‖π) (reverse, from the score, Monte Carlo expectations with 1000 antithetic draws) and KL(π‖µ) (forward, from 2000 samples of π). Reverse KL is mode-seeking: its flows settle on one component, here the one the initial Gaussian leans toward. Forward KL is mode-covering: its minimiser over Gaussians is moment matching, a wide Gaussian spanning both modes. Both reverse-KL geometries reach the same fixed point.</p>
<img src="ellipses.svg" alt="ellipses">
<table border="1" cellpadding="4"><tr><th>method</th><th>status</th><th>final mean</th><th>final covariance</th></tr>
${rows}</table><p>measureflow ${packageVersion()}, ${steps} steps, τ = 0.05, seed ${o.seed ?? 0}.</p></body>\n`,
    );
    for (const r of table) io.out(`${r.method.padEnd(32)} ${r.status}  mean (${r.mean.map((v) => v.toFixed(3)).join(', ')})  var (${r.cov[0]!.toFixed(3)}, ${r.cov[3]!.toFixed(3)})\n`);
    io.out(`wrote ${join(outDir, 'index.html')}\n`);
    return table.some((r) => r.status !== 'completed') ? 3 : 0;
  }
  // graph-heat
  const k = 4;
  const cube = hypercubeGraph(k);
  const tau = 0.02;
  const steps = o.steps ?? 400;
  const dirac = new Float64Array(cube.n);
  dirac[0] = 1;
  const fc = graphFlow({ graph: cube, energy: relativeEntropy(cube), tau, scheme: 'implicit' });
  const rc = runGraphFlow(fc, fc.init(dirac), { steps, every: 5 });
  const H0 = rc.history[0]!.energy;
  const H1 = rc.history[1]!.energy; // the bound is applied from the first recorded positive state on
  const t1 = rc.history[1]!.t;
  const kappa = 2 / k;
  await out.figure(
    'entropy-decay',
    () =>
      energyDecayChart({
      title: `Entropy decay on the hypercube {0,1}^${k} vs the Erbar–Maas bound`,
      subtitle: `H(ρ_t|π) from a Dirac mass (implicit steps, τ = ${tau}); dashed: e^{−2κ(t−t₁)}H(ρ_{t₁}|π), κ = 2/k = ${kappa}`,
      series: [
        { name: 'H(ρ_t|π)', t: rc.history.map((h) => h.t), value: rc.history.map((h) => h.energy) },
        { name: 'bound e^{−2κt}', t: rc.history.slice(1).map((h) => h.t), value: rc.history.slice(1).map((h) => Math.exp(-2 * kappa * (h.t - t1)) * H1), dashed: true },
      ],
      yTitle: 'relative entropy',
    }),
  );
  const path = pathGraph(12);
  const rho0 = new Float64Array(12);
  rho0[0] = 1;
  const fp = graphFlow({ graph: path, energy: relativeEntropy(path), tau: 0.1, scheme: 'implicit' });
  const rp = runGraphFlow(fp, fp.init(rho0), { steps: o.steps ?? 400, every: 20 });
  await out.figure('path-mass', () => graphMassChart({ title: 'Heat flow on a path of 12 vertices from a Dirac mass', subtitle: 'discrete Wasserstein flow of H(·|π), implicit steps, τ = 0.1', history: rp.history }));
  const dists = rp.history.slice(1).map((h) => ({ t: h.t, ...graphTransportDistance(path, h.rho, path.pi, { timeSteps: 8 }) }));
  const worst = rc.history.slice(2).reduce((m, h) => Math.max(m, h.energy / (Math.exp(-2 * kappa * (h.t - t1)) * H1)), 0);
  out.write(
    'result.json',
    `${JSON.stringify({ experiment: name, hypercube: { k, kappa, tau, H0, maxRatioToBound: worst, history: rc.history.map((h) => ({ t: h.t, entropy: fin(h.energy) })) }, path: { distances: dists.map((d) => ({ t: d.t, distanceToPi: d.distance, converged: d.converged })) }, version: packageVersion(), elapsedMs: Date.now() - started }, null, 2)}\n`,
  );
  out.write(
    'index.html',
    `<!doctype html><meta charset="utf-8"><title>Heat flow on graphs</title><body style="font-family: DejaVu Sans, sans-serif; max-width: 900px">
<h1>The heat flow as the Wasserstein gradient flow of the entropy on graphs</h1>
<p>Space: probability vectors on the vertices; energy H(ρ|π); geometry: the discrete Wasserstein (Maas–Mielke) Onsager operator with the logarithmic mean; scheme: implicit (backward Euler by Newton). On the hypercube {0,1}^${k} with rates 1/${k} the entropic Ricci curvature is κ = 2/${k} (Erbar–Maas), so H(ρ_t|π) ≤ e^{−2κt}H(ρ₀|π). Largest ratio of the computed entropy to the bound (from the first step on): ${worst.toFixed(4)}.</p>
<img src="entropy-decay.svg" alt="entropy decay"><img src="path-mass.svg" alt="mass on a path">
<p>Transport distance to π on the path: ${dists.map((d) => `t = ${d.t.toFixed(1)}: ${d.distance.toFixed(4)}${d.converged ? '' : ' (not converged)'}`).join('; ')}.</p></body>\n`,
  );
  io.out(`hypercube(${k}): H from ${H0.toFixed(4)} to ${rc.history.at(-1)!.energy.toExponential(3)} at t = ${(steps * tau).toFixed(2)}; max ratio to the Erbar–Maas bound ${worst.toFixed(4)}\n`);
  io.out(`path(12): W(ρ_t, π) = ${dists.map((d) => d.distance.toFixed(3)).join(' → ')}\nwrote ${join(outDir, 'index.html')}\n`);
  return 0;
}

export type { GaussianState };
