/**
 * Camera paths for videos: an orbit generator that frames the scene, keyframed paths with smooth
 * interpolation (Catmull–Rom positions, slerped rotations, linear field of view, optional loop), and
 * nerfstudio's camera_path.json (camera_path[].camera_to_world row-major 4×4, fov in degrees (vertical),
 * aspect, render_width/render_height, fps, seconds). Cameras are OpenGL camera-to-world like every Camera.
 */
import { type Camera, meanCameraFrame } from '../scene/Camera';
import type { AABB } from '../scene/Scene';
import type { SceneSpace } from '../scene/space';
import { InputError } from '../errors';
import { mat4, quat, vec3 } from 'gl-matrix';

export interface Keyframe {
  /** Column-major 4×4 camera-to-world (OpenGL axes). */
  c2w: number[];
  /** Vertical field of view, degrees. */
  fov: number;
}

export interface CameraPath {
  keyframes: Keyframe[];
  /** Total frames = round(seconds · fps). */
  fps: number;
  seconds: number;
  width: number;
  height: number;
  /** Close the path (the last keyframe flows back into the first). */
  loop: boolean;
}

type V3 = [number, number, number];
const v3 = (x: ArrayLike<number>): V3 => [x[0], x[1], x[2]];

/** Camera-to-world (column-major) looking from eye at target with an up hint (another axis when they align). */
export function lookAtC2w(eye: V3, target: V3, up: V3): number[] {
  const back = vec3.normalize(new Float64Array(3), vec3.subtract(new Float64Array(3), eye, target));
  const right = vec3.cross(new Float64Array(3), up, back);
  if (vec3.length(right) < 1e-9) vec3.cross(right, [up[1], up[2], up[0]], back);
  vec3.normalize(right, right);
  const u = vec3.cross(new Float64Array(3), back, right);
  return [...right, 0, ...u, 0, ...back, 0, ...eye, 1];
}

/** An engine camera for a keyframe at a size (pinhole, centred principal point). */
export function keyframeCamera(k: Keyframe, width: number, height: number): Camera {
  const fy = (0.5 * height) / Math.tan((k.fov * Math.PI) / 360);
  return { c2w: Float64Array.from(k.c2w), width, height, fx: fy, fy, cx: width / 2, cy: height / 2, distortion: null };
}

export interface OrbitOptions {
  frames?: number;
  fps?: number;
  width?: number;
  height?: number;
  /** Distance from the box centre (default: the mean training-camera distance, else what frames the box). */
  radius?: number;
  /** Degrees above the orbit plane (default: the training cameras' mean, else 25). */
  elevation?: number;
  /** Vertical field of view, degrees (default: the training cameras', else 40). */
  fov?: number;
}

/**
 * A full turn around the box centre. The up axis is the training cameras' mean up vector (Blender and
 * most captures: +z), so the orbit circles the object as it was photographed.
 */
