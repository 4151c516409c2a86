/**
 * measureflow — gradient flows of probability measures on weighted particles.
 * A flow = space × energy × geometry + time discretization (docs/math.md §1); the named
 * algorithms are presets. This is the numerical core: nothing here imports `node:*`,
 * so it runs unchanged in a browser. Node-only helpers live in `measureflow/node`; the run
 * spec (zod schema, spec → flow) in `measureflow/spec`; the Vega-Lite figure specs in
 * `measureflow/plot`. Keeping those out of this entry keeps a browser bundle of the core small
 * (`npm run bundle-size`).
 */
export * from './core/errors.js';
export * from './core/validate.js';
export * from './core/math.js';
export * from './core/measure.js';
export * from './core/rng.js';
export * from './core/linalg.js';
export * from './kernels/kernel.js';
export * from './kernels/bandwidth.js';
export * from './backend/engine.js';
export * from './backend/kernelSums.js';
export * from './backend/steinSums.js';
export * from './backend/steinGrad.js';
export * from './backend/vectorSums.js';
export * from './backend/kernelMatrix.js';
export * from './backend/approxSums.js';
export * from './backend/slicedSums.js';
export * from './backend/featureSums.js';
export * from './backend/directions.js';
export { Argsorter } from './backend/argsort.js';
export * from './backend/webgpu/index.js';
export * from './backend/parallel.js';
export * from './targets/target.js';
export * from './targets/gaussian.js';
export * from './targets/mixture.js';
export * from './targets/banana.js';
export * from './targets/doubleWell.js';
export * from './targets/samples.js';
export * from './targets/score.js';
export * from './targets/paper.js';
export * from './targets/donut.js';
export * from './targets/funnel.js';
export * from './targets/squiggle.js';
export * from './targets/ring.js';
export * from './targets/makeTarget.js';
export type { CovarianceInput } from './targets/parse.js';
export * from './metrics/mmd.js';
export * from './metrics/ksd.js';
export * from './metrics/w2.js';
export * from './metrics/sinkhorn.js';
export * from './io/csv.js';
export * from './io/npy.js';
export * from './io/json.js';
export * from './solvers/simplexProjection.js';
export * from './solvers/kernelQP.js';
export * from './energies/energy.js';
export * from './energies/potential.js';
export * from './energies/mmd.js';
export * from './energies/mmdApprox.js';
export * from './energies/kl.js';
export * from './energies/ksd.js';
export * from './energies/mckeanVlasov.js';
export * from './geometries/types.js';
export * from './geometries/transport.js';
export * from './geometries/reaction.js';
export * from './flows/flow.js';
export * from './flows/run.js';
export * from './flows/closedForm.js';
export * from './presets/index.js';
export * from './presets/catalog.js';
export * as experiments from './experiments/index.js';
export * from './spaces/gaussian/index.js';
export * from './spaces/graph/index.js';
export * from './backend/steinMatrix.js';
export * from './geometries/rejuvenate.js';
export * from './energies/phiDivergence.js';
