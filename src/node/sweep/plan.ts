/**
 * `measureflow sweep plan`: an experiment (and optionally a grid over its settings) cut into
 * independent tasks, one per (grid point, run, method), written to a sweep folder:
 *
 * - `sweep.json`: the format, the experiment, the user's overrides, the grid, and for every
 *   grid point its resolved settings and resolved configuration (what `experiment` records in
 *   config.json);
 * - `tasks.jsonl`: one task per line — index, grid point, its parameters, method, run, the run's
 *   seed and a content hash of everything that fixes the task's result.
 *
 * Seeds are derived as `experiment` derives them: run r uses `rng(seed, r)` (the per-run seed
 * `rng(seed, r).nextUint32()`), so a task's result depends neither on where nor on when it runs.
 * Tasks are ordered point-major, then run, then method in plotting order — within a point the
 * order in which `experiment` queues its tasks.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '../../core/errors.js';
import type { ExperimentOverrides, ExperimentSettings, MethodId } from '../../experiments/index.js';
import { CONVENTIONS, experimentMethods, IFT_VARIANTS, LOSS_SAMPLES, resolvedConfig, resolveSettings, runSeed, TARGET_SAMPLES } from '../../experiments/index.js';
import { writeFileAtomic } from '../files.js';
import { packageVersion } from '../version.js';

/** Format tag of `sweep.json`; a reader refuses any other. */
export const SWEEP_FORMAT = 'measureflow-sweep/1';

/** A value of a swept setting: a number, or a choice such as `exact`. */
export type GridValue = number | string;

/** One axis of the grid: a setting (CLI spelling without `--`) and its values, in the order given. */
export interface GridAxis {
  /** The setting as the user spells the flag, e.g. `sigma`, `eta-kl`. */
  param: string;
  /** The key of {@link ExperimentOverrides} it sets. */
  key: keyof ExperimentOverrides;
  values: GridValue[];
}

/** A point of the grid (the single point of a sweep without grid) and its resolved settings. */
export interface SweepPoint {
  index: number;
  /** `sigma=1,tau=50`; empty without a grid. Also the folder of its merged report. */
  label: string;
  /** Swept parameter → value at this point (CLI spelling of the parameter). */
  params: Record<string, GridValue>;
  settings: ExperimentSettings;
}

/** One unit of work: one (grid point, run, method). */
export interface SweepTask {
  index: number;
  point: number;
  params: Record<string, GridValue>;
  method: MethodId;
  run: number;
  /** The run's seed `rng(seed, run).nextUint32()` (as `experiment` reports it). */
  seed: number;
  /** First 16 hex digits of the SHA-256 of the canonical JSON of {settings, method, run}. */
  hash: string;
}

/** A planned sweep as read back from its folder. */
export interface SweepPlan {
  dir: string;
  format: string;
  experiment: string;
  version: string;
  created: string;
  base: ExperimentOverrides;
  grid: GridAxis[];
  points: SweepPoint[];
  tasks: SweepTask[];
}

type GridKind = 'positive' | 'nonNegative' | 'positiveInt' | 'nonNegativeInt' | readonly string[];

/** The settings a grid may sweep, by their flag spelling: which override each sets and what it accepts. */
export const GRID_PARAMS: Record<string, { key: keyof ExperimentOverrides; kind: GridKind }> = {
  sigma: { key: 'sigma', kind: 'positive' },
  tau: { key: 'tau', kind: 'positive' },
  eta: { key: 'eta', kind: 'positive' },
  'eta-kl': { key: 'etaKl', kind: 'positive' },
  'noise-level': { key: 'noiseLevel', kind: 'nonNegative' },
  'noise-until': { key: 'noiseUntil', kind: 'nonNegativeInt' },
  n: { key: 'n', kind: 'positiveInt' },
  m: { key: 'm', kind: 'positiveInt' },
  steps: { key: 'steps', kind: 'positiveInt' },
  'test-size': { key: 'testSize', kind: 'positiveInt' },
  'record-every': { key: 'recordEvery', kind: 'positiveInt' },
  variant: { key: 'variant', kind: IFT_VARIANTS },
  convention: { key: 'convention', kind: CONVENTIONS },
  'target-samples': { key: 'targetSamples', kind: TARGET_SAMPLES },
  'loss-sample': { key: 'lossSample', kind: LOSS_SAMPLES },
};

