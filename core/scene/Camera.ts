import { type Mat4, invertPose } from '../math/mat4';

/**
 * Lens distortion in OpenCV's parameterisation, applied to normalised image coordinates
 * (x = X/Z, y = Y/Z in OpenCV camera axes: x right, y down, z forward).
 * - `opencv`: radial 1 + k1 r² + k2 r⁴ + k3 r⁶ + k4 r⁸ (k4 as in nerfstudio; 0 in plain OpenCV),
 *   tangential p1, p2.
 * - `fisheye`: OpenCV fisheye (equidistant): θ = atan(r), θd = θ (1 + k1 θ² + k2 θ⁴ + k3 θ⁶ + k4 θ⁸).
 */
export interface Distortion {
  model: 'opencv' | 'fisheye';
  k1: number;
  k2: number;
  k3: number;
  k4: number;
  p1: number;
  p2: number;
}

/**
 * A posed pinhole camera (plus optional distortion).
 * Pixel (i, j) covers [i, i+1) × [j, j+1) with j growing downwards; its centre is (i + 0.5, j + 0.5),
 * and (cx, cy) is in those coordinates.
 */
/** Image size and pinhole intrinsics in pixels (principal point from the top-left corner). */
export interface Intrinsics {
  width: number;
  height: number;
  fx: number;
  fy: number;
  cx: number;
  cy: number;
}

export interface Camera extends Intrinsics {
  /** Camera-to-world, OpenGL axes (x right, y up, looking along −z), column-major 4×4. */
  c2w: Mat4;
  distortion: Distortion | null;
}

export const DISTORTION_KEYS = ['k1', 'k2', 'k3', 'k4', 'p1', 'p2'] as const;

/** A distortion whose coefficients are all zero is no distortion. */
export function makeDistortion(model: Distortion['model'], c: Partial<Record<(typeof DISTORTION_KEYS)[number], number>>): Distortion | null {
  const d: Distortion = { model, k1: c.k1 ?? 0, k2: c.k2 ?? 0, k3: c.k3 ?? 0, k4: c.k4 ?? 0, p1: c.p1 ?? 0, p2: c.p2 ?? 0 };
  if (model === 'opencv' && DISTORTION_KEYS.every((k) => d[k] === 0)) return null;
  return d;
}

/** Applies distortion to normalised coordinates (x, y) in place of `out`. */
export function distortPoint(d: Distortion, x: number, y: number, out: Float64Array | number[]): void {
  if (d.model === 'fisheye') {
    const r = Math.hypot(x, y);
    if (r < 1e-12) { out[0] = x; out[1] = y; return; }
    const th = Math.atan(r), t2 = th * th;
    const thd = th * (1 + t2 * (d.k1 + t2 * (d.k2 + t2 * (d.k3 + t2 * d.k4))));
    const s = thd / r;
    out[0] = x * s; out[1] = y * s;
    return;
  }
  const r2 = x * x + y * y;
  const radial = 1 + r2 * (d.k1 + r2 * (d.k2 + r2 * (d.k3 + r2 * d.k4)));
  out[0] = x * radial + 2 * d.p1 * x * y + d.p2 * (r2 + 2 * x * x);
  out[1] = y * radial + d.p1 * (r2 + 2 * y * y) + 2 * d.p2 * x * y;
}

/** Inverts `distortPoint` by Newton's method (converges in a few steps for real lenses). */
export function undistortPoint(d: Distortion, xd: number, yd: number, out: Float64Array | number[]): void {
  if (d.model === 'fisheye') {
    const rd = Math.hypot(xd, yd);
    if (rd < 1e-12) { out[0] = xd; out[1] = yd; return; }
    let th = Math.min(rd, Math.PI / 2);
    for (let it = 0; it < 20; it++) {
      const t2 = th * th;
      const f = th * (1 + t2 * (d.k1 + t2 * (d.k2 + t2 * (d.k3 + t2 * d.k4)))) - rd;
      const df = 1 + t2 * (3 * d.k1 + t2 * (5 * d.k2 + t2 * (7 * d.k3 + t2 * 9 * d.k4)));
      const step = f / df;
      th -= step;
      if (Math.abs(step) < 1e-14) break;
    }
    const s = Math.tan(th) / rd;
    out[0] = xd * s; out[1] = yd * s;
    return;
  }
  let x = xd, y = yd;
  for (let it = 0; it < 20; it++) {
    const r2 = x * x + y * y;
    const radial = 1 + r2 * (d.k1 + r2 * (d.k2 + r2 * (d.k3 + r2 * d.k4)));
    const dradial = d.k1 + r2 * (2 * d.k2 + r2 * (3 * d.k3 + r2 * 4 * d.k4)); // d radial / d r2
    const fx = x * radial + 2 * d.p1 * x * y + d.p2 * (r2 + 2 * x * x) - xd;
    const fy = y * radial + d.p1 * (r2 + 2 * y * y) + 2 * d.p2 * x * y - yd;
    const a = radial + 2 * x * x * dradial + 2 * d.p1 * y + 6 * d.p2 * x; // dfx/dx
    const b = 2 * x * y * dradial + 2 * d.p1 * x + 2 * d.p2 * y;          // dfx/dy = dfy/dx
    const c = radial + 2 * y * y * dradial + 6 * d.p1 * y + 2 * d.p2 * x; // dfy/dy
    const det = a * c - b * b;
    if (Math.abs(det) < 1e-15) break;
    const sx = (c * fx - b * fy) / det, sy = (a * fy - b * fx) / det;
    x -= sx; y -= sy;
    if (Math.abs(sx) + Math.abs(sy) < 1e-14) break;
  }
  out[0] = x; out[1] = y;
}

