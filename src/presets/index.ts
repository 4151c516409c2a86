/**
 * Named algorithms of docs/math.md §6 as presets: each returns the same `FlowConfig` a user
 * could build by hand from an energy, a geometry and a scheme — nothing more. Tests check
 * that each preset equals its explicit composition.
 */
import { InputError } from '../core/errors.js';
import type { Energy } from '../energies/energy.js';
import { klEnergy } from '../energies/kl.js';
import { ksdEnergy } from '../energies/ksd.js';
import { phiDivergenceEnergy } from '../energies/phiDivergence.js';
import type { Target } from '../targets/target.js';
import type { Interaction, Internal } from '../energies/mckeanVlasov.js';
import { mckeanVlasovEnergy } from '../energies/mckeanVlasov.js';
import { mmdEnergy } from '../energies/mmd.js';
import type { Potential, ScoreModel } from '../energies/potential.js';
import type { FlowConfig } from '../flows/flow.js';
import type { Kernel } from '../kernels/kernel.js';
import type { KernelInput, SampleTarget, SampleTargetInput } from './options.js';
import { DEFAULT_ETA, DEFAULT_TAU, resolveKernel, toSampleTarget } from './options.js';

export type { KernelInput, SampleTarget, SampleTargetInput } from './options.js';
export { DEFAULT_ETA, DEFAULT_KERNEL, DEFAULT_TAU, resolveKernel, toSampleTarget } from './options.js';

/** What every sample-based preset accepts for its target, kernel and dimension. */
export interface SampleOpts {
  /** Target samples: `{Y, d}`, a measure `{X, d, w?}`, rows `[[x, y], …]`, or a Float64Array with `d`. */
  target: SampleTargetInput;
  /** Kernel (default Gaussian σ = 1); `sigma: 'median'` takes the median distance of the target samples. */
  kernel?: KernelInput;
  /** Dimension, needed only for a bare Float64Array target. */
  d?: number;
}

/** The target samples and the resolved kernel of a sample-based preset. */
function sampled(o: SampleOpts): { t: SampleTarget; kernel: Kernel } {
  const t = toSampleTarget(o.target, o.d);
  return { t, kernel: resolveKernel(o.kernel, t) };
}

/** The kernel of a score-based preset (no samples: `'median'` is refused with a pointer). */
const scoreKernel = (k: KernelInput | undefined): Kernel => resolveKernel(k, null);
const mmdOf = (kernel: Kernel, t: SampleTarget, force?: 'witness' | 'nadaraya-watson'): Energy =>
  mmdEnergy({ kernel, Y: t.Y, d: t.d, yWeights: t.yWeights, resample: t.resample, force, ...(t.sums !== undefined ? { sums: t.sums } : {}) });

/** Unadjusted Langevin (ULA): P · KL(µ‖π) · W · xᵢ ← xᵢ + τ s(xᵢ) + √(2τ) N(0, I); `mala` adds MH correction. */
export function langevin(o: { target: ScoreModel; tau?: number; mala?: boolean; bandwidth?: number }): FlowConfig {
  return {
    space: 'P',
    energy: klEnergy({ target: o.target, estimator: 'langevin', bandwidth: o.bandwidth }),
    transport: { kind: 'wasserstein', mala: o.mala ?? false },
    tau: o.tau ?? DEFAULT_TAU,
  };
}

/** SVGD (Liu & Wang 2016): P · KL(µ‖π) · Stein · xᵢ ← xᵢ + τ Σⱼ wⱼ[k(xⱼ,xᵢ)s(xⱼ) + ∇_{xⱼ}k(xⱼ,xᵢ)]. */
export function svgd(o: { target: ScoreModel; kernel?: KernelInput; tau?: number }): FlowConfig {
  return {
    space: 'P',
    energy: klEnergy({ target: o.target, estimator: 'langevin' }),
    transport: { kind: 'stein', kernel: scoreKernel(o.kernel) },
    tau: o.tau ?? DEFAULT_TAU,
  };
}

/** MMD flow (Arbel et al. 2019): P · ½MMD² · W, explicit; optional noise injection until a step. */
export function mmdFlow(o: SampleOpts & { tau?: number; noise?: { level: number; until: number } }): FlowConfig {
  const { t, kernel } = sampled(o);
  return {
    space: 'P',
    energy: mmdOf(kernel, t),
    transport: o.noise ? { kind: 'wasserstein', noise: o.noise } : { kind: 'wasserstein' },
    tau: o.tau ?? DEFAULT_TAU,
  };
}

/** KSD descent (Korba et al. 2021): P · ½KSD² · W, explicit. */
export function ksdDescent(o: { kernel?: KernelInput; target: ScoreModel; tau?: number }): FlowConfig {
  return { space: 'P', energy: ksdEnergy({ kernel: scoreKernel(o.kernel), target: o.target }), transport: { kind: 'wasserstein' }, tau: o.tau ?? DEFAULT_TAU };
}

