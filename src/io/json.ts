/**
 * JSON ↔ particles, pure (no `node:*`).
 *
 * Two shapes are read: an array of rows `[[x, y], …]` (or a flat array of numbers for
 * d = 1), and the object measureflow writes in `result.json`,
 * `{ "positions": [[…], …], "weights": […] }`. Numbers are written in shortest round-trip
 * form (−0 kept), so a write/read round trip is bit-exact.
 */
import { InputError } from '../core/errors.js';
import { formatNumber } from './csv.js';

/** Particles read from JSON: positions `X [n, d]` and, when given, weights `w [n]`. */
export interface JsonParticles {
  /** Row-major positions `[n, d]`. */
  X: Float64Array;
  /** Number of particles. */
  n: number;
  /** Dimension. */
  d: number;
  /** Weights `[n]` (finite, ≥ 0; the sum is not checked here), when the file has `"weights"`. */
  w?: Float64Array;
}

/**
 * Parses particles from JSON text. Accepted:
 * - an array of rows, `[[x₀, y₀], [x₁, y₁], …]`, all of the same length d ≥ 1;
 * - a flat array of numbers `[x₀, x₁, …]`, read as n particles in d = 1;
 * - an object `{ "positions": <rows as above>, "weights": [w₀, w₁, …] }` (`weights`
 *   optional; other keys are ignored, so a whole `result.json` can be given).
 *
 * Every entry must be a finite number (JSON has no NaN; `1e400` parses to Infinity and is
 * rejected), weights ≥ 0 and one per particle. Errors are `InputError`s whose field is the
 * path of the bad entry, e.g. `result.json.positions[3][1]`; malformed JSON gives the
 * parser's message. The sum of the weights is left to `particleMeasure`.
 *
 * @param text - the JSON text.
 * @param field - name used in error messages. Default `"json"`.
 * @returns `{X [n, d], n, d, w? [n]}`.
 * @example
 * parseParticlesJson('{"positions": [[0, 1], [2, 3]], "weights": [0.5, 0.5]}') // → X [0,1,2,3], n 2, d 2, w [0.5,0.5]
 */
export function parseParticlesJson(text: string, field = 'json'): JsonParticles {
  if (typeof text !== 'string') throw new InputError(field, text, 'JSON text (a string)');
  if (text.trim() === '') throw new InputError(field, text, 'a JSON array of rows or {"positions": …}', 'the file is empty');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError(field, text, 'valid JSON', (e as Error).message);
  }
  if (Array.isArray(value)) return rowsToMatrix(value, field);
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (!('positions' in obj)) {
      throw new InputError(`${field}.positions`, undefined, 'an array of rows [[x, y], …]', `the object has keys: ${Object.keys(obj).join(', ') || 'none'}`);
    }
    const { X, n, d } = rowsToMatrix(obj.positions, `${field}.positions`);
    if (!('weights' in obj)) return { X, n, d };
    const ws = obj.weights;
    if (!Array.isArray(ws)) throw new InputError(`${field}.weights`, ws, `an array of ${n} weights`);
    if (ws.length !== n) throw new InputError(`${field}.weights.length`, ws.length, `${n} (one weight per position)`);
    const w = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = num(ws[i], `${field}.weights[${i}]`);
      if (v < 0) throw new InputError(`${field}.weights[${i}]`, v, 'a weight >= 0');
      w[i] = v;
    }
    return { X, n, d, w };
  }
  throw new InputError(field, value, 'a JSON array of rows or an object {"positions": …, "weights": …}');
}

function num(v: unknown, where: string): number {
  if (typeof v !== 'number') throw new InputError(where, v, 'a finite number');
  if (!Number.isFinite(v)) throw new InputError(where, v, 'a finite number', 'overflows float64');
  return v;
}

function rowsToMatrix(rows: unknown, field: string): { X: Float64Array; n: number; d: number } {
  if (!Array.isArray(rows)) throw new InputError(field, rows, 'an array of rows [[x, y], …]');
  const n = rows.length;
  if (n === 0) throw new InputError(field, rows, 'at least one particle');
  if (!Array.isArray(rows[0])) {
    // A flat array of numbers: n particles in one dimension.
    const X = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (Array.isArray(rows[i])) throw new InputError(`${field}[${i}]`, rows[i], 'a number (element 0 is a number, so this is a flat array of 1-d positions)');
      X[i] = num(rows[i], `${field}[${i}]`);
    }
    return { X, n, d: 1 };
  }
  const d = (rows[0] as unknown[]).length;
  if (d === 0) throw new InputError(`${field}[0]`, rows[0], 'a row with at least one coordinate');
  const X = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    if (!Array.isArray(r)) throw new InputError(`${field}[${i}]`, r, `a row of ${d} numbers`);
    if (r.length !== d) throw new InputError(`${field}[${i}].length`, r.length, `${d} (the length of row 0)`);
    for (let k = 0; k < d; k++) {
      const v = r[k];
      X[i * d + k] = typeof v === 'number' && Number.isFinite(v) ? v : num(v, `${field}[${i}][${k}]`);
    }
  }
  return { X, n, d };
}

/**
 * Formats particles as `{ "positions": [[…], …], "weights": […] }` (the object
 * {@link parseParticlesJson} and `result.json` use), one particle per line, numbers in
 * shortest round-trip form with −0 kept. `weights` is written only when `w` is given.
 * NaN/±Infinity cannot be written in JSON: an `InputError` names the entry.
 *
 * @param X - positions `[n, d]`, n ≥ 1.
 * @param d - dimension ≥ 1.
 * @param w - optional weights `[n]`.
 * @returns the JSON text, ending with a newline.
 * @example
 * formatParticlesJson(new Float64Array([0, 1]), 2) // → '{\n  "positions": [\n    [0, 1]\n  ]\n}\n'
 */
export function formatParticlesJson(X: Float64Array, d: number, w?: Float64Array): string {
  if (!(X instanceof Float64Array)) throw new InputError('X', X, 'a Float64Array');
  if (!Number.isInteger(d) || d < 1) throw new InputError('d', d, 'an integer >= 1');
  if (X.length % d !== 0 || X.length === 0) throw new InputError('X.length', X.length, `a positive multiple of d = ${d}`);
  const n = X.length / d;
  if (w !== undefined && (!(w instanceof Float64Array) || w.length !== n)) throw new InputError('w', w, `a Float64Array of length n = ${n}`);
  const rows = new Array<string>(n);
  const cells = new Array<string>(d);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) {
      const x = X[i * d + k]!;
      cells[k] = Number.isFinite(x) ? formatNumber(x) : jsonNumber(x, `X[${i}][${k}]`);
    }
    rows[i] = `    [${cells.join(', ')}]`;
  }
  let out = `{\n  "positions": [\n${rows.join(',\n')}\n  ]`;
  if (w) out += `,\n  "weights": [${Array.from(w, (v, i) => jsonNumber(v, `w[${i}]`)).join(', ')}]`;
  return `${out}\n}\n`;
}

function jsonNumber(x: number, where: string): string {
  if (!Number.isFinite(x)) throw new InputError(where, x, 'a finite number', 'JSON cannot store NaN or Infinity; use .npy');
  return formatNumber(x);
}
