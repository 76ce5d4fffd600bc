/**
 * Video files from rendered frames, with only npm packages: MP4/H.264 through h264-mp4-encoder (x264 built
 * to WebAssembly); WebM/VP9 through an `ffmpeg` on the PATH when there is one. Written atomically: the
 * encoder works in memory (or on a temp file in a private folder) and the result is renamed into place at the
 * end, so a cancelled or failed export leaves no file.
 */
import { spawn, spawnSync } from 'node:child_process';
import type HME from 'h264-mp4-encoder';
import * as path from 'node:path';
import { InputError } from '../core/errors';
import { writeFileAtomic, privateTempFolder, ensureFolder } from '../datasets/node/files';
import { UsageError } from './args';

/**
 * h264-mp4-encoder, loaded only when an MP4 is written. Its Emscripten start-up installs process-wide
 * handlers that rethrow every uncaught exception and rejection; they are removed again, so importing it
 * changes nothing else in the process.
 */
async function loadH264Encoder(): Promise<typeof HME> {
  const listeners = () => [...process.listeners('uncaughtException'), ...process.listeners('unhandledRejection')] as Function[];
  const before = new Set(listeners());
  const mod = (await import('h264-mp4-encoder')) as unknown as { default?: typeof HME } & typeof HME;
  for (const l of process.listeners('uncaughtException')) if (!before.has(l)) process.off('uncaughtException', l);
  for (const l of process.listeners('unhandledRejection')) if (!before.has(l)) process.off('unhandledRejection', l);
  return mod.default ?? mod; // CommonJS: a default export under some loaders, named exports under others
}

export interface VideoWriter {
  addFrame(rgb: Float32Array): Promise<void>;
  /** Writes the file; `abort` instead leaves nothing. */
  finish(): Promise<void>;
  abort(): void;
}

function toBytes(rgb: Float32Array, w: number, h: number, channels: 3 | 4): Uint8Array {
  const out = new Uint8Array(w * h * channels);
  for (let p = 0; p < w * h; p++) {
    for (let c = 0; c < 3; c++) out[p * channels + c] = Math.round(Math.min(1, Math.max(0, rgb[p * 3 + c])) * 255);
    if (channels === 4) out[p * 4 + 3] = 255;
  }
  return out;
}

export function ffmpegAvailable(): boolean {
  return spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
}

export async function openVideo(file: string, width: number, height: number, fps: number): Promise<VideoWriter> {
  const ext = path.extname(file).toLowerCase();
  if (width % 2 || height % 2) throw new UsageError(`video size must be even (H.264/VP9 4:2:0), got ${width}x${height}`);
  if (ext === '.mp4') {
    ensureFolder(path.dirname(path.resolve(file)), file); // fail before rendering, not after
    const HME = await loadH264Encoder();
    const enc = await HME.createH264MP4Encoder();
    enc.width = width; enc.height = height; enc.frameRate = fps;
    enc.quantizationParameter = 12; // near-transparent quality: the frames should match the renders
    enc.initialize();
    return {
      async addFrame(rgb) { enc.addFrameRgba(toBytes(rgb, width, height, 4)); },
      async finish() {
        enc.finalize();
        const bytes = enc.FS.readFile(enc.outputFilename);
        enc.delete();
        writeFileAtomic(file, bytes);
      },
      abort() { try { enc.delete(); } catch { /* already gone */ } },
    };
  }
  if (ext === '.webm') {
    if (!ffmpegAvailable()) throw new UsageError('WebM needs an ffmpeg on the PATH; write .mp4 (H.264, built in) instead');
    return webmWriter(file, width, height, fps);
  }
  throw new UsageError(`--out must end in .mp4 or .webm for a video, got "${file}"`);
}

/**
 * VP9/WebM through ffmpeg, into a private temp folder beside the target, renamed into place when ffmpeg
 * succeeds. ffmpeg's failures (it exits, its stdin breaks: EPIPE) become one InputError and remove the temp
 * folder; nothing is left behind.
 */
function webmWriter(file: string, width: number, height: number, fps: number): VideoWriter {
  const tmp = privateTempFolder(file);
  const out = path.join(tmp.dir, 'video.webm');
  const ff = spawn('ffmpeg', ['-nostdin', '-loglevel', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps),
    '-i', 'pipe:0', '-c:v', 'libvpx-vp9', '-crf', '12', '-b:v', '0', '-pix_fmt', 'yuv420p', out], { stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '', failure: Error | null = null;
  ff.stderr.on('data', (b: Buffer) => { err += String(b); });
  ff.on('error', (e) => { failure ??= e; });
  ff.stdin.on('error', (e) => { failure ??= e; }); // EPIPE when ffmpeg has exited: reported by finish/addFrame
  const done = new Promise<number>((resolve) => ff.on('close', (c) => resolve(c ?? 1)));
  let exited = false;
  void done.then(() => { exited = true; });
  const fail = async (): Promise<never> => {
    ff.kill();
    await done;
    tmp.discard();
    const why = err.trim().split('\n').pop() || failure?.message || 'ffmpeg stopped';
    throw new InputError(file, '', `video encoding failed (ffmpeg: ${why}); nothing was written`);
  };
  return {
    async addFrame(rgb) {
      if (failure || exited) return fail();
      const ok = ff.stdin.write(toBytes(rgb, width, height, 3));
      if (!ok) await new Promise<void>((r) => { ff.stdin.once('drain', r); void done.then(() => r()); });
      if (failure) return fail();
    },
    async finish() {
      ff.stdin.end();
      const code = await done;
      if (code !== 0 || failure) return fail();
      tmp.commit(out);
    },
    abort() { ff.kill(); tmp.discard(); },
  };
}
