/// <reference types="@webgpu/types" />
/**
 * Training on WebGPU: the CPU Trainer keeps the data, configuration, random stream, optimisers, snapshots
 * and evaluation; GpuField runs every step on the device (sampling, supports, render, loss, backward, the
 * Adam steps of the grids, the decoder, the MulFA kernels and the per-photo exposure affines, occupancy
 * refresh): per step only the sample count and (a step late) the loss come back. Progressive upsampling goes through the CPU trainer (grids copied back,
 * resampled, uploaded). Before the CPU side renders, bakes or snapshots, syncToCpu() copies the grids (and
 * for snapshots their Adam moments) back, so a snapshot resumes on either backend.
 */
import { Trainer, type TrainConfig, type TrainData, type StepResult } from '../train/Trainer';
import { psnrFromMse } from '../metrics';
import { type FieldOps, JS_OPS } from '../field/ops';
import type { TrainBackend } from '../train/backend';
import { estimateGpuMemory } from '../train/memory';
import type { SpaceKind } from '../scene/space';
import { GpuPrograms } from './GpuPrograms';
import { GpuField } from './GpuField';
import type { Camera } from '../scene/Camera';
import { cameraRays, makeRayBatch } from '../render/rays';

export class GpuTrainer implements TrainBackend {
  readonly name = 'webgpu';
  field: GpuField;
  private dirty = false;
  private jitter = new Float32Array(0);
  private pendingLoss: Promise<number> | null = null;

  private constructor(readonly gk: GpuPrograms, readonly trainer: Trainer) {
    this.field = new GpuField(gk, trainer.field, trainer.optimizers.grid, trainer.optimizers.net, trainer.exposure);
  }

  /**
   * Checks a configuration against what the backend and the device support; throws a message the user
   * can act on otherwise.
   */
  static check(device: GPUDevice, config: TrainConfig, space?: SpaceKind): void {
    const f = config.field;
    if (f.model === 'mulfagrid' && (f.mulfa.H !== 16 || f.mulfa.M > 4 || f.mulfa.L > 8)) {
      throw new Error(`the WebGPU MulFA kernel needs H = 16, M ≤ 4, L ≤ 8 (got H = ${f.mulfa.H}, M = ${f.mulfa.M}, L = ${f.mulfa.L}); use the CPU backend`);
    }
    const est = estimateGpuMemory(config, space), lim = device.limits, mib = (b: number) => (b / 2 ** 20).toFixed(0);
    const maxBuf = Math.min(lim.maxStorageBufferBindingSize, lim.maxBufferSize);
    if (est.largestBuffer > maxBuf) {
      throw new Error(`resolution ${f.resolution} with ${config.batchRays} rays per step needs a ${mib(est.largestBuffer)} MiB buffer; this GPU allows ` +
        `${mib(maxBuf)} MiB — lower the resolution or the batch`);
    }
  }

  /** A new run on the device (see check). `ops` serve the CPU side (renders, bakes, evaluation). */
  static create(device: GPUDevice, config: TrainConfig, data: TrainData, ops: FieldOps = JS_OPS): GpuTrainer {
    GpuTrainer.check(device, config, data.space?.kind);
    return new GpuTrainer(new GpuPrograms(device), new Trainer(config, data, ops));
  }

  /** Continues a trainer (e.g. restored from a snapshot) on the device. */
  static resume(device: GPUDevice, trainer: Trainer): GpuTrainer {
    GpuTrainer.check(device, trainer.config, trainer.field.space.kind);
    return new GpuTrainer(new GpuPrograms(device), trainer);
  }

  get step(): number { return this.trainer.step; }

  /**
   * One optimisation step on the device, recorded into one command encoder (the sample count and, for now,
   * the small networks' gradients are read in between). The loss is mapped a step late: the result carries
   * the previous step's loss (the first step waits for its own).
   */
  async trainStep(): Promise<StepResult> {
    const t = this.trainer, cfg = t.config, data = t.data, B = cfg.batchRays, rng = t.rng, gk = this.gk;
    if (data.views.length === 0) throw new Error('no training views');
    if (t.upsampleDue) {
      await this.syncToCpu(true); // the network optimiser goes on (its moments come back); the grid optimiser starts afresh
      t.upsampleIfDue();
      this.field.dispose();
      this.field = new GpuField(this.gk, t.field, t.optimizers.grid, t.optimizers.net, t.exposure);
    }
    gk.begin();
    try {
      if (t.step >= cfg.occupancyWarmup && t.step % cfg.occupancyEvery === 0) await this.field.refreshOccupancy();
      const { batch, target, view } = t.sampleRays();
      const jitter = (this.jitter = this.jitter.length === B ? this.jitter : new Float32Array(B));
      for (let i = 0; i < B; i++) jitter[i] = rng.next();
      // per-photo exposure affines (core/train/exposure.ts) live on the device: the loss applies them, adamExposure learns them
      const exp = !!t.exposure;
      const samples = await this.field.render(B, batch.origins, batch.dirs, data.near, data.far, data.background, jitter, target, exp ? view : undefined);
      const loss = this.field.loss(exp);
      this.field.backward();
      const lr = t.lrFactor(), opt = t.optimizers;
      this.field.adamGrids(cfg.lrGrid * lr);
      opt.grid.step++;
      this.field.adamDecoder(cfg.lrDecoder * lr, opt.net);
      this.field.adamKernels(cfg.lrDecoder * lr);
      this.field.adamExposure(cfg.lrDecoder * lr);
      opt.net.step++; // every network parameter was updated on the device
      gk.end();
      const previous = this.pendingLoss;
      this.pendingLoss = loss();
      const mse = await (previous ?? this.pendingLoss);
      t.step++;
      this.dirty = true;
      return { step: t.step, loss: mse, psnr: psnrFromMse(mse), rays: B, samples, colorSamples: samples, occupancy: t.field.occupancy.fraction(),
        resolution: t.field.density.resolution };
    } finally {
      gk.end();
    }
  }

  /** Renders a whole camera on the device (pixel centres, no jitter, as Trainer.renderView): rgb [h · w · 3]. */
  async renderView(cam: Camera, chunk = 16384): Promise<Float32Array> {
    const n = cam.width * cam.height, out = new Float32Array(n * 3), data = this.trainer.data;
    const batch = makeRayBatch(chunk), jitter = new Float32Array(chunk).fill(0.5);
    this.gk.begin(); // each chunk: one submit up to its sample count, one for the rest and the colours
    try {
      for (let s = 0; s < n; s += chunk) {
        const c = Math.min(chunk, n - s);
        cameraRays(cam, s, c, batch);
        await this.field.render(c, batch.origins, batch.dirs, data.near, data.far, data.background, jitter);
        out.set((await this.field.rgb()).subarray(0, c * 3), s * 3);
      }
    } finally {
      this.gk.end();
    }
    return out;
  }

  /**
   * Copies the device's grids (and with `optimizer` the grid Adam moments, for snapshots) into the CPU
   * trainer and returns it.
   */
  async syncToCpu(optimizer = false): Promise<Trainer> {
    if (this.dirty || optimizer) {
      await this.field.copyToCpu(optimizer ? this.trainer.optimizers.grid : undefined, optimizer ? this.trainer.optimizers.net : undefined);
      this.dirty = false;
    }
    return this.trainer;
  }

  /** Frees the device buffers (the CPU trainer stays usable). */
  dispose(): void {
    this.field.dispose();
  }
}
