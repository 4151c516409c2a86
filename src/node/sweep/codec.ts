/**
 * Lossless JSON for task results: a value written by {@link encodeExact} and read by
 * {@link decodeExact} is the same bit for bit — finite numbers as JSON's shortest round-trip
 * text, NaN, ±Infinity and −0 as `{"$n": "NaN" | "Infinity" | "-Infinity" | "-0"}`, and a
 * Float64Array as `{"$f64": base64 of its IEEE-754 little-endian bytes}`.
 */

/** Float64Array → base64 of its little-endian bytes. */
function f64ToBase64(a: Float64Array): string {
  const b = Buffer.alloc(a.length * 8);
  for (let i = 0; i < a.length; i++) b.writeDoubleLE(a[i]!, 8 * i);
  return b.toString('base64');
}

function base64ToF64(s: string): Float64Array {
  const b = Buffer.from(s, 'base64');
  if (b.length % 8 !== 0) throw new Error(`$f64: ${b.length} bytes is not a whole number of doubles`);
  const a = new Float64Array(b.length / 8);
  for (let i = 0; i < a.length; i++) a[i] = b.readDoubleLE(8 * i);
  return a;
}

function replacer(_key: string, v: unknown): unknown {
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return { $n: 'NaN' };
    if (v === Infinity) return { $n: 'Infinity' };
    if (v === -Infinity) return { $n: '-Infinity' };
    if (Object.is(v, -0)) return { $n: '-0' };
    return v;
  }
  if (v instanceof Float64Array) return { $f64: f64ToBase64(v) };
  if (ArrayBuffer.isView(v)) throw new Error(`encodeExact: only Float64Array typed arrays are supported, got ${v.constructor.name}`);
  return v;
}

function reviver(_key: string, v: unknown): unknown {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && typeof o.$f64 === 'string') return base64ToF64(o.$f64);
    if (keys.length === 1 && typeof o.$n === 'string') {
      const n = { NaN: Number.NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 }[o.$n];
      if (n === undefined) throw new Error(`$n: unknown number ${o.$n}`);
      return n;
    }
  }
  return v;
}

/** JSON text of `v` that {@link decodeExact} turns back into the identical value. */
export function encodeExact(v: unknown): string {
  return JSON.stringify(v, replacer);
}

/** Inverse of {@link encodeExact}. */
export function decodeExact(text: string): unknown {
  return JSON.parse(text, reviver);
}
