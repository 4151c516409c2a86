import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.js';
import { particleMeasure } from '../src/core/measure.js';
import { formatCsv, formatNumber, parseCsv, parseParticlesCsv } from '../src/io/csv.js';
import { formatParticlesJson, parseParticlesJson } from '../src/io/json.js';
import { readNpy, writeNpy } from '../src/io/npy.js';
import { readParticles, writeFileAtomic, writeParticles } from '../src/node/files.js';

const FIX = join(import.meta.dirname, 'fixtures');
const fixture = (name: string) => readFileSync(join(FIX, name));
const fixtureText = (name: string) => readFileSync(join(FIX, name), 'utf8');

/** float64 bits as 16-digit hex strings, for bit-exact comparisons (NaN payloads, −0). */
function hexBits(a: Float64Array): string[] {
  return Array.from(new BigUint64Array(a.slice().buffer), (b) => b.toString(16).padStart(16, '0'));
}
function fromHexBits(h: string[]): Float64Array {
  return new Float64Array(new BigUint64Array(h.map((s) => BigInt(`0x${s}`))).buffer);
}

/** Deterministic doubles with random bit patterns (every exponent, many subnormals), finite only. */
function randomDoubles(count: number, seed = 0x9e3779b97f4a7c15n): Float64Array {
  const out = new Float64Array(count);
  const bits = new BigUint64Array(out.buffer);
  let s = seed;
  for (let i = 0; i < count; ) {
    // splitmix64
    s = (s + 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
    let z = s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
    z ^= z >> 31n;
    bits[i] = z;
    if (Number.isFinite(out[i])) i++;
  }
  return out;
}

const SPECIAL_FINITE = [0.1 + 0.2, -0, 0, 5e-324, -5e-324, 1e308, -1e308, 1.7976931348623157e308, 2.2250738585072014e-308, 2.225073858507201e-308, 1e21, 1e-7, 1 / 3, 2 ** 53 + 2, 123456789012345680000];

/** Runs `f`, expects an InputError whose message contains every string in `parts`. */
function expectInputError(f: () => unknown, parts: string[]): InputError {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, `expected an InputError containing ${JSON.stringify(parts)}`).toBeInstanceOf(InputError);
  const msg = (err as Error).message;
  for (const p of parts) expect(msg).toContain(p);
  return err as InputError;
}

