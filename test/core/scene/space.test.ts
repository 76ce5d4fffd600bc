import { describe, it, expect } from 'vitest';
import { forwardSpace, boundedSpace, mapRays, gridToWorld, worldToSpace, viewSpreadDegrees, type SceneSpace, unboundedSpace, contract, rayRange,
  CONTRACTED_BOX, foregroundOf } from '../../../core/scene/space';
import { countContracted, placeContracted } from '../../../core/render/sampling';
import { Occupancy } from '../../../core/render/Occupancy';
import { lookAt, loadDemoScene } from '../../../datasets/demo/DemoScene';
import { pixelRay, type Camera } from '../../../core/scene/Camera';
import { applyHoldout, type Scene } from '../../../core/scene/Scene';
import { Rng } from '../../../core/math/rng';
import { isInputError } from '../../../core/errors';
import { maxSamplesPerRay, estimateMemory } from '../../../core/train/memory';
import { FIELD_DEFAULTS } from '../../../core/field/RadianceField';
import { TRAIN_DEFAULTS } from '../../../core/train/Trainer';

/** Forward-facing cameras: a 3×3 grid of eyes on a plane, all looking along +y (LLFF-like). */
function forwardCams(): Camera[] {
  const cams: Camera[] = [];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
    const eye: [number, number, number] = [-0.5 + 0.5 * i, -4, -0.3 + 0.3 * j];
    cams.push(lookAt(eye, [eye[0] + 0.1 * (i - 1), 0, eye[2]], 40, 30, 0.9));
  }
  return cams;
}

/** Normalised grid coordinates of a point in the space's box. */
function toGrid(space: SceneSpace, p: number[]): number[] {
  return [0, 1, 2].map((k) => (p[k] - space.box[0][k]) / (space.box[1][k] - space.box[0][k]));
}

