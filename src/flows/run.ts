import type { ParticleMeasure } from '../core/measure.js';
import { rng } from '../core/rng.js';
import { DivergenceError, InputError } from '../core/errors.js';
import { checkInteger } from '../core/validate.js';
import type { Flow, FlowState, StepInfo } from './flow.js';

/** One row of the recorded history. Quantities that could not be computed are absent. */
export interface HistoryRow {
  /** Steps done at this record. */
  step: number;
  /**
   * Flow time t = step·τ for a flow with a transport part, step·η for a reaction-only flow
   * (the time of the continuous flow the steps discretise; one IFT/WFR step advances it by τ).
   */
  t?: number;
  /** Wall-clock milliseconds since the run started (not part of the result: it varies between runs). */
  wallMs: number;
  /** The energy F(µ) at this record, when the energy has a value. */
  energy?: number;
  [metric: string]: number | undefined;
}

/** Options of {@link runFlow} and {@link runFlowAsync}: number of steps, seed, what to record and when. */
export interface RunOptions {
  /** Number of steps. Default 100 (as in the run spec). */
  steps?: number;
  /** Seed: step t uses `rng(seed, t + 1)`. Default 0 (as in the run spec), so a run without one is reproducible. */
  seed?: number;
  /** Record every `every` steps (and always the first and last). Default: about 100 records. */
  every?: number;
  /**
   * Computes the recorded quantities of a state (energy, MMD, KSD, W₂, …). The runner adds
   * `step`, `t` and `wallMs`. Defaults to the energy value when the flow's energy has one.
   */
  measure?: (state: FlowState) => Record<string, number | undefined>;
  /** Called after each recorded state (progress, live plots). */
  onRecord?: (row: HistoryRow, state: FlowState) => void;
  /** Called after every step that passed the sanity checks. */
  onStep?: (state: FlowState, info: StepInfo) => void;
  /** Stop early (Ctrl-C): the result then holds the steps done, with `stopped: true`. */
  shouldStop?: () => boolean;
  /**
   * Largest |coordinate| a particle may reach before the run counts as diverged (a blow-up:
   * positions leaving every sane scale of the problem). Default 10⁶·max(1, max |x| of µ₀);
   * `Infinity` turns the check off.
   */
  maxAbs?: number;
  /**
   * What a divergence does: `'throw'` (default) a `DivergenceError` whose `result` is the
   * partial `RunResult`, or `'stop'`: return that result with `diverged` set.
   */
  onDiverge?: 'throw' | 'stop';
}

/** What {@link runFlow} returns: the final state, the recorded rows (`step`, `t`, `wallMs`, and what `measure` computed: by default the energy F), the steps done, whether it stopped early or diverged, and the elapsed wall-clock time in ms. */
export interface RunResult {
  /** The last sane state (after a divergence: the last state that passed every check). */
  final: FlowState;
  /** Recorded rows, every value finite; the last row is the final state. */
  history: HistoryRow[];
  /** Steps done (fewer than asked when stopped or diverged). */
  stepsDone: number;
  /** True when `shouldStop` ended the run early. */
  stopped: boolean;
  /** Wall-clock duration of the run in milliseconds. */
  elapsedMs: number;
  /** Set when the run diverged: why, and the step index t of the step (t → t + 1) that failed. */
  diverged?: { message: string; step: number };
}

/** A recorded energy that rises above F(µ₀) by more than this factor times max(1, |F(µ₀)|) counts as a blow-up. */
export const ENERGY_BLOWUP = 1e6;
/** Positions beyond this factor times the scale of the problem count as a blow-up (see `RunOptions.maxAbs`). */
export const POSITION_BLOWUP = 1e6;

/**
 * Runs `steps` steps of a flow from µ₀. The generator of step t is `rng(seed, t + 1)`
 * (stream 0 is left to the caller for drawing µ₀), so reruns are bit-identical and any step
 * can be replayed alone.
 *
 * A run that has started always ends with its result: any failure inside a step (an error
 * thrown by the step, a non-finite or negative weight, a non-finite position, positions beyond
 * `maxAbs`), a recorded quantity that cannot be computed or is not finite, or a recorded energy
 * rising above F(µ₀) + 10⁶·max(1, |F(µ₀)|) is a divergence: the run stops, `final` is the last
 * state that passed every check and `history` ends with it. By default a `DivergenceError`
 * carrying that result is thrown (`onDiverge: 'stop'` returns it instead). A quantity that is
 * not finite at µ₀ itself is refused before any step with an `InputError`.
 */
export function runFlow(f: Flow, mu0: ParticleMeasure, o: RunOptions = {}): RunResult {
  const run = runner(f, mu0, o);
  while (run.advance());
  return run.finish();
}