/**
 * IFT gradient descent (IFT paper, Algorithm 1): P · ½MMD² · spherical IFT; a Wasserstein
 * step of length τα, then an MMD weight step of length ηβ, `exact` (QP) or `pgd`.
 */
export function ift(
  o: SampleOpts & {
  tau?: number;
  eta?: number;
  variant?: 'exact' | 'pgd';
  alpha?: number;
  beta?: number;
  noise?: { level: number; until: number };
  space?: 'P' | 'M+';
},
): FlowConfig {
  const space = o.space ?? 'P';
  const { t, kernel } = sampled(o);
  return {
    space,
    energy: mmdOf(kernel, t),
    transport: { kind: 'wasserstein', coef: o.alpha ?? 1, ...(o.noise ? { noise: o.noise } : {}) },
    reaction: { kind: 'mmd', variant: o.variant ?? 'exact', spherical: space === 'P', coef: o.beta ?? 1 },
    tau: o.tau ?? DEFAULT_TAU,
    eta: o.eta ?? DEFAULT_ETA,
  };
}

/**
 * Score-based IFT (inclusive-KL paper, "setting (2)": IFT on the KSD energy): P · ½KSD² ·
 * (Wasserstein + spherical MMD) — a Wasserstein step xᵢ ← xᵢ − τ·α∇ξ(xᵢ) on ½KSD², then a
 * weight step of length η·β, for a target known only by its score. Weight steps (`variant`):
 * - 'pgd' (default): w ← Proj_Δ(w − ηξ), ξ(xᵢ) = Σⱼ wⱼ k_π(xⱼ, xᵢ) — one projected-gradient step, O(n²d);
 * - 'stein': the exact proximal step in the geometry of the Stein kernel itself,
 *   argmin_{β∈Δ} ½βᵀGβ + (1/2η)(β − w)ᵀG(β − w), G = [k_π(xᵢ, xⱼ)] (a QP; O(n²) memory);
 * - 'exact': the MMD proximal step in the base kernel's geometry with ½KSD² linearised at w,
 *   argmin_{β∈Δ} ⟨ξ, β⟩ + (1/2η)(β − w)ᵀK(β − w).
 */
export function scoreIft(o: { kernel: Kernel; target: ScoreModel; tau: number; eta: number; variant?: 'pgd' | 'stein' | 'exact'; alpha?: number; beta?: number }): FlowConfig {
  const variant = o.variant ?? 'pgd';
  return {
    space: 'P',
    energy: ksdEnergy({ kernel: o.kernel, target: o.target }),
    transport: { kind: 'wasserstein', coef: o.alpha ?? 1 },
    reaction: { kind: 'mmd', variant, spherical: true, coef: o.beta ?? 1, ...(variant === 'exact' ? { kernel: o.kernel } : {}) },
    tau: o.tau,
    eta: o.eta,
  };
}

/**
 * Wasserstein flow of a power φ-divergence (default p = 2: ½χ²(µ‖π)): P · D_p (blob, KDE
 * bandwidth h) · W, explicit. Needs π's log density and score. The velocity −∇ξ grows like
 * (ρ/π)^{p−1}|∇log π| in π's tails, so the explicit step wants clouds not deep in the tails
 * and a small τ.
 */
export function chi2Flow(o: { target: Target; bandwidth: number; tau: number; p?: number }): FlowConfig {
  return { space: 'P', energy: phiDivergenceEnergy({ target: o.target, p: o.p ?? 2, bandwidth: o.bandwidth }), transport: { kind: 'wasserstein' }, tau: o.tau };
}

/**
 * The force-kernelized Wasserstein flow of χ² (inclusive-KL paper, eq. 21):
 * µ̇ = div(µ∇𝒯_{k,π}(dµ/dπ − 1)). Since 𝒯_{k,π}(dµ/dπ − 1)(x) = ∫k(x,y)dµ(y) − ∫k(x,y)dπ(y) is
 * exactly the MMD witness, this flow IS the MMD flow (Arbel et al. 2019): P · ½MMD² · W, which
 * needs only samples of π — no density ratio. (Chewi et al. 2020's implemented scheme, eq. 20,
 * smooths under π with the order of ∇ and the kernel swapped; SVGD is that flow for KL.)
 */
export function kernelizedChi2Flow(o: { kernel: Kernel; target: SampleTarget; tau: number }): FlowConfig {
  return mmdFlow({ kernel: o.kernel, target: o.target, tau: o.tau });
}

