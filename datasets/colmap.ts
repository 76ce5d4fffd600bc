/**
 * COLMAP sparse models, text (`cameras.txt`, `images.txt`, `points3D.txt`) and binary (`.bin`), found in
 * the folder itself, `sparse/0/`, `sparse/` or `colmap/sparse/0/`; photos in `images/` beside `sparse/`.
 * Poses are world-to-camera (quaternion, translation) in OpenCV axes; turned into camera-to-world,
 * OpenGL axes. The scene box comes from the sparse points (robust quantiles), else from the cameras.
 */
import { InputError } from '../core/errors';
import { type Camera, type Distortion, makeDistortion } from '../core/scene/Camera';
import { mat4FromQuatTrans, invertPose, opencvToOpenGL } from '../core/math/mat4';
import { aabbFromPoints, aabbFromLookAt, nearFarFromAabb, quantile } from '../core/scene/bounds';
import { type DatasetFS, joinPath, confinePath, dirname } from './fs';
import { type LoadOptions, type RawScene, type ImageRef, probeImages, checkImageSize, checkDownscale, allTrain } from './build';
import { checkCameraValues } from './validate';
import { IMAGE_LIMITS } from './image/decode';

/** COLMAP's camera models: id, name, parameter count. */
export const COLMAP_MODELS: { id: number; name: string; params: number; supported: boolean }[] = [
  { id: 0, name: 'SIMPLE_PINHOLE', params: 3, supported: true },
  { id: 1, name: 'PINHOLE', params: 4, supported: true },
  { id: 2, name: 'SIMPLE_RADIAL', params: 4, supported: true },
  { id: 3, name: 'RADIAL', params: 5, supported: true },
  { id: 4, name: 'OPENCV', params: 8, supported: true },
  { id: 5, name: 'OPENCV_FISHEYE', params: 8, supported: true },
  { id: 6, name: 'FULL_OPENCV', params: 12, supported: false },
  { id: 7, name: 'FOV', params: 5, supported: false },
  { id: 8, name: 'SIMPLE_RADIAL_FISHEYE', params: 4, supported: true },
  { id: 9, name: 'RADIAL_FISHEYE', params: 5, supported: true },
  { id: 10, name: 'THIN_PRISM_FISHEYE', params: 12, supported: false },
];

export interface ColmapCamera { id: number; model: string; width: number; height: number; params: number[] }
export interface ColmapImage { id: number; q: number[]; t: number[]; cameraId: number; name: string }
export interface ColmapModel { cameras: Map<number, ColmapCamera>; images: ColmapImage[]; points: Float64Array }

const MODEL_DIRS = ['', 'sparse/0', 'sparse', 'colmap/sparse/0'];

/** The folder holding cameras.{bin,txt}, or null. */
export async function findColmapModel(fs: DatasetFS, base = ''): Promise<string | null> {
  for (const d of MODEL_DIRS) {
    const dir = joinPath(base, d);
    for (const ext of ['bin', 'txt']) if ((await fs.stat(joinPath(dir, `cameras.${ext}`))) === 'file') return dir;
  }
  return null;
}

