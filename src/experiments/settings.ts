/**
 * Default settings of each experiment (docs/experiments.md; IFT paper §4)
 * and their resolution from user overrides, with an `InputError` naming the flag for every bad
 * or inapplicable value. Pure.
 */
import { InputError } from '../core/errors.js';
import type {
  Convention,
  DoubleWellSettings,
  ExperimentName,
  ExperimentSettings,
  IftExperimentName,
  IftMethod,
  IftSettings,
  IftVariant,
  LossSample,
  TargetSamples,
} from './types.js';
import { CONVENTIONS, EXPERIMENT_NAMES, IFT_METHODS, IFT_VARIANTS, LOSS_SAMPLES, TARGET_SAMPLES } from './types.js';

/** Everything a user may override (CLI flags); absent = the experiment's default. */
export interface ExperimentOverrides {
  runs?: number;
  seed?: number;
  steps?: number;
  n?: number;
  m?: number;
  sigma?: number;
  tau?: number;
  eta?: number;
  etaKl?: number;
  noiseLevel?: number;
  noiseUntil?: number;
  variant?: IftVariant;
  targetSamples?: TargetSamples;
  convention?: Convention;
  testSize?: number;
  lossSample?: LossSample;
  recordEvery?: number;
  methods?: readonly string[];
  pathParticles?: number;
  /** sliced-mmd: dimension (2 or 100). */
  d?: number;
  kernel?: 'gaussian' | 'energy';
  sums?: 'exact' | 'sliced' | 'features';
  directions?: number;
  sampling?: 'random' | 'orthogonal' | 'qmc';
  features?: number;
}

/** The flag spelling of each override, for error messages. */
export const OVERRIDE_FLAGS: Record<keyof ExperimentOverrides, string> = {
  runs: '--runs',
  seed: '--seed',
  steps: '--steps',
  n: '--n',
  m: '--m',
  sigma: '--sigma',
  tau: '--tau',
  eta: '--eta',
  etaKl: '--eta-kl',
  noiseLevel: '--noise-level',
  noiseUntil: '--noise-until',
  variant: '--variant',
  targetSamples: '--target-samples',
  convention: '--convention',
  testSize: '--test-size',
  lossSample: '--loss-sample',
  recordEvery: '--record-every',
  methods: '--methods',
  pathParticles: '--path-particles',
  d: '--d',
  kernel: '--kernel',
  sums: '--sums',
  directions: '--directions',
  sampling: '--sampling',
  features: '--features',
};

/**
 * Default number of runs: about a minute of work on 2 cores at the default sizes (measured on
 * the development machine; `--runs 50` is the paper's 2-D setting, `--runs 20` the authors' 100-D one).
 */
export const DEFAULT_RUNS: Record<ExperimentName, number> = {
  'ift-gaussian-2d': 24,
  'ift-mixture-2d': 24,
  'ift-mixture-100d': 2,
  'double-well-langevin': 16,
  'sliced-mmd': 1,
};

/** Most recorded points per curve when `--record-every` is not given. */
const MAX_RECORDS: Record<ExperimentName, number> = {
  'ift-gaussian-2d': 300,
  'ift-mixture-2d': 300,
  'ift-mixture-100d': 100,
  'double-well-langevin': 100,
  'sliced-mmd': 50,
};

/** Candidate record intervals: all even and dividing 1000, so steps 1000 and 3000 are always recorded. */
const RECORD_INTERVALS = [2, 4, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];

/** The smallest interval of RECORD_INTERVALS giving at most `max` records. */
export function defaultRecordEvery(steps: number, max: number): number {
  for (const e of RECORD_INTERVALS) if (Math.ceil(steps / e) <= max) return e;
  return Math.max(2, 2 * Math.ceil(steps / max / 2));
}

/** Is `name` an experiment? */
export function isExperimentName(name: string): name is ExperimentName {
  return (EXPERIMENT_NAMES as readonly string[]).includes(name);
}

