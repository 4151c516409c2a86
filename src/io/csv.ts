/**
 * CSV ↔ numeric matrices, pure (no `node:*`), so the same code runs in the browser.
 *
 * Tokenising (RFC 4180: quotes, CRLF) is done by `d3-dsv`; every token is then checked
 * by our own strict number grammar, because `Number('')` is 0 and `Number('0x10')` is
 * 16 — a file with a typo must fail loudly, naming the line and column, not be read as
 * zeros. Numbers are written in JavaScript's shortest round-trip form (`String(x)`, plus
 * `-0`), so `numpy.loadtxt(path, delimiter=',', skiprows=1)` reads back bit-identical
 * float64 values, and so does {@link parseCsv}.
 */
import { csvFormatRows, csvParseRows } from 'd3-dsv';
import { InputError } from '../core/errors.js';

/** Whether the first row is a header: `'auto'` (default) decides from its tokens. */
export type CsvHeaderMode = 'auto' | boolean;

/** Options of {@link parseCsv}. */
export interface ParseCsvOptions {
  /** Name used in error messages, e.g. `"init.particles (data.csv)"`. Default `"csv"`. */
  field?: string;
  /**
   * `true`: the first row is a header; `false`: every row is data; `'auto'` (default):
   * the first row is a header iff one of its tokens is a name — not blank, not a
   * NaN/Infinity literal, and not starting like a number (digit, sign or point) — so a
   * first data row with a typo such as `1e` or `0x10` fails with its line and column
   * instead of being taken for column names. A first row mixing names and valid numbers
   * is rejected as ambiguous.
   */
  header?: CsvHeaderMode;
}

/** A numeric matrix read from CSV: `X` is row-major `[n, d]`. */
export interface CsvMatrix {
  /** Row-major values `[n, d]`. */
  X: Float64Array;
  /** Number of data rows. */
  n: number;
  /** Number of columns. */
  d: number;
  /** Column names from the header row (trimmed; a leading `#` of the first name removed), when there is one. */
  columns?: string[];
}

/** Options of {@link parseParticlesCsv}. */
export interface ParseParticlesCsvOptions extends ParseCsvOptions {
  /**
   * Name of the header column holding the weights (exact match after trimming). When
   * omitted, a header column named `w`, `weight` or `weights` (any case) is taken as the
   * weights column if there is exactly one such column. `false`: no weights column, every
   * column is a coordinate.
   */
  weightsColumn?: string | false;
}

/** Particles read from CSV: positions `X [n, d]` and, when the file has a weights column, `w [n]`. */
export interface CsvParticles {
  /** Row-major positions `[n, d]` (the weights column removed). */
  X: Float64Array;
  /** Number of particles. */
  n: number;
  /** Dimension (number of coordinate columns). */
  d: number;
  /** Weights `[n]` (finite, ≥ 0; the sum is not checked here), when a weights column exists. */
  w?: Float64Array;
  /** Names of the coordinate columns, when the file has a header. */
  columns?: string[];
  /** Name of the column the weights were read from. */
  weightsColumn?: string;
}

/** Options of {@link formatCsv}. */
export interface FormatCsvOptions {
  /** Names of the `d` coordinate columns. Default `x0, x1, …, x{d−1}`. */
  header?: string[];
  /** Weights `[n]`, written as a last column named `w`. */
  w?: Float64Array;
  /** Name used in error messages. Default `"X"`. */
  field?: string;
}

/** Header names recognised as a weights column by {@link parseParticlesCsv} (compared in lower case). */
export const CSV_WEIGHT_COLUMN_NAMES: readonly string[] = ['w', 'weight', 'weights'];

// Decimal numbers only: optional sign, digits with an optional point (or a point and
// digits), optional exponent with at least one digit. No hex, no '_', no Infinity/NaN.
const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE_RE = /^[+-]?(?:nan|inf|infinity)$/i;
const EXPECTED_NUMBER = 'a decimal number such as 1.5, -2, 3e-4';

/** Spaces and tabs around a token are allowed (as `numpy.loadtxt` does); nothing else is. */
function trimBlank(s: string): string {
  return s.replace(/^[ \t]+|[ \t]+$/g, '');
}

/**
 * Strict parse of one CSV token into a finite float64, or an `InputError` naming `where`
 * and the token. Correct rounding comes from `Number()` once the grammar has been checked.
 */
