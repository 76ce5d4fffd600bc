/**
 * Point queries of a trained field outside ray marching: the density pre-activation x = raw + shift and the
 * decoded colour for a viewing direction, at points in normalised box coordinates [0, 1]³, in chunks through
 * the same supports, gathers and decoder the engine trains with. Used by baking (viewport textures) and by
 * geometry export (marching cubes, vertex colours, point clouds).
 */
import type { RadianceField } from './RadianceField';
import { makeSupport, type Support } from './GridModel';

export class FieldQuery {
  private readonly dSup: Support;
  private readonly cSup: Support;
  private readonly feats: Float32Array;

  constructor(readonly field: RadianceField, readonly chunk = 32768) {
    this.dSup = makeSupport(field.density, chunk);
    this.cSup = makeSupport(field.color, chunk);
    this.feats = new Float32Array(chunk * field.color.channels);
  }

  /** Density pre-activation x = raw + shift at n ≤ chunk points: σ = softplus(x) per final-grid voxel length. */
  density(pts: Float32Array, n: number, out: Float32Array, offset = 0): void {
    const d = this.field.density, sup = this.dSup, data = d.features.data, K = d.K, shift = this.field.shift;
    d.computeSupport(pts, n, sup);
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let k = j * K; k < (j + 1) * K; k++) acc += sup.w[k] * data[sup.idx[k]];
      out[offset + j] = acc + shift;
    }
  }

  /** Decoded colour (sRGB-encoded, unclamped) [n, 3] at n ≤ chunk points seen along unit world directions dirs [n, 3]. */
  color(pts: Float32Array, dirs: Float32Array, n: number): Float32Array {
    const c = this.field.color, C = c.channels, sup = this.cSup, feats = this.feats, data = c.features.data;
    c.computeSupport(pts, n, sup);
    feats.fill(0, 0, n * C);
    for (let j = 0; j < n; j++) {
      for (let k = j * c.K; k < (j + 1) * c.K; k++) {
        const w = sup.w[k], r = sup.idx[k] * C;
        for (let ch = 0; ch < C; ch++) feats[j * C + ch] += w * data[r + ch];
      }
    }
    this.field.decoder.fillInput(n, feats, dirs, null);
    return this.field.decoder.forward(n);
  }

  /** x = raw + shift above which one step of the final grid has opacity above alpha (monotone in x). */
  static xForStepAlpha(field: RadianceField, alpha: number): number {
    return xForSigma(-Math.log(1 - alpha) / field.interval);
  }
}

/** Inverse softplus. */
function xForSigma(sigma: number): number {
  return sigma > 30 ? sigma : Math.log(Math.expm1(sigma));
}

/** Normalised coordinates [0, 1]³ of lattice points start .. start + n − 1 of a dims lattice (x fastest) into out [n · 3]. */
export function latticePoints(start: number, n: number, dims: readonly [number, number, number], out: Float32Array): void {
  const [nx, ny, nz] = dims;
  for (let j = 0; j < n; j++) {
    const v = start + j, x = v % nx, y = Math.floor(v / nx) % ny, z = Math.floor(v / (nx * ny));
    out[j * 3] = x / (nx - 1); out[j * 3 + 1] = y / (ny - 1); out[j * 3 + 2] = z / (nz - 1);
  }
}
