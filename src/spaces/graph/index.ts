export * from './dense.js';
export * from './distance.js';
export * from './energies.js';
export * from './flow.js';
export * from './graph.js';
export * from './onsager.js';