function parseToken(token: string, where: string): number {
  const t = trimBlank(token);
  if (!NUMBER_RE.test(t)) {
    let detail: string;
    if (token === '') detail = 'empty field';
    else if (t === '') detail = 'blank field';
    else if (NON_FINITE_RE.test(t)) detail = 'NaN and Infinity cannot be stored in CSV; use .npy';
    else if (/^[+-]?0[xXoObB]/.test(t)) detail = 'hexadecimal, octal and binary literals are not accepted';
    else if (/[eE][+-]?$/.test(t)) detail = 'exponent without digits';
    else detail = 'not a number';
    throw new InputError(where, token, EXPECTED_NUMBER, detail);
  }
  const v = Number(t);
  if (!Number.isFinite(v)) throw new InputError(where, token, 'a number within the float64 range', 'overflows to Infinity');
  return v;
}

interface Row {
  cells: string[];
  /** 1-based line number of the row's first line in the file. */
  line: number;
}

const LINE_BREAK_RE = /\r\n|\r|\n/g;

/** Tokenises `text` into rows with their 1-based line numbers; trailing blank lines are dropped. */
function tokenize(text: string, field: string): Row[] {
  if (typeof text !== 'string') throw new InputError(field, text, 'the text of a CSV file (a string)');
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // UTF-8 byte-order mark
  const raw = csvParseRows(src);
  const rows: Row[] = [];
  // A quoted field may span lines; count them so later rows keep their file line numbers.
  const quoted = src.includes('"');
  let line = 1;
  for (const cells of raw) {
    rows.push({ cells, line });
    let extra = 0;
    if (quoted) {
      for (const c of cells) {
        const m = c.match(LINE_BREAK_RE);
        if (m) extra += m.length;
      }
    }
    line += 1 + extra;
  }
  while (rows.length > 0 && isBlankRow(rows[rows.length - 1]!)) rows.pop();
  if (rows.length === 0) throw new InputError(field, text, 'a CSV file with at least one row of numbers', 'the file is empty');
  if (isBlankRow(rows[0]!)) {
    throw new InputError(`${field} line 1`, rows[0]!.cells[0]!, 'a header or a row of numbers', 'blank line at the start of the file');
  }
  return rows;
}

function isBlankRow(r: Row): boolean {
  return r.cells.length === 1 && trimBlank(r.cells[0]!) === '';
}

/**
 * Auto header detection on the first row: a header iff it has a name-like token (not
 * blank, not a NaN/Infinity literal, not starting like a number: digit, sign or point).
 * A row mixing names and valid numbers is ambiguous and rejected.
 */
function looksLikeHeader(r: Row, field: string): boolean {
  let names = 0;
  let numbers = 0;
  for (const c of r.cells) {
    const t = trimBlank(c);
    if (NUMBER_RE.test(t)) numbers++;
    else if (t !== '' && !NON_FINITE_RE.test(t) && !/^[0-9+\-.]/.test(t)) names++;
  }
  if (names > 0 && numbers > 0) {
    throw new InputError(
      `${field} line ${r.line}`,
      r.cells.join(','),
      'a header row of names or a data row of numbers',
      "the first row mixes names and numbers; pass header: true or false",
    );
  }
  return names > 0;
}

interface ParsedMatrix extends CsvMatrix {
  /** File line number of each data row. */
  lines: number[];
  /** Line number of the header row, when there is one. */
  headerLine?: number;
}

function parseMatrix(text: string, opts: ParseCsvOptions): ParsedMatrix {
  const field = opts.field ?? 'csv';
  const mode = opts.header ?? 'auto';
  if (mode !== 'auto' && mode !== true && mode !== false) throw new InputError(`${field}.header`, mode, "'auto', true or false");
  const rows = tokenize(text, field);
  const first = rows[0]!;
  const hasHeader = mode === 'auto' ? looksLikeHeader(first, field) : mode;
  let columns: string[] | undefined;
  let start = 0;
  if (hasHeader) {
    columns = first.cells.map((c) => trimBlank(c));
    if (columns[0]!.startsWith('#')) columns[0] = trimBlank(columns[0]!.slice(1)); // numpy.savetxt writes "# x,y"
    start = 1;
  }
  const n = rows.length - start;
  if (n === 0) {
    throw new InputError(field, 0, 'at least one row of numbers', `only a header row on line ${first.line}`);
  }
  const d = columns ? columns.length : rows[start]!.cells.length;
  const ref = columns ? `the header on line ${first.line}` : `line ${rows[start]!.line}`;
  const X = new Float64Array(n * d);
  const lines = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const r = rows[start + i]!;
    lines[i] = r.line;
    if (isBlankRow(r) && d > 1) {
      throw new InputError(`${field} line ${r.line}`, r.cells[0]!, `a row of ${d} numbers`, 'blank line inside the data; blank lines are allowed only at the end');
    }
    if (r.cells.length !== d) {
      throw new InputError(`${field} line ${r.line}`, r.cells.length, `${d} fields per row (as on ${ref})`, `ragged row: ${r.cells.length} field${r.cells.length === 1 ? '' : 's'}`);
    }
    for (let k = 0; k < d; k++) {
      const tok = r.cells[k]!;
      // Fast path for the common case; parseToken builds the message only on failure.
      const v = NUMBER_RE.test(tok) ? Number(tok) : Number.NaN;
      X[i * d + k] = Number.isFinite(v) ? v : parseToken(tok, `${field} line ${r.line}, column ${k + 1}`);
    }
  }
  const out: ParsedMatrix = { X, n, d, lines };
  if (columns) {
    out.columns = columns;
    out.headerLine = first.line;
  }
  return out;
}

