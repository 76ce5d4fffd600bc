/**
 * Training: composes the radiance field, ray sampling from the training images, the loss, Adam with
 * exponential learning-rate decay, progressive grid upsampling and occupancy refresh. It reports what
 * each step did; the caller (CLI, worker) owns time budgets, progress display and snapshots.
 */
import type { Camera } from '../scene/Camera';
import type { AABB } from '../scene/Scene';
import { pixelRay } from '../scene/Camera';
import { Rng } from '../math/rng';
import { RadianceField, FIELD_DEFAULTS, type FieldConfig, type RayBatch } from '../field/RadianceField';
import type { DecoderFactory } from '../field/Decoder';
import { Adam } from '../optim/Adam';
import { type FieldOps, JS_OPS } from '../field/ops';
import { cameraRays, makeRayBatch } from '../render/rays';
import { psnrFromMse, psnr, ssim } from '../metrics';
import type { Param } from '../field/GridModel';
import { type ArrayData, type Snapshot, encodeSnapshot } from '../io/snapshot';
import { InputError } from '../errors';
import { readTrainerHeader } from './snapshotHeader';
import { type SceneSpace, boundedSpace } from '../scene/space';
import { addTvGrad } from './tv';
import { applyExposure, exposureBackward, makeExposure, recentreExposure } from './exposure';
import { type Awaitable, type Plan, runSync } from './plan';

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
  /**
   * Under a time budget fitted as it goes (core/train/TrainingSession.ts BudgetSchedule), upsample at fractions of the
   * budget instead of at upsampleSteps (captured scenes, SPACE_SCHEDULE: measured +0.66 dB on fern at 600 s, +1.04 dB
   * on the unbounded room scene at 300 s; −0.95 dB on the Blender-format demo at 180 s, so not for bounded scenes).
   */
  fitUpsampling: boolean;
  /** Refresh the occupancy grid every this many steps (from warmupSteps on). */
  occupancyEvery: number;
  occupancyWarmup: number;
  /** Training views with a learned exposure affine (core/train/exposure.ts); 0: none (synthetic scenes). */
  exposureViews: number;
  /** Weight of the density grid's total variation (core/train/tv.ts); 0: none. Dense and MulFAGrid layouts only. */
  tvDensity: number;
  /** Weight of the distortion loss (core/render/composite.ts Distortion, mean over rays); 0: none; at most MAX_LOSS_WEIGHT (snapshotHeader.ts). */
  distortion: number;
}

export const TRAIN_DEFAULTS: TrainConfig = {
  field: FIELD_DEFAULTS,
  seed: 0,
  batchRays: 1024,
  lrGrid: 0.2,
  lrDecoder: 1e-3,
  decaySteps: 3000,
  upsampleSteps: [100, 300],
  fitUpsampling: false,
  occupancyEvery: 16,
  occupancyWarmup: 16,
  exposureViews: 0,
  tvDensity: 0,
  distortion: 0,
};

/** Training views with their target colours composited on the scene's background. */
export interface TrainView {
  camera: Camera;
  /**
   * [h · w · 3] colours in [0, 1]; captured photos are kept as 8-bit (value / 255: a quarter of the memory,
   * so captures of hundreds of photos fit), synthetic renders as floats.
   */
  rgb: Float32Array | Uint8Array;
}

/** A view's colours as floats in [0, 1] (a copy for 8-bit views). */
export function viewRgb(view: TrainView): Float32Array {
  if (view.rgb instanceof Float32Array) return view.rgb;
  const out = new Float32Array(view.rgb.length);
  for (let i = 0; i < out.length; i++) out[i] = view.rgb[i] / 255;
  return out;
}

