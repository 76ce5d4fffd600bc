/**
 * `mulfa process <images-folder|video> --out <dataset>`: photos (or a video, sampled with ffmpeg) to a
 * dataset the loaders read, through COLMAP on the CPU: SIFT features, exhaustive matching for up to
 * --exhaustive-max images (sequential beyond: video frames), incremental mapping; the largest model becomes
 * `<out>/sparse/0` beside `<out>/images/` (the COLMAP format of datasets/colmap.ts). Progress on stderr; a
 * missing COLMAP or ffmpeg, or too few registered images (which ones), is one line and exit 2.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { parse, intFlag, numFlag, UsageError } from '../args';
import { InputError } from '../../core/errors';
import { isImageFileName } from '../../datasets/image/decode';
import { readColmapModel } from '../../datasets/colmap';
import { NodeFS } from '../../datasets/node/NodeFS';
import { ffmpegAvailable } from '../video';

export const PROCESS_OPTIONS = {
  out: { type: 'string' }, fps: { type: 'string' }, 'max-frames': { type: 'string' }, 'exhaustive-max': { type: 'string' },
  'camera-model': { type: 'string' }, colmap: { type: 'string' }, 'min-registered': { type: 'string' }, json: { type: 'boolean' },
  quiet: { type: 'boolean' },
} as const;

const VIDEO = /\.(mp4|mov|m4v|webm|mkv|avi)$/i;
const CAMERA_MODELS = ['OPENCV', 'SIMPLE_RADIAL', 'PINHOLE', 'OPENCV_FISHEYE'];

export async function processCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, PROCESS_OPTIONS, 1);
  const input = path.resolve(positionals[0]);
  if (!values.out) throw new UsageError('--out <dataset folder> is required');
  const out = path.resolve(values.out);
  const colmap = values.colmap ?? 'colmap';
  const fps = numFlag(values.fps, 'fps', 0.01) ?? 2;
  const maxFrames = intFlag(values['max-frames'], 'max-frames', 3) ?? 300;
  const exhaustiveMax = intFlag(values['exhaustive-max'], 'exhaustive-max', 2) ?? 150;
  const model = values['camera-model'] ?? 'OPENCV';
  if (!CAMERA_MODELS.includes(model)) throw new UsageError(`--camera-model must be one of ${CAMERA_MODELS.join(', ')}, got "${model}"`);
  const quiet = values.quiet ?? false;
  const log = (s: string) => { if (!quiet) process.stderr.write(s + '\n'); };

  if (!existsSync(input)) throw new InputError(positionals[0], '', 'not found');
  if (!colmapAvailable(colmap)) {
    throw new UsageError(`COLMAP is not installed (no "${colmap}" on the PATH): install it (Debian/Ubuntu: sudo apt-get install colmap; ` +
      'others: https://colmap.github.io/install.html) or give its path with --colmap');
  }
  if (existsSync(out) && readdirSync(out).length > 0) throw new UsageError(`--out ${values.out} exists and is not empty (choose a new folder)`);
  const images = path.join(out, 'images');
  mkdirSync(images, { recursive: true });
  const t0 = performance.now();
  let ok = false;
  try {
    // ---- the photos
    let names: string[];
    if (statSync(input).isDirectory()) {
      names = readdirSync(input).filter((n) => isImageFileName(n) && statSync(path.join(input, n)).isFile()).sort();
      if (names.length < 3) throw new InputError(positionals[0], '', `has ${names.length} photos (JPEG or PNG); COLMAP needs at least 3`);
      for (const n of names) copyFileSync(path.join(input, n), path.join(images, n));
      log(`${names.length} photos from ${positionals[0]}`);
    } else if (VIDEO.test(input)) {
      if (!ffmpegAvailable()) throw new UsageError('video input needs ffmpeg on the PATH (Debian/Ubuntu: sudo apt-get install ffmpeg); or extract the frames yourself and give the folder');
      const r = spawnSync('ffmpeg', ['-v', 'error', '-i', input, '-vf', `fps=${fps}`, '-frames:v', String(maxFrames), '-q:v', '2',
        path.join(images, 'frame_%05d.jpg')], { encoding: 'utf8' });
      names = readdirSync(images).sort();
      if (r.status !== 0) throw new InputError(positionals[0], '', `ffmpeg could not read the video: ${(r.stderr || '').trim().split('\n').pop()}`);
      if (names.length < 3) throw new InputError(positionals[0], '', `gave ${names.length} frames at --fps ${fps}; COLMAP needs at least 3 (raise --fps)`);
      log(`${names.length} frames from ${positionals[0]} at ${fps} fps`);
    } else {
      throw new InputError(positionals[0], '', 'is neither a folder of photos nor a video (.mp4, .mov, .m4v, .webm, .mkv, .avi)');
    }
    // ---- COLMAP
    const db = path.join(out, 'database.db'), threads = String(os.availableParallelism());
    await runColmap(colmap, ['feature_extractor', '--database_path', db, '--image_path', images, '--ImageReader.single_camera', '1',
      '--ImageReader.camera_model', model, '--SiftExtraction.use_gpu', '0', '--SiftExtraction.num_threads', threads], 'features', names.length, log);
    const sequential = names.length > exhaustiveMax;
    await runColmap(colmap, [sequential ? 'sequential_matcher' : 'exhaustive_matcher', '--database_path', db, '--SiftMatching.use_gpu', '0',
      '--SiftMatching.num_threads', threads], sequential ? 'sequential matching' : 'exhaustive matching', names.length, log);
    const sparse = path.join(out, 'sparse');
    mkdirSync(sparse, { recursive: true });
    await runColmap(colmap, ['mapper', '--database_path', db, '--image_path', images, '--output_path', sparse,
      '--Mapper.num_threads', threads], 'mapping', names.length, log).catch((e: Error) => {
      if (/failed to create sparse model/.test(e.message)) {
        throw new InputError(positionals[0], '', `COLMAP could not place the ${names.length} photos in any model (too little overlap or texture between them)`);
      }
      throw e;
    });
    // ---- the largest model becomes sparse/0
    const models = readdirSync(sparse).filter((m) => existsSync(path.join(sparse, m, 'images.bin')));
    if (models.length === 0) throw new InputError(positionals[0], '', `COLMAP registered none of the ${names.length} photos (too little overlap or texture)`);
    const counted = await Promise.all(models.map(async (m) => ({ m, views: await registered(out, path.join('sparse', m)) })));
    counted.sort((a, b) => b.views.length - a.views.length);
    const best = counted[0];
    if (best.m !== '0') {
      renameSync(path.join(sparse, '0'), path.join(sparse, `model-${Date.now()}`));
      renameSync(path.join(sparse, best.m), path.join(sparse, '0'));
    }
    const got = new Set(best.views), missing = names.filter((n) => !got.has(n));
    const minRegistered = intFlag(values['min-registered'], 'min-registered', 3) ?? Math.max(3, Math.ceil(names.length / 2));
    if (got.size < minRegistered) {
      throw new InputError(positionals[0], '', `COLMAP registered only ${got.size} of ${names.length} photos (at least ${minRegistered} needed); ` +
        `not registered: ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? `, … (${missing.length - 20} more)` : ''}`);
    }
    rmSync(db, { force: true });
    const seconds = (performance.now() - t0) / 1000;
    log(`registered ${got.size} of ${names.length} photos${missing.length ? ` (not: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''})` : ''} ` +
      `in ${seconds.toFixed(0)} s → ${values.out} (train with: mulfa train ${values.out})`);
    if (values.json) {
      process.stdout.write(JSON.stringify({ dataset: out, images: names.length, registered: got.size, not_registered: missing, seconds: Number(seconds.toFixed(1)) }) + '\n');
    }
    ok = true;
    return 0;
  } finally {
    if (!ok) rmSync(out, { recursive: true, force: true }); // no half-made dataset left behind
  }
}

export function colmapAvailable(colmap = 'colmap'): boolean {
  const r = spawnSync(colmap, ['help'], { stdio: 'ignore', env: colmapEnv() });
  return !r.error && r.status === 0;
}

function colmapEnv(): NodeJS.ProcessEnv {
  return { ...process.env, QT_QPA_PLATFORM: 'offscreen' }; // COLMAP links Qt; no display needed on the CPU path
}

/** The image names the COLMAP model at `rel` (inside `root`) registered. */
async function registered(root: string, rel: string): Promise<string[]> {
  const model = await readColmapModel(new NodeFS(root), rel).catch(() => null);
  return model ? model.images.map((im) => im.name) : [];
}

