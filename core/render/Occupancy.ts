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
  // one slab per axis; no arrays, it runs once per ray
  out[0] = -Infinity; out[1] = Infinity;
  return slab(ox, dx, box[0][0], box[1][0], out) && slab(oy, dy, box[0][1], box[1][1], out) &&
    slab(oz, dz, box[0][2], box[1][2], out) && out[1] > out[0];
}

/** Narrows [out[0], out[1]] to where o + t·d lies in [lo, hi]; false when the ray misses the slab. */
function slab(o: number, d: number, lo: number, hi: number, out: Float64Array): boolean {
  if (Math.abs(d) < 1e-12) return o >= lo && o <= hi;
  let a = (lo - o) / d, b = (hi - o) / d;
  if (a > b) { const t = a; a = b; b = t; }
  if (a > out[0]) out[0] = a;
  if (b < out[1]) out[1] = b;
  return true;
}
