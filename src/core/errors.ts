/**
 * Errors raised for bad input. Every message names the field, the value received
 * and what was expected, so a user can fix a spec or a file without reading code.
 */
export class InputError extends Error {
  readonly field: string;
  readonly value: unknown;
  readonly expected: string;
  constructor(field: string, value: unknown, expected: string, detail?: string) {
    super(`${field}: got ${describe(value)}, expected ${expected}${detail ? ` (${detail})` : ''}`);
    this.name = 'InputError';
    this.field = field;
    this.value = value;
    this.expected = expected;
  }
}

/**
 * Raised when a run leaves the finite numbers or the scale of the problem (a step too large,
 * a bandwidth too small). Thrown by `runFlow`, it carries the partial result in `result`: the
 * last sane state and the history up to it.
 */
export class DivergenceError extends Error {
  readonly step: number;
  /** What the run had done before it diverged (set by `runFlow`). */
  readonly result?: unknown;
  constructor(message: string, step: number, result?: unknown) {
    super(message);
    this.name = 'DivergenceError';
    this.step = step;
    if (result !== undefined) this.result = result;
  }
}

/** Short printable form of a received value for an error message. */
export function describe(value: unknown): string {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    return String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as { length: number }).length})`;
  if (Array.isArray(value)) return `array(${value.length})`;
  if (typeof value === 'object') {
    const s = JSON.stringify(value);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  }
  return String(value);
}
