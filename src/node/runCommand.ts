/**
 * `measureflow run SPEC.json`: the Node edge around `buildRun` + `runFlow` — reads the
 * files a spec names, shows progress, stops cleanly on Ctrl-C, writes results atomically.
 */
import { readFileSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import type { ParticleMeasure } from '../core/measure.js';
import type { HistoryRow, RunResult } from '../flows/run.js';
import { POSITION_BLOWUP, runFlowAsync } from '../flows/run.js';
import { formatCsv } from '../io/csv.js';
import { writeNpy } from '../io/npy.js';
import { buildRun } from '../spec/build.js';
import type { RunSpec } from '../spec/schema.js';
import { parseSpec } from '../spec/schema.js';
import { historyChart } from '../plot/history.js';
import { particlesChart } from '../plot/particles.js';
import { readParticles, writeFileAtomic } from './files.js';
import { PLOTTING_HINT, PlottingUnavailableError } from './plotDeps.js';
import { finalPathOf, type OutputFolder, OutputWriteError, openOutputFolder } from './outputFolder.js';
import { writeFigure } from './render.js';
import { createProgress } from './progress.js';
import { packageVersion } from './version.js';

/** Reads and parses a JSON spec file, with the path in every error. */
export function readSpecFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError('spec', path, 'an existing JSON file', (e as NodeJS.ErrnoException).code ?? String(e));
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`spec (${path})`, text.slice(0, 40), 'valid JSON', (e as Error).message);
  }
}

/** Options of {@link runSpecFile}. */
export interface RunCommandOptions {
  /** Directory against which relative file names in the spec are resolved. */
  baseDir: string;
  /** Show a progress bar (on a TTY only). */
  progress?: boolean;
  /** Stop flag polled between steps (set by SIGINT/SIGTERM/SIGHUP); `writing` is set once the results are being written. */
  signal?: { stopped: boolean; writing?: boolean };
  /** Receives the output folder once it is open (so a second signal can drop its staged files). */
  onFolder?: (folder: OutputFolder) => void;
  /** Receives the progress and warning lines (stderr in the CLI; none with `--quiet`). */
  log?: (line: string) => void;
}

/** What {@link runSpecFile} did: the output folder, the files written, the run and the resolved spec. */
export interface RunOutput {
  /** The folder written to. */
  outDir: string;
  /** Paths of the files written. */
  files: string[];
  /** The run itself (final state, history, timing). */
  result: RunResult;
  /** The spec with every default filled in (as in `result.json`). */
  resolved: Record<string, unknown>;
  /** The divergence message when the run diverged (the last finite state was kept). */
  diverged?: string;
  warnings?: string[];
}

/** Number of particle paths recorded for the trajectory plot. */
const PATHS = 8;

/**
 * Runs a spec object end to end; returns where the results went. Nothing is written for a
 * bad spec. Besides the data files it writes `history.svg/png` (recorded quantities vs
 * step, log scale) and, for d ≥ 2, `particles.svg/png` (target samples, µ₀, final weighted
 * particles, a few paths).
 */
export async function runSpecFile(rawSpec: unknown, opts: RunCommandOptions): Promise<RunOutput> {
  const spec: RunSpec = parseSpec(rawSpec);
  const at = (p: string) => (isAbsolute(p) ? p : resolve(opts.baseDir, p));
  const data: Parameters<typeof buildRun>[1] = {};
  const tgt = spec.target as { samples?: string; weights?: string };
  const ini = spec.init as { particles?: string; weights?: string };
  if (typeof tgt.samples === 'string') {
    const m = readParticles(at(tgt.samples), { field: 'target.samples' });
    let w: Float64Array | undefined;
    if (tgt.weights) w = readWeights(at(tgt.weights), 'target.weights');
    data.targetSamples = { X: m.X, d: m.d, w: w ?? (m.w.every((x) => x === m.w[0]) ? undefined : m.w) };
  }
  if (typeof ini.particles === 'string') {
    const m = readParticles(at(ini.particles), { field: 'init.particles', space: spec.space ?? 'P' });
    let w = m.w;
    if (ini.weights) w = readWeights(at(ini.weights), 'init.weights');
    data.initParticles = { X: m.X, d: m.d, w };
  }
  const built = buildRun(spec, data);
  const resolved = built.resolved;
  const steps = resolved.steps as number;
  const outDir = at(resolved.out as string);
  // the output folder is checked (and locked) before any computing
  const folder = openOutputFolder(outDir, { field: 'out', command: `measureflow run (${spec.algorithm})` });
  opts.onFolder?.(folder);
  try {
    return await runAndWrite(spec, built, steps, folder, opts, data.targetSamples?.w);
  } catch (e) {
    folder.abort();
    throw e;
  }
}

