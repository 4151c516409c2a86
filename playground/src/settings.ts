/**
 * The playground's settings: defaults, the URL encoding (query string, so a view can be
 * shared) and the translation into a measureflow run spec. Pure: no DOM, no worker.
 */
import type { RunSpec } from '../../src/spec/schema.js';

export const ALGORITHMS = [
  'mmd-flow',
  'ift',
  'wfr',
  'svgd',
  'langevin',
  'ksd-descent',
  'birth-death',
  'inclusive-kl-mirror',
  'fisher-rao',
  'nw-force',
  'custom',
] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export const ENERGIES = ['mmd', 'inclusive-kl', 'kl', 'ksd'] as const;
export const TRANSPORTS = ['wasserstein', 'stein', 'none'] as const;
export const REACTIONS = ['none', 'fisher-rao', 'mmd'] as const;
export const KERNELS = ['gaussian', 'imq', 'laplace', 'matern32', 'energy'] as const;
export const TARGETS = ['paper-gaussian-2d', 'paper-mixture-2d', 'banana', 'double-well', 'gaussian', 'donut', 'funnel', 'squiggle', 'ring', 'drawn'] as const;
export const VARIANTS = ['exact', 'pgd'] as const;

export interface Settings {
  /** Algorithm of run A. */
  alg: Algorithm;
  /** Algorithm of run B (side-by-side mode), or '' for a single run. */
  alg2: Algorithm | '';
  /** Custom flow: energy, transport and reaction parts. */
  energy: (typeof ENERGIES)[number];
  transport: (typeof TRANSPORTS)[number];
  reaction: (typeof REACTIONS)[number];
  kernel: (typeof KERNELS)[number];
  sigma: number;
  tau: number;
  eta: number;
  /** Noise level of MMD flow / IFT (0 = no noise) and the step it is switched off at. */
  noise: number;
  until: number;
  variant: (typeof VARIANTS)[number];
  alpha: number;
  beta: number;
  n: number;
  target: (typeof TARGETS)[number];
  /** Gaussian target: mean and standard deviation (isotropic). */
  tmx: number;
  tmy: number;
  tstd: number;
  /** Initial distribution N((mx, my), std²·I). */
  mx: number;
  my: number;
  std: number;
  seed: number;
  /** Most steps the worker takes per animation frame. */
  spf: number;
  /** Drawn target samples, flat [x0, y0, x1, y1, …]. */
  drawn: number[];
}

export const DEFAULTS: Readonly<Settings> = {
  alg: 'mmd-flow',
  alg2: '',
  energy: 'mmd',
  transport: 'wasserstein',
  reaction: 'none',
  kernel: 'gaussian',
  sigma: 1,
  tau: 5,
  eta: 0.1,
  noise: 0,
  until: 100,
  variant: 'exact',
  alpha: 1,
  beta: 1,
  n: 500,
  target: 'paper-mixture-2d',
  tmx: 2,
  tmy: 1,
  tstd: 1,
  mx: 0,
  my: 0,
  std: 1,
  seed: 0,
  spf: 4,
  drawn: [],
};

type NamedTarget = Exclude<(typeof TARGETS)[number], 'drawn'>;

/**
 * Default transport steps τ per preset and target, chosen from a sweep (150 steps, n = 100,
 * τ ∈ {0.01, 0.03, 0.1, 0.3, 1, 2, 5, 10}): about a third of the largest τ that neither
 * diverged nor left ≥ 10 % of the particles outside the target samples' padded box, so
 * the defaults keep a margin. ULA on the double well diverges from τ = 0.03 (at step 9), SVGD
 * from τ = 2; the sample-based flows (MMD flow, IFT, WFR, Nadaraya–Watson) are stable at τ = 5
 * on every target. Targets missing from a row use the row's `*`.
 */
const TAU_DEFAULTS: Record<Algorithm, Partial<Record<NamedTarget | '*', number>>> = {
  'mmd-flow': { '*': 5 },
  ift: { '*': 5, gaussian: 2 },
  wfr: { '*': 5 },
  'nw-force': { '*': 1 },
  custom: { '*': 0.1 },
  'inclusive-kl-mirror': { '*': 5 },
  'fisher-rao': { '*': 5 },
  langevin: { '*': 0.1, banana: 0.05, 'double-well': 0.005, donut: 0.03, funnel: 0.03, squiggle: 0.01, ring: 0.03 },
  'birth-death': { '*': 0.1, banana: 0.05, 'double-well': 0.005, donut: 0.03, funnel: 0.03, squiggle: 0.01, ring: 0.03 },
  svgd: { '*': 1, banana: 0.5, 'double-well': 0.3, donut: 0.5, funnel: 0.5, squiggle: 0.05, ring: 0.3 },
  'ksd-descent': { '*': 0.5, banana: 0.2, 'double-well': 0.003, donut: 0.03, funnel: 0.3, squiggle: 0.003, ring: 0.1 },
};

