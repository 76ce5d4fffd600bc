/**
 * Pose matrices: column-major Float64Array(16) (gl-matrix's and WebGPU/WebGL's layout), in double precision
 * because camera poses from real captures need it. The math is gl-matrix's (it writes into any array); what
 * is here are the conversions our file formats need, writing into a caller-owned `out`.
 */
import { mat4, quat } from 'gl-matrix';

export type Mat4 = Float64Array;

/** From a row-major nested array `rows[r][c]` (how JSON datasets store matrices). */
export function mat4FromRows(rows: ArrayLike<ArrayLike<number>>, out: Mat4 = new Float64Array(16)): Mat4 {
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) out[c * 4 + r] = rows[r][c];
  return out;
}

/** Inverse of a pose (rigid, possibly uniformly scaled): world-to-camera from camera-to-world. */
export function invertPose(m: ArrayLike<number>, out: Mat4 = new Float64Array(16)): Mat4 {
  if (!mat4.invert(out, m as Mat4)) throw new RangeError('pose matrix is singular');
  return out;
}

/** A pose from COLMAP's quaternion (w, x, y, z; normalised here) and translation. */
export function mat4FromQuatTrans(qw: number, qx: number, qy: number, qz: number, tx: number, ty: number, tz: number,
  out: Mat4 = new Float64Array(16)): Mat4 {
  const q = quat.normalize(new Float64Array(4), [qx, qy, qz, qw]); // gl-matrix orders (x, y, z, w)
  return mat4.fromRotationTranslation(out, q, [tx, ty, tz]) as Mat4;
}

/** Camera-to-world in OpenCV axes (x right, y down, z forward) -> OpenGL axes (x right, y up, z back). */
export function opencvToOpenGL(c2w: Mat4, out: Mat4 = new Float64Array(16)): Mat4 {
  return mat4.scale(out, c2w, [1, -1, -1]) as Mat4;
}
