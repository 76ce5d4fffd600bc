/**
 * `mulfa render <snapshot> --view i | --pose <json> [--size WxH] --out image.png`: one view with the engine.
 * `mulfa render <snapshot> --orbit | --path path.json [--frames n] [--fps f] [--size WxH] [--save-path p.json] --out video.mp4|.webm`:
 * a video of an orbit (defaults from the stored training cameras) or of a nerfstudio-style camera path.
 */
import { existsSync, readFileSync } from 'node:fs';
import { encode as encodePng } from 'fast-png';
import type { Camera } from '../../core/scene/Camera';
import { InputError } from '../../core/errors';
import { parse, intFlag, numFlag, UsageError } from '../args';
import { openVideo } from '../video';
import { scenePath, parseCameraPathJson, toCameraPathJson, keyframeCamera, type CameraPath, type Keyframe } from '../../core/paths/CameraPath';
import { writeFileAtomic } from '../../datasets/node/files';
import { loadTrainer, storedCamera, type StoredCamera } from './eval';
import { backendFlag, openBackend } from '../gpu';

const log = (s: string) => process.stderr.write(s + '\n');
import { matrix4, asObject, positive } from '../../datasets/validate';

/** The options `mulfa render` takes (cli/help.ts documents each). */
export const RENDER_OPTIONS = { view: { type: 'string' }, pose: { type: 'string' }, size: { type: 'string' }, out: { type: 'string' },
    orbit: { type: 'boolean' }, path: { type: 'string' }, frames: { type: 'string' }, fps: { type: 'string' }, 'save-path': { type: 'string' },
    elevation: { type: 'string' }, radius: { type: 'string' }, backend: { type: 'string' } } as const;

export async function renderCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, RENDER_OPTIONS, 1);
  if (!values.out) throw new UsageError('--out image.png (or video.mp4 with --orbit/--path) is required');
  if (values.orbit || values.path) return renderVideo(positionals[0], values);
  if ((values.view === undefined) === (values.pose === undefined)) throw new UsageError('give exactly one of --view i or --pose <json>');
  const file = positionals[0];
  const selected = backendFlag(values.backend);
  const trainer = await loadTrainer(file);
  const header = trainer.meta;
  const stored = (header.cameras ?? []) as StoredCamera[];
  let cam: Camera;
  if (values.view !== undefined) {
    const i = intFlag(values.view, 'view', 0)!;
    if (i >= stored.length) throw new UsageError(`--view ${i}: the snapshot has ${stored.length} cameras (0..${stored.length - 1})`);
    cam = storedCamera(stored[i]);
  } else {
    cam = poseCamera(values.pose!, stored[0]);
  }
  if (values.size) {
    const m = /^(\d+)x(\d+)$/.exec(values.size);
    if (!m) throw new UsageError(`--size must be WxH, got "${values.size}"`);
    const w = Number(m[1]), h = Number(m[2]);
    const sx = w / cam.width, sy = h / cam.height;
    cam = { ...cam, width: w, height: h, fx: cam.fx * sx, fy: cam.fy * sy, cx: cam.cx * sx, cy: cam.cy * sy };
  }
  const backend = await openBackend(selected, trainer, log);
  const rgb = await backend.renderView(cam);
  backend.dispose();
  const px = new Uint8Array(cam.width * cam.height * 3);
  for (let i = 0; i < px.length; i++) px[i] = Math.round(Math.min(1, Math.max(0, rgb[i])) * 255);
  writeFileAtomic(values.out, encodePng({ width: cam.width, height: cam.height, data: px, channels: 3 }));
  process.stderr.write(`wrote ${values.out} (${cam.width}×${cam.height})\n`);
  return 0;
}