export interface TrainData {
  views: TrainView[];
  aabb: AABB;
  near: number;
  far: number;
  background: [number, number, number];
  /** The space the grids live in (core/scene/space.ts); absent: the bounded box `aabb`. */
  space?: SceneSpace;
  /** Photos of a real scene (no background to composite on): their exposure varies (core/train/exposure.ts). */
  captured?: boolean;
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

/**
 * The passes of one training step on a backend. What runs when — progressive upsampling, occupancy refresh, the
 * batch of rays and its targets, per-photo exposures, the density TV, the learning-rate schedule, the step count —
 * is the Trainer's (stepPlan), written once: the CPU's passes are the Trainer's own field and optimisers
 * (Trainer.cpuPasses), WebGPU's run on the device (core/gpu/GpuTrainer.ts). Passes that may wait on a device
 * return promises (core/train/plan.ts).
 */
export interface StepPasses {
  /** Progressive upsampling is due: the grids to the next resolution, the grid optimiser fresh (Trainer.upsampleIfDue). */
  upsample(): Awaitable<void>;
  /** The occupancy grid from the density grid. */
  refreshOccupancy(): Awaitable<void>;
  /**
   * Renders the batch (samples jittered from the trainer's random stream) with its target colours; `view`: the
   * training view of each ray when per-photo exposures are learned (null otherwise).
   */
  render(batch: RayBatch, target: Float32Array, view: Int32Array | null): Awaitable<{ samples: number; colorSamples: number }>;
  /** The loss of the last render (through the exposures when render had views) and its gradient dL/dC. */
  loss(): void;
  /** Gradients of every parameter from dL/dC. */
  backward(): void;
  /** Adds the density grid's total variation (core/train/tv.ts) with this weight to its gradient. */
  addTv(weight: number): void;
  /** One Adam update of every parameter at the schedule's factor; the exposures recentred. */
  update(lrFactor: number): void;
  /** The step's loss for its report (WebGPU maps it a step late). */
  reportedLoss(): Awaitable<number>;
}

/** Whether a model's density grid has the R³ vertex layout total variation is defined on. */
export function tvApplies(model: FieldConfig['model']): boolean {
  return model === 'dense' || model === 'mulfagrid';
}

/**
 * Renders a whole camera in chunks of rays through a backend's render (pixel centres, no jitter): rgb [h · w · 3].
 * `render` returns the chunk's colours [c · 3] (or a promise of them).
 */
export function* cameraPlan(cam: Camera, chunk: number, render: (batch: RayBatch) => Awaitable<Float32Array>): Plan<Float32Array> {
  const n = cam.width * cam.height, out = new Float32Array(n * 3), batch = makeRayBatch(chunk);
  for (let s = 0; s < n; s += chunk) {
    const c = Math.min(chunk, n - s);
    cameraRays(cam, s, c, batch);
    out.set(((yield render(batch)) as Float32Array).subarray(0, c * 3), s * 3);
  }
  return out;
}

/** Mean squared error of n rendered colours [n, 3] against targets; fills dOut with its gradient. */
export function mseLoss(rgb: Float32Array, target: Float32Array, n: number, dOut: Float32Array): number {
  let sse = 0;
  const scale = 2 / (n * 3);
  for (let i = 0; i < n * 3; i++) {
    const e = rgb[i] - target[i];
    sse += e * e;
    dOut[i] = e * scale;
  }
  return sse / (n * 3);
}

export class Trainer {
  readonly field: RadianceField;
  readonly rng: Rng;
  step = 0;
  /** Header fields of the snapshot this trainer was restored from (cameras, dataset, …); {} when new. */
  meta: Record<string, unknown> = {};
  private gridOpt: Adam;
  private netOpt: Adam;
  private readonly batch: RayBatch;
  private readonly target: Float32Array;
  private readonly dRgb: Float32Array;
  private readonly pixelCount: number[];
  /** Per-view exposure affines (config.exposureViews > 0), the training view of each batch ray, the exposed colours. */
  readonly exposure: Param | null;
  private readonly rayView: Int32Array;
  private readonly exposed: Float32Array;
  private readonly dExposed: Float32Array;
  private cpu: StepPasses | null = null;

