import { z } from 'zod';
import { InputError, describe } from '../core/errors.js';
import { PRESET_NAMES } from '../presets/index.js';
import { normaliseSpecWords } from './alias.js';

/**
 * The run spec: the JSON given to `measureflow run` and the options object of `run()` are
 * the same thing, validated here in one place. Every field is documented in the README
 * (generated from this schema's descriptions by `specJsonSchema()`).
 */

const positive = (what: string) => z.number().finite().positive().describe(what);

/** zod schema of the spec's `kernel`: `{type, sigma: number | "median", beta?}`. */
export const kernelSpec = z
  .strictObject({
    kind: z.enum(['gaussian', 'imq', 'laplace', 'matern32', 'energy']).describe('kernel family'),
    sigma: z
      .union([z.number().finite().positive(), z.literal('median')], { error: 'expected a bandwidth σ > 0 or "median"' })
      .optional()
      .describe('bandwidth σ > 0, or "median" (median heuristic on the initial particles and target samples; the value used is reported)'),
    beta: positive('exponent β (imq: (1 + r²/σ²)^-β, default 0.5; energy: -r^β with β in (0, 2), default 1)').optional(),
  })
  .describe('kernel k(x, y)');

const fileSource = z.strictObject({
  samples: z.string().min(1).describe('path of a .csv/.npy/.json file of samples [m, d] (relative to the spec file)'),
  weights: z.string().min(1).optional().describe('optional file of target weights [m]'),
});
const namedDist = z
  .looseObject({ name: z.string().describe('a named distribution (see targets)') })
  .describe('a named distribution with its parameters, e.g. {"name": "gaussian", "mean": [0, 0], "cov": [[1, 0.5], [0.5, 2]]}');

/** zod schema of the spec's `target`: a samples file (with optional weights file) or a named distribution. */
export const targetSpec = z
  .union([
    fileSource,
    namedDist.extend({
      m: z.number().int().positive().optional().describe('number of target samples drawn for sample-based energies (default: n of init)'),
      resample: z.boolean().optional().describe('draw fresh target samples every step (IFT authors’ code); default false'),
    }),
  ])
  .describe('target π: a samples file, or a named distribution');

/** zod schema of the spec's `init`: a particles file (with optional weights file) or a named distribution with `n`. */
export const initSpec = z
  .union([
    z.strictObject({
      particles: z.string().min(1).describe('path of a .csv/.npy/.json file of initial positions [n, d]'),
      weights: z.string().min(1).optional().describe('optional file of initial weights [n] (default uniform)'),
    }),
    namedDist.extend({ n: z.number().int().positive().describe('number of particles drawn') }),
  ])
  .describe('initial measure µ₀');

const noiseSpec = z.strictObject({
  level: positive('noise level β: ∇ξ is evaluated at xᵢ + β·uᵢ, uᵢ ~ N(0, I)'),
  until: z.number().int().nonnegative().describe('noise is switched off from this step on'),
});

const potentialSpec = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('target').describe('V = −log π of the target') }),
  z.strictObject({ kind: z.literal('quadratic'), scale: positive('V(x) = scale·|x|²/2').optional() }),
  z.strictObject({ kind: z.literal('double-well'), scale: positive('V(x) = scale·Σₐ(xₐ² − 1)²').optional() }),
]);

const interactionSpec = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('quadratic'), scale: z.number().finite().describe('W(z) = scale·|z|²/2') }),
  z.strictObject({ kind: z.literal('kernel'), kernel: kernelSpec, scale: z.number().finite().describe('W(x − y) = scale·k(x, y)') }),
]);

const internalSpec = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('entropy'),
    temperature: positive('T in U = T·ρ log ρ').optional(),
    realisation: z.enum(['noise', 'blob']).optional().describe('Brownian noise (default) or the blob/KDE method'),
    bandwidth: positive('KDE bandwidth h').optional(),
  }),
  z.strictObject({
    kind: z.literal('porous'),
    m: z.number().finite().gt(1).describe('exponent m > 1 in U = T·ρᵐ/(m − 1)'),
    temperature: positive('T').optional(),
    bandwidth: positive('KDE bandwidth h (blob method)'),
  }),
]);