/** Default reaction steps η per preset (the same on every target). */
const ETA_DEFAULTS: Partial<Record<Algorithm, number>> = { 'birth-death': 0.05, 'fisher-rao': 0.05, 'inclusive-kl-mirror': 5 };

/** The default step sizes (τ, η) of an algorithm on a target (drawn targets use the row's default). */
export function stepDefaults(alg: Algorithm, target: Settings['target']): { tau: number; eta: number } {
  const row = TAU_DEFAULTS[alg];
  const tau = (target !== 'drawn' ? row[target] : undefined) ?? row['*'] ?? 5;
  return { tau, eta: ETA_DEFAULTS[alg] ?? 0.1 };
}

/** Whether an algorithm needs the target's score ∇log π (so cannot run on drawn samples). */
export function needsScore(alg: Algorithm | '', s: Pick<Settings, 'energy'>): boolean {
  if (alg === 'custom') return s.energy === 'kl' || s.energy === 'ksd';
  return alg === 'svgd' || alg === 'langevin' || alg === 'ksd-descent' || alg === 'birth-death';
}

/** The step τ or η a run of `alg` uses: the user's value, or the algorithm's own default when the setting is still at the default of run A's algorithm. */
export function stepFor(s: Settings, alg: Algorithm, key: 'tau' | 'eta'): number {
  const auto = s[key] === stepDefaults(s.alg, s.target)[key];
  return auto ? stepDefaults(alg, s.target)[key] : s[key];
}

/** Bounds of the numeric settings (values outside are clamped when read from a URL). */
const RANGES: Partial<Record<keyof Settings, [number, number, boolean]>> = {
  sigma: [1e-3, 1e3, false],
  tau: [1e-6, 1e6, false],
  eta: [1e-6, 1e6, false],
  noise: [0, 1e3, false],
  until: [0, 1e9, true],
  alpha: [1e-6, 1e6, false],
  beta: [1e-6, 1e6, false],
  n: [1, 5000, true],
  tmx: [-1e3, 1e3, false],
  tmy: [-1e3, 1e3, false],
  tstd: [1e-3, 1e3, false],
  mx: [-1e3, 1e3, false],
  my: [-1e3, 1e3, false],
  std: [1e-3, 1e3, false],
  seed: [0, 2 ** 32 - 1, true],
  spf: [1, 1000, true],
};

const CHOICES: Partial<Record<keyof Settings, readonly string[]>> = {
  alg: ALGORITHMS,
  alg2: ['', ...ALGORITHMS],
  energy: ENERGIES,
  transport: TRANSPORTS,
  reaction: REACTIONS,
  kernel: KERNELS,
  variant: VARIANTS,
  target: TARGETS,
};

/** Largest number of drawn target samples kept (and put in the URL). */
export const MAX_DRAWN = 3000;

/** Coerces one raw value (from a form field or a URL) to a valid setting, or undefined. */
export function coerce<K extends keyof Settings>(key: K, raw: string): Settings[K] | undefined {
  if (key === 'drawn') {
    const out: number[] = [];
    if (raw === '') return out as Settings[K];
    for (const pair of raw.split(';')) {
      const [x, y] = pair.split(',').map(Number);
      if (Number.isFinite(x) && Number.isFinite(y) && out.length < 2 * MAX_DRAWN) out.push(x!, y!);
    }
    return out as Settings[K];
  }
  const choices = CHOICES[key];
  if (choices) return (choices.includes(raw) ? raw : undefined) as Settings[K] | undefined;
  const range = RANGES[key];
  if (!range || raw.trim() === '') return undefined;
  const v = Number(raw);
  if (!Number.isFinite(v)) return undefined;
  const [lo, hi, int] = range;
  return Math.min(hi, Math.max(lo, int ? Math.round(v) : v)) as Settings[K];
}

const round = (v: number) => Number(v.toFixed(3));

/** Query string of the settings that differ from the defaults. */
export function toQuery(s: Settings): string {
  const p = new URLSearchParams();
  for (const key of Object.keys(DEFAULTS) as (keyof Settings)[]) {
    if (key === 'drawn') {
      if (s.target === 'drawn' && s.drawn.length) {
        const pairs: string[] = [];
        for (let i = 0; i + 1 < s.drawn.length; i += 2) pairs.push(`${round(s.drawn[i]!)},${round(s.drawn[i + 1]!)}`);
        p.set('drawn', pairs.join(';'));
      }
      continue;
    }
    if (key === 'tau' || key === 'eta') {
      if (s[key] !== stepDefaults(s.alg, s.target)[key]) p.set(key, String(s[key]));
      continue;
    }
    if (s[key] !== DEFAULTS[key]) p.set(key, String(s[key]));
  }
  return p.toString();
}

