/**
 * NeRF Blender synthetic format: transforms_{train,val,test}.json with `camera_angle_x` and
 * `frames[].{file_path, transform_matrix}`; `file_path` usually has no extension (".png" is added);
 * RGBA PNGs composited on white. Poses are already camera-to-world in the OpenGL convention.
 */
import { InputError } from '../core/errors';
import type { Camera } from '../core/scene/Camera';
import type { AABB, Split } from '../core/scene/Scene';
import { SPLITS } from '../core/scene/Scene';
import { type DatasetFS, confinePath, readJson, joinPath, dirname } from './fs';
import { type LoadOptions, type RawScene, type ImageRef, probeImages, checkSameSize, checkDownscale } from './build';
import { asObject, asArray, asString, matrix4, positive, finite } from './validate';

export const BLENDER_AABB: AABB = [[-1.5, -1.5, -1.5], [1.5, 1.5, 1.5]];

export function blenderSplitFile(split: Split): string {
  return `transforms_${split}.json`;
}

export async function loadBlender(fs: DatasetFS, opts: LoadOptions, base = ''): Promise<RawScene> {
  const downscale = checkDownscale(opts.downscale ?? 1);
  const views: RawScene['views'] = [];
  const splits: Record<Split, number[]> = { train: [], val: [], test: [] };
  let aabb: AABB = BLENDER_AABB;
  let near = 2, far = 6;
  for (const split of SPLITS) {
    const file = joinPath(base, blenderSplitFile(split));
    if ((await fs.stat(file)) !== 'file') {
      if (split === 'train') throw new InputError(file, '', 'file not found (a Blender dataset needs at least the training split)');
      continue;
    }
    const json = asObject(await readJson(fs, file), file, '');
    const angleX = positive(json.camera_angle_x, file, 'camera_angle_x');
    if (angleX >= Math.PI) throw new InputError(file, 'camera_angle_x', `must be below π radians, found ${angleX}`);
    const frames = asArray(json.frames, file, 'frames');
    if (frames.length === 0) throw new InputError(file, 'frames', 'is empty');
    if (json.aabb !== undefined) aabb = readAabb(json.aabb, file);
    if (json.near !== undefined) near = positive(json.near, file, 'near');
    if (json.far !== undefined) far = positive(json.far, file, 'far');
    const refs: ImageRef[] = [];
    const poses = frames.map((fr, i) => {
      const field = `frames[${i}]`;
      const frame = asObject(fr, file, field);
      const fp = asString(frame.file_path, file, `${field}.file_path`);
      const rel = confinePath(joinRelative(dirname(file), fp), file, `${field}.file_path`);
      const path = /\.[a-zA-Z0-9]{2,4}$/.test(rel) ? rel : rel + '.png';
      refs.push({ path, ref: `${file}, ${field}.file_path` });
      return matrix4(frame.transform_matrix, file, `${field}.transform_matrix`);
    });
    const { width, height } = checkSameSize(await probeImages(fs, refs), refs);
    const f = 0.5 * width / Math.tan(0.5 * angleX);
    poses.forEach((c2w, i) => {
      const camera: Camera = { c2w, width, height, fx: f, fy: f, cx: width / 2, cy: height / 2, distortion: null };
      splits[split].push(views.length);
      views.push({ name: refs[i].path, camera, path: refs[i].path });
    });
  }
  const w0 = views[0].camera.width, h0 = views[0].camera.height;
  for (const v of views) {
    if (v.camera.width !== w0 || v.camera.height !== h0) {
      throw new InputError(v.path, '', `images of inconsistent size: this one is ${v.camera.width}×${v.camera.height}, ${views[0].path} is ${w0}×${h0}`);
    }
  }
  return { format: 'blender', label: fs.label, views, splits, aabb, near, far, background: [1, 1, 1], factor: downscale, downscale };
}

/** `./train/r_0` relative to the JSON file's folder. */
function joinRelative(dir: string, p: string): string {
  if (p.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(p)) return p; // confinePath refuses it with the field named
  return dir ? `${dir}/${p}` : p;
}

export function readAabb(v: unknown, file: string): AABB {
  const a = asArray(v, file, 'aabb');
  if (a.length !== 2) throw new InputError(file, 'aabb', 'must be [[minX, minY, minZ], [maxX, maxY, maxZ]]');
  const lo = asArray(a[0], file, 'aabb[0]'), hi = asArray(a[1], file, 'aabb[1]');
  if (lo.length !== 3 || hi.length !== 3) throw new InputError(file, 'aabb', 'must be [[minX, minY, minZ], [maxX, maxY, maxZ]]');
  const box: AABB = [[0, 0, 0], [0, 0, 0]];
  for (let k = 0; k < 3; k++) {
    box[0][k] = finite(lo[k], file, `aabb[0][${k}]`);
    box[1][k] = finite(hi[k], file, `aabb[1][${k}]`);
    if (box[1][k] <= box[0][k]) throw new InputError(file, 'aabb', 'max must be greater than min on every axis');
  }
  return box;
}
