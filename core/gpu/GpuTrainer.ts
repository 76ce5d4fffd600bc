/// <reference types="@webgpu/types" />
/**
 * Training on WebGPU: the CPU Trainer keeps the data, configuration, random stream, snapshots and
 * evaluation; GpuField runs every step on the device (render, backward, grid Adam, occupancy refresh).
 * Before the CPU side renders, bakes or snapshots, syncToCpu() copies the grids back. Dense grids without
 * progressive upsampling for now (GpuField's limits); anything else is refused with a clear message.
 */
import { Trainer, type TrainConfig, type TrainData, type StepResult } from '../train/Trainer';
import { JS_KERNELS } from '../field/kernels';
import { GpuKernels } from './GpuKernels';
import { GpuField } from './GpuField';

/** Bytes the device must hold for a configuration (grids with gradients and Adam state, batch buffers). */
export function estimateGpuBytes(config: TrainConfig): { total: number; largestBuffer: number } {
  const R = config.field.resolution, C = config.field.colorChannels, H = config.field.decoderHidden[0] ?? 64;
  const grid = R ** 3 * C * 4;
  const perRay = Math.ceil((Math.sqrt(3) * (R - 1)) / config.field.stepVoxels) + 1, cap = config.batchRays * perRay;
  const D = 3 + 6 * config.field.viewFreqs + C;
  const perSample = 32 + 32 + 4 + C * 4 + D * 4 * 2 + H * 4 * 2 + 12 * 4 + 12 + 8 + 4 + 12 + 8;
  return { total: R ** 3 * (1 + C) * 4 * 5 + cap * perSample, largestBuffer: Math.max(grid, cap * D * 4) };
}

export class GpuTrainer {
  readonly trainer: Trainer;
  readonly field: GpuField;
  private dirty = false;

  private constructor(readonly gk: GpuKernels, config: TrainConfig, data: TrainData) {
    this.trainer = new Trainer(config, data, JS_KERNELS);
    this.field = new GpuField(gk, this.trainer.field);
  }

  /**
   * Checks the configuration against what the backend and the device support and creates the trainer;
   * throws a message the user can act on otherwise.
   */
  static create(device: GPUDevice, config: TrainConfig, data: TrainData): GpuTrainer {
    if (config.field.model !== 'dense') throw new Error(`the WebGPU backend trains the dense model so far (asked for ${config.field.model}); use the CPU backend`);
    if (config.field.decoderHidden.length !== 1) throw new Error('the WebGPU backend needs a decoder with one hidden layer');
    const est = estimateGpuBytes({ ...config, upsampleSteps: [] });
    const lim = device.limits;
    if (est.largestBuffer > lim.maxStorageBufferBindingSize || est.largestBuffer > lim.maxBufferSize) {
      throw new Error(`resolution ${config.field.resolution} needs a ${(est.largestBuffer / 2 ** 20).toFixed(0)} MiB buffer; this GPU allows ` +
        `${(Math.min(lim.maxStorageBufferBindingSize, lim.maxBufferSize) / 2 ** 20).toFixed(0)} MiB — lower the resolution or the batch`);
    }
    return new GpuTrainer(new GpuKernels(device), { ...config, upsampleSteps: [] }, data);
  }

  get step(): number { return this.trainer.step; }

  /** One optimisation step on the device; the loss comes back for progress. */
  async trainStep(): Promise<StepResult> {
    const t = this.trainer, cfg = t.config, data = t.data, B = cfg.batchRays, rng = t.rng;
    if (t.step >= cfg.occupancyWarmup && t.step % cfg.occupancyEvery === 0) this.field.refreshOccupancy();
    const { batch, target } = t.sampleRays();
    const jitter = Float32Array.from({ length: B }, () => rng.next());
    const samples = await this.field.render(B, batch.origins, batch.dirs, data.near, data.far, data.background, jitter);
    const rgb = await this.field.rgb(), dRgb = new Float32Array(B * 3);
    let sse = 0;
    for (let i = 0; i < B * 3; i++) { const e = rgb[i] - target[i]; sse += e * e; dRgb[i] = (2 * e) / (B * 3); }
    this.field.backward(dRgb);
    const lr = t.lrFactor();
    await this.field.adam(cfg.lrGrid * lr, cfg.lrDecoder * lr);
    t.step++;
    this.dirty = true;
    const mse = sse / (B * 3);
    return { step: t.step, loss: mse, psnr: -10 * Math.log10(mse), rays: B, samples, colorSamples: samples, occupancy: t.field.occupancy.fraction(),
      resolution: t.field.density.resolution };
  }

  /** Copies the device's grids into the CPU field (before rendering, baking or a snapshot on the CPU side). */
  async syncToCpu(): Promise<Trainer> {
    if (this.dirty) {
      const f = this.trainer.field;
      f.density.features.data.set(new Float32Array(await this.gk.read(this.field.Fd, f.density.features.data.byteLength)));
      f.color.features.data.set(new Float32Array(await this.gk.read(this.field.Fc, f.color.features.data.byteLength)));
      f.refreshOccupancy();
      this.dirty = false;
    }
    return this.trainer;
  }
}
