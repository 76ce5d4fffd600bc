/**
 * Ray sampling inside the box (MULFAGRID.md §4), the loops the field runs and shaders/sampling.wgsl mirrors:
 * every `step` along each ray between max(box entry, near) and min(box exit, far), offset by a jitter
 * fraction of a step (0.5 without jitter), keeping only samples in occupied cells.
 */
import type { AABB } from '../scene/Scene';
import { type Occupancy, rayBox } from './Occupancy';
import { CONTRACT_FAR, contract } from '../scene/space';

/** Per ray: the first sample's t and the number of candidate samples; returns their total. `jitter` is drawn once per ray that hits the box. */
export function countSamples(n: number, origins: Float32Array, dirs: Float32Array, aabb: AABB, near: number, far: number, step: number,
  jitter: (() => number) | null, tStart: Float32Array, tCount: Int32Array, box: Float64Array): number {
  let total = 0;
  for (let r = 0; r < n; r++) {
    const ox = origins[r * 3], oy = origins[r * 3 + 1], oz = origins[r * 3 + 2];
    const dx = dirs[r * 3], dy = dirs[r * 3 + 1], dz = dirs[r * 3 + 2];
    let count = 0, t0 = 0;
    if (rayBox(ox, oy, oz, dx, dy, dz, aabb, box)) {
      t0 = Math.max(box[0], near);
      const t1 = Math.min(box[1], far);
      if (t1 > t0) count = Math.floor((t1 - t0) / step);
      t0 += (jitter ? jitter() : 0.5) * step;
    }
    tStart[r] = t0; tCount[r] = count;
    total += count;
  }
  return total;
}

/** The samples in occupied cells: normalised points [S, 3], their ray and t, and rayStart [n + 1]; returns S. */
export function placeSamples(n: number, origins: Float32Array, dirs: Float32Array, aabb: AABB, step: number, occ: Occupancy,
  tStart: Float32Array, tCount: Int32Array, rayStart: Int32Array, pts: Float32Array, sRay: Int32Array, sT: Float32Array): number {
  const ext = [aabb[1][0] - aabb[0][0], aabb[1][1] - aabb[0][1], aabb[1][2] - aabb[0][2]];
  let S = 0;
  for (let r = 0; r < n; r++) {
    rayStart[r] = S;
    const ox = origins[r * 3], oy = origins[r * 3 + 1], oz = origins[r * 3 + 2];
    const dx = dirs[r * 3], dy = dirs[r * 3 + 1], dz = dirs[r * 3 + 2];
    for (let k = 0, c = tCount[r]; k < c; k++) {
      const t = tStart[r] + k * step;
      const px = (ox + t * dx - aabb[0][0]) / ext[0], py = (oy + t * dy - aabb[0][1]) / ext[1], pz = (oz + t * dz - aabb[0][2]) / ext[2];
      if (!occ.at(px, py, pz)) continue;
      pts[S * 3] = px; pts[S * 3 + 1] = py; pts[S * 3 + 2] = pz;
      sRay[S] = r;
      sT[S] = t;
      S++;
    }
  }
  rayStart[n] = S;
  return S;
}

/**
 * Unbounded scenes (core/scene/space.ts): rays are foreground-relative lines whose points are contracted one by
 * one. The step along the world ray is step · max(1, ‖x‖∞)², so that one step stays about one `step` long in
 * the contracted grid (the contraction shrinks radial distances by 1/‖x‖²); a ray ends at `far` or where ‖x‖∞
 * reaches CONTRACT_FAR (the grid's last voxel). The same recurrence runs in shaders/sampling.wgsl and the
 * viewport's GLSL marcher, so all three place samples alike.
 */
export function contractedStep(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, t: number, step: number): number {
  const s = Math.max(Math.abs(ox + t * dx), Math.abs(oy + t * dy), Math.abs(oz + t * dz));
  return s >= CONTRACT_FAR ? -1 : s > 1 ? step * s * s : step;
}

/** Most samples one contracted ray may take (a guard: about 1/step inside plus 1/step outside the foreground). */
export const CONTRACTED_MAX_SAMPLES = 4096;

/** countSamples for unbounded scenes: tStart is the first sample's t (jittered), tCount the samples before the far end. */
export function countContracted(n: number, origins: Float32Array, dirs: Float32Array, near: number, far: number, step: number,
  jitter: (() => number) | null, tStart: Float32Array, tCount: Int32Array): number {
  let total = 0;
  for (let r = 0; r < n; r++) {
    const ox = origins[r * 3], oy = origins[r * 3 + 1], oz = origins[r * 3 + 2];
    const dx = dirs[r * 3], dy = dirs[r * 3 + 1], dz = dirs[r * 3 + 2];
    let t = Math.max(near, 0), count = 0;
    const h0 = contractedStep(ox, oy, oz, dx, dy, dz, t, step);
    if (h0 > 0) {
      t = Math.fround(t + (jitter ? jitter() : 0.5) * h0);
      for (let tt = t; count < CONTRACTED_MAX_SAMPLES && tt < far; count++) {
        const h = contractedStep(ox, oy, oz, dx, dy, dz, tt, step);
        if (h < 0) break;
        tt += h;
      }
    }
    tStart[r] = t; tCount[r] = count;
    total += count;
  }
  return total;
}

/** placeSamples for unbounded scenes: the same walk as countContracted, points contracted and normalised into the grid box. */
export function placeContracted(n: number, origins: Float32Array, dirs: Float32Array, aabb: AABB, step: number, occ: Occupancy,
  tStart: Float32Array, tCount: Int32Array, rayStart: Int32Array, pts: Float32Array, sRay: Int32Array, sT: Float32Array): number {
  const ext = [aabb[1][0] - aabb[0][0], aabb[1][1] - aabb[0][1], aabb[1][2] - aabb[0][2]];
  const c = [0, 0, 0];
  let S = 0;
  for (let r = 0; r < n; r++) {
    rayStart[r] = S;
    const ox = origins[r * 3], oy = origins[r * 3 + 1], oz = origins[r * 3 + 2];
    const dx = dirs[r * 3], dy = dirs[r * 3 + 1], dz = dirs[r * 3 + 2];
    let t = tStart[r];
    for (let k = 0, cnt = tCount[r]; k < cnt; k++) {
      contract(ox + t * dx, oy + t * dy, oz + t * dz, c);
      const px = (c[0] - aabb[0][0]) / ext[0], py = (c[1] - aabb[0][1]) / ext[1], pz = (c[2] - aabb[0][2]) / ext[2];
      if (occ.at(px, py, pz)) {
        pts[S * 3] = px; pts[S * 3 + 1] = py; pts[S * 3 + 2] = pz;
        sRay[S] = r;
        sT[S] = t;
        S++;
      }
      t += contractedStep(ox, oy, oz, dx, dy, dz, t, step);
    }
  }
  rayStart[n] = S;
  return S;
}
