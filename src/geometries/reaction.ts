import { kernelMatrix } from '../backend/kernelMatrix.js';
import { exp, fsum } from '../core/math.js';
import type { ParticleMeasure } from '../core/measure.js';
import type { Energy } from '../energies/energy.js';
import type { Kernel } from '../kernels/kernel.js';
import { sameKernel } from '../kernels/kernel.js';
import { solveKernelQP } from '../solvers/kernelQP.js';
import { projectOrthant, projectSimplex } from '../solvers/simplexProjection.js';
import type { Reaction } from './types.js';

/** Result of {@link reactionStep}: the new weights and diagnostics (the QP report of the exact MMD step). */
export interface ReactionResult {
  /** New weights [n]. */
  w: Float64Array;
  /** For the exact MMD step: solver iterations and the largest scaled KKT residual. */
  qp?: { iterations: number; kkt: number; converged: boolean };
}

/**
 * One reaction step of length η·coef on the weights of µ (positions fixed), see `Reaction`.
 * `kernel` is the MMD-geometry kernel (resolved by the flow). Pure.
 */
export function reactionStep(E: Energy, mu: ParticleMeasure, re: Reaction, eta: number, kernel: Kernel | null): ReactionResult {
  const h = eta * (re.coef ?? 1);
  const { n, w } = mu;
  if (re.kind === 'fisher-rao' || re.kind === 'hellinger') {
    const xi = E.evaluate(mu, { xi: true }).xi!;
    const out = new Float64Array(n);
    if (re.kind === 'hellinger') {
      for (let i = 0; i < n; i++) out[i] = w[i]! * exp(-h * xi[i]!);
      return { w: out };
    }
    if (re.kind === 'fisher-rao' && re.normalise === 'project') {
      for (let i = 0; i < n; i++) out[i] = w[i]! * exp(-h * xi[i]!);
      if (!allFinite(out)) return { w: out }; // the flow reports it as a divergence (weight i, reduce eta)
      return { w: projectSimplex(out, undefined, fsum(w)) };
    }
    // Shift by the largest exponent so exp never overflows; the normalisation removes it.
    let mx = -Infinity;
    for (let i = 0; i < n; i++) if (w[i]! > 0 && -h * xi[i]! > mx) mx = -h * xi[i]!;
    for (let i = 0; i < n; i++) out[i] = w[i]! > 0 ? w[i]! * exp(-h * xi[i]! - mx) : 0;
    const m0 = fsum(w);
    const m1 = fsum(out);
    for (let i = 0; i < n; i++) out[i] = (out[i]! * m0) / m1;
    return { w: out };
  }
  const spherical = re.spherical ?? true;
  const mass = fsum(w);
  if ((re.variant ?? 'exact') === 'pgd') {
    const xi = E.evaluate(mu, { xi: true }).xi!;
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = w[i]! - h * xi[i]!;
    // A non-finite w − ηξ (η too large, ξ overflowed) is returned as is: the flow reports it as a
    // divergence naming the step, the weight and eta, rather than the projection's internal `v[i]`.
    if (!allFinite(v)) return { w: v };
    return { w: spherical ? projectSimplex(v, undefined, mass) : projectOrthant(v) };
  }
  if (re.variant === 'stein') {
    // F(β) = ½βᵀGβ exactly, geometry kernel G: min ½(1 + 1/h)βᵀGβ − βᵀGw/h
    const G = E.steinGram!(mu.X);
    const g = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += G[i * n + j]! * w[j]!;
      g[i] = s / h;
    }
    const res = solveKernelQP({ K: G, a: 1 + 1 / h, g, constraint: spherical ? 'simplex' : 'orthant', mass });
    const k = res.kkt;
    return { w: res.beta, qp: { iterations: res.iterations, kkt: Math.max(k.stationarity, k.complementarity, k.primalFeasibility), converged: res.converged } };
  }
  const ker = kernel!;
  const K = kernelMatrix(ker, mu.X, mu.d);
  const Kw = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += K[i * n + j]! * w[j]!;
    Kw[i] = s;
  }
  let a: number;
  const g = new Float64Array(n);
  const quad = E.quadraticWeights;
  if (quad && sameKernel(quad.kernel, ker)) {
    const b = quad.b(mu.X);
    // F(β) = ½βᵀKβ − βᵀb + c exactly: min ½(1 + 1/h)βᵀKβ − βᵀ(b + Kw/h)
    a = 1 + 1 / h;
    for (let i = 0; i < n; i++) g[i] = b[i]! + Kw[i]! / h;
  } else {
    // F linearised at w: min ⟨ξ, β⟩ + (1/2h)(β − w)ᵀK(β − w)
    const xi = E.evaluate(mu, { xi: true }).xi!;
    a = 1 / h;
    for (let i = 0; i < n; i++) g[i] = Kw[i]! / h - xi[i]!;
  }
  // A warm start pays one factorisation of its support. From the previous step's solution
  // that is the right guess; from uniform initial weights (dense, but the solution usually
  // is sparse) it costs 10× a cold start (0.95 s vs 90 ms at n = 1000), so it is skipped then.
  let uniform = true;
  for (let i = 1; i < n && uniform; i++) if (Math.abs(w[i]! - w[0]!) > 1e-12 * w[0]!) uniform = false;
  const warm = uniform ? {} : { warmStart: w };
  const res = solveKernelQP({ K, a, g, constraint: spherical ? 'simplex' : 'orthant', mass, ...warm });
  const k = res.kkt;
  return {
    w: res.beta,
    qp: { iterations: res.iterations, kkt: Math.max(k.stationarity, k.complementarity, k.primalFeasibility), converged: res.converged },
  };
}

function allFinite(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}