async function runAndWrite(
  spec: RunSpec,
  built: ReturnType<typeof buildRun>,
  steps: number,
  folder: OutputFolder,
  opts: RunCommandOptions,
  targetWeights?: Float64Array,
): Promise<RunOutput> {
  const resolved = built.resolved;
  const outDir = folder.path;
  opts.log?.(`measureflow: running ${spec.algorithm}, ${steps} steps, n = ${built.mu0.n}, d = ${built.mu0.d} -> ${outDir} (Ctrl-C stops and keeps the steps done)\n`);
  const bar = opts.progress ? createProgress(steps, `${spec.algorithm}`) : null;
  let qpUnconverged = 0;
  let qpWorstKkt = 0;
  const d0 = built.mu0.d;
  const pathIdx = Array.from({ length: Math.min(PATHS, built.mu0.n) }, (_, k) => Math.floor((k * built.mu0.n) / Math.min(PATHS, built.mu0.n)));
  const paths: number[][] = pathIdx.map(() => []);
  const pathEvery = Math.max(1, Math.floor(steps / 200));
  const addPaths = (X: Float64Array) =>
    pathIdx.forEach((i, k) => {
      paths[k]!.push(X[i * d0]!, d0 > 1 ? X[i * d0 + 1]! : 0);
    });
  addPaths(built.mu0.X);
  // blow-up: positions beyond 10⁶ × the scale of the data (initial particles and target samples)
  let scale = 1;
  for (const A of [built.mu0.X, built.Y ?? new Float64Array(0)]) for (let i = 0; i < A.length; i++) scale = Math.max(scale, Math.abs(A[i]!));
  let result: RunResult;
  try {
    result = await runFlowAsync(built.flow, built.mu0, {
      pause: () => new Promise((r) => setImmediate(r)),
      steps,
      seed: resolved.seed as number,
      every: (resolved.record as { every: number }).every,
      measure: built.measure,
      maxAbs: POSITION_BLOWUP * scale,
      onDiverge: 'stop',
      onRecord: (row, state) => {
        bar?.update(state.t, row);
      },
      onStep: (state, info) => {
        if (info.qp && !info.qp.converged) {
          qpUnconverged++;
          qpWorstKkt = Math.max(qpWorstKkt, info.qp.kkt);
        }
        if (state.t % pathEvery === 0 || state.t === steps) addPaths(state.mu.X);
        if (state.t % 10 === 0) bar?.update(state.t);
      },
      shouldStop: () => opts.signal?.stopped ?? false,
    });
  } finally {
    bar?.stop();
  }
  const diverged = result.diverged?.message;
  const warnings: string[] = [];
  if (qpUnconverged > 0)
    warnings.push(`the exact MMD step's QP did not reach its KKT tolerance in ${qpUnconverged} step(s) (worst scaled residual ${qpWorstKkt.toExponential(2)})`);
  const e0 = result.history[0]?.energy;
  const e1 = result.history[result.history.length - 1]?.energy;
  if (typeof e0 === 'number' && typeof e1 === 'number' && e1 - e0 > 100 * Math.max(Math.abs(e0), 1e-12))
    warnings.push(`the energy rose by orders of magnitude (${e0.toPrecision(4)} -> ${e1.toPrecision(4)}); tau or eta is probably too large`);
  if (opts.signal) opts.signal.writing = true;
  // data files, then figures (a figure that cannot be drawn is a warning, not a lost run), then the manifest
  for (const [name, bytes] of runDataFiles(result)) folder.write(name, bytes);
  // the inputs the run used (init.npy, target.npy …), so the folder can be re-checked on its own
  const inputs = writeRunInputs(folder.staging, built.mu0, built.Y, targetWeights);
  const figures = await writeRunPlots(folder.staging, result, String(spec.algorithm), built.mu0, built.Y, paths).catch((e: unknown) => {
    // vega, vega-lite and @resvg/resvg-js are optional: without them the data files stand alone.
    if (e instanceof PlottingUnavailableError) {
      opts.log?.(`measureflow: ${PLOTTING_HINT}\n`);
      return [] as string[];
    }
    if (e instanceof Error && /^(ENOSPC|EDQUOT|EIO|EROFS|EACCES)$/.test((e as NodeJS.ErrnoException).code ?? '')) throw new OutputWriteError(finalPathOf(folder, e, 'history.svg'), e);
    warnings.push(`the figures could not be drawn (${e instanceof Error ? e.message : String(e)})`);
    return [] as string[];
  });
  for (const w of warnings) opts.log?.(`measureflow: warning: ${w}\n`);
  const manifest = folder.checksums();
  folder.write('result.json', resultJson(result, resolved, diverged, warnings, { runId: folder.runId, files: manifest }));
  folder.commit();
  const files = [
    ...runDataFiles(result).map(([n]) => join(outDir, n)),
    ...inputs.map((f) => join(outDir, basename(f))),
    ...figures.map((f) => join(outDir, basename(f))),
    join(outDir, 'result.json'),
  ];
  return { outDir, files, result, resolved, ...(diverged ? { diverged } : {}), warnings };
}

function readWeights(path: string, field: string): Float64Array {
  // a single column (header optional, e.g. `w`) read as data, not as a weights column
  const m = readParticles(path, { field, space: 'M+', weightsColumn: false });
  if (m.d !== 1) throw new InputError(field, path, 'a single column of weights');
  return m.X;
}

