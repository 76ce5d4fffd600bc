/**
 * How much memory a training configuration needs, computed from the configuration alone (no allocation):
 * the app shows it before training, snapshots are checked against it before anything is allocated from
 * them, and the backends compare it with their limits.
 */
import type { FieldConfig } from '../field/RadianceField';
import type { TrainConfig } from './Trainer';
import type { SpaceKind } from '../scene/space';

/**
 * Samples one ray can take at most at the final resolution: a box's diagonal in steps; a contracted ray
 * (unbounded space) may cross the shell in, the foreground, and the shell out again, each grid step about one
 * step long (core/render/sampling.ts): twice that. GpuField sizes its sample buffers by the same rule.
 */
export function maxSamplesPerRay(field: FieldConfig, space: SpaceKind = 'bounded'): number {
  return (space === 'unbounded' ? 2 : 1) * Math.ceil((Math.sqrt(3) * (field.resolution - 1)) / field.stepVoxels) + 1;
}

/** Vertices (rows of the feature table) of one grid at a resolution; each row holds `channels` floats. */
export function gridRows(field: FieldConfig, resolution: number): number {
  switch (field.model) {
    case 'fouriergrid': return (2 * field.fourierLevels + 1) * resolution ** 3;
    case 'hash': return field.hash.levels * 2 ** field.hash.log2TableSize;
    default: return resolution ** 3;
  }
}

/** Vertices that take part in one query (the support size K). */
export function supportSize(field: FieldConfig): number {
  return field.model === 'fouriergrid' ? 8 * (2 * field.fourierLevels + 1) : field.model === 'hash' ? 8 * field.hash.levels : 8;
}

/**
 * Upper bound of the kernel memory a configuration needs at its final resolution, in bytes: grids with
 * gradient and Adam moments (5 arrays), and batch buffers for every sample of a ray crossing the box
 * diagonal (maxSamplesPerRay) with its support (K rows and weights), per-sample state and decoder
 * activations and gradients. Skipping makes the real batch smaller.
 */
export function estimateMemory(config: TrainConfig, space?: SpaceKind): number {
  const f = config.field, R = f.resolution, C = f.colorChannels;
  const grids = gridRows(f, R) * (1 + C) * 4 * 5;
  const samples = config.batchRays * maxSamplesPerRay(f, space);
  const decoderWidths = 3 + 6 * f.viewFreqs + C + f.decoderHidden.reduce((a, b) => a + b, 0) + 4;
  const perSample = 2 * supportSize(f) * 8 * 1.25 + 64 + C * 8 + decoderWidths * 8;
  return grids + samples * perSample + f.occupancyRes ** 3;
}

/**
 * What the WebGPU backend needs on the device (core/gpu/GpuField.ts): the same grids, the sample buffers
 * (points, ray/t) for the worst case of every ray crossing the diagonal, and the per-sample buffers it
 * grows to the samples actually kept (25 % headroom; budgeted at half the worst case); `largestBuffer`
 * is the biggest single buffer, which must fit the adapter's maxStorageBufferBindingSize.
 */
export function estimateGpuMemory(config: TrainConfig, space?: SpaceKind): { total: number; largestBuffer: number } {
  const f = config.field, R = f.resolution, C = f.colorChannels, K = supportSize(f);
  const rows = gridRows(f, R), worst = config.batchRays * maxSamplesPerRay(f, space);
  const D = 3 + 6 * f.viewFreqs + C, H = f.decoderHidden.reduce((a, b) => a + b, 0);
  const perSample = K * 8 * (f.model === 'mulfagrid' && !f.sharedKernel ? 2 : 1) + (f.model === 'mulfagrid' ? 64 : 0) + 4 + C * 8 + (D + H + 4) * 8 + 12 + 32;
  const staging = f.model === 'mulfagrid' ? 8192 * 8 * (4 + 48 * f.mulfa.M) * 4 : 0; // the MulFA backward's per-corner factors
  return { total: rows * (1 + C) * 4 * 5 + worst * 20 + (worst * perSample) / 2 + staging,
    largestBuffer: Math.max(rows * C * 4, worst * 12, (worst * K * 4) / 2, (worst * (D + H) * 4) / 2, staging) };
}

/** The CPU engine's memory is one 32-bit WebAssembly memory. */
export const CPU_MEMORY_LIMIT = 4 * 2 ** 30;