function checkInt(flag: string, v: number, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new InputError(flag, v, `an integer >= ${min}`);
  return v;
}
function checkPos(flag: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new InputError(flag, v, 'a finite number > 0');
  return v;
}
function checkNonNeg(flag: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new InputError(flag, v, 'a finite number >= 0');
  return v;
}
function checkChoice<T extends string>(flag: string, v: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(v)) throw new InputError(flag, v, `one of ${choices.join(', ')}`);
  return v as T;
}

/** Overrides an experiment does not use: each is an error rather than silently ignored. */
const DOUBLE_WELL_UNUSED: (keyof ExperimentOverrides)[] = [
  'm',
  'sigma',
  'eta',
  'etaKl',
  'noiseLevel',
  'noiseUntil',
  'variant',
  'targetSamples',
  'convention',
  'testSize',
  'lossSample',
  'pathParticles',
  'd',
  'kernel',
  'sums',
  'directions',
  'sampling',
  'features',
];

/**
 * Resolves the settings of experiment `name`: defaults of docs/experiments.md (reduced sizes for
 * `ift-mixture-100d`, see {@link iftDefaults}), then the overrides, all validated.
 */
export function resolveSettings(name: string, o: ExperimentOverrides = {}): ExperimentSettings {
  if (!isExperimentName(name)) throw new InputError('experiment', name, `one of ${EXPERIMENT_NAMES.join(', ')}`);
  if (name === 'double-well-langevin') return resolveDoubleWell(o);
  return resolveIft(name, o);
}

function resolveDoubleWell(o: ExperimentOverrides): DoubleWellSettings {
  for (const k of DOUBLE_WELL_UNUSED)
    if (o[k] !== undefined) throw new InputError(OVERRIDE_FLAGS[k], o[k], 'nothing: double-well-langevin does not use this setting');
  if (o.methods !== undefined && !(o.methods.length === 1 && o.methods[0] === 'langevin'))
    throw new InputError('--methods', o.methods.join(','), "'langevin' (the only method of double-well-langevin)");
  const steps = checkInt('--steps', o.steps ?? 2000, 1);
  const recordEvery = checkInt('--record-every', o.recordEvery ?? defaultRecordEvery(steps, MAX_RECORDS['double-well-langevin']), 1);
  // Seed 004 plots the particles after 0, 100, 500, 1000 and 2000 steps: the same fractions of `steps`.
  const snaps = [...new Set([0, 0.05, 0.25, 0.5, 1].map((f) => Math.round(f * steps)))].sort((a, b) => a - b);
  return {
    experiment: 'double-well-langevin',
    runs: checkInt('--runs', o.runs ?? DEFAULT_RUNS['double-well-langevin'], 1),
    seed: checkSeed(o.seed ?? 0),
    steps,
    n: checkInt('--n', o.n ?? 2000, 1),
    tau: checkPos('--tau', o.tau ?? 0.005),
    initStd: 0.05,
    recordEvery,
    methods: ['langevin'],
    snapshotSteps: snaps,
    bins: 60,
  };
}

function checkSeed(s: number): number {
  checkInt('--seed', s, 0);
  if (s >= 2 ** 32) throw new InputError('--seed', s, 'an integer < 2^32');
  return s;
}

/**
 * Defaults of the IFT experiments. 2-D (paper §4): n = m = 100, σ = 10, τ = 50, η = 0.1, noise
 * level 10 off after 3000 steps, 6000 (Gaussian) / 5000 (mixture) steps. In the authors-code
 * convention the same numbers are read as the code's lr = 50, lr_ = 0.1.
 *
 * 100-D (reduced so that it runs in minutes on 2 cores): n = m = 500, 2000 steps, noise level 2
 * (the authors' value) off after 900 steps (≈ 4/9 of the run, as 4000 of 9000). Step sizes
 * follow the authors' run (n = 10⁴, lr = 10⁴, lr_ = 0.001 for the MMD step and 1 for the KL
 * step) made independent of n: paper convention τ = 2 (= 2·lr/n for uniform weights) and
 * η = 20/n (the authors' relative weight step 2·lr_·n = 20); authors-code convention lr = n and
 * lr_ = 10/n, which are exactly 10⁴ and 0.001 at the paper's n = 10⁴.
 */
