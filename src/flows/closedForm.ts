import { InputError } from '../core/errors.js';
import { exp } from '../core/math.js';
import type { ParticleMeasure } from '../core/measure.js';

/**
 * µ₀ and π̂ = Σₗ νₗδ_{yₗ} on the union of their supports: positions [X; Y], weights
 * [w₀; 0] (the initial measure) — the representation in which the Fisher-Rao / MMD–MMD
 * flow is exact. Returns the measure and the target weights [0; ν] on the same atoms.
 */
export function unionOfSupports(mu0: ParticleMeasure, Y: Float64Array, yWeights?: Float64Array): { mu: ParticleMeasure; target: Float64Array } {
  const d = mu0.d;
  const m = Y.length / d;
  if (!Number.isInteger(m) || m < 1) throw new InputError('target.samples.length', Y.length, `a non-zero multiple of d = ${d}`);
  const X = new Float64Array(mu0.X.length + Y.length);
  X.set(mu0.X);
  X.set(Y, mu0.X.length);
  const w = new Float64Array(mu0.n + m);
  w.set(mu0.w);
  const target = new Float64Array(mu0.n + m);
  for (let l = 0; l < m; l++) target[mu0.n + l] = yWeights ? yWeights[l]! : 1 / m;
  return { mu: { n: mu0.n + m, d, X, w }, target };
}

/**
 * Closed form of the Fisher-Rao flow of the inclusive KL(π‖·) (= MMD–MMD flow) on the union
 * of supports: µ_t = e^{−t}µ₀ + (1 − e^{−t})π (inclusive-KL paper Prop. 3; IFT paper Thm 3.4).
 * Weights [n + m] for time t ≥ 0.
 */
export function fisherRaoClosedForm(w0: Float64Array, target: Float64Array, t: number): Float64Array {
  if (!(t >= 0) || !Number.isFinite(t)) throw new InputError('t', t, 'a finite time >= 0');
  const a = exp(-t);
  const out = new Float64Array(w0.length);
  for (let i = 0; i < w0.length; i++) out[i] = a * w0[i]! + (1 - a) * target[i]!;
  return out;
}
