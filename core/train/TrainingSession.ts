/**
 * One training loop for every host (the CLI, the app's worker) and every backend: it runs steps in
 * slices, smooths PSNR, computes rays/s and ETA, enforces the time and step budgets, answers stop requests
 * between steps, and says when a periodic snapshot is due. Hosts only display progress, write snapshots and
 * decide how long a slice may block (the CLI's Ctrl-C, the worker's messages).
 */
import type { SpaceKind } from '../scene/space';
import { type Trainer, type TrainConfig, type TrainData, TRAIN_DEFAULTS, type StepResult } from './Trainer';
import type { GridKind } from '../field/GridModel';
import type { TrainBackend } from './backend';

/** What a user chooses before training (CLI flags, the app's training panel). */
export interface TrainChoices {
  model: GridKind;
  resolution: number;
  seed: number;
  /** Step budget (0 or Infinity: none); also the length of the learning-rate decay when set. */
  maxSteps: number;
  /** Rays per step (default TRAIN_DEFAULTS.batchRays; GPUs take far larger batches). */
  batchRays?: number;
  /** The scene parameterisation (core/scene/space.ts): forward-facing scenes sample one voxel apart (DVGO's LLFF setting) and fit their upsampling to a time budget. */
  space?: SpaceKind;
  /** Training views with a learned exposure affine (exposureViewsFor); default 0, none. */
  exposureViews?: number;
}

/**
 * How many exposure affines a run learns (core/train/exposure.ts): one per training view for captured photos
 * (no background: real cameras vary exposure and white balance), none for synthetic scenes; `on` overrides.
 */
export function exposureViewsFor(data: Pick<TrainData, 'views' | 'captured'>, on?: boolean): number {
  return (on ?? data.captured === true) ? data.views.length : 0;
}

/**
 * Per scene parameterisation: the sample spacing in voxels, whether a time-budgeted run upsamples at fractions of
 * its budget (BudgetSchedule), and the distortion loss's weight.
 * - stepVoxels: forward-facing captures 1 (as DVGO's LLFF configs) — their frusta are full of faint density that
 *   neither occupancy nor early termination skips, and on fern at 1/8 a spacing of 1 reaches the PSNR of 0.5 at the
 *   same step (21.05 vs 21.19 dB after 420 steps) in half the time; the rest the field's default.
 * - fitUpsampling: captured scenes gain from it (their space is full of faint density that a coarse grid settles
 *   cheaply: fern +0.66 dB at 600 s, the room scene +1.04 dB at 300 s); synthetic objects (bounded) lose from it.
 * - distortion: unbounded scenes gain from the loss too (it gathers each ray's weight into a surface, so fewer
 *   samples are coloured and more steps fit the time: the room +2.0 dB on top); on fern it was neutral (+0.06 dB at
 *   600 s), so forward-facing scenes go without.
 * The README's "Measured" has the tables.
 */
export const SPACE_SCHEDULE: Record<SpaceKind, { stepVoxels: number; fitUpsampling: boolean; distortion: number }> = {
  bounded: { stepVoxels: TRAIN_DEFAULTS.field.stepVoxels, fitUpsampling: false, distortion: 0 },
  unbounded: { stepVoxels: TRAIN_DEFAULTS.field.stepVoxels, fitUpsampling: true, distortion: 0.01 },
  forward: { stepVoxels: 1, fitUpsampling: true, distortion: 0 },
};

/** The training configuration for a user's choices (the defaults for everything else). */
export function trainConfigFor(c: TrainChoices): TrainConfig {
  const { stepVoxels, fitUpsampling, distortion } = SPACE_SCHEDULE[c.space ?? 'bounded'];
  return { ...TRAIN_DEFAULTS, seed: c.seed, batchRays: c.batchRays ?? TRAIN_DEFAULTS.batchRays,
    field: { ...TRAIN_DEFAULTS.field, model: c.model, resolution: c.resolution, stepVoxels },
    upsampleSteps: [...TRAIN_DEFAULTS.upsampleSteps], fitUpsampling, distortion,
    decaySteps: Number.isFinite(c.maxSteps) && c.maxSteps > 0 ? c.maxSteps : TRAIN_DEFAULTS.decaySteps, exposureViews: c.exposureViews ?? 0 };
}

