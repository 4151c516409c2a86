import type { ResolvedSums, Sums } from '../backend/approxSums.js';
import { resolveSums, sumsToSpec } from '../backend/approxSums.js';
import { FEATURE_KERNEL_KINDS } from '../backend/featureSums.js';
import { checkArrayBudget } from '../core/limits.js';
import { kernelSum } from '../backend/kernelSums.js';
import { InputError } from '../core/errors.js';
import { fdot } from '../core/math.js';
import type { ParticleMeasure } from '../core/measure.js';
import { checkWeights, particleMeasure } from '../core/measure.js';
import { rng } from '../core/rng.js';
import type { Energy } from '../energies/energy.js';
import { klEnergy } from '../energies/kl.js';
import { ksdEnergy } from '../energies/ksd.js';
import { phiDivergenceEnergy } from '../energies/phiDivergence.js';
import type { Interaction, Internal } from '../energies/mckeanVlasov.js';
import { mckeanVlasovEnergy } from '../energies/mckeanVlasov.js';
import { mmdEnergy } from '../energies/mmd.js';
import type { Potential } from '../energies/potential.js';
import { potentialFromTarget } from '../energies/potential.js';
import { fisherRaoClosedForm, unionOfSupports } from '../flows/closedForm.js';
import type { Flow, FlowConfig, FlowState } from '../flows/flow.js';
import { flow } from '../flows/flow.js';
import type { Reaction, Transport } from '../geometries/types.js';
import { medianBandwidth } from '../kernels/bandwidth.js';
import type { Kernel } from '../kernels/kernel.js';
import { STEIN_KERNEL_KINDS, checkKernel } from '../kernels/kernel.js';
import { ksdSquared } from '../metrics/ksd.js';
import { effectiveSampleSize } from '../metrics/ksd.js';
import { mmdSquared } from '../metrics/mmd.js';
import { w2 } from '../metrics/w2.js';
import * as P from '../presets/index.js';
import { makeTarget } from '../targets/makeTarget.js';
import { samplesTarget } from '../targets/samples.js';
import type { Target } from '../targets/target.js';
import type { RunSpec } from './schema.js';

/** Arrays a spec refers to by file name, loaded by the caller (the Node edge reads files). */
export interface LoadedData {
  targetSamples?: { X: Float64Array; d: number; w?: Float64Array };
  initParticles?: { X: Float64Array; d: number; w?: Float64Array };
}

/** What {@link buildRun} makes of a spec: the flow, µ₀, the target samples, what to record, and the spec resolved with its defaults. */
export interface BuiltRun {
  /** The flow the spec describes. */
  flow: Flow;
  /** The initial particles µ₀ (from the file or drawn with `rng(seed, 0)`). */
  mu0: ParticleMeasure;
  /** The target π (samples, or a named distribution with its score). */
  target: Target;
  /** Target samples Y [m, d] used by sample-based energies and the recorded MMD/W₂. */
  Y: Float64Array | null;
  /** The spec with every default filled in (numbers for "median" bandwidths). */
  resolved: RunSpec & Record<string, unknown>;
  /** Quantities recorded at a state. */
  measure: (s: FlowState) => Record<string, number | undefined>;
}


function toKernel(k: { kind: string; sigma?: number | 'median'; beta?: number } | undefined, sigmaMedian: () => number, field: string): Kernel {
  const spec: { kind: string; sigma?: number | 'median'; beta?: number } = k ?? P.DEFAULT_KERNEL;
  const sigma = spec.sigma === 'median' ? sigmaMedian() : spec.sigma;
  const raw: Record<string, unknown> = { kind: spec.kind };
  if (spec.kind !== 'energy') raw.sigma = sigma ?? 1;
  else if (spec.sigma !== undefined) throw new InputError(`${field}.sigma`, spec.sigma, 'no bandwidth for the energy kernel (it has none)');
  if (spec.beta !== undefined) raw.beta = spec.beta;
  return checkKernel(raw, field);
}

// the spec and the library describe a kernel with the same object
const kernelToSpec = (k: Kernel) => ({ ...k });

function stripKeys(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!keys.includes(k)) out[k] = v;
  return out;
}