const tmp2 = new Float64Array(2);

/**
 * Projects world point p into pixel coordinates (continuous, pixel centres at +0.5).
 * Returns false when the point is not in front of the camera. `w2c` is the inverse of `cam.c2w`
 * (pass it when projecting many points; it is computed otherwise).
 */
export function projectPoint(cam: Camera, p: ArrayLike<number>, out: Float64Array | number[], w2c?: Mat4): boolean {
  const m = w2c ?? invertPose(cam.c2w);
  const X = m[0] * p[0] + m[4] * p[1] + m[8] * p[2] + m[12];
  const Y = m[1] * p[0] + m[5] * p[1] + m[9] * p[2] + m[13];
  const Z = m[2] * p[0] + m[6] * p[1] + m[10] * p[2] + m[14];
  const depth = -Z; // OpenGL: the camera looks along −z
  let x = X / depth, y = -Y / depth;
  if (cam.distortion) {
    distortPoint(cam.distortion, x, y, tmp2);
    x = tmp2[0]; y = tmp2[1];
  }
  out[0] = cam.fx * x + cam.cx;
  out[1] = cam.fy * y + cam.cy;
  return depth > 0;
}

/**
 * The ray through pixel position (u, v) (pixel centres at +0.5): origin and unit direction in world space.
 * `dirOut` also receives the camera-space forward component in dirOut[3] when it has room, so callers can
 * convert between distance along the ray and depth.
 */
export function pixelRay(cam: Camera, u: number, v: number, originOut: Float64Array | number[], dirOut: Float64Array | number[]): void {
  let x = (u - cam.cx) / cam.fx, y = (v - cam.cy) / cam.fy;
  if (cam.distortion) {
    undistortPoint(cam.distortion, x, y, tmp2);
    x = tmp2[0]; y = tmp2[1];
  }
  // OpenCV normalised (x, y, 1) -> OpenGL camera axes (x, −y, −1)
  const m = cam.c2w;
  let dx = m[0] * x - m[4] * y - m[8];
  let dy = m[1] * x - m[5] * y - m[9];
  let dz = m[2] * x - m[6] * y - m[10];
  const n = Math.hypot(dx, dy, dz);
  dx /= n; dy /= n; dz /= n;
  originOut[0] = m[12]; originOut[1] = m[13]; originOut[2] = m[14];
  dirOut[0] = dx; dirOut[1] = dy; dirOut[2] = dz;
  if (dirOut.length > 3) dirOut[3] = 1 / n;
}

/** The same camera seen through an image downscaled by an integer factor (remainder pixels cropped). */
export function scaleCamera(cam: Camera, factor: number): Camera {
  return {
    ...cam,
    width: Math.floor(cam.width / factor),
    height: Math.floor(cam.height / factor),
    fx: cam.fx / factor,
    fy: cam.fy / factor,
    cx: cam.cx / factor,
    cy: cam.cy / factor,
  };
}

/**
 * The cameras' mean frame (forward-facing captures): their mean centre and an orthonormal basis from their summed
 * axes — z the mean "back" direction (cameras look along −z), x from the mean up × z, y = z × x.
 */
export function meanCameraFrame(cams: readonly Camera[]): { centre: [number, number, number]; x: [number, number, number]; y: [number, number, number]; z: [number, number, number] } {
  const c: [number, number, number] = [0, 0, 0], back = [0, 0, 0], up = [0, 0, 0];
  for (const cam of cams) {
    const m = cam.c2w;
    for (let k = 0; k < 3; k++) { c[k] += m[12 + k] / cams.length; back[k] += m[8 + k]; up[k] += m[4 + k]; }
  }
  const cross = (a: number[], b: number[]): [number, number, number] => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
  const unit = (a: number[]): [number, number, number] => { const l = Math.hypot(a[0], a[1], a[2]) || 1; return [a[0] / l, a[1] / l, a[2] / l]; };
  const z = unit(back), x = unit(cross(up, z)), y = cross(z, x);
  return { centre: c, x, y, z };
}
