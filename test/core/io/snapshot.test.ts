// Crafted snapshot headers: each is refused with an InputError naming the file and the field, before the
// reader allocates anything big from it (the cases that used to allocate hundreds of MB or load garbage).
import { describe, expect, it } from 'vitest';
import { Trainer, TRAIN_DEFAULTS, type TrainConfig } from '../../../core/train/Trainer';
import { FIELD_DEFAULTS } from '../../../core/field/RadianceField';
import { trainDataFromScene } from '../../../core/train/data';
import { decodeSnapshot } from '../../../core/io/snapshot';
import { isInputError } from '../../../core/errors';
import { loadDemoScene } from '../../../datasets/demo/DemoScene';
import { gridRows, estimateMemory } from '../../../core/train/memory';
import { editSnapshot, splitSnapshot, joinSnapshot } from '../../fixtures/snapshots';
import type { GridKind } from '../../../core/field/GridModel';

function config(model: GridKind = 'dense'): TrainConfig {
  return { ...TRAIN_DEFAULTS, batchRays: 64, upsampleSteps: [2], occupancyWarmup: 1, occupancyEvery: 1,
    field: { ...FIELD_DEFAULTS, model, resolution: 12, colorChannels: 4, decoderHidden: [8], viewFreqs: 1,
      mulfa: { L: 2, M: 2, H: 6, omegaScale: 4 }, hash: { levels: 3, log2TableSize: 8, minResolution: 4 }, occupancyRes: 8 } };
}

const scene = loadDemoScene({ size: 16, train: 4, val: 0, test: 0 });
const data = await trainDataFromScene(scene);
const cams = [{ name: 'a', c2w: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 4, 1], width: 16, height: 16, fx: 20, fy: 20, cx: 8, cy: 8, distortion: null }];
const good = (() => { const t = new Trainer(config(), data); t.trainStep(); t.trainStep(); t.trainStep(); return t.toSnapshot({ cameras: cams }); })();

/** Loads crafted bytes as the CLI and the app's worker do; returns the error (or null when it loaded). */
function load(bytes: Uint8Array): Error | null {
  try {
    Trainer.fromSnapshot(decodeSnapshot(bytes, 'bad.mulfa'), 'bad.mulfa', null).dispose();
    return null;
  } catch (e) {
    return e as Error;
  }
}

function expectRefused(bytes: Uint8Array, ...fields: (string | RegExp)[]): void {
  const heap0 = process.memoryUsage().arrayBuffers;
  const e = load(bytes);
  expect(e, 'should be refused').not.toBeNull();
  expect(isInputError(e), `an InputError, got ${e}`).toBe(true);
  expect(e!.message).toMatch(/^bad\.mulfa, /);
  for (const f of fields) expect(e!.message).toMatch(f);
  // nothing big was allocated on the way to the error
  expect(process.memoryUsage().arrayBuffers - heap0).toBeLessThan(64 * 2 ** 20);
}

