/**
 * Argsort of float64 keys in O(N) — the sort of the sliced kernel sums, which runs once per
 * direction on the n + m projected points. Two exact algorithms:
 *
 * - `sort` (fast path): the keys are quantised monotonically to 2h bits (about 16N quanta),
 *   q = ⌊(k − min)·(2^{2h} − 1)/(max − min)⌋ (non-decreasing in k), sorted by q in two
 *   least-significant-digit radix passes of h bits, and the
 *   result is finished by an insertion sort on the exact keys, which only reorders keys that
 *   share a quantum (a handful at these sizes). When that finish would move more than 4N
 *   elements (keys crowded into few quanta, e.g. a far outlier), it falls back to:
 * - `argsort`: radix sort on the full 64-bit IEEE-754 patterns (four passes of 16 bits;
 *   the pattern of a double is mapped to an unsigned integer of the same order).
 *
 * Both give exactly the order of `<` on the keys (ties in input order). NaN is not allowed.
 */
export class Argsorter {
  private qcap = 0;
  private qA = new Uint32Array(0);
  private qB = new Uint32Array(0);
  private jA = new Uint32Array(0);
  private jB = new Uint32Array(0);
  private kA = new Float64Array(0);
  private kB = new Float64Array(0);
  private pA = new Float64Array(0);
  private pB = new Float64Array(0);
  private qcount = new Uint32Array(0);