const energySpec = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('mmd'), force: z.enum(['witness', 'nadaraya-watson']).optional() }),
  z.strictObject({ kind: z.literal('inclusive-kl') }),
  z.strictObject({ kind: z.literal('kl'), estimator: z.enum(['langevin', 'blob']).optional(), bandwidth: positive('KDE bandwidth').optional() }),
  z.strictObject({ kind: z.literal('ksd') }),
  z.strictObject({
    kind: z.literal('phi-divergence'),
    p: z.number().positive().finite().describe('power p of φ_p (2: ½χ², 0.5: twice the squared Hellinger distance; not 1, which is KL)'),
    bandwidth: positive('KDE bandwidth of the blob density estimate').optional(),
  }),
  z.strictObject({
    kind: z.literal('mckean-vlasov'),
    potential: potentialSpec.optional(),
    interaction: interactionSpec.optional(),
    internal: internalSpec.optional(),
  }),
]);

const transportSpec = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('wasserstein'),
    scheme: z.enum(['explicit', 'implicit']).optional(),
    metric: z.enum(['wasserstein', 'euclidean']).optional(),
    noise: noiseSpec.optional(),
    mala: z.boolean().optional(),
  }),
  z.strictObject({ kind: z.literal('stein'), kernel: kernelSpec.optional() }),
]);
const reactionSpec = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fisher-rao') }),
  z.strictObject({ kind: z.literal('hellinger') }),
  z.strictObject({ kind: z.literal('mmd'), spherical: z.boolean().optional(), variant: z.enum(['exact', 'pgd', 'stein']).optional() }),
]);

/** Zod schema of the `sums` option of a run spec: a method name or `{method, directions?, sampling?, features?, seed?}` (see `Sums`). */
export const sumsSpec = z
  .union([
    z.enum(['exact', 'sliced', 'features']),
    z.strictObject({
      method: z.enum(['exact', 'sliced', 'features']).describe('exact O(n·m); sliced (energy kernel −|x−y| only); features (random Fourier features: gaussian, laplace, matern32, imq)'),
      directions: z.number().int().positive().optional().describe('sliced: number of directions P (default 100)'),
      sampling: z.enum(['random', 'orthogonal', 'qmc']).optional().describe('sliced: how the directions are drawn (default orthogonal)'),
      features: z.number().int().positive().optional().describe('features: number of random frequencies D (default 1000)'),
      seed: z.number().int().nonnegative().lt(2 ** 32).optional().describe('seed of the directions / frequencies (default 0; step t uses stream t + 1)'),
    }),
  ])
  .describe('how the kernel sums of the ½MMD² energy and the recorded MMD are evaluated');

/** Quantities `record.metrics` may ask for: energy F, MMD, KSD and W₂ (distances, not squared), ESS (a count), mass Σwᵢ. */
export const METRIC_NAMES = ['energy', 'mmd', 'ksd', 'w2', 'ess', 'mass'] as const;