describe('snapshot header validation', () => {
  it('a valid snapshot loads, with its stored cameras', () => {
    const t = Trainer.fromSnapshot(decodeSnapshot(good, 'ok.mulfa'), 'ok.mulfa', null);
    expect(t.step).toBe(3);
    expect((t.meta.cameras as unknown[]).length).toBe(1);
  });

  it('grid sizes the configuration implies match the model classes', () => {
    for (const model of ['dense', 'mulfagrid', 'fouriergrid', 'hash'] as const) {
      const t = new Trainer(config(model), data);
      expect(t.field.color.features.data.length, model).toBe(gridRows(t.config.field, t.field.color.resolution) * 4);
      t.dispose();
    }
  });

  it('sizes that would allocate hundreds of MB are refused before allocating', () => {
    expectRefused(editSnapshot(good, (h) => { h.config.field.occupancyRes = 700; }), 'config.field.occupancyRes', 'between 1 and 512');
    expectRefused(editSnapshot(good, (h) => { h.config.field.occupancyRes = 400; }), 'field.occupancy', 'configuration implies 64000000');
    expectRefused(editSnapshot(good, (h) => { h.config.field.resolution = 40000; }), 'config.field.resolution');
    expectRefused(editSnapshot(good, (h) => { h.config.field.resolution = 200; h.resolution = 200; }), 'field.density.features', 'implies 8000000');
    expectRefused(editSnapshot(good, (h) => { h.config.field.decoderHidden = [1024, 1024, 1024, 1024, 1024]; }), 'config.field.decoderHidden', 'at most 4');
    expectRefused(editSnapshot(good, (h) => { h.config.batchRays = 65536; h.config.field.stepVoxels = 0.05; h.config.field.resolution = 1024; }),
      'config', /GiB of engine memory/);
    expect(estimateMemory(config())).toBeLessThan(64 * 2 ** 20);
  });

  it('array tables that alias, misalign or leave the file are refused', () => {
    expectRefused(editSnapshot(good, (h) => {
      const a = h.arrays[0];
      for (let i = 0; i < 300; i++) h.arrays.push({ ...a, name: `alias.${i}` });
    }), 'overlaps');
    expectRefused(editSnapshot(good, (h) => { h.arrays[1].offset += 0.5; }), 'arrays[1].offset', 'whole number');
    expectRefused(editSnapshot(good, (h) => { h.arrays[1].offset += 4; }), 'arrays[1].offset', 'multiple of 8');
    expectRefused(editSnapshot(good, (h) => { h.arrays[1].offset = -8; }), 'arrays[1].offset');
    expectRefused(editSnapshot(good, (h) => { h.arrays[2].length = 1e9; }), 'arrays[2].length');
    expectRefused(editSnapshot(good, (h) => { h.arrays[2].length += 40000; }), h0(2), 'outside the file');
    expectRefused(editSnapshot(good, (h) => { h.arrays[1].dtype = 'f64'; }), 'arrays[1].dtype');
    expectRefused(editSnapshot(good, (h) => { h.arrays.push({ ...h.arrays[0] }); }), 'appears twice');
    expectRefused(editSnapshot(good, (h) => { delete h.arrays; }), /arrays: must be an array/);
    expectRefused(editSnapshot(good, (h) => { h.arrays = h.arrays.filter((a: { name: string }) => a.name !== 'opt.net.v.0'); }), 'opt.net.v.0', 'missing');
    expectRefused(joinSnapshot(splitSnapshot(good), '[1,2,3]'), 'header: must be a JSON object');
  });

  it('values the engine would train on are checked', () => {
    const poison = (name: string, value: number) => editSnapshot(good, (h, blob) => {
      const a = h.arrays.find((x: { name: string }) => x.name === name);
      new DataView(blob.buffer).setFloat32(a.offset, value, true);
    });
    expectRefused(poison('field.density.features', NaN), 'field.density.features', 'value 0 is NaN');
    expectRefused(poison('opt.grid.v.0', -1), 'opt.grid.v.0');
    expectRefused(editSnapshot(good, (h, blob) => {
      const a = h.arrays.find((x: { name: string }) => x.name === 'opt.grid.t.0');
      new DataView(blob.buffer).setInt32(a.offset, 1e9, true);
    }), 'opt.grid.t.0', 'between 0 and');
    expectRefused(editSnapshot(good, (h) => { h.optSteps.grid = 5e9; }), 'optSteps.grid');
    expectRefused(editSnapshot(good, (h) => { h.step = -1; }), 'step');
    expectRefused(editSnapshot(good, (h) => { h.rng = [0, 0, 0, 0]; }), 'rng');
    expectRefused(editSnapshot(good, (h) => { h.config.field.model = 'nerf'; }), 'config.field.model', 'must be one of');
    expectRefused(editSnapshot(good, (h) => { delete h.config.lrGrid; }), 'config.lrGrid', 'finite number');
  });

  it('the scene and the stored cameras are checked', () => {
    expectRefused(editSnapshot(good, (h) => { h.scene.near = 5; h.scene.far = 2; }), 'scene.far', 'greater than scene.near');
    expectRefused(editSnapshot(good, (h) => { h.scene.aabb = [[0, 0, 0], [1, -1, 1]]; }), 'scene.aabb');
    expectRefused(editSnapshot(good, (h) => { h.scene.background = [0, 2, 0]; }), 'scene.background[1]');
    expectRefused(editSnapshot(good, (h) => { h.cameras[0].fy = -5; }), 'cameras[0].fy');
    expectRefused(editSnapshot(good, (h) => { h.cameras[0].width = 1e6; }), 'cameras[0].width');
    expectRefused(editSnapshot(good, (h) => { h.cameras[0].c2w[3] = 'x'; }), 'cameras[0].c2w[3]');
    expectRefused(editSnapshot(good, (h) => { h.cameras[0].distortion = { model: 'opencv', k1: 0 }; }), 'cameras[0].distortion.k2');
  });
});

function h0(i: number): string {
  return splitSnapshot(good).header.arrays[i].name;
}
