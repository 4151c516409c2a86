/**
 * measureflow — gradient flows of probability measures on weighted particles.
 * The numerical core: nothing here imports `node:*`, so it runs unchanged in a browser.
 */
export * from './core/errors.js';
export * from './core/validate.js';
export * from './core/math.js';
export * from './core/measure.js';
export * from './core/rng.js';
export * from './kernels/kernel.js';
export * from './backend/kernelSums.js';
export * from './backend/steinSums.js';
export * from './metrics/mmd.js';
export * from './metrics/ksd.js';
