/** Node-only helpers of measureflow: files, the run command, rendering. */
export * from './files.js';
export * from './runCommand.js';
export * from './render.js';
export { main, buildProgram } from './cli.js';
export * from './webgpu.js';
export * from './threads.js';
export type { OutputFolder } from './outputFolder.js';