export async function loadColmap(fs: DatasetFS, opts: LoadOptions, base = ''): Promise<RawScene> {
  const downscale = checkDownscale(opts.downscale ?? 1);
  const dir = await findColmapModel(fs, base);
  if (dir === null) throw new InputError(base || '.', '', 'no COLMAP model (cameras.bin or cameras.txt) found');
  const model = await readColmapModel(fs, dir);
  if (model.images.length === 0) throw new InputError(joinPath(dir, 'images'), '', 'the model has no registered images');
  // photos: images/ next to sparse/ (or next to the model files)
  const root = dir.endsWith('sparse/0') ? dirname(dirname(dir)) : dir.endsWith('sparse') ? dirname(dir) : dir;
  const imageDir = joinPath(root, 'images');
  const sorted = [...model.images].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const imagesFile = modelFile(dir, 'images', model);
  const refs: ImageRef[] = sorted.map((im) => ({
    path: confinePath(`${imageDir}/${im.name}`, imagesFile, `image ${im.id} name`),
    ref: `${imagesFile}, image ${im.id}`,
  }));
  const infos = await probeImages(fs, refs);
  const camsFile = modelFile(dir, 'cameras', model);
  const cams: Camera[] = sorted.map((im, i) => {
    const cc = model.cameras.get(im.cameraId);
    if (!cc) throw new InputError(imagesFile, `image ${im.id} camera_id`, `camera ${im.cameraId} is not in ${camsFile}`);
    const w2c = mat4FromQuatTrans(im.q[0], im.q[1], im.q[2], im.q[3], im.t[0], im.t[1], im.t[2]);
    const cam = checkCameraValues({ c2w: opencvToOpenGL(invertPose(w2c)), width: cc.width, height: cc.height, ...intrinsicsOf(cc, camsFile) },
      camsFile, `camera ${cc.id} (image ${im.id}) `);
    checkImageSize(infos[i], refs[i], cam, `${camsFile} (camera ${cc.id})`);
    return cam;
  });
  const fromPoints = model.points.length >= 3 * 8 ? depthRange(cams, model.points) : null;
  const aabb = fromPoints ? aabbFromPoints(model.points) : aabbFromLookAt(cams);
  const { near, far } = fromPoints ?? nearFarFromAabb(cams, aabb);
  const views = cams.map((camera, i) => ({ name: refs[i].path, camera, path: refs[i].path }));
  return { format: 'colmap', label: fs.label, views, splits: allTrain(views.length), aabb, near, far, background: null,
    factor: downscale, downscale };
}

function modelFile(dir: string, name: string, m: ColmapModel & { ext?: string }): string {
  return joinPath(dir, `${name}.${m.ext ?? 'bin'}`);
}

function intrinsicsOf(c: ColmapCamera, file: string): { fx: number; fy: number; cx: number; cy: number; distortion: Distortion | null } {
  const p = c.params;
  switch (c.model) {
    case 'SIMPLE_PINHOLE': return { fx: p[0], fy: p[0], cx: p[1], cy: p[2], distortion: null };
    case 'PINHOLE': return { fx: p[0], fy: p[1], cx: p[2], cy: p[3], distortion: null };
    case 'SIMPLE_RADIAL': return { fx: p[0], fy: p[0], cx: p[1], cy: p[2], distortion: makeDistortion('opencv', { k1: p[3] }) };
    case 'RADIAL': return { fx: p[0], fy: p[0], cx: p[1], cy: p[2], distortion: makeDistortion('opencv', { k1: p[3], k2: p[4] }) };
    case 'OPENCV': return { fx: p[0], fy: p[1], cx: p[2], cy: p[3], distortion: makeDistortion('opencv', { k1: p[4], k2: p[5], p1: p[6], p2: p[7] }) };
    case 'OPENCV_FISHEYE': return { fx: p[0], fy: p[1], cx: p[2], cy: p[3], distortion: makeDistortion('fisheye', { k1: p[4], k2: p[5], k3: p[6], k4: p[7] }) };
    case 'SIMPLE_RADIAL_FISHEYE': return { fx: p[0], fy: p[0], cx: p[1], cy: p[2], distortion: makeDistortion('fisheye', { k1: p[3] }) };
    case 'RADIAL_FISHEYE': return { fx: p[0], fy: p[0], cx: p[1], cy: p[2], distortion: makeDistortion('fisheye', { k1: p[3], k2: p[4] }) };
    default: throw new InputError(file, `camera ${c.id} model`, `unsupported camera model ${c.model}`);
  }
}

