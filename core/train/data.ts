import { type Scene, sceneSpace } from '../scene/Scene';
import { compositeOnBackground } from '../image/RGBAImage';
import type { TrainData, TrainView } from './Trainer';

/**
 * Loads the images of the given views and composites them on the scene's background (white for
 * synthetic scenes); captured scenes (no background) keep their pixels and render on black. `compact`
 * keeps captured photos as 8-bit (rounded; their files are 8-bit, so only downscaling's averages lose
 * under half a level) — training views; evaluation views stay floats.
 */
export async function loadViews(scene: Scene, indices: number[], compact = false): Promise<TrainView[]> {
  const bg = scene.background ?? [0, 0, 0], bytes = compact && scene.background === null;
  const out: TrainView[] = [];
  let tmp: Float32Array | undefined;
  for (const i of indices) {
    const img = await scene.loadImage(i);
    if (!bytes) { out.push({ camera: scene.views[i].camera, rgb: compositeOnBackground(img, bg) }); continue; }
    const n = img.width * img.height * 3;
    if (!tmp || tmp.length !== n) tmp = new Float32Array(n);
    compositeOnBackground(img, bg, tmp);
    const rgb = new Uint8Array(n);
    for (let k = 0; k < n; k++) rgb[k] = Math.round(Math.min(1, Math.max(0, tmp[k])) * 255);
    out.push({ camera: scene.views[i].camera, rgb });
  }
  return out;
}

export async function trainDataFromScene(scene: Scene): Promise<TrainData> {
  return {
    views: await loadViews(scene, scene.splits.train, true),
    aabb: scene.aabb,
    near: scene.near,
    far: scene.far,
    background: scene.background ?? [0, 0, 0],
    space: sceneSpace(scene),
    captured: scene.background === null,
  };
}

/** The views to evaluate on: the test split, else val (holdout moves views to test). */
export function evalIndices(scene: Scene): number[] {
  return scene.splits.test.length > 0 ? scene.splits.test : scene.splits.val;
}
