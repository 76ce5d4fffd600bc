// The training loop's policy, once for every host: budgets (time and absolute steps), slices, stop requests,
// pauses not counted as training, snapshot cadence, and the progress numbers (smoothed PSNR, rays/s, ETA).
import { describe, expect, it } from 'vitest';
import { TrainingSession, trainConfigFor } from '../../../core/train/TrainingSession';
import { TRAIN_DEFAULTS, type Trainer, type StepResult } from '../../../core/train/Trainer';
import type { TrainBackend } from '../../../core/train/backend';

/** A backend whose steps take `msPerStep` on a fake clock, with PSNR 10, 20, 10, 20, … */
function fake(msPerStep: number, startStep = 0) {
  let now = 0;
  const trainer = { step: startStep, config: { batchRays: 100 }, field: { density: { resolution: 8 }, occupancy: { fraction: () => 1 } } } as unknown as Trainer;
  const backend: TrainBackend = {
    name: 'fake', trainer,
    async trainStep(): Promise<StepResult> {
      now += msPerStep;
      trainer.step++;
      return { step: trainer.step, loss: 0.1, psnr: trainer.step % 2 ? 10 : 20, rays: 100, samples: 0, colorSamples: 0, occupancy: 0.5, resolution: 16 };
    },
    async renderView() { return new Float32Array(0); },
    async syncToCpu() { return trainer; },
    dispose() {},
  };
  return { backend, trainer, clock: () => now, advance: (ms: number) => { now += ms; } };
}

