// Every format's cameras, loaded through our code, must project known 3D points onto the pixels that the
// fixture's own (independent) look-at geometry predicts.
import { afterAll, describe, expect, it } from 'vitest';
import { NodeFS } from '../../datasets/node/NodeFS';
import { loadScene } from '../../datasets/load';
import { projectPoint, pixelRay, type Camera } from '../../core/scene/Camera';
import type { Scene } from '../../core/scene/Scene';
import { TempDir, writeBlender, writeNgp, writeLlff, writeColmap, axes, add, sub, COLMAP_TEST_MODELS, type LookAtCam, type ColmapCam } from '../fixtures/datasets';

const dirs: TempDir[] = [];
afterAll(() => dirs.forEach((d) => d.dispose()));
function temp(): TempDir { const d = new TempDir(); dirs.push(d); return d; }

type DistortFn = (x: number, y: number) => [number, number];
const none: DistortFn = (x, y) => [x, y];

/** Checks target -> principal point and offsets along right/up -> the expected distorted pixel. */
function checkProjections(scene: Scene, cams: LookAtCam[], distort: DistortFn = none, tol = 1e-6): void {
  expect(scene.views.length).toBe(cams.length);
  scene.views.forEach((v, i) => {
    const c = cams[i], cam = v.camera;
    const { right, up, forward } = axes(c);
    const D = Math.hypot(...sub(c.target, c.eye));
    const px = [0, 0];
    expect(projectPoint(cam, c.target, px)).toBe(true);
    expect(px[0]).toBeCloseTo(c.cx, 6);
    expect(px[1]).toBeCloseTo(c.cy, 6);
    for (const [dir, dx, dy] of [[right, 1, 0], [up, 0, -1]] as const) {
      const d = 0.3;
      const p = add(c.target, dir, d);
      projectPoint(cam, p, px);
      // normalised OpenCV coordinates of p: (d/D, 0) to the right, (0, −d/D) up (y points down)
      const [xd, yd] = distort(dx * d / D, dy * d / D);
      expect(Math.abs(px[0] - (c.cx + c.fx * xd))).toBeLessThan(tol);
      expect(Math.abs(px[1] - (c.cy + c.fy * yd))).toBeLessThan(tol);
      // and the pixel's ray passes through p
      const o = [0, 0, 0], r = [0, 0, 0];
      pixelRay(cam, px[0], px[1], o, r);
      const t = (p[0] - o[0]) * r[0] + (p[1] - o[1]) * r[1] + (p[2] - o[2]) * r[2];
      const miss = Math.hypot(o[0] + t * r[0] - p[0], o[1] + t * r[1] - p[1], o[2] + t * r[2] - p[2]);
      expect(miss).toBeLessThan(1e-6);
    }
    // a point behind the camera is reported as not visible
    expect(projectPoint(cam, add(c.eye, forward, -1), px)).toBe(false);
  });
}

describe('camera convention of every format', () => {
  it('Blender: transform_matrix is OpenGL camera-to-world, focal from camera_angle_x', async () => {
    const d = temp();
    const cams = writeBlender(d, { train: 3, val: 2, test: 2 });
    const scene = await loadScene(new NodeFS(d.path()));
    checkProjections(scene, cams);
  });

  it('instant-ngp: fl_x/fl_y/cx/cy, OpenGL poses', async () => {
    const d = temp();
    const cams = writeNgp(d, { n: 5 });
    checkProjections(await loadScene(new NodeFS(d.path())), cams);
  });

  it('instant-ngp: per-frame intrinsics', async () => {
    const d = temp();
    const cams = writeNgp(d, { n: 4, perFrameIntrinsics: true });
    const scene = await loadScene(new NodeFS(d.path()));
    expect(scene.views[3].camera.fx).toBeCloseTo(cams[3].fx, 9);
    checkProjections(scene, cams);
  });

  it('instant-ngp: OpenCV distortion k1 k2 p1 p2', async () => {
    const d = temp();
    const k = { k1: -0.08, k2: 0.02, p1: 0.002, p2: -0.001 };
    const cams = writeNgp(d, { n: 3, distortion: k });
    checkProjections(await loadScene(new NodeFS(d.path())), cams, (x, y) => {
      const r2 = x * x + y * y, rad = 1 + k.k1 * r2 + k.k2 * r2 * r2;
      return [x * rad + 2 * k.p1 * x * y + k.p2 * (r2 + 2 * x * x), y * rad + k.p1 * (r2 + 2 * y * y) + 2 * k.p2 * x * y];
    });
  });

  it('instant-ngp: fisheye', async () => {
    const d = temp();
    const k = { k1: 0.03, k2: -0.01, k3: 0.002, k4: -0.001 };
    const cams = writeNgp(d, { n: 3, distortion: k, fisheye: true });
    checkProjections(await loadScene(new NodeFS(d.path())), cams, fisheye(k));
  });

  it('LLFF: [down, right, back] columns of poses_bounds.npy', async () => {
    const d = temp();
    const cams = writeLlff(d, 5);
    checkProjections(await loadScene(new NodeFS(d.path())), cams);
  });

  for (const binary of [false, true]) {
    for (const cm of COLMAP_TEST_MODELS) {
      it(`COLMAP ${binary ? 'binary' : 'text'}: ${cm.model}`, async () => {
        const d = temp();
        const { cams } = writeColmap(d, { binary, cameraModel: cm });
        const expected = cams.map((c) => ({ ...c, ...colmapIntrinsics(cm) }));
        const scene = await loadScene(new NodeFS(d.path()));
        // images are sorted by name; the fixture names them in reverse order of its cameras
        checkProjections(scene, [...expected].reverse(), colmapDistortion(cm), 1e-5);
      });
    }
  }
});

function fisheye(k: { k1: number; k2: number; k3: number; k4: number }): DistortFn {
  return (x, y) => {
    const r = Math.hypot(x, y);
    if (r === 0) return [x, y];
    const th = Math.atan(r), t2 = th * th;
    const thd = th * (1 + k.k1 * t2 + k.k2 * t2 * t2 + k.k3 * t2 ** 3 + k.k4 * t2 ** 4);
    return [(x * thd) / r, (y * thd) / r];
  };
}

function colmapIntrinsics(cm: ColmapCam): Pick<Camera, 'fx' | 'fy' | 'cx' | 'cy'> {
  const p = cm.params;
  return cm.model.startsWith('SIMPLE') || cm.model === 'RADIAL'
    ? { fx: p[0], fy: p[0], cx: p[1], cy: p[2] }
    : { fx: p[0], fy: p[1], cx: p[2], cy: p[3] };
}

function colmapDistortion(cm: ColmapCam): DistortFn {
  const p = cm.params;
  switch (cm.model) {
    case 'SIMPLE_RADIAL': return (x, y) => { const r2 = x * x + y * y; return [x * (1 + p[3] * r2), y * (1 + p[3] * r2)]; };
    case 'RADIAL': return (x, y) => { const r2 = x * x + y * y, s = 1 + p[3] * r2 + p[4] * r2 * r2; return [x * s, y * s]; };
    case 'OPENCV': return (x, y) => {
      const [k1, k2, p1, p2] = p.slice(4), r2 = x * x + y * y, s = 1 + k1 * r2 + k2 * r2 * r2;
      return [x * s + 2 * p1 * x * y + p2 * (r2 + 2 * x * x), y * s + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y];
    };
    case 'OPENCV_FISHEYE': return fisheye({ k1: p[4], k2: p[5], k3: p[6], k4: p[7] });
    default: return none;
  }
}