/** The data files of a run except `result.json`: name and contents. */
function runDataFiles(res: RunResult): [string, string | Uint8Array][] {
  const mu = res.final.mu;
  return [
    ['particles.csv', formatCsv(mu.X, mu.d, { w: mu.w })],
    ['positions.npy', writeNpy(mu.X, [mu.n, mu.d])],
    ['weights.npy', writeNpy(mu.w, [mu.n])],
    ['history.csv', historyCsv(res.history)],
  ];
}

/** `result.json`: status, final state, history, resolved spec, version, timing (and the manifest when given). */
function resultJson(res: RunResult, resolved: Record<string, unknown>, diverged: string | undefined, warnings: string[], extra: Record<string, unknown> = {}): string {
  const mu = res.final.mu;
  const { n, d } = mu;
  const positions: number[][] = [];
  for (let i = 0; i < n; i++) positions.push(Array.from(mu.X.subarray(i * d, i * d + d)));
  const result = {
    measureflow: packageVersion(),
    status: diverged ? 'diverged' : res.stopped ? 'interrupted' : 'completed',
    ...(diverged ? { error: diverged } : {}),
    ...(warnings.length ? { warnings } : {}),
    stepsDone: res.stepsDone,
    n,
    d,
    positions,
    weights: Array.from(mu.w),
    history: res.history,
    spec: resolved,
    timing: { totalMs: res.elapsedMs, msPerStep: res.stepsDone ? res.elapsedMs / res.stepsDone : null },
    ...extra,
  };
  return `${JSON.stringify(result, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1)}\n`;
}

/**
 * Writes `result.json`, `particles.csv` (x0…, w), `positions.npy`, `weights.npy` and
 * `history.csv` into `outDir`, each atomically (temp file + rename). (`measureflow run` itself
 * writes through an output folder that replaces the whole set at once.)
 */
export function writeRunOutputs(
  outDir: string,
  res: RunResult,
  resolved: Record<string, unknown>,
  diverged?: string,
  warnings: string[] = [],
): string[] {
  const files: string[] = [];
  const put = (name: string, data: string | Uint8Array) => {
    const p = join(outDir, name);
    writeFileAtomic(p, data);
    files.push(p);
  };
  for (const [name, data] of runDataFiles(res)) put(name, data);
  put('result.json', resultJson(res, resolved, diverged, warnings));
  return files;
}

/**
 * Writes what the run started from, so its folder can be checked on its own: `init.npy`
 * (µ₀'s positions [n, d]) and `init-weights.npy` [n], and, when the run had target samples,
 * `target.npy` [m, d] (the draw of step 0 when `target.resample` redraws them) and
 * `target-weights.npy` [m] when the samples file came with weights.
 */
export function writeRunInputs(outDir: string, mu0: ParticleMeasure, Y: Float64Array | null, yWeights?: Float64Array): string[] {
  const files: string[] = [];
  const put = (name: string, data: Uint8Array) => {
    const p = join(outDir, name);
    writeFileAtomic(p, data);
    files.push(p);
  };
  put('init.npy', writeNpy(mu0.X, [mu0.n, mu0.d]));
  put('init-weights.npy', writeNpy(mu0.w, [mu0.n]));
  if (Y) {
    put('target.npy', writeNpy(Y, [Y.length / mu0.d, mu0.d]));
    if (yWeights) put('target-weights.npy', writeNpy(yWeights, [yWeights.length]));
  }
  return files;
}

/**
 * History rows as CSV with a fixed column order: `step`, `t` (flow time step·τ, or step·η
 * for a reaction-only flow), the recorded quantities, `wallMs` (wall-clock ms since the
 * start); empty cells for missing values.
 */
export function historyCsv(rows: HistoryRow[]): string {
  const cols = ['step', 't'];
  for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k) && k !== 'wallMs') cols.push(k);
  cols.push('wallMs');
  const lines = [cols.join(',')];
  for (const r of rows) lines.push(cols.map((c) => (r[c] === undefined || r[c] === null ? '' : String(r[c]))).join(','));
  return `${lines.join('\n')}\n`;
}

/** Figures of a run: recorded quantities vs step, and (d ≥ 2) the particles. Returns the files written. */
export async function writeRunPlots(
  outDir: string,
  res: RunResult,
  label: string,
  mu0: ParticleMeasure,
  Y: Float64Array | null,
  paths: number[][],
): Promise<string[]> {
  const files: string[] = [];
  const hist = historyChart({ title: `${label}: recorded quantities`, rows: res.history });
  if (hist) {
    const f = await writeFigure(outDir, 'history', hist);
    files.push(f.svgPath, f.pngPath);
  }
  const mu = res.final.mu;
  if (mu.d >= 2) {
    const f = await writeFigure(
      outDir,
      'particles',
      particlesChart({
        title: `${label} after ${res.stepsDone} steps`,
        ...(Y ? { target: { X: Y, d: mu.d } } : {}),
        initial: { X: mu0.X, d: mu0.d },
        final: { X: mu.X, d: mu.d, w: mu.w },
        paths: paths.map((p) => Float64Array.from(p)),
      }),
    );
    files.push(f.svgPath, f.pngPath);
  }
  return files;
}