// ----------------------------------------------------------------------------------------
describe('CSV', () => {
  it('formatCsv → parseCsv is bit-exact: −0, subnormals, 1e308, 5e-324, 0.1+0.2, random bit patterns', () => {
    const X = new Float64Array([...SPECIAL_FINITE, ...randomDoubles(3 * 400)]);
    const d = 3;
    const text = formatCsv(X, d);
    expect(text.split('\n')[0]).toBe('x0,x1,x2');
    expect(text.endsWith('\n')).toBe(true);
    const m = parseCsv(text);
    expect(m.n).toBe(X.length / d);
    expect(m.d).toBe(d);
    expect(m.columns).toEqual(['x0', 'x1', 'x2']);
    expect(hexBits(m.X)).toEqual(hexBits(X));
  });

  it('writes −0 as "-0" and shortest round-trip decimals', () => {
    expect(formatNumber(-0)).toBe('-0');
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(formatCsv(new Float64Array([0.1, -0, 5e-324, 1e308]), 2)).toBe('x0,x1\n0.1,-0\n5e-324,1e+308\n');
    expect(formatCsv(new Float64Array([1, 2]), 1, { header: ['a'], w: new Float64Array([0.25, 0.75]) })).toBe('a,w\n1,0.25\n2,0.75\n');
  });

  it('formatCsv rejects NaN/Infinity naming the entry, and bad headers', () => {
    expectInputError(() => formatCsv(new Float64Array([1, 2, Number.NaN, 4]), 2), ['X[1][0]', 'NaN', 'use .npy']);
    expectInputError(() => formatCsv(new Float64Array([1, Number.POSITIVE_INFINITY]), 2), ['X[0][1]', 'Infinity']);
    expectInputError(() => formatCsv(new Float64Array([1]), 1, { w: new Float64Array([Number.NEGATIVE_INFINITY]) }), ['X.w[0]', '-Infinity']);
    expectInputError(() => formatCsv(new Float64Array([1, 2]), 2, { header: ['a'] }), ['X.header', '2 column names']);
    expectInputError(() => formatCsv(new Float64Array([1, 2]), 2, { header: ['a', '1.5'] }), ['X.header[1]', '"1.5"']);
    expectInputError(() => formatCsv(new Float64Array([1, 2]), 2, { header: ['a', 'b\nc'] }), ['X.header[1]']);
    expectInputError(() => formatCsv(new Float64Array([1, 2, 3]), 2), ['X.length', 'multiple of d = 2']);
    expectInputError(() => formatCsv(new Float64Array([]), 2), ['X.length', 'at least one row']);
    expectInputError(() => formatCsv(new Float64Array([1, 2]), 2, { w: new Float64Array(2) }), ['X.w', 'length n = 1']);
  });

  it('the CSV our formatter wrote was read bit-identically by numpy.loadtxt (fixture check is current)', () => {
    const check = JSON.parse(fixtureText('io_numpy_check.json'));
    expect(check.csv.bit_identical).toBe(true);
    expect(check.csv.mismatched_bits).toBe(0);
    const v = JSON.parse(fixtureText('io_csv_values.json'));
    const X = fromHexBits(v.X);
    const w = fromHexBits(v.w);
    // Our formatter still produces exactly the bytes numpy checked.
    expect(formatCsv(X, v.d, { w })).toBe(fixtureText('io_formatted.csv'));
    const p = parseParticlesCsv(fixtureText('io_formatted.csv'));
    expect(p.weightsColumn).toBe('w');
    expect(hexBits(p.X)).toEqual(v.X);
    expect(hexBits(p.w!)).toEqual(v.w);
  });

  it('reads numpy.savetxt output ("# " header, %.17g) bit-exactly', () => {
    const want = JSON.parse(fixtureText('io_numpy_savetxt.json'));
    const m = parseCsv(fixtureText('io_numpy_savetxt.csv'));
    expect(m.columns).toEqual(want.columns);
    expect([m.n, m.d]).toEqual(want.shape);
    expect(hexBits(m.X)).toEqual(want.bits);
    const p = parseParticlesCsv(fixtureText('io_numpy_savetxt.csv'));
    expect(p.d).toBe(3);
    expect(p.columns).toEqual(['x0', 'x1', 'x2']);
  });

  it('accepts CRLF, a BOM, trailing blank lines, quoted numbers, spaces around numbers, all number forms', () => {
    const m = parseCsv('\ufeffa,b\r\n1,"2"\r\n 3 ,\t-4.5e-1\r\n.5,5.\r\n+1E+3,-0\r\n\r\n\r\n');
    expect(m.columns).toEqual(['a', 'b']);
    expect(Array.from(m.X)).toEqual([1, 2, 3, -0.45, 0.5, 5, 1000, -0]);
    expect(Object.is(m.X[7], -0)).toBe(true);
    expect(parseCsv('1,2\n3,4').n).toBe(2); // no final newline
    expect(parseCsv('7\n8\n  \n').X).toEqual(new Float64Array([7, 8]));
    expect(parseCsv('1e-400,1\n').X[0]).toBe(0); // below the subnormal range: 0, as numpy does
  });

  it('header modes: auto, true, false', () => {
    expect(parseCsv('x,y\n1,2\n').columns).toEqual(['x', 'y']);
    expect(parseCsv('1,2\n3,4\n').columns).toBeUndefined();
    expect(parseCsv('1,2\n3,4\n', { header: true })).toMatchObject({ n: 1, columns: ['1', '2'] });
    expect(parseCsv('x,y\n1,2\n', { header: true }).n).toBe(1);
    expectInputError(() => parseCsv('x,y\n1,2\n', { header: false }), ['csv line 1, column 1', '"x"', 'not a number']);
    // A first data row with a typo is not taken for a header.
    expectInputError(() => parseCsv('1,1e\n2,3\n'), ['csv line 1, column 2', '"1e"', 'exponent without digits']);
    expectInputError(() => parseCsv('0x10,1\n'), ['csv line 1, column 1', '"0x10"', 'hexadecimal']);
    expectInputError(() => parseCsv('NaN,1\n'), ['csv line 1, column 1', '"NaN"', 'NaN and Infinity cannot be stored in CSV']);
    expectInputError(() => parseCsv('x,1.5\n1,2\n'), ['csv line 1', 'mixes names and numbers']);
    expectInputError(() => parseCsv('1,2\n', { header: 'yes' as unknown as boolean }), ['csv.header', "'auto', true or false"]);
  });

  const bad: [string, string, string[]][] = [
    ['empty field', 'x,y\n1,\n', ['data.csv line 2, column 2', 'got ""', 'empty field']],
    ['word', 'x,y\n1,2\n3,abc\n', ['data.csv line 3, column 2', '"abc"', 'not a number']],
    ['hex', 'x,y\n1,0x10\n', ['data.csv line 2, column 2', '"0x10"', 'hexadecimal']],
    ['incomplete exponent', 'x,y\n1e,2\n', ['data.csv line 2, column 1', '"1e"', 'exponent without digits']],
    ['blank field', 'x,y\n1, \n', ['data.csv line 2, column 2', 'got " "', 'blank field']],
    ['NaN', 'x,y\n1,NaN\n', ['data.csv line 2, column 2', '"NaN"', 'cannot be stored in CSV']],
    ['nan', 'x,y\n1,nan\n', ['data.csv line 2, column 2', '"nan"', 'cannot be stored in CSV']],
    ['Inf', 'x,y\n-Inf,1\n', ['data.csv line 2, column 1', '"-Inf"', 'cannot be stored in CSV']],
    ['Infinity', 'x,y\n1,Infinity\n', ['data.csv line 2, column 2', '"Infinity"']],
    ['overflow', 'x,y\n1,1e400\n', ['data.csv line 2, column 2', '"1e400"', 'overflows']],
    ['underscore', 'x,y\n1_000,1\n', ['data.csv line 2, column 1', '"1_000"']],
    ['two points', 'x,y\n1.2.3,1\n', ['data.csv line 2, column 1', '"1.2.3"']],
    ['ragged short', 'x,y\n1,2\n3\n', ['data.csv line 3', 'got 1', '2 fields per row (as on the header on line 1)', 'ragged']],
    ['ragged long', '1,2\n3,4,5\n', ['data.csv line 2', 'got 3', '2 fields per row (as on line 1)']],
    ['ragged CRLF', 'x,y\r\n1,2\r\n3,4,5\r\n', ['data.csv line 3', 'got 3']],
    ['blank line inside', '1,2\n\n3,4\n', ['data.csv line 2', 'blank line inside the data']],
    ['blank line at start', '\n1,2\n', ['data.csv line 1', 'blank line at the start']],
    ['empty file', '', ['data.csv', 'the file is empty']],
    ['only newlines', '\n\r\n\n', ['data.csv', 'the file is empty']],
    ['header only', 'x,y\n', ['data.csv', 'only a header row on line 1']],
    // A quoted field spanning two lines shifts later line numbers: they stay those of the file.
    ['line numbers after a multi-line field', 'a,"b\nc"\n1,2\n3,z\n', ['data.csv line 4, column 2', '"z"']],
  ];
  for (const [name, text, parts] of bad) {
    it(`rejects ${name}`, () => {
      const e = expectInputError(() => parseCsv(text, { field: 'data.csv' }), parts);
      expect(e.field.startsWith('data.csv')).toBe(true);
    });
  }

  it('parseParticlesCsv finds a weights column w / weight / weights (any case), or the one named', () => {
    const p = parseParticlesCsv('x,W,y\n1,0.25,2\n3,0.75,4\n');
    expect(p).toMatchObject({ n: 2, d: 2, columns: ['x', 'y'], weightsColumn: 'W' });
    expect(Array.from(p.X)).toEqual([1, 2, 3, 4]);
    expect(Array.from(p.w!)).toEqual([0.25, 0.75]);
    expect(parseParticlesCsv('x,weight\n1,1\n').w).toEqual(new Float64Array([1]));
    expect(parseParticlesCsv('x,weights\n1,1\n').w).toEqual(new Float64Array([1]));
    const named = parseParticlesCsv('x,mass\n1,0.5\n2,0.5\n', { weightsColumn: 'mass' });
    expect(Array.from(named.w!)).toEqual([0.5, 0.5]);
    expect(named.d).toBe(1);
    const off = parseParticlesCsv('x,w\n1,2\n', { weightsColumn: false });
    expect(off.w).toBeUndefined();
    expect(off.d).toBe(2);
    const none = parseParticlesCsv('1,2\n3,4\n');
    expect(none.w).toBeUndefined();
    expect(none.d).toBe(2);
  });

  it('parseParticlesCsv rejects bad weights columns with their line and column', () => {
    expectInputError(() => parseParticlesCsv('x,w\n1,0.5\n2,-0.5\n', { field: 'p.csv' }), ['p.csv line 3, column 2', '-0.5', 'weight >= 0']);
    expectInputError(() => parseParticlesCsv('x,w,weight\n1,1,1\n', { field: 'p.csv' }), ['p.csv line 1', 'w,weight', 'at most one weights column']);
    expectInputError(() => parseParticlesCsv('x,y\n1,2\n', { weightsColumn: 'mass' }), ['csv.weightsColumn', '"mass"', 'no such column']);
    expectInputError(() => parseParticlesCsv('1,2\n', { weightsColumn: 'w' }), ['csv.weightsColumn', 'no header row']);
    expectInputError(() => parseParticlesCsv('w\n1\n'), ['at least one coordinate column']);
    expectInputError(() => parseParticlesCsv('x,w\n1,abc\n'), ['csv line 2, column 2', '"abc"']);
  });

  it('parseParticlesCsv(formatCsv(X, d, {w})) is bit-exact', () => {
    const X = randomDoubles(60, 7n);
    const w = new Float64Array(20).map((_, i) => (i + 1) / 210);
    const p = parseParticlesCsv(formatCsv(X, 3, { w, header: ['a', 'b', 'c'] }));
    expect(p.columns).toEqual(['a', 'b', 'c']);
    expect(hexBits(p.X)).toEqual(hexBits(X));
    expect(hexBits(p.w!)).toEqual(hexBits(w));
  });
});

