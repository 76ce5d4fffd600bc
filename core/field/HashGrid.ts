import { type GridModel, type Param, type Support, makeParam, trilinearSupport, cellOf } from './GridModel';

export interface HashConfig {
  levels: number;
  log2TableSize: number;
  minResolution: number;
  /** Finest level's resolution. */
  resolution: number;
}

/**
 * Instant-NGP multiresolution hash encoding: L levels with resolutions growing geometrically from
 * minResolution to resolution; a level whose R³ vertices fit in its table is indexed densely, the others
 * through the spatial hash (x·1 ⊕ y·2654435761 ⊕ z·805459861) mod T. Levels are summed (ours): each level
 * has the grid's C channels, so the hash grid drops into the same slot as the others.
 */
export class HashGrid implements GridModel {
  readonly kind = 'hash' as const;
  readonly K: number;
  readonly rows: number;
  readonly features: Param;
  readonly kernelParams: Param[] = [];
  readonly resolution: number;
  readonly levelRes: number[];
  private readonly T: number;
  private readonly cell = new Float64Array(6);

  constructor(readonly config: HashConfig, readonly channels: number, features?: Float32Array) {
    const { levels, log2TableSize, minResolution, resolution } = config;
    this.resolution = resolution;
    this.T = 2 ** log2TableSize;
    const b = levels > 1 ? Math.exp((Math.log(resolution) - Math.log(minResolution)) / (levels - 1)) : 1;
    this.levelRes = Array.from({ length: levels }, (_, l) => Math.max(2, Math.round(minResolution * b ** l)));
    this.K = 8 * levels;
    this.rows = levels * this.T;
    this.features = makeParam('features', features ?? new Float32Array(this.rows * channels));
  }

  computeSupport(pts: Float32Array, n: number, s: Support): void {
    const T = this.T, cell = this.cell;
    for (let i = 0; i < n; i++) {
      const x = pts[i * 3], y = pts[i * 3 + 1], z = pts[i * 3 + 2];
      for (let l = 0; l < this.levelRes.length; l++) {
        const R = this.levelRes[l], o = i * this.K + l * 8, base = l * T;
        if (R ** 3 <= T) {
          trilinearSupport(x, y, z, R, base, s.idx, s.w, o, 1, cell);
          continue;
        }
        cellOf(x, R, cell, 0); cellOf(y, R, cell, 2); cellOf(z, R, cell, 4);
        for (let c = 0; c < 8; c++) {
          const cx = cell[0] + (c & 1), cy = cell[2] + ((c >> 1) & 1), cz = cell[4] + (c >> 2);
          const h = ((cx ^ Math.imul(cy, 2654435761) ^ Math.imul(cz, 805459861)) >>> 0) % T;
          const wx = c & 1 ? cell[1] : 1 - cell[1], wy = (c >> 1) & 1 ? cell[3] : 1 - cell[3], wz = c >> 2 ? cell[5] : 1 - cell[5];
          s.idx[o + c] = base + h;
          s.w[o + c] = wx * wy * wz;
        }
      }
    }
  }

  kernelBackward(): void {}
}
