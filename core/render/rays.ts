import { type Camera, pixelRay } from '../scene/Camera';
import type { RayBatch } from '../field/RadianceField';

/** Rays through the centres of pixels [start, start + count) of a camera (row-major), into a batch. */
export function cameraRays(cam: Camera, start: number, count: number, batch: RayBatch): void {
  const o = [0, 0, 0], d = [0, 0, 0];
  for (let i = 0; i < count; i++) {
    const p = start + i, x = p % cam.width, y = Math.floor(p / cam.width);
    pixelRay(cam, x + 0.5, y + 0.5, o, d);
    batch.origins[i * 3] = o[0]; batch.origins[i * 3 + 1] = o[1]; batch.origins[i * 3 + 2] = o[2];
    batch.dirs[i * 3] = d[0]; batch.dirs[i * 3 + 1] = d[1]; batch.dirs[i * 3 + 2] = d[2];
  }
  batch.n = count;
}

export function makeRayBatch(capacity: number): RayBatch {
  return { n: 0, origins: new Float32Array(capacity * 3), dirs: new Float32Array(capacity * 3) };
}