/** Near/far from the depths of the sparse points each camera sees (robust quantiles over all cameras, with margin). */
function depthRange(cams: Camera[], pts: Float64Array): { near: number; far: number } | null {
  const depths: number[] = [];
  const n = pts.length / 3, stride = Math.max(1, Math.floor((n * cams.length) / 200000));
  let k = 0;
  for (const cam of cams) {
    const w2c = invertPose(cam.c2w);
    for (let i = 0; i < n; i++, k++) {
      if (k % stride !== 0) continue;
      const x = pts[i * 3], y = pts[i * 3 + 1], zz = pts[i * 3 + 2];
      const z = -(w2c[2] * x + w2c[6] * y + w2c[10] * zz + w2c[14]);
      if (!(z > 0)) continue;
      // only points this camera sees (inside its image), as LLFF's bounds: a point beside a camera is no bound
      const u = (cam.fx * (w2c[0] * x + w2c[4] * y + w2c[8] * zz + w2c[12])) / z + cam.cx;
      const v = (-cam.fy * (w2c[1] * x + w2c[5] * y + w2c[9] * zz + w2c[13])) / z + cam.cy;
      if (u >= 0 && u < cam.width && v >= 0 && v < cam.height) depths.push(z);
    }
  }
  if (depths.length === 0) return null; // no point in front of any camera: use the box instead
  const near = 0.9 * quantile(depths, 0.001), far = 1.1 * quantile(depths, 0.999);
  return far > near ? { near, far } : null;
}

export async function readColmapModel(fs: DatasetFS, dir: string): Promise<ColmapModel & { ext: string }> {
  const bin = (await fs.stat(joinPath(dir, 'cameras.bin'))) === 'file';
  const ext = bin ? 'bin' : 'txt';
  const f = (name: string) => joinPath(dir, `${name}.${ext}`);
  const pointsPresent = (await fs.stat(f('points3D'))) === 'file';
  if (bin) {
    const cameras = parseCamerasBin(await fs.readFile(f('cameras')), f('cameras'));
    const images = parseImagesBin(await fs.readFile(f('images')), f('images'));
    const points = pointsPresent ? parsePointsBin(await fs.readFile(f('points3D')), f('points3D')) : new Float64Array(0);
    return { cameras, images, points, ext };
  }
  const text = async (name: string) => new TextDecoder().decode(await fs.readFile(f(name)));
  const cameras = parseCamerasTxt(await text('cameras'), f('cameras'));
  const images = parseImagesTxt(await text('images'), f('images'));
  const points = pointsPresent ? parsePointsTxt(await text('points3D'), f('points3D')) : new Float64Array(0);
  return { cameras, images, points, ext };
}

function checkCamera(c: ColmapCamera, file: string): ColmapCamera {
  const m = COLMAP_MODELS.find((x) => x.name === c.model);
  if (!m) throw new InputError(file, `camera ${c.id} model`, `unknown camera model ${c.model}`);
  if (!m.supported) {
    throw new InputError(file, `camera ${c.id} model`, `unsupported camera model ${c.model} (supported: ${COLMAP_MODELS.filter((x) => x.supported).map((x) => x.name).join(', ')})`);
  }
  if (c.params.length !== m.params) throw new InputError(file, `camera ${c.id} params`, `${c.model} needs ${m.params} parameters, found ${c.params.length}`);
  if (!(c.width > 0 && c.height > 0)) throw new InputError(file, `camera ${c.id} size`, `invalid size ${c.width}×${c.height}`);
  c.params.forEach((p, i) => { if (!Number.isFinite(p)) throw new InputError(file, `camera ${c.id} params[${i}]`, `must be finite, found ${p}`); });
  if (!Number.isInteger(c.width) || !Number.isInteger(c.height) || c.width > IMAGE_LIMITS.side || c.height > IMAGE_LIMITS.side) {
    throw new InputError(file, `camera ${c.id} size`, `invalid size ${c.width}×${c.height} (whole pixels, at most ${IMAGE_LIMITS.side} per side)`);
  }
  // focal lengths: params[0], and params[1] for the models with separate fx and fy
  const focals = ['PINHOLE', 'OPENCV', 'OPENCV_FISHEYE'].includes(c.model) ? 2 : 1;
  for (let i = 0; i < focals; i++) {
    if (!(c.params[i] > 0)) throw new InputError(file, `camera ${c.id} params[${i}]`, `focal length must be positive, found ${c.params[i]}`);
  }
  return c;
}

