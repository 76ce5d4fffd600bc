/**
 * Volume rendering along rays (MULFAGRID.md §4), the loops the field runs and the WebGPU shaders mirror
 * (shaders/composite.wgsl). Samples of ray r are [rayStart[r], rayStart[r + 1]); colour samples are
 * addressed through colorOf[s] (−1: no colour, the sample's weight is below the threshold).
 */

/**
 * DVGO alpha from the density pre-activation, transmittance, early termination, and which samples get
 * colour (compacted in order into colorSample). Returns how many samples get colour.
 */
export function alphaPass(n: number, rayStart: Int32Array, raw: Float32Array, shift: number, interval: number, thrW: number, thrT: number,
  alpha: Float32Array, Tk: Float32Array, colorOf: Int32Array, colorSample: Int32Array, rayEnd: Int32Array, opacity: Float32Array): number {
  let nc = 0;
  for (let r = 0; r < n; r++) {
    let T = 1;
    const s0 = rayStart[r], s1 = rayStart[r + 1];
    let end = s1;
    for (let s = s0; s < s1; s++) {
      const x = raw[s] + shift;
      const sigma = x > 20 ? x : Math.log1p(Math.exp(x));
      let a = 1 - Math.exp(-sigma * interval);
      if (a > 0.999999) a = 0.999999;
      alpha[s] = a; Tk[s] = T;
      const w = T * a;
      if (w > thrW) { colorOf[s] = nc; colorSample[nc++] = s; } else colorOf[s] = -1;
      T *= 1 - a;
      if (T < thrT) { end = s + 1; break; }
    }
    rayEnd[r] = end;
    opacity[r] = 1 - T;
  }
  return nc;
}

/** C = Σ T·α·rgb + (1 − opacity)·background, and the expected depth Σ T·α·t. */
export function compositePass(n: number, rayStart: Int32Array, rayEnd: Int32Array, colorOf: Int32Array, Tk: Float32Array, alpha: Float32Array,
  sampleRgb: Float32Array, sT: Float32Array, opacity: Float32Array, background: readonly number[], out: Float32Array, depth: Float32Array): void {
  for (let r = 0; r < n; r++) {
    let cr = 0, cg = 0, cb = 0, d = 0;
    for (let s = rayStart[r], e = rayEnd[r]; s < e; s++) {
      const j = colorOf[s];
      if (j < 0) continue;
      const w = Tk[s] * alpha[s];
      cr += w * sampleRgb[j * 3]; cg += w * sampleRgb[j * 3 + 1]; cb += w * sampleRgb[j * 3 + 2];
      d += w * sT[s];
    }
    const Tn = 1 - opacity[r];
    out[r * 3] = cr + Tn * background[0];
    out[r * 3 + 1] = cg + Tn * background[1];
    out[r * 3 + 2] = cb + Tn * background[2];
    depth[r] = d;
  }
}

/**
 * The distortion loss of mip-NeRF 360 (DVGO v2 uses it on forward-facing captures) over each ray's weights
 * w = T·α at distances s along the ray in the grid's space: λ·(Σ_i Σ_j w_i w_j |s_i − s_j| + ⅓ Σ_i w_i² δ), δ the
 * sample spacing. s is the length of the polyline through the ray's samples (pts, normalised box coordinates,
 * scaled by the box's extent `ext`): the distance along the ray where rays are lines in the grid (bounded,
 * forward-facing), the distance in contracted space for unbounded scenes (whose samples are a step apart there).
 */
export interface Distortion { pts: Float32Array; ext: readonly number[]; lambda: number; step: number }

