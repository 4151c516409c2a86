/**
 * NumPy `.npy` files ↔ Float64Array, pure (no `node:*`).
 *
 * Format (NEP 1, numpy.lib.format): magic `\x93NUMPY`, major and minor version bytes,
 * the header length (uint16 LE for v1.0, uint32 LE for v2.0/v3.0), an ASCII (v3: UTF-8)
 * Python dict literal `{'descr': '<f8', 'fortran_order': False, 'shape': (n, d), }`
 * padded with spaces and ended by `\n`, then the raw data.
 *
 * Existing npm readers miss big-endian data and Fortran order, hence this small module.
 */
import { InputError } from '../core/errors.js';

/** An array read from `.npy`: values converted to float64, in C (row-major) order. */
export interface NpyArray {
  /** The values in C order (last index fastest), converted to float64. */
  data: Float64Array;
  /** The shape, e.g. `[n, d]`; `[]` for a 0-d array (one value). */
  shape: number[];
  /** The dtype as written in the file, e.g. `'<f8'`, `'>i4'`. */
  dtype: string;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const HOST_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** dtypes {@link readNpy} converts to float64 (byte order `<` or `>`; `|` for one-byte types). */
export const NPY_READ_DTYPES: readonly string[] = ['f2', 'f4', 'f8', 'i1', 'i2', 'i4', 'i8', 'u1', 'u2', 'u4', 'u8', 'b1'];

/**
 * Serialises `X` with the given shape as NPY v1.0, dtype `'<f8'`, C order. The header is
 * padded with spaces so that the data starts at a multiple of 64 bytes, and ends with
 * `\n`. Every bit is kept (NaN, ±Infinity, −0, subnormals): `numpy.load` returns a
 * bitwise-identical array.
 *
 * @param X - the values in C order, `X.length` = product of `shape`.
 * @param shape - e.g. `[n, d]`, `[n]` or `[]` (0-d); non-negative integers.
 * @returns the file's bytes.
 * @example
 * writeNpy(new Float64Array([1, 2, 3, 4]), [2, 2]).length // → 128 (64-byte header + 32 bytes)
 */
export function writeNpy(X: Float64Array, shape: readonly number[]): Uint8Array {
  if (!(X instanceof Float64Array)) throw new InputError('npy.X', X, 'a Float64Array');
  if (!Array.isArray(shape)) throw new InputError('npy.shape', shape, 'an array of non-negative integers');
  let count = 1;
  shape.forEach((s, k) => {
    if (!Number.isSafeInteger(s) || s < 0) throw new InputError(`npy.shape[${k}]`, s, 'a non-negative integer');
    count *= s;
  });
  if (count !== X.length) throw new InputError('npy.X.length', X.length, `the product of shape [${shape.join(', ')}] = ${count}`);
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  const unpadded = MAGIC.length + 4 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64);
  header += '\n';
  if (header.length > 0xffff) throw new InputError('npy.shape', shape, 'a shape whose header fits NPY v1.0 (65535 bytes)');
  const start = MAGIC.length + 4 + header.length;
  const out = new Uint8Array(start + X.length * 8);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  if (HOST_LITTLE) {
    out.set(new Uint8Array(X.buffer, X.byteOffset, X.byteLength), start);
  } else {
    const view = new DataView(out.buffer, start);
    for (let i = 0; i < X.length; i++) view.setFloat64(i * 8, X[i]!, true);
  }
  return out;
}

/**
 * Reads an `.npy` file: versions 1.0, 2.0 and 3.0; dtypes `f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8
 * b1` in either byte order (`<`, `>`, or `|` for one-byte types), converted to float64
 * (int64 values beyond 2⁵³ round to the nearest double, as `astype(float64)` does);
 * `fortran_order: True` is transposed to C order; any number of dimensions (0-d gives
 * shape `[]` and one value). The input may be a view into a larger buffer (a Node
 * `Buffer` from the pool) and the data need not be 8-byte aligned. The result never
 * aliases the input.
 *
 * Throws an `InputError` naming `field` for: a bad magic string, an unsupported version,
 * a truncated header or data (with the byte counts), trailing bytes after the data, a
 * malformed header, object arrays (`|O`, pickled Python objects), structured dtypes and
 * any other dtype (named in the message).
 *
 * @param bytes - the file's bytes.
 * @param field - name used in error messages. Default `"npy"`.
 * @returns `{data, shape, dtype}`, `data` in C order.
 * @example
 * readNpy(writeNpy(new Float64Array([1, 2, 3, 4]), [2, 2])) // → { data: [1, 2, 3, 4], shape: [2, 2], dtype: '<f8' }
 */
