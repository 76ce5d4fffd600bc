// Files that used to hang the loader or exhaust memory: FIFOs, huge headers, sparse giants, zlib bombs.
// Each ends in one InputError naming the file, quickly, without reading or allocating what the file claims.
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { openSync, closeSync, ftruncateSync, writeSync, readFileSync } from 'node:fs';
import { zlibSync } from 'fflate';
import { zlibBomb } from '../fuzz/mutants';
import { encode as encodePng } from 'fast-png';
import { pngFromChunks, ihdr } from '../fixtures/png';
import { TempDir, writeNgp } from '../fixtures/datasets';
import { runMain } from '../cli/run';
import { decodeImage, probeImage } from '../../datasets/image/decode';
import { downscaleImage } from '../../core/image/RGBAImage';
import { NodeFS } from '../../datasets/node/NodeFS';
import { loadScene } from '../../datasets/load';

const dirs: TempDir[] = [];
afterAll(() => dirs.forEach((d) => d.dispose()));
function temp(): TempDir { const d = new TempDir(); dirs.push(d); return d; }

async function infoFails(d: TempDir, ...must: (string | RegExp)[]): Promise<number> {
  const t0 = performance.now();
  const r = await runMain(['info', d.path(), '--json']);
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  for (const m of must) expect(lines[0]).toMatch(m);
  return performance.now() - t0;
}

describe('limits on what a dataset file may make the loader do', () => {
  it('a FIFO named like an image is refused, not waited on', async () => {
    const d = temp();
    writeNgp(d, { n: 3 });
    execFileSync('rm', [d.path('images/frame_0001.png')]);
    execFileSync('mkfifo', [d.path('images/frame_0001.png')]);
    const ms = await infoFails(d, 'images/frame_0001.png', 'not a regular file');
    expect(ms).toBeLessThan(10_000);
    await expect(new NodeFS(d.path()).readFile('images/frame_0001.png')).rejects.toThrow(/not a regular file/);
  });

  it('a PNG header claiming 100000×100000 is refused by info', async () => {
    const d = temp();
    writeNgp(d, { n: 2 });
    d.write('images/frame_0000.png', pngFromChunks([['IHDR', ihdr(100000, 100000)], ['IDAT', zlibSync(new Uint8Array(10))], ['IEND', new Uint8Array(0)]]));
    await infoFails(d, 'images/frame_0000.png', '100000×100000', '16384 pixels per side');
  });

  it('a sparse 300 MB "image" is refused by its size without being read', async () => {
    const d = temp();
    writeNgp(d, { n: 2 });
    const real = readFileSync(d.path('images/frame_0001.png'));
    const fd = openSync(d.path('images/frame_0001.png'), 'r+');
    ftruncateSync(fd, 300 * 2 ** 20);
    writeSync(fd, real.subarray(real.length - 12), 0, 12, 300 * 2 ** 20 - 12); // a valid ending
    closeSync(fd);
    const rss0 = process.memoryUsage().rss;
    await infoFails(d, 'images/frame_0001.png', /300\.0 MiB, larger than the 200 MiB allowed/);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(100 * 2 ** 20);
  });

  it('a zlib bomb (header says 48×36, data inflates to 1 GiB) is refused at decode, quickly and without inflating it', async () => {
    const bomb = pngFromChunks([['IHDR', ihdr(48, 36)], ['IDAT', zlibBomb(1024)], ['IEND', new Uint8Array(0)]]);
    expect(bomb.length).toBeLessThan(8_000_000);
    expect(probeImage(bomb, 'bomb.png')).toMatchObject({ width: 48, height: 36 });
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    expect(() => decodeImage(bomb, 'bomb.png')).toThrow(/bomb\.png, IDAT: image data inflates to more than the 6948 bytes/);
    expect(performance.now() - t0).toBeLessThan(2000);
    // one 64 KiB piece inflates to at most ~66 MB (fflate may double its buffer once); inflating it whole takes ≥ 2 GiB
    expect(process.memoryUsage().rss - rss0).toBeLessThan(256 * 2 ** 20);
    // the same through a dataset, as training loads it
    const d = temp();
    writeNgp(d, { n: 2 });
    d.write('images/frame_0000.png', bomb);
    const scene = await loadScene(new NodeFS(d.path()), {});
    await expect(scene.loadImage(0)).rejects.toThrow(/images\/frame_0000\.png, IDAT: image data inflates/);
  });

  it('decoding at a downscale factor equals decoding then downscaling (PNG with alpha, 16-bit, JPEG-like RGB)', () => {
    const w = 37, h = 22, px = new Uint8Array(w * h * 4), px16 = new Uint16Array(w * h * 3);
    for (let i = 0; i < px.length; i++) px[i] = (i * 37 + (i >> 3) * 11) & 255;
    for (let i = 0; i < px16.length; i++) px16[i] = (i * 7919) & 65535;
    for (const [name, bytes] of [['a.png', encodePng({ width: w, height: h, data: px, channels: 4 })],
      ['b.png', encodePng({ width: w, height: h, data: px16, channels: 3, depth: 16 })]] as const) {
      for (const f of [2, 3, 5]) {
        const direct = decodeImage(bytes, name, f), ref = downscaleImage(decodeImage(bytes, name), f);
        expect([direct.width, direct.height]).toEqual([ref.width, ref.height]);
        let maxErr = 0;
        for (let i = 0; i < ref.data.length; i++) maxErr = Math.max(maxErr, Math.abs(direct.data[i] - ref.data[i]));
        expect(maxErr, `${name} ×${f}`).toBeLessThan(1e-5);
      }
    }
  });
});