/**
 * Parses CSV text into a numeric matrix `X [n, d]` (row-major).
 *
 * Rules: fields are separated by `,` (RFC 4180 quoting accepted); LF, CRLF and a UTF-8
 * byte-order mark are fine; blank lines are allowed only at the end of the file; every
 * data row has the same number of fields; each field is a decimal number (`1`, `-2.5`,
 * `.5`, `1.`, `3e-4`, `+1E+3`), spaces/tabs around it allowed. Rejected, each with an
 * `InputError` naming `field`, the 1-based line (as in the file) and column, and the
 * token: empty or blank fields, words, hex (`0x10`), incomplete exponents (`1e`),
 * `NaN`/`Inf` literals, numbers overflowing float64 (`1e400`), ragged rows, an empty file.
 * Numbers below the subnormal range round to ±0 as in `numpy.loadtxt`.
 *
 * @param text - the file's text.
 * @param opts - `field` for messages (default `"csv"`); `header` (default `'auto'`, see {@link ParseCsvOptions.header}).
 * @returns `{X, n, d, columns?}`; `columns` is present iff a header row was found.
 * @example
 * parseCsv('x,y\n1,2\n3,4\n') // → { X: Float64Array [1, 2, 3, 4], n: 2, d: 2, columns: ['x', 'y'] }
 */
export function parseCsv(text: string, opts: ParseCsvOptions = {}): CsvMatrix {
  const { X, n, d, columns } = parseMatrix(text, opts);
  return columns ? { X, n, d, columns } : { X, n, d };
}

/**
 * Parses a CSV file of particles: one row per particle, one column per coordinate, and
 * optionally a weights column.
 *
 * The weights column is the header column named by `opts.weightsColumn`, or, when that is
 * omitted, the unique header column named `w`, `weight` or `weights` (case-insensitive).
 * It is removed from `X` and returned as `w` (finite and ≥ 0, checked here with line and
 * column; the sum is left to `particleMeasure`, which knows whether the measure lives on P
 * or M₊). Without a header there are no weights. All rules of {@link parseCsv} apply.
 *
 * @param text - the file's text.
 * @param opts - see {@link ParseParticlesCsvOptions}.
 * @returns `{X [n, d], n, d, w? [n], columns?, weightsColumn?}`.
 * @example
 * parseParticlesCsv('x,y,w\n0,0,0.25\n1,1,0.75\n') // → X [0,0,1,1], d 2, w [0.25, 0.75]
 */
export function parseParticlesCsv(text: string, opts: ParseParticlesCsvOptions = {}): CsvParticles {
  const field = opts.field ?? 'csv';
  const want = opts.weightsColumn;
  if (want !== undefined && want !== false && (typeof want !== 'string' || want.trim() === '')) {
    throw new InputError(`${field}.weightsColumn`, want, 'a column name or false');
  }
  const m = parseMatrix(text, opts);
  let wi = -1;
  if (typeof want === 'string') {
    if (!m.columns) throw new InputError(`${field}.weightsColumn`, want, 'a column of the header row', 'the file has no header row');
    const hits = indicesWhere(m.columns, (c) => c === want.trim());
    if (hits.length !== 1) {
      throw new InputError(
        `${field}.weightsColumn`,
        want,
        `exactly one header column of that name (header: ${m.columns.join(',')})`,
        hits.length === 0 ? 'no such column' : `${hits.length} columns of that name`,
      );
    }
    wi = hits[0]!;
  } else if (want === undefined && m.columns) {
    const hits = indicesWhere(m.columns, (c) => CSV_WEIGHT_COLUMN_NAMES.includes(c.toLowerCase()));
    if (hits.length > 1) {
      throw new InputError(
        `${field} line ${m.headerLine}`,
        hits.map((i) => m.columns![i]).join(','),
        'at most one weights column (w, weight or weights)',
        'set weightsColumn to choose one, or false for none',
      );
    }
    wi = hits.length === 1 ? hits[0]! : -1;
  }
  if (wi < 0) {
    const out: CsvParticles = { X: m.X, n: m.n, d: m.d };
    if (m.columns) out.columns = m.columns;
    return out;
  }
  const d = m.d - 1;
  if (d < 1) throw new InputError(field, m.columns!.join(','), 'at least one coordinate column besides the weights column');
  const { n } = m;
  const X = new Float64Array(n * d);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = i * m.d;
    let k = 0;
    for (let c = 0; c < m.d; c++) {
      if (c === wi) continue;
      X[i * d + k++] = m.X[row + c]!;
    }
    const v = m.X[row + wi]!;
    if (v < 0) throw new InputError(`${field} line ${m.lines[i]}, column ${wi + 1}`, v, 'a weight >= 0');
    w[i] = v;
  }
  return { X, n, d, w, columns: m.columns!.filter((_, c) => c !== wi), weightsColumn: m.columns![wi]! };
}