function makePotential(p: NonNullable<RunSpec['potential']>, target: Target, d: number): Potential {
  if (p.kind === 'target') return potentialFromTarget(target);
  const s = p.scale ?? 1;
  if (p.kind === 'quadratic')
    return {
      d,
      value: (X, out) => {
        const n = X.length / d;
        const r = out ?? new Float64Array(n);
        for (let i = 0; i < n; i++) {
          let v = 0;
          for (let a = 0; a < d; a++) v += X[i * d + a]! ** 2;
          r[i] = 0.5 * s * v;
        }
        return r;
      },
      grad: (X, out) => {
        const r = out ?? new Float64Array(X.length);
        for (let i = 0; i < X.length; i++) r[i] = s * X[i]!;
        return r;
      },
    };
  return {
    d,
    value: (X, out) => {
      const n = X.length / d;
      const r = out ?? new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let v = 0;
        for (let a = 0; a < d; a++) v += (X[i * d + a]! ** 2 - 1) ** 2;
        r[i] = s * v;
      }
      return r;
    },
    grad: (X, out) => {
      const r = out ?? new Float64Array(X.length);
      for (let i = 0; i < X.length; i++) r[i] = 4 * s * X[i]! * (X[i]! ** 2 - 1);
      return r;
    },
  };
}

/** The algorithm-specific top-level fields each algorithm reads; any other is refused, never silently ignored. */
const USED_FIELDS: Record<RunSpec['algorithm'], readonly string[]> = {
  langevin: ['tau', 'mala', 'bandwidth'],
  svgd: ['tau'],
  'mmd-flow': ['tau', 'noise'],
  'ksd-descent': ['tau'],
  ift: ['tau', 'eta', 'variant', 'alpha', 'beta', 'noise', 'space', 'rejuvenate'],
  wfr: ['tau', 'eta', 'alpha', 'beta', 'rejuvenate'],
  'birth-death': ['tau', 'eta', 'bandwidth'],
  'inclusive-kl-mirror': ['eta', 'form'],
  'fisher-rao': ['eta'],
  'nw-force': ['tau'],
  'mckean-vlasov': ['tau', 'potential', 'interaction', 'internal'],
  'score-ift': ['tau', 'eta', 'variant', 'alpha', 'beta', 'rejuvenate'],
  custom: ['space', 'energy', 'transport', 'reaction', 'tau', 'eta', 'alpha', 'beta', 'noise', 'bandwidth', 'variant', 'mala', 'rejuvenate'],
};
// `tau` and `eta` are not here: they are the generic step sizes of the transport and the
// reaction part, kept in a spec when its algorithm changes, and reported only where used.
const ALGORITHM_FIELDS = [
  'alpha',
  'beta',
  'variant',
  'noise',
  'mala',
  'bandwidth',
  'form',
  'potential',
  'interaction',
  'internal',
  'energy',
  'transport',
  'reaction',
  'space',
  'rejuvenate',
] as const;

/** Throws for a field the chosen algorithm would not use (so nothing is silently ignored). */
function checkFieldsUsed(spec: RunSpec): void {
  const alg = spec.algorithm;
  const used = USED_FIELDS[alg];
  for (const k of ALGORITHM_FIELDS) {
    const v = spec[k];
    if (v === undefined || used.includes(k) || (k === 'space' && v === 'P')) continue;
    throw new InputError(k, v, `no "${k}" for algorithm "${alg}" (it reads: ${used.join(', ')})`);
  }
}

/**
 * Turns a validated spec and the arrays it names into a flow, µ₀ and what to record.
 * Random draws (named µ₀, target samples) use `rng(seed, 0)`; step t uses `rng(seed, t + 1)`.
 */
