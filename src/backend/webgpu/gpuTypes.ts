/**
 * The small part of the WebGPU API the kernel-sum backend uses, declared structurally so the
 * core compiles without DOM or `@webgpu/types` typings. A browser's `GPUDevice` and the one
 * of the `webgpu` package (Dawn for Node) both satisfy these interfaces.
 */

/** Buffer usage flags (the values of the standard `GPUBufferUsage` namespace). */
export const BufferUsage = {
  MAP_READ: 0x0001,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
} as const;

/** `GPUMapMode.READ`. */
export const MAP_READ = 0x0001;

/** A GPU buffer (`GPUBuffer`): storage, uniform, staging or read-back memory on the device. */
export interface GpuBuffer {
  /** Size in bytes. */
  readonly size: number;
  /** Maps the range [offset, offset + size) bytes for host access (`mode`: `MAP_READ`); resolves when mapped. */
  mapAsync(mode: number, offset?: number, size?: number): Promise<void>;
  /** The mapped bytes [offset, offset + size) (valid until `unmap`). */
  getMappedRange(offset?: number, size?: number): ArrayBuffer;
  /** Ends the mapping, returning the buffer to the device. */
  unmap(): void;
  /** Frees the buffer's device memory. */
  destroy(): void;
}

/** The layout of a bind group (`GPUBindGroupLayout`), here always a pipeline's `auto` layout. */
export interface GpuBindGroupLayout {
  readonly label?: string;
}

/** A compiled compute pipeline (`GPUComputePipeline`): one shader entry point. */
export interface GpuComputePipeline {
  /** The layout of bind group `index` derived from the shader (`layout: 'auto'`). */
  getBindGroupLayout(index: number): GpuBindGroupLayout;
}

/** Buffers bound to a shader's bindings (`GPUBindGroup`). */
export interface GpuBindGroup {
  readonly label?: string;
}

/** A compute pass being recorded (`GPUComputePassEncoder`). */
export interface GpuComputePass {
  /** Selects the pipeline of the following dispatches. */
  setPipeline(p: GpuComputePipeline): void;
  /** Binds `g` as bind group `index`. */
  setBindGroup(index: number, g: GpuBindGroup): void;
  /** Records a dispatch of x × y × z workgroups (y, z default 1). */
  dispatchWorkgroups(x: number, y?: number, z?: number): void;
  /** Ends the pass. */
  end(): void;
}

/** Recorded commands ready for `GpuQueue.submit` (`GPUCommandBuffer`). */
export interface GpuCommandBuffer {
  readonly label?: string;
}

/** Records commands into a command buffer (`GPUCommandEncoder`). */
export interface GpuCommandEncoder {
  /** Starts recording a compute pass. */
  beginComputePass(desc?: object): GpuComputePass;
  /** Records a copy of `size` bytes from `src` at `srcOffset` to `dst` at `dstOffset`. */
  copyBufferToBuffer(src: GpuBuffer, srcOffset: number, dst: GpuBuffer, dstOffset: number, size: number): void;
  /** Records zeroing `size` bytes of `buf` from `offset` (default: the rest of the buffer). */
  clearBuffer(buf: GpuBuffer, offset?: number, size?: number): void;
  /** Ends recording and returns the command buffer. */
  finish(): GpuCommandBuffer;
}

/** The device's command queue (`GPUQueue`). */
export interface GpuQueue {
  /** Schedules the command buffers for execution, in order. */
  submit(buffers: GpuCommandBuffer[]): void;
  /** Copies host data (`size` bytes from `dataOffset`, default all) into `buf` at byte `offset`. */
  writeBuffer(buf: GpuBuffer, offset: number, data: ArrayBufferView | ArrayBuffer, dataOffset?: number, size?: number): void;
  /** Resolves when all work submitted so far has completed. */
  onSubmittedWorkDone(): Promise<void>;
}

