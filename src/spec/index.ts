/**
 * The run spec, entry `measureflow/spec`: the JSON format of `measureflow run` as a zod schema
 * (`parseSpec`, `specJsonSchema`) and its translation into a flow (`buildRun`). Kept out of the
 * core entry `measureflow` because zod is most of a browser bundle's weight.
 *
 * @module
 */
export * from './schema.js';
export * from './build.js';
export * from './spaces.js';
