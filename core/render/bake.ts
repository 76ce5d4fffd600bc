/**
 * Baking a radiance field into 3D textures for the live viewport's GLSL ray marcher: at the B³ vertices of
 * a lattice over the box, the density pre-activation x = raw + shift (the shader applies softplus after
 * trilinear filtering, as the engine does after interpolation) and the decoded colour for the direction
 * from the eye to the vertex (the decoder is view-dependent; the viewport re-bakes as the view moves).
 * Colour is decoded only where one step of the final grid would be visible (α > 1e-4).
 */
import type { RadianceField } from '../field/RadianceField';
import { FieldQuery, latticePoints } from '../field/query';
import { type SceneSpace, gridToWorld } from '../scene/space';

export interface BakedField {
  /** Lattice vertices per axis. */
  size: number;
  /** [size³] x = raw + shift, x fastest. */
  density: Float32Array;
  /** [size³ · 4] RGBA8 (alpha unused). */
  rgb: Uint8Array;
  /** Length of one final-grid voxel (grid units): α = 1 − exp(−softplus(x) · distance / voxel). */
  voxel: number;
  /** The engine's sample spacing (grid units: world for bounded scenes, NDC for forward-facing ones). */
  step: number;
  /** The space the lattice spans (its box is the lattice's extent). */
  space: SceneSpace;
}

export function bakeField(field: RadianceField, size: number, eye: readonly number[], chunk = 32768): BakedField {
  const N = size ** 3;
  const density = new Float32Array(N), rgb = new Uint8Array(N * 4);
  const q = new FieldQuery(field, chunk);
  const pts = new Float32Array(chunk * 3), dirs = new Float32Array(chunk * 3), idx = new Int32Array(chunk), w = [0, 0, 0];
  const xVisible = FieldQuery.xForStepAlpha(field, 1e-4);
  for (let start = 0; start < N; start += chunk) {
    const n = Math.min(chunk, N - start);
    latticePoints(start, n, [size, size, size], pts);
    q.density(pts, n, density, start);
    // colour where visible
    let m = 0;
    for (let j = 0; j < n; j++) if (density[start + j] > xVisible) {
      idx[m] = start + j;
      pts.copyWithin(m * 3, j * 3, j * 3 + 3);
      gridToWorld(field.space, pts[m * 3], pts[m * 3 + 1], pts[m * 3 + 2], w);
      const wx = w[0] - eye[0], wy = w[1] - eye[1], wz = w[2] - eye[2], l = Math.hypot(wx, wy, wz) || 1;
      dirs[m * 3] = wx / l; dirs[m * 3 + 1] = wy / l; dirs[m * 3 + 2] = wz / l;
      m++;
    }
    if (m === 0) continue;
    const out = q.color(pts, dirs, m);
    for (let j = 0; j < m; j++) for (let ch = 0; ch < 3; ch++) rgb[idx[j] * 4 + ch] = Math.round(Math.min(1, Math.max(0, out[j * 3 + ch])) * 255);
  }
  return { size, density, rgb, voxel: field.voxelSize, step: field.stepSize, space: field.space };
}