/** A compiled WGSL module (`GPUShaderModule`). */
export interface GpuShaderModule {
  /** The compiler's messages (errors, warnings) with their line numbers, where the implementation provides them. */
  getCompilationInfo?(): Promise<{ messages: readonly { type: string; message: string; lineNum: number }[] }>;
}

/** Limits the tiling and chunking read (a subset of `GPUSupportedLimits`). */
export interface GpuLimits {
  readonly maxStorageBufferBindingSize: number;
  readonly maxBufferSize: number;
  readonly maxComputeWorkgroupsPerDimension: number;
  readonly maxComputeWorkgroupStorageSize: number;
  readonly maxComputeInvocationsPerWorkgroup: number;
  readonly minUniformBufferOffsetAlignment: number;
}

/** A logical GPU device (`GPUDevice`): creates the resources and owns the queue. */
export interface GpuDevice {
  /** The limits the device was created with. */
  readonly limits: GpuLimits;
  /** The queue commands and buffer writes are submitted to. */
  readonly queue: GpuQueue;
  /** Resolves when the device is lost (destroyed, driver reset, out of memory). */
  readonly lost: Promise<{ reason?: string; message: string }>;
  /** Allocates a buffer of `size` bytes with the `BufferUsage` flags `usage`. */
  createBuffer(desc: { size: number; usage: number; mappedAtCreation?: boolean; label?: string }): GpuBuffer;
  /** Compiles WGSL source `code`. */
  createShaderModule(desc: { code: string; label?: string }): GpuShaderModule;
  /** Builds a compute pipeline for entry point `entryPoint` of `module` with an automatic layout. */
  createComputePipeline(desc: { layout: 'auto'; compute: { module: GpuShaderModule; entryPoint: string }; label?: string }): GpuComputePipeline;
  /** Binds buffer ranges (`offset`, `size` in bytes) to the bindings of `layout`. */
  createBindGroup(desc: {
    layout: GpuBindGroupLayout;
    entries: { binding: number; resource: { buffer: GpuBuffer; offset?: number; size?: number } }[];
  }): GpuBindGroup;
  /** A new command encoder. */
  createCommandEncoder(): GpuCommandEncoder;
  /** Starts capturing errors of kind `filter` (where supported). */
  pushErrorScope?(filter: 'validation' | 'out-of-memory' | 'internal'): void;
  /** Ends the innermost error scope; resolves to its first error, or null. */
  popErrorScope?(): Promise<{ message: string } | null>;
  /** Destroys the device and frees its resources. */
  destroy(): void;
}

/** `GPUAdapterInfo` fields reported in results and benches. */
export interface GpuAdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
}

/** A physical GPU (`GPUAdapter`), as returned by `Gpu.requestAdapter`. */
export interface GpuAdapter {
  /** The highest limits the adapter supports. */
  readonly limits: GpuLimits;
  /** Vendor / architecture / device, where the implementation reports them. */
  readonly info?: GpuAdapterInfo;
  /** Opens a device, with at least `requiredLimits` (defaults are the spec's low baseline). */
  requestDevice(desc?: { requiredLimits?: Record<string, number>; label?: string }): Promise<GpuDevice>;
}

/** `navigator.gpu` (browser) or `create([])` of the `webgpu` package (Node). */
export interface Gpu {
  /** An adapter, preferring a discrete (`high-performance`) or integrated (`low-power`) GPU; null when none is available. */
  requestAdapter(opts?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<GpuAdapter | null>;
}

/** Requests a device with the adapter's own limits for the fields the tiling uses (defaults are far lower). */
export async function requestSumDevice(adapter: GpuAdapter): Promise<GpuDevice> {
  const L = adapter.limits;
  return adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: L.maxStorageBufferBindingSize,
      maxBufferSize: L.maxBufferSize,
      maxComputeWorkgroupStorageSize: L.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: L.maxComputeInvocationsPerWorkgroup,
    },
    label: 'measureflow kernel sums',
  });
}