export function iftDefaults(name: IftExperimentName, convention: Convention, n?: number, dim: 2 | 100 = 2): Omit<IftSettings, 'experiment' | 'methods'> {
  const authors = convention === 'authors-code';
  if (name === 'sliced-mmd') {
    // energy kernel −|x−y|: |∇ξ| ≤ 2 whatever n, so τ is a distance per step (tuned at n = 1000–2000:
    // τ = 1 in 2-D, 10 in 100-D); ξ varies by O(1) across particles, so η = 1/n moves O(1/n) weight
    const nn = n ?? 100_000;
    return {
      runs: DEFAULT_RUNS[name],
      seed: 0,
      steps: 200,
      n: nn,
      m: nn,
      sigma: 10,
      tau: dim === 2 ? 1 : 10,
      eta: 1 / nn,
      etaKl: 1,
      noiseLevel: 0,
      noiseUntil: 0,
      variant: 'pgd',
      targetSamples: 'fixed',
      convention,
      testSize: Math.min(nn, 10_000),
      lossSample: 'test',
      recordEvery: 20,
      pathParticles: 10,
      dim,
      kernel: 'energy',
      sums: { method: 'sliced', directions: 100, sampling: 'orthogonal' },
    };
  }
  if (name === 'ift-mixture-100d') {
    const nn = n ?? 500;
    return {
      runs: DEFAULT_RUNS[name],
      seed: 0,
      steps: 2000,
      n: nn,
      m: nn,
      sigma: 10,
      tau: authors ? nn : 2,
      eta: authors ? 10 / nn : 20 / nn,
      etaKl: 1,
      noiseLevel: 2,
      noiseUntil: 900,
      variant: 'pgd',
      targetSamples: authors ? 'redrawn' : 'fixed',
      convention,
      testSize: nn,
      lossSample: 'test',
      recordEvery: 20,
      pathParticles: 10,
    };
  }
  return {
    runs: DEFAULT_RUNS[name],
    seed: 0,
    steps: name === 'ift-gaussian-2d' ? 6000 : 5000,
    n: n ?? 100,
    m: n ?? 100,
    sigma: 10,
    tau: 50,
    eta: 0.1,
    etaKl: 1,
    noiseLevel: 10,
    noiseUntil: 3000,
    variant: 'pgd',
    targetSamples: authors ? 'redrawn' : 'fixed',
    convention,
    testSize: 1000,
    lossSample: 'test',
    recordEvery: 20,
    pathParticles: 10,
  };
}

