import { InputError } from './errors.js';

/**
 * Largest number of doubles in one array the library allocates on request (2²⁸ = 2 GiB):
 * beyond it, a typed array either cannot be created at all (JavaScript engines cap typed-array
 * lengths) or the computation that follows (O(n²) for every flow) could not finish anyway.
 */
export const MAX_ARRAY_ELEMENTS = 2 ** 28;

/** Human-readable byte count (binary units). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toPrecision(3)} ${units[u]}`;
}

/**
 * Throws an `InputError` naming `field` (the setting the user gave, e.g. `init.n` or `--n`)
 * before an n×d array of doubles is allocated, when n·d exceeds `MAX_ARRAY_ELEMENTS` or, when
 * `memoryBytes` is given (the machine's memory, known on Node), a quarter of it (the array
 * is one of several of that size). Returns n.
 */
export function checkArrayBudget(field: string, n: number, d: number, memoryBytes?: number): number {
  const elements = n * d;
  const byMemory = memoryBytes !== undefined && memoryBytes > 0 ? Math.floor(memoryBytes / 8 / 4) : Infinity;
  const limit = Math.min(MAX_ARRAY_ELEMENTS, byMemory);
  if (elements > limit) {
    const why =
      byMemory < MAX_ARRAY_ELEMENTS
        ? `a quarter of this machine's ${formatBytes(memoryBytes!)} of memory`
        : `the ${formatBytes(MAX_ARRAY_ELEMENTS * 8)} allowed for one array`;
    throw new InputError(
      field,
      n,
      `at most ${Math.floor(limit / d)} points in dimension ${d}`,
      `${n} × ${d} doubles need ${formatBytes(elements * 8)}, more than ${why}`,
    );
  }
  return n;
}
