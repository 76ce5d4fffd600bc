/** Checks for values read from dataset files; each failure is an InputError naming the file and field. */
import { InputError } from '../core/errors';
import { type Mat4, mat4FromRows } from '../core/math/mat4';
import { isNonFiniteToken } from '../core/io/check';
import { type Camera, DISTORTION_KEYS } from '../core/scene/Camera';
import { IMAGE_LIMITS } from './image/decode';

export { type Json, describe, asObject, asArray, finite, positive, inRange, integer, optionalFinite, asString, oneOf, numbers } from '../core/io/check';


/**
 * A 4×4 rigid camera-to-world matrix given as rows of numbers. Checks the shape, finiteness, the
 * bottom row and that the rotation part is not degenerate (rows of a rotation have unit-ish length).
 */
export function matrix4(v: unknown, file: string, field: string): Mat4 {
  const bad = () => new InputError(file, field, 'must be 4×4 numbers (4 rows of 4)');
  if (!Array.isArray(v) || v.length !== 4) throw bad();
  for (const row of v) if (!Array.isArray(row) || row.length !== 4) throw bad();
  const rows = v as unknown[][];
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) {
      const x = rows[r][c];
      if (isNonFiniteToken(x)) throw new InputError(file, `${field}[${r}][${c}]`, `must be a finite number, found ${x}`);
      if (typeof x !== 'number') throw bad();
      if (!Number.isFinite(x)) throw new InputError(file, `${field}[${r}][${c}]`, `must be a finite number, found ${x}`);
    }
  }
  const m = mat4FromRows(rows as number[][]);
  checkPose(m, file, field);
  return m;
}

/** A camera pose must have bottom row 0 0 0 1 and a proper rotation (det ≈ +1, scale allowed within 1%… 100×). */
export function checkPose(m: Mat4, file: string, field: string): void {
  if (Math.abs(m[3]) > 1e-5 || Math.abs(m[7]) > 1e-5 || Math.abs(m[11]) > 1e-5 || Math.abs(m[15] - 1) > 1e-5) {
    throw new InputError(file, field, 'bottom row must be 0 0 0 1');
  }
  const det = m[0] * (m[5] * m[10] - m[9] * m[6]) - m[4] * (m[1] * m[10] - m[9] * m[2]) + m[8] * (m[1] * m[6] - m[5] * m[2]);
  if (!(Math.abs(det) > 1e-6)) throw new InputError(file, field, 'rotation part is degenerate (determinant 0)');
  // the rotation part's columns must be orthogonal and of one length (a rotation, possibly scaled)
  const col = (j: number) => [m[4 * j], m[4 * j + 1], m[4 * j + 2]];
  const dot = (a: number[], b: number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  const c = [col(0), col(1), col(2)], len = c.map((v) => Math.sqrt(dot(v, v)));
  for (const [i, j] of [[0, 1], [0, 2], [1, 2]]) {
    if (Math.abs(dot(c[i], c[j])) > POSE_TOLERANCE * len[i] * len[j]) {
      throw new InputError(file, field, `rotation part is not a rotation (columns ${i} and ${j} are not orthogonal)`);
    }
  }
  if (Math.max(...len) > (1 + POSE_TOLERANCE) * Math.min(...len)) {
    throw new InputError(file, field, `rotation part is not a rotation (column lengths ${len.map((l) => l.toFixed(3)).join(', ')} differ)`);
  }
}

/** How far a stored rotation may be from orthonormal (rounding in exports, float32 poses). */
const POSE_TOLERANCE = 2e-2;

/**
 * Every value of a camera a loader built, before the engine sees it: whole image sizes within the image
 * limits, positive finite focal lengths, finite principal point and distortion, a rigid pose.
 */
export function checkCameraValues(cam: Camera, file: string, field: string): Camera {
  for (const k of ['width', 'height'] as const) {
    if (!Number.isInteger(cam[k]) || cam[k] < 1 || cam[k] > IMAGE_LIMITS.side) {
      throw new InputError(file, `${field}${k}`, `must be a whole number of pixels from 1 to ${IMAGE_LIMITS.side}, found ${cam[k]}`);
    }
  }
  for (const k of ['fx', 'fy'] as const) {
    if (!(Number.isFinite(cam[k]) && cam[k] > 0)) throw new InputError(file, `${field}${k}`, `focal length must be a positive finite number, found ${cam[k]}`);
  }
  for (const k of ['cx', 'cy'] as const) {
    if (!Number.isFinite(cam[k])) throw new InputError(file, `${field}${k}`, `must be a finite number, found ${cam[k]}`);
  }
  if (cam.distortion) {
    for (const k of DISTORTION_KEYS) {
      if (!Number.isFinite(cam.distortion[k])) throw new InputError(file, `${field}${k}`, `must be a finite number, found ${cam.distortion[k]}`);
    }
  }
  for (let i = 0; i < 16; i++) {
    if (!Number.isFinite(cam.c2w[i])) throw new InputError(file, `${field}pose`, `must be finite numbers, found ${cam.c2w[i]}`);
  }
  checkPose(cam.c2w, file, `${field}pose`);
  return cam;
}