// ----------------------------------------------------------------------------------------
describe('NPY', () => {
  it('writeNpy → readNpy is bit-exact, NaN and ±Infinity included', () => {
    const X = new Float64Array([...SPECIAL_FINITE, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, ...randomDoubles(300)]);
    const d = 3;
    const r = readNpy(writeNpy(X, [X.length / d, d]));
    expect(r.shape).toEqual([X.length / d, d]);
    expect(r.dtype).toBe('<f8');
    expect(hexBits(r.data)).toEqual(hexBits(X));
    expect(Number.isNaN(r.data[SPECIAL_FINITE.length])).toBe(true);
    expect(r.data[SPECIAL_FINITE.length + 2]).toBe(Number.NEGATIVE_INFINITY);
  });

  it('writes v1.0 <f8 C order with the data at a multiple of 64 bytes and the header ending in \\n', () => {
    for (const shape of [[2, 3], [6], [], [0, 3], [123456, 1]]) {
      const count = shape.reduce((a, b) => a * b, 1);
      const b = writeNpy(new Float64Array(count), shape);
      expect(Array.from(b.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
      const hlen = b[8]! + 256 * b[9]!;
      expect((10 + hlen) % 64).toBe(0);
      expect(b.length).toBe(10 + hlen + 8 * count);
      const header = String.fromCharCode(...b.subarray(10, 10 + hlen));
      expect(header.endsWith('\n')).toBe(true);
      const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
      expect(header).toContain(`{'descr': '<f8', 'fortran_order': False, 'shape': ${shapeStr}, }`);
      expect(readNpy(b).shape).toEqual(shape);
    }
  });

  it('numpy read our .npy bit-identically (fixture check is current)', () => {
    const check = JSON.parse(fixtureText('io_numpy_check.json'));
    expect(check.npy.bit_identical).toBe(true);
    expect(check.npy.data_offset_multiple_of_64).toBe(true);
    const v = JSON.parse(fixtureText('io_csv_values.json'));
    const ours = writeNpy(fromHexBits(v.X), [v.n, v.d]);
    expect(Buffer.from(ours).equals(fixture('io_written_by_ts.npy'))).toBe(true);
  });

  const expected = JSON.parse(fixtureText('io_npy_expected.json'));
  for (const [name, e] of Object.entries(expected.files) as [string, { shape: number[]; dtype: string; bits: string[]; note: string }][]) {
    it(`reads numpy's ${name} (${e.note})`, () => {
      const r = readNpy(fixture(name), name);
      expect(r.shape).toEqual(e.shape);
      expect(r.dtype).toBe(e.dtype);
      expect(hexBits(r.data)).toEqual(e.bits);
    });
  }
  for (const [name, parts] of Object.entries(expected.rejects) as [string, string[]][]) {
    it(`rejects numpy's ${name}`, () => {
      expectInputError(() => readNpy(fixture(name), name), [name, ...parts]);
    });
  }

  it('reads from a view at an unaligned offset of a larger buffer, and from an ArrayBuffer', () => {
    const X = new Float64Array([1.5, -0, Number.NaN, 5e-324, 2, 3]);
    const file = writeNpy(X, [3, 2]);
    for (const off of [0, 1, 3, 8, 13]) {
      const big = new Uint8Array(off + file.length + 5).fill(0xee);
      big.set(file, off);
      const view = big.subarray(off, off + file.length);
      expect(hexBits(readNpy(view).data)).toEqual(hexBits(X));
      const buf = Buffer.from(big.buffer, off, file.length); // like a pooled Buffer
      expect(hexBits(readNpy(buf).data)).toEqual(hexBits(X));
    }
    expect(hexBits(readNpy(file.slice().buffer).data)).toEqual(hexBits(X));
    // The result does not alias the input.
    const r = readNpy(file);
    r.data[0] = 99;
    expect(readNpy(file).data[0]).toBe(1.5);
    // Nor a Node Buffer's memory (Buffer#slice would be a view, not a copy).
    const nodeBuf = Buffer.from(file);
    readNpy(nodeBuf).data.fill(7);
    expect(Buffer.from(file).equals(nodeBuf)).toBe(true);
  });

  it('reads big-endian data at an unaligned offset', () => {
    const file = fixture('io_f8_be_fortran.npy');
    const big = new Uint8Array(file.length + 3);
    big.set(file, 3);
    const e = expected.files['io_f8_be_fortran.npy'];
    expect(hexBits(readNpy(big.subarray(3)).data)).toEqual(e.bits);
  });

  /** A v1.0 file with a custom header text and data. */
  function npyWithHeader(header: string, data = new Uint8Array(0), major = 1): Uint8Array {
    const pre = major === 1 ? 10 : 12;
    const out = new Uint8Array(pre + header.length + data.length);
    out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
    if (major === 1) {
      out[8] = header.length & 0xff;
      out[9] = header.length >> 8;
    } else {
      new DataView(out.buffer).setUint32(8, header.length, true);
    }
    for (let i = 0; i < header.length; i++) out[pre + i] = header.charCodeAt(i);
    out.set(data, pre + header.length);
    return out;
  }

  it('rejects bad input with clear messages', () => {
    const good = writeNpy(new Float64Array([1, 2, 3, 4]), [2, 2]);
    expectInputError(() => readNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), 'f.npy'), ['f.npy', 'bad magic', 'NUMPY']);
    expectInputError(() => readNpy(new TextEncoder().encode('x,y\n1,2\n3,4\n'), 'f.npy'), ['f.npy', '"x,y', 'bad magic: not an .npy file']);
    expectInputError(() => readNpy(good.subarray(0, 5), 'f.npy'), ['f.npy', 'only 5 bytes']);
    const v9 = good.slice();
    v9[6] = 9;
    expectInputError(() => readNpy(v9, 'f.npy'), ['f.npy.version', '"9.0"', '1.0, 2.0 or 3.0']);
    expectInputError(() => readNpy(good.subarray(0, 40), 'f.npy'), ['f.npy', 'truncated header']);
    expectInputError(() => readNpy(good.subarray(0, good.length - 1), 'f.npy'), ['f.npy', '31 data bytes', '32 bytes for shape (2, 2)', 'truncated data']);
    const extra = new Uint8Array(good.length + 8);
    extra.set(good);
    expectInputError(() => readNpy(extra, 'f.npy'), ['f.npy', '8 trailing bytes']);
    expectInputError(() => readNpy(npyWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (2, }\n"), 'f.npy'), ['f.npy.header', 'Python dict literal']);
    expectInputError(() => readNpy(npyWithHeader("{'descr': '<f8', 'shape': (2,), }\n"), 'f.npy'), ['f.npy.header', 'exactly the keys descr, fortran_order, shape']);
    expectInputError(() => readNpy(npyWithHeader("{'descr': '<f8', 'fortran_order': 0, 'shape': (2,), }\n"), 'f.npy'), ['f.npy.fortran_order', 'True or False']);
    expectInputError(() => readNpy(npyWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (-2,), }\n"), 'f.npy'), ['f.npy.shape[0]', '-2']);
    expectInputError(() => readNpy(npyWithHeader("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }\n"), 'f.npy'), ['f.npy.dtype', '"<c8"', 'unsupported dtype']);
    expectInputError(() => readNpy(npyWithHeader("{'descr': '=f8', 'fortran_order': False, 'shape': (1,), }\n", new Uint8Array(8)), 'f.npy'), ['f.npy.dtype', 'explicit byte order']);
    expectInputError(() => readNpy(npyWithHeader("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }\n", new Uint8Array(8)), 'f.npy'), ['f.npy.dtype', '"|O"', 'object arrays']);
    expectInputError(() => readNpy('abc' as unknown as Uint8Array, 'f.npy'), ['f.npy', 'Uint8Array or ArrayBuffer']);
    // v2.0 preamble with a 4-byte header length
    const v2 = npyWithHeader("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }\n", new Uint8Array([1, 0, 0, 0, 255, 255, 255, 255]), 2);
    expect(Array.from(readNpy(v2).data)).toEqual([1, -1]);
    // numpy writes 'L' suffixes in files from Python 2
    const py2 = npyWithHeader("{'descr': '<u1', 'fortran_order': False, 'shape': (2L,), }\n", new Uint8Array([3, 4]));
    expect(Array.from(readNpy(py2).data)).toEqual([3, 4]);
  });

  it('writeNpy validates its input', () => {
    expectInputError(() => writeNpy(new Float64Array(5), [2, 2]), ['npy.X.length', 'product of shape [2, 2] = 4']);
    expectInputError(() => writeNpy(new Float64Array(2), [2, -1]), ['npy.shape[1]', '-1']);
    expectInputError(() => writeNpy([1, 2] as unknown as Float64Array, [2]), ['npy.X', 'Float64Array']);
  });
});

// ----------------------------------------------------------------------------------------
describe('JSON', () => {
  it('formatParticlesJson → parseParticlesJson is bit-exact (−0 kept), with and without weights', () => {
    const X = new Float64Array([...SPECIAL_FINITE, ...randomDoubles(45, 3n)]);
    const w = new Float64Array(X.length / 3).fill(1 / (X.length / 3));
    const p = parseParticlesJson(formatParticlesJson(X, 3, w));
    expect(p.d).toBe(3);
    expect(hexBits(p.X)).toEqual(hexBits(X));
    expect(hexBits(p.w!)).toEqual(hexBits(w));
    expect(parseParticlesJson(formatParticlesJson(X, 3)).w).toBeUndefined();
    expect(formatParticlesJson(new Float64Array([0, -0, 1.5, 2]), 2, new Float64Array([0.5, 0.5]))).toBe(
      '{\n  "positions": [\n    [0, -0],\n    [1.5, 2]\n  ],\n  "weights": [0.5, 0.5]\n}\n',
    );
  });

  it('accepts rows, a flat array (d = 1), and an object with extra keys', () => {
    expect(parseParticlesJson('[[1, 2], [3, 4]]')).toMatchObject({ n: 2, d: 2, X: new Float64Array([1, 2, 3, 4]) });
    expect(parseParticlesJson('[1, 2, 3]')).toMatchObject({ n: 3, d: 1 });
    const r = parseParticlesJson('{"spec": {"n": 2}, "step": 10, "positions": [[1], [2]], "weights": [0.25, 0.75]}');
    expect(Array.from(r.w!)).toEqual([0.25, 0.75]);
  });

  const bad: [string, string, string[]][] = [
    ['malformed JSON', '{"positions": [[1, 2], [3,', ['r.json', 'valid JSON', 'Unexpected']],
    ['trailing comma', '[[1, 2],]', ['r.json', 'valid JSON']],
    ['empty text', '  ', ['r.json', 'the file is empty']],
    ['string entry', '{"positions": [[1, 2], [3, 4], [5, 6], [7, "a"]]}', ['r.json.positions[3][1]', '"a"', 'a finite number']],
    ['null entry', '[[1, 2], [null, 4]]', ['r.json[1][0]', 'null']],
    ['overflow', '[[1, 2], [1e400, 4]]', ['r.json[1][0]', 'Infinity', 'overflows']],
    ['ragged row', '[[1, 2], [3]]', ['r.json[1].length', 'got 1', '2 (the length of row 0)']],
    ['row not an array', '[[1, 2], 3]', ['r.json[1]', 'a row of 2 numbers']],
    ['flat array with a row', '[1, [2]]', ['r.json[1]', 'flat array']],
    ['empty row', '[[]]', ['r.json[0]', 'at least one coordinate']],
    ['no particles', '{"positions": []}', ['r.json.positions', 'at least one particle']],
    ['no positions key', '{"X": [[1]]}', ['r.json.positions', 'keys: X']],
    ['weights length', '{"positions": [[1], [2]], "weights": [1]}', ['r.json.weights.length', 'got 1', '2 (one weight per position)']],
    ['negative weight', '{"positions": [[1], [2]], "weights": [1.5, -0.5]}', ['r.json.weights[1]', '-0.5', 'weight >= 0']],
    ['weights not an array', '{"positions": [[1]], "weights": 1}', ['r.json.weights', 'array of 1 weights']],
    ['top-level number', '42', ['r.json', 'got 42']],
  ];
  for (const [name, text, parts] of bad) {
    it(`rejects ${name}`, () => {
      expectInputError(() => parseParticlesJson(text, 'r.json'), parts);
    });
  }

  it('formatParticlesJson rejects NaN/Infinity naming the entry', () => {
    expectInputError(() => formatParticlesJson(new Float64Array([1, Number.NaN]), 1), ['X[1][0]', 'NaN']);
    expectInputError(() => formatParticlesJson(new Float64Array([1]), 1, new Float64Array([Number.POSITIVE_INFINITY])), ['w[0]', 'Infinity']);
  });
});

// ----------------------------------------------------------------------------------------
describe('files (Node)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'measureflow-io-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const X = new Float64Array([0.1 + 0.2, -0, 5e-324, 1e308, -1.5, 2 / 3]);
  const w = new Float64Array([0.2, 0.3, 0.5]);
  const mu = particleMeasure(X, 2, w);

  for (const ext of ['.csv', '.json']) {
    it(`writeParticles / readParticles round trip through ${ext} is bit-exact with weights`, () => {
      const p = join(dir, 'sub', 'deeper', `mu${ext}`); // parent directories are created
      writeParticles(p, mu);
      const back = readParticles(p, { field: 'init' });
      expect(back.d).toBe(2);
      expect(hexBits(back.X)).toEqual(hexBits(X));
      expect(hexBits(back.w)).toEqual(hexBits(w));
    });
  }

  it('.npy keeps positions only: uniform weights round trip, non-uniform are refused', () => {
    const uni = particleMeasure(X, 2);
    const p = join(dir, 'MU.NPY'); // extension is case-insensitive
    writeParticles(p, uni);
    const back = readParticles(p);
    expect(hexBits(back.X)).toEqual(hexBits(X));
    expect(Array.from(back.w)).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expectInputError(() => writeParticles(join(dir, 'w.npy'), mu), ['mu.w[0]', 'uniform weights', 'write .csv or .json']);
    expect(readdirSync(dir)).not.toContain('w.npy');
  });

  it('reads numpy fixtures: 1-d as d = 1, refuses 3-d and NaN', () => {
    expect(readParticles(join(FIX, 'io_f8_1d.npy')).d).toBe(1);
    expect(readParticles(join(FIX, 'io_i4_be.npy'))).toMatchObject({ n: 3, d: 2 });
    expectInputError(() => readParticles(join(FIX, 'io_f8_fortran_3d.npy'), { field: 'init' }), ['init (', 'io_f8_fortran_3d.npy).shape', '(2, 3, 4)', '1-d array [n] or a 2-d array [n, d]']);
    expectInputError(() => readParticles(join(FIX, 'io_f8_c.npy'), { field: 'init' }), ['io_f8_c.npy).X[1][1]', 'NaN', 'finite']);
    expectInputError(() => readParticles(join(FIX, 'io_object.npy'), { field: 'init' }), ['io_object.npy).dtype', 'object arrays']);
  });

  it('errors name the field, the path and the place in the file', () => {
    const p = join(dir, 'bad.csv');
    writeFileSync(p, 'x,y\n1,2\n3,oops\n');
    expectInputError(() => readParticles(p, { field: 'init.particles' }), [`init.particles (${p}) line 3, column 2`, '"oops"']);
    const j = join(dir, 'bad.json');
    writeFileSync(j, '{"positions": [[1, 2], [3, true]]}');
    expectInputError(() => readParticles(j, { field: 'target' }), [`target (${j}).positions[1][1]`, 'true']);
    const s = join(dir, 'sum.csv');
    writeFileSync(s, 'x,w\n1,0.5\n2,0.6\n');
    expectInputError(() => readParticles(s, { field: 'init' }), [`sum(init (${s}).w)`, 'summing to 1']);
    expect(readParticles(s, { space: 'M+' }).w).toEqual(new Float64Array([0.5, 0.6]));
  });

  it('unknown extension, missing file and directories are InputErrors naming the path', () => {
    expectInputError(() => readParticles(join(dir, 'data.txt'), { field: 'init' }), ['init', 'data.txt', '.csv, .npy, .json', "unknown extension '.txt'"]);
    expectInputError(() => readParticles(join(dir, 'noext')), ['noext', 'no extension']);
    expectInputError(() => readParticles(join(dir, 'missing.csv'), { field: 'init' }), ['init', 'missing.csv', 'no such file']);
    mkdirSync(join(dir, 'folder.csv'));
    expectInputError(() => readParticles(join(dir, 'folder.csv')), ['folder.csv', 'directory']);
    expectInputError(() => writeParticles(join(dir, 'out.parquet'), mu), ['out.parquet', '.csv, .npy, .json']);
  });

  it('writeFileAtomic writes, overwrites, and creates parent directories', () => {
    const p = join(dir, 'atomic', 'a', 'f.bin');
    writeFileAtomic(p, new Uint8Array([1, 2, 3]));
    expect(Array.from(readFileSync(p))).toEqual([1, 2, 3]);
    writeFileAtomic(p, 'héllo\n');
    expect(readFileSync(p, 'utf8')).toBe('héllo\n');
    expect(readdirSync(join(dir, 'atomic', 'a'))).toEqual(['f.bin']);
  });

  it('a failing write leaves no file and no temporary file', () => {
    const base = join(dir, 'fail');
    mkdirSync(join(base, 'target.csv', 'inside'), { recursive: true }); // a non-empty directory where the file should go
    const before = readdirSync(base).sort();
    expect(() => writeFileAtomic(join(base, 'target.csv'), 'x\n1\n')).toThrow();
    expect(readdirSync(base).sort()).toEqual(before); // no temp file left beside it
    expect(statSync(join(base, 'target.csv')).isDirectory()).toBe(true);
    // Parent path is a file: nothing is created.
    writeFileSync(join(base, 'plain'), 'x');
    expect(() => writeFileAtomic(join(base, 'plain', 'f.csv'), 'x\n')).toThrow();
    expect(readdirSync(base).sort()).toEqual([...before, 'plain'].sort());
    // Bad data: rejected before anything is written.
    expectInputError(() => writeFileAtomic(join(base, 'g.csv'), 42 as unknown as string), ['data', 'string or a Uint8Array']);
    // A formatter error (NaN in CSV) happens before the write: no file appears.
    const nanMu = { n: 1, d: 1, X: new Float64Array([Number.NaN]), w: new Float64Array([1]) };
    expectInputError(() => writeParticles(join(base, 'nan.csv'), nanMu), ['mu.X[0][0]', 'NaN']);
    expect(readdirSync(base).sort()).toEqual([...before, 'plain'].sort());
  });
});
