/**
 * Run specs for the Gaussian and graph spaces (`"space": "gaussian"` / `"space": "graph"`),
 * validated with zod like the particle specs, and their builders. A spec is the
 * (space, energy, geometry, scheme) triple plus the initial state and run settings.
 */
import { z } from 'zod';
import { InputError } from '../core/errors.js';
import { type GaussianFlow, type GaussianFlowConfig, type GaussianState, gaussianFlow } from '../spaces/gaussian/flow.js';
import { forwardKLGaussian, gaussianVI, naturalGradientVI } from '../spaces/gaussian/presets.js';
import { graphFreeEnergy, graphMMD, heatKernel, relativeEntropy } from '../spaces/graph/energies.js';
import { type GraphFlow, graphFlow } from '../spaces/graph/flow.js';
import { completeGraph, cycleGraph, type Graph, graphFromEdges, gridGraph, hypercubeGraph, pathGraph } from '../spaces/graph/graph.js';
import { makeTarget } from '../targets/makeTarget.js';

const positive = (what: string) => z.number().positive().finite().describe(what);
const common = {
  steps: z.number().int().nonnegative().optional().describe('number of steps (default 200)'),
  seed: z.number().int().nonnegative().lt(2 ** 32).optional().describe('seed (Monte Carlo expectations; default 0)'),
  every: z.number().int().positive().optional().describe('record every this many steps (default: about 100 records)'),
  out: z.string().min(1).optional().describe('output folder (default "out/")'),
};

/** The Gaussian-VI presets a `"space": "gaussian"` spec may name as `algorithm`. */
export const GAUSSIAN_PRESETS = ['gaussian-vi', 'natural-gradient-vi', 'forward-kl-gaussian'] as const;

/** Zod schema of a `"space": "gaussian"` run spec. */
export const gaussianRunSpec = z.strictObject({
  space: z.literal('gaussian'),
  algorithm: z.enum([...GAUSSIAN_PRESETS, 'custom']).optional().describe('a Gaussian-VI preset, or "custom" (give energy + geometry); default "gaussian-vi"'),
  target: z.unknown().describe('the target π, as for particle runs ({"name": "gaussian", …})'),
  energy: z.enum(['kl', 'forward-kl']).optional().describe('KL(µ‖π) (default) or KL(π‖µ)'),
  geometry: z.enum(['bures-wasserstein', 'fisher-rao']).optional(),
  scheme: z.enum(['explicit', 'proximal']).optional(),
  tau: positive('step τ').optional(),
  expectations: z
    .union([z.strictObject({ kind: z.literal('cubature') }), z.strictObject({ kind: z.literal('monte-carlo'), samples: z.number().int().positive() })])
    .optional()
    .describe('how E_µ[·] is computed (default cubature)'),
  targetSamples: z.number().int().positive().optional().describe('forward-kl: samples of π drawn once (default 2000)'),
  init: z.strictObject({ mean: z.array(z.number()), cov: z.union([z.number().positive(), z.array(z.number()), z.array(z.array(z.number()))]).optional() }),
  ...common,
});
/** A parsed `"space": "gaussian"` run spec. */
export type GaussianRunSpec = z.infer<typeof gaussianRunSpec>;

const graphSpec = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('path'), n: z.number().int().min(2) }),
  z.strictObject({ kind: z.literal('cycle'), n: z.number().int().min(3) }),
  z.strictObject({ kind: z.literal('grid'), rows: z.number().int().min(1), cols: z.number().int().min(1) }),
  z.strictObject({ kind: z.literal('hypercube'), k: z.number().int().min(1).max(14) }),
  z.strictObject({ kind: z.literal('complete'), n: z.number().int().min(2) }),
  z.strictObject({
    kind: z.literal('edges'),
    n: z.number().int().min(2),
    edges: z.array(z.union([z.tuple([z.number().int(), z.number().int()]), z.tuple([z.number().int(), z.number().int(), z.number()])])),
    pi: z.array(z.number()).optional(),
  }),
]);

const graphEnergySpec = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('entropy') }),
  z.strictObject({
    kind: z.literal('free-energy'),
    V: z.array(z.number()).optional(),
    W: z.array(z.array(z.number())).optional(),
    temperature: z.number().nonnegative().optional(),
  }),
  z.strictObject({ kind: z.literal('mmd'), target: z.array(z.number()), kernelTime: positive('heat-kernel time s of K = exp(−sL)').optional() }),
]);

/** Zod schema of a `"space": "graph"` run spec. */
export const graphRunSpec = z.strictObject({
  space: z.literal('graph'),
  graph: graphSpec.describe('the graph and its chain'),
  energy: graphEnergySpec.optional().describe('default relative entropy H(ρ|π)'),
  geometry: z.enum(['wasserstein', 'fisher-rao', 'wfr']).optional(),
  alpha: z.number().nonnegative().optional(),
  beta: z.number().nonnegative().optional(),
  scheme: z.enum(['explicit', 'implicit']).optional(),
  tau: positive('step τ').optional(),
  init: z.union([z.strictObject({ rho: z.array(z.number()) }), z.strictObject({ dirac: z.number().int().nonnegative() })]).describe('initial masses, or a Dirac mass at a vertex (implicit scheme)'),
  distance: z.boolean().optional().describe('also record the transport distance W(ρ_t, π) (slower)'),
  ...common,
});
/** A parsed `"space": "graph"` run spec. */
export type GraphRunSpec = z.infer<typeof graphRunSpec>;

