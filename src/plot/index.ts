/**
 * Plotting layer: Vega-Lite spec builders for the experiments' figures and the HTML report.
 * Pure (no `node:*`): the specs render in a browser with vega-embed, and in Node through
 * `measureflow/node` (`renderSvg`, `renderPng`, `writeFigure`). Entry `measureflow/plot`.
 *
 * @module
 */
export * from './theme.js';
export * from './curves.js';
export * from './particles.js';
export * from './histogram.js';
export * from './report.js';
export * from './history.js';
export * from './spaces.js';
