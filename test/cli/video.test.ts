// `mulfa render --orbit/--path` writes videos real tools read (ffprobe from Debian's ffmpeg): codec, size,
// frame count, duration; the decoded frames match the engine's exact renders; failures leave no file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { TempDir } from '../fixtures/datasets';
import { runProcess } from './run';
import { Trainer } from '../../core/train/Trainer';
import { decodeSnapshot } from '../../core/io/snapshot';
import { JS_OPS } from '../../core/field/ops';
import { orbitPath, keyframeCamera, parseCameraPathJson } from '../../core/paths/CameraPath';
import { storedCamera, type StoredCamera } from '../../cli/commands/eval';

const hasFfprobe = spawnSync('ffprobe', ['-version'], { stdio: 'ignore' }).status === 0;
const d = new TempDir();
const snap = d.path('run/final.mulfa');

function probe(file: string): { codec: string; width: number; height: number; frames: number; duration: number } {
  const j = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_name,width,height,nb_read_frames',
    '-show_entries', 'format=duration', '-of', 'json', file], { encoding: 'utf8' }));
  const s = j.streams[0];
  return { codec: s.codec_name, width: s.width, height: s.height, frames: Number(s.nb_read_frames), duration: Number(j.format.duration) };
}

/** Decoded frames as RGB floats (ffmpeg to rgb24). */
function decodeFrames(file: string, w: number, h: number): Float32Array[] {
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 28 });
  const n = raw.length / (w * h * 3), out: Float32Array[] = [];
  for (let f = 0; f < n; f++) out.push(Float32Array.from(raw.subarray(f * w * h * 3, (f + 1) * w * h * 3), (v) => v / 255));
  return out;
}

function psnr(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return -10 * Math.log10(s / a.length);
}

describe.skipIf(!hasFfprobe && !process.env.CI)('mulfa render videos', () => {
  beforeAll(() => {
    const r = runProcess(['train', 'demo', '--model', 'dense', '--max-steps', '60', '--resolution', '24', '--downscale', '4', '--out', d.path('run'), '--quiet']);
    expect(r.code, r.stderr).toBe(0);
  }, 180_000);
  afterAll(() => d.dispose());

  it('an orbit as MP4/H.264: size, frames, duration, and frames that match the exact renders (≥ 30 dB)', async () => {
    const out = d.path('orbit.mp4'), pathFile = d.path('orbit.json');
    const r = runProcess(['render', snap, '--orbit', '--frames', '12', '--fps', '6', '--size', '48x32', '--save-path', pathFile, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(probe(out)).toMatchObject({ codec: 'h264', width: 48, height: 32, frames: 12 });
    expect(probe(out).duration).toBeCloseTo(2, 1);
    // the same cameras rendered here with the engine
    const t = Trainer.fromSnapshot(decodeSnapshot(new Uint8Array(readFileSync(snap)), snap), snap, null, JS_OPS);
    const cams = ((t.meta.cameras ?? []) as StoredCamera[]).map(storedCamera);
    const { frames } = orbitPath(t.data.aabb, cams, { frames: 12, fps: 6, width: 48, height: 32 });
    const decoded = decodeFrames(out, 48, 32);
    expect(decoded).toHaveLength(12);
    for (let f = 0; f < 12; f += 3) expect(psnr(decoded[f], t.renderView(keyframeCamera(frames[f], 48, 32)))).toBeGreaterThanOrEqual(30);
    // the saved path re-imports to the same cameras
    const back = parseCameraPathJson(JSON.parse(readFileSync(pathFile, 'utf8')), pathFile);
    back.frames.forEach((k, i) => k.c2w.forEach((v, j) => expect(v).toBeCloseTo(frames[i].c2w[j], 9)));
  }, 180_000);

  it('a nerfstudio-style camera_path.json renders, to WebM/VP9 as well', () => {
    const row = (x: number) => [1, 0, 0, x, 0, 0, -1, -4, 0, 1, 0, 0.5, 0, 0, 0, 1];
    const json = { camera_type: 'perspective', render_width: 40, render_height: 30, fps: 10, seconds: 0.5,
      camera_path: [0, 0.1, 0.2, 0.3, 0.4].map((x) => ({ camera_to_world: row(x), fov: 45, aspect: 4 / 3 })) };
    const pf = d.path('ns_path.json');
    writeFileSync(pf, JSON.stringify(json));
    const r = runProcess(['render', snap, '--path', pf, '--out', d.path('ns.mp4')]);
    expect(r.code, r.stderr).toBe(0);
    expect(probe(d.path('ns.mp4'))).toMatchObject({ codec: 'h264', width: 40, height: 30, frames: 5 });
    const w = runProcess(['render', snap, '--path', pf, '--out', d.path('ns.webm')]);
    expect(w.code, w.stderr).toBe(0);
    expect(probe(d.path('ns.webm'))).toMatchObject({ codec: 'vp9', width: 40, height: 30, frames: 5 });
  }, 180_000);

  it('bad paths and failed writes: exit 2 naming the field, and no file left behind', () => {
    const pf = d.path('bad_path.json');
    writeFileSync(pf, JSON.stringify({ render_width: 40, render_height: 30, fps: 10, camera_path: [{ camera_to_world: [1, 2], fov: 45 }] }));
    const r = runProcess(['render', snap, '--path', pf, '--out', d.path('bad.mp4')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('camera_path[0].camera_to_world');
    expect(existsSync(d.path('bad.mp4'))).toBe(false);
    const odd = runProcess(['render', snap, '--orbit', '--size', '41x30', '--out', d.path('odd.mp4')]);
    expect(odd.code).toBe(2);
    expect(odd.stderr).toContain('even');
    const missing = runProcess(['render', snap, '--orbit', '--frames', '2', '--size', '16x16', '--out', `${snap}/v.mp4`]); // a file where a folder should be
    expect(missing.code).not.toBe(0);
    expect(readdirSync(d.path('.')).filter((f) => f.includes('.tmp-'))).toEqual([]);
  }, 180_000);
});