const KIND_TEXT: Record<string, string> = {
  positive: 'finite numbers > 0',
  nonNegative: 'finite numbers >= 0',
  positiveInt: 'integers >= 1',
  nonNegativeInt: 'integers >= 0',
};

/**
 * Parses one `--grid` argument, `PARAM=V1,V2,…` (PARAM in flag spelling, with or without the
 * leading `--`, or camelCase), into an axis. Values keep the order given; duplicates are refused.
 */
export function parseGridArg(arg: string): GridAxis {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new InputError('--grid', arg, "PARAM=V1,V2,… (e.g. 'sigma=1,2,5')");
  const raw = arg.slice(0, eq).trim().replace(/^--/, '');
  const param = raw.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const def = GRID_PARAMS[param];
  if (!def) throw new InputError('--grid', raw, `a setting to sweep: one of ${Object.keys(GRID_PARAMS).join(', ')}`);
  const parts = arg
    .slice(eq + 1)
    .split(',')
    .map((x) => x.trim());
  if (parts.length === 0 || parts.some((x) => x === '')) throw new InputError(`--grid ${param}`, arg.slice(eq + 1), 'a comma-separated list of values, none empty');
  const values: GridValue[] = parts.map((x) => {
    if (typeof def.kind !== 'string') {
      if (!def.kind.includes(x)) throw new InputError(`--grid ${param}`, x, `one of ${def.kind.join(', ')}`);
      return x;
    }
    const v = Number(x);
    const ok =
      Number.isFinite(v) &&
      (def.kind === 'positive' ? v > 0 : def.kind === 'nonNegative' ? v >= 0 : Number.isSafeInteger(v) && v >= (def.kind === 'positiveInt' ? 1 : 0));
    if (!ok) throw new InputError(`--grid ${param}`, x, KIND_TEXT[def.kind]!);
    return v;
  });
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(String(v))) throw new InputError(`--grid ${param}`, v, 'distinct values', 'given twice');
    seen.add(String(v));
  }
  return { param, key: def.key, values };
}

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Content hash of a task: SHA-256 of canonicalJson({settings, method, run}), first 16 hex digits. */
export function taskHash(settings: ExperimentSettings, method: MethodId, run: number): string {
  return createHash('sha256').update(canonicalJson({ settings, method, run })).digest('hex').slice(0, 16);
}

/** The grid points: the Cartesian product of the axes, the first axis varying slowest. */
export function gridPoints(name: string, base: ExperimentOverrides, grid: readonly GridAxis[]): SweepPoint[] {
  const keys = new Set<string>();
  for (const a of grid) {
    if (keys.has(a.key)) throw new InputError('--grid', a.param, 'each setting swept at most once', 'given twice');
    keys.add(a.key);
    if (base[a.key] !== undefined) throw new InputError('--grid', a.param, `a setting not also given as --${a.param}`, `--${a.param} ${String(base[a.key])} was given too`);
  }
  let combos: Record<string, GridValue>[] = [{}];
  for (const a of grid) combos = combos.flatMap((c) => a.values.map((v) => ({ ...c, [a.param]: v })));
  return combos.map((params, index) => {
    const over: ExperimentOverrides = { ...base };
    for (const a of grid) (over as Record<string, unknown>)[a.key] = params[a.param];
    let settings: ExperimentSettings;
    try {
      settings = resolveSettings(name, over);
    } catch (e) {
      if (e instanceof InputError && grid.length > 0) throw new InputError(e.field, e.value, e.expected, `at grid point ${pointLabel(params)}`);
      throw e;
    }
    return { index, label: pointLabel(params), params, settings };
  });
}