/** Image ids and names must be unique (a duplicate would put one photo in the data twice, or in train and test). */
function checkUniqueImages(images: ColmapImage[], file: string): ColmapImage[] {
  const ids = new Set<number>(), names = new Set<string>();
  for (const im of images) {
    if (ids.has(im.id)) throw new InputError(file, `image ${im.id}`, 'image id appears twice');
    if (names.has(im.name)) throw new InputError(file, `image ${im.id} name`, `"${im.name}" appears twice`);
    ids.add(im.id); names.add(im.name);
  }
  return images;
}

function checkImage(im: ColmapImage, file: string): ColmapImage {
  [...im.q, ...im.t].forEach((v) => { if (!Number.isFinite(v)) throw new InputError(file, `image ${im.id} pose`, `must be finite, found ${v}`); });
  if (!(Math.hypot(im.q[0], im.q[1], im.q[2], im.q[3]) > 1e-6)) throw new InputError(file, `image ${im.id} qvec`, 'quaternion is zero');
  return im;
}

// ---- text ----

function dataLines(text: string): string[] {
  return text.split(/\r?\n/).filter((l) => !l.startsWith('#'));
}

function numbers(tokens: string[], file: string, field: string): number[] {
  return tokens.map((t) => {
    const v = Number(t);
    if (t === '' || Number.isNaN(v)) throw new InputError(file, field, `"${t}" is not a number`);
    return v;
  });
}

export function parseCamerasTxt(text: string, file: string): Map<number, ColmapCamera> {
  const out = new Map<number, ColmapCamera>();
  dataLines(text).forEach((line, i) => {
    const t = line.trim().split(/\s+/);
    if (t.length === 1 && t[0] === '') return;
    if (t.length < 5) throw new InputError(file, `line ${i + 1}`, 'expected CAMERA_ID MODEL WIDTH HEIGHT PARAMS[]');
    const [id, w, h] = numbers([t[0], t[2], t[3]], file, `line ${i + 1}`);
    out.set(id, checkCamera({ id, model: t[1], width: w, height: h, params: numbers(t.slice(4), file, `camera ${id} params`) }, file));
  });
  if (out.size === 0) throw new InputError(file, '', 'has no cameras');
  return out;
}

export function parseImagesTxt(text: string, file: string): ColmapImage[] {
  const lines = dataLines(text);
  const out: ColmapImage[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const t = line.split(/\s+/);
    if (t.length < 10) throw new InputError(file, `line ${i + 1}`, 'expected IMAGE_ID QW QX QY QZ TX TY TZ CAMERA_ID NAME');
    const v = numbers(t.slice(0, 9), file, `image ${t[0]}`);
    out.push(checkImage({ id: v[0], q: v.slice(1, 5), t: v.slice(5, 8), cameraId: v[8], name: t.slice(9).join(' ') }, file));
    i++; // the POINTS2D line that follows (possibly empty)
  }
  return checkUniqueImages(out, file);
}

export function parsePointsTxt(text: string, file: string): Float64Array {
  const xyz: number[] = [];
  dataLines(text).forEach((line, i) => {
    const t = line.trim().split(/\s+/);
    if (t.length === 1 && t[0] === '') return;
    if (t.length < 8) throw new InputError(file, `line ${i + 1}`, 'expected POINT3D_ID X Y Z R G B ERROR TRACK[]');
    const p = numbers(t.slice(1, 4), file, `point ${t[0]}`);
    if (p.every(Number.isFinite)) xyz.push(...p);
  });
  return Float64Array.from(xyz);
}

// ---- binary (little-endian, as COLMAP writes) ----

