/**
 * Onsager operators on a graph (Maas 2011, "Gradient flows of the entropy for finite Markov
 * chains", J. Funct. Anal.; Mielke 2011, "A gradient structure for reaction–diffusion systems
 * and for energy-drift-diffusion systems", Nonlinearity):
 *
 *   discrete Wasserstein  (K_W(ρ)ξ)(x) = Σ_y (ξ(x) − ξ(y)) θ(ρ(x)/π(x), ρ(y)/π(y)) c_xy,
 *   Fisher–Rao            (K_FR(ρ)ξ)(x) = ρ(x)(ξ(x) − Σ_y ρ(y)ξ(y)),
 *
 * with c_xy = π(x)Q(x,y) and θ the logarithmic mean θ(a,b) = (a − b)/(log a − log b).
 * A flow is ρ̇ = −K(ρ)ξ(ρ); the WFR operator is α·K_W + β·K_FR.
 */
import type { Graph } from './graph.js';

/** Logarithmic mean θ(a, b) = (a − b)/(log a − log b), θ(a, a) = a, θ(0, b) = 0. */
export function logMean(a: number, b: number): number {
  if (a <= 0 || b <= 0) return 0;
  if (a === b) return a;
  const u = (a - b) / b;
  return Math.abs(u) < 1e-300 ? a : (a - b) / Math.log1p(u);
}

/** ∂θ/∂a at (a, b) (a, b > 0): (log(a/b) − (a − b)/a)/log²(a/b); ½ − u/6 + O(u²) for u = a/b − 1 → 0. */
export function logMeanDa(a: number, b: number): number {
  const u = (a - b) / b;
  if (Math.abs(u) < 1e-4) return 0.5 - u / 6 + (u * u) / 12;
  const L = Math.log1p(u);
  return (L - (a - b) / a) / (L * L);
}

/** Weights of the operator: α (Wasserstein part) and β (Fisher–Rao part). */
export interface OnsagerWeights {
  alpha: number;
  beta: number;
}


/** out = K(ρ)ξ [N] for the weighted sum α·K_W + β·K_FR. */
export function onsagerApply(g: Graph, w: OnsagerWeights, rho: Float64Array, xi: Float64Array, out = new Float64Array(g.n)): Float64Array {
  out.fill(0);
  if (w.alpha !== 0) {
    for (let e = 0; e < g.c.length; e++) {
      const x = g.ex[e]!;
      const y = g.ey[e]!;
      const f = w.alpha * (xi[x]! - xi[y]!) * logMean(rho[x]! / g.pi[x]!, rho[y]! / g.pi[y]!) * g.c[e]!;
      out[x]! += f;
      out[y]! -= f;
    }
  }
  if (w.beta !== 0) {
    let m = 0;
    for (let x = 0; x < g.n; x++) m += rho[x]! * xi[x]!;
    for (let x = 0; x < g.n; x++) out[x]! += w.beta * rho[x]! * (xi[x]! - m);
  }
  return out;
}

/**
 * Jacobian ∂(K(ρ)ξ(ρ))/∂ρ [N, N] given ξ and its Jacobian Jξ = ∂ξ/∂ρ [N, N] (for Newton).
 */
export function onsagerJacobian(g: Graph, w: OnsagerWeights, rho: Float64Array, xi: Float64Array, Jxi: Float64Array): Float64Array {
  const n = g.n;
  const J = new Float64Array(n * n);
  if (w.alpha !== 0) {
    for (let e = 0; e < g.c.length; e++) {
      const x = g.ex[e]!;
      const y = g.ey[e]!;
      const a = rho[x]! / g.pi[x]!;
      const b = rho[y]! / g.pi[y]!;
      const c = w.alpha * g.c[e]!;
      const th = logMean(a, b);
      const dxi = xi[x]! - xi[y]!;
      for (let z = 0; z < n; z++) {
        const v = c * th * (Jxi[x * n + z]! - Jxi[y * n + z]!);
        J[x * n + z]! += v;
        J[y * n + z]! -= v;
      }
      const da = (c * dxi * logMeanDa(a, b)) / g.pi[x]!;
      const db = (c * dxi * logMeanDa(b, a)) / g.pi[y]!;
      J[x * n + x]! += da;
      J[y * n + x]! -= da;
      J[x * n + y]! += db;
      J[y * n + y]! -= db;
    }
  }
  if (w.beta !== 0) {
    let m = 0;
    for (let x = 0; x < n; x++) m += rho[x]! * xi[x]!;
    // ∂m/∂ρ_z = ξ_z + Σ_w ρ_w Jξ[w, z]
    const dm = Float64Array.from(xi);
    for (let v = 0; v < n; v++) for (let z = 0; z < n; z++) dm[z]! += rho[v]! * Jxi[v * n + z]!;
    for (let x = 0; x < n; x++) {
      J[x * n + x]! += w.beta * (xi[x]! - m);
      for (let z = 0; z < n; z++) J[x * n + z]! += w.beta * rho[x]! * (Jxi[x * n + z]! - dm[z]!);
    }
  }
  return J;
}
