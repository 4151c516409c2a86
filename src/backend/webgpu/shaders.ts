import type { Kernel } from '../../kernels/kernel.js';

/**
 * WGSL compute shaders for the kernel sums, generated per (operation, kernel, d, p, tile):
 * the dimension is a compile-time constant so the point's row and its accumulators live in
 * registers (private arrays), and the kernel's kind is inlined (no branch on the kind).
 *
 * Tiling (KeOps style): one invocation per output row i (a point xᵢ); the workgroup stages a
 * tile of T sources (coordinates, coefficients, scores or vectors) in workgroup memory, every
 * invocation sums its row against the tile, and the loop moves to the next tile. Nothing of
 * size n×m is ever formed.
 *
 * Precision (WGSL has f32 only): the host centres the coordinates in f64 before converting them
 * to f32, so differences xᵢ − yⱼ lose nothing to a common offset. Inside a tile the ≤ T terms are
 * summed in f32; each tile's partial sum is then added into a double-f32 accumulator (hi, lo)
 * with an error-free TwoSum (Knuth), so the accumulation over thousands of tiles adds no error
 * beyond the last bit of a 48-bit mantissa. Accumulators persist in a storage buffer across the
 * dispatches over source chunks (again combined by TwoSum) and the host forms hi + lo in f64.
 * The TwoSum's intermediates pass through an opaque identity (bit pattern XOR a uniform zero):
 * lavapipe's compiler was seen to reassociate the plain TwoSum into an error term of 0.
 *
 * Operations (names as in the core's free functions):
 * - `val`   out[i] = Σⱼ vⱼ k(xᵢ, yⱼ)                                    (kernelSum)
 * - `grad`  out[i] = (Σⱼ vⱼ k, Σⱼ vⱼ cᵢⱼ (xᵢ − yⱼ))                      (kernelSumGrad, width 1 + d)
 * - `stein` out[i] = Σⱼ vⱼ [k sᵢ·sⱼ + c (sⱼ − sᵢ)·(xᵢ − yⱼ) + tr ∇ₓ∇ᵧk]  (steinKernelSum)
 * - `vec`   out[i, :] = Σⱼ k(xᵢ, yⱼ) vⱼ G[j, :]                          (kernelSumVec, width p)
 */
export type SumOp = 'val' | 'grad' | 'stein' | 'vec';

/** Kernel constants passed in the uniform block (k0..k3), computed in f64 on the host. */
export function kernelConstants(ker: Kernel): [number, number, number, number] {
  switch (ker.kind) {
    case 'gaussian':
      return [-0.5 / (ker.sigma * ker.sigma), 1 / (ker.sigma * ker.sigma), 0, 0];
    case 'imq':
      return [1 / (ker.sigma * ker.sigma), 0, 0, 0];
    case 'laplace':
      return [1 / ker.sigma, 0, 0, 0];
    case 'matern32':
      return [Math.sqrt(3) / ker.sigma, 0, 0, 0];
    case 'energy':
      return [0, 0, 0, 0];
  }
}

/** WGSL float literal of a host number (exponent form keeps every digit f32 can use). */
function lit(x: number): string {
  return `${x.toExponential(9)}f`;
}

/**
 * `fn prof(s) -> vec3(k, c, tr)`: the radial profile at s = |x − y|², with ∇ₓk = c·(x − y) and
 * tr = tr ∇ₓ∇ᵧk = −2s·c′(s) − d·c (the formulas of `kernelProfile`). At s = 0 the laplace and
 * energy kernels get c = 0 (the symmetric subgradient); their tr is not used (not Stein kernels).
 */
function profileWgsl(ker: Kernel): string {
  switch (ker.kind) {
    case 'gaussian':
      return `fn prof(s: f32) -> vec3<f32> {
  let k = exp(U.k0 * s);
  return vec3<f32>(k, -k * U.k1, k * (fD * U.k1 - s * U.k1 * U.k1));
}`;
    case 'imq': {
      const b = ker.beta ?? 0.5;
      const pw = b === 0.5 ? 'inverseSqrt(u)' : b === 1 ? '1.0 / u' : b === 1.5 ? 'inverseSqrt(u) / u' : `pow(u, ${lit(-b)})`;
      return `fn prof(s: f32) -> vec3<f32> {
  let u = 1.0 + s * U.k0;
  let k = ${pw};
  let c = ${lit(-2 * b)} * U.k0 * k / u;
  return vec3<f32>(k, c, ${lit(-4 * b * (b + 1))} * U.k0 * U.k0 * k * s / (u * u) - fD * c);
}`;
    }
    case 'laplace':
      return `fn prof(s: f32) -> vec3<f32> {
  let r = sqrt(s);
  let k = exp(-r * U.k0);
  let c = select(-k * U.k0 / max(r, 1e-30f), 0.0, r == 0.0);
  return vec3<f32>(k, c, 0.0);
}`;
    case 'matern32':
      return `fn prof(s: f32) -> vec3<f32> {
  let r = sqrt(s);
  let ar = U.k0 * r;
  let e = exp(-ar);
  let a2 = U.k0 * U.k0;
  return vec3<f32>((1.0 + ar) * e, -a2 * e, a2 * e * (fD - ar));
}`;
    case 'energy': {
      const b = ker.beta ?? 1;
      if (b === 1)
        return `fn prof(s: f32) -> vec3<f32> {
  let r = sqrt(s);
  return vec3<f32>(-r, select(-1.0 / max(r, 1e-30f), 0.0, r == 0.0), 0.0);
}`;
      return `fn prof(s: f32) -> vec3<f32> {
  let r = sqrt(s);
  let rs = max(r, 1e-30f);
  let k = select(-pow(rs, ${lit(b)}), 0.0, r == 0.0);
  let c = select(${lit(-b)} * pow(rs, ${lit(b - 2)}), 0.0, r == 0.0);
  return vec3<f32>(k, c, 0.0);
}`;
    }
  }
}