class Reader {
  private p = 0;
  private readonly dv: DataView;
  constructor(private readonly bytes: Uint8Array, private readonly file: string) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(n: number, what: string): void {
    if (this.p + n > this.bytes.length) throw new InputError(this.file, what, `file is truncated (at byte ${this.p} of ${this.bytes.length})`);
  }
  u64(what: string): number { this.need(8, what); const v = this.dv.getBigUint64(this.p, true); this.p += 8; return Number(v); }
  i32(what: string): number { this.need(4, what); const v = this.dv.getInt32(this.p, true); this.p += 4; return v; }
  u32(what: string): number { this.need(4, what); const v = this.dv.getUint32(this.p, true); this.p += 4; return v; }
  f64(what: string): number { this.need(8, what); const v = this.dv.getFloat64(this.p, true); this.p += 8; return v; }
  skip(n: number, what: string): void { this.need(n, what); this.p += n; }
  cstr(what: string): string {
    const end = this.bytes.indexOf(0, this.p);
    if (end < 0) throw new InputError(this.file, what, 'file is truncated (unterminated name)');
    const s = new TextDecoder().decode(this.bytes.subarray(this.p, end));
    this.p = end + 1;
    return s;
  }
  count(what: string, bytesEach: number): number {
    const n = this.u64(what);
    if (n * bytesEach > this.bytes.length - this.p) throw new InputError(this.file, what, `count ${n} does not fit in the file (truncated or corrupt)`);
    return n;
  }
}

export function parseCamerasBin(bytes: Uint8Array, file: string): Map<number, ColmapCamera> {
  const r = new Reader(bytes, file);
  const n = r.count('number of cameras', 24);
  const out = new Map<number, ColmapCamera>();
  for (let i = 0; i < n; i++) {
    const id = r.i32(`camera #${i} id`);
    const modelId = r.i32(`camera ${id} model`);
    const model = COLMAP_MODELS.find((m) => m.id === modelId);
    if (!model) throw new InputError(file, `camera ${id} model`, `unknown camera model id ${modelId}`);
    const width = r.u64(`camera ${id} width`), height = r.u64(`camera ${id} height`);
    const params: number[] = [];
    for (let k = 0; k < model.params; k++) params.push(r.f64(`camera ${id} params`));
    out.set(id, checkCamera({ id, model: model.name, width, height, params }, file));
  }
  if (out.size === 0) throw new InputError(file, '', 'has no cameras');
  return out;
}

export function parseImagesBin(bytes: Uint8Array, file: string): ColmapImage[] {
  const r = new Reader(bytes, file);
  const n = r.count('number of images', 64);
  const out: ColmapImage[] = [];
  for (let i = 0; i < n; i++) {
    const id = r.u32(`image #${i} id`);
    const what = `image ${id}`;
    const q = [r.f64(what), r.f64(what), r.f64(what), r.f64(what)];
    const t = [r.f64(what), r.f64(what), r.f64(what)];
    const cameraId = r.u32(`${what} camera_id`);
    const name = r.cstr(`${what} name`);
    const np = r.count(`${what} points2D`, 24);
    r.skip(np * 24, `${what} points2D`);
    out.push(checkImage({ id, q, t, cameraId, name }, file));
  }
  return checkUniqueImages(out, file);
}

export function parsePointsBin(bytes: Uint8Array, file: string): Float64Array {
  const r = new Reader(bytes, file);
  const n = r.count('number of points', 43);
  const xyz = new Float64Array(n * 3);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    r.u64(`point #${i} id`);
    const x = r.f64(`point #${i} xyz`), y = r.f64(`point #${i} xyz`), z = r.f64(`point #${i} xyz`);
    if (Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(z)) { xyz[kept++] = x; xyz[kept++] = y; xyz[kept++] = z; } // as the text reader
    r.skip(3 + 8, `point #${i} colour`);
    const track = r.count(`point #${i} track`, 8);
    r.skip(track * 8, `point #${i} track`);
  }
  return xyz.subarray(0, kept);
}