/** `sigma=1,tau=50` (empty for no parameters). */
export function pointLabel(params: Record<string, GridValue>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** The tasks of the points: point-major, then run, then method in plotting order (as `experiment` queues them). */
export function planTasks(points: readonly SweepPoint[]): SweepTask[] {
  const tasks: SweepTask[] = [];
  for (const p of points) {
    const s = p.settings;
    for (let run = 0; run < s.runs; run++)
      for (const m of experimentMethods(s))
        tasks.push({ index: tasks.length, point: p.index, params: p.params, method: m.id, run, seed: runSeed(s.seed, run), hash: taskHash(s, m.id, run) });
  }
  return tasks;
}

/** Options of {@link planSweep}. */
export interface PlanOptions {
  experiment: string;
  /** Settings fixed for the whole sweep (the `experiment` flags). */
  base?: ExperimentOverrides;
  grid?: GridAxis[];
  dir: string;
  /** Replace a different plan already in `dir` (its results stay; they no longer match any task and are ignored). */
  force?: boolean;
  /** Date recorded in sweep.json (default now). */
  date?: Date;
}

/**
 * Plans a sweep and writes `sweep.json` and `tasks.jsonl` into `dir` (atomically). Planning the
 * same sweep again leaves the folder as it is (and its results valid); a different plan in a
 * folder that has one is refused unless `force`.
 */
export function planSweep(o: PlanOptions): SweepPlan {
  const dir = resolve(o.dir);
  const base = { ...(o.base ?? {}) };
  for (const k of Object.keys(base) as (keyof ExperimentOverrides)[]) if (base[k] === undefined) delete base[k];
  const grid = o.grid ?? [];
  const points = gridPoints(o.experiment, base, grid);
  const tasks = planTasks(points);
  const tasksText = tasks.map((t) => JSON.stringify(t)).join('\n') + (tasks.length > 0 ? '\n' : '');
  if (existsSync(join(dir, 'sweep.json'))) {
    const sameTasks = existsSync(join(dir, 'tasks.jsonl')) && readFileSync(join(dir, 'tasks.jsonl'), 'utf8') === tasksText;
    if (sameTasks) return readSweep(dir);
    if (!o.force) throw new InputError('--out', dir, 'an empty folder or one holding this same plan', 'it holds a different sweep; use --force to replace the plan');
  }
  const head = {
    format: SWEEP_FORMAT,
    experiment: o.experiment,
    version: packageVersion(),
    created: (o.date ?? new Date()).toISOString(),
    base,
    grid: grid.map((a) => ({ param: a.param, key: a.key, values: a.values })),
    tasks: tasks.length,
    order: 'point-major, then run, then method in plotting order',
    points: points.map((p) => ({ index: p.index, label: p.label, params: p.params, settings: p.settings, config: resolvedConfig(p.settings) })),
  };
  writeFileAtomic(join(dir, 'tasks.jsonl'), tasksText);
  writeFileAtomic(join(dir, 'sweep.json'), `${JSON.stringify(head, null, 2)}\n`);
  return readSweep(dir);
}

/** Reads a sweep folder written by {@link planSweep}; a clear error if it is not one. */
export function readSweep(dirArg: string): SweepPlan {
  const dir = resolve(dirArg);
  const head = readJson(join(dir, 'sweep.json'), 'sweep folder') as Record<string, unknown>;
  if (head.format !== SWEEP_FORMAT) throw new InputError('sweep folder', dir, `a folder planned by \`measureflow sweep plan\` (format ${SWEEP_FORMAT})`, `sweep.json has format ${String(head.format)}`);
  let text: string;
  try {
    text = readFileSync(join(dir, 'tasks.jsonl'), 'utf8');
  } catch {
    throw new InputError('sweep folder', dir, 'a folder with tasks.jsonl', 'no tasks.jsonl');
  }
  const tasks = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as SweepTask;
      } catch (e) {
        throw new InputError(`tasks.jsonl line ${i + 1}`, l.slice(0, 80), 'a JSON task', (e as Error).message);
      }
    });
  tasks.forEach((t, i) => {
    if (t.index !== i) throw new InputError(`tasks.jsonl line ${i + 1}`, t.index, `task index ${i}`);
  });
  if (tasks.length !== head.tasks) throw new InputError('tasks.jsonl', tasks.length, `${String(head.tasks)} tasks (as sweep.json says)`);
  const points = (head.points as (SweepPoint & { config?: unknown })[]).map(({ config: _c, ...p }) => p);
  return {
    dir,
    format: SWEEP_FORMAT,
    experiment: String(head.experiment),
    version: String(head.version),
    created: String(head.created),
    base: head.base as ExperimentOverrides,
    grid: head.grid as GridAxis[],
    points,
    tasks,
  };
}

function readJson(path: string, field: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InputError(field, resolve(path, '..'), 'a folder planned by `measureflow sweep plan`', `no ${path}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(field, path, 'valid JSON', (e as Error).message);
  }
}

/** "ift, run 2, sigma=1" — how a task is named in messages. */
export function describeTask(t: SweepTask): string {
  const p = pointLabel(t.params);
  return `${t.method}, run ${t.run}${p ? `, ${p}` : ''}`;
}