/**
 * `runFlow` that hands control back to the event loop every `yieldMs` milliseconds
 * (default 50) through `pause` (default: a zero-delay timer), so a SIGINT handler, a
 * progress bar or a browser UI can act during a long run. Same results as `runFlow`.
 */
export async function runFlowAsync(
  f: Flow,
  mu0: ParticleMeasure,
  o: RunOptions & { yieldMs?: number; pause?: () => Promise<void> } = {},
): Promise<RunResult> {
  const run = runner(f, mu0, o);
  const pause = o.pause ?? defaultPause;
  const yieldMs = o.yieldMs ?? 50;
  let last = nowMs();
  while (run.advance()) {
    if (nowMs() - last >= yieldMs) {
      await pause();
      last = nowMs();
    }
  }
  return run.finish();
}

function checkRunArgs(f: Flow, mu0: ParticleMeasure, o: RunOptions): void {
  if (!f || typeof f !== 'object' || typeof f.init !== 'function' || typeof f.step !== 'function' || !f.config)
    throw new InputError('flow', f, 'a flow built by flow(config)');
  if (!mu0 || typeof mu0 !== 'object' || !(mu0.X instanceof Float64Array) || !(mu0.w instanceof Float64Array))
    throw new InputError('mu0', mu0, 'a particle measure {n, d, X: Float64Array, w: Float64Array} (see particleMeasure)');
  if (!o || typeof o !== 'object') throw new InputError('options', o, 'an object {steps, seed, every?, …}');
  checkInteger('steps', o.steps ?? DEFAULT_STEPS, 0);
  checkInteger('seed', o.seed ?? DEFAULT_SEED, 0);
  if (o.maxAbs !== undefined && !(o.maxAbs > 0)) throw new InputError('maxAbs', o.maxAbs, 'a number > 0 (or Infinity)');
  if (o.onDiverge !== undefined && o.onDiverge !== 'throw' && o.onDiverge !== 'stop') throw new InputError('onDiverge', o.onDiverge, "'throw' or 'stop'");
}

/** max |x| over the coordinates (NaN if one is NaN). */
function maxAbsOf(X: Float64Array): number {
  let m = 0;
  for (let i = 0; i < X.length; i++) {
    const a = Math.abs(X[i]!);
    if (!(a <= m)) m = a;
  }
  return m;
}

/** Why a state is not sane (non-finite or out-of-scale positions, bad weights, lost mass on P), or null. */
function insane(s: FlowState, maxAbs: number, space?: string): string | null {
  const { X, w, d } = s.mu;
  for (let i = 0; i < X.length; i++) {
    const x = X[i]!;
    if (!Number.isFinite(x)) return `particle ${Math.floor(i / d)} has position ${x}`;
    if (Math.abs(x) > maxAbs)
      return `particle ${Math.floor(i / d)} is at ${x.toPrecision(3)}, beyond ${maxAbs.toPrecision(3)} (10⁶ × the scale of the data): the positions blew up`;
  }
  let mass = 0;
  for (let i = 0; i < w.length; i++) {
    if (!Number.isFinite(w[i]!) || w[i]! < 0) return `weight ${i} is ${w[i]}`;
    mass += w[i]!;
  }
  if (space === 'P' && !(Math.abs(mass - 1) <= 1e-6)) return `the weights sum to ${mass} instead of 1 (the weight step lost the mass)`;
  return null;
}

const REMEDY = 'reduce the step size tau (or eta), or increase the kernel bandwidth';