/** WFR gradient descent of ½MMD²: P · ½MMD² · WFR · Wasserstein step + Fisher-Rao (KL mirror) step. */
export function wfr(o: SampleOpts & { tau?: number; eta?: number; alpha?: number; beta?: number }): FlowConfig {
  const { t, kernel } = sampled(o);
  return {
    space: 'P',
    energy: mmdOf(kernel, t),
    transport: { kind: 'wasserstein', coef: o.alpha ?? 1 },
    reaction: { kind: 'fisher-rao', coef: o.beta ?? 1 },
    tau: o.tau ?? DEFAULT_TAU,
    eta: o.eta ?? DEFAULT_ETA,
  };
}

/**
 * Birth–death Langevin (Lu et al. 2019): P · KL(µ‖π) · WFR · Langevin step, then the
 * Fisher-Rao step with ξ = log ρ̂ + V (ρ̂ a Gaussian KDE of bandwidth h).
 */
export function birthDeath(o: { target: ScoreModel; tau?: number; eta?: number; bandwidth: number }): FlowConfig {
  return {
    space: 'P',
    energy: klEnergy({ target: o.target, estimator: 'langevin', bandwidth: o.bandwidth }),
    transport: { kind: 'wasserstein' },
    reaction: { kind: 'fisher-rao' },
    tau: o.tau ?? DEFAULT_TAU,
    eta: o.eta ?? DEFAULT_ETA,
  };
}

/**
 * Kernelized inclusive-KL mirror descent (inclusive-KL paper eq. 42–43): P · KL(π‖µ)
 * kernelized · Fisher-Rao, wᵢ ∝ wᵢ exp(−η ξ(xᵢ)). `form` 'samples': ξ is the MMD witness
 * against target samples; 'stein': ξ(z) = Σⱼ wⱼ k_π(xⱼ, z) with the Langevin–Stein kernel
 * (target known by its score). Positions do not move.
 */
export function inclusiveKlMirror(
  o: { kernel?: KernelInput; eta?: number; d?: number } & ({ form: 'samples'; target: SampleTargetInput } | { form: 'stein'; target: ScoreModel }),
): FlowConfig {
  let energy: Energy;
  if (o.form === 'samples') {
    const { t, kernel } = sampled(o);
    energy = mmdOf(kernel, t);
  } else energy = ksdEnergy({ kernel: scoreKernel(o.kernel), target: o.target });
  return { space: 'P', energy, reaction: { kind: 'fisher-rao' }, eta: o.eta ?? DEFAULT_ETA };
}

/**
 * Simulated Fisher-Rao flow of the inclusive KL = MMD–MMD flow (inclusive-KL paper
 * Prop. 3, IFT paper Thm 3.4): P · ½MMD² · spherical MMD geometry, exact (implicit)
 * weight steps on the union of supports, so µ_t → e^{−t}µ₀ + (1 − e^{−t})π. The initial
 * measure must carry the target atoms (with weight 0): see `unionOfSupports`.
 */
export function fisherRao(o: SampleOpts & { eta?: number }): FlowConfig {
  const { t, kernel } = sampled(o);
  return { space: 'P', energy: mmdOf(kernel, t), reaction: { kind: 'mmd', variant: 'exact', spherical: true }, eta: o.eta ?? DEFAULT_ETA };
}

/** Nadaraya–Watson force (inclusive-KL paper eq. 22–23): W flow of ξ = witness / Σⱼ wⱼ k(xⱼ, ·). */
export function nwForce(o: SampleOpts & { tau?: number }): FlowConfig {
  const { t, kernel } = sampled(o);
  return { space: 'P', energy: mmdOf(kernel, t, 'nadaraya-watson'), transport: { kind: 'wasserstein' }, tau: o.tau ?? DEFAULT_TAU };
}

/** McKean–Vlasov / porous medium: P · ∫V + ½∬W + ∫U · W, explicit (noise or blob entropy). */
export function mckeanVlasov(o: { d: number; potential?: Potential; interaction?: Interaction; internal?: Internal; tau?: number }): FlowConfig {
  if (!o.potential && !o.interaction && !o.internal)
    throw new InputError('energy', 'empty', 'at least one of potential, interaction, internal');
  return {
    space: 'P',
    energy: mckeanVlasovEnergy({ d: o.d, potential: o.potential, interaction: o.interaction, internal: o.internal }),
    transport: { kind: 'wasserstein' },
    tau: o.tau ?? DEFAULT_TAU,
  };
}

/** The names of the presets, as the spec's `algorithm` field spells them (docs/math.md §6). */
export const PRESET_NAMES = [
  'langevin',
  'svgd',
  'mmd-flow',
  'ksd-descent',
  'ift',
  'wfr',
  'birth-death',
  'inclusive-kl-mirror',
  'fisher-rao',
  'nw-force',
  'mckean-vlasov',
  'score-ift',
] as const;
/** A preset name, one of {@link PRESET_NAMES}. */
export type PresetName = (typeof PRESET_NAMES)[number];
