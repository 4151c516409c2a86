import { DivergenceError, InputError } from '../core/errors.js';
import type { ParticleMeasure, Space } from '../core/measure.js';
import { checkWeights } from '../core/measure.js';
import type { Rng } from '../core/rng.js';
import { checkPositive } from '../core/validate.js';
import type { Energy } from '../energies/energy.js';
import type { Kernel } from '../kernels/kernel.js';
import { checkKernel } from '../kernels/kernel.js';
import { reactionStep } from '../geometries/reaction.js';
import { type RejuvenateOptions, rejuvenate } from '../geometries/rejuvenate.js';
import { transportStep } from '../geometries/transport.js';
import type { Reaction, Transport } from '../geometries/types.js';

/**
 * A gradient flow = space × energy × geometry + time discretization (docs/math.md §1, §5).
 * The geometry is a transport part, a reaction part, or both (WFR = Wasserstein +
 * Fisher-Rao, IFT = Wasserstein + spherical MMD), discretized by JKO splitting: one step
 * is a transport step of length τ·α at the current weights, then a reaction step of
 * length η·β at the new positions (IFT paper eq. 14, Algorithm 1).
 */
export interface FlowConfig {
  /** `P` (weights stay on the simplex) or `M+` (non-negative weights, the mass may change). */
  space: Space;
  /** The energy F and its first variation ξ (docs/math.md §3). */
  energy: Energy;
  /** How positions move (docs/math.md §4–5); absent: positions are fixed. */
  transport?: Transport;
  /** How weights change (docs/math.md §4–5); absent: weights are fixed. */
  reaction?: Reaction;
  /** Transport step τ (> 0 when there is a transport part). */
  tau?: number;
  /** Reaction step η (> 0 when there is a reaction part). */
  eta?: number;
  /**
   * Relocate vanished particles after each weight step (split the heaviest ones; keeps the
   * mass, never increases the energy): see `rejuvenate`. Needs a reaction part and an energy
   * with a value.
   */
  rejuvenate?: RejuvenateOptions;
}

/** The state of a flow after `t` steps: the particle measure µ_t. Never mutated. */
export interface FlowState {
  /** Number of steps done. */
  readonly t: number;
  /** The particle measure µ_t. */
  readonly mu: ParticleMeasure;
}

/** Diagnostics of one step (not part of the state). */
export interface StepInfo {
  /** Step index t of the state the step started from. */
  t: number;
  /** F(µ_t) when the step computed it at no extra cost. */
  energy?: number;
  /** MALA acceptance rate. */
  accepted?: number;
  /** Inner iterations of an implicit (JKO) transport step. */
  inner?: number;
  /** Exact MMD step: QP iterations, largest scaled KKT residual, convergence flag. */
  qp?: { iterations: number; kkt: number; converged: boolean };
  /** Particles relocated by rejuvenation in this step. */
  rejuvenated?: number;
}

/** BlackJAX-style algorithm: `init` + pure `step`, randomness passed in explicitly. */
export interface Flow {
  /** The configuration the flow was built from (validated). */
  readonly config: FlowConfig;
  /** The state at t = 0: µ₀ validated for the flow's space. */
  init(mu0: ParticleMeasure): FlowState;
  /** One step of the scheme from `state` with the generator `r` (pure: `state` is not changed); returns the next state and diagnostics. */
  step(r: Rng, state: FlowState): [FlowState, StepInfo];
}

/**
 * Builds a flow from its parts, rejecting combinations that do not make sense with an
 * `InputError` that says why. `step(r, s)` is pure: the same generator state and input give
 * the same output, and `s` is left unchanged.
 */
