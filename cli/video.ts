/**
 * Video files from rendered frames, with only npm packages: MP4/H.264 through h264-mp4-encoder (x264 built
 * to WebAssembly); WebM/VP9 through an `ffmpeg` on the PATH when there is one. Written atomically: the
 * encoder works in memory (or on a temp file) and the result is renamed into place at the end, so a
 * cancelled or failed export leaves no file.
 */
import { spawn, spawnSync } from 'node:child_process';
import { renameSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import HME from 'h264-mp4-encoder';
import { writeFileAtomic } from './fsio';
import { UsageError } from './args';

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
    const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.tmp-${process.pid}.webm`);
    const ff = spawn('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps),
      '-i', '-', '-c:v', 'libvpx-vp9', '-crf', '12', '-b:v', '0', '-pix_fmt', 'yuv420p', tmp], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    ff.stderr.on('data', (b: Buffer) => { err += String(b); });
    const done = new Promise<number>((resolve) => ff.on('close', (c) => resolve(c ?? 1)));
    return {
      async addFrame(rgb) {
        const ok = ff.stdin.write(toBytes(rgb, width, height, 3));
        if (!ok) await new Promise((r) => ff.stdin.once('drain', r));
      },
      async finish() {
        ff.stdin.end();
        const code = await done;
        if (code !== 0) { rmSync(tmp, { force: true }); throw new Error(`ffmpeg failed: ${err.trim()}`); }
        renameSync(tmp, file);
      },
      abort() { ff.kill(); rmSync(tmp, { force: true }); },
    };
  }
  throw new UsageError(`--out must end in .mp4 or .webm for a video, got "${file}"`);
}