export function orbitPath(aabb: AABB, cameras: Camera[], o: OrbitOptions = {}): { frames: Keyframe[]; path: CameraPath } {
  const center: V3 = [0, 1, 2].map((k) => (aabb[0][k] + aabb[1][k]) / 2) as V3;
  const halfDiag = Math.hypot(...[0, 1, 2].map((k) => (aabb[1][k] - aabb[0][k]) / 2));
  let up: V3 = [0, 0, 1];
  let radius = o.radius, elevation = o.elevation, fov = o.fov;
  if (cameras.length) {
    const mu: V3 = [0, 0, 0];
    for (const c of cameras) for (let k = 0; k < 3; k++) mu[k] += c.c2w[4 + k];
    up = v3(vec3.normalize(new Float64Array(3), mu));
    const eyes = cameras.map((c) => vec3.subtract(new Float64Array(3), [c.c2w[12], c.c2w[13], c.c2w[14]], center));
    radius ??= eyes.reduce((a, e) => a + vec3.length(e), 0) / eyes.length;
    elevation ??= (eyes.reduce((a, e) => a + Math.asin(Math.max(-1, Math.min(1, vec3.dot(e, up) / vec3.length(e)))), 0) / eyes.length) * 180 / Math.PI;
    fov ??= (2 * Math.atan((0.5 * cameras[0].height) / cameras[0].fy) * 180) / Math.PI;
  }
  fov ??= 40;
  elevation ??= 25;
  radius ??= halfDiag / Math.sin(((fov / 2) * Math.PI) / 180) * 1.1;
  const frames = o.frames ?? 120, fps = o.fps ?? 30;
  const width = o.width ?? cameras[0]?.width ?? 640, height = o.height ?? cameras[0]?.height ?? 480;
  // orthonormal basis of the orbit plane
  const a = vec3.normalize(new Float64Array(3), vec3.cross(new Float64Array(3), up, Math.abs(up[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0]));
  const b = vec3.cross(new Float64Array(3), up, a);
  const el = (elevation * Math.PI) / 180;
  const out: Keyframe[] = [];
  for (let i = 0; i < frames; i++) {
    const t = (2 * Math.PI * i) / frames;
    const dir: V3 = [0, 1, 2].map((k) => Math.cos(el) * (Math.cos(t) * a[k] + Math.sin(t) * b[k]) + Math.sin(el) * up[k]) as V3;
    const eye: V3 = [0, 1, 2].map((k) => center[k] + radius! * dir[k]) as V3;
    out.push({ c2w: lookAtC2w(eye, center, up), fov: fov! });
  }
  return { frames: out, path: { keyframes: out, fps, seconds: frames / fps, width, height, loop: true } };
}

/**
 * The path a scene calls for: forward-facing captures (core/scene/space.ts) get LLFF's spiral in front of
 * the cameras; unbounded ones an orbit around the foreground cube; everything else an orbit around the box.
 */
export function scenePath(space: SceneSpace, aabb: AABB, cameras: Camera[], near: number, far: number, o: OrbitOptions = {}): { frames: Keyframe[]; path: CameraPath } {
  if (space.kind === 'forward' && cameras.length) return spiralPath(cameras, near, far, o);
  if (space.fg) {
    const { centre: c, half: h } = space.fg;
    return orbitPath([[c[0] - h, c[1] - h, c[2] - h], [c[0] + h, c[1] + h, c[2] + h]], cameras, o);
  }
  return orbitPath(aabb, cameras, o);
}

/**
 * LLFF's spiral for forward-facing captures: the eye circles the cameras' mean centre in their mean image
 * plane (radii: the 90th percentile of the cameras' offsets, and a gentle push along the view), always looking
 * at a focus point ahead at the depth NeRF picks from the near and far bounds. `radius` scales the circle,
 * `elevation` is ignored.
 */
export function spiralPath(cameras: Camera[], near: number, far: number, o: OrbitOptions = {}): { frames: Keyframe[]; path: CameraPath } {
  const { centre: c, x, y, z } = meanCameraFrame(cameras);
  const pct90 = (v: number[]) => v.sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(0.9 * v.length))];
  const off = (axis: V3) => pct90(cameras.map((cam) => Math.abs((cam.c2w[12] - c[0]) * axis[0] + (cam.c2w[13] - c[1]) * axis[1] + (cam.c2w[14] - c[2]) * axis[2])));
  const scale = o.radius ?? 1;
  const rx = off(x) * scale, ry = off(y) * scale, rz = off(z) * scale;
  // NeRF's focus depth: a weighted harmonic mean of a close and a far depth
  const focus = 1 / ((1 - 0.75) / (0.9 * near) + 0.75 / (5 * far));
  const target: V3 = [0, 1, 2].map((k) => c[k] - focus * z[k]) as V3;
  const fov = o.fov ?? (2 * Math.atan((0.5 * cameras[0].height) / cameras[0].fy) * 180) / Math.PI;
  const frames = o.frames ?? 120, fps = o.fps ?? 30;
  const width = o.width ?? cameras[0].width, height = o.height ?? cameras[0].height;
  const out: Keyframe[] = [];
  for (let i = 0; i < frames; i++) {
    const t = (2 * Math.PI * i) / frames;
    const eye: V3 = [0, 1, 2].map((k) => c[k] + rx * Math.cos(t) * x[k] + ry * Math.sin(t) * y[k] + rz * Math.sin(0.5 * t) * z[k]) as V3;
    out.push({ c2w: lookAtC2w(eye, target, v3(y)), fov });
  }
  return { frames: out, path: { keyframes: out, fps, seconds: frames / fps, width, height, loop: true } };
}

// ---- interpolation