/** zod schema of a whole run spec (the JSON file of `measureflow run`); see `specJsonSchema` for its JSON Schema. */
export const runSpec = z
  .strictObject({
    algorithm: z.enum([...PRESET_NAMES, 'custom']).describe('a preset (measureflow presets), or "custom" (give energy + transport/reaction)'),
    space: z.enum(['P', 'M+']).optional().describe('probability measures (default) or non-negative measures'),
    kernel: kernelSpec.optional().describe('kernel of the energy / geometry (default gaussian σ = 1)'),
    target: targetSpec,
    init: initSpec,
    tau: positive('transport step τ: xᵢ ← xᵢ − τ∇ξ(xᵢ) (default 0.1)').optional(),
    eta: positive('reaction step η of the weight update (default 0.1)').optional(),
    steps: z.number().int().nonnegative().optional().describe('number of steps (default 100)'),
    seed: z.number().int().nonnegative().lt(2 ** 32).optional().describe('seed of the run (default 0)'),
    out: z.string().min(1).optional().describe('output folder (default "out/")'),
    alpha: positive('transport coefficient α of WFR/IFT').optional(),
    beta: positive('reaction coefficient β of WFR/IFT').optional(),
    variant: z.enum(['exact', 'pgd', 'stein']).optional().describe('IFT MMD step: exact QP (default; score-ift: pgd), one projected-gradient step, or (score-ift) the exact step in the Stein kernel geometry'),
    noise: noiseSpec.optional().describe('noise injection of MMD flow / IFT'),
    mala: z.boolean().optional().describe('langevin: Metropolis-adjust (MALA)'),
    bandwidth: positive('KDE bandwidth h (birth-death, blob KL)').optional(),
    form: z.enum(['samples', 'stein']).optional().describe('inclusive-kl-mirror: MMD witness of target samples, or Stein kernel with the score'),
    potential: potentialSpec.optional().describe('mckean-vlasov: external potential V'),
    interaction: interactionSpec.optional().describe('mckean-vlasov: interaction W'),
    internal: internalSpec.optional().describe('mckean-vlasov: internal energy U (entropy or porous medium)'),
    energy: energySpec.optional().describe('custom: the energy'),
    transport: transportSpec.optional().describe('custom: the transport part of the geometry'),
    reaction: reactionSpec.optional().describe('custom: the reaction part of the geometry'),
    sums: sumsSpec.optional().describe('kernel sums: exact (default), sliced or features, with directions/features and seed'),
    rejuvenate: z
      .strictObject({
        threshold: z.number().positive().lt(1).optional(),
        jitter: z.number().positive().finite().optional(),
        maxHalvings: z.number().int().nonnegative().optional(),
      })
      .optional()
      .describe('relocate vanished particles after each weight step (ift, wfr, score-ift, custom with a reaction)'),
    record: z
      .strictObject({
        every: z.number().int().positive().optional().describe('record every k steps (default: ~100 records)'),
        metrics: z.array(z.enum(METRIC_NAMES)).optional().describe('quantities recorded (default: energy, mmd, mass)'),
        kernel: kernelSpec.optional().describe('kernel of the recorded MMD (default: the run kernel)'),
      })
      .optional()
      .describe('what is recorded in the history, and how often'),
  })
  .describe('a measureflow run');

/** A parsed run spec (the output type of {@link runSpec}). */
export type RunSpec = z.infer<typeof runSpec>;

/** Error for a spec with one or more invalid fields; `issues` lists each with path and value. */
export class SpecError extends InputError {
  readonly issues: { path: string; message: string }[];
  constructor(issues: { path: string; message: string; value: unknown }[]) {
    const first = issues[0]!;
    super(first.path, first.value, first.message);
    this.issues = issues;
    this.message = issues.map((i) => `${i.path}: ${i.message} (got ${describe(i.value)})`).join('; ');
    this.name = 'SpecError';
  }
}

/**
 * Validates a spec object, throwing a `SpecError` that names every bad field. The old word
 * `type` is read as `kind` (see `normaliseSpecWords`).
 */
export function parseSpec(input: unknown): RunSpec {
  const res = runSpec.safeParse(normaliseSpecWords(input).spec, { reportInput: true });
  if (res.success) return res.data;
  throw new SpecError(res.error.issues.flatMap((iss) => flattenIssue(iss as Issue, [])));
}

interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  input?: unknown;
  errors?: Issue[][];
  keys?: string[];
}

/**
 * One issue per bad field: a failed union (target, init) is reported through the branch
 * that came closest (fewest issues), so a named distribution missing `n` says `spec.init.n`
 * rather than `spec.init: Invalid input`; an unknown key is reported at its own path.
 */
function flattenIssue(iss: Issue, prefix: PropertyKey[]): { path: string; message: string; value: unknown }[] {
  const path = [...prefix, ...iss.path];
  if (iss.code === 'invalid_union' && iss.errors && iss.errors.length > 0) {
    let best = iss.errors[0]!;
    for (const b of iss.errors) if (b.length < best.length) best = b;
    if (best.length > 0) return best.flatMap((sub) => flattenIssue(sub, path));
  }
  const str = (p: PropertyKey[]) => ['spec', ...p.map(String)].join('.');
  if (iss.code === 'unrecognized_keys' && iss.keys && iss.keys.length > 0) {
    const obj = (iss.input ?? {}) as Record<string, unknown>;
    return iss.keys.map((k) => ({ path: str([...path, k]), message: 'unknown key (not part of the spec; check the spelling)', value: obj[k] }));
  }
  return [{ path: str(path), message: iss.message, value: iss.input }];
}

/** JSON Schema of the spec (for documentation and editors). */
export function specJsonSchema(): unknown {
  return z.toJSONSchema(runSpec, { io: 'input', unrepresentable: 'any' });
}