/** Settings from a query string; unknown keys and invalid values fall back to the defaults. */
export function fromQuery(query: string): Settings {
  const s: Settings = { ...DEFAULTS, drawn: [] };
  const p = new URLSearchParams(query);
  for (const key of Object.keys(DEFAULTS) as (keyof Settings)[]) {
    const raw = p.get(key);
    if (raw === null) continue;
    const v = coerce(key, raw);
    if (v !== undefined) (s as unknown as Record<string, unknown>)[key] = v;
  }
  // τ and η not given: the defaults of the algorithm on the target
  const def = stepDefaults(s.alg, s.target);
  for (const key of ['tau', 'eta'] as const) if (p.get(key) === null || coerce(key, p.get(key)!) === undefined) s[key] = def[key];
  return s;
}

/** Which settings an algorithm uses (the others are greyed out in the page). */
export function usedSettings(alg: Algorithm, s: Settings): Set<keyof Settings> {
  const used = new Set<keyof Settings>(['alg', 'alg2', 'n', 'target', 'mx', 'my', 'std', 'seed', 'spf', 'kernel', 'sigma']);
  const transport = alg === 'custom' ? s.transport !== 'none' : !['inclusive-kl-mirror', 'fisher-rao'].includes(alg);
  const reaction = alg === 'custom' ? s.reaction !== 'none' : ['ift', 'wfr', 'birth-death', 'inclusive-kl-mirror', 'fisher-rao'].includes(alg);
  if (transport) used.add('tau');
  if (reaction) used.add('eta');
  if (alg === 'mmd-flow' || alg === 'ift' || (alg === 'custom' && s.transport === 'wasserstein')) {
    used.add('noise');
    used.add('until');
  }
  if (alg === 'ift' || (alg === 'custom' && s.reaction === 'mmd')) used.add('variant');
  if (alg === 'ift' || alg === 'wfr' || alg === 'custom') {
    if (transport) used.add('alpha');
    if (reaction) used.add('beta');
  }
  if (alg === 'custom') {
    used.add('energy');
    used.add('transport');
    used.add('reaction');
  }
  return used;
}

/** The target part of the spec as plain JSON (drawn samples are passed to `buildRun` as loaded data). */
export function targetSpec(s: Settings): RunSpec['target'] {
  switch (s.target) {
    case 'drawn':
      return { samples: 'drawn' };
    case 'gaussian':
      return { name: 'gaussian', mean: [s.tmx, s.tmy], cov: s.tstd * s.tstd };
    case 'banana':
      return { name: 'banana', d: 2, b: 0.25, s: 3 };
    case 'double-well':
      return { name: 'double-well', d: 2 };
    case 'funnel':
      // Neal's s = 3 spreads x₁ over ±e^{4.5}; s = 1.5 keeps the funnel on one screen
      return { name: 'funnel', s: 1.5 };
    default:
      return { name: s.target };
  }
}

/** The measureflow run spec (a plain JSON object for `parseSpec`) of one algorithm. */
export function toSpec(s: Settings, alg: Algorithm): Record<string, unknown> {
  const used = usedSettings(alg, s);
  const spec: Record<string, unknown> = {
    algorithm: alg,
    kernel: s.kernel === 'energy' ? { kind: 'energy' } : { kind: s.kernel, sigma: s.sigma },
    target: targetSpec(s),
    init: { name: 'gaussian', mean: [s.mx, s.my], cov: s.std * s.std, n: s.n },
    seed: s.seed,
  };
  if (used.has('tau')) spec.tau = stepFor(s, alg, 'tau');
  if (used.has('eta')) spec.eta = stepFor(s, alg, 'eta');
  if (used.has('noise') && s.noise > 0) spec.noise = { level: s.noise, until: s.until };
  if (used.has('variant') && alg === 'ift') spec.variant = s.variant;
  if (used.has('alpha')) spec.alpha = s.alpha;
  if (used.has('beta')) spec.beta = s.beta;
  if (alg === 'custom') {
    spec.energy = { kind: s.energy };
    if (s.transport !== 'none') spec.transport = s.transport === 'stein' ? { kind: 'stein' } : { kind: 'wasserstein' };
    if (s.reaction !== 'none') spec.reaction = s.reaction === 'mmd' ? { kind: 'mmd', spherical: true, variant: s.variant } : { kind: s.reaction };
  }
  return spec;
}
