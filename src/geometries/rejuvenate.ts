/**
 * Particle rejuvenation after a weight step (the open direction at the end of §4 of the IFT
 * paper, Gladin et al. 2024; in the spirit of Dai et al., "Provable Bayesian inference via
 * particle mirror descent", AISTATS 2016). Weight steps that teleport mass leave many particles
 * with (nearly) zero weight, which then carry no information. Rejuvenation recycles them:
 *
 *   every particle i with wᵢ < threshold·(Σw)/n is paired with the heaviest particle j
 *   (heaviest first, one vanished particle per heavy particle per round), the pair's mass is
 *   split equally, wᵢ' = wⱼ' = (wᵢ + wⱼ)/2, and i moves next to j: xᵢ' = xⱼ + δᵢ, with
 *   δᵢ ∼ N(0, h²I) turned toward descent (sign chosen so that ∇ξ(xⱼ)·δᵢ ≤ 0).
 *
 * Guarantees, by construction:
 * - the total mass Σw is unchanged exactly (pairwise averages) and w ≥ 0;
 * - the energy does not increase: F(µ') is evaluated and, if F(µ') > F(µ), all jitters are
 *   halved and the move retried (at δ = 0 the measure only changes by moving the tiny mass wᵢ,
 *   an O(wᵢ) change); if no retry decreases F, the step keeps µ unchanged.
 * Needs an energy with a value (½MMD², ½KSD², …). The jitter scale h defaults to the
 * Silverman-type bandwidth of the current cloud, h = std·n^{−1/(d+4)} (std averaged over
 * coordinates, weighted).
 */
import { fsum } from '../core/math.js';
import type { ParticleMeasure } from '../core/measure.js';
import type { Rng } from '../core/rng.js';
import type { Energy } from '../energies/energy.js';

/** Options of rejuvenation (`FlowConfig.rejuvenate`). */
export interface RejuvenateOptions {
  /** A particle is vanished when wᵢ < threshold·(Σw)/n. Default 1e-3. */
  threshold?: number;
  /** Jitter scale h; default: std of the cloud × n^{−1/(d+4)}. */
  jitter?: number;
  /** Halvings of the jitter tried before giving up on this step. Default 12. */
  maxHalvings?: number;
}

/** Result of one rejuvenation: the new measure and how many particles were relocated (0 when none or rejected). */
export function rejuvenate(E: Energy, mu: ParticleMeasure, o: RejuvenateOptions, r: Rng): { mu: ParticleMeasure; relocated: number; energyBefore?: number; energyAfter?: number } {
  const { n, d, X, w } = mu;
  const mass = fsum(w);
  const thr = (o.threshold ?? 1e-3) * (mass / n);
  const vanished: number[] = [];
  for (let i = 0; i < n; i++) if (w[i]! < thr) vanished.push(i);
  if (vanished.length === 0 || vanished.length === n) return { mu, relocated: 0 };
  // heavy particles, heaviest first; each receives at most one vanished particle per step
  const heavy = Array.from({ length: n }, (_, i) => i)
    .filter((i) => w[i]! >= thr)
    .sort((a, b) => w[b]! - w[a]! || a - b);
  const k = Math.min(vanished.length, heavy.length);
  let h = o.jitter;
  if (h === undefined) {
    let v = 0;
    for (let a = 0; a < d; a++) {
      let m = 0;
      for (let i = 0; i < n; i++) m += (w[i]! / mass) * X[i * d + a]!;
      for (let i = 0; i < n; i++) v += ((w[i]! / mass) * (X[i * d + a]! - m) ** 2) / d;
    }
    h = Math.sqrt(v) * n ** (-1 / (d + 4));
  }
  const ev = E.evaluate(mu, { value: true, grad: true });
  const F0 = ev.value!;
  const grad = ev.grad!;
  // directions drawn once (the generator is consumed identically whatever is accepted)
  const dir = new Float64Array(k * d);
  for (let p = 0; p < k; p++) {
    const j = heavy[p]!;
    let dot = 0;
    for (let a = 0; a < d; a++) {
      dir[p * d + a] = r.normal();
      dot += dir[p * d + a]! * grad[j * d + a]!;
    }
    if (dot > 0) for (let a = 0; a < d; a++) dir[p * d + a] = -dir[p * d + a]!;
  }
  const maxHalvings = o.maxHalvings ?? 12;
  let scale = h;
  for (let attempt = 0; attempt <= maxHalvings; attempt++) {
    const X2 = X.slice();
    const w2 = w.slice();
    for (let p = 0; p < k; p++) {
      const i = vanished[p]!;
      const j = heavy[p]!;
      const half = 0.5 * (w[i]! + w[j]!);
      w2[i] = half;
      w2[j] = half;
      for (let a = 0; a < d; a++) X2[i * d + a] = X[j * d + a]! + scale * dir[p * d + a]!;
    }
    const cand: ParticleMeasure = { n, d, X: X2, w: w2 };
    const F1 = E.evaluate(cand, { value: true }).value!;
    if (F1 <= F0) return { mu: cand, relocated: k, energyBefore: F0, energyAfter: F1 };
    scale /= 2;
  }
  return { mu, relocated: 0, energyBefore: F0, energyAfter: F0 };
}