describe('forward-facing space (NDC)', () => {
  const cams = forwardCams();
  const space = forwardSpace(cams, 2, 'test');

  it('puts the reference camera at the mean centre, looking the mean way, the near plane at 0.75 × the near depth', () => {
    expect(space.kind).toBe('forward');
    expect(space.ndc!.near).toBeCloseTo(1.5, 12);
    // the mean eye is the reference camera's origin: it maps to the centre of the screen at depth 0 → NDC x = y = 0
    const ahead = worldToSpace(space, [0, 0, 0.0]); // on the mean viewing axis (eyes average to (0, −4, 0))
    expect(Math.abs(ahead[0])).toBeLessThan(1e-9);
    expect(Math.abs(ahead[1])).toBeLessThan(1e-9);
    expect(ahead[2]).toBeCloseTo(1 - (2 * 1.5) / 4, 9); // depth 4
    expect(space.box[0][2]).toBeCloseTo(1 - 3 / 1.8, 12); // depth 0.9 × 2, just before the nearest content
    expect(space.box[1][2]).toBeLessThan(1);
  });

  it('maps rays to straight NDC rays: every world point along a ray lies on its NDC ray, in order; grid points map back', () => {
    const rng = new Rng(3), o = [0, 0, 0], d = [0, 0, 0];
    const O = new Float32Array(3), D = new Float32Array(3), mo = new Float32Array(3), md = new Float32Array(3);
    let checked = 0;
    for (let k = 0; k < 40; k++) {
      const cam = cams[rng.int(cams.length)];
      pixelRay(cam, rng.next() * cam.width, rng.next() * cam.height, o, d);
      O.set(o); D.set(d);
      mapRays(space, 1, O, D, mo, md);
      expect(Math.hypot(md[0], md[1], md[2])).toBeCloseTo(1, 5);
      let last = -Infinity;
      for (const t of [2.5, 4, 8, 30, 500]) {
        const p = worldToSpace(space, [o[0] + t * d[0], o[1] + t * d[1], o[2] + t * d[2]]);
        const s = (p[0] - mo[0]) * md[0] + (p[1] - mo[1]) * md[1] + (p[2] - mo[2]) * md[2];
        const off = Math.hypot(p[0] - mo[0] - s * md[0], p[1] - mo[1] - s * md[1], p[2] - mo[2] - s * md[2]);
        expect(off).toBeLessThan(1e-5);
        expect(s).toBeGreaterThan(last);
        last = s;
        // inside the box, and back to the same world point
        const g = toGrid(space, p);
        if (p[2] < space.box[1][2]) {
          for (const v of g) { expect(v).toBeGreaterThanOrEqual(-1e-6); expect(v).toBeLessThanOrEqual(1 + 1e-6); }
          const w = [0, 0, 0];
          gridToWorld(space, g[0], g[1], g[2], w);
          const q = [o[0] + t * d[0], o[1] + t * d[1], o[2] + t * d[2]];
          expect(Math.hypot(w[0] - q[0], w[1] - q[1], w[2] - q[2])).toBeLessThan(1e-6 * t * t);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(150);
  });

  it('a ray that leaves away from the near plane samples nothing (its origin is outside the box)', () => {
    const mo = new Float32Array(3), md = new Float32Array(3);
    mapRays(space, 1, new Float32Array([0, -4, 0]), new Float32Array([0, -1, 0]), mo, md);
    expect(mo[0]).toBeGreaterThan(space.box[1][0]);
  });

  it('bounded space: rays as they are, the grid box is the world box', () => {
    const b = boundedSpace([[-1, -2, -3], [1, 2, 3]]);
    const o = new Float32Array([1, 2, 3]), dd = new Float32Array([0, 0.6, 0.8]), mo = new Float32Array(3), md = new Float32Array(3);
    mapRays(b, 1, o, dd, mo, md);
    expect([...mo, ...md]).toEqual([...o, ...dd]);
    const w = [0, 0, 0];
    gridToWorld(b, 0.5, 0.25, 1, w);
    expect(w).toEqual([0, -1, 3]);
  });

  it('measures how far cameras look from their mean direction (captures under 30° default to forward)', () => {
    expect(viewSpreadDegrees(cams)).toBeGreaterThan(0.5);
    expect(viewSpreadDegrees(cams)).toBeLessThan(3); // the 3×3 grid's ±0.1 toe-in over 4 units: ≈ 1.5°
    expect(viewSpreadDegrees(loadDemoScene({ size: 16 }).views.map((v) => v.camera))).toBeGreaterThan(60); // a hemisphere of views
  });

  it('refuses cameras that look all around (names the flag and the camera)', () => {
    const demo = loadDemoScene({ size: 16 });
    let err: unknown;
    try { forwardSpace(demo.views.map((v) => v.camera), demo.near, 'demo'); } catch (e) { err = e; }
    expect(isInputError(err)).toBe(true);
    expect(String((err as Error).message)).toMatch(/--scene forward.*camera \d+ looks \d+° away/);
  });
});

describe('holdout protocols', () => {
  const scene = (format: Scene['format']) => ({ format, splits: { train: [10, 11, 12, 13, 14, 15, 16, 17, 18], val: [], test: [] } }) as unknown as Scene;
  it('LLFF and COLMAP hold out views 0, k, 2k, … (their protocol); other formats k − 1, 2k − 1, …', () => {
    const llff = scene('llff'), colmap = scene('colmap'), other = scene('ngp');
    for (const sc of [llff, colmap, other]) applyHoldout(sc, 4);
    expect(llff.splits.test).toEqual([10, 14, 18]);
    expect(colmap.splits.test).toEqual([10, 14, 18]);
    expect(other.splits.test).toEqual([13, 17]);
  });
});

describe('unbounded space (contracted shell around a foreground cube)', () => {
  const space = unboundedSpace({ centre: [1, -2, 0.5], half: 2 }, 'test');

  it('contracts nothing inside the foreground, puts infinity on the faces of [−2, 2]³, and inverts exactly', () => {
    const out = [0, 0, 0];
    contract(0.3, -0.9, 1, out);
    expect(out).toEqual([0.3, -0.9, 1]);
    contract(4, 1, -2, out); // ‖x‖∞ = 4 → 2 − 1/4 along x/4
    expect(out[0]).toBeCloseTo(1.75, 12); expect(out[1]).toBeCloseTo(1.75 / 4, 12); expect(out[2]).toBeCloseTo(-1.75 / 2, 12);
    contract(1e9, 0, 0, out);
    expect(out[0]).toBeLessThan(2); expect(out[0]).toBeGreaterThan(2 - 1e-8);
    const rng = new Rng(5), w = [0, 0, 0];
    for (let k = 0; k < 200; k++) {
      // world points from the foreground out to 300 half-sizes away, through the grid and back
      const r = Math.exp(rng.next() * Math.log(300)), p = [0, 1, 2].map((i) => space.fg!.centre[i] + 2 * r * (2 * rng.next() - 1));
      const g = toGrid(space, worldToSpace(space, p));
      for (const v of g) { expect(v).toBeGreaterThanOrEqual(0); expect(v).toBeLessThanOrEqual(1); }
      gridToWorld(space, g[0], g[1], g[2], w);
      expect(Math.hypot(w[0] - p[0], w[1] - p[1], w[2] - p[2])).toBeLessThan(1e-9 * (1 + r * r));
    }
  });

  it('maps rays to foreground units and samples them with steps that stay one step long in the grid', () => {
    const o = new Float32Array([1, -2, 0.5]), d = new Float32Array([0.6, 0, 0.8]), mo = new Float32Array(3), md = new Float32Array(3);
    mapRays(space, 1, o, d, mo, md);
    expect([...mo]).toEqual([0, 0, 0]);
    expect([...md]).toEqual([...d]);
    expect(rayRange(space, 0.5, 9)).toEqual({ near: 0.25, far: 1e30 });
    const step = 0.05, tStart = new Float32Array(1), tCount = new Int32Array(1);
    const total = countContracted(1, mo, md, 0, 1e30, step, null, tStart, tCount);
    const occ = new Occupancy(8), rayStart = new Int32Array(2), pts = new Float32Array(total * 3), sRay = new Int32Array(total), sT = new Float32Array(total);
    expect(placeContracted(1, mo, md, CONTRACTED_BOX, step, occ, tStart, tCount, rayStart, pts, sRay, sT)).toBe(total);
    // from the centre out to the grid's face along (0.6, 0, 0.8): a straight contracted path 2 / 0.8 grid units long
    // (foreground and shell alike), in ≈ 2.5 / step samples
    expect(total).toBeGreaterThan(2.4 / step);
    expect(total).toBeLessThan(2.8 / step);
    expect(sT[total - 1]).toBeGreaterThan(100); // the ray reaches far into the background
    for (let s = 1; s < total; s++) {
      expect(sT[s]).toBeGreaterThan(sT[s - 1]);
      const dg = Math.hypot(...[0, 1, 2].map((k) => 4 * (pts[s * 3 + k] - pts[(s - 1) * 3 + k])));
      expect(dg).toBeLessThan(1.05 * step); // never a gap in the grid
      if (s < total - 40) expect(dg).toBeGreaterThan(0.5 * step);
    }
    expect(Math.max(...[0, 1, 2].map((k) => Math.abs(4 * pts[(total - 1) * 3 + k] - 2)))).toBeGreaterThan(1.9);
  });

  it('no contracted ray takes more samples than the memory estimate allows (maxSamplesPerRay)', () => {
    // cameras from just outside the foreground to 1000 half-sizes away, aimed at random points of the foreground
    const R = 32, field = { ...FIELD_DEFAULTS, resolution: R, stepVoxels: 0.5 }, step = (0.5 * 4) / (R - 1), n = 5000, rng = new Rng(3);
    const o = new Float32Array(n * 3), d = new Float32Array(n * 3);
    for (let r = 0; r < n; r++) {
      const u = [rng.normal(), rng.normal(), rng.normal()], l = Math.hypot(...u), dist = 1.2 * 10 ** (rng.next() * 3);
      const eye = u.map((x) => (x / l) * dist), aim = [0, 1, 2].map((k) => rng.next() * 2 - 1 - eye[k]), la = Math.hypot(...aim);
      o.set(eye, r * 3); d.set(aim.map((x) => x / la), r * 3);
    }
    const tStart = new Float32Array(n), tCount = new Int32Array(n);
    countContracted(n, o, d, 0, 1e30, step, null, tStart, tCount);
    const most = Math.max(...tCount);
    expect(most).toBeGreaterThan(0.8 * maxSamplesPerRay(field)); // rays cross the whole grid
    expect(most).toBeLessThanOrEqual(maxSamplesPerRay(field, 'unbounded'));
    const config = { ...TRAIN_DEFAULTS, field };
    expect(estimateMemory(config, 'unbounded')).toBeGreaterThan(estimateMemory(config, 'bounded'));
  });

  it('the foreground of a box is its centre and half its largest edge; refuses a degenerate one', () => {
    expect(foregroundOf([[0, 0, 0], [2, 4, 1]])).toEqual({ centre: [1, 2, 0.5], half: 2 });
    expect(() => unboundedSpace({ centre: [0, 0, 0], half: 0 }, 'scene.json')).toThrow(/scene\.json.*--scene unbounded.*half 0/);
  });
});
