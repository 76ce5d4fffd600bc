import { afterAll, describe, expect, it } from 'vitest';
import { NodeFS } from '../../datasets/node/NodeFS';
import { loadScene } from '../../datasets/load';
import { TempDir, writeBlender, writeNgp, writeLlff, writeColmap, testPixels } from '../fixtures/datasets';
import { runMain } from '../cli/run';

const dirs: TempDir[] = [];
afterAll(() => dirs.forEach((d) => d.dispose()));
function temp(): TempDir { const d = new TempDir(); dirs.push(d); return d; }

async function info(args: string[]) {
  const r = await runMain(['info', ...args, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

describe('Blender', () => {
  it('reads all three splits, size, focal, white background, and images with alpha', async () => {
    const d = temp();
    writeBlender(d, { train: 4, val: 2, test: 3 }, 40);
    const j = await info([d.path()]);
    expect(j).toMatchObject({ format: 'blender', images: 9, splits: { train: 4, val: 2, test: 3 }, width: 40, height: 40,
      cx: 20, cy: 20, distortion: null, near: 2, far: 6, aabb: [[-1.5, -1.5, -1.5], [1.5, 1.5, 1.5]] });
    expect(j.fx).toBeCloseTo(20 / Math.tan(0.345), 9);
    const scene = await loadScene(new NodeFS(d.path()));
    expect(scene.background).toEqual([1, 1, 1]);
    const img = await scene.loadImage(0);
    expect(img.hasAlpha).toBe(true);
    const px = testPixels(40, 40, 0);
    expect(img.data[0]).toBeCloseTo(px[0] / 255, 6);
    expect(img.data[3]).toBe(px[3] / 255);
  });

  it('a file inside the folder selects it; downscale divides size and intrinsics', async () => {
    const d = temp();
    writeBlender(d, { train: 5 }, 40);
    const j = await info([d.path('transforms_train.json'), '--downscale', '4']);
    expect(j).toMatchObject({ format: 'blender', width: 10, height: 10, cx: 5, cy: 5, splits: { train: 5, val: 0, test: 0 } });
    expect(j.fx).toBeCloseTo(5 / Math.tan(0.345), 9);
  });

  it('--holdout k moves views i % k == k − 1 of a train-only scene to test', async () => {
    const d = temp();
    writeBlender(d, { train: 10 }, 16);
    const scene = await loadScene(new NodeFS(d.path()), { holdout: 5 });
    expect(scene.splits).toEqual({ train: [0, 1, 2, 3, 5, 6, 7, 8], val: [], test: [4, 9] });
    const j = await info([d.path(), '--holdout', '3']);
    expect(j.splits).toEqual({ train: 7, val: 0, test: 3 });
  });

  it('a scene with its own test split keeps it under --holdout', async () => {
    const d = temp();
    writeBlender(d, { train: 4, test: 2 }, 16);
    expect((await info([d.path(), '--holdout', '2'])).splits).toEqual({ train: 4, val: 0, test: 2 });
  });
});

describe('instant-ngp / nerfstudio', () => {
  it('reads intrinsics, distortion, and the box from aabb_scale/scale/offset', async () => {
    const d = temp();
    writeNgp(d, { n: 6, distortion: { k1: -0.1, k2: 0.02, p1: 0.001, p2: 0 }, extra: { scale: 0.5, offset: [0.5, 0.6, 0.7] } });
    const j = await info([d.path()]);
    expect(j).toMatchObject({ format: 'ngp', images: 6, splits: { train: 6, val: 0, test: 0 }, width: 48, height: 36,
      fx: 40, fy: 40.4, cx: 24.7, cy: 17.6, distortion: { k1: -0.1, k2: 0.02, p1: 0.001 }, fisheye: false });
    // world x <- ngp z (offset 0.7), world y <- ngp x (0.5), world z <- ngp y (0.6); half-size aabb_scale/2/scale = 4
    const c = [(0.5 - 0.7) / 0.5, (0.5 - 0.5) / 0.5, (0.5 - 0.6) / 0.5];
    for (let k = 0; k < 3; k++) {
      expect(j.aabb[0][k]).toBeCloseTo(c[k] - 4, 9);
      expect(j.aabb[1][k]).toBeCloseTo(c[k] + 4, 9);
    }
    expect(j.near).toBeGreaterThan(0);
    expect(j.far).toBeGreaterThan(j.near);
    // photos without alpha from cameras all around: unbounded, the foreground is instant-ngp's unit cube (half 0.5/scale)
    expect(j.space.kind).toBe('unbounded');
    expect(j.space.fg.half).toBeCloseTo(1, 9);
    for (let k = 0; k < 3; k++) expect(j.space.fg.centre[k]).toBeCloseTo(c[k], 9);
    expect((await info([d.path(), '--scene', 'bounded'])).space).toMatchObject({ kind: 'bounded', box: j.aabb });
  });

  it('downscale scales fl, c and size; JPEG frames; fisheye flag', async () => {
    const d = temp();
    writeNgp(d, { n: 3, jpeg: true, fisheye: true, distortion: { k1: 0.01 } });
    const j = await info([d.path(), '--downscale', '2']);
    expect(j).toMatchObject({ width: 24, height: 18, fx: 20, fy: 20.2, cx: 12.35, cy: 8.8, distortion: { k1: 0.01 }, fisheye: true });
  });

  it('camera_angle_x without fl_x, and nerfstudio split lists', async () => {
    const d = temp();
    writeNgp(d, { n: 4, extra: { fl_x: undefined, fl_y: undefined, camera_angle_x: 1.2,
      train_filenames: ['images/frame_0000.png', 'images/frame_0002.png', 'images/frame_0003.png'], test_filenames: ['images/frame_0001.png'] } });
    const j = await info([d.path()]);
    expect(j.fx).toBeCloseTo(24 / Math.tan(0.6), 9);
    expect(j.fy).toBeCloseTo(j.fx, 12);
    expect(j.splits).toEqual({ train: 3, val: 0, test: 1 });
  });
});

describe('LLFF', () => {
  it('reads poses_bounds.npy with images/, bounds as near/far', async () => {
    const d = temp();
    writeLlff(d, 5);
    const j = await info([d.path()]);
    expect(j).toMatchObject({ format: 'llff', images: 5, width: 64, height: 48, fx: 50, fy: 50, cx: 32, cy: 24, near: 2, far: 5, distortion: null });
  });

  it('uses images_4/ for --downscale 4 and falls back to downscaling images/ otherwise', async () => {
    const d = temp();
    writeLlff(d, 3, { images4: true });
    const scene = await loadScene(new NodeFS(d.path()), { downscale: 4 });
    expect(scene.views[0].name).toMatch(/^images_4\//);
    expect(scene.views[0].camera).toMatchObject({ width: 16, height: 12, fx: 12.5, cx: 8 });
    expect((await scene.loadImage(0)).width).toBe(16);
    const s2 = await loadScene(new NodeFS(d.path()), { downscale: 2 });
    expect(s2.views[0].name).toMatch(/^images\//);
    expect(s2.views[0].camera).toMatchObject({ width: 32, height: 24, fx: 25 });
    expect((await s2.loadImage(1)).height).toBe(24);
  });
});

describe('COLMAP', () => {
  for (const binary of [false, true]) {
    it(`${binary ? 'binary' : 'text'} model: images sorted by name, box from the points`, async () => {
      const d = temp();
      writeColmap(d, { binary, n: 5 });
      const j = await info([d.path()]);
      expect(j).toMatchObject({ format: 'colmap', images: 5, width: 48, height: 36, fx: 40, fy: 41, cx: 24.5, cy: 17.5 });
      // points lie within ±0.8 × ±0.8 × ±0.5
      expect(j.aabb[0][2]).toBeGreaterThan(-0.7);
      expect(j.aabb[1][0]).toBeLessThan(1.0);
      expect(j.aabb[1][0]).toBeGreaterThan(0.6);
      // cameras on a ring looking in: unbounded around the point they look at (the ring's target), half the camera distance
      expect(j.space.kind).toBe('unbounded');
      [0.1, -0.05, 0.2].forEach((x, k) => expect(j.space.fg.centre[k]).toBeCloseTo(x, 6));
      expect(j.space.fg.half).toBeGreaterThan(1.8); expect(j.space.fg.half).toBeLessThan(2.2);
      const scene = await loadScene(new NodeFS(d.path()));
      expect(scene.views.map((v) => v.name)).toEqual(['images/img_00.jpg', 'images/img_01.jpg', 'images/img_02.jpg', 'images/img_03.jpg', 'images/img_04.jpg']);
    });
  }
});

describe('demo', () => {
  it('is a Blender-like scene with three splits', async () => {
    const j = await info(['demo']);
    expect(j).toMatchObject({ format: 'demo', images: 75, splits: { train: 60, val: 5, test: 10 }, width: 128, height: 128, cx: 64 });
  });
});