describe('TrainingSession', () => {
  it('stops at an absolute step budget, also when resumed part-way', async () => {
    const f = fake(10, 40);
    const s = new TrainingSession(f.backend, { maxSteps: 50, clock: f.clock });
    expect(await s.runSlice(1e9)).toBe('budget');
    expect(f.trainer.step).toBe(50);
    expect(await s.runSlice(1e9)).toBe('budget'); // nothing more
    expect(f.trainer.step).toBe(50);
    expect(s.progress().eta).toBe(0);
  });

  it('fits the learning-rate decay to the steps a time budget holds (and leaves it alone otherwise)', async () => {
    const f = fake(20, 100);
    (f.trainer.config as { decaySteps: number }).decaySteps = 3000;
    const s = new TrainingSession(f.backend, { timeBudgetSec: 10, clock: f.clock, fitDecayToBudget: true });
    expect(await s.runSlice(500)).toBe('more');
    expect(f.trainer.config.decaySteps).toBe(3000); // under a second in: no projection yet
    while ((await s.runSlice(1000)) === 'more');
    expect(f.trainer.step).toBe(600); // 500 steps of 20 ms after step 100
    expect(f.trainer.config.decaySteps).toBe(600); // the schedule ends where the budget does
    const g = fake(20);
    (g.trainer.config as { decaySteps: number }).decaySteps = 3000;
    const fixed = new TrainingSession(g.backend, { timeBudgetSec: 10, maxSteps: 400, clock: g.clock, fitDecayToBudget: true });
    while ((await fixed.runSlice(1000)) === 'more');
    expect(g.trainer.config.decaySteps).toBe(3000); // a step budget sets its own schedule
  });

  it('fitted to a time budget (forward-facing scenes), upsamples at 10 % and 30 % of it (kept just ahead until then) and decays over the steps the last level will hold', async () => {
    const f = fake(20);
    const cfg = f.trainer.config as { decaySteps: number; upsampleSteps: number[]; fitUpsampling: boolean };
    cfg.decaySteps = 3000; cfg.upsampleSteps = [100, 300]; cfg.fitUpsampling = true;
    const s = new TrainingSession(f.backend, { timeBudgetSec: 10, clock: f.clock, fitDecayToBudget: true });
    await s.runSlice(500); // 25 steps of 20 ms
    expect(f.trainer.step).toBe(25);
    expect(cfg.upsampleSteps).toEqual([26, 27]); // not due yet: one and two steps ahead
    while ((await s.runSlice(1000)) === 'more');
    expect(f.trainer.step).toBe(500);
    expect(cfg.upsampleSteps).toEqual([50, 150]); // 1 s and 3 s into the 10 s
    expect(cfg.decaySteps).toBe(500);
    // a step budget keeps the configured steps
    const g = fake(20);
    const gc = g.trainer.config as { decaySteps: number; upsampleSteps: number[]; fitUpsampling: boolean };
    gc.decaySteps = 3000; gc.upsampleSteps = [100, 300]; gc.fitUpsampling = true;
    const fixed = new TrainingSession(g.backend, { timeBudgetSec: 10, maxSteps: 400, clock: g.clock, fitDecayToBudget: true });
    while ((await fixed.runSlice(1000)) === 'more');
    expect(gc.upsampleSteps).toEqual([100, 300]);
    // and a configuration that does not fit its upsampling (bounded scenes) keeps its steps under a time budget
    const h = fake(20);
    const hc = h.trainer.config as { decaySteps: number; upsampleSteps: number[]; fitUpsampling: boolean };
    hc.decaySteps = 3000; hc.upsampleSteps = [100, 300]; hc.fitUpsampling = false;
    const plain = new TrainingSession(h.backend, { timeBudgetSec: 10, clock: h.clock, fitDecayToBudget: true });
    while ((await plain.runSlice(1000)) === 'more');
    expect(hc.upsampleSteps).toEqual([100, 300]);
    expect(hc.decaySteps).toBe(500);
  });

  it('stops at a time budget, counting only time spent training (pauses between slices are not)', async () => {
    const f = fake(10);
    const s = new TrainingSession(f.backend, { timeBudgetSec: 1, clock: f.clock });
    expect(await s.runSlice(50)).toBe('more');
    expect(f.trainer.step).toBe(5); // a 50 ms slice of 10 ms steps
    f.advance(60_000); // paused for a minute
    expect(s.seconds).toBeCloseTo(0.05, 9);
    let end = 'more';
    while (end === 'more') end = await s.runSlice(50);
    expect(end).toBe('budget');
    expect(f.trainer.step).toBe(100);
    expect(s.seconds).toBeCloseTo(1, 9);
  });

  it('a stop request ends the slice after the step in progress', async () => {
    const f = fake(10);
    const s = new TrainingSession(f.backend, { clock: f.clock });
    await s.runSlice(30);
    s.requestStop();
    const before = f.trainer.step;
    expect(await s.runSlice(1e9)).toBe('stopped');
    expect(f.trainer.step).toBe(before);
    expect(s.stopping).toBe(true);
  });

  it('a snapshot is due every snapshotEverySec of training, once each time', async () => {
    const f = fake(10);
    const s = new TrainingSession(f.backend, { snapshotEverySec: 0.1, maxSteps: 35, clock: f.clock });
    const dueAt: number[] = [];
    let end = 'more';
    while (end === 'more') {
      end = await s.runSlice(10); // one step per slice
      if (s.takeSnapshotDue()) dueAt.push(f.trainer.step);
    }
    expect(dueAt).toEqual([10, 20, 30]);
    expect(s.takeSnapshotDue()).toBe(false);
  });

  it('progress: smoothed PSNR, rays/s, ETA from the nearer budget', async () => {
    const f = fake(10);
    const s = new TrainingSession(f.backend, { maxSteps: 200, timeBudgetSec: 1.5, clock: f.clock });
    await s.runSlice(500); // 50 steps in 0.5 s
    const p = s.progress();
    expect(p.step).toBe(50);
    expect(p.raysPerSec).toBeCloseTo((50 * 100) / 0.5, 6);
    expect(p.eta).toBeCloseTo(1.0, 6); // the time budget ends first (150 more steps would take 1.5 s)
    expect(p.psnr).toBeGreaterThan(14); // EMA of alternating 10/20 settles near 15
    expect(p.psnr).toBeLessThan(16);
    expect(p.resolution).toBe(16);
  });

  it('trainConfigFor: the user choices over the defaults; the step budget sets the decay length', () => {
    const c = trainConfigFor({ model: 'dense', resolution: 48, seed: 3, maxSteps: 500 });
    expect(c).toMatchObject({ seed: 3, decaySteps: 500, field: { model: 'dense', resolution: 48 } });
    expect(c.batchRays).toBe(TRAIN_DEFAULTS.batchRays);
    expect(trainConfigFor({ model: 'hash', resolution: 64, seed: 0, maxSteps: 0 }).decaySteps).toBe(TRAIN_DEFAULTS.decaySteps);
  });

  it('trainConfigFor: captured scenes get the budget-fitted upsampling, unbounded ones the distortion loss too', () => {
    const at = (space?: 'bounded' | 'unbounded' | 'forward') => {
      const c = trainConfigFor({ model: 'dense', resolution: 48, seed: 0, maxSteps: 0, space });
      return { fit: c.fitUpsampling, distortion: c.distortion, step: c.field.stepVoxels };
    };
    expect(at()).toEqual({ fit: false, distortion: 0, step: TRAIN_DEFAULTS.field.stepVoxels });
    expect(at('bounded')).toEqual(at());
    expect(at('unbounded')).toEqual({ fit: true, distortion: 0.01, step: TRAIN_DEFAULTS.field.stepVoxels });
    expect(at('forward')).toEqual({ fit: true, distortion: 0, step: 1 });
  });
});
