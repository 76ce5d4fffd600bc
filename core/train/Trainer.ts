/**
 * Training: composes the radiance field, ray sampling from the training images, the loss, Adam with
 * exponential learning-rate decay, progressive grid upsampling and occupancy refresh. It reports what
 * each step did; the caller (CLI, worker) owns time budgets, progress display and snapshots.
 */
import type { Camera } from '../scene/Camera';
import type { AABB } from '../scene/Scene';
import { pixelRay } from '../scene/Camera';
import { Rng } from '../math/rng';
import { RadianceField, FIELD_DEFAULTS, type FieldConfig, type RayBatch, type DecoderFactory } from '../field/RadianceField';
import { Adam } from '../optim/Adam';
import { cameraRays, makeRayBatch } from '../render/rays';
import { psnrFromMse, psnr, ssim } from '../metrics';

export interface TrainConfig {
  field: FieldConfig;
  seed: number;
  batchRays: number;
  lrGrid: number;
  lrDecoder: number;
  /** Learning rates fall by ×0.1 over this many steps (exponential). */
  decaySteps: number;
  /** Steps at which the grids double towards field.resolution (progressive upsampling). */
  upsampleSteps: number[];
  /** Refresh the occupancy grid every this many steps (from warmupSteps on). */
  occupancyEvery: number;
  occupancyWarmup: number;
}

export const TRAIN_DEFAULTS: TrainConfig = {
  field: FIELD_DEFAULTS,
  seed: 0,
  batchRays: 4096,
  lrGrid: 0.1,
  lrDecoder: 1e-3,
  decaySteps: 3000,
  upsampleSteps: [300],
  occupancyEvery: 16,
  occupancyWarmup: 32,
};

/** Training views with their target colours composited on the scene's background. */
export interface TrainView {
  camera: Camera;
  /** [h · w · 3] */
  rgb: Float32Array;
}

export interface TrainData {
  views: TrainView[];
  aabb: AABB;
  near: number;
  far: number;
  background: [number, number, number];
}

export interface StepResult {
  step: number;
  loss: number;
  psnr: number;
  rays: number;
  samples: number;
  colorSamples: number;
  occupancy: number;
  resolution: number;
}

export class Trainer {
  readonly field: RadianceField;
  readonly rng: Rng;
  step = 0;
  private gridOpt: Adam;
  private netOpt: Adam;
  private readonly batch: RayBatch;
  private readonly target: Float32Array;
  private readonly dRgb: Float32Array;
  private readonly pixelCount: number[];

  constructor(readonly config: TrainConfig, readonly data: TrainData, makeDecoder?: DecoderFactory) {
    if (data.views.length === 0) throw new Error('no training views');
    this.rng = new Rng(config.seed);
    this.field = new RadianceField(config.field, data.aabb, this.rng, this.resolutionAtLevel(0), makeDecoder);
    this.gridOpt = this.makeGridOpt();
    this.netOpt = new Adam([{ params: [...this.field.decoder.params, ...this.field.kernels.flatMap((k) => k.params)], lr: config.lrDecoder }]);
    this.batch = makeRayBatch(config.batchRays);
    this.target = new Float32Array(config.batchRays * 3);
    this.dRgb = new Float32Array(config.batchRays * 3);
    this.pixelCount = data.views.map((v) => v.camera.width * v.camera.height);
  }

  /** Grid resolution after `level` upsamplings: the final resolution halved for each one still to come. */
  resolutionAtLevel(level: number): number {
    const todo = this.config.upsampleSteps.length - level;
    return Math.max(8, Math.round(this.config.field.resolution / 2 ** todo));
  }

  private makeGridOpt(): Adam {
    return new Adam([{ params: [this.field.density.features, this.field.color.features], lr: this.config.lrGrid }]);
  }

  /** Learning-rate factor at the current step. */
  lrFactor(): number {
    return 0.1 ** (this.step / this.config.decaySteps);
  }

  /** Random training rays (uniform over all training pixels) and their target colours. */
  private sampleRays(): void {
    const B = this.config.batchRays, rng = this.rng, o = [0, 0, 0], d = [0, 0, 0];
    for (let i = 0; i < B; i++) {
      const v = rng.int(this.data.views.length);
      const view = this.data.views[v], cam = view.camera;
      const p = rng.int(this.pixelCount[v]);
      const x = p % cam.width, y = (p - x) / cam.width;
      pixelRay(cam, x + 0.5, y + 0.5, o, d);
      this.batch.origins.set(o, i * 3);
      this.batch.dirs.set(d, i * 3);
      this.target[i * 3] = view.rgb[p * 3]; this.target[i * 3 + 1] = view.rgb[p * 3 + 1]; this.target[i * 3 + 2] = view.rgb[p * 3 + 2];
    }
    this.batch.n = B;
  }

  /** One optimisation step on a batch of rays. */
  trainStep(): StepResult {
    const cfg = this.config, f = this.field;
    const level = cfg.upsampleSteps.indexOf(this.step);
    if (level >= 0) {
      f.upsample(this.resolutionAtLevel(level + 1));
      this.gridOpt = this.makeGridOpt();
    }
    if (this.step >= cfg.occupancyWarmup && this.step % cfg.occupancyEvery === 0) f.refreshOccupancy();
    this.sampleRays();
    const B = this.batch.n;
    const rgb = f.render(this.batch, this.data.near, this.data.far, this.data.background, this.rng);
    let sse = 0;
    const scale = 2 / (B * 3);
    for (let i = 0; i < B * 3; i++) {
      const e = rgb[i] - this.target[i];
      sse += e * e;
      this.dRgb[i] = e * scale;
    }
    f.backward(this.dRgb);
    const lr = this.lrFactor();
    this.gridOpt.update(lr);
    this.netOpt.update(lr);
    this.step++;
    const mse = sse / (B * 3);
    return { step: this.step, loss: mse, psnr: psnrFromMse(mse), rays: B, samples: f.stats.samples, colorSamples: f.stats.colorSamples,
      occupancy: f.occupancy.fraction(), resolution: f.density.resolution };
  }

  /** Renders a whole camera (pixel centres, no jitter): rgb [h · w · 3]. */
  renderView(cam: Camera, chunk = 4096): Float32Array {
    const n = cam.width * cam.height, out = new Float32Array(n * 3);
    const batch = makeRayBatch(chunk);
    for (let s = 0; s < n; s += chunk) {
      const c = Math.min(chunk, n - s);
      cameraRays(cam, s, c, batch);
      out.set(this.field.render(batch, this.data.near, this.data.far, this.data.background, null).subarray(0, c * 3), s * 3);
    }
    return out;
  }

  /** PSNR and SSIM of a rendered view against its target. */
  evaluate(view: TrainView): { psnr: number; ssim: number; rgb: Float32Array } {
    const rgb = this.renderView(view.camera);
    return { psnr: psnr(rgb, view.rgb), ssim: ssim(rgb, view.rgb, view.camera.width, view.camera.height), rgb };
  }
}
