/**
 * `mulfa process <images-folder|video> --out <dataset>`: photos (or a video, sampled with ffmpeg) to a
 * dataset the loaders read, through COLMAP on the CPU: SIFT features, exhaustive matching for up to
 * --exhaustive-max images (sequential beyond: video frames), incremental mapping; the largest model becomes
 * `<out>/sparse/0` beside `<out>/images/` (the COLMAP format of datasets/colmap.ts). Progress on stderr; a
 * missing COLMAP or ffmpeg, or too few registered images (which ones), is one line and exit 2.
 */
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { InputError } from '../../core/errors';
import { parse, intFlag, numFlag, UsageError } from '../args';
import { processPhotos, colmapAvailable, CAMERA_MODELS, type ProcessOptions } from '../../datasets/node/processPhotos';

export { colmapAvailable };

export const PROCESS_OPTIONS = {
  out: { type: 'string' }, fps: { type: 'string' }, 'max-frames': { type: 'string' }, 'exhaustive-max': { type: 'string' },
  'camera-model': { type: 'string' }, colmap: { type: 'string' }, 'min-registered': { type: 'string' }, json: { type: 'boolean' },
  quiet: { type: 'boolean' },
} as const;

export async function processCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, PROCESS_OPTIONS, 1);
  if (!values.out) throw new UsageError('--out <dataset folder> is required');
  const colmap = values.colmap ?? 'colmap';
  const model = values['camera-model'] ?? 'OPENCV';
  if (!(CAMERA_MODELS as readonly string[]).includes(model)) throw new UsageError(`--camera-model must be one of ${CAMERA_MODELS.join(', ')}, got "${model}"`);
  const options: ProcessOptions = {
    input: positionals[0], inputLabel: positionals[0], out: values.out, colmap,
    fps: numFlag(values.fps, 'fps', 0.01), maxFrames: intFlag(values['max-frames'], 'max-frames', 3),
    exhaustiveMax: intFlag(values['exhaustive-max'], 'exhaustive-max', 2), cameraModel: model as ProcessOptions['cameraModel'],
    minRegistered: intFlag(values['min-registered'], 'min-registered', 3),
  };
  if (!existsSync(path.resolve(positionals[0]))) throw new InputError(positionals[0], '', 'not found');
  if (!colmapAvailable(colmap)) {
    throw new UsageError(`COLMAP is not installed (no "${colmap}" on the PATH): install it (Debian/Ubuntu: sudo apt-get install colmap; ` +
      'others: https://colmap.github.io/install.html) or give its path with --colmap');
  }
  const log = (s: string) => { if (!values.quiet) process.stderr.write(s + '\n'); };
  const r = await processPhotos(options, { log });
  log(`train with: mulfa train ${values.out}`);
  if (values.json) {
    process.stdout.write(JSON.stringify({ dataset: path.resolve(r.dataset), images: r.images, registered: r.registered,
      not_registered: r.notRegistered, seconds: Number(r.seconds.toFixed(1)) }) + '\n');
  }
  return 0;
}
