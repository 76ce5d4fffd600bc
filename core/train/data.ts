import { type Scene, sceneSpace } from '../scene/Scene';
import { compositeOnBackground } from '../image/RGBAImage';
import type { TrainData, TrainView } from './Trainer';

/**
 * Loads the images of the given views and composites them on the scene's background (white for
 * synthetic scenes); captured scenes (no background) keep their pixels and render on black.
 */
export async function loadViews(scene: Scene, indices: number[]): Promise<TrainView[]> {
  const bg = scene.background ?? [0, 0, 0];
  const out: TrainView[] = [];
  for (const i of indices) {
    const img = await scene.loadImage(i);
    out.push({ camera: scene.views[i].camera, rgb: compositeOnBackground(img, bg) });
  }
  return out;
}

export async function trainDataFromScene(scene: Scene): Promise<TrainData> {
  return {
    views: await loadViews(scene, scene.splits.train),
    aabb: scene.aabb,
    near: scene.near,
    far: scene.far,
    background: scene.background ?? [0, 0, 0],
    space: sceneSpace(scene),
  };
}

/** The views to evaluate on: the test split, else val (holdout moves views to test). */
export function evalIndices(scene: Scene): number[] {
  return scene.splits.test.length > 0 ? scene.splits.test : scene.splits.val;
}
