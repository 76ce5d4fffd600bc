/// <reference types="@webgpu/types" />
/**
 * Training on WebGPU. The step and the camera render are the CPU Trainer's algorithms (Trainer.stepPlan and
 * cameraPlan, driven asynchronously): this backend only supplies their passes on the device — GpuField's render,
 * loss, backward, density TV and the Adam steps of the grids, the decoder, the MulFA kernels and the per-photo
 * exposure affines, occupancy refresh. The Trainer keeps the data, configuration, random stream, schedules,
 * optimisers' step counts, snapshots and evaluation. The decoder's GEMMs run on TF.js's WebGPU backend on the same
 * device (DECODER_GEMMS; TfRuntime.ts), the rest on the engine's WGSL programs: a step is five submits (the engine's
 * recording is submitted before each of TF.js's two blocks, TF.js's at their ends; one with the WGSL layers) and reads back nothing but, a step late,
 * its loss and counts (samples, samples given colour, rays kept): the per-sample buffers are sized by a sample budget
 * — the last count read back plus SAMPLE_HEADROOM — instead of reading each step's count (GpuField.render); only a
 * new field's first step (start, resume, upsampling) reads its count to set the budget. A batch whose samples pass
 * the budget keeps the rays that fit whole and drops the rest from that step (counted in droppedRays; the budget
 * grows). Progressive upsampling goes through the CPU trainer (grids copied back, resampled, uploaded). Before the
 * CPU side renders, bakes or snapshots, syncToCpu() copies the grids (and for snapshots their Adam moments) back,
 * so a snapshot resumes on either backend.
 */
import { Trainer, type TrainConfig, type TrainData, type StepResult, type StepPasses, cameraPlan } from '../train/Trainer';
import { type FieldOps, JS_OPS } from '../field/ops';
import type { TrainBackend } from '../train/backend';
import { runAsync } from '../train/plan';
import { estimateGpuMemory } from '../train/memory';
import type { SpaceKind } from '../scene/space';
import { GpuPrograms } from './GpuPrograms';
import { GpuField, type LossReport } from './GpuField';
import type { Camera } from '../scene/Camera';

/** The sample budget over the last sample count read back (batches vary by a few per cent; occupancy refreshes move it). */
export const SAMPLE_HEADROOM = 1.2;

/**
 * Where the decoder's GEMMs run on the device: TF.js's WebGPU backend (core/gpu/TfRuntime.ts) or the engine's WGSL
 * layers (shaders/mlp_layer*.wgsl). TF.js: faster in the standard step and in training on the one device measured
 * so far, SwiftShader (`npm run bench:gpu`, the README's table); a real GPU's run of bench:gpu compares both again.
 */
export type DecoderGemms = 'tfjs' | 'wgsl';
export const DECODER_GEMMS: DecoderGemms = 'tfjs';