export function flow(config: FlowConfig): Flow {
  if (!config || typeof config !== 'object' || Array.isArray(config)) throw new InputError('config', config, 'a flow configuration {space, energy, transport?, reaction?, tau?, eta?}');
  const energy = (config as { energy?: unknown }).energy as Energy | undefined;
  if (!energy || typeof energy !== 'object' || typeof energy.evaluate !== 'function' || !energy.provides)
    throw new InputError('config.energy', energy, 'an energy such as mmdEnergy(…) or klEnergy(…)');
  const { space, energy: E, transport: tr, reaction: re } = config;
  if (space !== 'P' && space !== 'M+') throw new InputError('space', space, "'P' or 'M+'");
  if (!tr && !re) throw new InputError('geometry', 'none', 'a transport part, a reaction part, or both');
  if (tr) {
    checkPositive('tau', config.tau);
    if (tr.coef !== undefined) checkPositive('transport.coef (alpha)', tr.coef);
    if (tr.kind !== 'wasserstein' && tr.kind !== 'stein') throw new InputError('transport.kind', (tr as { kind: unknown }).kind, `'wasserstein' or 'stein'${'type' in tr ? ' (write kind, not type)' : ''}`);
    if (tr.kind === 'stein') {
      checkKernel(tr.kernel, 'transport.kernel');
      if (tr.kernel.kind === 'energy')
        throw new InputError('transport.kernel.kind', 'energy', 'a positive-definite kernel for the Stein geometry (the energy kernel −|x−y| is not)');
    }
    if (tr.kind === 'wasserstein') {
      if (tr.scheme !== undefined && tr.scheme !== 'explicit' && tr.scheme !== 'implicit')
        throw new InputError('transport.scheme', tr.scheme, "'explicit' or 'implicit'");
      if (tr.metric !== undefined && tr.metric !== 'wasserstein' && tr.metric !== 'euclidean')
        throw new InputError('transport.metric', tr.metric, "'wasserstein' or 'euclidean'");
      if (tr.scheme === 'implicit' && !E.provides.value)
        throw new InputError('transport.scheme', 'implicit', `an energy with a computable value for the JKO step (${E.kind} has none here; use the explicit scheme${E.diffusion > 0 ? ' — Langevin noise has no energy value' : ''})`);
      if (tr.scheme === 'implicit' && E.diffusion > 0)
        throw new InputError('transport.scheme', 'implicit', 'the explicit scheme for energies realised with Brownian noise');
      if (tr.scheme === 'implicit' && tr.noise)
        throw new InputError('transport.noise', tr.noise, 'no noise injection with the implicit scheme (noisy ∇ξ evaluation is defined for the explicit step only)');
      if (tr.metric === 'euclidean' && E.diffusion > 0)
        throw new InputError(
          'transport.metric',
          'euclidean',
          "'wasserstein' for energies with Langevin noise (a drift scaled by wᵢ with unscaled noise samples the wrong temperature)",
        );
      if (tr.mala && (E.diffusion === 0 || !E.potential?.value))
        throw new InputError('transport.mala', true, 'an energy with Langevin noise and a potential with values (exclusive KL with log π)');
      if (tr.mala && E.interacting)
        throw new InputError('transport.mala', true, 'a non-interacting energy (potential + Langevin entropy): the per-particle accept/reject ignores interactions');
      if (tr.mala && tr.noise)
        throw new InputError('transport.noise', tr.noise, 'no noise injection with MALA (the Metropolis–Hastings ratio assumes the proposal drift at the particle itself)');
      if (tr.noise) {
        checkPositive('noise.level', tr.noise.level);
        if (!(tr.noise.until >= 0)) throw new InputError('noise.until', tr.noise.until, 'a step count >= 0');
      }
    }
  } else if (E.diffusion > 0) {
    throw new InputError('transport', 'none', 'a transport step: the entropy of this energy is realised by Brownian motion of the particles');
  }
  if (space === 'M+' && E.quadraticWeights?.kernel.kind === 'energy' && re && (re.kind !== 'mmd' || re.spherical === false))
    throw new InputError('kernel.kind', 'energy', "a positive-definite kernel on M+ (with −|x−y|, ½MMD² is unbounded below off the simplex: use space 'P')");
  let mmdKernel: Kernel | null = null;
  if (re) {
    checkPositive('eta', config.eta);
    if (re.coef !== undefined) checkPositive('reaction.coef (beta)', re.coef);
    if (re.kind !== 'fisher-rao' && re.kind !== 'hellinger' && re.kind !== 'mmd')
      throw new InputError('reaction.kind', (re as { kind: unknown }).kind, `'fisher-rao', 'hellinger' or 'mmd'${'type' in re ? ' (write kind, not type)' : ''}`);
    if (re.kind === 'fisher-rao' && re.normalise !== undefined && re.normalise !== 'rescale' && re.normalise !== 'project')
      throw new InputError('reaction.normalise', re.normalise, "'rescale' or 'project'");
    if (re.kind === 'hellinger' && space === 'P')
      throw new InputError('reaction.kind', 'hellinger', "'fisher-rao' on P (the Hellinger flow changes the mass; use space 'M+' for it)");
    if (re.kind === 'mmd' && re.spherical === false && space === 'P')
      throw new InputError('reaction.spherical', false, "true on P (the non-spherical MMD flow changes the mass; use space 'M+')");
    if (re.kind === 'mmd' && re.variant !== undefined && re.variant !== 'exact' && re.variant !== 'pgd' && re.variant !== 'stein')
      throw new InputError('reaction.variant', re.variant, "'exact', 'pgd' or 'stein'");
    if (re.kind === 'mmd' && re.variant === 'stein' && !E.steinGram)
      throw new InputError('reaction.variant', 'stein', `'exact' or 'pgd' (the Stein weight step needs an energy quadratic in the Stein kernel, ½KSD²; ${E.kind} is not)`);
    const needsXi = re.kind !== 'mmd' || re.variant === 'pgd' || (re.variant !== 'stein' && !E.quadraticWeights);
    if (needsXi && !E.provides.xi)
      throw new InputError('reaction', re.kind, `an energy with pointwise first variation ξ(xᵢ) (${E.kind} has none here${E.diffusion > 0 ? ': give the entropy a KDE bandwidth' : ''})`);
    if (re.kind === 'mmd' && (re.variant ?? 'exact') === 'exact') {
      const k = re.kernel ?? E.quadraticWeights?.kernel;
      if (!k) throw new InputError('reaction.kernel', undefined, 'a kernel for the MMD geometry (the energy has none to default to)');
      mmdKernel = checkKernel(k, 'reaction.kernel');
    }
  }

  if (config.rejuvenate !== undefined) {
    const rj = config.rejuvenate;
    if (rj === null || typeof rj !== 'object') throw new InputError('rejuvenate', rj, '{threshold?, jitter?, maxHalvings?}');
    if (!re) throw new InputError('rejuvenate', rj, 'nothing without a reaction part (only weight steps make particles vanish)');
    if (!E.provides.value || E.diffusion > 0) throw new InputError('rejuvenate', rj, `an energy with a value (${E.kind} has none here), since every relocation is checked not to increase it`);
    if (rj.threshold !== undefined && !(rj.threshold > 0 && rj.threshold < 1)) throw new InputError('rejuvenate.threshold', rj.threshold, 'a number in (0, 1)');
    if (rj.jitter !== undefined) checkPositive('rejuvenate.jitter', rj.jitter);
    if (rj.maxHalvings !== undefined && !(Number.isInteger(rj.maxHalvings) && rj.maxHalvings >= 0)) throw new InputError('rejuvenate.maxHalvings', rj.maxHalvings, 'an integer >= 0');
  }

  return {
    config,
    init(mu0: ParticleMeasure): FlowState {
      checkMeasureShape('mu0', mu0);
      if (mu0.d !== E.d) throw new InputError('init.d', mu0.d, `${E.d} (the dimension of the energy/target)`);
      checkWeights('init.weights', mu0.w, mu0.n, space);
      return { t: 0, mu: { n: mu0.n, d: mu0.d, X: mu0.X.slice(), w: mu0.w.slice() } };
    },
    step(r: Rng, state: FlowState): [FlowState, StepInfo] {
      if (!r || typeof r !== 'object' || typeof (r as { nextUint32?: unknown }).nextUint32 !== 'function')
        throw new InputError('rng', r, 'a generator from rng(seed, stream)');
      if (!state || typeof state !== 'object') throw new InputError('state', state, 'a flow state {t, mu} from init or step');
      if (!Number.isSafeInteger(state.t) || state.t < 0) throw new InputError('state.t', state.t, 'an integer >= 0');
      checkMeasureShape('state.mu', state.mu);
      if (state.mu.d !== E.d) throw new InputError('state.mu.d', state.mu.d, `${E.d} (the dimension of the energy/target)`);
      const Et = E.atStep ? E.atStep(r, state.t) : E;
      let mu = state.mu;
      const info: StepInfo = { t: state.t };
      if (tr) {
        const res = transportStep(Et, mu, tr, config.tau!, state.t, r);
        mu = { ...mu, X: res.X };
        if (res.energy !== undefined) info.energy = res.energy;
        if (res.accepted !== undefined) info.accepted = res.accepted;
        if (res.inner !== undefined) info.inner = res.inner;
      }
      if (re) {
        const res = reactionStep(Et, mu, re, config.eta!, mmdKernel);
        mu = { ...mu, w: res.w };
        if (res.qp) info.qp = res.qp;
        if (config.rejuvenate) {
          const rj = rejuvenate(Et, mu, config.rejuvenate, r);
          mu = rj.mu;
          info.rejuvenated = rj.relocated;
        }
      }
      checkFiniteState(mu, state.t);
      return [{ t: state.t + 1, mu }, info];
    },
  };
}

