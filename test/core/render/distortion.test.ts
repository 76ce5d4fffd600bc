import { describe, it, expect } from 'vitest';
import { alphaPass, distortionBackward } from '../../../core/render/composite';
import { Rng } from '../../../core/math/rng';

/**
 * The distortion loss by brute force in f64 from raw densities: λ Σ_rays (Σ_i Σ_j w_i w_j |s_i − s_j| + ⅓ Σ_i w_i² δ),
 * s the length of the polyline through the ray's points (scaled by the box extent).
 */
function distortionLoss(raw: Float64Array, rayStart: number[], pts: Float32Array, ext: number[], shift: number, interval: number, lambda: number, step: number): number {
  let L = 0;
  for (let r = 0; r + 1 < rayStart.length; r++) {
    const w: number[] = [], d: number[] = [];
    let T = 1;
    for (let s = rayStart[r]; s < rayStart[r + 1]; s++) {
      const x = raw[s] + shift, a = 1 - Math.exp(-Math.log1p(Math.exp(x)) * interval);
      w.push(T * a);
      T *= 1 - a;
      d.push(s === rayStart[r] ? 0 : d[d.length - 1] + Math.hypot(...[0, 1, 2].map((k) => (pts[s * 3 + k] - pts[s * 3 - 3 + k]) * ext[k])));
    }
    for (let i = 0; i < w.length; i++) {
      for (let j = 0; j < w.length; j++) L += w[i] * w[j] * Math.abs(d[i] - d[j]);
      L += (w[i] * w[i] * step) / 3;
    }
  }
  return lambda * L;
}

describe('distortion loss', () => {
  it('its loss and dL/d(raw density) match brute force and finite differences, on straight and bent rays', () => {
    const rng = new Rng(11), counts = [7, 0, 12, 1, 9], n = counts.length, step = 0.05, shift = -2, interval = 1.3, lambda = 0.7;
    const ext = [2, 1.5, 3];
    const rayStart = [0];
    for (const c of counts) rayStart.push(rayStart[rayStart.length - 1] + c);
    const S = rayStart[n];
    const raw = Float32Array.from({ length: S }, () => rng.normal() * 2);
    // rays 0 and 2 straight (distance = t), the others wander (contracted rays are curves in the grid)
    const pts = new Float32Array(S * 3);
    for (let r = 0; r < n; r++) {
      const dir = [rng.normal(), rng.normal(), rng.normal()], l = Math.hypot(...dir);
      for (let s = rayStart[r], k = 0; s < rayStart[r + 1]; s++, k++) {
        for (let a = 0; a < 3; a++) {
          const bend = r === 0 || r === 2 ? 0 : (rng.next() - 0.5) * 0.02;
          pts[s * 3 + a] = 0.3 + ((k * step + rng.next() * 0.01) * dir[a]) / l / ext[a] + bend;
        }
      }
    }
    const alpha = new Float32Array(S), Tk = new Float32Array(S), colorOf = new Int32Array(S), colorSample = new Int32Array(S);
    const rayEnd = new Int32Array(n), opacity = new Float32Array(n), rs = Int32Array.from(rayStart);
    alphaPass(n, rs, raw, shift, interval, -1, 0, alpha, Tk, colorOf, colorSample, rayEnd, opacity);
    const dRaw = new Float32Array(S).fill(0.25); // it adds to what is there
    const loss = distortionBackward(n, rs, rayEnd, alpha, Tk, raw, shift, interval, { pts, ext, lambda, step }, dRaw);
    const raw64 = Float64Array.from(raw);
    expect(loss).toBeCloseTo(distortionLoss(raw64, rayStart, pts, ext, shift, interval, lambda, step), 5);
    const h = 1e-4;
    let worst = 0, scale = 0;
    for (let s = 0; s < S; s++) {
      raw64[s] += h; const up = distortionLoss(raw64, rayStart, pts, ext, shift, interval, lambda, step);
      raw64[s] -= 2 * h; const down = distortionLoss(raw64, rayStart, pts, ext, shift, interval, lambda, step);
      raw64[s] += h;
      const fd = (up - down) / (2 * h);
      worst = Math.max(worst, Math.abs(dRaw[s] - 0.25 - fd));
      scale = Math.max(scale, Math.abs(fd));
    }
    expect(scale).toBeGreaterThan(1e-3);
    expect(worst / scale).toBeLessThan(1e-4);
  });
});
