import type { Kernel } from '../../kernels/kernel.js';
import { STEIN_KERNEL_KINDS } from '../../kernels/kernel.js';
import type { GpuBuffer, GpuComputePipeline, GpuDevice } from './gpuTypes.js';
import { BufferUsage, MAP_READ } from './gpuTypes.js';
import type { SumOp } from './shaders.js';
import { kernelConstants, outputWidth, sumShader, wordsPerSource } from './shaders.js';

/** Options of the WebGPU kernel sums. */
export interface WebGpuSumsOptions {
  /** Below this many point–source pairs a call declines (the CPU is faster than a GPU round trip). Default 32768. */
  minPairs?: number;
  /** Largest dimension d (and column count p of K·G) run on the GPU; larger ones decline. Default 512. */
  maxDim?: number;
  /** Invocations per workgroup (rows per workgroup). Default 64. */
  workgroupSize?: number;
  /** Upper bound on point–source pairs per dispatch (keeps each dispatch short for watchdogs). Default 2³⁰. */
  maxPairsPerDispatch?: number;
  /** Cap on the bytes of one bound buffer, below the adapter's limit (tests force chunking with it). Default: the adapter's limit. */
  maxBindingBytes?: number;
}

/** What a call did: false when it declined (the caller falls back to the CPU path). */
export type SumResult = boolean;

interface Pipe {
  pipeline: GpuComputePipeline;
  T: number;
}

/** A reusable GPU buffer slot that grows on demand. */
interface Slot {
  buf: GpuBuffer;
  usage: number;
}

/**
 * Tolerance of the WebGPU sums against the f64 CPU path, as a bound relative to the sum of
 * the absolute values of the terms (the natural scale of a floating-point sum):
 *   |gpu_i − cpu_i| ≤ WEBGPU_TOLERANCE · Σⱼ |vⱼ · termᵢⱼ|
 * per output entry (value, each gradient coordinate, each column of K·G, the Stein sum).
 * Measured on lavapipe (llvmpipe) for n, m ≤ 2048, d ∈ {1, 2, 100}, every kernel, points
 * 1000 away from the origin (test/webgpu.test.ts): worst ratio 1.4e-7 (laplace gradient),
 * typically 2–6e-8; the bound leaves a margin for GPUs whose exp/pow are a few ulp coarser.
 * The error is that of evaluating each term in f32 (inputs rounded to f32 after centring,
 * WGSL's exp/pow accurate to a few ulp); the accumulation adds nothing measurable
 * (double-f32 accumulators: 4·10⁶ terms sum to within 1e-6 relative).
 * Exception (documented, not tested): for the laplace and energy kernels, pairs closer
 * than about 1e-7·|x| (relative to the centred coordinates) collapse to the same f32 point
 * and get the subgradient 0 on the GPU where the f64 path has a unit vector.
 */
export const WEBGPU_TOLERANCE = 1e-6;

/**
 * Kernel sums on a WebGPU device: the async counterpart of the core's `kernelSumGrad`,
 * `steinKernelSum` and `kernelSumVec` (same shapes, same formulas, f32 arithmetic on the GPU
 * with f64 centring and final combination; see shaders.ts for the tiling and the error
 * control, `WEBGPU_TOLERANCE` for the accuracy). Each method resolves to true when it wrote
 * the outputs and to false when it declined (problem too small, d too large, a non-Stein
 * kernel for the Stein sum, non-finite input). Calls must not overlap (await each one).
 * Usable on a browser's main thread; the synchronous `SumEngine` wraps it in a worker.
 */
export class WebGpuSums {
  readonly device: GpuDevice;
  readonly options: Required<WebGpuSumsOptions>;
  private readonly pipes = new Map<string, Pipe>();
  private readonly slots = new Map<string, Slot>();
  private lostReason: string | null = null;

  constructor(device: GpuDevice, options: WebGpuSumsOptions = {}) {
    this.device = device;
    this.options = {
      minPairs: options.minPairs ?? 32768,
      maxDim: options.maxDim ?? 512,
      workgroupSize: Math.min(options.workgroupSize ?? 64, device.limits.maxComputeInvocationsPerWorkgroup),
      maxPairsPerDispatch: options.maxPairsPerDispatch ?? 2 ** 30,
      maxBindingBytes: options.maxBindingBytes ?? Number.POSITIVE_INFINITY,
    };
    device.lost.then((info) => {
      this.lostReason = info.message || info.reason || 'device lost';
    });
  }

