export * from './expectations.js';
export * from './flow.js';
export * from './matrix.js';
export * from './presets.js';
export * from './run.js';
