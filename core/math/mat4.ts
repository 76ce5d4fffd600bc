/**
 * 4×4 matrices as column-major Float64Array(16) (the layout of gl-matrix and WebGPU/WebGL),
 * in double precision because camera poses from real captures need it.
 * Functions write into a caller-owned `out` and return it.
 */
export type Mat4 = Float64Array;

export function mat4Identity(out: Mat4 = new Float64Array(16)): Mat4 {
  out.fill(0);
  out[0] = out[5] = out[10] = out[15] = 1;
  return out;
}

/** From a row-major nested array `rows[r][c]` (how JSON datasets store matrices). */
export function mat4FromRows(rows: ArrayLike<ArrayLike<number>>, out: Mat4 = new Float64Array(16)): Mat4 {
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) out[c * 4 + r] = rows[r][c];
  return out;
}

/** out = a · b (out may alias a or b). */
export function mat4Multiply(a: Mat4, b: Mat4, out: Mat4 = new Float64Array(16)): Mat4 {
  const t = new Float64Array(16);
  for (let c = 0; c < 4; c++) {
    for (let r = 0; r < 4; r++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[k * 4 + r] * b[c * 4 + k];
      t[c * 4 + r] = s;
    }
  }
  out.set(t);
  return out;
}

/** Inverse of a rigid transform [R | t; 0 0 0 1] (R orthonormal, possibly with a uniform scale removed). */
export function mat4InvertRigid(m: Mat4, out: Mat4 = new Float64Array(16)): Mat4 {
  const t = new Float64Array(16);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) t[c * 4 + r] = m[r * 4 + c];
  for (let r = 0; r < 3; r++) {
    t[12 + r] = -(t[r] * m[12] + t[4 + r] * m[13] + t[8 + r] * m[14]);
  }
  t[3] = t[7] = t[11] = 0;
  t[15] = 1;
  out.set(t);
  return out;
}

/** Rotation matrix (column-major 3×3 embedded in a 4×4) from a unit quaternion (w, x, y, z), as COLMAP stores it. */
export function mat4FromQuatTrans(qw: number, qx: number, qy: number, qz: number, tx: number, ty: number, tz: number,
  out: Mat4 = new Float64Array(16)): Mat4 {
  const n = Math.hypot(qw, qx, qy, qz);
  const w = qw / n, x = qx / n, y = qy / n, z = qz / n;
  mat4Identity(out);
  out[0] = 1 - 2 * (y * y + z * z); out[4] = 2 * (x * y - w * z);     out[8] = 2 * (x * z + w * y);
  out[1] = 2 * (x * y + w * z);     out[5] = 1 - 2 * (x * x + z * z); out[9] = 2 * (y * z - w * x);
  out[2] = 2 * (x * z - w * y);     out[6] = 2 * (y * z + w * x);     out[10] = 1 - 2 * (x * x + y * y);
  out[12] = tx; out[13] = ty; out[14] = tz;
  return out;
}

/** Camera-to-world in OpenCV axes (x right, y down, z forward) -> OpenGL axes (x right, y up, z back). */
export function opencvToOpenGL(c2w: Mat4, out: Mat4 = new Float64Array(16)): Mat4 {
  out.set(c2w);
  for (let r = 0; r < 3; r++) {
    out[4 + r] = -c2w[4 + r];
    out[8 + r] = -c2w[8 + r];
  }
  return out;
}
