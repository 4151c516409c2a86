import type { ParticleMeasure } from '../core/measure.js';
import { rng } from '../core/rng.js';
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
  /** Called after every step. */
  onStep?: (state: FlowState, info: StepInfo) => void;
  /** Stop early (Ctrl-C): the result then holds the steps done, with `stopped: true`. */
  shouldStop?: () => boolean;
}

/** What {@link runFlow} returns: the final state, the recorded rows (`step`, `time` in ms, and what `measure` computed: by default the energy F), the steps done, whether it stopped early, and the elapsed wall-clock time in ms. */
export interface RunResult {
  /** The last state. */
  final: FlowState;
  /** The recorded rows, in step order. */
  history: HistoryRow[];
  /** Steps done (fewer than asked when stopped). */
  stepsDone: number;
  /** True when `shouldStop` ended the run early. */
  stopped: boolean;
  /** Wall-clock duration of the run in milliseconds. */
  elapsedMs: number;
}

/**
 * Runs `steps` steps of a flow from µ₀. The generator of step t is `rng(seed, t + 1)`
 * (stream 0 is left to the caller for drawing µ₀), so reruns are bit-identical and any step
 * can be replayed alone. Throws `DivergenceError` if the state leaves the finite numbers.
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
  const pause = o.pause ?? defaultPause;
  const yieldMs = o.yieldMs ?? 50;
  const run = runner(f, mu0, o);
  let last = nowMs();
  while (run.advance()) {
    if (nowMs() - last >= yieldMs) {
      await pause();
      last = nowMs();
    }
  }
  return run.finish();
}

/** The loop body shared by the sync and async runners: `advance` does one step, false when done. */
function runner(f: Flow, mu0: ParticleMeasure, o: RunOptions): { advance(): boolean; finish(): RunResult } {
  const steps = o.steps ?? DEFAULT_STEPS;
  const seed = o.seed ?? DEFAULT_SEED;
  checkInteger('steps', steps, 0);
  checkInteger('seed', seed, 0);
  const every = o.every ?? Math.max(1, Math.round(steps / 100));
  const cfg = f.config;
  const dt = cfg.transport ? cfg.tau : cfg.reaction ? cfg.eta : undefined;
  checkInteger('record.every', every, 1);
  const measure =
    o.measure ??
    ((s: FlowState) => (f.config.energy.provides.value ? { energy: f.config.energy.evaluate(s.mu, { value: true }).value } : {}));
  const t0 = nowMs();
  const history: HistoryRow[] = [];
  const record = (s: FlowState) => {
    const row: HistoryRow = { step: s.t, ...(dt !== undefined ? { t: s.t * dt } : {}), ...measure(s), wallMs: 0 };
    row.wallMs = nowMs() - t0;
    history.push(row);
    o.onRecord?.(row, s);
  };
  let state = f.init(mu0);
  record(state);
  let stopped = false;
  return {
    advance() {
      if (state.t >= steps) return false;
      if (o.shouldStop?.()) {
        stopped = true;
        return false;
      }
      const [next, info] = f.step(rng(seed, state.t + 1), state);
      state = next;
      o.onStep?.(state, info);
      if (state.t % every === 0 || state.t === steps) record(state);
      return true;
    },
    finish() {
      if (history[history.length - 1]!.step !== state.t) record(state);
      return { final: state, history, stepsDone: state.t, stopped, elapsedMs: nowMs() - t0 };
    },
  };
}

/** Steps of `runFlow` without `steps` (the run spec's default). */
export const DEFAULT_STEPS = 100;
/** Seed of `runFlow` without `seed` (the run spec's default). */
export const DEFAULT_SEED = 0;

const timers = globalThis as unknown as { setTimeout(cb: () => void, ms: number): unknown };
function defaultPause(): Promise<void> {
  return new Promise((resolve) => timers.setTimeout(resolve, 0));
}

// `performance` exists in browsers and Node but is not in the ES lib the core compiles against.
const perf = (globalThis as { performance?: { now(): number } }).performance;
function nowMs(): number {
  return perf ? perf.now() : Date.now();
}
