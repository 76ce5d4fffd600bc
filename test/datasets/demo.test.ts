import { describe, expect, it } from 'vitest';
import { loadDemoScene, renderDemoView, traceDemoRay, lookAt, demoCameras, demoHitDistance } from '../../datasets/demo/DemoScene';
import { projectPoint } from '../../core/scene/Camera';

describe('demo scene', () => {
  it('is deterministic', async () => {
    const a = await loadDemoScene({ size: 32 }).loadImage(7);
    const b = await loadDemoScene({ size: 32 }).loadImage(7);
    expect(a.data).toEqual(b.data);
  });

  it('ground truth for any pose: the sphere centre is covered, a ray past everything is transparent', () => {
    const cam = lookAt([3, -2, 1.5], [0, 0, 0.3], 33, 33, 0.5);
    const img = renderDemoView(cam);
    const px = [0, 0];
    projectPoint(cam, [0, 0, 0.3], px);
    const i = (Math.floor(px[1]) * 33 + Math.floor(px[0])) * 4;
    expect(img.data[i + 3]).toBe(1);
    expect(img.data[3]).toBe(0); // corner looks past the objects
    const c = [0, 0, 0];
    expect(traceDemoRay([0, 0, 5], [0, 0, -1], c)).toBe(1); // straight down onto the sphere top
    expect(traceDemoRay([5, 5, 5], [0, 0, 1], c)).toBe(0);
  });

  it('hits the analytic shapes at their analytic distances', () => {
    expect(demoHitDistance([0, 0, 2], [0, 0, -1])).toBeCloseTo(2 - 0.8, 9);          // sphere top at z = 0.8
    expect(demoHitDistance([0.45, -0.5, 2], [0, 0, -1])).toBeCloseTo(2 + 0.25, 9);    // box top at z = −0.25
    expect(demoHitDistance([-0.8, 0.35, 2], [0, 0, -1])).toBeCloseTo(2 + 0.31, 5);    // torus tube top at z = −0.31
    expect(demoHitDistance([3, 3, 3], [0, 0, 1])).toBe(Infinity);
  });

  it('shading depends on the view direction (specular), so a view-dependent decoder is needed', () => {
    // the same surface point (top of the sphere) seen from two directions
    const p = [0, 0, 0.8];
    const from = (eye: number[]) => {
      const d = [p[0] - eye[0], p[1] - eye[1], p[2] - eye[2]], n = Math.hypot(d[0], d[1], d[2]);
      const c = [0, 0, 0];
      traceDemoRay(eye as [number, number, number], [d[0] / n, d[1] / n, d[2] / n], c);
      return c;
    };
    const a = from([1.2, -1, 2.5]), b = from([-2, 1.5, 1.5]);
    expect(Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]) + Math.abs(a[2] - b[2])).toBeGreaterThan(0.05);
  });

  it('has an alpha mask with soft (supersampled) edges and white background metadata', async () => {
    const s = loadDemoScene({ size: 48 });
    expect(s.background).toEqual([1, 1, 1]);
    const img = await s.loadImage(0);
    const alphas = new Set<number>();
    for (let i = 3; i < img.data.length; i += 4) alphas.add(img.data[i]);
    expect(alphas.has(0)).toBe(true);
    expect(alphas.has(1)).toBe(true);
    expect([...alphas].some((a) => a > 0 && a < 1)).toBe(true);
    const covered = [...img.data.filter((_, i) => i % 4 === 3)].reduce((a, b) => a + b, 0) / (48 * 48);
    expect(covered).toBeGreaterThan(0.1);
    expect(covered).toBeLessThan(0.6);
  });

  it('train views differ from test views, and all look at the objects', () => {
    const { cameras, splits } = demoCameras();
    const px = [0, 0];
    for (const c of cameras) {
      expect(projectPoint(c, [0, 0, 0], px)).toBe(true);
      expect(px[0]).toBeCloseTo(c.cx, 6);
    }
    const key = (i: number) => Array.from(cameras[i].c2w.subarray(12, 15)).map((x) => x.toFixed(3)).join();
    const train = new Set(splits.train.map(key));
    for (const i of splits.test) expect(train.has(key(i))).toBe(false);
  });
});