/** Keyframes spread evenly over the path's duration: the camera at time fraction u ∈ [0, 1]. */
export function sampleKeyframes(path: CameraPath, u: number): Keyframe {
  const K = path.keyframes;
  if (K.length === 0) throw new RangeError('a camera path needs at least one keyframe');
  if (K.length === 1) return { c2w: [...K[0].c2w], fov: K[0].fov };
  const segs = path.loop ? K.length : K.length - 1;
  const x = Math.min(Math.max(u, 0), path.loop ? 0.999999999 : 1) * segs;
  const i = Math.min(Math.floor(x), segs - 1), t = x - i;
  const at = (j: number) => K[path.loop ? ((j % K.length) + K.length) % K.length : Math.max(0, Math.min(K.length - 1, j))];
  const p = (k: Keyframe): V3 => [k.c2w[12], k.c2w[13], k.c2w[14]];
  const p0 = p(at(i - 1)), p1 = p(at(i)), p2 = p(at(i + 1)), p3 = p(at(i + 2));
  // Catmull–Rom through p1 → p2
  const t2 = t * t, t3 = t2 * t;
  const pos = [0, 1, 2].map((k) => 0.5 * (2 * p1[k] + (-p0[k] + p2[k]) * t + (2 * p0[k] - 5 * p1[k] + 4 * p2[k] - p3[k]) * t2 +
    (-p0[k] + 3 * p1[k] - 3 * p2[k] + p3[k]) * t3)) as V3;
  // rotations slerped (gl-matrix: the shorter arc); the poses are rigid, so getRotation needs no unscaling
  const q = quat.slerp(new Float64Array(4), mat4.getRotation(new Float64Array(4), at(i).c2w), mat4.getRotation(new Float64Array(4), at(i + 1).c2w), t);
  return { c2w: Array.from(mat4.fromRotationTranslation(new Float64Array(16), q, pos)), fov: at(i).fov + t * (at(i + 1).fov - at(i).fov) };
}

/** Every frame's camera of a path: round(seconds · fps) frames, evenly in time. */
export function pathFrames(path: CameraPath): Keyframe[] {
  const n = Math.max(1, Math.round(path.seconds * path.fps));
  return Array.from({ length: n }, (_, f) => sampleKeyframes(path, path.loop ? f / n : n > 1 ? f / (n - 1) : 0));
}

// ---- nerfstudio camera_path.json

/** Frames as a nerfstudio-style camera path (per-frame cameras; keyframes kept for our editor). */
export function toCameraPathJson(path: CameraPath, frames = pathFrames(path)): Record<string, unknown> {
  const rowMajor = (m: number[]) => [0, 1, 2, 3].flatMap((r) => [0, 1, 2, 3].map((c) => m[c * 4 + r]));
  return {
    camera_type: 'perspective', render_width: path.width, render_height: path.height, fps: path.fps, seconds: path.seconds,
    is_cycle: path.loop,
    camera_path: frames.map((k) => ({ camera_to_world: rowMajor(k.c2w), fov: k.fov, aspect: path.width / path.height })),
    keyframes: path.keyframes.map((k) => ({ matrix: rowMajor(k.c2w), fov: k.fov, aspect: path.width / path.height })),
  };
}

/**
 * Reads a nerfstudio-style camera_path.json: per-frame cameras from camera_path[] (the frames of the
 * video as they are; fps and seconds give the timing). Bad input names the file and the field.
 */
export function parseCameraPathJson(json: unknown, file: string): { path: CameraPath; frames: Keyframe[] } {
  const o = json as Record<string, unknown>;
  if (!o || typeof o !== 'object') throw new InputError(file, '(root)', 'must be a JSON object');
  const num = (v: unknown, field: string, min = -Infinity): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new InputError(file, field, `must be a number${min > -Infinity ? ` ≥ ${min}` : ''}`);
    return v;
  };
  const cp = o.camera_path;
  if (!Array.isArray(cp) || cp.length === 0) throw new InputError(file, 'camera_path', 'must be a non-empty list of cameras');
  const width = Math.round(num(o.render_width, 'render_width', 1)), height = Math.round(num(o.render_height, 'render_height', 1));
  const fps = num(o.fps, 'fps', 1e-6);
  const frames = cp.map((e: unknown, i: number): Keyframe => {
    const f = e as Record<string, unknown>;
    const m = f?.camera_to_world;
    const flat = Array.isArray(m) && m.length === 4 && m.every((r) => Array.isArray(r) && r.length === 4) ? (m as number[][]).flat() : m;
    if (!Array.isArray(flat) || flat.length !== 16 || !flat.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new InputError(file, `camera_path[${i}].camera_to_world`, 'must be 16 numbers (a 4×4 matrix, row-major)');
    }
    const c2w = [0, 1, 2, 3].flatMap((c) => [0, 1, 2, 3].map((r) => (flat as number[])[r * 4 + c]));
    return { c2w, fov: num(f.fov, `camera_path[${i}].fov`, 1e-3) };
  });
  const seconds = o.seconds === undefined ? frames.length / fps : num(o.seconds, 'seconds', 0);
  return { path: { keyframes: frames, fps, seconds, width, height, loop: o.is_cycle === true }, frames };
}