  /**
   * Sorts keys[0..N): returns `order` (keys[order[0]] ≤ keys[order[1]] ≤ …), `sorted`
   * (sorted[i] = keys[order[i]]) and, when a `payload` [N] is given, `sortedPayload`
   * (payload[order[i]]; carried through the passes instead of gathered). Views into internal
   * storage, valid until the next call.
   */
  sort(keys: Float64Array, N: number = keys.length, payload?: Float64Array): { order: Uint32Array; sorted: Float64Array; sortedPayload: Float64Array } {
    if (N > this.qcap) {
      this.qcap = N;
      this.qA = new Uint32Array(N);
      this.qB = new Uint32Array(N);
      this.jA = new Uint32Array(N);
      this.jB = new Uint32Array(N);
      this.kA = new Float64Array(N);
      this.kB = new Float64Array(N);
    }
    if (payload && N > this.pA.length) {
      this.pA = new Float64Array(N);
      this.pB = new Float64Array(N);
    }
    const pl = payload ?? this.pA;
    const ps = this.pA;
    const ps2 = this.pB;
    const carry = !!payload;
    const q = this.qA;
    const q2 = this.qB;
    const ix = this.jA;
    const ix2 = this.jB;
    const ks = this.kA;
    const ks2 = this.kB;
    let mn = Infinity;
    let mx = -Infinity;
    for (let i = 0; i < N; i++) {
      const v = keys[i]!;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    if (!(mx > mn)) {
      // all keys equal (or N ≤ 1): the identity order
      for (let i = 0; i < N; i++) {
        ix[i] = i;
        ks[i] = keys[i]!;
        if (carry) ps[i] = pl[i]!;
      }
      return { order: ix.subarray(0, N), sorted: ks.subarray(0, N), sortedPayload: ps.subarray(0, carry ? N : 0) };
    }
    // Quantise to `bits` = 2·h bits, h = clamp(⌈log₂N⌉/2 + 2, 8, 16): about 16N quanta, so
    // few keys share one, sorted in two radix passes of h bits.
    const h = Math.min(16, Math.max(8, Math.ceil(Math.log2(Math.max(2, N)) / 2) + 2));
    const H = 1 << h;
    const mask = H - 1;
    const top = 2 ** (2 * h) - 1;
    // (1 − 2⁻⁵²) keeps (max − min)·scale ≤ top after rounding
    const scale = (top / (mx - mn)) * (1 - 2 ** -52);
    if (this.qcount.length < 2 * H) this.qcount = new Uint32Array(2 * H);
    const cnt = this.qcount;
    cnt.fill(0, 0, 2 * H);
    for (let i = 0; i < N; i++) {
      const v = keys[i]!;
      const t = Math.floor((v - mn) * scale);
      q[i] = t;
      cnt[t & mask]!++;
      cnt[H + (t >>> h)]!++;
    }
    for (let p = 0; p < 2; p++) {
      let s = 0;
      for (let b = p * H; b < (p + 1) * H; b++) {
        const c = cnt[b]!;
        cnt[b] = s;
        s += c;
      }
    }
    // two passes (low digit, high digit), carrying index and exact key
    if (carry) {
      for (let i = 0; i < N; i++) {
        const t = q[i]!;
        const pos = cnt[t & mask]!++;
        q2[pos] = t;
        ix2[pos] = i;
        ks2[pos] = keys[i]!;
        ps2[pos] = pl[i]!;
      }
      for (let i = 0; i < N; i++) {
        const pos = cnt[H + (q2[i]! >>> h)]!++;
        ix[pos] = ix2[i]!;
        ks[pos] = ks2[i]!;
        ps[pos] = ps2[i]!;
      }
    } else {
      for (let i = 0; i < N; i++) {
        const t = q[i]!;
        const pos = cnt[t & mask]!++;
        q2[pos] = t;
        ix2[pos] = i;
        ks2[pos] = keys[i]!;
      }
      for (let i = 0; i < N; i++) {
        const pos = cnt[H + (q2[i]! >>> h)]!++;
        ix[pos] = ix2[i]!;
        ks[pos] = ks2[i]!;
      }
    }
    // finish: insertion sort on the exact keys (moves only within a quantum)
    let moves = 0;
    const limit = 4 * N;
    for (let i = 1; i < N; i++) {
      const v = ks[i]!;
      if (v >= ks[i - 1]!) continue;
      const id = ix[i]!;
      const pv = ps[i]!;
      let j = i - 1;
      while (j >= 0 && ks[j]! > v) {
        ks[j + 1] = ks[j]!;
        ix[j + 1] = ix[j]!;
        ps[j + 1] = ps[j]!;
        j--;
        moves++;
      }
      ks[j + 1] = v;
      ix[j + 1] = id;
      ps[j + 1] = pv;
      if (moves > limit) {
        const order = this.argsort(keys, N);
        for (let k = 0; k < N; k++) {
          ix[k] = order[k]!;
          ks[k] = keys[order[k]!]!;
          if (carry) ps[k] = pl[order[k]!]!;
        }
        break;
      }
    }
    return { order: ix.subarray(0, N), sorted: ks.subarray(0, N), sortedPayload: ps.subarray(0, carry ? N : 0) };
  }

  private cap = 0;
  private hiA = new Uint32Array(0);
  private loA = new Uint32Array(0);
  private ixA = new Uint32Array(0);
  private hiB = new Uint32Array(0);
  private loB = new Uint32Array(0);
  private ixB = new Uint32Array(0);
  private readonly count = new Uint32Array(65536);
  private readonly bits = new Float64Array(1);
  private readonly words = new Uint32Array(this.bits.buffer);

  private ensure(N: number): void {
    if (N <= this.cap) return;
    this.cap = N;
    this.hiA = new Uint32Array(N);
    this.loA = new Uint32Array(N);
    this.ixA = new Uint32Array(N);
    this.hiB = new Uint32Array(N);
    this.loB = new Uint32Array(N);
    this.ixB = new Uint32Array(N);
  }

  /**
   * The permutation that sorts `keys[0..N)` ascending (ties keep their input order):
   * keys[order[0]] ≤ keys[order[1]] ≤ … . Returns a view into internal storage, valid until
   * the next call. Cost O(N).
   */
  argsort(keys: Float64Array, N: number = keys.length): Uint32Array {
    this.ensure(N);
    const { count, words, bits } = this;
    // Little-endian word order of a Float64Array view: words[0] = low, words[1] = high.
    bits[0] = 1;
    const le = words[1] === 0x3ff00000;
    const iLo = le ? 0 : 1;
    const iHi = le ? 1 : 0;
    let hi = this.hiA;
    let lo = this.loA;
    let ix = this.ixA;
    let hi2 = this.hiB;
    let lo2 = this.loB;
    let ix2 = this.ixB;
    const kw = new Uint32Array(keys.buffer, keys.byteOffset, 2 * N);
    for (let i = 0; i < N; i++) {
      let h = kw[2 * i + iHi]!;
      let l = kw[2 * i + iLo]!;
      if (h & 0x80000000) {
        h = ~h >>> 0;
        l = ~l >>> 0;
      } else h = (h | 0x80000000) >>> 0;
      hi[i] = h;
      lo[i] = l;
      ix[i] = i;
    }
    for (let pass = 0; pass < 4; pass++) {
      const src = pass < 2 ? lo : hi;
      const shift = (pass & 1) * 16;
      count.fill(0);
      for (let i = 0; i < N; i++) count[(src[i]! >>> shift) & 0xffff]!++;
      // skip a pass where every key has the same digit
      if (N > 0 && count[(src[0]! >>> shift) & 0xffff] === N) continue;
      let sum = 0;
      for (let b = 0; b < 65536; b++) {
        const c = count[b]!;
        count[b] = sum;
        sum += c;
      }
      for (let i = 0; i < N; i++) {
        const dgt = (src[i]! >>> shift) & 0xffff;
        const p = count[dgt]!++;
        hi2[p] = hi[i]!;
        lo2[p] = lo[i]!;
        ix2[p] = ix[i]!;
      }
      [hi, hi2] = [hi2, hi];
      [lo, lo2] = [lo2, lo];
      [ix, ix2] = [ix2, ix];
    }
    return ix.subarray(0, N);
  }
}