function resolveIft(name: IftExperimentName, o: ExperimentOverrides): IftSettings {
  const convention = checkChoice('--convention', o.convention ?? 'paper', CONVENTIONS);
  const n = o.n === undefined ? undefined : checkInt('--n', o.n, 1);
  if (o.d !== undefined && name !== 'sliced-mmd') throw new InputError('--d', o.d, `nothing: ${name} has a fixed dimension (--d is for sliced-mmd)`);
  if (o.d !== undefined && o.d !== 2 && o.d !== 100) throw new InputError('--d', o.d, '2 or 100 (the 2-D mixture or the 100-D mixture of the IFT paper)');
  const d = iftDefaults(name, convention, n, (o.d ?? 2) as 2 | 100);
  const steps = checkInt('--steps', o.steps ?? d.steps, 2);
  let methods: IftMethod[] = name === 'sliced-mmd' ? ['mmd-flow', 'ift'] : [...IFT_METHODS];
  if (o.methods !== undefined) {
    if (o.methods.length === 0) throw new InputError('--methods', '', `a comma-separated list of ${IFT_METHODS.join(', ')}`);
    for (const m of o.methods) checkChoice('--methods', m, IFT_METHODS);
    methods = IFT_METHODS.filter((m) => o.methods!.includes(m));
  }
  const recordEvery = checkInt('--record-every', o.recordEvery ?? defaultRecordEvery(steps, MAX_RECORDS[name]), 2);
  if (recordEvery % 2 !== 0)
    throw new InputError('--record-every', recordEvery, 'an even number of steps (IFT/WFR iterations count as 2 steps, so their records land on the same grid)');
  const s: IftSettings = {
    experiment: name,
    runs: checkInt('--runs', o.runs ?? d.runs, 1),
    seed: checkSeed(o.seed ?? d.seed),
    steps,
    n: d.n,
    m: checkInt('--m', o.m ?? d.m, 1),
    sigma: checkPos('--sigma', o.sigma ?? d.sigma),
    tau: checkPos('--tau', o.tau ?? d.tau),
    eta: checkPos('--eta', o.eta ?? d.eta),
    etaKl: checkPos('--eta-kl', o.etaKl ?? d.etaKl),
    noiseLevel: checkNonNeg('--noise-level', o.noiseLevel ?? d.noiseLevel),
    noiseUntil: checkInt('--noise-until', o.noiseUntil ?? d.noiseUntil, 0),
    variant: checkChoice('--variant', o.variant ?? d.variant, IFT_VARIANTS),
    targetSamples: checkChoice('--target-samples', o.targetSamples ?? d.targetSamples, TARGET_SAMPLES),
    convention,
    testSize: checkInt('--test-size', o.testSize ?? d.testSize, 1),
    lossSample: checkChoice('--loss-sample', o.lossSample ?? d.lossSample, LOSS_SAMPLES),
    recordEvery,
    methods,
    pathParticles: Math.min(checkInt('--path-particles', o.pathParticles ?? d.pathParticles, 0), d.n),
  };
  const kernel = checkChoice('--kernel', o.kernel ?? d.kernel ?? 'gaussian', ['gaussian', 'energy'] as const);
  if (kernel === 'energy' && o.sigma !== undefined) throw new InputError('--sigma', o.sigma, 'nothing with --kernel energy (−|x − y| has no bandwidth)');
  const method = checkChoice('--sums', o.sums ?? d.sums?.method ?? 'exact', ['exact', 'sliced', 'features'] as const);
  if (method !== 'sliced' && (o.directions !== undefined || o.sampling !== undefined))
    throw new InputError(o.directions !== undefined ? '--directions' : '--sampling', o.directions ?? o.sampling, 'nothing without --sums sliced');
  if (method !== 'features' && o.features !== undefined) throw new InputError('--features', o.features, 'nothing without --sums features');
  if (method === 'sliced' && kernel !== 'energy')
    throw new InputError('--sums', 'sliced', "--kernel energy (the sliced sums are for k = −|x − y|; use --sums features for the Gaussian kernel)");
  if (method === 'features' && kernel !== 'gaussian') throw new InputError('--sums', 'features', '--kernel gaussian (the energy kernel has no random Fourier features; use --sums sliced)');
  if (method !== 'exact' && s.variant === 'exact' && s.methods.includes('ift'))
    throw new InputError('--variant', 'exact', `'pgd' with --sums ${method} (the exact MMD step solves a QP with the n×n kernel matrix)`);
  if (method !== 'exact' && s.noiseLevel > 0 && s.methods.includes('mmd-flow-noise') && s.convention === 'authors-code')
    throw new InputError('--convention', 'authors-code', `'paper' with --sums ${method} and noise (the authors' cloud-perturbing noise has no version with approximate sums)`);
  const sums =
    method === 'sliced'
      ? { method, directions: checkInt('--directions', o.directions ?? d.sums?.directions ?? 100, 1), sampling: checkChoice('--sampling', o.sampling ?? d.sums?.sampling ?? 'orthogonal', ['random', 'orthogonal', 'qmc'] as const) }
      : method === 'features'
        ? { method, features: checkInt('--features', o.features ?? 1000, 1) }
        : undefined;
  if (sums?.method === 'sliced' && sums.sampling === 'qmc' && (d.dim ?? (name === 'ift-mixture-100d' ? 100 : 2)) > 10)
    throw new InputError('--sampling', 'qmc', "'orthogonal' or 'random' above d = 10");
  const extra: Partial<IftSettings> = {
    ...(d.dim !== undefined ? { dim: d.dim } : {}),
    ...(kernel !== 'gaussian' ? { kernel } : {}),
    ...(sums ? { sums } : {}),
  };
  Object.assign(s, extra);
  if (s.lossSample === 'train' && s.targetSamples === 'redrawn')
    throw new InputError('--loss-sample', 'train', "'test' with --target-samples redrawn (there is no fixed training sample to measure against)");
  return s;
}

