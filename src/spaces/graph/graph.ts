/**
 * Finite graphs carrying a reversible Markov chain: vertices 0..N−1, undirected edges with
 * weights, and a stationary law π. Rates are Q(x, y) = w_xy·√(π(y)/π(x)) for each edge, so
 * detailed balance π(x)Q(x, y) = π(y)Q(y, x) = w_xy·√(π(x)π(y)) holds by construction; with
 * uniform π the rates are the edge weights themselves. The symmetric edge conductance
 * c_xy = π(x)Q(x, y) is what the Onsager operators use.
 */
import { InputError } from '../../core/errors.js';

/** A graph with a reversible chain; edges stored once (x < y), as flat arrays. */
export interface Graph {
  /** Number of vertices N. */
  readonly n: number;
  /** Edge endpoints [E] (ex[e] < ey[e]). */
  readonly ex: Int32Array;
  readonly ey: Int32Array;
  /** Conductances c_e = π(x)Q(x, y) = π(y)Q(y, x) [E]. */
  readonly c: Float64Array;
  /** Stationary law π [N] (positive, sums to 1). */
  readonly pi: Float64Array;
  /** A name for reports (e.g. "hypercube(4)"). */
  readonly name: string;
}

/** Options of `graphFromEdges`. */
export interface GraphInput {
  /** Number of vertices N ≥ 2. */
  n: number;
  /** Undirected edges [x, y] or [x, y, weight] (weight > 0, default 1); duplicates are summed. */
  edges: ReadonlyArray<readonly [number, number] | readonly [number, number, number]>;
  /** Stationary law π [N] (positive; normalised here). Default uniform. */
  pi?: ArrayLike<number>;
  name?: string;
}

/** Builds a graph from an edge list; every error names the field. The graph must be connected. */
export function graphFromEdges(g: GraphInput, field = 'graph'): Graph {
  if (g == null || typeof g !== 'object') throw new InputError(field, g, '{n, edges, pi?}');
  const n = g.n;
  if (!Number.isInteger(n) || n < 2) throw new InputError(`${field}.n`, n, 'an integer >= 2 (number of vertices)');
  if (n > 20000) throw new InputError(`${field}.n`, n, 'at most 20000 vertices (dense linear algebra is used for implicit steps)');
  if (!Array.isArray(g.edges) || g.edges.length === 0) throw new InputError(`${field}.edges`, g.edges, 'a non-empty list of [x, y] or [x, y, weight]');
  const pi = new Float64Array(n);
  if (g.pi === undefined) pi.fill(1 / n);
  else {
    if (g.pi.length !== n) throw new InputError(`${field}.pi.length`, g.pi.length, `${n} (one entry per vertex)`);
    let s = 0;
    for (let x = 0; x < n; x++) {
      const v = g.pi[x]!;
      if (!(Number.isFinite(v) && v > 0)) throw new InputError(`${field}.pi[${x}]`, v, 'a finite number > 0');
      s += v;
    }
    for (let x = 0; x < n; x++) pi[x] = g.pi[x]! / s;
  }
  const map = new Map<number, number>();
  g.edges.forEach((e, i) => {
    if (!Array.isArray(e) || e.length < 2 || e.length > 3) throw new InputError(`${field}.edges[${i}]`, e, '[x, y] or [x, y, weight]');
    const [a, b] = e;
    const w = e.length === 3 ? e[2]! : 1;
    for (const [k, v] of [['0', a], ['1', b]] as const)
      if (!Number.isInteger(v) || v! < 0 || v! >= n) throw new InputError(`${field}.edges[${i}][${k}]`, v, `a vertex index in 0..${n - 1}`);
    if (a === b) throw new InputError(`${field}.edges[${i}]`, e, 'two different vertices (no self-loops)');
    if (!(Number.isFinite(w) && w > 0)) throw new InputError(`${field}.edges[${i}][2]`, w, 'a finite weight > 0');
    const x = Math.min(a!, b!);
    const y = Math.max(a!, b!);
    const key = x * n + y;
    map.set(key, (map.get(key) ?? 0) + w);
  });
  const E = map.size;
  const ex = new Int32Array(E);
  const ey = new Int32Array(E);
  const c = new Float64Array(E);
  let e = 0;
  for (const [key, w] of [...map.entries()].sort((p, q) => p[0] - q[0])) {
    const x = Math.floor(key / n);
    const y = key % n;
    ex[e] = x;
    ey[e] = y;
    c[e] = w * Math.sqrt(pi[x]! * pi[y]!);
    e++;
  }
  // connectivity (union–find)
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  for (let k = 0; k < E; k++) parent[find(ex[k]!)] = find(ey[k]!);
  const root = find(0);
  for (let x = 1; x < n; x++) if (find(x) !== root) throw new InputError(`${field}.edges`, `a graph where vertex ${x} is not connected to vertex 0`, 'a connected graph');
  return { n, ex, ey, c, pi, name: g.name ?? `graph(${n})` };
}

