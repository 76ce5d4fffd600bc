/** What every format loader shares: checking the image files, downscaling, the holdout split. */
import { InputError, isInputError } from '../core/errors';
import { type Camera, scaleCamera } from '../core/scene/Camera';
import { type Scene, type SceneFormat, type Split, type AABB, applyHoldout } from '../core/scene/Scene';
import { type SpaceKind, FORWARD_SPREAD_DEGREES, boundedSpace, forwardSpace, foregroundOf, unboundedSpace, viewSpreadDegrees } from '../core/scene/space';
import { aabbFromLookAt } from '../core/scene/bounds';
import { type DatasetFS, FILE_LIMITS, checkFileSize } from './fs';
import { type ImageInfo, probeImageEnds, decodeImage, PROBE_HEAD_BYTES, PROBE_TAIL_BYTES } from './image/decode';

export interface LoadOptions {
  /** Integer factor to divide images and intrinsics by (1 = full resolution). */
  downscale?: number;
  /** Move every k-th training view to the test split when the scene has no val/test split. */
  holdout?: number;
  /** A file the user pointed at inside the folder (e.g. `transforms_train.json`), if any. */
  file?: string;
  /** The scene parameterisation (`--scene`); default: the format's own (forward for LLFF, bounded otherwise). */
  scene?: SpaceKind;
}

export interface ImageRef {
  /** Path relative to the dataset root. */
  path: string;
  /** Where the path was named, e.g. `transforms_train.json, frames[3].file_path`. */
  ref: string;
}

/**
 * Reads every image's header and last bytes (never a whole file) and checks size limits and structure; a
 * missing or broken image names where it was listed.
 */
export async function probeImages(fs: DatasetFS, refs: ImageRef[], concurrency = 8): Promise<ImageInfo[]> {
  const out: ImageInfo[] = new Array(refs.length);
  let next = 0;
  const worker = async () => {
    while (next < refs.length) {
      const i = next++;
      const { path, ref } = refs[i];
      try {
        const ends = await fs.readEnds(path, PROBE_HEAD_BYTES, PROBE_TAIL_BYTES);
        checkFileSize(path, ends.size, FILE_LIMITS.imageFileBytes);
        out[i] = await probeImageEnds(ends, path, () => fs.readFile(path, FILE_LIMITS.imageFileBytes));
      } catch (e) {
        if (isInputError(e)) throw new InputError(path, e.field, `${e.problem} (listed in ${ref})`);
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, refs.length) }, worker));
  return out;
}

/** All images must share one size (formats with one camera for all images). */
export function checkSameSize(infos: ImageInfo[], refs: ImageRef[]): { width: number; height: number } {
  const { width, height } = infos[0];
  infos.forEach((info, i) => {
    if (info.width !== width || info.height !== height) {
      throw new InputError(refs[i].path, '', `images of inconsistent size: this one is ${info.width}×${info.height}, ` +
        `${refs[0].path} is ${width}×${height}`);
    }
  });
  return { width, height };
}

/** An image's size must be what its camera says. */
export function checkImageSize(info: ImageInfo, ref: ImageRef, cam: { width: number; height: number }, source: string): void {
  if (info.width !== cam.width || info.height !== cam.height) {
    throw new InputError(ref.path, '', `image is ${info.width}×${info.height} but ${source} says ${cam.width}×${cam.height}`);
  }
}

/** What a format loader finds, before images are decoded: the Scene's metadata, each view's image path. */
export interface RawScene extends Omit<Scene, 'views' | 'loadImage' | 'space'> {
  /** The parameterisation the format calls for (default: see buildScene). */
  spaceKind?: SpaceKind;
  /** Where the detail is, for unbounded scenes (instant-ngp: its unit cube); default: where the cameras look. */
  foreground?: AABB;
  /** Cameras at the resolution of the image files. */
  views: { name: string; camera: Camera; path: string }[];
  /** The factor still to apply (1 when the loader already picked pre-downscaled files); `downscale` is what the user asked for. */
  factor: number;
}

export function checkDownscale(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new InputError('', '--downscale', `must be a positive integer, got ${n}`);
  return n;
}

/** Turns a loader's raw scene into a Scene: downscaled cameras, on-demand decoding, holdout. */
export function buildScene(fs: DatasetFS, raw: RawScene, opts: LoadOptions): Scene {
  const f = raw.factor;
  if (!(Number.isFinite(raw.near) && Number.isFinite(raw.far) && raw.near >= 0 && raw.far > raw.near)) {
    throw new InputError(raw.label, 'near, far', `need 0 ≤ near < far, finite; the dataset gives (${raw.near}, ${raw.far})`);
  }
  const paths = new Set<string>();
  for (const v of raw.views) {
    if (paths.has(v.path)) throw new InputError(v.path, '', 'is listed twice in the dataset (each image once)');
    paths.add(v.path);
    if (Math.floor(v.camera.width / f) < 1 || Math.floor(v.camera.height / f) < 1) {
      throw new InputError(v.path, '', `image ${v.camera.width}×${v.camera.height} is smaller than --downscale ${f}`);
    }
  }
  const cameras = raw.views.map((v) => (f === 1 ? v.camera : scaleCamera(v.camera, f)));
  // captured photos (no background) are forward-facing when their cameras all look one way, else unbounded
  // (a foreground where the cameras look, the rest of the world contracted around it), unless the format says otherwise
  const kind = opts.scene ?? raw.spaceKind ?? (raw.background !== null || cameras.length < 2 ? 'bounded'
    : viewSpreadDegrees(cameras) < FORWARD_SPREAD_DEGREES ? 'forward' : 'unbounded');
  const scene: Scene = {
    format: raw.format,
    label: raw.label,
    views: raw.views.map((v, i) => ({ name: v.name, camera: cameras[i] })),
    splits: raw.splits,
    aabb: raw.aabb,
    near: raw.near,
    far: raw.far,
    background: raw.background,
    space: kind === 'forward' ? forwardSpace(cameras, raw.near, raw.label)
      : kind === 'unbounded' ? unboundedSpace(foregroundOf(raw.foreground ?? aabbFromLookAt(cameras)), raw.label) : boundedSpace(raw.aabb),
    downscale: raw.downscale,
    async loadImage(i: number) {
      const v = raw.views[i];
      if (!v) throw new RangeError(`view ${i} out of range (0..${raw.views.length - 1})`);
      return decodeImage(await fs.readFile(v.path, FILE_LIMITS.imageFileBytes), v.path, f);
    },
  };
  if (opts.holdout !== undefined) applyHoldout(scene, opts.holdout);
  return scene;
}

export function allTrain(n: number): Record<Split, number[]> {
  return { train: Array.from({ length: n }, (_, i) => i), val: [], test: [] };
}
