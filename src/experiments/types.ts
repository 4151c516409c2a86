/**
 * Types of the reproducible experiments (`measureflow experiment NAME`): the IFT paper's §4
 * benchmarks (docs/experiments.md) and the double-well Langevin demo. Pure: no `node:*` imports, so an
 * experiment can also run in a browser worker.
 */

/** Names of the experiments. */
export const EXPERIMENT_NAMES = ['ift-gaussian-2d', 'ift-mixture-2d', 'ift-mixture-100d', 'double-well-langevin'] as const;
/** An experiment name, one of {@link EXPERIMENT_NAMES}. */
export type ExperimentName = (typeof EXPERIMENT_NAMES)[number];

/** The IFT-paper experiments (everything but the double well). */
export type IftExperimentName = Exclude<ExperimentName, 'double-well-langevin'>;

/** Methods compared in the IFT experiments, and the Langevin sampler of the double well. */
export const IFT_METHODS = ['mmd-flow', 'mmd-flow-noise', 'ift', 'wfr'] as const;
/** A method of the IFT experiments, one of {@link IFT_METHODS}. */
export type IftMethod = (typeof IFT_METHODS)[number];
/** A method of any experiment: an IFT method or the double well's Langevin sampler. */
export type MethodId = IftMethod | 'langevin';

/**
 * How the paper's step sizes are read:
 * - `paper`: the formulas of the paper (eq. 15 and Algorithm 1): Wasserstein step
 *   xᵢ ← xᵢ − τ∇ξ(xᵢ), MMD weight step β = Proj_Δ(α − ηξ), KL step w ∝ w·e^{−η_KL ξ};
 *   ξ the first variation of ½MMD² (the witness); the noisy MMD flow evaluates ∇ξ_µ at
 *   xᵢ + level·uᵢ (Arbel et al. 2019).
 * - `authors-code`: the released code (egorgladin/ift_flow, `ift_experiment.py`): `--tau` is
 *   its `lr`, `--eta` its `lr_`; positions xᵢ ← xᵢ − lr·∂MMD²/∂xᵢ = xᵢ − 2·lr·wᵢ∇ξ(xᵢ) (a
 *   Euclidean gradient: our transport metric 'euclidean' with τ = 2·lr); MMD weight step
 *   Proj_Δ(w − lr_·∂MMD²/∂w) = Proj_Δ(w − 2·lr_·ξ) (our pgd with η = 2·lr_); KL step
 *   Proj_Δ(w·e^{−lr_KL·ξ}) (a Euclidean projection, not a normalisation); the noisy MMD flow
 *   takes the gradient of MMD² of the *perturbed* cloud at the perturbed points.
 */
export type Convention = 'paper' | 'authors-code';
/** Every {@link Convention}. */
export const CONVENTIONS: readonly Convention[] = ['paper', 'authors-code'];

/** Target samples of the energy: one fixed draw per run, or a fresh draw every iteration (authors' code). */
export type TargetSamples = 'fixed' | 'redrawn';
/** Every {@link TargetSamples} choice. */
export const TARGET_SAMPLES: readonly TargetSamples[] = ['fixed', 'redrawn'];

/** IFT weight step: one projected-gradient step (as in the paper's experiments) or the exact QP (eq. 23). */
export type IftVariant = 'pgd' | 'exact';
/** Every {@link IftVariant}. */
export const IFT_VARIANTS: readonly IftVariant[] = ['pgd', 'exact'];

/** What the loss MMD² is measured against: a fixed independent test sample, or the run's own training sample Y. */
export type LossSample = 'test' | 'train';
/** Every {@link LossSample} choice. */
export const LOSS_SAMPLES: readonly LossSample[] = ['test', 'train'];