/** Runs one COLMAP stage, turning its log into progress lines; its last lines go into the error when it fails. */
function runColmap(colmap: string, args: string[], stage: string, n: number, log: (s: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(colmap, args, { env: colmapEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    let lastLog = 0, done = 0;
    const onLine = (line: string) => {
      tail.push(line);
      if (tail.length > 8) tail.shift();
      const m = /Processed file \[(\d+)\/(\d+)\]/.exec(line) ?? /Matching block \[(\d+)\/(\d+)/.exec(line) ?? /Matching image \[(\d+)\/(\d+)\]/.exec(line);
      const reg = /Registering image #\d+ \((\d+)\)/.exec(line);
      if (m) done = Number(m[1]) / Number(m[2]);
      else if (reg) done = Number(reg[1]) / n;
      else return;
      const now = performance.now();
      if (now - lastLog > 5000) { lastLog = now; log(`  ${stage} ${(100 * Math.min(1, done)).toFixed(0)} %`); }
    };
    let buf = '';
    const feed = (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      lines.forEach(onLine);
    };
    p.stdout.on('data', feed);
    p.stderr.on('data', feed);
    p.on('error', (e) => reject(new UsageError(`could not run COLMAP (${colmap}): ${e.message}`)));
    p.on('close', (code) => {
      if (code === 0) { log(`${stage}: ${((performance.now() - t0) / 1000).toFixed(1)} s`); resolve(); return; }
      reject(new UsageError(`COLMAP ${args[0]} failed (exit ${code}): ${tail.filter((l) => l.trim()).slice(-2).join(' | ')}`));
    });
  });
}
