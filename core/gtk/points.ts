/**
 * Points where a learned field matters (MULFAGRID.md §5): samples of rays through the training cameras,
 * drawn in proportion to their compositing weight, plus a uniform share over the box. Reproducible by seed.
 */
import type { Camera } from '../scene/Camera';
import { pixelRay } from '../scene/Camera';
import type { RadianceField } from '../field/RadianceField';
import { Rng } from '../math/rng';
import { makeRayBatch } from '../render/rays';

export interface PointSelection {
  /** [n, 3] normalised box coordinates. */
  pts: Float32Array;
  n: number;
  /** How many came from rendering weight (the rest are uniform). */
  weighted: number;
}

export function selectFieldPoints(field: RadianceField, cameras: Camera[], scene: { near: number; far: number; background: [number, number, number] },
  n: number, seed: number, uniformShare = 0.25): PointSelection {
  const rng = new Rng(seed);
  const nUniform = cameras.length ? Math.round(n * uniformShare) : n, nWeighted = n - nUniform;
  const pts = new Float32Array(n * 3);
  let got = 0;
  if (nWeighted > 0) {
    // candidate samples from random pixels of random cameras
    const rays = Math.max(256, 2 * nWeighted), batch = makeRayBatch(rays), o = [0, 0, 0], d = [0, 0, 0];
    for (let i = 0; i < rays; i++) {
      const cam = cameras[rng.int(cameras.length)];
      pixelRay(cam, rng.next() * cam.width, rng.next() * cam.height, o, d);
      batch.origins.set(o, i * 3);
      batch.dirs.set(d, i * 3);
    }
    batch.n = rays;
    field.render(batch, scene.near, scene.far, scene.background, null);
    const { pts: cand, weight, n: S } = field.lastSamples();
    let total = 0;
    for (let s = 0; s < S; s++) total += weight[s];
    if (total > 0) {
      // systematic resampling: nWeighted draws in proportion to weight, one random offset
      const step = total / nWeighted;
      let u = rng.next() * step, acc = 0, s = 0;
      for (let k = 0; k < nWeighted; k++) {
        while (s < S - 1 && acc + weight[s] < u) { acc += weight[s]; s++; }
        pts.set(cand.subarray(s * 3, s * 3 + 3), got * 3);
        got++;
        u += step;
      }
    }
  }
  const weighted = got;
  for (; got < n; got++) for (let a = 0; a < 3; a++) pts[got * 3 + a] = rng.next();
  return { pts, n, weighted };
}
