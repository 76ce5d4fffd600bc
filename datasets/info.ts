/** A scene summarised as plain data: what `mulfa info --json` prints and the app's dataset panel shows. */
import { type Scene, sceneSpace } from '../core/scene/Scene';
import type { SceneSpace } from '../core/scene/space';
import { DISTORTION_KEYS, type Intrinsics } from '../core/scene/Camera';

/** Intrinsics are the first camera's, after downscaling. */
export interface SceneInfo extends Intrinsics {
  format: Scene['format'];
  images: number;
  splits: { train: number; val: number; test: number };
  distortion: Record<string, number> | null;
  fisheye: boolean;
  aabb: Scene['aabb'];
  near: number;
  far: number;
  downscale: number;
  background: Scene['background'];
  /** The scene parameterisation (core/scene/space.ts). */
  space: SceneSpace;
}

export function sceneInfo(scene: Scene): SceneInfo {
  const cam = scene.views[0].camera;
  let distortion: Record<string, number> | null = null;
  if (cam.distortion) {
    distortion = {};
    for (const k of DISTORTION_KEYS) if (cam.distortion[k] !== 0) distortion[k] = cam.distortion[k];
    if (Object.keys(distortion).length === 0) distortion = null;
  }
  return {
    format: scene.format,
    images: scene.views.length,
    splits: { train: scene.splits.train.length, val: scene.splits.val.length, test: scene.splits.test.length },
    width: cam.width,
    height: cam.height,
    fx: cam.fx,
    fy: cam.fy,
    cx: cam.cx,
    cy: cam.cy,
    distortion,
    fisheye: cam.distortion?.model === 'fisheye',
    aabb: scene.aabb,
    near: scene.near,
    far: scene.far,
    downscale: scene.downscale,
    background: scene.background,
    space: sceneSpace(scene),
  };
}
