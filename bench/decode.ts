/**
 * Image decoding: which PNG decoder to use, and how long loading a Blender scene of 100 RGBA PNGs at
 * 800×800 takes through our loader. Candidates run on the same files: fast-png (pure JS, runs in Node,
 * browser and workers), pngjs (Node-oriented pure JS), upng-js (pure JS), sharp (native libvips, Node only).
 */
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { encode as encodePng, decode as fastPngDecode } from 'fast-png';
import jpeg from 'jpeg-js';
import { renderDemoView, demoCameras } from '../datasets/demo/DemoScene';
import { decodeImage } from '../datasets/image/decode';
import { loadScene } from '../datasets/load';
import { NodeFS } from '../datasets/node/NodeFS';

export interface DecodeBench {
  images: number;
  /** How many different images the files hold (the rest are copies). */
  distinct_images: number;
  size: string;
  png_bytes_mean: number;
  ms_per_image: Record<string, number>;
  jpeg_ms_per_image: number;
  load_100_png_scene_sec: number;
  decode_100_png_sec: number;
}

async function optional<T>(name: string): Promise<T | null> {
  try { return (await import(name)) as T; } catch { return null; }
}

export async function benchDecode(log: (s: string) => void): Promise<DecodeBench> {
  const N = 100, S = 800, distinct = 10;
  const dir = mkdtempSync(path.join(tmpdir(), 'mulfa-bench-decode-'));
  try {
    const { cameras } = demoCameras({ size: S, train: distinct, val: 0, test: 0 });
    const pngs: Uint8Array[] = [];
    for (let k = 0; k < distinct; k++) {
      const img = renderDemoView(cameras[k], 1);
      const px = new Uint8Array(S * S * 4);
      for (let i = 0; i < px.length; i++) px[i] = Math.round(img.data[i] * 255);
      pngs.push(encodePng({ width: S, height: S, data: px, channels: 4 }));
    }
    mkdirSync(path.join(dir, 'train'));
    const frames = [];
    for (let i = 0; i < N; i++) {
      writeFileSync(path.join(dir, 'train', `r_${i}.png`), pngs[i % distinct]);
      const c = cameras[i % distinct].c2w;
      frames.push({ file_path: `./train/r_${i}`, transform_matrix: [0, 1, 2, 3].map((r) => [c[r], c[4 + r], c[8 + r], c[12 + r]]) });
    }
    writeFileSync(path.join(dir, 'transforms_train.json'), JSON.stringify({ camera_angle_x: 0.6911112070083618, frames }));
    const files = Array.from({ length: N }, (_, i) => new Uint8Array(readFileSync(path.join(dir, 'train', `r_${i}.png`))));
    log(`${N} PNGs ${S}×${S} RGBA (${distinct} distinct renders, each written ${N / distinct}×), mean ${(files.reduce((a, f) => a + f.length, 0) / N / 1024).toFixed(0)} KiB`);

    const time = async (fn: (b: Uint8Array) => unknown, count = 20): Promise<number> => {
      fn(files[0]);
      const t = performance.now();
      for (let i = 0; i < count; i++) await fn(files[i]);
      return (performance.now() - t) / count;
    };
    const ms: Record<string, number> = {};
    ms['fast-png'] = await time((b) => fastPngDecode(b));
    ms['ours: bounded inflate + unfilter + float RGBA'] = await time((b) => decodeImage(b, 'x.png'));
    const pngjs = await optional<typeof import('pngjs')>('pngjs');
    if (pngjs) ms.pngjs = await time((b) => pngjs.PNG.sync.read(Buffer.from(b)));
    const upng = await optional<{ default: { decode(b: ArrayBuffer): unknown; toRGBA8(i: unknown): unknown } }>('upng-js');
    if (upng) ms['upng-js'] = await time((b) => upng.default.toRGBA8(upng.default.decode(b.slice().buffer)));
    const sharp = await optional<{ default: (b: Uint8Array) => { raw(): { toBuffer(): Promise<Buffer> } } }>('sharp');
    if (sharp) ms['sharp (native)'] = await time((b) => sharp.default(b).raw().toBuffer());
    for (const [k, v] of Object.entries(ms)) log(`  ${k.padEnd(30)} ${v.toFixed(1)} ms/image`);

    const jpg = new Uint8Array(jpeg.encode({ width: S, height: S, data: fastPngDecode(files[0]).data as Uint8Array }, 90).data);
    const jpegMs = await time(() => decodeImage(jpg, 'x.jpg'), 10);
    log(`  jpeg-js (ours)                 ${jpegMs.toFixed(1)} ms/image (800×800 JPEG)`);

    let t = performance.now();
    const scene = await loadScene(new NodeFS(dir));
    const loadSec = (performance.now() - t) / 1000;
    t = performance.now();
    for (let i = 0; i < scene.views.length; i++) await scene.loadImage(i);
    const decodeSec = (performance.now() - t) / 1000;
    log(`load scene (probe ${N} PNGs): ${loadSec.toFixed(2)} s; decode all ${N}: ${decodeSec.toFixed(2)} s`);
    const r = (x: number) => Number(x.toFixed(2));
    return {
      images: N, distinct_images: distinct, size: `${S}x${S}`, png_bytes_mean: Math.round(files.reduce((a, f) => a + f.length, 0) / N),
      ms_per_image: Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, r(v)])),
      jpeg_ms_per_image: r(jpegMs), load_100_png_scene_sec: r(loadSec), decode_100_png_sec: r(decodeSec),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
