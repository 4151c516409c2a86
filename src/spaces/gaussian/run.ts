import { DivergenceError, InputError } from '../../core/errors.js';
import { rng } from '../../core/rng.js';
import type { GaussianFlow, GaussianState } from './flow.js';

/** One recorded row of a Gaussian run. */
export interface GaussianHistoryRow {
  step: number;
  /** Flow time t = step·τ. */
  t: number;
  /** F(µ) at this step (NaN when it has no value). */
  energy: number;
  m: Float64Array;
  Sigma: Float64Array;
}

/** Result of `runGaussianFlow`. */
export interface GaussianRunResult {
  status: 'completed' | 'diverged';
  state: GaussianState;
  steps: number;
  history: GaussianHistoryRow[];
  /** Why the run stopped early (status 'diverged'). */
  reason?: string;
}

/**
 * Runs `steps` steps of a Gaussian flow; step t uses the generator rng(seed, t + 1), so
 * reruns are bit-identical. Records (m, Σ, F) every `every` steps and at the end. A step
 * that fails numerically ends the run as `diverged` with the last finite state.
 */
export function runGaussianFlow(f: GaussianFlow, init: GaussianState, o: { steps: number; seed?: number; every?: number }): GaussianRunResult {
  if (o == null || !Number.isInteger(o.steps) || o.steps < 0) throw new InputError('steps', o?.steps, 'an integer >= 0');
  const seed = o.seed ?? 0;
  const every = o.every ?? 1;
  if (!Number.isInteger(every) || every < 1) throw new InputError('every', every, 'an integer >= 1');
  const history: GaussianHistoryRow[] = [];
  let s = init;
  const tau = f.config.tau;
  const record = (step: number, energy: number) => history.push({ step, t: step * tau, energy, m: s.m, Sigma: s.Sigma });
  for (let t = 0; t < o.steps; t++) {
    let next: GaussianState;
    let info: { energy: number };
    try {
      [next, info] = f.step(rng(seed, t + 1), s);
    } catch (e) {
      if (e instanceof DivergenceError) {
        record(t, f.evaluate(rng(seed, t + 1), s).energy);
        return { status: 'diverged', state: s, steps: t, history, reason: e.message };
      }
      throw e;
    }
    if (t % every === 0) record(t, info.energy);
    s = next;
  }
  record(o.steps, f.evaluate(rng(seed, o.steps + 1), s).energy);
  return { status: 'completed', state: s, steps: o.steps, history };
}