/**
 * The step sizes handed to the library, and the update rules they produce, for the report and
 * config.json (the `lr` → τ/η mapping of the authors-code convention).
 */
export interface StepMapping {
  /** Library transport: metric and τ. */
  transport: { metric: 'wasserstein' | 'euclidean'; tau: number; rule: string };
  /** IFT weight step (library η for pgd/exact) and rule. */
  mmdStep: { eta: number; rule: string };
  /** WFR weight step and rule. */
  klStep: { eta: number; rule: string };
  noise: string;
}

/** The τ, η handed to the library for the settings' convention, and the update rules in words (for the report and config.json). */
export function stepMapping(s: IftSettings): StepMapping {
  if (s.convention === 'paper') {
    return {
      transport: { metric: 'wasserstein', tau: s.tau, rule: `xᵢ ← xᵢ − τ∇ξ(xᵢ), τ = ${s.tau}` },
      mmdStep: {
        eta: s.eta,
        rule: s.variant === 'pgd' ? `w ← Proj_Δ(w − ηξ), η = ${s.eta}` : `w ← argmin_{β∈Δ} ½MMD²(β, π̂) + (1/2η)MMD²(β, w), η = ${s.eta}`,
      },
      klStep: { eta: s.etaKl, rule: `w ← w·exp(−η_KL ξ)/Z, η_KL = ${s.etaKl}` },
      noise: `∇ξ_µ evaluated at xᵢ + ${s.noiseLevel}·uᵢ, uᵢ ~ N(0, I), for steps < ${s.noiseUntil} (Arbel et al. 2019)`,
    };
  }
  return {
    transport: {
      metric: 'euclidean',
      tau: 2 * s.tau,
      rule: `xᵢ ← xᵢ − lr·∂MMD²/∂xᵢ = xᵢ − 2·lr·wᵢ∇ξ(xᵢ), lr = ${s.tau} (library: metric 'euclidean', τ = 2·lr = ${2 * s.tau}; = Wasserstein τ ${(2 * s.tau) / s.n} at uniform weights 1/n)`,
    },
    mmdStep: {
      eta: 2 * s.eta,
      rule:
        s.variant === 'pgd'
          ? `w ← Proj_Δ(w − lr_·∂MMD²/∂w) = Proj_Δ(w − 2·lr_·ξ), lr_ = ${s.eta} (library pgd, η = 2·lr_ = ${2 * s.eta})`
          : `exact MMD step (not in the authors' code) with η = 2·lr_ = ${2 * s.eta}`,
    },
    klStep: { eta: s.etaKl, rule: `w ← Proj_Δ(w·exp(−lr_KL·ξ)), lr_KL = ${s.etaKl} (Euclidean projection, as in the authors' code)` },
    noise: `∇_x MMD² of the perturbed cloud x̃ = x + ${s.noiseLevel}·u, evaluated at x̃ᵢ, for steps < ${s.noiseUntil} (as in the authors' code)`,
  };
}