  constructor(readonly config: TrainConfig, readonly data: TrainData, readonly ops: FieldOps = JS_OPS,
    makeDecoder?: DecoderFactory) {
    this.rng = new Rng(config.seed);
    const space = data.space ?? boundedSpace(data.aabb);
    this.field = new RadianceField(config.field, space.box, this.rng, this.resolutionAtLevel(0), ops, makeDecoder);
    this.field.space = space;
    this.gridOpt = this.makeGridOpt();
    // one affine per training view: a snapshot resumes only on the views it was trained on (evaluation has none)
    if (config.exposureViews > 0 && data.views.length > 0 && data.views.length !== config.exposureViews) {
      throw new Error(`${config.exposureViews} exposure affines for ${data.views.length} training views`);
    }
    this.exposure = config.exposureViews > 0 ? makeExposure(config.exposureViews) : null;
    this.netOpt = new Adam([{ params: [...this.field.decoder.params, ...this.field.kernels.flatMap((k) => k.params), ...(this.exposure ? [this.exposure] : [])],
      lr: config.lrDecoder }]);
    this.batch = makeRayBatch(config.batchRays);
    this.target = new Float32Array(config.batchRays * 3);
    this.dRgb = new Float32Array(config.batchRays * 3);
    this.rayView = new Int32Array(config.batchRays);
    this.exposed = new Float32Array(this.exposure ? config.batchRays * 3 : 0);
    this.dExposed = new Float32Array(this.exposure ? config.batchRays * 3 : 0);
    this.pixelCount = data.views.map((v) => v.camera.width * v.camera.height);
  }

  /** Grid resolution after `level` upsamplings: the final resolution halved for each one still to come. */
  resolutionAtLevel(level: number): number {
    const todo = this.config.upsampleSteps.length - level;
    return Math.max(8, Math.round(this.config.field.resolution / 2 ** todo));
  }

  private makeGridOpt(): Adam {
    return new Adam([{ params: [this.field.density.features, this.field.color.features], lr: this.config.lrGrid }], this.ops);
  }

  /** Learning-rate factor at the current step. */
  lrFactor(): number {
    return 0.1 ** (this.step / this.config.decaySteps);
  }

  /** Random training rays (uniform over all training pixels) and their target colours (buffers reused per step). */
  sampleRays(): { batch: RayBatch; target: Float32Array; view: Int32Array } {
    const B = this.config.batchRays, rng = this.rng, o = [0, 0, 0], d = [0, 0, 0];
    for (let i = 0; i < B; i++) {
      const v = rng.int(this.data.views.length);
      const view = this.data.views[v], cam = view.camera;
      const p = rng.int(this.pixelCount[v]);
      const x = p % cam.width, y = (p - x) / cam.width;
      pixelRay(cam, x + 0.5, y + 0.5, o, d);
      this.batch.origins.set(o, i * 3);
      this.batch.dirs.set(d, i * 3);
      this.rayView[i] = v;
      const px = view.rgb, k = px instanceof Uint8Array ? 1 / 255 : 1;
      this.target[i * 3] = px[p * 3] * k; this.target[i * 3 + 1] = px[p * 3 + 1] * k; this.target[i * 3 + 2] = px[p * 3 + 2] * k;
    }
    this.batch.n = B;
    return { batch: this.batch, target: this.target, view: this.rayView };
  }

  /** The optimisers: grid features, and the small networks (decoder, MulFA kernels). */
  get optimizers(): { grid: Adam; net: Adam } {
    return { grid: this.gridOpt, net: this.netOpt };
  }

  /**
   * Progressive upsampling when this step is one of config.upsampleSteps: the grids to the next level's
   * resolution and a fresh grid optimiser (moments do not carry over). True when it happened.
   */
  upsampleIfDue(): boolean {
    if (!this.upsampleDue) return false;
    this.field.upsample(this.resolutionAtLevel(this.config.upsampleSteps.indexOf(this.step) + 1));
    this.gridOpt.dispose();
    this.gridOpt = this.makeGridOpt();
    return true;
  }

  /** Whether this step upsamples the grids (one of config.upsampleSteps, and the model can be resized). */
  get upsampleDue(): boolean {
    return this.config.upsampleSteps.includes(this.step) && this.field.density.resized !== undefined;
  }