export class GpuTrainer implements TrainBackend {
  readonly name = 'webgpu';
  field: GpuField;
  private dirty = false;
  private jitter = new Float32Array(0);
  private pendingLoss: Promise<number> | null = null;
  /** Samples given colour in the last step whose loss came back (counted on the device, reported a step late). */
  private colorSamples = 0;
  /** The same step's sample count (before any budget cut); 0 until a count is known (the next render reads it). */
  private samples = 0;
  /** Rays left out of their step because its samples passed the budget (a step late). */
  droppedRays = 0;
  private stepPasses: StepPasses | null = null;
  /** Where the decoder's GEMMs run (set before the first step or render); `decoderNote` says why, when TF.js could not start. */
  decoderGemms: DecoderGemms = DECODER_GEMMS;
  decoderNote = '';
  private runtime: Promise<void> | null = null;

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
    if (f.model === 'mulfagrid' && (f.mulfa.normalise ?? 'exp') !== 'exp') {
      throw new Error(`the WebGPU MulFA kernel normalises as 'exp' (got '${f.mulfa.normalise}', a CPU-only alternative); use the CPU backend`);
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
   * One optimisation step on the device (Trainer.stepPlan on this backend's passes), recorded into one command
   * encoder (submitted early only where the sample count is read: a new field's first step). The loss is mapped a
   * step late: the result carries the previous step's loss and counts (the first step waits for its own).
   */
  async trainStep(): Promise<StepResult> {
    await this.ready();
    this.gk.begin();
    try {
      const r = await runAsync(this.trainer.stepPlan(this.passes));
      this.dirty = true;
      return r;
    } finally {
      this.gk.end();
    }
  }

  /** The device's passes of a step (StepPasses). */
  private get passes(): StepPasses {
    if (this.stepPasses) return this.stepPasses;
    const t = this.trainer, cfg = t.config, data = t.data, gk = this.gk;
    let exposure = false, loss: (() => Promise<LossReport>) | null = null;
    return (this.stepPasses = {
      upsample: async () => {
        await this.syncToCpu(true); // the network optimiser goes on (its moments come back); the grid optimiser starts afresh
        t.upsampleIfDue();
        this.samples = 0; // twice the resolution, twice the samples: the next render reads its count
        this.field.dispose();
        this.field = new GpuField(gk, t.field, t.optimizers.grid, t.optimizers.net, t.exposure);
      },
      refreshOccupancy: () => this.field.refreshOccupancy(),
      render: async (batch, target, view) => {
        const B = batch.n, jitter = (this.jitter = this.jitter.length >= B ? this.jitter : new Float32Array(B));
        for (let i = 0; i < B; i++) jitter[i] = t.rng.next();
        exposure = view !== null; // per-photo exposure affines live on the device: the loss applies them, adamExposure learns them
        const budget = this.samples > 0 ? this.samples * SAMPLE_HEADROOM : undefined;
        const samples = await this.field.render(B, batch.origins, batch.dirs, data.near, data.far, data.background, jitter, target, view ?? undefined, budget);
        if (budget === undefined) return { samples: (this.samples = samples), colorSamples: this.colorSamples };
        return { samples: this.samples, colorSamples: this.colorSamples }; // counted on the device: the previous step's, read with its loss
      },
      loss: () => { loss = this.field.loss(exposure); },
      backward: () => { t.field.distortion = cfg.distortion / cfg.batchRays; this.field.backward(); },
      addTv: (weight) => this.field.addTv(weight),
      update: (lr) => {
        const opt = t.optimizers;
        this.field.adamGrids(cfg.lrGrid * lr);
        opt.grid.step++;
        this.field.adamDecoder(cfg.lrDecoder * lr, opt.net);
        this.field.adamKernels(cfg.lrDecoder * lr);
        this.field.adamExposure(cfg.lrDecoder * lr);
        opt.net.step++; // every network parameter was updated on the device
      },
      reportedLoss: () => {
        gk.end(); // the step is recorded: submit it, then map its loss (awaited a step later)
        const previous = this.pendingLoss, field = this.field;
        this.pendingLoss = loss!().then((r) => {
          this.colorSamples = r.colorSamples;
          // the next budget; not from a field an upsampling has since replaced (its grid took half the samples)
          if (this.field === field && this.samples > 0) this.samples = r.samples;
          this.droppedRays += r.droppedRays;
          return r.loss;
        });
        return previous ?? this.pendingLoss;
      },
    });
  }

  /** Renders a whole camera on the device (cameraPlan, as Trainer.renderView): rgb [h · w · 3]. */
  async renderView(cam: Camera, chunk = 16384): Promise<Float32Array> {
    await this.ready();
    const data = this.trainer.data, jitter = new Float32Array(chunk).fill(0.5);
    this.gk.begin(); // each chunk: one submit up to its sample count, one for the rest and the colours
    try {
      return await runAsync(cameraPlan(cam, chunk, async (batch) => {
        await this.field.render(batch.n, batch.origins, batch.dirs, data.near, data.far, data.background, jitter);
        return this.field.rgb();
      }));
    } finally {
      this.gk.end();
    }
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

  /**
   * TF.js on the device for the decoder's GEMMs (decoderGemms 'tfjs'), once; where it cannot start, the WGSL
   * layers do the work and decoderNote says why.
   */
  ready(): Promise<void> {
    return (this.runtime ??= (async () => {
      if (this.decoderGemms !== 'tfjs') return this.gk.useTf(null);
      try {
        const { tfOnDevice } = await import('./TfRuntime');
        this.gk.useTf(await tfOnDevice(this.gk.device));
      } catch (e) {
        this.decoderGemms = 'wgsl';
        this.decoderNote = `the decoder runs on the engine's WGSL layers: TF.js's WebGPU backend did not start (${(e as Error).message.split('\n')[0]})`;
        this.gk.useTf(null);
      }
    })());
  }

  /** Frees the device buffers (the CPU trainer stays usable). */
  dispose(): void {
    this.field.dispose();
  }
}