function indicesWhere(a: string[], pred: (s: string) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (pred(a[i]!)) out.push(i);
  return out;
}

/**
 * Shortest decimal string that reads back as exactly `x` (`String(x)`, which is the
 * shortest round-trip form in JavaScript, except that −0 is written `-0`).
 */
export function formatNumber(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  return String(x);
}

/**
 * Formats `X [n, d]` (row-major) as CSV: a header row, then one row per particle, `\n`
 * line endings and a final newline. Numbers are written in shortest round-trip form
 * ({@link formatNumber}), so `numpy.loadtxt(path, delimiter=',', skiprows=1)` and
 * {@link parseCsv} read back bit-identical float64 (−0 and subnormals included).
 * NaN/±Infinity cannot be written (the parser rejects them): an `InputError` names the entry.
 *
 * @param X - positions `[n, d]`, n ≥ 1.
 * @param d - number of columns, ≥ 1.
 * @param opts - `header` (d names, default `x0…x{d−1}`; must not look like numbers and must
 *   not contain line breaks), `w` (`[n]`, written as a last column `w`).
 * @returns the CSV text.
 * @example
 * formatCsv(new Float64Array([0.1, -0, 5e-324, 1e308]), 2) // → 'x0,x1\n0.1,-0\n5e-324,1e+308\n'
 */
export function formatCsv(X: Float64Array, d: number, opts: FormatCsvOptions = {}): string {
  const field = opts.field ?? 'X';
  if (!(X instanceof Float64Array)) throw new InputError(field, X, 'a Float64Array');
  if (!Number.isInteger(d) || d < 1) throw new InputError(`${field}.d`, d, 'an integer >= 1');
  if (X.length % d !== 0) throw new InputError(`${field}.length`, X.length, `a multiple of d = ${d}`);
  const n = X.length / d;
  if (n < 1) throw new InputError(`${field}.length`, X.length, 'at least one row (an empty CSV cannot be read back)');
  const header = opts.header ?? Array.from({ length: d }, (_, k) => `x${k}`);
  if (!Array.isArray(header) || header.length !== d) throw new InputError(`${field}.header`, header, `${d} column names`);
  header.forEach((h, k) => {
    if (typeof h !== 'string' || trimBlank(h) === '' || /[\r\n]/.test(h) || NUMBER_RE.test(trimBlank(h)) || NON_FINITE_RE.test(trimBlank(h))) {
      throw new InputError(`${field}.header[${k}]`, h, 'a non-empty name on one line that does not read as a number');
    }
  });
  const { w } = opts;
  if (w !== undefined) {
    if (!(w instanceof Float64Array) || w.length !== n) throw new InputError(`${field}.w`, w, `a Float64Array of length n = ${n}`);
  }
  const lines = new Array<string>(n + 1);
  lines[0] = csvFormatRows([w ? [...header, 'w'] : header]);
  const cells = new Array<string>(w ? d + 1 : d);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) {
      const x = X[i * d + k]!;
      if (!Number.isFinite(x)) notFinite(x, `${field}[${i}][${k}]`);
      cells[k] = formatNumber(x);
    }
    if (w) {
      if (!Number.isFinite(w[i]!)) notFinite(w[i]!, `${field}.w[${i}]`);
      cells[d] = formatNumber(w[i]!);
    }
    lines[i + 1] = cells.join(',');
  }
  return `${lines.join('\n')}\n`;
}

function notFinite(x: number, where: string): never {
  throw new InputError(where, x, 'a finite number', 'CSV cannot store NaN or Infinity; use .npy');
}
