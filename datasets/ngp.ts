/**
 * instant-ngp / nerfstudio `transforms.json`: intrinsics at the top level and/or per frame
 * (`fl_x`, `fl_y` or `camera_angle_x`/`camera_angle_y`, `cx`, `cy`, `w`, `h`), OpenCV distortion
 * (`k1 k2 k3 k4 p1 p2`), fisheye (`is_fisheye` or `camera_model: OPENCV_FISHEYE`), scene box from
 * instant-ngp's `aabb_scale`, `scale`, `offset`; file paths carry their extension. Poses are
 * camera-to-world in the OpenGL (NeRF) convention. nerfstudio's `train_filenames`/`val_filenames`/
 * `test_filenames` give splits when present.
 */
import { InputError } from '../core/errors';
import { type Camera, type Distortion, DISTORTION_KEYS, makeDistortion } from '../core/scene/Camera';
import { type AABB, type Split } from '../core/scene/Scene';
import { aabbFromLookAt, nearFarFromAabb } from '../core/scene/bounds';
import { type DatasetFS, confinePath, readJson, dirname } from './fs';
import { type LoadOptions, type RawScene, type ImageRef, probeImages, checkImageSize, checkDownscale } from './build';
import { type Json, asObject, asArray, asString, matrix4, positive, finite, optionalFinite, checkCameraValues } from './validate';
import { readAabb } from './blender';

/** instant-ngp's defaults when the file does not say (src/nerf_loader.cu). */
const NGP_DEFAULT_SCALE = 0.33;
const NGP_DEFAULT_OFFSET = [0.5, 0.5, 0.5];

/** camera_model values whose coefficients are the OpenCV k1 k2 (k3 k4) p1 p2 keys. */
const PERSPECTIVE_MODELS = ['PINHOLE', 'SIMPLE_PINHOLE', 'OPENCV', 'SIMPLE_RADIAL', 'RADIAL'];

interface Intrinsics { fx?: number; fy?: number; angleX?: number; angleY?: number; cx?: number; cy?: number; w?: number; h?: number;
  coeffs: Partial<Record<(typeof DISTORTION_KEYS)[number], number>>; fisheye?: boolean }

function readIntrinsics(o: Json, file: string, prefix: string): Intrinsics {
  const get = (k: string) => optionalFinite(o, k, file, prefix);
  const coeffs: Intrinsics['coeffs'] = {};
  for (const k of DISTORTION_KEYS) {
    const v = get(k);
    if (v !== undefined) coeffs[k] = v;
  }
  let fisheye: boolean | undefined;
  if (o.is_fisheye !== undefined) {
    if (typeof o.is_fisheye !== 'boolean') throw new InputError(file, prefix + 'is_fisheye', 'must be true or false');
    fisheye = o.is_fisheye;
  }
  if (o.camera_model !== undefined) {
    const m = asString(o.camera_model, file, prefix + 'camera_model');
    if (m === 'OPENCV_FISHEYE') fisheye = true;
    else if (PERSPECTIVE_MODELS.includes(m)) fisheye ??= false;
    else throw new InputError(file, prefix + 'camera_model', `unsupported camera model "${m}" (supported: ${[...PERSPECTIVE_MODELS, 'OPENCV_FISHEYE'].join(', ')})`);
  }
  const pos = (k: string) => (o[k] === undefined ? undefined : positive(o[k], file, prefix + k));
  const angle = (k: string) => {
    const a = pos(k);
    if (a !== undefined && a >= Math.PI) throw new InputError(file, prefix + k, `field of view must be below π radians (180°), found ${a}`);
    return a;
  };
  return { fx: pos('fl_x'), fy: pos('fl_y'), angleX: angle('camera_angle_x'), angleY: angle('camera_angle_y'), cx: get('cx'), cy: get('cy'),
    w: pos('w'), h: pos('h'), coeffs, fisheye };
}

