/** Messages between the page and a simulation worker. */

/** One recorded row of the live chart: F(µ_t) and MMD(µ_t, π̂) at step t (absent when not computable). */
export interface MetricRow {
  t: number;
  energy?: number;
  mmd?: number;
}

export type ToWorker =
  | { type: 'init'; spec: Record<string, unknown>; drawn?: number[] }
  | { type: 'play' }
  | { type: 'pause' }
  | { type: 'step' }
  | { type: 'spf'; value: number }
  /** Lockstep (side by side): while playing, step up to step t and no further; Infinity lifts the bound. */
  | { type: 'limit'; t: number }
  /** The page has drawn the last snapshot: the worker may post the next one. */
  | { type: 'ack' }
  /** Run the kernel sums on the GPU (WebGPU, in a GPU worker) or on the CPU. */
  | { type: 'backend'; gpu: boolean };

export interface Snapshot {
  type: 'snapshot';
  t: number;
  n: number;
  d: number;
  /** Positions [n, d] row-major and weights [n] (transferred, not copied). */
  X: Float64Array;
  w: Float64Array;
  /** Rows recorded since the previous snapshot. */
  rows: MetricRow[];
  /** Steps per second over the last second of running (0 when paused). */
  stepsPerSec: number;
  running: boolean;
  /** Kernel sums the GPU answered so far (0 on the CPU backend). */
  gpuCalls: number;
}

export type FromWorker =
  | {
      type: 'ready';
      /** Target samples [m, 2] drawn for the run (grey in the picture), or null. */
      Y: Float64Array | null;
      /** The spec with every default filled in. */
      resolved: unknown;
      /** Whether the energy has a value F(µ) (the KL energies of Langevin/SVGD have none). */
      hasEnergy: boolean;
    }
  | Snapshot
  | { type: 'error'; message: string; t: number }
  /** Where the kernel sums run now; `info` names the adapter, or why the GPU is not used. */
  | { type: 'backend'; name: 'cpu' | 'webgpu'; info: string };
