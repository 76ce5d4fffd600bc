/**
 * LLFF: `poses_bounds.npy` (N×17: a row-major 3×5 block [R | t | (H, W, focal)] per image, camera axes
 * [down, right, back], then near and far depth bounds) with `images/` and pre-downscaled `images_4/`,
 * `images_8/` (…); images are paired with poses by sorted file name. Forward-facing captures: the
 * pixels are kept as they are (no background).
 */
import { InputError } from '../core/errors';
import { type Camera } from '../core/scene/Camera';
import { aabbFromFrusta } from '../core/scene/bounds';
import type { DatasetFS } from './fs';
import { joinPath } from './fs';
import { type LoadOptions, type RawScene, type ImageRef, probeImages, checkSameSize, checkDownscale, allTrain } from './build';
import { isImageFileName } from './image/decode';
import { parseNpy } from './npy';
import { checkCameraValues } from './validate';

export async function loadLlff(fs: DatasetFS, opts: LoadOptions, base = ''): Promise<RawScene> {
  const downscale = checkDownscale(opts.downscale ?? 1);
  const file = joinPath(base, 'poses_bounds.npy');
  const npy = parseNpy(await fs.readFile(file), file);
  if (npy.shape.length !== 2 || npy.shape[1] !== 17) {
    throw new InputError(file, 'shape', `must be N×17 (a 3×5 pose and 2 bounds per image), found (${npy.shape.join(', ')})`);
  }
  const n = npy.shape[0];
  if (n === 0) throw new InputError(file, 'shape', 'has no poses');
  for (let i = 0; i < n * 17; i++) {
    if (!Number.isFinite(npy.data[i])) throw new InputError(file, `row ${Math.floor(i / 17)}, column ${i % 17}`, `must be finite, found ${npy.data[i]}`);
  }
  // Prefer images_<n> made by LLFF's own script when the user asks for downscale n.
  let folder = joinPath(base, 'images'), factor = downscale;
  if (downscale > 1 && (await fs.stat(joinPath(base, `images_${downscale}`))) === 'dir') {
    folder = joinPath(base, `images_${downscale}`);
    factor = 1;
  }
  if ((await fs.stat(folder)) !== 'dir') throw new InputError(folder, '', 'folder not found (LLFF keeps its photos in images/)');
  const names = (await fs.list(folder)).filter((e) => !e.isDirectory && isImageFileName(e.name)).map((e) => e.name);
  if (names.length !== n) {
    throw new InputError(folder, '', `has ${names.length} images but ${file} has ${n} poses`);
  }
  const refs: ImageRef[] = names.map((name) => ({ path: `${folder}/${name}`, ref: `${folder}/ (image ${name})` }));
  const { width, height } = checkSameSize(await probeImages(fs, refs), refs);
  const d = npy.data;
  const cams: Camera[] = [], nears: number[] = [], fars: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = (r: number, c: number) => d[i * 17 + r * 5 + c];
    const H = row(0, 4), W = row(1, 4), focal = row(2, 4);
    if (!(H > 0 && W > 0 && focal > 0)) throw new InputError(file, `row ${i}, (H, W, focal)`, `must be positive, found (${H}, ${W}, ${focal})`);
    const s = width / W; // the image folder may be downscaled relative to the poses' H, W
    if (Math.abs(height - H * s) > 1.01) {
      throw new InputError(refs[i].path, '', `aspect ratio does not match ${file} row ${i} (H ${H}, W ${W}); image is ${width}×${height}`);
    }
    const c2w = new Float64Array(16);
    // LLFF columns [down, right, back] -> OpenGL [right, up, back]
    for (let r = 0; r < 3; r++) {
      c2w[r] = row(r, 1);
      c2w[4 + r] = -row(r, 0);
      c2w[8 + r] = row(r, 2);
      c2w[12 + r] = row(r, 3);
    }
    c2w[15] = 1;
    const near = d[i * 17 + 15], far = d[i * 17 + 16];
    if (!(near > 0 && far > near)) throw new InputError(file, `row ${i}, bounds`, `need 0 < near < far, found (${near}, ${far})`);
    nears.push(near); fars.push(far);
    cams.push(checkCameraValues({ c2w, width, height, fx: focal * s, fy: focal * s, cx: width / 2, cy: height / 2, distortion: null },
      file, `row ${i}, `));
  }
  const views = cams.map((camera, i) => ({ name: refs[i].path, camera, path: refs[i].path }));
  const near = Math.min(...nears), far = Math.max(...fars);
  return { format: 'llff', label: fs.label, views, splits: allTrain(n), aabb: aabbFromFrusta(cams, nears, fars), near, far,
    background: null, factor, downscale, spaceKind: 'forward' };
}
