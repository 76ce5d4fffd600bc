/**
 * Photos (or a video, sampled with ffmpeg) to a dataset the loaders read, through COLMAP on the CPU: SIFT
 * features, exhaustive matching for up to `exhaustiveMax` images (sequential beyond: video frames), incremental
 * mapping; the largest model becomes `<out>/sparse/0` beside `<out>/images/` (the COLMAP format of
 * datasets/colmap.ts). Shared by `mulfa process` (cli/commands/process.ts) and the desktop app's "New Scene from
 * Photos…" (electron/newScene.ts). A missing COLMAP or ffmpeg, too few photos, or too few registered photos
 * (which ones) is an InputError with one line; on any failure or cancellation the half-made folder is removed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { InputError } from '../../core/errors';
import { isImageFileName } from '../image/decode';
import { readColmapModel } from '../colmap';
import { NodeFS } from './NodeFS';

export const VIDEO_FILE = /\.(mp4|mov|m4v|webm|mkv|avi)$/i;
export const CAMERA_MODELS = ['OPENCV', 'SIMPLE_RADIAL', 'PINHOLE', 'OPENCV_FISHEYE'] as const;
export type ProcessStage = 'photos' | 'features' | 'matching' | 'mapping';

export interface ProcessOptions {
  /** A folder of JPEG/PNG photos or a video file. */
  input: string;
  /** The dataset folder to create (must not exist or be empty). */
  out: string;
  /** How errors name the input (the path as the user gave it); default `input`. */
  inputLabel?: string;
  colmap?: string;
  /** Video: frames sampled per second, at most maxFrames. */
  fps?: number;
  maxFrames?: number;
  /** Exhaustive matching up to this many photos, sequential matching beyond. */
  exhaustiveMax?: number;
  cameraModel?: (typeof CAMERA_MODELS)[number];
  /** Fewer registered photos than this is an error (default half of them, at least 3). */
  minRegistered?: number;
  /** Stops COLMAP and removes the folder. */
  signal?: AbortSignal;
}

export interface ProcessResult {
  dataset: string;
  images: number;
  registered: number;
  notRegistered: string[];
  seconds: number;
}

export interface ProcessEvents {
  /** Human progress lines (stage times, percentages every 5 s). */
  log?: (line: string) => void;
  /** The stage and its fraction done, as often as COLMAP reports it. */
  progress?: (stage: ProcessStage, fraction: number) => void;
}

export function colmapAvailable(colmap = 'colmap'): boolean {
  const r = spawnSync(colmap, ['help'], { stdio: 'ignore', env: colmapEnv() });
  return !r.error && r.status === 0;
}

export function ffmpegAvailable(): boolean {
  return spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
}

function colmapEnv(): NodeJS.ProcessEnv {
  return { ...process.env, QT_QPA_PLATFORM: 'offscreen' }; // COLMAP links Qt; no display needed on the CPU path
}

class Cancelled extends InputError {
  constructor() { super('', '', 'cancelled'); }
}