export function readNpy(bytes: Uint8Array | ArrayBuffer, field = 'npy'): NpyArray {
  let u8: Uint8Array;
  if (bytes instanceof Uint8Array) u8 = bytes;
  else if (bytes instanceof ArrayBuffer) u8 = new Uint8Array(bytes);
  else throw new InputError(field, bytes, 'the bytes of an .npy file (Uint8Array or ArrayBuffer)');
  const total = u8.length;
  if (total < 10 || MAGIC.some((b, i) => u8[i] !== b)) {
    const head = Array.from(u8.subarray(0, 6), (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
    throw new InputError(field, head, "an .npy file starting with the magic string '\\x93NUMPY'", total < 10 ? `only ${total} bytes` : 'bad magic: not an .npy file');
  }
  const major = u8[6]!;
  const minor = u8[7]!;
  if (!((major === 1 || major === 2 || major === 3) && minor === 0)) {
    throw new InputError(`${field}.version`, `${major}.${minor}`, 'NPY format version 1.0, 2.0 or 3.0');
  }
  const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  let hlen: number;
  let hstart: number;
  if (major === 1) {
    hlen = view.getUint16(8, true);
    hstart = 10;
  } else {
    if (total < 12) throw new InputError(field, `${total} bytes`, `at least 12 bytes for an NPY v${major}.0 preamble`, 'truncated file');
    hlen = view.getUint32(8, true);
    hstart = 12;
  }
  const dataStart = hstart + hlen;
  if (dataStart > total) {
    throw new InputError(field, `${total} bytes`, `at least ${dataStart} bytes (the header length says ${hlen})`, 'truncated header');
  }
  let header = '';
  for (let i = hstart; i < dataStart; i++) header += String.fromCharCode(u8[i]!); // latin-1; UTF-8 bytes (v3) never hit ASCII syntax
  const { dtype, fortranOrder, shape } = parseHeader(header, field);
  const conv = converter(dtype, field);
  let count = 1;
  for (const s of shape) count *= s;
  const need = count * conv.size;
  const have = total - dataStart;
  const shapeStr = `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
  if (have < need) {
    throw new InputError(field, `${have} data bytes`, `${need} bytes for shape ${shapeStr} of dtype '${dtype}'`, 'truncated data');
  }
  if (have > need) {
    throw new InputError(field, `${have} data bytes`, `exactly ${need} bytes for shape ${shapeStr} of dtype '${dtype}'`, `${have - need} trailing bytes`);
  }
  let flat: Float64Array;
  if (conv.kind === 'f8' && conv.little === HOST_LITTLE) {
    // Native-order doubles: one byte copy into a fresh (hence 8-byte aligned) buffer.
    // Not `u8.slice()`: on a Node Buffer, slice is a view into the same (pooled) memory.
    const copy = new Uint8Array(need);
    copy.set(u8.subarray(dataStart, dataStart + need));
    flat = new Float64Array(copy.buffer);
  } else {
    flat = new Float64Array(count);
    const read = conv.read;
    for (let i = 0; i < count; i++) flat[i] = read(view, dataStart + i * conv.size);
  }
  const data = fortranOrder && shape.length > 1 ? fortranToC(flat, shape) : flat;
  return { data, shape, dtype };
}

interface Converter {
  kind: string;
  size: number;
  little: boolean;
  read: (v: DataView, off: number) => number;
}

function converter(dtype: string, field: string): Converter {
  const m = /^([<>|=]?)([a-zA-Z])(\d*)$/.exec(dtype);
  if (m && m[2] === 'O') {
    throw new InputError(`${field}.dtype`, dtype, 'a numeric dtype', 'object arrays hold pickled Python objects and cannot be read; save a numeric array');
  }
  const supported = `one of ${NPY_READ_DTYPES.map((t) => (t.endsWith('1') ? `|${t}` : `<${t}`)).join(' ')} (or big-endian '>')`;
  if (!m) throw new InputError(`${field}.dtype`, dtype, supported, 'unsupported dtype');
  const [, order, kindChar, sizeStr] = m;
  const kind = `${kindChar}${sizeStr}`;
  const size = Number(sizeStr);
  if (!NPY_READ_DTYPES.includes(kind)) throw new InputError(`${field}.dtype`, dtype, supported, 'unsupported dtype');
  if (order === '=' || (order === '|' && size !== 1) || (order === '' && size !== 1)) {
    throw new InputError(`${field}.dtype`, dtype, `an explicit byte order ('<' or '>') for a ${size}-byte type`);
  }
  const le = order !== '>';
  const readers: Record<string, (v: DataView, o: number) => number> = {
    f2: (v, o) => half(v.getUint16(o, le)),
    f4: (v, o) => v.getFloat32(o, le),
    f8: (v, o) => v.getFloat64(o, le),
    i1: (v, o) => v.getInt8(o),
    i2: (v, o) => v.getInt16(o, le),
    i4: (v, o) => v.getInt32(o, le),
    i8: (v, o) => Number(v.getBigInt64(o, le)),
    u1: (v, o) => v.getUint8(o),
    u2: (v, o) => v.getUint16(o, le),
    u4: (v, o) => v.getUint32(o, le),
    u8: (v, o) => Number(v.getBigUint64(o, le)),
    b1: (v, o) => (v.getUint8(o) !== 0 ? 1 : 0),
  };
  return { kind, size, little: le, read: readers[kind]! };
}

/** IEEE binary16 bits → number (exact). */
function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f === 0 ? s * Infinity : NaN;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** Reorders Fortran-order (first index fastest) data of the given shape into C order. */
function fortranToC(src: Float64Array, shape: number[]): Float64Array {
  const out = new Float64Array(src.length);
  if (src.length === 0) return out;
  const nd = shape.length;
  if (nd === 2) {
    const [r, c] = shape as [number, number];
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[i * c + j] = src[i + j * r]!;
    return out;
  }
  const fstride = new Array<number>(nd);
  let s = 1;
  for (let k = 0; k < nd; k++) {
    fstride[k] = s;
    s *= shape[k]!;
  }
  const idx = new Array<number>(nd).fill(0);
  let f = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = src[f]!;
    for (let k = nd - 1; k >= 0; k--) {
      idx[k]!++;
      f += fstride[k]!;
      if (idx[k]! < shape[k]!) break;
      f -= idx[k]! * fstride[k]!;
      idx[k] = 0;
    }
  }
  return out;
}

// ---- header: a small parser for the Python literal numpy writes --------------------------

type PyValue = string | number | boolean | null | PyValue[] | { [k: string]: PyValue };

function parseHeader(text: string, field: string): { dtype: string; fortranOrder: boolean; shape: number[] } {
  let value: PyValue;
  try {
    value = new PyLiteralParser(text).parseTop();
  } catch (e) {
    throw new InputError(`${field}.header`, text.trim(), "a Python dict literal like {'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", (e as Error).message);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError(`${field}.header`, text.trim(), 'a dict with keys descr, fortran_order, shape');
  }
  const keys = Object.keys(value).sort();
  if (keys.join(',') !== 'descr,fortran_order,shape') {
    throw new InputError(`${field}.header`, keys.join(', '), 'exactly the keys descr, fortran_order, shape');
  }
  const { descr, fortran_order, shape } = value as Record<string, PyValue>;
  if (typeof descr !== 'string') {
    throw new InputError(`${field}.dtype`, descr, "a simple dtype such as '<f8'", 'structured (record) dtypes are not supported');
  }
  if (typeof fortran_order !== 'boolean') throw new InputError(`${field}.fortran_order`, fortran_order, 'True or False');
  if (!Array.isArray(shape)) throw new InputError(`${field}.shape`, shape, 'a tuple of non-negative integers');
  const dims = shape.map((s, k) => {
    if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0) throw new InputError(`${field}.shape[${k}]`, s, 'a non-negative integer');
    return s;
  });
  return { dtype: descr, fortranOrder: fortran_order, shape: dims };
}

/** Recursive-descent parser for str, int, True/False/None, tuple, list and dict literals. */
class PyLiteralParser {
  private i = 0;
  constructor(private readonly s: string) {}

  parseTop(): PyValue {
    const v = this.value();
    this.ws();
    if (this.i !== this.s.length) this.fail('unexpected text after the dict');
    return v;
  }

  private fail(msg: string): never {
    throw new Error(`${msg} at character ${this.i}`);
  }

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }

  private value(): PyValue {
    this.ws();
    const c = this.s[this.i];
    if (c === '{') return this.dict();
    if (c === '(') return this.seq(')');
    if (c === '[') return this.seq(']');
    if (c === "'" || c === '"') return this.str();
    const m = /^(?:True|False|None|[+-]?\d+L?)/.exec(this.s.slice(this.i, this.i + 40));
    if (!m) this.fail(c === undefined ? 'unexpected end' : `unexpected character ${JSON.stringify(c)}`);
    this.i += m[0].length;
    if (m[0] === 'True') return true;
    if (m[0] === 'False') return false;
    if (m[0] === 'None') return null;
    return Number(m[0].replace('L', ''));
  }

  private str(): string {
    const q = this.s[this.i++];
    let out = '';
    while (this.i < this.s.length && this.s[this.i] !== q) {
      if (this.s[this.i] === '\\') this.i++;
      out += this.s[this.i++];
    }
    if (this.i >= this.s.length) this.fail('unterminated string');
    this.i++;
    return out;
  }

  private seq(close: string): PyValue[] {
    this.i++;
    const out: PyValue[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.i] === close) {
        this.i++;
        return out;
      }
      out.push(this.value());
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== close) this.fail(`expected ',' or '${close}'`);
    }
  }

  private dict(): { [k: string]: PyValue } {
    this.i++;
    const out: { [k: string]: PyValue } = Object.create(null);
    for (;;) {
      this.ws();
      if (this.s[this.i] === '}') {
        this.i++;
        return out;
      }
      const k = this.value();
      if (typeof k !== 'string') this.fail('dict keys must be strings');
      this.ws();
      if (this.s[this.i] !== ':') this.fail("expected ':'");
      this.i++;
      out[k] = this.value();
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== '}') this.fail("expected ',' or '}'");
    }
  }
}