/** Resolved settings of an IFT-paper experiment (every one is a CLI flag, recorded in config.json). */
export interface IftSettings {
  readonly experiment: IftExperimentName;
  /** Independent runs (different µ₀, target samples, test sample, noise). */
  readonly runs: number;
  /** Master seed; run r uses the seed `rng(seed, r).nextUint32()`. */
  readonly seed: number;
  /** Steps in the paper's counting (one IFT/WFR iteration = 2 steps). */
  readonly steps: number;
  /** Particles. */
  readonly n: number;
  /** Target samples per draw. */
  readonly m: number;
  /** Gaussian kernel bandwidth σ, k = exp(−|x − y|²/(2σ²)). */
  readonly sigma: number;
  /** paper: Wasserstein step τ; authors-code: the code's `lr`. */
  readonly tau: number;
  /** paper: MMD weight step η; authors-code: the code's `lr_` of the MMD weight update. */
  readonly eta: number;
  /** WFR's KL (entropic mirror) weight step: paper η_KL; authors-code `lr_` of the KL update. */
  readonly etaKl: number;
  /** Noise level of the noisy MMD flow (std of the perturbation). */
  readonly noiseLevel: number;
  /** The noise is switched off from this step on (MMD-flow steps = iterations). */
  readonly noiseUntil: number;
  readonly variant: IftVariant;
  readonly targetSamples: TargetSamples;
  readonly convention: Convention;
  /** Size of the fixed test sample of π the loss is measured against. */
  readonly testSize: number;
  readonly lossSample: LossSample;
  /** Record the loss every this many steps (even, so IFT/WFR iterations land on the same grid). */
  readonly recordEvery: number;
  readonly methods: readonly IftMethod[];
  /** Particles of run 0 whose paths are recorded for the trajectory plots. */
  readonly pathParticles: number;
}

/** Resolved settings of the double-well Langevin demo (seed 004). */
export interface DoubleWellSettings {
  readonly experiment: 'double-well-langevin';
  readonly runs: number;
  readonly seed: number;
  readonly steps: number;
  /** Particles. */
  readonly n: number;
  /** Time step dt of the unadjusted Langevin algorithm. */
  readonly tau: number;
  /** Standard deviation of µ₀ = N(0, s²). */
  readonly initStd: number;
  readonly recordEvery: number;
  readonly methods: readonly ['langevin'];
  /** Steps at which run 0's particles are kept for the histograms. */
  readonly snapshotSteps: readonly number[];
  /** Histogram bins on [−2.5, 2.5]. */
  readonly bins: number;
}

/** Resolved settings of any experiment (see `resolveSettings`). */
export type ExperimentSettings = IftSettings | DoubleWellSettings;

/** One unit of work for a worker: one (method, run). */
export interface ExperimentTask {
  readonly settings: ExperimentSettings;
  readonly method: MethodId;
  readonly run: number;
}

/** Run 0's particles for the trajectory plots, in two plotting coordinates (2-D: x itself; 100-D: a projection). */
export interface TrajectoryDetail {
  /** Target samples shown, [p, 2]. */
  target: Float64Array;
  /** Initial particles [n, 2]. */
  initial: Float64Array;
  /** Final particles [n, 2] and weights [n]. */
  final: Float64Array;
  finalW: Float64Array;
  /** Paths of the first `pathParticles` particles, each [T, 2] at the recorded steps. */
  paths: Float64Array[];
  /** Axis titles of the plotting coordinates. */
  xLabel: string;
  yLabel: string;
}

/** Run 0's particles at a few steps (1-D), for the double-well histograms. */
export interface SnapshotDetail {
  snapshots: { step: number; t: number; X: Float64Array }[];
}

/** What one (method, run) returns. */
export interface RunCurve {
  readonly method: MethodId;
  readonly run: number;
  /** The per-run seed, `rng(seed, run).nextUint32()`. */
  readonly runSeed: number;
  /** Steps (paper counting) of the recorded losses. */
  readonly x: number[];
  readonly loss: number[];
  /** Iterations performed (steps for MMD flow and Langevin, ⌊steps/2⌋ for IFT/WFR). */
  readonly iterations: number;
  readonly elapsedMs: number;
  /** Message of a `DivergenceError`; the curve then stops at the last finite state. */
  readonly diverged?: string;
  /** Scalars of the final state (e.g. vanished particles, E[x²]). */
  readonly finals: Record<string, number>;
  readonly trajectory?: TrajectoryDetail;
  readonly snapshots?: SnapshotDetail;
}

/** Optional hooks of a run: progress in steps (paper counting), and an early stop. */
export interface RunHooks {
  /** Called with the number of steps done (paper counting) as the run advances. */
  onProgress?: (stepsDone: number) => void;
  /**
   * Checked before every step; true stops the run there (a scheduler's SIGTERM). The curve then
   * ends at the last step done, recorded, so it is shorter than the planned one.
   */
  shouldStop?: () => boolean;
}