export async function processPhotos(o: ProcessOptions, ev: ProcessEvents = {}): Promise<ProcessResult> {
  const input = path.resolve(o.input), out = path.resolve(o.out), label = o.inputLabel ?? o.input;
  const colmap = o.colmap ?? 'colmap', fps = o.fps ?? 2, maxFrames = o.maxFrames ?? 300, exhaustiveMax = o.exhaustiveMax ?? 150;
  const model = o.cameraModel ?? 'OPENCV';
  const log = ev.log ?? (() => {}), progress = ev.progress ?? (() => {});
  if (!CAMERA_MODELS.includes(model)) throw new InputError('', 'camera model', `must be one of ${CAMERA_MODELS.join(', ')}, got "${model}"`);
  if (!existsSync(input)) throw new InputError(label, '', 'not found');
  if (!colmapAvailable(colmap)) {
    throw new InputError('', '', `COLMAP is not installed (no "${colmap}" on the PATH): install it (Debian/Ubuntu: sudo apt-get install colmap; ` +
      'others: https://colmap.github.io/install.html)');
  }
  if (existsSync(out) && readdirSync(out).length > 0) throw new InputError(o.out, '', 'exists and is not empty (choose a new folder)');
  if (o.signal?.aborted) throw new Cancelled();
  const images = path.join(out, 'images');
  mkdirSync(images, { recursive: true });
  const t0 = performance.now();
  let ok = false;
  const run = (args: string[], stage: ProcessStage, label: string, n: number) => runColmap(colmap, args, stage, label, n, log, progress, o.signal);
  try {
    // ---- the photos
    let names: string[];
    progress('photos', 0);
    if (statSync(input).isDirectory()) {
      names = readdirSync(input).filter((n) => isImageFileName(n) && statSync(path.join(input, n)).isFile()).sort();
      if (names.length < 3) throw new InputError(label, '', `has ${names.length} photos (JPEG or PNG); COLMAP needs at least 3`);
      for (const n of names) copyFileSync(path.join(input, n), path.join(images, n));
      log(`${names.length} photos from ${label}`);
    } else if (VIDEO_FILE.test(input)) {
      if (!ffmpegAvailable()) throw new InputError('', '', 'video input needs ffmpeg on the PATH (Debian/Ubuntu: sudo apt-get install ffmpeg); or extract the frames yourself and give the folder');
      const r = spawnSync('ffmpeg', ['-v', 'error', '-i', input, '-vf', `fps=${fps}`, '-frames:v', String(maxFrames), '-q:v', '2',
        path.join(images, 'frame_%05d.jpg')], { encoding: 'utf8' });
      names = readdirSync(images).sort();
      if (r.status !== 0) throw new InputError(label, '', `ffmpeg could not read the video: ${(r.stderr || '').trim().split('\n').pop()}`);
      if (names.length < 3) throw new InputError(label, '', `gave ${names.length} frames at ${fps} frames per second; COLMAP needs at least 3 (sample more often)`);
      log(`${names.length} frames from ${label} at ${fps} fps`);
    } else {
      throw new InputError(label, '', 'is neither a folder of photos nor a video (.mp4, .mov, .m4v, .webm, .mkv, .avi)');
    }
    progress('photos', 1);
    // ---- COLMAP
    const db = path.join(out, 'database.db'), threads = String(os.availableParallelism());
    await run(['feature_extractor', '--database_path', db, '--image_path', images, '--ImageReader.single_camera', '1',
      '--ImageReader.camera_model', model, '--SiftExtraction.use_gpu', '0', '--SiftExtraction.num_threads', threads], 'features', 'features', names.length);
    const sequential = names.length > exhaustiveMax;
    await run([sequential ? 'sequential_matcher' : 'exhaustive_matcher', '--database_path', db, '--SiftMatching.use_gpu', '0',
      '--SiftMatching.num_threads', threads], 'matching', sequential ? 'sequential matching' : 'exhaustive matching', names.length);
    const sparse = path.join(out, 'sparse');
    mkdirSync(sparse, { recursive: true });
    await run(['mapper', '--database_path', db, '--image_path', images, '--output_path', sparse,
      '--Mapper.num_threads', threads], 'mapping', 'mapping', names.length).catch((e: Error) => {
      if (/failed to create sparse model/.test(e.message)) {
        throw new InputError(label, '', `COLMAP could not place the ${names.length} photos in any model (too little overlap or texture between them)`);
      }
      throw e;
    });
    // ---- the largest model becomes sparse/0
    const models = readdirSync(sparse).filter((m) => existsSync(path.join(sparse, m, 'images.bin')));
    if (models.length === 0) throw new InputError(label, '', `COLMAP registered none of the ${names.length} photos (too little overlap or texture)`);
    const counted = await Promise.all(models.map(async (m) => ({ m, views: await registered(out, path.join('sparse', m)) })));
    counted.sort((a, b) => b.views.length - a.views.length);
    const best = counted[0];
    if (best.m !== '0') {
      renameSync(path.join(sparse, '0'), path.join(sparse, `model-${Date.now()}`));
      renameSync(path.join(sparse, best.m), path.join(sparse, '0'));
    }
    const got = new Set(best.views), missing = names.filter((n) => !got.has(n));
    const minRegistered = o.minRegistered ?? Math.max(3, Math.ceil(names.length / 2));
    if (got.size < minRegistered) {
      throw new InputError(label, '', `COLMAP registered only ${got.size} of ${names.length} photos (at least ${minRegistered} needed); ` +
        `not registered: ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? `, … (${missing.length - 20} more)` : ''}`);
    }
    rmSync(db, { force: true });
    const seconds = (performance.now() - t0) / 1000;
    log(`registered ${got.size} of ${names.length} photos${missing.length ? ` (not: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''})` : ''} ` +
      `in ${seconds.toFixed(0)} s → ${o.out}`);
    ok = true;
    return { dataset: out, images: names.length, registered: got.size, notRegistered: missing, seconds };
  } finally {
    if (!ok) rmSync(out, { recursive: true, force: true }); // no half-made dataset left behind
  }
}

/** The image names the COLMAP model at `rel` (inside `root`) registered. */
async function registered(root: string, rel: string): Promise<string[]> {
  const model = await readColmapModel(new NodeFS(root), rel).catch(() => null);
  return model ? model.images.map((im) => im.name) : [];
}

/** Runs one COLMAP stage, turning its log into progress; its last lines go into the error when it fails. */
function runColmap(colmap: string, args: string[], stage: ProcessStage, label: string, n: number, log: (s: string) => void,
  progress: (stage: ProcessStage, fraction: number) => void, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(new Cancelled()); return; }
    const t0 = performance.now();
    const p: ChildProcess = spawn(colmap, args, { env: colmapEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const onAbort = () => p.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
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
      progress(stage, Math.min(1, done));
      const now = performance.now();
      if (now - lastLog > 5000) { lastLog = now; log(`  ${label} ${(100 * Math.min(1, done)).toFixed(0)} %`); }
    };
    let buf = '';
    const feed = (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      lines.forEach(onLine);
    };
    p.stdout!.on('data', feed);
    p.stderr!.on('data', feed);
    p.on('error', (e) => reject(new InputError('', '', `could not run COLMAP (${colmap}): ${e.message}`)));
    // cancelled: done when COLMAP exits (a helper it started may still hold the pipes open, which would delay 'close')
    p.on('exit', () => { if (signal?.aborted) reject(new Cancelled()); });
    p.on('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) { reject(new Cancelled()); return; }
      if (code === 0) { progress(stage, 1); log(`${label}: ${((performance.now() - t0) / 1000).toFixed(1)} s`); resolve(); return; }
      reject(new InputError('', '', `COLMAP ${args[0]} failed (exit ${code}): ${tail.filter((l) => l.trim()).slice(-2).join(' | ')}`));
    });
  });
}