/** Per-source f32 words staged in workgroup memory for an operation. */
export function wordsPerSource(op: SumOp, d: number, p: number): number {
  return op === 'stein' ? 2 * d + 1 : op === 'vec' ? d + p + 1 : d + 1;
}

/** Output width (accumulated values per row) of an operation. */
export function outputWidth(op: SumOp, d: number, p: number): number {
  return op === 'grad' ? 1 + d : op === 'vec' ? p : 1;
}

/**
 * The WGSL source for one operation. Bindings: 0 the uniform block, then the row inputs
 * (X; X and SX for `stein`), then the source inputs (Y, [SY | G], V), then the accumulator
 * buffer (array of (hi, lo) pairs, `outputWidth` per row). `T` sources per tile, `WG`
 * invocations per workgroup.
 */
export function sumShader(op: SumOp, ker: Kernel, d: number, p: number, T: number, WG: number): string {
  return unrollLoops(sumShaderLoops(op, ker, d, p, T, WG), d, p);
}

/** Loops over coordinates up to this many are unrolled (constant indices keep private arrays in registers; at d = 100 the unrolled shader took minutes to compile on lavapipe). */
export const UNROLL_MAX = 16;

/**
 * Unrolls the single-statement loops over the D coordinates or the P columns into constant-index
 * statements when D (P) ≤ UNROLL_MAX: compilers keep constant-indexed private arrays in registers
 * (SSA values), while a dynamic index forces them into scratch memory.
 */
function unrollLoops(src: string, d: number, p: number): string {
  return src.replace(/for \(var (a|c) = 0u; \1 < (D|P); \1\+\+\) \{ ([^{}]*) \}/g, (whole, v: string, bound: string, body: string) => {
    const count = bound === 'D' ? d : p;
    if (count > UNROLL_MAX) return whole;
    const re = new RegExp(`\\b${v}\\b`, 'g');
    return Array.from({ length: count }, (_, k) => `{ ${body.replace(re, `${k}u`)} }`).join(' ');
  });
}

