import type { AABB } from '../scene/Scene';

/**
 * Occupancy grid over the scene box: cells whose density can be non-negligible. Samples in empty cells
 * are skipped. Cells are [res³] over the AABB, x fastest.
 */
export class Occupancy {
  readonly cells: Uint8Array;
  occupiedCount: number;

  constructor(readonly res: number) {
    this.cells = new Uint8Array(res ** 3).fill(1);
    this.occupiedCount = this.cells.length;
  }

  /** Is normalised point p ∈ [0, 1]³ in an occupied cell? */
  at(px: number, py: number, pz: number): boolean {
    const r = this.res;
    let x = Math.floor(px * r), y = Math.floor(py * r), z = Math.floor(pz * r);
    x = x < 0 ? 0 : x >= r ? r - 1 : x;
    y = y < 0 ? 0 : y >= r ? r - 1 : y;
    z = z < 0 ? 0 : z >= r ? r - 1 : z;
    return this.cells[(z * r + y) * r + x] !== 0;
  }

  fraction(): number {
    return this.occupiedCount / this.cells.length;
  }
}

/** Ray–box slab test: [tNear, tFar] of the unit ray in the box, or null when it misses. */
export function rayBox(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, box: AABB, out: Float64Array): boolean {
  let t0 = -Infinity, t1 = Infinity;
  const o = [ox, oy, oz], d = [dx, dy, dz];
  for (let k = 0; k < 3; k++) {
    if (Math.abs(d[k]) < 1e-12) {
      if (o[k] < box[0][k] || o[k] > box[1][k]) return false;
      continue;
    }
    let a = (box[0][k] - o[k]) / d[k], b = (box[1][k] - o[k]) / d[k];
    if (a > b) { const t = a; a = b; b = t; }
    if (a > t0) t0 = a;
    if (b < t1) t1 = b;
  }
  out[0] = t0; out[1] = t1;
  return t1 > t0;
}
