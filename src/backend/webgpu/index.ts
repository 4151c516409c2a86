/** The WebGPU backend of the kernel sums (core side: no Node imports; see README "GPU"). */
export { WebGpuSums, WEBGPU_TOLERANCE } from './sums.js';
export type { WebGpuSumsOptions } from './sums.js';
export { BlockingGpuEngine, createControl, gpuRequestHandler, CONTROL_BYTES } from './bridge.js';
export type { BlockingEngineOptions, GpuRequest, PostTarget } from './bridge.js';
export { requestSumDevice } from './gpuTypes.js';
export type {
  Gpu,
  GpuAdapter,
  GpuAdapterInfo,
  GpuBindGroup,
  GpuBindGroupLayout,
  GpuBuffer,
  GpuCommandBuffer,
  GpuCommandEncoder,
  GpuComputePass,
  GpuComputePipeline,
  GpuDevice,
  GpuLimits,
  GpuQueue,
  GpuShaderModule,
} from './gpuTypes.js';
export { sumShader } from './shaders.js';
export type { SumOp } from './shaders.js';