/** Shape of a particle measure (cheap, O(1)): typed arrays of matching lengths. */
function checkMeasureShape(field: string, mu: ParticleMeasure): void {
  if (!mu || typeof mu !== 'object') throw new InputError(field, mu, 'a particle measure {n, d, X, w} (see particleMeasure)');
  if (!Number.isInteger(mu.d) || mu.d < 1) throw new InputError(`${field}.d`, mu.d, 'an integer >= 1');
  if (!Number.isInteger(mu.n) || mu.n < 1) throw new InputError(`${field}.n`, mu.n, 'an integer >= 1');
  if (!(mu.X instanceof Float64Array) || mu.X.length !== mu.n * mu.d)
    throw new InputError(`${field}.X`, mu.X, `a Float64Array of n·d = ${mu.n * mu.d} positions`);
  if (!(mu.w instanceof Float64Array) || mu.w.length !== mu.n) throw new InputError(`${field}.w`, mu.w, `a Float64Array of n = ${mu.n} weights`);
}

function checkFiniteState(mu: ParticleMeasure, t: number): void {
  for (let i = 0; i < mu.X.length; i++)
    if (!Number.isFinite(mu.X[i]!))
      throw new DivergenceError(
        `the flow diverged at step ${t}: particle ${Math.floor(i / mu.d)} has position ${mu.X[i]} — reduce the step size tau (or eta), or increase the kernel bandwidth`,
        t,
      );
  for (let i = 0; i < mu.w.length; i++)
    if (!Number.isFinite(mu.w[i]!) || mu.w[i]! < 0)
      throw new DivergenceError(`the flow diverged at step ${t}: weight ${i} is ${mu.w[i]} — reduce the reaction step eta`, t);
}