export interface SessionProgress {
  step: number;
  loss: number;
  /** Training PSNR, exponentially smoothed over steps (0.9). */
  psnr: number;
  raysPerSec: number;
  /** Seconds spent training in this session (pauses excluded). */
  seconds: number;
  /** Seconds until a budget ends training (Infinity: none set). */
  eta: number;
  resolution: number;
  occupancy: number;
}

export interface SessionOptions {
  /** Stop after this many seconds of training (Infinity: no limit). */
  timeBudgetSec?: number;
  /** Stop when the trainer reaches this step (absolute, so a resumed run stops at the same step). */
  maxSteps?: number;
  /** A snapshot is due after this many seconds of training since the last one (Infinity: never). */
  snapshotEverySec?: number;
  /** Milliseconds (Date.now by default; hosts pass performance.now, tests their own clock). */
  clock?: () => number;
  /**
   * With a time budget and no step limit: fit the learning-rate decay (×0.1 over config.decaySteps) to the
   * steps the budget will hold at the speed measured so far, so a run ends at the same point of its schedule
   * whatever the machine and model (see projectedSteps).
   */
  fitDecayToBudget?: boolean;
}

/** Whether the CLI and the app fit the decay to a time budget (measured on fern and the Blender demo: README). */
export const FIT_DECAY_TO_BUDGET = true;

/**
 * The step a run will have reached when its time budget ends, at the pace so far: `done` steps in `seconds`
 * since `startStep`. Null until 10 steps and a second are in (the first steps, on coarse grids, run fast).
 */
export function projectedSteps(startStep: number, done: number, seconds: number, budgetSec: number): number | null {
  if (done < 10 || seconds < 1 || !Number.isFinite(budgetSec)) return null;
  return Math.max(startStep + done, Math.round(startStep + (done * budgetSec) / seconds));
}

/** The fraction of a time budget by which the last progressive upsampling is done when fitted to the budget. */
export const UPSAMPLE_LAST = 0.3;

/**
 * When upsampling k of L happens in a run fitted to its time budget, as a fraction of the budget: the last at
 * UPSAMPLE_LAST, each earlier one at a third of the next (two upsamplings: 10 % and 30 %).
 */
export function upsampleFraction(k: number, L: number): number {
  return UPSAMPLE_LAST / 3 ** (L - 1 - k);
}

/**
 * A time budget's schedule, fitted as the run goes (the CLI and the app with FIT_DECAY_TO_BUDGET, bench:models with
 * --fit-decay). With config.fitUpsampling (captured scenes: SPACE_SCHEDULE), progressive upsampling happens
 * when training passes its fraction of the budget (upsampleFraction),
 * not at fixed steps: coarse grids take few samples a ray, so a run spends its first tenth on many cheap steps that
 * place the geometry, whatever the machine or model; the upsamplings still to come are kept just ahead of the run
 * in config.upsampleSteps (so a snapshot resumes them). The learning rate decays over the steps the budget will
 * hold at the pace of the current resolution (projectedSteps from the last upsampling), so the run ends at the end
 * of its schedule.
 */
export class BudgetSchedule {
  private levelStep: number;
  private levelSec = 0;

  constructor(private readonly trainer: Trainer, readonly budgetSec: number) {
    this.levelStep = trainer.step;
    // its own list (update rewrites it): never the defaults' shared array
    if (trainer.config.fitUpsampling) trainer.config.upsampleSteps = [...trainer.config.upsampleSteps];
  }

  /** After a step, `seconds` trained in this run so far. */
  update(seconds: number): void {
    const t = this.trainer, ups = t.config.fitUpsampling ? t.config.upsampleSteps : [], L = ups.length;
    let pending = 0;
    for (let k = 0; k < L; k++) {
      if (ups[k] < t.step) continue; // done
      if (pending === 0 && seconds >= upsampleFraction(k, L) * this.budgetSec) {
        if (ups[k] !== t.step) { ups[k] = t.step; this.levelStep = t.step; this.levelSec = seconds; } // the next step upsamples
      } else {
        ups[k] = t.step + 1 + pending;
      }
      pending++;
    }
    const end = projectedSteps(this.levelStep, t.step - this.levelStep, seconds - this.levelSec, this.budgetSec - this.levelSec);
    if (end !== null) t.config.decaySteps = end;
  }
}

