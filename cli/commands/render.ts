/** `mulfa render <snapshot> --view i | --pose <json> [--size WxH] --out image.png`: one view with the engine. */
import { existsSync, readFileSync } from 'node:fs';
import { encode as encodePng } from 'fast-png';
import type { Camera } from '../../core/scene/Camera';
import { InputError } from '../../core/errors';
import { parse, intFlag, UsageError } from '../args';
import { writeFileAtomic } from '../fsio';
import { loadTrainer, storedCamera, type StoredCamera } from './eval';
import { matrix4, asObject, positive } from '../../datasets/validate';

export async function renderCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { view: { type: 'string' }, pose: { type: 'string' }, size: { type: 'string' }, out: { type: 'string' } }, 1);
  if (!values.out) throw new UsageError('--out image.png is required');
  if ((values.view === undefined) === (values.pose === undefined)) throw new UsageError('give exactly one of --view i or --pose <json>');
  const file = positionals[0];
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
  const rgb = trainer.renderView(cam);
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