/** Backward of compositing and alpha: dL/d(sample rgb) [nColor, 3] and dL/d(raw density) [S] from dL/dC [n, 3] (and the distortion loss when given). */
export function compositeBackward(n: number, rayStart: Int32Array, rayEnd: Int32Array, colorOf: Int32Array, alpha: Float32Array, Tk: Float32Array,
  raw: Float32Array, shift: number, interval: number, sampleRgb: Float32Array, background: readonly number[], dRgb: Float32Array,
  dSampleRgb: Float32Array, dRaw: Float32Array, dist?: Distortion): void {
  if (dist && dist.lambda > 0) distortionBackward(n, rayStart, rayEnd, alpha, Tk, raw, shift, interval, dist, dRaw);
  for (let r = 0; r < n; r++) {
    const gr = dRgb[r * 3], gg = dRgb[r * 3 + 1], gb = dRgb[r * 3 + 2];
    // behind = colour composited behind sample s, seen from s + 1 (starts as the background)
    let br = background[0], bgc = background[1], bb = background[2];
    for (let s = rayEnd[r] - 1; s >= rayStart[r]; s--) {
      const j = colorOf[s], a = alpha[s], T = Tk[s];
      let cr = 0, cg = 0, cb = 0;
      if (j >= 0) {
        cr = sampleRgb[j * 3]; cg = sampleRgb[j * 3 + 1]; cb = sampleRgb[j * 3 + 2];
        const w = T * a;
        dSampleRgb[j * 3] = w * gr; dSampleRgb[j * 3 + 1] = w * gg; dSampleRgb[j * 3 + 2] = w * gb;
      }
      const dAlpha = T * (gr * (cr - br) + gg * (cg - bgc) + gb * (cb - bb));
      const x = raw[s] + shift;
      const sig = 1 / (1 + Math.exp(-x));
      dRaw[s] += dAlpha * interval * (1 - a) * sig;
      br = a * cr + (1 - a) * br; bgc = a * cg + (1 - a) * bgc; bb = a * cb + (1 - a) * bb;
    }
  }
}

/**
 * dL/d(raw density) += the distortion loss's (Distortion), ray by ray in O(samples): with W, WS the sums of w and w·s
 * over the ray, g_i = dL/dw_i = λ(2 Σ_j w_j |s_i − s_j| + ⅔ w_i δ) from sums before and after i, and through
 * w_i = T_i α_i, dL/dα_k = T_k g_k − Σ_{i>k} g_i w_i / (1 − α_k). Returns the loss. (The backward walk recovers
 * each s by subtracting the segment lengths again, as the WebGPU pass does: no per-sample scratch.)
 */
export function distortionBackward(n: number, rayStart: Int32Array, rayEnd: Int32Array, alpha: Float32Array, Tk: Float32Array, raw: Float32Array,
  shift: number, interval: number, dist: Distortion, dRaw: Float32Array): number {
  const { pts, ext, lambda, step } = dist, ex = ext[0], ey = ext[1], ez = ext[2];
  const seg = (s: number) => Math.hypot((pts[s * 3] - pts[s * 3 - 3]) * ex, (pts[s * 3 + 1] - pts[s * 3 - 2]) * ey, (pts[s * 3 + 2] - pts[s * 3 - 1]) * ez);
  let loss = 0;
  for (let r = 0; r < n; r++) {
    const s0 = rayStart[r], e = rayEnd[r];
    let W = 0, WS = 0, d = 0;
    for (let s = s0; s < e; s++) {
      if (s > s0) d += seg(s);
      const w = Tk[s] * alpha[s];
      W += w; WS += w * d;
    }
    let Wa = 0, WSa = 0, G = 0;
    for (let s = e - 1; s >= s0; s--) {
      const a = alpha[s], w = Tk[s] * a;
      const Wb = W - Wa - w, WSb = WS - WSa - w * d;
      const pair = d * Wb - WSb + WSa - d * Wa; // Σ_j w_j |s − s_j|
      loss += lambda * (w * pair + (w * w * step) / 3);
      const g = lambda * (2 * pair + (2 / 3) * w * step);
      const x = raw[s] + shift, sig = 1 / (1 + Math.exp(-x));
      dRaw[s] += interval * sig * (Tk[s] * g * (1 - a) - G);
      G += g * w; Wa += w; WSa += w * d;
      if (s > s0) d -= seg(s);
    }
  }
  return loss;
}
