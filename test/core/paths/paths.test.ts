// Camera paths: the orbit frames the box from the training cameras' side, keyframe interpolation passes
// through the keyframes, and nerfstudio camera_path.json round-trips to the same cameras.
import { describe, expect, it } from 'vitest';
import { orbitPath, sampleKeyframes, pathFrames, toCameraPathJson, parseCameraPathJson, lookAtC2w, type CameraPath } from '../../../core/paths/CameraPath';
import { demoCameras } from '../../../datasets/demo/DemoScene';
import { isInputError } from '../../../core/errors';

const AABB: [number[], number[]] = [[-1.5, -1.5, -1.5], [1.5, 1.5, 1.5]];

describe('camera paths', () => {
  it('orbit: every frame looks at the box centre from the training cameras\u2019 distance and elevation band', () => {
    const cams = demoCameras().cameras.slice(0, 60);
    const { frames, path } = orbitPath(AABB as never, cams, { frames: 36 });
    expect(frames).toHaveLength(36);
    expect(path.width).toBe(128);
    for (const f of frames) {
      const eye = [f.c2w[12], f.c2w[13], f.c2w[14]], back = [f.c2w[8], f.c2w[9], f.c2w[10]];
      expect(Math.hypot(...eye)).toBeCloseTo(4, 5); // the demo cameras sit at radius 4
      // −back (the viewing direction) points at the centre
      const l = Math.hypot(...eye);
      for (let k = 0; k < 3; k++) expect(-back[k]).toBeCloseTo(-eye[k] / l, 6);
      expect(eye[2]).toBeGreaterThan(0); // above the ground plane like the captures (+z up)
    }
  });

  it('keyframe interpolation passes through the keyframes and closes a loop', () => {
    const k = [[4, 0, 1], [0, 4, 1], [-4, 0, 2], [0, -4, 1]].map((e) => ({ c2w: lookAtC2w(e as never, [0, 0, 0], [0, 0, 1]), fov: 30 + e[2] }));
    const path: CameraPath = { keyframes: k, fps: 10, seconds: 4, width: 64, height: 48, loop: true };
    for (let i = 0; i < 4; i++) {
      const s = sampleKeyframes(path, i / 4);
      s.c2w.forEach((v, j) => expect(v).toBeCloseTo(k[i].c2w[j], 9));
      expect(s.fov).toBeCloseTo(k[i].fov, 9);
    }
    // just before the end of a loop is just before the first keyframe again
    const end = sampleKeyframes(path, 0.9999);
    expect(Math.hypot(end.c2w[12] - k[0].c2w[12], end.c2w[13] - k[0].c2w[13])).toBeLessThan(0.01);
    // rotations stay orthonormal between keyframes
    const mid = sampleKeyframes(path, 0.37).c2w;
    const col = (c: number) => [mid[c * 4], mid[c * 4 + 1], mid[c * 4 + 2]];
    for (const c of [0, 1, 2]) expect(Math.hypot(...col(c))).toBeCloseTo(1, 9);
    expect(pathFrames(path)).toHaveLength(40);
  });

  it('nerfstudio camera_path.json round-trips to the same cameras; bad input names the field', () => {
    const { path, frames } = orbitPath(AABB as never, [], { frames: 8, width: 40, height: 30 });
    const json = JSON.parse(JSON.stringify(toCameraPathJson(path, frames)));
    expect(json.camera_path).toHaveLength(8);
    expect(json.camera_path[0].camera_to_world).toHaveLength(16);
    const back = parseCameraPathJson(json, 'p.json');
    expect([back.path.width, back.path.height, back.path.fps]).toEqual([40, 30, 30]);
    back.frames.forEach((f, i) => { f.c2w.forEach((v, j) => expect(v).toBeCloseTo(frames[i].c2w[j], 12)); expect(f.fov).toBeCloseTo(frames[i].fov, 12); });
    json.camera_path[3].camera_to_world = [1, 2, 3];
    try { parseCameraPathJson(json, 'p.json'); expect.unreachable(); } catch (e) {
      expect(isInputError(e)).toBe(true);
      expect((e as Error).message).toContain('camera_path[3].camera_to_world');
    }
  });
});