export function buildRun(spec: RunSpec, data: LoadedData = {}): BuiltRun {
  const seed = spec.seed ?? 0;
  const r0 = rng(seed, 0);
  const alg = spec.algorithm;
  checkFieldsUsed(spec);

  // µ₀
  let mu0: ParticleMeasure;
  // A file source has no `name` (a named distribution always has one, and may itself carry
  // a key such as `samples`, e.g. {"name": "samples", "samples": [[…]]}).
  if (!('name' in spec.init)) {
    const ip = data.initParticles;
    if (!ip) throw new InputError('init.particles', spec.init.particles, 'loaded particles (the caller must read the file)');
    if (ip.w && (spec.init as { weights?: string }).weights) checkWeights('init.weights', ip.w, ip.X.length / ip.d, spec.space ?? 'P');
    mu0 = particleMeasure(ip.X, ip.d, ip.w, { field: 'init.particles', space: spec.space ?? 'P' });
  } else {
    const dist = makeTarget(stripKeys(spec.init, ['n']), 'init');
    if (!dist.sample) throw new InputError('init.name', spec.init.name, 'a distribution that can be sampled exactly');
    checkArrayBudget('init.n', spec.init.n, dist.d);
    mu0 = particleMeasure(dist.sample(r0, spec.init.n), dist.d, undefined, { field: 'init' });
  }
  const d = mu0.d;

  // π and its samples
  let target: Target;
  let Y: Float64Array | null = null;
  let yWeights: Float64Array | undefined;
  let resample: ((r: ReturnType<typeof rng>, m: number) => Float64Array) | undefined;
  let resolvedTarget: Record<string, unknown> = { ...spec.target };
  if (!('name' in spec.target)) {
    const ts = data.targetSamples;
    if (!ts) throw new InputError('target.samples', spec.target.samples, 'loaded samples (the caller must read the file)');
    target = samplesTarget(ts.X, ts.d);
    Y = ts.X;
    yWeights = ts.w;
    if (ts.w) {
      if ((spec.target as { weights?: string }).weights) checkWeights('target.weights', ts.w, ts.X.length / ts.d, 'P');
      particleMeasure(ts.X, ts.d, ts.w, { field: 'target.samples' });
    }
  } else {
    target = makeTarget(stripKeys(spec.target, ['m', 'resample']), 'target');
    const m = (spec.target.m as number | undefined) ?? mu0.n;
    if (target.samples) Y = target.samples;
    else if (target.sample) {
      checkArrayBudget(spec.target.m === undefined ? 'init.n' : 'target.m', m, target.d);
      Y = target.sample(r0, m);
      resolvedTarget = { ...resolvedTarget, m };
    }
    if (spec.target.resample) {
      const t = target;
      if (!t.sample) throw new InputError('target.resample', true, 'a target that can be sampled');
      resample = (r, mm) => t.sample!(r, mm);
    }
  }
  if (target.d !== d) throw new InputError('target.d', target.d, `${d} (the dimension of init)`);

  const sigmaMedian = () => {
    const all = new Float64Array(mu0.X.length + (Y?.length ?? 0));
    all.set(mu0.X);
    if (Y) all.set(Y, mu0.X.length);
    return medianBandwidth(all, d);
  };
  let medianCache: number | undefined;
  const median = () => (medianCache ??= sigmaMedian());
  const kernel = toKernel(spec.kernel, median, 'kernel');
  const recordKernel = spec.record?.kernel ? toKernel(spec.record.kernel, median, 'record.kernel') : kernel;
  const tau = spec.tau ?? P.DEFAULT_TAU;
  const eta = spec.eta ?? P.DEFAULT_ETA;
  const sums = resolveRunSums(spec, kernel);

  if (spec.space === 'M+' && alg !== 'ift' && alg !== 'custom')
    throw new InputError('space', spec.space, `'P' for algorithm "${alg}" (a preset on probability measures; only "ift" and "custom" run on M+)`);
  const needY = () => {
    if (!Y) throw new InputError('target', spec.target, `target samples for algorithm "${alg}" (a samples file or a distribution that can be sampled)`);
    return { Y, d, yWeights, resample, ...(sums ? { sums } : {}) };
  };
  const needScore = () => {
    if (!target.score) throw new InputError('target', spec.target, `a target with a score ∇log π for algorithm "${alg}" (not a samples file)`);
    return target;
  };

  let cfg: FlowConfig;
  let init = mu0;
  // fisher-rao: the exact solution µ_t = e^{−t}µ₀ + (1 − e^{−t})π on the union of supports
  let closedForm: { w0: Float64Array; target: Float64Array } | null = null;
  switch (alg) {
    case 'langevin':
      cfg = P.langevin({ target: needScore(), tau, mala: spec.mala, bandwidth: spec.bandwidth });
      break;
    case 'svgd':
      cfg = P.svgd({ target: needScore(), kernel, tau });
      break;
    case 'mmd-flow':
      cfg = P.mmdFlow({ kernel, target: needY(), tau, noise: spec.noise });
      break;
    case 'ksd-descent':
      cfg = P.ksdDescent({ kernel, target: needScore(), tau });
      break;
    case 'score-ift':
      cfg = P.scoreIft({ kernel, target: needScore(), tau, eta, variant: spec.variant ?? 'pgd', alpha: spec.alpha, beta: spec.beta });
      break;
    case 'ift':
      if (spec.variant === 'stein') throw new InputError('variant', 'stein', "'exact' or 'pgd' (the Stein weight step belongs to score-ift, on ½KSD²)");
      cfg = P.ift({
        kernel,
        target: needY(),
        tau,
        eta,
        variant: spec.variant ?? 'exact',
        alpha: spec.alpha,
        beta: spec.beta,
        noise: spec.noise,
        space: spec.space,
      });
      break;
    case 'wfr':
      cfg = P.wfr({ kernel, target: needY(), tau, eta, alpha: spec.alpha, beta: spec.beta });
      break;
    case 'birth-death': {
      const h = spec.bandwidth ?? median();
      cfg = P.birthDeath({ target: needScore(), tau, eta, bandwidth: h });
      break;
    }
    case 'inclusive-kl-mirror':
      cfg =
        (spec.form ?? 'samples') === 'samples'
          ? P.inclusiveKlMirror({ form: 'samples', kernel, target: needY(), eta })
          : P.inclusiveKlMirror({ form: 'stein', kernel, target: needScore(), eta });
      break;
    case 'fisher-rao': {
      const t = needY();
      cfg = P.fisherRao({ kernel, target: t, eta });
      const u = unionOfSupports(mu0, t.Y, t.yWeights);
      init = u.mu;
      closedForm = { w0: u.mu.w, target: u.target };
      break;
    }
    case 'nw-force':
      cfg = P.nwForce({ kernel, target: needY(), tau });
      break;
    case 'mckean-vlasov':
      cfg = P.mckeanVlasov({
        d,
        tau,
        potential: spec.potential ? makePotential(spec.potential, target, d) : undefined,
        interaction: spec.interaction ? makeInteraction(spec.interaction, median) : undefined,
        internal: spec.internal ? makeInternal(spec.internal) : undefined,
      });
      break;
    case 'custom': {
      if (!spec.energy) throw new InputError('energy', undefined, 'an energy for algorithm "custom"');
      const e = spec.energy;
      let E: Energy;
      if (e.kind === 'mmd' || e.kind === 'inclusive-kl') {
        const t = needY();
        E = mmdEnergy({ kernel, Y: t.Y, d, yWeights: t.yWeights, resample: t.resample, force: e.kind === 'mmd' ? e.force : 'witness', ...(sums ? { sums } : {}) });
      } else if (e.kind === 'kl') {
        const estimator = e.estimator ?? 'langevin';
        // the KDE bandwidth: given in the energy, or at the top level, or the median heuristic where one is needed
        const bw = e.bandwidth ?? spec.bandwidth ?? (estimator === 'blob' || spec.reaction ? median() : undefined);
        E = klEnergy({ target: needScore(), estimator, bandwidth: bw });
      } else if (e.kind === 'ksd') E = ksdEnergy({ kernel, target: needScore() });
      else if (e.kind === 'phi-divergence') {
        if (!target.logDensity) throw new InputError('target', target.kind, 'a target with a log density (φ-divergences need π(x) itself)');
        E = phiDivergenceEnergy({ target, p: e.p, bandwidth: e.bandwidth ?? spec.bandwidth ?? median() });
      }
      else if (!e.potential && !e.interaction && !e.internal)
        throw new InputError('energy', e, 'a McKean–Vlasov energy with at least one of potential, interaction, internal');
      else
        E = mckeanVlasovEnergy({
          d,
          potential: e.potential ? makePotential(e.potential, target, d) : undefined,
          interaction: e.interaction ? makeInteraction(e.interaction, median) : undefined,
          internal: e.internal ? makeInternal(e.internal) : undefined,
        });
      let transport: Transport | undefined;
      if (spec.transport) {
        const t = spec.transport;
        transport =
          t.kind === 'stein'
            ? { kind: 'stein', kernel: t.kernel ? toKernel(t.kernel, median, 'transport.kernel') : kernel, coef: spec.alpha }
            : { kind: 'wasserstein', scheme: t.scheme, metric: t.metric, noise: t.noise ?? spec.noise, mala: t.mala ?? spec.mala, coef: spec.alpha };
      }
      let reaction: Reaction | undefined;
      if (spec.reaction) {
        const re = spec.reaction;
        reaction =
          re.kind === 'mmd'
            ? { kind: 'mmd', spherical: re.spherical ?? (spec.space ?? 'P') === 'P', variant: re.variant ?? spec.variant, kernel, coef: spec.beta }
            : { kind: re.kind, coef: spec.beta };
      }
      cfg = { space: spec.space ?? 'P', energy: E, transport, reaction, tau: transport ? tau : undefined, eta: reaction ? eta : undefined };
      break;
    }
  }
  if (spec.rejuvenate) cfg = { ...cfg, rejuvenate: spec.rejuvenate };
  const f = flow(cfg);

  // what is recorded
  const yMeasure = Y ? particleMeasure(Y, d, yWeights, { field: 'target.samples' }) : null;
  const wantedDefault = ['energy', 'mmd', 'mass'];
  const metrics = spec.record?.metrics ?? wantedDefault.filter((m) => m !== 'mmd' || yMeasure);
  for (const m of metrics) {
    if ((m === 'mmd' || m === 'w2') && !yMeasure) throw new InputError('record.metrics', m, 'a target with samples for this metric');
    if (m === 'mmd' && sums && !sumsCanSum(sums, recordKernel))
      throw new InputError(
        'record.kernel',
        recordKernel.kind,
        `a kernel that sums '${sums.method}' can evaluate (${sums.method === 'sliced' ? 'energy with beta 1' : FEATURE_KERNEL_KINDS.join(', ')}): the recorded MMD uses the run's sums`,
      );
    if (m === 'ksd' && !target.score) throw new InputError('record.metrics', m, 'a target with a score for KSD');
    if (m === 'ksd' && !STEIN_KERNEL_KINDS.includes(recordKernel.kind))
      throw new InputError('record.kernel', recordKernel.kind, `one of ${STEIN_KERNEL_KINDS.join(', ')} for KSD`);
  }
  const E0 = cfg.energy;
  const measure = (s: FlowState) => {
    const row: Record<string, number | undefined> = {};
    const mu = s.mu;
    let mass = 0;
    for (let i = 0; i < mu.n; i++) mass += mu.w[i]!;
    const normalised = { ...mu, w: mu.w.map((x) => x / mass) };
    for (const m of metrics) {
      // distances to π compare shapes: undefined for the zero measure (M+ flows can reach it)
      if (!(mass > 0) && (m === 'mmd' || m === 'ksd' || m === 'w2')) continue;
      if (m === 'energy') row.energy = E0.provides.value ? E0.evaluate(mu, { value: true }).value : undefined;
      else if (m === 'mmd') row.mmd = Math.sqrt(Math.max(0, mmdSquared(normalised, yMeasure!, { kernel: recordKernel, ...(sums ? { sums } : {}) })));
      else if (m === 'ksd') row.ksd = Math.sqrt(Math.max(0, ksdSquared(normalised, target.score!(mu.X), { kernel: recordKernel })));
      else if (m === 'w2') row.w2 = w2(normalised, yMeasure!);
      else if (m === 'ess') row.ess = effectiveSampleSize(mu.w);
      else if (m === 'mass') row.mass = mass;
    }
    if (closedForm) {
      // MMD (in the flow's kernel) between the simulated µ and the closed form at t = step·η:
      // the flow is exact in that norm, while individual weights are not unique when the
      // kernel matrix of the atoms is singular.
      const diff = fisherRaoClosedForm(closedForm.w0, closedForm.target, s.t * eta);
      for (let i = 0; i < diff.length; i++) diff[i] = mu.w[i]! - diff[i]!;
      const q = fdot(diff, kernelSum(kernel, mu.X, mu.X, mu.d, diff));
      row.mmdToClosedForm = Math.sqrt(Math.max(0, q));
    }
    return row;
  };

  const { tau: _tau, eta: _eta, ...rest } = spec;
  const resolved = {
    ...rest,
    target: resolvedTarget,
    kernel: kernelToSpec(kernel),
    // the step sizes only where the geometry has the part that uses them
    ...(cfg.transport ? { tau } : {}),
    ...(cfg.reaction ? { eta } : {}),
    steps: spec.steps ?? 100,
    seed,
    out: spec.out ?? 'out/',
    space: cfg.space,
    record: { ...spec.record, metrics, every: spec.record?.every ?? Math.max(1, Math.round((spec.steps ?? 100) / 100)), kernel: kernelToSpec(recordKernel) },
    ...(alg === 'ift' ? { variant: spec.variant ?? 'exact', alpha: spec.alpha ?? 1, beta: spec.beta ?? 1 } : {}),
    ...(alg === 'score-ift' ? { variant: spec.variant ?? 'pgd', alpha: spec.alpha ?? 1, beta: spec.beta ?? 1 } : {}),
    ...(alg === 'wfr' ? { alpha: spec.alpha ?? 1, beta: spec.beta ?? 1 } : {}),
    ...(alg === 'birth-death' ? { bandwidth: spec.bandwidth ?? median() } : {}),
    ...(spec.sums !== undefined ? { sums: sums ? sumsToSpec(sums) : { method: 'exact' } } : {}),
  } as RunSpec & Record<string, unknown>;
  return { flow: f, mu0: init, target, Y, resolved, measure };
}

