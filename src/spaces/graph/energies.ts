/**
 * Energies of a probability vector ρ on the vertices of a graph, each with its first
 * variation ξ = δF/δρ and the Jacobian ∂ξ/∂ρ [N, N] (dense; for implicit steps).
 */
import { InputError } from '../../core/errors.js';
import { symFunction } from '../gaussian/matrix.js';
import type { Graph } from './graph.js';

/** An energy on vertex measures. */
export interface GraphEnergy {
  readonly name: string;
  /** F(ρ). */
  value(rho: Float64Array): number;
  /** ξ(x) = ∂F/∂ρ(x) [N]. */
  firstVariation(rho: Float64Array): Float64Array;
  /** ∂ξ(x)/∂ρ(z) [N, N] row-major. */
  jacobian(rho: Float64Array): Float64Array;
}

function entropyTerms(g: Graph, rho: Float64Array, T: number): { F: number; xi: Float64Array; diag: Float64Array } {
  const n = g.n;
  let F = 0;
  const xi = new Float64Array(n);
  const diag = new Float64Array(n);
  for (let x = 0; x < n; x++) {
    const r = rho[x]!;
    if (r > 0) F += T * r * Math.log(r / g.pi[x]!);
    xi[x] = T * (Math.log(r / g.pi[x]!) + 1);
    diag[x] = T / r;
  }
  return { F, xi, diag };
}

/**
 * Relative entropy H(ρ|π) = Σₓ ρ(x) log(ρ(x)/π(x)) (0·log 0 = 0), ξ = log(ρ/π) + 1,
 * ∂ξ/∂ρ = diag(1/ρ). Its Wasserstein flow on the graph is the heat flow of the chain.
 */
export function relativeEntropy(g: Graph): GraphEnergy {
  return {
    name: 'H(ρ|π)',
    value: (rho) => entropyTerms(g, rho, 1).F,
    firstVariation: (rho) => entropyTerms(g, rho, 1).xi,
    jacobian(rho) {
      const n = g.n;
      const J = new Float64Array(n * n);
      const { diag } = entropyTerms(g, rho, 1);
      for (let x = 0; x < n; x++) J[x * n + x] = diag[x]!;
      return J;
    },
  };
}

/**
 * Discrete McKean–Vlasov free energy F(ρ) = Σ V(x)ρ(x) + ½ Σₓᵧ W(x,y)ρ(x)ρ(y) + T·H(ρ|π),
 * ξ = V + Wρ + T(log(ρ/π) + 1), ∂ξ/∂ρ = W + T·diag(1/ρ). W must be symmetric; T ≥ 0.
 */
export function graphFreeEnergy(g: Graph, o: { V?: ArrayLike<number>; W?: ArrayLike<number>; temperature?: number }): GraphEnergy {
  const n = g.n;
  const V = new Float64Array(n);
  if (o.V !== undefined) {
    if (o.V.length !== n) throw new InputError('energy.V.length', o.V.length, `${n} (one value per vertex)`);
    for (let x = 0; x < n; x++) {
      if (!Number.isFinite(o.V[x]!)) throw new InputError(`energy.V[${x}]`, o.V[x], 'a finite number');
      V[x] = o.V[x]!;
    }
  }
  let W: Float64Array | null = null;
  if (o.W !== undefined) {
    if (o.W.length !== n * n) throw new InputError('energy.W.length', o.W.length, `${n * n} (an N×N matrix, row-major)`);
    W = Float64Array.from(o.W);
    for (let x = 0; x < n; x++)
      for (let y = 0; y < n; y++) {
        if (!Number.isFinite(W[x * n + y]!)) throw new InputError(`energy.W[${x}][${y}]`, W[x * n + y], 'a finite number');
        if (Math.abs(W[x * n + y]! - W[y * n + x]!) > 1e-12 * (1 + Math.abs(W[x * n + y]!))) throw new InputError(`energy.W[${x}][${y}]`, W[x * n + y], `W[${y}][${x}] (W must be symmetric)`);
      }
  }
  const T = o.temperature ?? 1;
  if (!(Number.isFinite(T) && T >= 0)) throw new InputError('energy.temperature', T, 'a finite number >= 0');
  const Wrho = (rho: Float64Array) => {
    const out = new Float64Array(n);
    if (W) for (let x = 0; x < n; x++) for (let y = 0; y < n; y++) out[x]! += W[x * n + y]! * rho[y]!;
    return out;
  };
  return {
    name: 'free energy',
    value(rho) {
      const wr = Wrho(rho);
      let F = T > 0 ? entropyTerms(g, rho, T).F : 0;
      for (let x = 0; x < n; x++) F += V[x]! * rho[x]! + 0.5 * wr[x]! * rho[x]!;
      return F;
    },
    firstVariation(rho) {
      const wr = Wrho(rho);
      const xi = T > 0 ? entropyTerms(g, rho, T).xi : new Float64Array(n);
      for (let x = 0; x < n; x++) xi[x]! += V[x]! + wr[x]!;
      return xi;
    },
    jacobian(rho) {
      const J = W ? Float64Array.from(W) : new Float64Array(n * n);
      if (T > 0) {
        const { diag } = entropyTerms(g, rho, T);
        for (let x = 0; x < n; x++) J[x * n + x]! += diag[x]!;
      }
      return J;
    },
  };
}