function parse<T>(schema: z.ZodType<T>, raw: unknown): T {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = issue.path.join('.');
  let value: unknown = raw;
  for (const k of issue.path) value = value != null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined;
  throw new InputError(path || 'spec', value, issue.message);
}

/** Builds the flow and initial state of a `"space": "gaussian"` spec. */
export function buildGaussianRun(raw: unknown): { spec: GaussianRunSpec; flow: GaussianFlow; init: GaussianState } {
  const spec = parse(gaussianRunSpec, raw);
  const target = makeTarget(spec.target);
  const algorithm = spec.algorithm ?? (spec.energy || spec.geometry || spec.scheme ? 'custom' : 'gaussian-vi');
  const ex = spec.expectations ? { expectations: spec.expectations } : {};
  let cfg: GaussianFlowConfig;
  if (algorithm === 'custom') {
    cfg = { target, ...(spec.energy ? { energy: spec.energy } : {}), ...(spec.geometry ? { geometry: spec.geometry } : {}), ...(spec.scheme ? { scheme: spec.scheme } : {}), ...(spec.tau ? { tau: spec.tau } : {}), ...ex };
  } else {
    for (const k of ['energy', 'geometry'] as const) if (spec[k] !== undefined) throw new InputError(k, spec[k], `nothing (the preset "${algorithm}" fixes it; use "algorithm": "custom")`);
    if (algorithm === 'gaussian-vi') cfg = gaussianVI({ target, ...(spec.tau ? { tau: spec.tau } : {}), ...(spec.scheme ? { scheme: spec.scheme } : {}), ...ex });
    else {
      if (spec.scheme !== undefined && spec.scheme !== 'explicit') throw new InputError('scheme', spec.scheme, `"explicit" (the only scheme of "${algorithm}")`);
      cfg = algorithm === 'natural-gradient-vi' ? naturalGradientVI({ target, ...(spec.tau ? { tau: spec.tau } : {}), ...ex }) : forwardKLGaussian({ target, ...(spec.tau ? { tau: spec.tau } : {}) });
    }
  }
  if (spec.targetSamples !== undefined) cfg = { ...cfg, sampleSize: spec.targetSamples, sampleSeed: spec.seed ?? 0 };
  const f = gaussianFlow(cfg);
  const d = f.d;
  const cov = spec.init.cov ?? 1;
  let S: number[];
  if (typeof cov === 'number') S = Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? cov : 0));
  else if (cov.length === d && typeof cov[0] === 'number') S = Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? (cov as number[])[i / (d + 1)]! : 0));
  else if (cov.length === d * d && typeof cov[0] === 'number') S = cov as number[];
  else if (Array.isArray(cov[0])) S = (cov as number[][]).flat();
  else throw new InputError('init.cov', cov, `a number, ${d} variances, or a ${d}×${d} matrix`);
  return { spec, flow: f, init: f.init(spec.init.mean, S) };
}

function buildGraph(s: GraphRunSpec['graph']): Graph {
  switch (s.kind) {
    case 'path':
      return pathGraph(s.n);
    case 'cycle':
      return cycleGraph(s.n);
    case 'grid':
      return gridGraph(s.rows, s.cols);
    case 'hypercube':
      return hypercubeGraph(s.k);
    case 'complete':
      return completeGraph(s.n);
    case 'edges':
      return graphFromEdges({ n: s.n, edges: s.edges, ...(s.pi ? { pi: s.pi } : {}) }, 'graph');
  }
}

/** Builds the flow and initial masses of a `"space": "graph"` spec. */
export function buildGraphRun(raw: unknown): { spec: GraphRunSpec; flow: GraphFlow; init: Float64Array } {
  const spec = parse(graphRunSpec, raw);
  const g = buildGraph(spec.graph);
  const e = spec.energy ?? { kind: 'entropy' as const };
  const energy =
    e.kind === 'entropy'
      ? relativeEntropy(g)
      : e.kind === 'free-energy'
        ? graphFreeEnergy(g, { ...(e.V ? { V: e.V } : {}), ...(e.W ? { W: e.W.flat() } : {}), ...(e.temperature !== undefined ? { temperature: e.temperature } : {}) })
        : graphMMD(g, { target: e.target, K: heatKernel(g, e.kernelTime ?? 1) });
  if (e.kind === 'free-energy' && e.W && (e.W.length !== g.n || e.W.some((r) => r.length !== g.n))) throw new InputError('energy.W', e.W, `a ${g.n}×${g.n} matrix`);
  const f = graphFlow({
    graph: g,
    energy,
    ...(spec.geometry ? { geometry: spec.geometry } : {}),
    ...(spec.alpha !== undefined ? { alpha: spec.alpha } : {}),
    ...(spec.beta !== undefined ? { beta: spec.beta } : {}),
    ...(spec.scheme ? { scheme: spec.scheme } : {}),
    tau: spec.tau ?? 0.05,
  });
  let rho: number[];
  const init = spec.init;
  if ('dirac' in init) {
    const v = init.dirac;
    if (v >= g.n) throw new InputError('init.dirac', v, `a vertex in 0..${g.n - 1}`);
    rho = Array.from({ length: g.n }, (_, x) => (x === v ? 1 : 0));
  } else rho = init.rho;
  return { spec, flow: f, init: f.init(rho) };
}