  /**
   * One optimisation step, on any backend's passes (StepPasses): the algorithm of a step, once. Drive it with
   * runSync (CPU: trainStep) or runAsync (WebGPU).
   */
  *stepPlan(p: StepPasses): Plan<StepResult> {
    const cfg = this.config;
    if (this.data.views.length === 0) throw new Error('no training views');
    if (this.upsampleDue) yield p.upsample();
    if (this.step >= cfg.occupancyWarmup && this.step % cfg.occupancyEvery === 0) yield p.refreshOccupancy();
    const { batch, target, view } = this.sampleRays();
    const counts = (yield p.render(batch, target, this.exposure ? view : null)) as { samples: number; colorSamples: number };
    p.loss();
    p.backward();
    if (cfg.tvDensity > 0 && tvApplies(cfg.field.model)) p.addTv(cfg.tvDensity);
    p.update(this.lrFactor());
    const mse = (yield p.reportedLoss()) as number;
    this.step++;
    return { step: this.step, loss: mse, psnr: psnrFromMse(mse), rays: batch.n, samples: counts.samples, colorSamples: counts.colorSamples,
      occupancy: this.field.occupancy.fraction(), resolution: this.field.density.resolution };
  }

  /** One optimisation step on a batch of rays, on the CPU. */
  trainStep(): StepResult {
    return runSync(this.stepPlan(this.cpuPasses));
  }

  /** The CPU's passes of a step: this trainer's field, exposures and optimisers (made once; tests also drive them asynchronously). */
  get cpuPasses(): StepPasses {
    if (this.cpu) return this.cpu;
    const f = this.field, B = () => this.batch.n;
    let views: Int32Array | null = null, mse = 0;
    return (this.cpu = {
      upsample: () => { this.upsampleIfDue(); },
      refreshOccupancy: () => f.refreshOccupancy(),
      render: (batch, _target, view) => { // (the targets are this trainer's own)
        views = view;
        f.render(batch, this.data.near, this.data.far, this.data.background, this.rng);
        return { samples: f.stats.samples, colorSamples: f.stats.colorSamples };
      },
      loss: () => {
        const rgb = f.rgb;
        if (views && this.exposure) { // the loss sees each photo's exposure; the field gets dL/dC through it
          applyExposure(this.exposure.data, B(), rgb, views, this.exposed);
          mse = mseLoss(this.exposed, this.target, B(), this.dExposed);
          exposureBackward(this.exposure, B(), rgb, views, this.dExposed, this.dRgb);
        } else {
          mse = mseLoss(rgb, this.target, B(), this.dRgb);
        }
      },
      backward: () => { f.distortion = this.config.distortion / B(); f.backward(this.dRgb); }, // (weight per ray: the loss is a mean over rays)
      addTv: (weight) => { const d = f.density; addTvGrad(d.features.data, d.features.grad, d.resolution, weight); },
      update: (lr) => {
        this.gridOpt.update(lr);
        this.netOpt.update(lr);
        if (this.exposure) recentreExposure(this.exposure.data);
      },
      reportedLoss: () => mse,
    });
  }

  /** Frees the field's and optimisers' kernel memory (the trainer is unusable afterwards). */
  dispose(): void {
    this.field.dispose();
    this.gridOpt.dispose();
    this.netOpt.dispose();
  }

  /** Renders a whole camera (pixel centres, no jitter): rgb [h · w · 3]. */
  renderView(cam: Camera, chunk = 4096): Float32Array {
    return runSync(cameraPlan(cam, chunk, (batch) => this.field.render(batch, this.data.near, this.data.far, this.data.background, null)));
  }

  /** PSNR and SSIM of a rendered view against its target. */
  evaluate(view: TrainView): { psnr: number; ssim: number; rgb: Float32Array } {
    const rgb = this.renderView(view.camera);
    const ref = viewRgb(view);
    return { psnr: psnr(rgb, ref), ssim: ssim(rgb, ref, view.camera.width, view.camera.height), rgb };
  }

  /** Every learnable array with a stable name (snapshots). */
  namedParams(): [string, Param][] {
    const f = this.field;
    return [
      ['field.density.features', f.density.features],
      ['field.color.features', f.color.features],
      ...f.decoder.params.map((p): [string, Param] => [`field.${p.name}`, p]),
      ...f.kernels.flatMap((k, i) => k.params.map((p): [string, Param] => [`field.kernel${i}.${p.name}`, p])),
      ...(this.exposure ? [['exposure', this.exposure] as [string, Param]] : []),
    ];
  }

