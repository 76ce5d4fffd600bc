/** Detects a dataset's format from a folder (or a file in it) and loads it as a Scene. */
import { InputError } from '../core/errors';
import type { Scene, SceneFormat } from '../core/scene/Scene';
import { type DatasetFS, joinPath, dirname, basename } from './fs';
import { type LoadOptions, buildScene, checkDownscale } from './build';
import { loadBlender } from './blender';
import { loadNgp } from './ngp';
import { loadLlff } from './llff';
import { loadColmap, findColmapModel } from './colmap';
import { loadDemoScene } from './demo/DemoScene';
import { forwardSpace, foregroundOf, unboundedSpace } from '../core/scene/space';

export type { LoadOptions } from './build';

export interface Detected {
  format: Exclude<SceneFormat, 'demo'>;
  /** Folder (relative to the FS root) the dataset lives in. */
  base: string;
  /** The JSON file for ngp. */
  file?: string;
}

/** What to look for, in order. `hint` is a file inside the folder the user pointed at, if any. */
export async function detectFormat(fs: DatasetFS, hint?: string): Promise<Detected> {
  if (hint) {
    const name = basename(hint), base = dirname(hint);
    if (/^transforms_(train|val|test)\.json$/.test(name)) return { format: 'blender', base };
    if (name.endsWith('.json')) return { format: 'ngp', base, file: hint };
    if (name === 'poses_bounds.npy') return { format: 'llff', base };
    if (/^(cameras|images|points3D)\.(bin|txt)$/.test(name)) return { format: 'colmap', base };
    throw new InputError(hint, '', 'not a dataset file (expected transforms*.json, poses_bounds.npy or a COLMAP cameras/images/points3D file)');
  }
  const type = await fs.stat('');
  if (type === null) throw new InputError(fs.label, '', 'not found');
  if (type !== 'dir') throw new InputError(fs.label, '', 'is not a folder');
  const entries = await fs.list('');
  if (entries.length === 0) throw new InputError(fs.label, '', 'folder is empty');
  const has = (n: string) => entries.some((e) => e.name === n && !e.isDirectory);
  if (has('transforms_train.json')) return { format: 'blender', base: '' };
  if (has('transforms.json')) return { format: 'ngp', base: '', file: 'transforms.json' };
  if (has('poses_bounds.npy')) return { format: 'llff', base: '' };
  if ((await findColmapModel(fs)) !== null) return { format: 'colmap', base: '' };
  throw new InputError(fs.label, '', 'no dataset found: expected transforms_train.json (Blender), transforms.json ' +
    '(instant-ngp/nerfstudio), poses_bounds.npy (LLFF) or a COLMAP model (sparse/0/cameras.bin or .txt)');
}

/** Loads the dataset in `fs` (format detected), downscaled and split as asked. */
export async function loadScene(fs: DatasetFS, opts: LoadOptions = {}): Promise<Scene> {
  checkDownscale(opts.downscale ?? 1);
  if (opts.holdout !== undefined && (!Number.isInteger(opts.holdout) || opts.holdout < 2)) {
    throw new InputError('', '--holdout', `must be an integer ≥ 2, got ${opts.holdout}`);
  }
  const d = await detectFormat(fs, opts.file);
  const raw = d.format === 'blender' ? await loadBlender(fs, opts, d.base)
    : d.format === 'ngp' ? await loadNgp(fs, opts, d.file ?? joinPath(d.base, 'transforms.json'))
    : d.format === 'llff' ? await loadLlff(fs, opts, d.base)
    : await loadColmap(fs, opts, d.base);
  return buildScene(fs, raw, opts);
}

/** The names that select the built-in demo scene instead of a folder. */
export function isDemoName(path: string): boolean {
  return path === 'demo' || path === ':demo' || path === 'builtin:demo';
}

export function loadDemo(opts: LoadOptions = {}): Scene {
  const scene = loadDemoScene({ downscale: checkDownscale(opts.downscale ?? 1), holdout: opts.holdout });
  if (opts.scene === 'forward') scene.space = forwardSpace(scene.views.map((v) => v.camera), scene.near, scene.label);
  // unbounded: the object's box is the foreground, the white world beyond contracted around it
  if (opts.scene === 'unbounded') scene.space = unboundedSpace(foregroundOf(scene.aabb), scene.label);
  return scene;
}
