import { type GridModel, type Param, type Support, makeParam, trilinearSupport, resampleDense } from './GridModel';

/**
 * FourierGrid (MULFAGRID.md §1): 2L+1 dense grids; the first is sampled at p, grid 2k+1 at
 * ½ + ½ sin(2^k π (2p − 1)) and grid 2k+2 at ½ + ½ cos(2^k π (2p − 1)) (per axis); outputs averaged.
 */
export class FourierGrid implements GridModel {
  readonly kind = 'fouriergrid' as const;
  readonly K: number;
  readonly rows: number;
  readonly features: Param;
  readonly kernelParams: Param[] = [];
  readonly copies: number;
  private readonly cell = new Float64Array(6);

  constructor(readonly resolution: number, readonly channels: number, readonly levels = 2, features?: Float32Array) {
    this.copies = 2 * levels + 1;
    this.K = 8 * this.copies;
    this.rows = this.copies * resolution ** 3;
    this.features = makeParam('features', features ?? new Float32Array(this.rows * channels));
  }

  computeSupport(pts: Float32Array, n: number, s: Support): void {
    const R = this.resolution, R3 = R ** 3, scale = 1 / this.copies;
    for (let i = 0; i < n; i++) {
      const x = pts[i * 3], y = pts[i * 3 + 1], z = pts[i * 3 + 2];
      const o = i * this.K;
      trilinearSupport(x, y, z, R, 0, s.idx, s.w, o, scale, this.cell);
      for (let k = 0; k < this.levels; k++) {
        const f = Math.PI * 2 ** k;
        const ax = f * (2 * x - 1), ay = f * (2 * y - 1), az = f * (2 * z - 1);
        trilinearSupport(0.5 + 0.5 * Math.sin(ax), 0.5 + 0.5 * Math.sin(ay), 0.5 + 0.5 * Math.sin(az), R, (2 * k + 1) * R3, s.idx, s.w, o + (2 * k + 1) * 8, scale, this.cell);
        trilinearSupport(0.5 + 0.5 * Math.cos(ax), 0.5 + 0.5 * Math.cos(ay), 0.5 + 0.5 * Math.cos(az), R, (2 * k + 2) * R3, s.idx, s.w, o + (2 * k + 2) * 8, scale, this.cell);
      }
    }
  }

  kernelBackward(): void {}

  resized(resolution: number): FourierGrid {
    const R3 = this.resolution ** 3, C = this.channels, R23 = resolution ** 3;
    const out = new Float32Array(this.copies * R23 * C);
    for (let j = 0; j < this.copies; j++) {
      out.set(resampleDense(this.features.data.subarray(j * R3 * C, (j + 1) * R3 * C), this.resolution, C, resolution), j * R23 * C);
    }
    return new FourierGrid(resolution, C, this.levels, out);
  }
}
