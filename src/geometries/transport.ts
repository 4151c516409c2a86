import { kernelSumVec } from '../backend/vectorSums.js';
import { exp } from '../core/math.js';
import type { ParticleMeasure } from '../core/measure.js';
import type { Rng } from '../core/rng.js';
import type { Energy } from '../energies/energy.js';
import type { Transport } from './types.js';

/** Result of {@link transportStep}: the new positions and diagnostics of the step. */
export interface TransportResult {
  /** New positions [n, d]. */
  X: Float64Array;
  /** F(µ) before the step, when the evaluation gave it for free. */
  energy?: number;
  /** MALA acceptance rate of this step. */
  accepted?: number;
  /** Inner iterations of the implicit (JKO) step. */
  inner?: number;
}

/**
 * One transport step of length τ·coef on positions (weights unchanged), see `Transport`.
 * Pure: returns new positions, never mutates µ.
 */
export function transportStep(E: Energy, mu: ParticleMeasure, tr: Transport, tau: number, t: number, r: Rng): TransportResult {
  const { n, d } = mu;
  const h = tau * (tr.coef ?? 1);
  if (tr.kind === 'stein') {
    let dir: Float64Array;
    if (E.steinGradient) dir = E.steinGradient(mu, tr.kernel);
    else {
      const g = E.evaluate(mu, { grad: true }).grad!;
      dir = kernelSumVec(tr.kernel, mu.X, mu.X, d, mu.w, g, d);
    }
    const X = mu.X.slice();
    for (let i = 0; i < X.length; i++) X[i]! -= h * dir[i]!;
    return { X };
  }
  if (tr.scheme === 'implicit') return implicitStep(E, mu, h, tr);
  const euclid = tr.metric === 'euclidean';
  const noisy = tr.noise && tr.noise.level > 0 && t < tr.noise.until;
  let at = mu.X;
  if (noisy) {
    at = mu.X.slice();
    const lvl = tr.noise!.level;
    for (let i = 0; i < at.length; i++) at[i]! += lvl * r.normal();
  }
  const ev =
    noisy && tr.noise!.cloud
      ? E.evaluate({ ...mu, X: at }, { grad: true })
      : E.evaluate(mu, { grad: true, value: !noisy && E.provides.value, at });
  const g = ev.grad!;
  const X = mu.X.slice();
  for (let i = 0; i < n; i++) {
    const f = euclid ? h * mu.w[i]! : h;
    for (let a = 0; a < d; a++) X[i * d + a]! -= f * g[i * d + a]!;
  }
  const D = E.diffusion;
  if (D > 0) {
    const sd = Math.sqrt(2 * h * D);
    for (let i = 0; i < X.length; i++) X[i]! += sd * r.normal();
    if (tr.mala) return { ...malaCorrect(E, mu, X, g, h, D, r), energy: ev.value };
  }
  return { X, energy: ev.value };
}

/**
 * Metropolis–Hastings correction of a Langevin proposal, particle by particle (MALA):
 * accept x′ with probability min(1, exp(−[V(x′) − V(x)]/D) q(x | x′) / q(x′ | x)),
 * q(y | x) ∝ exp(−|y − x + h∇V(x)|² / (4hD)).
 */
function malaCorrect(
  E: Energy,
  mu: ParticleMeasure,
  Xp: Float64Array,
  g: Float64Array,
  h: number,
  D: number,
  r: Rng,
): { X: Float64Array; accepted: number } {
  const V = E.potential!;
  const { n, d } = mu;
  const V0 = V.value!(mu.X);
  const V1 = V.value!(Xp);
  const g1 = V.grad(Xp);
  const out = Xp.slice();
  let acc = 0;
  for (let i = 0; i < n; i++) {
    let fwd = 0;
    let bwd = 0;
    for (let a = 0; a < d; a++) {
      const x = mu.X[i * d + a]!;
      const y = Xp[i * d + a]!;
      fwd += (y - x + h * g[i * d + a]!) ** 2;
      bwd += (x - y + h * g1[i * d + a]!) ** 2;
    }
    const logA = -(V1[i]! - V0[i]!) / D - bwd / (4 * h * D) + fwd / (4 * h * D);
    if (logA >= 0 || r.uniform() < exp(logA)) acc++;
    else for (let a = 0; a < d; a++) out[i * d + a] = mu.X[i * d + a]!;
  }
  return { X: out, accepted: acc / n };
}