  /** Set when the device was lost; every call then throws. */
  get lost(): string | null {
    return this.lostReason;
  }

  /** val[i] = Σⱼ vⱼ k(xᵢ, yⱼ), grad[i] = Σⱼ vⱼ cᵢⱼ (xᵢ − yⱼ) (either may be null); see `kernelSumGrad`. */
  async kernelSumGrad(
    ker: Kernel,
    X: Float64Array,
    Y: Float64Array,
    d: number,
    v: Float64Array,
    val: Float64Array | null,
    grad: Float64Array | null,
  ): Promise<SumResult> {
    if (!val && !grad) return true;
    const op: SumOp = grad ? 'grad' : 'val';
    return this.run(op, ker, d, 1, X, null, Y, null, v, (i, acc, base) => {
      if (val) val[i] = acc[base]! + acc[base + 1]!;
      if (grad) for (let a = 0; a < d; a++) grad[i * d + a] = acc[base + 2 + 2 * a]! + acc[base + 3 + 2 * a]!;
    });
  }

  /** out[i] = Σⱼ vⱼ k_π(xᵢ, yⱼ), the Langevin–Stein kernel sum; see `steinKernelSum`. */
  async steinKernelSum(
    ker: Kernel,
    X: Float64Array,
    SX: Float64Array,
    Y: Float64Array,
    SY: Float64Array,
    d: number,
    v: Float64Array,
    out: Float64Array,
  ): Promise<SumResult> {
    if (!STEIN_KERNEL_KINDS.includes(ker.kind)) return false;
    return this.run('stein', ker, d, 1, X, SX, Y, SY, v, (i, acc, base) => {
      out[i] = acc[base]! + acc[base + 1]!;
    });
  }

  /** out[i, :] = Σⱼ k(xᵢ, yⱼ) vⱼ G[j, :] (G [m, p]); see `kernelSumVec`. */
  async kernelSumVec(
    ker: Kernel,
    X: Float64Array,
    Y: Float64Array,
    d: number,
    v: Float64Array,
    G: Float64Array,
    p: number,
    out: Float64Array,
  ): Promise<SumResult> {
    if (p < 1 || p > this.options.maxDim) return false;
    return this.run('vec', ker, d, p, X, null, Y, G, v, (i, acc, base) => {
      for (let c = 0; c < p; c++) out[i * p + c] = acc[base + 2 * c]! + acc[base + 2 * c + 1]!;
    });
  }

  /** Frees the cached buffers (the device stays usable). */
  release(): void {
    for (const s of this.slots.values()) s.buf.destroy();
    this.slots.clear();
  }