/** The weighted graph Laplacian L = D − C [N, N] of the conductances (symmetric, PSD). */
export function graphLaplacian(g: Graph): Float64Array {
  const n = g.n;
  const L = new Float64Array(n * n);
  for (let e = 0; e < g.c.length; e++) {
    const x = g.ex[e]!;
    const y = g.ey[e]!;
    const c = g.c[e]!;
    L[x * n + y]! -= c;
    L[y * n + x]! -= c;
    L[x * n + x]! += c;
    L[y * n + y]! += c;
  }
  return L;
}

/** Heat kernel on vertices K = exp(−s·L) [N, N] (symmetric positive definite for s > 0). */
export function heatKernel(g: Graph, s: number): Float64Array {
  if (!(Number.isFinite(s) && s > 0)) throw new InputError('kernel.time', s, 'a finite number > 0');
  return symFunction(graphLaplacian(g), g.n, (l) => Math.exp(-s * l));
}

/**
 * ½MMD² to a target vector on vertices: F = ½(ρ − ν)ᵀK(ρ − ν) with a positive definite
 * kernel matrix K [N, N] (default: the heat kernel exp(−L) of the graph); ξ = K(ρ − ν), ∂ξ/∂ρ = K.
 */
export function graphMMD(g: Graph, o: { target: ArrayLike<number>; K?: Float64Array }): GraphEnergy {
  const n = g.n;
  if (o.target == null || o.target.length !== n) throw new InputError('energy.target.length', o.target?.length, `${n} (a probability vector on the vertices)`);
  const nu = Float64Array.from(o.target);
  let s = 0;
  for (let x = 0; x < n; x++) {
    if (!(Number.isFinite(nu[x]!) && nu[x]! >= 0)) throw new InputError(`energy.target[${x}]`, nu[x], 'a finite number >= 0');
    s += nu[x]!;
  }
  if (Math.abs(s - 1) > 1e-9) throw new InputError('energy.target', `a vector summing to ${s}`, 'a probability vector (summing to 1)');
  const K = o.K ?? heatKernel(g, 1);
  if (K.length !== n * n) throw new InputError('energy.K.length', K.length, `${n * n}`);
  const xiOf = (rho: Float64Array) => {
    const out = new Float64Array(n);
    for (let x = 0; x < n; x++) for (let y = 0; y < n; y++) out[x]! += K[x * n + y]! * (rho[y]! - nu[y]!);
    return out;
  };
  return {
    name: '½MMD²',
    value(rho) {
      const xi = xiOf(rho);
      let F = 0;
      for (let x = 0; x < n; x++) F += 0.5 * xi[x]! * (rho[x]! - nu[x]!);
      return F;
    },
    firstVariation: xiOf,
    jacobian: () => Float64Array.from(K),
  };
}