export async function loadNgp(fs: DatasetFS, opts: LoadOptions, file = 'transforms.json'): Promise<RawScene> {
  const downscale = checkDownscale(opts.downscale ?? 1);
  const json = asObject(await readJson(fs, file), file, '');
  const top = readIntrinsics(json, file, '');
  const frames = asArray(json.frames, file, 'frames');
  if (frames.length === 0) throw new InputError(file, 'frames', 'is empty');
  const dir = dirname(file);
  const refs: ImageRef[] = [];
  const per: { c2w: Float64Array; intr: Intrinsics; field: string }[] = [];
  const seen = new Map<string, number>();
  frames.forEach((fr, i) => {
    const field = `frames[${i}]`;
    const frame = asObject(fr, file, field);
    const fp = asString(frame.file_path, file, `${field}.file_path`);
    const path = confinePath(dir && !fp.startsWith('/') ? `${dir}/${fp}` : fp, file, `${field}.file_path`);
    if (seen.has(path)) throw new InputError(file, `${field}.file_path`, `"${fp}" is also frames[${seen.get(path)}] (each image once)`);
    seen.set(path, i);
    refs.push({ path, ref: `${file}, ${field}.file_path` });
    const own = readIntrinsics(frame, file, `${field}.`);
    const merged: Intrinsics = { ...top, coeffs: { ...top.coeffs } };
    for (const [k, v] of Object.entries(own)) if (v !== undefined && k !== 'coeffs') (merged as unknown as Json)[k] = v;
    Object.assign(merged.coeffs, own.coeffs);
    per.push({ c2w: matrix4(frame.transform_matrix, file, `${field}.transform_matrix`), intr: merged, field });
  });
  const infos = await probeImages(fs, refs);
  const views: RawScene['views'] = per.map(({ c2w, intr, field }, i) => {
    const info = infos[i];
    const width = intr.w ?? info.width, height = intr.h ?? info.height;
    const camera = checkCameraValues(makeCamera(c2w, intr, width, height, file, field), file, `${field}.`);
    checkImageSize(info, refs[i], camera, `${file} (w, h)`);
    return { name: refs[i].path, camera, path: refs[i].path };
  });

  const splits = await readSplits(json, file, refs);
  let aabb: AABB, foreground: AABB | undefined;
  if (json.aabb !== undefined) aabb = readAabb(json.aabb, file);
  else if (json.aabb_scale !== undefined) { aabb = ngpAabb(json, file); foreground = ngpAabb(json, file, 1); }
  else aabb = aabbFromLookAt(views.map((v) => v.camera));
  const nf = nearFarFromAabb(views.map((v) => v.camera), aabb);
  const near = json.near !== undefined ? positive(json.near, file, 'near') : nf.near;
  const far = json.far !== undefined ? positive(json.far, file, 'far') : nf.far;
  if (!(far > near)) throw new InputError(file, 'far', `must be greater than near (${near}), found ${far}`);
  // Synthetic scenes exported in this format keep an alpha channel: composite those on white.
  const background: [number, number, number] | null = infos.some((i) => i.hasAlpha) ? [1, 1, 1] : null;
  return { format: 'ngp', label: fs.label, views, splits, aabb, near, far, background, factor: downscale, downscale, foreground };
}

function makeCamera(c2w: Float64Array, intr: Intrinsics, width: number, height: number, file: string, field: string): Camera {
  let fx = intr.fx, fy = intr.fy;
  if (fx === undefined && intr.angleX !== undefined) fx = 0.5 * width / Math.tan(0.5 * intr.angleX);
  if (fy === undefined && intr.angleY !== undefined) fy = 0.5 * height / Math.tan(0.5 * intr.angleY);
  fx ??= fy;
  fy ??= fx;
  if (fx === undefined || fy === undefined) throw new InputError(file, `${field}.fl_x`, 'no focal length (need fl_x/fl_y or camera_angle_x)');
  const distortion: Distortion | null = makeDistortion(intr.fisheye ? 'fisheye' : 'opencv', intr.coeffs);
  return { c2w, width, height, fx, fy, cx: intr.cx ?? width / 2, cy: intr.cy ?? height / 2, distortion };
}

/**
 * instant-ngp maps a world point x to p = P(x · scale) + offset with the axis cycle P(x, y, z) = (y, z, x),
 * and its box is the cube of side aabb_scale centred on (0.5, 0.5, 0.5) (its unit cube, side 1, is where
 * the detail is: the foreground of unbounded scenes). Mapped back to world axes here.
 */
function ngpAabb(json: Json, file: string, side?: number): AABB {
  const aabbScale = side ?? positive(json.aabb_scale, file, 'aabb_scale');
  const scale = json.scale === undefined ? NGP_DEFAULT_SCALE : positive(json.scale, file, 'scale');
  let offset = NGP_DEFAULT_OFFSET;
  if (json.offset !== undefined) {
    const o = asArray(json.offset, file, 'offset');
    if (o.length !== 3) throw new InputError(file, 'offset', 'must be 3 numbers');
    offset = o.map((x, k) => finite(x, file, `offset[${k}]`));
  }
  // world axis d corresponds to ngp axis (d + 2) % 3
  const half = (0.5 * aabbScale) / scale;
  const box: AABB = [[0, 0, 0], [0, 0, 0]];
  for (let d = 0; d < 3; d++) {
    const c = (0.5 - offset[(d + 2) % 3]) / scale;
    box[0][d] = c - half;
    box[1][d] = c + half;
  }
  return box;
}

async function readSplits(json: Json, file: string, refs: ImageRef[]): Promise<Record<Split, number[]>> {
  const keys: [Split, string][] = [['train', 'train_filenames'], ['val', 'val_filenames'], ['test', 'test_filenames']];
  if (!keys.some(([, k]) => json[k] !== undefined)) {
    return { train: refs.map((_, i) => i), val: [], test: [] };
  }
  const index = new Map(refs.map((r, i) => [r.path, i]));
  const dir = dirname(file);
  const splits: Record<Split, number[]> = { train: [], val: [], test: [] };
  const owner = new Map<number, string>();
  for (const [split, key] of keys) {
    if (json[key] === undefined) continue;
    asArray(json[key], file, key).forEach((n, j) => {
      const name = asString(n, file, `${key}[${j}]`);
      const path = confinePath(dir ? `${dir}/${name}` : name, file, `${key}[${j}]`);
      const i = index.get(path);
      if (i === undefined) throw new InputError(file, `${key}[${j}]`, `"${name}" is not one of the frames`);
      if (owner.has(i)) throw new InputError(file, `${key}[${j}]`, `"${name}" is already in ${owner.get(i)} (a view belongs to one split, once)`);
      owner.set(i, key);
      splits[split].push(i);
    });
  }
  return splits;
}
