import type { Camera } from './Camera';
import type { RGBAImage } from '../image/RGBAImage';
import { type SceneSpace, boundedSpace } from './space';

export type SceneFormat = 'blender' | 'ngp' | 'llff' | 'colmap' | 'demo';
export type Split = 'train' | 'val' | 'test';
export const SPLITS: readonly Split[] = ['train', 'val', 'test'];

/** Axis-aligned box [[minX, minY, minZ], [maxX, maxY, maxZ]] in world units. */
export type AABB = [[number, number, number], [number, number, number]];

export interface SceneView {
  /** Image path relative to the dataset root (or a generated name for the demo). */
  name: string;
  camera: Camera;
}

/**
 * Every dataset format becomes this. Cameras are camera-to-world in the OpenGL convention with
 * intrinsics and distortion at the scene's (downscaled) resolution; images are decoded on demand.
 */
export interface Scene {
  format: SceneFormat;
  /** Where it came from, for messages. */
  label: string;
  views: SceneView[];
  /** Indices into `views`. */
  splits: Record<Split, number[]>;
  aabb: AABB;
  /** Ray distances from the camera centre (along unit directions) that bound the content. */
  near: number;
  far: number;
  /**
   * Colour to composite the images' alpha on (synthetic scenes: white); null keeps the pixels as they
   * are (captured scenes).
   */
  background: [number, number, number] | null;
  /** The space the grids live in (core/scene/space.ts); absent: the bounded box `aabb`. */
  space?: SceneSpace;
  /** Integer factor the images and intrinsics were divided by. */
  downscale: number;
  /** Decoded (and downscaled) image of view i. Alpha is kept; composite with `background` to train. */
  loadImage(i: number): Promise<RGBAImage>;
}

/** The space the scene's grids live in. */
export function sceneSpace(scene: Pick<Scene, 'aabb' | 'space'>): SceneSpace {
  return scene.space ?? boundedSpace(scene.aabb);
}

/**
 * `--holdout k`: for a scene with only a training split, every k-th view (in training order) moves to the
 * test split: views 0, k, 2k, … for LLFF and COLMAP captures (the protocol of LLFF and mip-NeRF 360, NeRF's
 * `llffhold`), views k − 1, 2k − 1, … for the other formats. A scene that has its own val/test split keeps it
 * (returns false).
 */
export function applyHoldout(scene: Scene, k: number): boolean {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`holdout must be an integer ≥ 2, got ${k}`);
  if (scene.splits.val.length > 0 || scene.splits.test.length > 0) return false;
  const train: number[] = [], test: number[] = [], first = scene.format === 'llff' || scene.format === 'colmap' ? 0 : k - 1;
  scene.splits.train.forEach((v, i) => (i % k === first ? test : train).push(v));
  scene.splits = { train, val: [], test };
  return true;
}
