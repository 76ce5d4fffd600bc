/** `mulfa eval <snapshot> <dataset>`: per-view and mean PSNR/SSIM of a trained field on held-out views. */
import type { Scene } from '../../core/scene/Scene';
import type { StoredCamera } from '../../core/train/snapshotHeader';
import { Trainer } from '../../core/train/Trainer';
import { evaluateViews } from '../../core/train/backend';
import { backendFlag, openBackend } from '../gpu';
import { loadViews, evalIndices } from '../../core/train/data';
import { decodeSnapshot } from '../../core/io/snapshot';
import { parse, intFlag, openScene } from '../args';
import { cpuOps } from '../ops';
import type { FieldOps } from '../../core/field/ops';
import type { Camera } from '../../core/scene/Camera';
import { readFileOrFail } from '../../datasets/node/files';

/** A camera as stored in a snapshot header. */
export type { StoredCamera };

/** Cameras stored in snapshots so `mulfa render --view i` and the app need no dataset. */
export function cameraMeta(scene: Scene): StoredCamera[] {
  return scene.views.map((v) => ({ name: v.name, c2w: Array.from(v.camera.c2w), width: v.camera.width, height: v.camera.height,
    fx: v.camera.fx, fy: v.camera.fy, cx: v.camera.cx, cy: v.camera.cy, distortion: v.camera.distortion }));
}

/** The options `mulfa eval` takes (cli/help.ts documents each). */
export const EVAL_OPTIONS = { downscale: { type: 'string' }, holdout: { type: 'string' }, json: { type: 'boolean' }, backend: { type: 'string' } } as const;

export async function loadTrainer(file: string, kernels?: FieldOps): Promise<Trainer> {
  return Trainer.fromSnapshot(decodeSnapshot(readFileOrFail(file), file), file, null, kernels ?? (await cpuOps()));
}

/** A camera stored in a snapshot header. */
export function storedCamera(s: StoredCamera): Camera {
  return { c2w: Float64Array.from(s.c2w), width: s.width, height: s.height, fx: s.fx, fy: s.fy, cx: s.cx, cy: s.cy, distortion: s.distortion ?? null };
}

export async function evalCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, EVAL_OPTIONS, 2);
  const selected = backendFlag(values.backend);
  const trainer = await loadTrainer(positionals[0]);
  const scene = await openScene(positionals[1], { downscale: intFlag(values.downscale, 'downscale', 1), holdout: intFlag(values.holdout, 'holdout', 2) });
  const idx = evalIndices(scene);
  const views = await loadViews(scene, idx.length > 0 ? idx : scene.splits.train);
  Object.assign(trainer.data, { near: scene.near, far: scene.far, background: scene.background ?? [0, 0, 0] });
  const backend = await openBackend(selected, trainer, (s) => process.stderr.write(s + '\n'));
  const ev = await evaluateViews(backend, views);
  backend.dispose();
  ev.perView.forEach((v, i) => process.stderr.write(`${scene.views[idx.length > 0 ? idx[i] : scene.splits.train[i]].name}  PSNR ${v.psnr.toFixed(2)}  SSIM ${v.ssim.toFixed(4)}\n`));
  process.stderr.write(`mean over ${views.length} views: PSNR ${ev.psnr.toFixed(3)}  SSIM ${ev.ssim.toFixed(4)}\n`);
  if (values.json) {
    process.stdout.write(JSON.stringify({ psnr: Number(ev.psnr.toFixed(4)), ssim: Number(ev.ssim.toFixed(5)), views: views.length,
      per_view: ev.perView.map((v) => ({ psnr: Number(v.psnr.toFixed(4)), ssim: Number(v.ssim.toFixed(5)) })) }) + '\n');
  }
  return 0;
}
