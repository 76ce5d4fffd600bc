import type { AABB } from './Scene';
import type { Camera } from './Camera';
import { pixelRay } from './Camera';

/** Value at quantile q in [0, 1] of `values` (sorted copy, linear interpolation). */
export function quantile(values: ArrayLike<number>, q: number): number {
  const s = Float64Array.from(values).sort();
  if (s.length === 0) return NaN;
  const x = q * (s.length - 1), i = Math.floor(x), f = x - i;
  return i + 1 < s.length ? s[i] * (1 - f) + s[i + 1] * f : s[i];
}

/** Box around 3D points (flat xyz), robust to stray points: per-axis quantiles, padded by `pad` of its size. */
export function aabbFromPoints(xyz: ArrayLike<number>, lo = 0.02, hi = 0.98, pad = 0.1): AABB {
  const n = Math.floor(xyz.length / 3);
  const min: [number, number, number] = [0, 0, 0], max: [number, number, number] = [0, 0, 0];
  for (let d = 0; d < 3; d++) {
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) col[i] = xyz[i * 3 + d];
    const a = quantile(col, lo), b = quantile(col, hi), m = (b - a) * pad;
    min[d] = a - m; max[d] = b + m;
  }
  return [min, max];
}

/**
 * Box around the frusta of the cameras between per-camera distances near[i] and far[i]
 * (forward-facing captures such as LLFF, where the bounds come with the poses).
 */
export function aabbFromFrusta(cams: Camera[], near: ArrayLike<number>, far: ArrayLike<number>): AABB {
  const min: [number, number, number] = [Infinity, Infinity, Infinity];
  const max: [number, number, number] = [-Infinity, -Infinity, -Infinity];
  const o = [0, 0, 0], d = [0, 0, 0, 0];
  cams.forEach((cam, i) => {
    for (const [u, v] of [[0, 0], [cam.width, 0], [0, cam.height], [cam.width, cam.height]]) {
      pixelRay(cam, u, v, o, d);
      // near/far are depths along the optical axis; d[3] converts depth to distance along the ray
      for (const depth of [near[i], far[i]]) {
        const t = depth / d[3];
        for (let k = 0; k < 3; k++) {
          const p = o[k] + d[k] * t;
          if (p < min[k]) min[k] = p;
          if (p > max[k]) max[k] = p;
        }
      }
    }
  });
  return [min, max];
}

/**
 * For cameras looking at an object (turntable captures without points): the point nearest to all optical
 * axes (least squares) and a cube around it whose half-size is half the median camera distance.
 */
export function aabbFromLookAt(cams: Camera[]): AABB {
  const A = new Float64Array(9), b = new Float64Array(3);
  for (const cam of cams) {
    const m = cam.c2w;
    const dir = [-m[8], -m[9], -m[10]], n = Math.hypot(dir[0], dir[1], dir[2]);
    const dx = dir[0] / n, dy = dir[1] / n, dz = dir[2] / n, c = [m[12], m[13], m[14]];
    const P = [1 - dx * dx, -dx * dy, -dx * dz, -dy * dx, 1 - dy * dy, -dy * dz, -dz * dx, -dz * dy, 1 - dz * dz];
    for (let r = 0; r < 3; r++) {
      for (let k = 0; k < 3; k++) A[r * 3 + k] += P[r * 3 + k];
      b[r] += P[r * 3] * c[0] + P[r * 3 + 1] * c[1] + P[r * 3 + 2] * c[2];
    }
  }
  const centre = solve3(A, b) ?? meanCentre(cams);
  const dists = cams.map((c) => Math.hypot(c.c2w[12] - centre[0], c.c2w[13] - centre[1], c.c2w[14] - centre[2]));
  const h = 0.5 * quantile(dists, 0.5);
  return [[centre[0] - h, centre[1] - h, centre[2] - h], [centre[0] + h, centre[1] + h, centre[2] + h]];
}

function meanCentre(cams: Camera[]): number[] {
  const c = [0, 0, 0];
  for (const cam of cams) for (let k = 0; k < 3; k++) c[k] += cam.c2w[12 + k] / cams.length;
  return c;
}

function solve3(A: Float64Array, b: Float64Array): number[] | null {
  const [a, bb, c, d, e, f, g, h, i] = A;
  const det = a * (e * i - f * h) - bb * (d * i - f * g) + c * (d * h - e * g);
  if (Math.abs(det) < 1e-9) return null;
  const x = (b[0] * (e * i - f * h) - bb * (b[1] * i - f * b[2]) + c * (b[1] * h - e * b[2])) / det;
  const y = (a * (b[1] * i - f * b[2]) - b[0] * (d * i - f * g) + c * (d * b[2] - b[1] * g)) / det;
  const z = (a * (e * b[2] - b[1] * h) - bb * (d * b[2] - b[1] * g) + b[0] * (d * h - e * g)) / det;
  return [x, y, z];
}

/** Distances along rays from the camera centres to the nearest and farthest AABB corner over all cameras. */
export function nearFarFromAabb(cams: Camera[], aabb: AABB): { near: number; far: number } {
  let near = Infinity, far = 0;
  for (const cam of cams) {
    const c = [cam.c2w[12], cam.c2w[13], cam.c2w[14]];
    // distance to the box (0 inside) and to its farthest corner
    let d2 = 0, f2 = 0;
    for (let k = 0; k < 3; k++) {
      const lo = aabb[0][k], hi = aabb[1][k];
      const out = c[k] < lo ? lo - c[k] : c[k] > hi ? c[k] - hi : 0;
      d2 += out * out;
      const far1 = Math.max(Math.abs(c[k] - lo), Math.abs(c[k] - hi));
      f2 += far1 * far1;
    }
    near = Math.min(near, Math.sqrt(d2));
    far = Math.max(far, Math.sqrt(f2));
  }
  const size = Math.hypot(aabb[1][0] - aabb[0][0], aabb[1][1] - aabb[0][1], aabb[1][2] - aabb[0][2]);
  return { near: Math.max(near, 1e-3 * size), far };
}