export type SliceEnd = 'more' | 'budget' | 'stopped';

export class TrainingSession {
  readonly timeBudgetSec: number;
  readonly maxSteps: number;
  readonly snapshotEverySec: number;
  private readonly clock: () => number;
  private readonly startStep: number;
  private trainedMs = 0;
  private lastSnapshotSec = 0;
  private psnrAvg = 0;
  private last: StepResult | null = null;
  private stopRequested = false;
  private readonly fitted: BudgetSchedule | null;

  constructor(readonly backend: TrainBackend, opts: SessionOptions = {}) {
    this.timeBudgetSec = opts.timeBudgetSec ?? Infinity;
    this.maxSteps = opts.maxSteps ?? Infinity;
    this.snapshotEverySec = opts.snapshotEverySec ?? Infinity;
    this.clock = opts.clock ?? (() => Date.now());
    this.startStep = backend.trainer.step;
    const fit = (opts.fitDecayToBudget ?? false) && Number.isFinite(this.timeBudgetSec) && !Number.isFinite(this.maxSteps);
    this.fitted = fit ? new BudgetSchedule(backend.trainer, this.timeBudgetSec) : null;
  }

  get step(): number { return this.backend.trainer.step; }
  get seconds(): number { return this.trainedMs / 1000; }
  /** The last step's result (null before the first). */
  get lastStep(): StepResult | null { return this.last; }

  /** Whether a budget is used up (no step would run). */
  get budgetReached(): boolean {
    return this.seconds >= this.timeBudgetSec || this.step >= this.maxSteps;
  }

  /** Asks the loop to stop after the step in progress (Ctrl-C, the app's Stop). */
  requestStop(): void { this.stopRequested = true; }
  get stopping(): boolean { return this.stopRequested; }

  /**
   * Trains for up to `sliceMs` (at least one step unless a budget is used up or a stop was requested).
   * 'budget': a budget ended training; 'stopped': a stop was requested; 'more': call again.
   */
  async runSlice(sliceMs: number): Promise<SliceEnd> {
    const t0 = this.clock();
    let mark = t0;
    while (!this.stopRequested && !this.budgetReached) {
      const r = await this.backend.trainStep();
      this.last = r;
      this.psnrAvg = this.psnrAvg === 0 ? r.psnr : 0.9 * this.psnrAvg + 0.1 * r.psnr;
      const now = this.clock();
      this.trainedMs += now - mark; // time between slices (pauses, messages, display) is not training
      mark = now;
      this.fitted?.update(this.seconds);
      if (now - t0 >= sliceMs) break;
    }
    if (this.stopRequested) return 'stopped';
    return this.budgetReached ? 'budget' : 'more';
  }

  /** Whether a periodic snapshot is due; marks it taken (the host writes it, and reports a failure itself). */
  takeSnapshotDue(): boolean {
    if (this.seconds - this.lastSnapshotSec < this.snapshotEverySec - 1e-9) return false; // (sums of float ms)
    this.lastSnapshotSec = this.seconds;
    return true;
  }

  progress(): SessionProgress {
    const seconds = this.seconds, steps = this.step - this.startStep, r = this.last;
    const byTime = this.timeBudgetSec - seconds;
    const bySteps = Number.isFinite(this.maxSteps) && steps > 0 ? ((this.maxSteps - this.step) * seconds) / steps : Infinity;
    return {
      step: this.step, loss: r?.loss ?? NaN, psnr: this.psnrAvg,
      raysPerSec: seconds > 0 ? (steps * this.backend.trainer.config.batchRays) / seconds : 0,
      seconds, eta: Math.max(0, Math.min(byTime, bySteps)), resolution: r?.resolution ?? this.backend.trainer.field.density.resolution,
      occupancy: r?.occupancy ?? this.backend.trainer.field.occupancy.fraction(),
    };
  }
}
