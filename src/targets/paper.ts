/**
 * The targets of the IFT paper's experiments (Gladin, Dvurechensky, Mielke, Zhu,
 * NeurIPS 2024, §4), see docs/experiments.md.
 */
import { InputError } from '../core/errors.js';
import { matMulTransposed } from '../core/linalg.js';
import type { Rng } from '../core/rng.js';
import { type GaussianTarget, gaussianTarget } from './gaussian.js';
import { buildMixture, type MixtureTarget, mixtureTarget } from './mixture.js';

/** The 2-D Gaussian target of the IFT paper: π = N(0, [[1, ½], [½, 2]]). */
export function paperGaussian2d(): GaussianTarget {
  return gaussianTarget({
    mean: [0, 0],
    cov: [
      [1, 0.5],
      [0.5, 2],
    ],
  });
}

/**
 * The 2-D Gaussian mixture of the IFT paper, equal weights ⅓ on
 * N((0, 0), [[1, ½], [½, 2]]), N((3, −1), I) and N((1, 4), [[3, ½], [½, 1]]).
 * Its mean is (4/3, 1).
 */
export function paperMixture2d(): MixtureTarget {
  return mixtureTarget({
    components: [
      {
        mean: [0, 0],
        cov: [
          [1, 0.5],
          [0.5, 2],
        ],
      },
      { mean: [3, -1], cov: 1 },
      {
        mean: [1, 4],
        cov: [
          [3, 0.5],
          [0.5, 1],
        ],
      },
    ],
  });
}

/** Options of `paperMixture100d`. */
export interface PaperMixtureOptions {
  /** Dimension. Default 100. */
  d?: number;
  /** Number of components. Default 3. */
  k?: number;
  /** Norm ‖mₖ‖₂ of every component mean. Default 20. */
  meanNorm?: number;
  /** Columns of P in Σₖ = D + PPᵀ. Default 10. */
  rank?: number;
  /** Range [diagMin, diagMax] of the diagonal of D. Default [0.5, 5]. */
  diagMin?: number;
  diagMax?: number;
  /** Name used in error messages. Default "paperMixture100d". */
  field?: string;
}

/**
 * A random high-dimensional Gaussian mixture as in the IFT paper's 100-D experiment and
 * the authors' code (egorgladin/ift_flow, `ift_experiment.py`, `get_mixture`): K components
 * with equal weights 1/K; mean mₖ = meanNorm·g/‖g‖, g ~ N(0, I_d) (a uniformly random
 * direction); covariance Σₖ = D + PPᵀ with D = diag(δ), δₐ ~ U[diagMin, diagMax], and
 * P [d, rank] with entries ~ U[0, 1], so λ_min(Σₖ) ≥ diagMin.
 *
 * Draws from `r`, component by component: d normals (the direction), d uniforms (δ), then
 * d·rank uniforms (P, row-major). The numbers differ from the authors' (PyTorch's generator;
 * their code also reseeds with the same seed before the mean and before the covariance of
 * a component, which makes them statistically dependent; we do not reproduce that).
 */
export function paperMixture100d(r: Rng, opts: PaperMixtureOptions = {}): MixtureTarget {
  const d = opts.d ?? 100;
  const K = opts.k ?? 3;
  const meanNorm = opts.meanNorm ?? 20;
  const rank = opts.rank ?? 10;
  const lo = opts.diagMin ?? 0.5;
  const hi = opts.diagMax ?? 5;
  const f = opts.field ?? 'paperMixture100d';
  if (!Number.isInteger(d) || d < 1) throw new InputError(`${f}.d`, d, 'an integer >= 1');
  if (!Number.isInteger(K) || K < 1) throw new InputError(`${f}.k`, K, 'an integer >= 1');
  if (!Number.isInteger(rank) || rank < 0) throw new InputError(`${f}.rank`, rank, 'an integer >= 0');
  if (!Number.isFinite(meanNorm) || meanNorm < 0) throw new InputError(`${f}.meanNorm`, meanNorm, 'a finite number >= 0');
  if (!Number.isFinite(lo) || lo <= 0) throw new InputError(`${f}.diagMin`, lo, 'a finite number > 0');
  if (!Number.isFinite(hi) || hi < lo) throw new InputError(`${f}.diagMax`, hi, `a finite number >= diagMin = ${lo}`);
  const means: Float64Array[] = [];
  const covs: Float64Array[] = [];
  const P = new Float64Array(d * rank);
  for (let k = 0; k < K; k++) {
    const m = new Float64Array(d);
    let nrm = 0;
    while (nrm === 0) {
      r.fillNormal(m);
      nrm = 0;
      for (let a = 0; a < d; a++) nrm += m[a]! * m[a]!;
    }
    const scale = meanNorm / Math.sqrt(nrm);
    for (let a = 0; a < d; a++) m[a] = m[a]! * scale;
    const diag = new Float64Array(d);
    for (let a = 0; a < d; a++) diag[a] = lo + (hi - lo) * r.uniform();
    for (let i = 0; i < d * rank; i++) P[i] = r.uniform();
    const S = matMulTransposed(P, P, d, d, rank);
    for (let a = 0; a < d; a++) S[a * d + a]! += diag[a]!;
    means.push(m);
    covs.push(S);
  }
  return buildMixture(undefined, means, covs, {
    weights: `${f}.weights`,
    components: `${f}.components`,
    mean: (k) => `${f}.means[${k}]`,
    cov: (k) => `${f}.covs[${k}]`,
  });
}
