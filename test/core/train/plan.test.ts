// One algorithm, two drivers (core/train/plan.ts): the training step written once runs the same whether its passes
// return values (the CPU, runSync) or promises (as WebGPU's do, runAsync).
import { describe, expect, it } from 'vitest';
import { runAsync, runSync } from '../../../core/train/plan';
import { Trainer, TRAIN_DEFAULTS, type StepPasses, type TrainData } from '../../../core/train/Trainer';
import { loadDemoScene } from '../../../datasets/demo/DemoScene';
import { trainDataFromScene } from '../../../core/train/data';

describe('plans', () => {
  it('runSync refuses a pass that returns a promise; runAsync awaits it', async () => {
    function* plan(pass: () => unknown) { return ((yield pass()) as number) + 1; }
    expect(runSync(plan(() => 1))).toBe(2);
    expect(() => runSync(plan(() => Promise.resolve(1)))).toThrow(/runAsync/);
    expect(await runAsync(plan(() => Promise.resolve(41)))).toBe(42);
  });

  it('the training step through promise-returning passes is the synchronous step, value for value', async () => {
    const data: TrainData = await trainDataFromScene(loadDemoScene({ size: 24, train: 6, val: 0, test: 0 }));
    const config = { ...TRAIN_DEFAULTS, batchRays: 256, upsampleSteps: [3], occupancyWarmup: 2, occupancyEvery: 2,
      field: { ...TRAIN_DEFAULTS.field, model: 'mulfagrid' as const, resolution: 16, decoderHidden: [16],
        mulfa: { L: 2, M: 2, H: 6, omegaScale: 4 } } };
    const a = new Trainer(config, data), b = new Trainer(config, data);
    const p = b.cpuPasses, later = <T>(x: T | PromiseLike<T>) => new Promise<T>((r) => setTimeout(() => r(x), 0));
    const asyncPasses: StepPasses = { ...p, upsample: () => later(p.upsample()), refreshOccupancy: () => later(p.refreshOccupancy()),
      render: (batch, target, view) => later(p.render(batch, target, view)), reportedLoss: () => later(p.reportedLoss()) };
    for (let i = 0; i < 6; i++) {
      const ra = a.trainStep(), rb = await runAsync(b.stepPlan(asyncPasses));
      expect(rb).toEqual(ra);
    }
    expect(b.field.density.resolution).toBe(a.field.density.resolution); // upsampled at step 3 on both
    expect(a.field.density.resolution).toBe(16);
    expect(Array.from(b.field.color.features.data)).toEqual(Array.from(a.field.color.features.data));
    expect(Array.from(b.field.kernels[0].a.data)).toEqual(Array.from(a.field.kernels[0].a.data));
  });
});