function sumShaderLoops(op: SumOp, ker: Kernel, d: number, p: number, T: number, WG: number): string {
  const rowIns = op === 'stein' ? ['X', 'SX'] : ['X'];
  const srcIns = op === 'stein' ? ['Y', 'SY', 'V'] : op === 'vec' ? ['Y', 'G', 'V'] : ['Y', 'V'];
  const W = outputWidth(op, d, p);
  let b = 1;
  const decl: string[] = [];
  for (const name of [...rowIns, ...srcIns]) decl.push(`@group(0) @binding(${b++}) var<storage, read> ${name}: array<f32>;`);
  decl.push(`@group(0) @binding(${b++}) var<storage, read_write> ACC: array<vec2<f32>>;`);

  const head = `// measureflow kernel sums: op ${op}, kernel ${ker.kind}, d ${d}${op === 'vec' ? `, p ${p}` : ''}
struct Params { rows: u32, srcs: u32, zero: u32, pad: u32, k0: f32, k1: f32, k2: f32, k3: f32 }
@group(0) @binding(0) var<uniform> U: Params;
${decl.join('\n')}
const D = ${d}u;
const fD = ${d}.0;
const P = ${Math.max(p, 1)}u;
const T = ${T}u;
const WG = ${WG}u;
const W = ${W}u;
var<workgroup> TY: array<f32, ${T * d}>;
var<workgroup> TV: array<f32, ${T}>;
${op === 'stein' ? `var<workgroup> TS: array<f32, ${T * d}>;` : ''}
${op === 'vec' ? `var<workgroup> TG: array<f32, ${T * p}>;` : ''}
${profileWgsl(ker)}
// x itself, through a bit pattern XOR a uniform zero: the compiler cannot relate it to its expression.
fn opq(x: f32) -> f32 { return bitcast<f32>(bitcast<u32>(x) ^ U.zero); }
// (hi, lo) + (a.x, a.y): TwoSum (Knuth) of the high parts, low parts added. Every intermediate
// goes through opq, so a driver that reassociates floating-point sums cannot cancel the error term.
fn comb(h: vec2<f32>, a: vec2<f32>) -> vec2<f32> {
  let s = opq(h.x + a.x);
  let bb = opq(s - h.x);
  let av = opq(s - bb);
  let e = (h.x - av) + (a.x - bb);
  return vec2<f32>(s, h.y + a.y + e);
}
`;

  const loadTile = `    workgroupBarrier();
    for (var q = lid; q < len * D; q += WG) { TY[q] = Y[t0 * D + q]; }
    for (var q = lid; q < len; q += WG) { TV[q] = V[t0 + q]; }
${op === 'stein' ? '    for (var q = lid; q < len * D; q += WG) { TS[q] = SY[t0 * D + q]; }\n' : ''}${op === 'vec' ? '    for (var q = lid; q < len * P; q += WG) { TG[q] = G[t0 * P + q]; }\n' : ''}    workgroupBarrier();`;

  const dist = `        var s = 0.0;
        for (var a = 0u; a < D; a++) { let u = xi[a] - TY[q * D + a]; s = s + u * u; }`;

  let locals: string;
  let tileBody: string;
  let store: string;
  switch (op) {
    case 'val':
    case 'grad': {
      const g = op === 'grad';
      locals = `  var acc = vec2<f32>(0.0, 0.0);${g ? '\n  var gacc: array<vec2<f32>, D>;' : ''}`;
      tileBody = `      var vt = 0.0;${g ? '\n      var gt: array<f32, D>;\n      for (var a = 0u; a < D; a++) { gt[a] = 0.0; }' : ''}
      for (var q = 0u; q < len; q++) {
${dist}
        let pr = prof(s);
        let w = TV[q];
        vt = vt + w * pr.x;${
          g
            ? `
        let f = w * pr.y;
        for (var a = 0u; a < D; a++) { gt[a] = gt[a] + f * (xi[a] - TY[q * D + a]); }`
            : ''
        }
      }
      acc = comb(acc, vec2<f32>(vt, 0.0));${g ? '\n      for (var a = 0u; a < D; a++) { gacc[a] = comb(gacc[a], vec2<f32>(gt[a], 0.0)); }' : ''}`;
      store = `    ACC[o] = comb(ACC[o], acc);${g ? '\n    for (var a = 0u; a < D; a++) { ACC[o + 1u + a] = comb(ACC[o + 1u + a], gacc[a]); }' : ''}`;
      break;
    }
    case 'stein':
      locals = '  var acc = vec2<f32>(0.0, 0.0);\n  var si: array<f32, D>;\n  if (live) { for (var a = 0u; a < D; a++) { si[a] = SX[i * D + a]; } }';
      tileBody = `      var vt = 0.0;
      for (var q = 0u; q < len; q++) {
        var s = 0.0;
        var ss = 0.0;
        var dsd = 0.0;
        for (var a = 0u; a < D; a++) {
          let u = xi[a] - TY[q * D + a];
          let sy = TS[q * D + a];
          s = s + u * u;
          ss = ss + si[a] * sy;
          dsd = dsd + (sy - si[a]) * u;
        }
        let pr = prof(s);
        vt = vt + TV[q] * (pr.x * ss + pr.y * dsd + pr.z);
      }
      acc = comb(acc, vec2<f32>(vt, 0.0));`;
      store = '    ACC[o] = comb(ACC[o], acc);';
      break;
    case 'vec':
      locals = '  var gacc: array<vec2<f32>, P>;';
      tileBody = `      var gt: array<f32, P>;
      for (var c = 0u; c < P; c++) { gt[c] = 0.0; }
      for (var q = 0u; q < len; q++) {
${dist}
        let kv = TV[q] * prof(s).x;
        for (var c = 0u; c < P; c++) { gt[c] = gt[c] + kv * TG[q * P + c]; }
      }
      for (var c = 0u; c < P; c++) { gacc[c] = comb(gacc[c], vec2<f32>(gt[c], 0.0)); }`;
      store = '    for (var c = 0u; c < P; c++) { ACC[o + c] = comb(ACC[o + c], gacc[c]); }';
      break;
  }

  return `${head}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = gid.x;
  let live = i < U.rows;
  var xi: array<f32, D>;
  if (live) { for (var a = 0u; a < D; a++) { xi[a] = X[i * D + a]; } }
${locals}
  for (var t0 = 0u; t0 < U.srcs; t0 += T) {
    let len = min(T, U.srcs - t0);
${loadTile}
    if (live) {
${tileBody}
    }
  }
  if (live) {
    let o = i * W;
${store}
  }
}
`;
}
