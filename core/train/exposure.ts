/**
 * Per-image exposure and white balance of captured photos (NeRF-W's appearance, as a small affine colour): view v's
 * rendered colour c becomes c' = (I + M_v)·c + b_v before the loss, stored as 12 numbers a view (M_v row-major
 * 3×3, then b_v), learned with the small networks. M_v stays diagonal — a gain per channel (exposure and white
 * balance) and an offset: a full 3×3 per photo also absorbed what the view-dependent decoder should learn (on
 * the demo at 1/8 with gains 0.7–1.3, the full matrix cost 1.5 dB held-out at 600 steps). The field learns the scene's colours; the affines absorb each photo's
 * camera settings. Their mean over the views is held at the identity (recentre after each update), so a global
 * colour shift stays in the field, and evaluation renders without them (the standard protocol: held-out views
 * have no learned affine). Off for synthetic scenes (one exposure by construction).
 */
import { type Param, makeParam } from '../field/GridModel';

/** Numbers per view: M (3×3, kept diagonal) and b (3). */
export const EXPOSURE_PER_VIEW = 12;

/** Their learning rate relative to the decoder's: 10 × (1e-2), so a photo's gain can move by tens of percent in a few hundred steps. */
export const EXPOSURE_LR_SCALE = 10;

/** Zero affines (the identity) for `views` training views. */
export function makeExposure(views: number): Param {
  return makeParam('exposure', new Float32Array(views * EXPOSURE_PER_VIEW), EXPOSURE_LR_SCALE);
}

/** out[i] = (I + M_v)·rgb[i] + b_v with v = rayView[i], for n rays. */
export function applyExposure(p: Float32Array, n: number, rgb: Float32Array, rayView: Int32Array, out: Float32Array): void {
  for (let i = 0; i < n; i++) {
    const o = rayView[i] * EXPOSURE_PER_VIEW, r = rgb[i * 3], g = rgb[i * 3 + 1], b = rgb[i * 3 + 2];
    for (let k = 0; k < 3; k++) {
      out[i * 3 + k] = rgb[i * 3 + k] + p[o + k * 3] * r + p[o + k * 3 + 1] * g + p[o + k * 3 + 2] * b + p[o + 9 + k];
    }
  }
}

/** Backward of applyExposure for dL/dout [n, 3]: dRgb = (I + M_v)ᵀ·dout, and the affines' gradients accumulate into p.grad. */
export function exposureBackward(p: Param, n: number, rgb: Float32Array, rayView: Int32Array, dOut: Float32Array, dRgb: Float32Array): void {
  const P = p.data, G = p.grad;
  for (let i = 0; i < n; i++) {
    const o = rayView[i] * EXPOSURE_PER_VIEW, d0 = dOut[i * 3], d1 = dOut[i * 3 + 1], d2 = dOut[i * 3 + 2];
    for (let k = 0; k < 3; k++) {
      dRgb[i * 3 + k] = dOut[i * 3 + k] + P[o + k] * d0 + P[o + 3 + k] * d1 + P[o + 6 + k] * d2;
      const dk = dOut[i * 3 + k];
      G[o + k * 4] += dk * rgb[i * 3 + k]; // the diagonal only (a gain per channel): see EXPOSURE_PER_VIEW
      G[o + 9 + k] += dk;
    }
  }
}

/** Subtracts the mean affine over the views from each (their mean stays the identity). */
export function recentreExposure(p: Float32Array): void {
  const V = p.length / EXPOSURE_PER_VIEW;
  for (let j = 0; j < EXPOSURE_PER_VIEW; j++) {
    let s = 0;
    for (let v = 0; v < V; v++) s += p[v * EXPOSURE_PER_VIEW + j];
    const m = s / V;
    for (let v = 0; v < V; v++) p[v * EXPOSURE_PER_VIEW + j] -= m;
  }
}