/** Path 0 — 1 — … — (N−1) with unit rates and uniform π. */
export function pathGraph(n: number): Graph {
  return graphFromEdges({ n, edges: Array.from({ length: n - 1 }, (_, i) => [i, i + 1] as const), name: `path(${n})` }, 'path');
}

/** Cycle of N ≥ 3 vertices with unit rates and uniform π. */
export function cycleGraph(n: number): Graph {
  if (!Number.isInteger(n) || n < 3) throw new InputError('cycle.n', n, 'an integer >= 3');
  return graphFromEdges({ n, edges: Array.from({ length: n }, (_, i) => [i, (i + 1) % n] as const), name: `cycle(${n})` }, 'cycle');
}

/** a×b grid (vertex i·b + j), unit rates between 4-neighbours, uniform π. */
export function gridGraph(a: number, b: number): Graph {
  if (!Number.isInteger(a) || a < 1 || !Number.isInteger(b) || b < 1 || a * b < 2) throw new InputError('grid', [a, b], 'two integers >= 1 with at least 2 vertices');
  const edges: [number, number][] = [];
  for (let i = 0; i < a; i++)
    for (let j = 0; j < b; j++) {
      if (j + 1 < b) edges.push([i * b + j, i * b + j + 1]);
      if (i + 1 < a) edges.push([i * b + j, (i + 1) * b + j]);
    }
  return graphFromEdges({ n: a * b, edges, name: `grid(${a}×${b})` }, 'grid');
}

/**
 * Discrete hypercube {0,1}^k (2^k vertices, neighbours differ in one bit) with rates 1/k and
 * uniform π — the normalisation under which its entropic Ricci curvature is κ = 2/k
 * (Erbar & Maas, "Ricci curvature of finite Markov chains via convexity of the entropy", ARMA 2012).
 */
export function hypercubeGraph(k: number): Graph {
  if (!Number.isInteger(k) || k < 1 || k > 14) throw new InputError('hypercube.k', k, 'an integer in 1..14');
  const n = 1 << k;
  const edges: [number, number, number][] = [];
  for (let x = 0; x < n; x++) for (let b = 0; b < k; b++) if (!(x & (1 << b))) edges.push([x, x | (1 << b), 1 / k]);
  return graphFromEdges({ n, edges, name: `hypercube(${k})` }, 'hypercube');
}

/** Complete graph on N vertices with rates 1/N and uniform π. */
export function completeGraph(n: number): Graph {
  if (!Number.isInteger(n) || n < 2) throw new InputError('complete.n', n, 'an integer >= 2');
  const edges: [number, number, number][] = [];
  for (let x = 0; x < n; x++) for (let y = x + 1; y < n; y++) edges.push([x, y, 1 / n]);
  return graphFromEdges({ n, edges, name: `complete(${n})` }, 'complete');
}

/** The generator matrix Q [N, N] (row-major; off-diagonal rates, rows summing to 0). */
export function generatorMatrix(g: Graph): Float64Array {
  const { n } = g;
  const Q = new Float64Array(n * n);
  for (let e = 0; e < g.c.length; e++) {
    const x = g.ex[e]!;
    const y = g.ey[e]!;
    Q[x * n + y]! += g.c[e]! / g.pi[x]!;
    Q[y * n + x]! += g.c[e]! / g.pi[y]!;
  }
  for (let x = 0; x < n; x++) {
    let s = 0;
    for (let y = 0; y < n; y++) if (y !== x) s += Q[x * n + y]!;
    Q[x * n + x] = -s;
  }
  return Q;
}
