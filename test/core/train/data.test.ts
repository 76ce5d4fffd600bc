// Training views of captured photos are kept as 8-bit (a quarter of the memory of floats): the bytes are the
// files' own, the trainer's targets are those bytes / 255, and evaluation views stay floats.
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { decode as decodePng } from 'fast-png';
import { TempDir, writeForwardDemo } from '../../fixtures/datasets';
import { loadScene, loadDemo } from '../../../datasets/load';
import { NodeFS } from '../../../datasets/node/NodeFS';
import { trainDataFromScene, loadViews, evalIndices } from '../../../core/train/data';
import { Trainer, TRAIN_DEFAULTS, viewRgb } from '../../../core/train/Trainer';

const d = new TempDir();
afterAll(() => d.dispose());

describe('training views in memory', () => {
  it('captured photos: 8-bit, byte for byte the files; targets are bytes / 255; held-out views floats', async () => {
    writeForwardDemo(d, 8, 24, 18);
    const scene = await loadScene(new NodeFS(d.path('')), { holdout: 4 });
    const data = await trainDataFromScene(scene);
    expect(data.views).toHaveLength(6);
    for (const [k, i] of scene.splits.train.entries()) {
      const v = data.views[k];
      expect(v.rgb).toBeInstanceOf(Uint8Array);
      const png = decodePng(readFileSync(d.path(scene.views[i].name)));
      expect(Array.from(v.rgb)).toEqual(Array.from(png.data as Uint8Array));
    }
    const held = await loadViews(scene, evalIndices(scene));
    expect(held[0].rgb).toBeInstanceOf(Float32Array);
    // the trainer's targets are the pixels as floats
    const t = new Trainer({ ...TRAIN_DEFAULTS, batchRays: 64, field: { ...TRAIN_DEFAULTS.field, resolution: 16 } }, data);
    const { target } = t.sampleRays();
    const floats = data.views.map(viewRgb);
    for (let i = 0; i < 64 * 3; i++) {
      expect(floats.some((f) => f.some((x) => Math.abs(x - target[i]) < 1e-7))).toBe(true);
    }
    expect(target.every((x) => Number.isInteger(Math.round(x * 255)) && Math.abs(x * 255 - Math.round(x * 255)) < 1e-4)).toBe(true);
    t.dispose();
  });

  it('synthetic scenes (composited on a background) stay floats', async () => {
    const data = await trainDataFromScene(loadDemo({ downscale: 8 }));
    expect(data.views[0].rgb).toBeInstanceOf(Float32Array);
  });
});
