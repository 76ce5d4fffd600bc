import { describe, expect, it } from 'vitest';
import { distortPoint, undistortPoint, makeDistortion, projectPoint, pixelRay, scaleCamera, type Camera } from '../../core/scene/Camera';
import { mat4 } from 'gl-matrix';
import { mat4FromQuatTrans, invertPose } from '../../core/math/mat4';

describe('distortion', () => {
  const models = [
    makeDistortion('opencv', { k1: -0.28, k2: 0.07, p1: 0.001, p2: -0.0005, k3: -0.01 })!,
    makeDistortion('opencv', { k1: 0.1, k2: 0.02, k4: 0.001 })!,
    makeDistortion('fisheye', { k1: 0.05, k2: -0.02, k3: 0.004, k4: -0.001 })!,
  ];
  it('undistort inverts distort across the image', () => {
    const o = [0, 0], back = [0, 0];
    for (const d of models) {
      for (let x = -0.7; x <= 0.7; x += 0.1) {
        for (let y = -0.5; y <= 0.5; y += 0.1) {
          distortPoint(d, x, y, o);
          undistortPoint(d, o[0], o[1], back);
          expect(Math.abs(back[0] - x) + Math.abs(back[1] - y)).toBeLessThan(1e-10);
        }
      }
    }
  });
  it('all-zero OpenCV coefficients are no distortion; fisheye with zero coefficients is not', () => {
    expect(makeDistortion('opencv', {})).toBeNull();
    expect(makeDistortion('fisheye', {})).not.toBeNull();
    const o = [0, 0];
    distortPoint(makeDistortion('fisheye', {})!, 1, 0, o);
    expect(o[0]).toBeCloseTo(Math.PI / 4, 12); // θ = atan(1)
  });
});

describe('projection and rays', () => {
  const cam: Camera = {
    c2w: invertPose(mat4FromQuatTrans(0.9, 0.1, -0.3, 0.2, 0.3, -0.2, 3)),
    width: 64, height: 48, fx: 50, fy: 52, cx: 31.5, cy: 24.5,
    distortion: makeDistortion('opencv', { k1: -0.1, p1: 0.002 }),
  };
  it('a pixel ray passes through the point that projects to that pixel; rays are unit length', () => {
    const o = [0, 0, 0], d = [0, 0, 0, 0], px = [0, 0];
    for (const [u, v] of [[0, 0], [64, 48], [10.25, 33.5], [31.5, 24.5]]) {
      pixelRay(cam, u, v, o, d);
      expect(Math.hypot(d[0], d[1], d[2])).toBeCloseTo(1, 12);
      const p = [o[0] + 2.5 * d[0], o[1] + 2.5 * d[1], o[2] + 2.5 * d[2]];
      expect(projectPoint(cam, p, px)).toBe(true);
      expect(px[0]).toBeCloseTo(u, 8);
      expect(px[1]).toBeCloseTo(v, 8);
    }
  });
  it('d[3] converts distance along the ray into depth', () => {
    const o = [0, 0, 0], d = [0, 0, 0, 0];
    pixelRay({ ...cam, distortion: null }, 0, 0, o, d);
    const fwd = [-cam.c2w[8], -cam.c2w[9], -cam.c2w[10]];
    expect(d[0] * fwd[0] + d[1] * fwd[1] + d[2] * fwd[2]).toBeCloseTo(d[3], 12);
  });
  it('scaling keeps pixel edges aligned: pixel corner (n·u) maps to corner u', () => {
    const s = scaleCamera({ ...cam, distortion: null }, 4);
    expect(s).toMatchObject({ width: 16, height: 12, fx: 12.5, cx: 31.5 / 4 });
    const p = [0.1, 0.2, 0.3], a = [0, 0], b = [0, 0];
    projectPoint({ ...cam, distortion: null }, p, a);
    projectPoint(s, p, b);
    expect(b[0]).toBeCloseTo(a[0] / 4, 10);
    expect(b[1]).toBeCloseTo(a[1] / 4, 10);
  });
  it('rigid inverse', () => {
    const m = mat4FromQuatTrans(0.5, 0.5, -0.5, 0.5, 1, 2, 3);
    const I = mat4.multiply(new Float64Array(16), m, invertPose(m));
    const E = mat4.identity(new Float64Array(16));
    for (let i = 0; i < 16; i++) expect(I[i]).toBeCloseTo(E[i], 12);
  });
});