  private pipe(op: SumOp, ker: Kernel, d: number, p: number): Pipe | null {
    const words = wordsPerSource(op, d, p);
    const WG = this.options.workgroupSize;
    const T = Math.min(WG, Math.floor(this.device.limits.maxComputeWorkgroupStorageSize / (4 * words)));
    if (T < 1) return null;
    const beta = ker.kind === 'imq' || ker.kind === 'energy' ? (ker.beta ?? '') : '';
    const key = `${op}|${ker.kind}|${beta}|${d}|${p}|${T}|${WG}`;
    let pp = this.pipes.get(key);
    if (!pp) {
      const module = this.device.createShaderModule({ code: sumShader(op, ker, d, p, T, WG), label: key });
      const pipeline = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: key });
      pp = { pipeline, T };
      this.pipes.set(key, pp);
    }
    return pp;
  }

  private slot(name: string, size: number, usage: number): GpuBuffer {
    const s = this.slots.get(name);
    if (s && s.buf.size >= size && s.usage === usage) return s.buf;
    s?.buf.destroy();
    const alloc = Math.max(256, Math.ceil((size * 1.25) / 256) * 256);
    const lim = usage & BufferUsage.MAP_READ ? this.device.limits.maxBufferSize : Math.min(this.device.limits.maxBufferSize, this.device.limits.maxStorageBufferBindingSize);
    const buf = this.device.createBuffer({ size: Math.min(alloc, Math.max(size, Math.floor(lim / 4) * 4)), usage, label: name });
    this.slots.set(name, { buf, usage });
    return buf;
  }

  /**
   * The shared driver: converts inputs to f32 (coordinates centred on the mean of all points
   * and sources, in f64), uploads the sources once in chunks, then for each chunk of rows
   * clears the accumulators, dispatches once per source chunk, reads back and hands each
   * row's (hi, lo) pairs (as f64) to `emit(i, acc, base)`.
   */
  private async run(
    op: SumOp,
    ker: Kernel,
    d: number,
    p: number,
    X: Float64Array,
    SX: Float64Array | null,
    Y: Float64Array,
    S2: Float64Array | null,
    v: Float64Array,
    emit: (i: number, acc: Float64Array, base: number) => void,
  ): Promise<SumResult> {
    if (this.lostReason) throw new Error(`WebGPU device lost: ${this.lostReason}`);
    const n = X.length / d;
    const m = Y.length / d;
    const o = this.options;
    if (n === 0 || m === 0 || d > o.maxDim || n * m < o.minPairs) return false;
    const dev = this.device;
    dev.pushErrorScope?.('validation');
    dev.pushErrorScope?.('out-of-memory');
    let pp: Pipe | null = null;
    try {
      pp = this.pipe(op, ker, d, p);
    } finally {
      if (!pp) {
        await dev.popErrorScope?.();
        await dev.popErrorScope?.();
      }
    }
    if (!pp) return false;
    const { T, pipeline } = pp;
    const WG = o.workgroupSize;
    const W = outputWidth(op, d, p);
    const L = this.device.limits;
    const maxBind = Math.min(L.maxStorageBufferBindingSize, L.maxBufferSize, o.maxBindingBytes);

    const fail = async (): Promise<false> => {
      await dev.popErrorScope?.();
      await dev.popErrorScope?.();
      return false;
    };
    // f64 centring, then f32; any non-finite (or f32-overflowing) input declines.
    const centre = new Float64Array(d);
    for (let k = 0; k < X.length; k++) centre[k % d]! += X[k]!;
    for (let k = 0; k < Y.length; k++) centre[k % d]! += Y[k]!;
    for (let a = 0; a < d; a++) centre[a]! /= n + m;
    const toF32 = (A: Float64Array, c: Float64Array | null, width: number): Float32Array | null => {
      const out = new Float32Array(A.length);
      for (let k = 0; k < A.length; k++) {
        const t = c ? A[k]! - c[k % width]! : A[k]!;
        if (!(Math.abs(t) < 1e30)) return null;
        out[k] = t;
      }
      return out;
    };
    const x32 = toF32(X, centre, d);
    const y32 = toF32(Y, centre, d);
    const v32 = toF32(v, null, 1);
    const sx32 = SX ? toF32(SX, null, d) : null;
    const s232 = S2 ? toF32(S2, null, op === 'vec' ? p : d) : null;
    if (!x32 || !y32 || !v32 || (SX && !sx32) || (S2 && !s232)) return fail();

    const rowIns: { data: Float32Array; width: number }[] = [{ data: x32, width: d }];
    if (sx32) rowIns.push({ data: sx32, width: d });
    const srcIns: { data: Float32Array; width: number }[] = [{ data: y32, width: d }];
    if (s232) srcIns.push({ data: s232, width: op === 'vec' ? p : d });
    srcIns.push({ data: v32, width: 1 });

    // Chunk sizes from the adapter's limits.
    const rowWords = Math.max(d, W * 2);
    let rowsPer = Math.min(n, Math.floor(maxBind / (4 * rowWords)), L.maxComputeWorkgroupsPerDimension * WG);
    if (rowsPer < n) rowsPer = Math.max(WG, Math.floor(rowsPer / WG) * WG);
    const srcWords = Math.max(d, p);
    let srcsPer = Math.min(m, Math.floor(maxBind / (4 * srcWords)), Math.max(T, Math.floor(o.maxPairsPerDispatch / rowsPer)));
    if (srcsPer < m) srcsPer = Math.max(T, Math.floor(srcsPer / T) * T);
    if (rowsPer < 1 || srcsPer < 1) return fail();
    const nR = Math.ceil(n / rowsPer);
    const nS = Math.ceil(m / srcsPer);

    const STO = BufferUsage.STORAGE | BufferUsage.COPY_DST;
    // sources: one buffer per (input, chunk), uploaded once per call
    const srcBufs: GpuBuffer[][] = [];
    for (let c = 0; c < nS; c++) {
      const j0 = c * srcsPer;
      const len = Math.min(srcsPer, m - j0);
      srcBufs.push(
        srcIns.map((s, k) => {
          const bytes = len * s.width * 4;
          const buf = this.slot(`src${k}:${c}`, bytes, STO);
          dev.queue.writeBuffer(buf, 0, s.data, j0 * s.width, len * s.width);
          return buf;
        }),
      );
    }
    // uniform blocks: one 256-byte slot per dispatch
    const align = Math.max(256, L.minUniformBufferOffsetAlignment);
    const uni = this.slot('uniform', nR * nS * align, BufferUsage.UNIFORM | BufferUsage.COPY_DST);
    const ub = new ArrayBuffer(nR * nS * align);
    const kc = kernelConstants(ker);
    for (let r = 0; r < nR; r++)
      for (let c = 0; c < nS; c++) {
        const off = (r * nS + c) * align;
        const u32 = new Uint32Array(ub, off, 4); // rows, srcs, zero (the shader's opaque 0), pad
        u32[0] = Math.min(rowsPer, n - r * rowsPer);
        u32[1] = Math.min(srcsPer, m - c * srcsPer);
        new Float32Array(ub, off + 16, 4).set(kc);
      }
    dev.queue.writeBuffer(uni, 0, ub);

    const layout = pipeline.getBindGroupLayout(0);
    const acc64 = new Float64Array(rowsPer * W * 2);
    let thrown: unknown = null;
    try {
      for (let r = 0; r < nR; r++) {
        const i0 = r * rowsPer;
        const rows = Math.min(rowsPer, n - i0);
        const rowBufs = rowIns.map((s, k) => {
          const buf = this.slot(`row${k}`, rows * s.width * 4, STO);
          dev.queue.writeBuffer(buf, 0, s.data, i0 * s.width, rows * s.width);
          return buf;
        });
        const accBytes = rows * W * 8;
        const acc = this.slot('acc', accBytes, BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST);
        const read = this.slot('read', accBytes, BufferUsage.MAP_READ | BufferUsage.COPY_DST);
        const enc = dev.createCommandEncoder();
        enc.clearBuffer(acc, 0, accBytes);
        const pass = enc.beginComputePass();
        pass.setPipeline(pipeline);
        for (let c = 0; c < nS; c++) {
          const entries = [{ binding: 0, resource: { buffer: uni, offset: (r * nS + c) * align, size: 32 } }];
          let b = 1;
          rowBufs.forEach((buf, k) => {
            entries.push({ binding: b++, resource: { buffer: buf, offset: 0, size: rows * rowIns[k]!.width * 4 } });
          });
          const len = Math.min(srcsPer, m - c * srcsPer);
          srcBufs[c]!.forEach((buf, k) => {
            entries.push({ binding: b++, resource: { buffer: buf, offset: 0, size: len * srcIns[k]!.width * 4 } });
          });
          entries.push({ binding: b, resource: { buffer: acc, offset: 0, size: accBytes } });
          pass.setBindGroup(0, dev.createBindGroup({ layout, entries }));
          pass.dispatchWorkgroups(Math.ceil(rows / WG));
        }
        pass.end();
        enc.copyBufferToBuffer(acc, 0, read, 0, accBytes);
        dev.queue.submit([enc.finish()]);
        await read.mapAsync(MAP_READ, 0, accBytes);
        const f = new Float32Array(read.getMappedRange(0, accBytes));
        for (let k = 0; k < rows * W * 2; k++) acc64[k] = f[k]!;
        read.unmap();
        for (let i = 0; i < rows; i++) emit(i0 + i, acc64, i * W * 2);
      }
    } catch (e) {
      thrown = e;
    }
    const oom = await dev.popErrorScope?.();
    const bad = await dev.popErrorScope?.();
    const err = oom ?? bad;
    if (err) {
      this.pipes.clear();
      throw new Error(`WebGPU error in ${op} (${ker.kind}, n ${n}, m ${m}, d ${d}): ${err.message}`);
    }
    if (thrown) throw thrown;
    return true;
  }
}