/** A pose: inline JSON or a JSON file with transform_matrix (4×4, OpenGL camera-to-world) and camera_angle_x. */
function poseCamera(arg: string, ref: StoredCamera | undefined): Camera {
  const name = existsSync(arg) ? arg : '--pose';
  let json: unknown;
  try {
    json = JSON.parse(existsSync(arg) ? readFileSync(arg, 'utf8') : arg);
  } catch (e) {
    throw new InputError(name, '', `malformed JSON (${(e as Error).message})`);
  }
  const o = asObject(json, name, '');
  const c2w = matrix4(o.transform_matrix, name, 'transform_matrix');
  const width = ref?.width ?? 400, height = ref?.height ?? 400;
  const fx = o.camera_angle_x !== undefined ? (0.5 * width) / Math.tan(0.5 * positive(o.camera_angle_x, name, 'camera_angle_x')) : ref?.fx ?? width;
  return { c2w, width, height, fx, fy: fx, cx: width / 2, cy: height / 2, distortion: null };
}

function parseSize(size: string | undefined): [number, number] | null {
  if (!size) return null;
  const m = /^(\d+)x(\d+)$/.exec(size);
  if (!m) throw new UsageError(`--size must be WxH, got "${size}"`);
  return [Number(m[1]), Number(m[2])];
}

async function renderVideo(file: string, v: Record<string, string | boolean | undefined>): Promise<number> {
  if (v.orbit && v.path) throw new UsageError('give one of --orbit or --path');
  const out = v.out as string;
  const selected = backendFlag(v.backend as string | undefined);
  const trainer = await loadTrainer(file);
  const stored = ((trainer.meta.cameras ?? []) as StoredCamera[]).map(storedCamera);
  const size = parseSize(v.size as string | undefined);
  let path: CameraPath, frames: Keyframe[];
  if (v.orbit) {
    const fps = numFlag(v.fps as string | undefined, 'fps', 1) ?? 30;
    const d = trainer.data;
    ({ path, frames } = scenePath(trainer.field.space, d.aabb, stored, d.near, d.far, {
      frames: intFlag(v.frames as string | undefined, 'frames', 1) ?? 120, fps,
      width: size?.[0] ?? evenUp(stored[0]?.width ?? 256), height: size?.[1] ?? evenUp(stored[0]?.height ?? 256),
      elevation: numFlag(v.elevation as string | undefined, 'elevation', -90), radius: numFlag(v.radius as string | undefined, 'radius', 0),
    }));
  } else {
    const pf = v.path as string;
    if (!existsSync(pf)) throw new InputError(pf, '(file)', 'does not exist');
    let json: unknown;
    try { json = JSON.parse(readFileSync(pf, 'utf8')); } catch (e) { throw new InputError(pf, '(file)', `is not valid JSON: ${(e as Error).message}`); }
    ({ path, frames } = parseCameraPathJson(json, pf));
    if (size) { path.width = size[0]; path.height = size[1]; }
    if (v.fps) path.fps = numFlag(v.fps as string, 'fps', 1)!;
  }
  if (v['save-path']) writeFileAtomic(v['save-path'] as string, new TextEncoder().encode(JSON.stringify(toCameraPathJson(path, frames), null, 1)));
  const w = path.width, h = path.height;
  const backend = await openBackend(selected, trainer, log);
  const video = await openVideo(out, w, h, path.fps);
  let cancel = false;
  const onSigint = () => { cancel = true; };
  process.on('SIGINT', onSigint);
  const t0 = performance.now(), tty = process.stderr.isTTY;
  let lastLog = 0;
  try {
    for (let f = 0; f < frames.length; f++) {
      if (cancel) { video.abort(); process.stderr.write('\ncancelled: no file written\n'); return 130; }
      await video.addFrame(await backend.renderView(keyframeCamera(frames[f], w, h)));
      const s = (performance.now() - t0) / 1000, eta = (s / (f + 1)) * (frames.length - f - 1);
      const line = `frame ${f + 1}/${frames.length}  ${((f + 1) / s).toFixed(1)} frames/s  eta ${eta.toFixed(0)} s`;
      if (tty) process.stderr.write(`\r${line}\x1b[K`);
      else if (s - lastLog >= 5) { process.stderr.write(line + '\n'); lastLog = s; }
      await new Promise((r) => setImmediate(r)); // Ctrl-C
    }
    await video.finish();
  } catch (e) {
    video.abort();
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    backend.dispose();
  }
  process.stderr.write(`${tty ? '\n' : ''}wrote ${out} (${frames.length} frames, ${w}×${h}, ${path.fps} fps) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  return 0;
}

const evenUp = (n: number) => n + (n % 2);