  /** The whole training state as a snapshot file (core/io/snapshot.ts). */
  toSnapshot(meta: Record<string, unknown> = {}): Uint8Array {
    const arrays = new Map<string, ArrayData>();
    for (const [name, p] of this.namedParams()) arrays.set(name, p.data);
    for (const [key, opt] of [['grid', this.gridOpt], ['net', this.netOpt]] as const) {
      opt.params.forEach((_, j) => {
        arrays.set(`opt.${key}.m.${j}`, opt.m[j]);
        arrays.set(`opt.${key}.v.${j}`, opt.v[j]);
        arrays.set(`opt.${key}.t.${j}`, opt.t[j]);
      });
    }
    arrays.set('field.occupancy', this.field.occupancy.cells);
    return encodeSnapshot({
      created: new Date().toISOString(),
      step: this.step,
      rng: this.rng.state(),
      config: this.config,
      resolution: this.field.density.resolution,
      optSteps: { grid: this.gridOpt.step, net: this.netOpt.step },
      scene: { aabb: this.data.aabb, near: this.data.near, far: this.data.far, background: this.data.background, space: this.field.space },
      ...meta,
    }, arrays);
  }

  /**
   * Rebuilds a trainer from a snapshot; with the same training data, training continues exactly as if it
   * had not stopped. With `data.views` empty it can render and evaluate. The header is checked before
   * anything is allocated from it (snapshotHeader.ts), every array's length and values before they are used.
   */
  static fromSnapshot(snap: Snapshot, file: string, data: TrainData | null, ops?: FieldOps, makeDecoder?: DecoderFactory): Trainer {
    const h = readTrainerHeader(snap, file);
    // the grids live in the snapshot's space, whatever the dataset's default would be
    const sceneData: TrainData = data ? { ...data, space: h.scene.space } : { views: [], ...h.scene };
    const nx = h.config.exposureViews, nv = sceneData.views.length;
    if (nx > 0 && nv > 0 && nv !== nx) {
      throw new InputError(file, 'config.exposureViews', `the run learned exposures for ${nx} training views, this dataset has ${nv} (resume with the same --holdout)`);
    }
    const t = new Trainer(h.config, sceneData, ops, makeDecoder);
    if (t.field.density.resolution !== h.resolution) {
      t.field.upsample(h.resolution);
      t.gridOpt.dispose();
      t.gridOpt = t.makeGridOpt();
    }
    const take = (name: string, into: ArrayData, max = Infinity, min = -Infinity) => {
      const a = snap.arrays.get(name);
      if (!a) throw new InputError(file, name, 'missing from the snapshot');
      if (a.length !== into.length || a.constructor !== into.constructor) throw new InputError(file, name, `has ${a.length} values, expected ${into.length}`);
      for (let i = 0; i < a.length; i++) {
        const x = a[i];
        if (!(x >= min && x <= max)) throw new InputError(file, name, `value ${i} is ${x}, must be ${Number.isFinite(max) ? `between ${min} and ${max}` : 'a finite number'}`);
      }
      into.set(a as never);
    };
    for (const [name, p] of t.namedParams()) take(name, p.data, Number.MAX_VALUE, -Number.MAX_VALUE);
    for (const [key, opt] of [['grid', t.gridOpt], ['net', t.netOpt]] as const) {
      opt.params.forEach((_, j) => {
        take(`opt.${key}.m.${j}`, opt.m[j], Number.MAX_VALUE, -Number.MAX_VALUE);
        take(`opt.${key}.v.${j}`, opt.v[j], Number.MAX_VALUE, 0);
        take(`opt.${key}.t.${j}`, opt.t[j], h.optSteps[key], 0); // bias-correction tables are indexed by t
      });
    }
    t.gridOpt.step = h.optSteps.grid;
    t.netOpt.step = h.optSteps.net;
    take('field.occupancy', t.field.occupancy.cells, 1, 0);
    t.field.occupancy.occupiedCount = t.field.occupancy.cells.reduce((a, b) => a + b, 0);
    t.rng.setState(h.rng);
    t.step = h.step;
    t.meta = { ...snap.header, cameras: h.cameras };
    return t;
  }
}