/** Algorithms whose kernel sums are those of the ½MMD² energy (the ones `sums` applies to). */
const SUMS_ALGORITHMS = ['mmd-flow', 'ift', 'wfr', 'inclusive-kl-mirror', 'custom'] as const;

/**
 * The run's `sums` (undefined when absent or 'exact'), refused for algorithms whose kernel sums
 * are not those of ½MMD² (Stein kernels, KDEs, interactions) or that need the exact kernel matrix.
 */
function resolveRunSums(spec: RunSpec, kernel: Kernel): ResolvedSums | undefined {
  if (spec.sums === undefined) return undefined;
  const method = typeof spec.sums === 'string' ? spec.sums : spec.sums.method;
  const alg = spec.algorithm;
  if (method !== 'exact') {
    const why =
      alg === 'fisher-rao'
        ? 'its exact MMD weight step solves a QP with the n×n kernel matrix'
        : alg === 'nw-force'
          ? 'the Nadaraya–Watson force divides two kernel sums (biased with estimates)'
          : alg === 'inclusive-kl-mirror' && spec.form === 'stein'
            ? 'the Stein form sums the Langevin–Stein kernel'
            : alg === 'custom' && spec.energy && spec.energy.kind !== 'mmd' && spec.energy.kind !== 'inclusive-kl'
              ? `the ${spec.energy.kind} energy does not sum the MMD kernel`
              : !(SUMS_ALGORITHMS as readonly string[]).includes(alg)
                ? 'only the ½MMD² energy has approximate sums (mmd-flow, ift with variant pgd, wfr, inclusive-kl-mirror with form samples, custom mmd/inclusive-kl)'
                : null;
    if (why) throw new InputError('sums', spec.sums, `'exact' for algorithm "${alg}" (${why})`);
  }
  const rs = resolveSums(spec.sums as Sums, kernel, 'sums');
  return rs.method === 'exact' ? undefined : rs;
}

function sumsCanSum(s: ResolvedSums, k: Kernel): boolean {
  if (s.method === 'sliced') return k.kind === 'energy' && (k.beta ?? 1) === 1;
  return (FEATURE_KERNEL_KINDS as readonly string[]).includes(k.kind);
}

function makeInteraction(i: NonNullable<RunSpec['interaction']>, median: () => number): Interaction {
  if (i.kind === 'quadratic') return { kind: 'quadratic', scale: i.scale };
  return { kind: 'kernel', kernel: toKernel(i.kernel, median, 'interaction.kernel'), scale: i.scale };
}

function makeInternal(u: NonNullable<RunSpec['internal']>): Internal {
  if (u.kind === 'porous') return { kind: 'porous', m: u.m, temperature: u.temperature, bandwidth: u.bandwidth };
  return { kind: 'entropy', temperature: u.temperature, realisation: u.realisation ?? 'noise', bandwidth: u.bandwidth };
}

