import { describe, expect, it } from 'vitest';
import { loadDemoScene } from '../../../datasets/demo/DemoScene';
import { Trainer, TRAIN_DEFAULTS, type TrainConfig } from '../../../core/train/Trainer';
import { trainDataFromScene, loadViews } from '../../../core/train/data';
import { decodeSnapshot } from '../../../core/io/snapshot';
import { FIELD_DEFAULTS } from '../../../core/field/RadianceField';
import type { GridKind } from '../../../core/field/GridModel';

function config(model: GridKind, extra: Partial<TrainConfig> = {}): TrainConfig {
  return {
    ...TRAIN_DEFAULTS, batchRays: 256, seed: 5, decaySteps: 200, upsampleSteps: [2], occupancyWarmup: 3, occupancyEvery: 2,
    field: { ...FIELD_DEFAULTS, model, resolution: 12, colorChannels: 4, decoderHidden: [16], viewFreqs: 2, alphaInit: 1e-2,
      mulfa: { L: 2, M: 2, H: 6, omegaScale: 4 }, hash: { levels: 3, log2TableSize: 8, minResolution: 4 }, occupancyRes: 8 },
    ...extra,
  };
}

const scene = loadDemoScene({ size: 24, train: 8, val: 0, test: 2 });

describe('trainer', () => {
  it('resumes from a snapshot exactly (across upsampling and occupancy refresh)', async () => {
    const data = await trainDataFromScene(scene);
    for (const model of ['dense', 'mulfagrid'] as const) {
      const a = new Trainer(config(model), data);
      for (let i = 0; i < 3; i++) a.trainStep();
      const bytes = a.toSnapshot();
      for (let i = 0; i < 3; i++) a.trainStep();
      const b = Trainer.fromSnapshot(decodeSnapshot(bytes, 'x.mulfa'), 'x.mulfa', data);
      expect(b.step).toBe(3);
      for (let i = 0; i < 3; i++) b.trainStep();
      const pa = a.namedParams(), pb = b.namedParams();
      expect(pb.map(([n]) => n)).toEqual(pa.map(([n]) => n));
      pa.forEach(([name, p], j) => expect(Array.from(pb[j][1].data), name).toEqual(Array.from(p.data)));
      expect(Array.from(b.field.occupancy.cells)).toEqual(Array.from(a.field.occupancy.cells));
    }
  });

  it('Adam over the rows the backward touched trains exactly as Adam over the whole grid (every model, density TV on)', async () => {
    const data = await trainDataFromScene(scene);
    for (const model of ['dense', 'mulfagrid', 'hash', 'fouriergrid'] as const) {
      const cfg = config(model, { tvDensity: 1e-4, field: { ...config(model).field, colorWeightThreshold: 1e-3 } }); // some samples skip colour
      const a = new Trainer(cfg, data), b = new Trainer(cfg, data);
      expect(a.field.color.features.touched, model).toBeDefined();
      for (let i = 0; i < 6; i++) {
        for (const p of [b.field.density.features, b.field.color.features]) p.touched = undefined; // (upsampling makes new tables)
        const ra = a.trainStep(), rb = b.trainStep();
        expect(ra.colorSamples, model).toBeLessThanOrEqual(ra.samples);
        expect(rb.loss, model).toBe(ra.loss);
      }
      const pa = a.namedParams(), pb = b.namedParams();
      pa.forEach(([name, p], j) => expect(Array.from(pb[j][1].data), `${model} ${name}`).toEqual(Array.from(p.data)));
    }
  });

  it('refuses corrupt and truncated snapshots with a clear error', async () => {
    const t = new Trainer(config('dense'), await trainDataFromScene(scene));
    const bytes = t.toSnapshot();
    expect(() => decodeSnapshot(bytes.subarray(0, bytes.length - 100), 's.mulfa')).toThrow(/s\.mulfa.*(corrupt|truncated)/);
    const flipped = bytes.slice();
    flipped[Math.floor(bytes.length / 2)] ^= 1;
    expect(() => decodeSnapshot(flipped, 's.mulfa')).toThrow(/CRC mismatch/);
    expect(() => decodeSnapshot(new TextEncoder().encode('hello world, not a snapshot'), 's.mulfa')).toThrow(/not a MulFA snapshot/);
    const v2 = bytes.slice();
    new DataView(v2.buffer).setUint32(8, 99, true);
    expect(() => decodeSnapshot(v2, 's.mulfa')).toThrow(/version 99/);
  });

  it('learns: held-out PSNR rises above the empty-scene PSNR on the demo scene', async () => {
    const data = await trainDataFromScene(scene);
    const held = await loadViews(scene, scene.splits.test);
    const t = new Trainer(config('dense', { batchRays: 512, upsampleSteps: [20], decaySteps: 400 }), data);
    const before = held.map((v) => t.evaluate(v).psnr).reduce((a, b) => a + b) / held.length;
    for (let i = 0; i < 60; i++) t.trainStep();
    const after = held.map((v) => t.evaluate(v).psnr).reduce((a, b) => a + b) / held.length;
    expect(after).toBeGreaterThan(before + 3);
  }, 120_000);
});
