import { InputError } from './errors.js';
import { checkInteger } from './validate.js';
import { log } from './math.js';

/**
 * A seeded random generator: xoshiro128** (Blackman & Vigna 2018) whose 128-bit state is
 * filled by SplitMix64 from (seed, stream). Different streams of one seed are independent
 * for all practical purposes, so per-run and per-step generators are derived, not shared:
 * `rng(seed, t)` is the generator of step t, and reruns are bit-identical.
 *
 * Everything is built from 32-bit integer ops and our own `log`, so the same seed gives
 * the same numbers in Node and in every browser. `Math.random` is never used.
 */
export interface Rng {
  /** Next raw 32-bit output, in [0, 2³²). */
  nextUint32(): number;
  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number;
  /** Standard normal N(0, 1) (Marsaglia polar method). */
  normal(): number;
  /** Fills `out` with independent N(0, 1) draws and returns it. */
  fillNormal(out: Float64Array): Float64Array;
  /** Uniform integer in [0, k). */
  int(k: number): number;
}

const M64 = (1n << 64n) - 1n;

function splitmix64(state: bigint): [bigint, bigint] {
  const s = (state + 0x9e3779b97f4a7c15n) & M64;
  let z = s;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
  return [s, z ^ (z >> 31n)];
}

/** The generator for (seed, stream); both are integers in [0, 2³²). */
export function rng(seed: number, stream = 0): Rng {
  checkInteger('seed', seed, 0);
  checkInteger('stream', stream, 0);
  if (seed >= 2 ** 32) throw new InputError('seed', seed, 'an integer in [0, 2^32 − 1 = 4294967295]');
  let sm = (BigInt(seed) << 32n) | BigInt(stream % 2 ** 32);
  const words: number[] = [];
  for (let i = 0; i < 2; i++) {
    const [next, z] = splitmix64(sm);
    sm = next;
    words.push(Number(z & 0xffffffffn), Number(z >> 32n));
  }
  if ((words[0]! | words[1]! | words[2]! | words[3]!) === 0) words[0] = 1;
  return xoshiro128ss(words[0]!, words[1]!, words[2]!, words[3]!);
}

/** xoshiro128** from an explicit state (used by the test vectors of the reference C code). */
export function xoshiro128ss(a: number, b: number, c: number, d: number): Rng {
  let s0 = a | 0;
  let s1 = b | 0;
  let s2 = c | 0;
  let s3 = d | 0;
  let spare = Number.NaN;
  const next = (): number => {
    const x = Math.imul(s1, 5);
    const r = Math.imul((x << 7) | (x >>> 25), 9);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    return r >>> 0;
  };
  const uniform = (): number => ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992;
  const normal = (): number => {
    if (!Number.isNaN(spare)) {
      const z = spare;
      spare = Number.NaN;
      return z;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * uniform() - 1;
      v = 2 * uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * log(s)) / s);
    spare = v * f;
    return u * f;
  };
  return {
    nextUint32: next,
    uniform,
    normal,
    fillNormal(out) {
      for (let i = 0; i < out.length; i++) out[i] = normal();
      return out;
    },
    int(k) {
      return Math.floor(uniform() * k);
    },
  };
}
