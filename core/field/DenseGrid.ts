import { type GridModel, type Param, type Support, makeParam, trilinearSupport, resampleDense } from './GridModel';

/** Dense grid with trilinear interpolation (Plenoxels/DVGO style): U(x) = the 8 corners, φ = trilinear. */
export class DenseGrid implements GridModel {
  readonly kind = 'dense' as const;
  readonly K = 8;
  readonly rows: number;
  readonly features: Param;
  readonly kernelParams: Param[] = [];
  private readonly cell = new Float64Array(6);

  constructor(readonly resolution: number, readonly channels: number, features?: Float32Array) {
    if (resolution < 2) throw new RangeError(`grid resolution must be ≥ 2, got ${resolution}`);
    this.rows = resolution ** 3;
    this.features = makeParam('features', features ?? new Float32Array(this.rows * channels));
  }

  computeSupport(pts: Float32Array, n: number, s: Support): void {
    const R = this.resolution;
    for (let i = 0; i < n; i++) trilinearSupport(pts[i * 3], pts[i * 3 + 1], pts[i * 3 + 2], R, 0, s.idx, s.w, i * 8, 1, this.cell);
  }

  kernelBackward(): void {}

  resized(resolution: number): DenseGrid {
    return new DenseGrid(resolution, this.channels, resampleDense(this.features.data, this.resolution, this.channels, resolution));
  }
}
