/**
 * Baking a radiance field into 3D textures for the live viewport's GLSL ray marcher: at the B³ vertices of
 * a lattice over the box, the density pre-activation x = raw + shift (the shader applies softplus after
 * trilinear filtering, as the engine does after interpolation) and the decoded colour for the direction
 * from the eye to the vertex (the decoder is view-dependent; the viewport re-bakes as the view moves).
 * Colour is decoded only where one step of the final grid would be visible (α > 1e-4).
 */
import type { RadianceField } from '../field/RadianceField';
import { makeSupport } from '../field/GridModel';

export interface BakedField {
  /** Lattice vertices per axis. */
  size: number;
  /** [size³] x = raw + shift, x fastest. */
  density: Float32Array;
  /** [size³ · 4] RGBA8 (alpha unused). */
  rgb: Uint8Array;
  /** World length of one final-grid voxel: α = 1 − exp(−softplus(x) · distance / voxel). */
  voxel: number;
  /** The engine's sample spacing (world). */
  step: number;
}

export function bakeField(field: RadianceField, size: number, eye: readonly number[], chunk = 32768): BakedField {
  const N = size ** 3, aabb = field.aabb;
  const density = new Float32Array(N), rgb = new Uint8Array(N * 4);
  const d = field.density, c = field.color, C = c.channels;
  const pts = new Float32Array(chunk * 3), raw = new Float32Array(chunk), feats = new Float32Array(chunk * C), dirs = new Float32Array(chunk * 3);
  const dSup = makeSupport(d, chunk), cSup = makeSupport(c, chunk);
  const idx = new Int32Array(chunk);
  const sigmaVisible = -Math.log(1 - 1e-4) / field.interval;
  const xVisible = Math.log(Math.expm1(sigmaVisible));
  for (let start = 0; start < N; start += chunk) {
    const n = Math.min(chunk, N - start);
    for (let j = 0; j < n; j++) {
      const v = start + j, x = v % size, y = Math.floor(v / size) % size, z = Math.floor(v / (size * size));
      pts[j * 3] = x / (size - 1); pts[j * 3 + 1] = y / (size - 1); pts[j * 3 + 2] = z / (size - 1);
    }
    d.computeSupport(pts, n, dSup);
    raw.fill(0);
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let k = j * d.K; k < (j + 1) * d.K; k++) acc += dSup.w[k] * d.features.data[dSup.idx[k]];
      density[start + j] = acc + field.shift;
    }
    // colour where visible
    let m = 0;
    for (let j = 0; j < n; j++) if (density[start + j] > xVisible) {
      idx[m] = start + j;
      pts.copyWithin(m * 3, j * 3, j * 3 + 3);
      m++;
    }
    if (m === 0) continue;
    c.computeSupport(pts, m, cSup);
    feats.fill(0, 0, m * C);
    for (let j = 0; j < m; j++) {
      for (let k = j * c.K; k < (j + 1) * c.K; k++) {
        const w = cSup.w[k], r = cSup.idx[k] * C;
        for (let ch = 0; ch < C; ch++) feats[j * C + ch] += w * c.features.data[r + ch];
      }
      const wx = aabb[0][0] + pts[j * 3] * (aabb[1][0] - aabb[0][0]) - eye[0];
      const wy = aabb[0][1] + pts[j * 3 + 1] * (aabb[1][1] - aabb[0][1]) - eye[1];
      const wz = aabb[0][2] + pts[j * 3 + 2] * (aabb[1][2] - aabb[0][2]) - eye[2];
      const l = Math.hypot(wx, wy, wz) || 1;
      dirs[j * 3] = wx / l; dirs[j * 3 + 1] = wy / l; dirs[j * 3 + 2] = wz / l;
    }
    field.decoder.fillInput(m, feats, dirs, null);
    const out = field.decoder.forward(m);
    for (let j = 0; j < m; j++) for (let ch = 0; ch < 3; ch++) rgb[idx[j] * 4 + ch] = Math.round(Math.min(1, Math.max(0, out[j * 3 + ch])) * 255);
  }
  return { size, density, rgb, voxel: field.voxelSize, step: field.stepSize };
}