/**
 * JKO step in positions: argmin_Y Φ(Y) = F(Σwᵢδ_{yᵢ}) + (1/2h)Σmᵢ|yᵢ − xᵢ|² with the metric
 * weights mᵢ = wᵢ (Wasserstein) or mᵢ = 1 (`metric: 'euclidean'`, whose explicit step is
 * xᵢ − h·wᵢ∇ξ(xᵢ)), by gradient descent in the m-weighted metric (direction
 * Dᵢ = (wᵢ/mᵢ)∇ξ(yᵢ) + (yᵢ − xᵢ)/h, the exact gradient ∂Φ/∂yᵢ divided by mᵢ) with Armijo
 * backtracking, from the explicit-step guess.
 * Stops when (Σmᵢ|Dᵢ|²)^{1/2} ≤ tol·(1 + (Σmᵢ|(wᵢ/mᵢ)∇ξ(xᵢ)|²)^{1/2}).
 */
function implicitStep(E: Energy, mu: ParticleMeasure, h: number, tr: Transport & { kind: 'wasserstein' }): TransportResult {
  const { d, w } = mu;
  const maxIter = tr.implicit?.maxIter ?? 100;
  const tol = tr.implicit?.tol ?? 1e-8;
  const euclid = tr.metric === 'euclidean';
  // metric weight mᵢ and the factor fᵢ = wᵢ/mᵢ in front of ∇ξ (1 for Wasserstein)
  const m = (i: number) => (euclid ? 1 : w[i]!);
  const f = (i: number) => (euclid ? w[i]! : 1);
  const X0 = mu.X;
  const phi = (Y: Float64Array, wantGrad: boolean) => {
    const ev = E.evaluate({ ...mu, X: Y }, { value: true, grad: wantGrad });
    let prox = 0;
    for (let i = 0; i < mu.n; i++) {
      let s = 0;
      for (let a = 0; a < d; a++) s += (Y[i * d + a]! - X0[i * d + a]!) ** 2;
      prox += m(i) * s;
    }
    return { val: ev.value! + prox / (2 * h), grad: ev.grad };
  };
  const start = E.evaluate(mu, { value: true, grad: true });
  const g0 = start.grad!;
  let scale = 0;
  for (let i = 0; i < mu.n; i++) for (let a = 0; a < d; a++) scale += m(i) * (f(i) * g0[i * d + a]!) ** 2;
  scale = Math.sqrt(scale);
  let Y = X0.slice();
  for (let i = 0; i < mu.n; i++) for (let a = 0; a < d; a++) Y[i * d + a]! -= h * f(i) * g0[i * d + a]!;
  let cur = phi(Y, true);
  let step = h;
  let it = 0;
  for (; it < maxIter; it++) {
    const D = new Float64Array(Y.length);
    let nrm2 = 0;
    for (let i = 0; i < mu.n; i++)
      for (let a = 0; a < d; a++) {
        const k = i * d + a;
        D[k] = f(i) * cur.grad![k]! + (Y[k]! - X0[k]!) / h;
        nrm2 += m(i) * D[k]! ** 2;
      }
    if (Math.sqrt(nrm2) <= tol * (1 + scale)) break;
    let accepted = false;
    for (let bt = 0; bt < 40; bt++) {
      const Yn = Y.slice();
      for (let k = 0; k < Yn.length; k++) Yn[k]! -= step * D[k]!;
      const nxt = phi(Yn, true);
      if (nxt.val <= cur.val - 0.5 * step * nrm2) {
        Y = Yn;
        cur = nxt;
        accepted = true;
        step *= 1.5;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;
  }
  return { X: Y, energy: start.value, inner: it };
}