/** The loop body shared by the sync and async runners: `advance` does one step, false when done. */
function runner(f: Flow, mu0: ParticleMeasure, o: RunOptions): { advance(): boolean; finish(): RunResult } {
  checkRunArgs(f, mu0, o);
  const steps = o.steps ?? DEFAULT_STEPS;
  const seed = o.seed ?? DEFAULT_SEED;
  const every = o.every ?? Math.max(1, Math.round(steps / 100));
  const cfg = f.config;
  const dt = cfg.transport ? cfg.tau : cfg.reaction ? cfg.eta : undefined;
  checkInteger('record.every', every, 1);
  const maxAbs = o.maxAbs ?? POSITION_BLOWUP * Math.max(1, maxAbsOf(mu0.X));
  const measure =
    o.measure ??
    ((s: FlowState) => (f.config.energy.provides.value ? { energy: f.config.energy.evaluate(s.mu, { value: true }).value } : {}));
  const t0 = nowMs();
  const history: HistoryRow[] = [];
  let energy0: number | undefined;

  /** The recorded row of a state, or the reason it cannot be recorded. */
  const tryMeasure = (s: FlowState): HistoryRow | string => {
    let raw: Record<string, number | undefined>;
    try {
      raw = measure(s);
    } catch (e) {
      return `the recorded quantities could not be computed at step ${s.t} (${errorText(e)})`;
    }
    const row: HistoryRow = { step: s.t, ...(dt !== undefined ? { t: s.t * dt } : {}), wallMs: 0 };
    for (const [k, v] of Object.entries(raw ?? {})) {
      if (v === undefined || v === null) continue;
      if (typeof v !== 'number' || !Number.isFinite(v)) return `the recorded ${k} is ${v} at step ${s.t}`;
      if (k === 'energy' && energy0 !== undefined && v - energy0 > ENERGY_BLOWUP * Math.max(1, Math.abs(energy0)))
        return `the energy rose from ${energy0.toPrecision(4)} to ${v.toPrecision(4)} by step ${s.t}: the flow blew up`;
      row[k] = v;
    }
    row.wallMs = nowMs() - t0;
    return row;
  };
  let lastRecorded: FlowState;
  const commit = (row: HistoryRow, s: FlowState) => {
    history.push(row);
    lastRecorded = s;
    o.onRecord?.(row, s);
  };

  let state = f.init(mu0);
  const bad0 = insane(state, Infinity);
  if (bad0) throw new InputError('mu0', 'the initial particles', 'finite positions and weights', bad0);
  const row0 = tryMeasure(state);
  if (typeof row0 === 'string')
    throw new InputError('record.metrics', Object.keys(safeMeasure(measure, state)).join(', ') || 'measure', 'quantities that are finite at the initial particles', `${row0}; refused before the run`);
  energy0 = row0.energy;
  commit(row0, state);
  lastRecorded = state;
  let stopped = false;
  let diverged: { message: string; step: number } | undefined;
  const fail = (message: string, step: number) => {
    diverged = { message, step };
    return false;
  };
  return {
    advance() {
      if (diverged || state.t >= steps) return false;
      if (o.shouldStop?.()) {
        stopped = true;
        return false;
      }
      const t = state.t;
      let next: FlowState;
      let info: StepInfo;
      try {
        [next, info] = f.step(rng(seed, t + 1), state);
      } catch (e) {
        if (e instanceof DivergenceError) return fail(`${e.message}`, t);
        return fail(`the flow failed in step ${t + 1} (${errorText(e)}) — ${REMEDY}`, t);
      }
      const bad = insane(next, maxAbs, f.config.space);
      if (bad) return fail(`the flow diverged at step ${t}: ${bad} — ${REMEDY}`, t);
      let row: HistoryRow | undefined;
      if (next.t % every === 0 || next.t === steps) {
        const r = tryMeasure(next);
        if (typeof r === 'string') return fail(`the flow diverged at step ${t}: ${r} — ${REMEDY}`, t);
        row = r;
      }
      state = next;
      o.onStep?.(next, info);
      if (row) commit(row, next);
      return true;
    },
    finish() {
      let final = state;
      if (history[history.length - 1]!.step !== final.t) {
        const r = tryMeasure(final);
        if (typeof r === 'string') final = lastRecorded;
        else commit(r, final);
      }
      if (diverged) diverged = { ...diverged, message: `${diverged.message}; the last sane state (after ${final.t} steps) is kept` };
      const res: RunResult = { final, history, stepsDone: final.t, stopped, elapsedMs: nowMs() - t0, ...(diverged ? { diverged } : {}) };
      if (diverged && (o.onDiverge ?? 'throw') === 'throw') throw new DivergenceError(diverged.message, diverged.step, res);
      return res;
    },
  };
}

/** Steps of `runFlow` without `steps` (the run spec's default). */
export const DEFAULT_STEPS = 100;
/** Seed of `runFlow` without `seed` (the run spec's default). */
export const DEFAULT_SEED = 0;

function safeMeasure(measure: (s: FlowState) => Record<string, number | undefined>, s: FlowState): Record<string, unknown> {
  try {
    const raw = measure(s) ?? {};
    return Object.fromEntries(Object.entries(raw).filter(([, v]) => typeof v === 'number' && !Number.isFinite(v)));
  } catch {
    return {};
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

const timers = globalThis as unknown as { setTimeout(cb: () => void, ms: number): unknown };
function defaultPause(): Promise<void> {
  return new Promise((resolve) => timers.setTimeout(resolve, 0));
}

// `performance` exists in browsers and Node but is not in the ES lib the core compiles against.
const perf = (globalThis as { performance?: { now(): number } }).performance;
function nowMs(): number {
  return perf ? perf.now() : Date.now();
}
