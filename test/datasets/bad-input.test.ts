// Every kind of bad input gets exactly one line on stderr naming the file and the field, exit code 2,
// nothing on stdout and no stack trace.
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, symlinkSync, rmSync, readdirSync, statSync } from 'node:fs';
import { TempDir, writeBlender, writeNgp, writeLlff, writeColmap, camerasBin, pointsBin, imagesBin, w2cOpenCV, type V3 } from '../fixtures/datasets';
import { parseNpy } from '../../datasets/npy';
import { writeNpy } from '../../datasets/npy';
import { runMain, runProcess } from '../cli/run';

const dirs: TempDir[] = [];
afterAll(() => dirs.forEach((d) => d.dispose()));
function temp(): TempDir { const d = new TempDir(); dirs.push(d); return d; }

function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (p: string) => { for (const n of readdirSync(p)) { const q = `${p}/${n}`; out.push(`${q}:${statSync(q).size}`); if (statSync(q).isDirectory()) walk(q); } };
  walk(dir);
  return out.sort();
}

/** Runs `mulfa info` on a broken dataset and checks the one-line error. */
async function expectBad(d: TempDir, args: string[], ...mustContain: (string | RegExp)[]): Promise<string> {
  const before = listing(d.root);
  const r = await runMain(['info', ...args, '--json']);
  expect(r.stdout).toBe('');
  expect(r.code).toBe(2);
  const lines = r.stderr.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  expect(lines[0]).not.toMatch(/\bat .*\.ts:\d+/);
  for (const m of mustContain) expect(lines[0]).toMatch(m);
  expect(listing(d.root)).toEqual(before); // nothing written
  return lines[0];
}

function edit(d: TempDir, rel: string, f: (j: any) => void): void {
  const j = JSON.parse(readFileSync(d.path(rel), 'utf8'));
  f(j);
  d.json(rel, j);
}

describe('bad input: folders', () => {
  it('missing folder', async () => {
    const d = temp();
    await expectBad(d, [d.path('nope')], 'nope', 'not found');
  });
  it('empty folder', async () => {
    const d = temp();
    await expectBad(d, [d.path()], 'folder is empty');
  });
  it('folder with no dataset', async () => {
    const d = temp();
    d.write('readme.txt', 'hi');
    await expectBad(d, [d.path()], 'no dataset found', 'transforms_train.json');
  });
});

describe('bad input: Blender / ngp JSON', () => {
  it('malformed JSON', async () => {
    const d = temp();
    writeBlender(d, { train: 2 }, 8);
    d.write('transforms_train.json', '{"camera_angle_x": 0.6, "frames": [');
    await expectBad(d, [d.path()], 'transforms_train.json', 'malformed JSON');
  });
  it('empty JSON file', async () => {
    const d = temp();
    writeNgp(d, { n: 2 });
    d.write('transforms.json', '');
    await expectBad(d, [d.path()], 'transforms.json', 'empty');
  });
  it('matrix that is not 4×4', async () => {
    const d = temp();
    writeBlender(d, { train: 3 }, 8);
    edit(d, 'transforms_train.json', (j) => { j.frames[1].transform_matrix = j.frames[1].transform_matrix.slice(0, 3); });
    await expectBad(d, [d.path()], 'transforms_train.json', 'frames[1].transform_matrix', '4×4');
  });
  it('matrix with a string in it', async () => {
    const d = temp();
    writeNgp(d, { n: 3 });
    edit(d, 'transforms.json', (j) => { j.frames[2].transform_matrix[0][1] = '0.5'; });
    await expectBad(d, [d.path()], 'transforms.json', 'frames[2].transform_matrix', '4×4 numbers');
  });
  it('NaN and Infinity (as Python writes them)', async () => {
    const d = temp();
    writeBlender(d, { train: 3 }, 8);
    const text = readFileSync(d.path('transforms_train.json'), 'utf8').replace(/("transform_matrix": \[\s*\[\s*)(-?[\d.e-]+)/, '$1NaN');
    d.write('transforms_train.json', text);
    await expectBad(d, [d.path()], 'transforms_train.json', 'frames[0].transform_matrix[0][0]', 'finite', 'NaN');
    const d2 = temp();
    writeNgp(d2, { n: 2 });
    d2.write('transforms.json', readFileSync(d2.path('transforms.json'), 'utf8').replace(/"fl_x": [\d.]+/, '"fl_x": Infinity'));
    await expectBad(d2, [d2.path()], 'transforms.json', 'fl_x', 'Infinity');
  });
  it('bottom row not 0 0 0 1', async () => {
    const d = temp();
    writeNgp(d, { n: 2 });
    edit(d, 'transforms.json', (j) => { j.frames[0].transform_matrix[3] = [0, 0, 1, 1]; });
    await expectBad(d, [d.path()], 'frames[0].transform_matrix', 'bottom row');
  });
  it('missing camera_angle_x / focal', async () => {
    const d = temp();
    writeBlender(d, { train: 2 }, 8);
    edit(d, 'transforms_train.json', (j) => { delete j.camera_angle_x; });
    await expectBad(d, [d.path()], 'transforms_train.json, camera_angle_x', 'finite number');
    const d2 = temp();
    writeNgp(d2, { n: 2 });
    edit(d2, 'transforms.json', (j) => { delete j.fl_x; delete j.fl_y; });
    await expectBad(d2, [d2.path()], 'transforms.json', 'fl_x', 'focal');
  });
  it('frames missing or empty', async () => {
    const d = temp();
    writeNgp(d, { n: 2 });
    edit(d, 'transforms.json', (j) => { j.frames = []; });
    await expectBad(d, [d.path()], 'transforms.json, frames', 'empty');
    edit(d, 'transforms.json', (j) => { j.frames = { a: 1 }; });
    await expectBad(d, [d.path()], 'transforms.json, frames', 'array');
  });
  it('missing image', async () => {
    const d = temp();
    writeBlender(d, { train: 3 }, 8);
    edit(d, 'transforms_train.json', (j) => { j.frames[2].file_path = './train/r_99'; });
    await expectBad(d, [d.path()], 'train/r_99.png', 'not found', 'frames[2].file_path');
  });
  it('zero-byte image', async () => {
    const d = temp();
    writeBlender(d, { train: 3 }, 8);
    d.write('train/r_1.png', new Uint8Array(0));
    await expectBad(d, [d.path()], 'train/r_1.png', 'empty');
  });
  it('truncated PNG', async () => {
    const d = temp();
    writeNgp(d, { n: 3 });
    const b = readFileSync(d.path('images/frame_0001.png'));
    d.write('images/frame_0001.png', b.subarray(0, b.length - 20));
    await expectBad(d, [d.path()], 'images/frame_0001.png', 'truncated');
  });
  it('corrupt PNG (flipped byte) and a non-image', async () => {
    const d = temp();
    writeNgp(d, { n: 3 });
    const b = Buffer.from(readFileSync(d.path('images/frame_0002.png')));
    b[60] ^= 0xff;
    d.write('images/frame_0002.png', b);
    await expectBad(d, [d.path()], 'images/frame_0002.png', /corrupt|CRC/);
    d.write('images/frame_0002.png', 'this is not an image');
    await expectBad(d, [d.path()], 'images/frame_0002.png', 'not a PNG or JPEG');
  });
  it('truncated JPEG', async () => {
    const d = temp();
    writeNgp(d, { n: 3, jpeg: true });
    const b = readFileSync(d.path('images/frame_0000.jpg'));
    d.write('images/frame_0000.jpg', b.subarray(0, Math.floor(b.length / 2)));
    await expectBad(d, [d.path()], 'images/frame_0000.jpg', 'truncated');
  });
  it('images of inconsistent size', async () => {
    const d = temp();
    writeBlender(d, { train: 3 }, 8);
    const other = temp();
    writeBlender(other, { train: 1 }, 12);
    d.write('train/r_2.png', readFileSync(other.path('train/r_0.png')));
    await expectBad(d, [d.path()], 'train/r_2.png', 'inconsistent size', '12×12', '8×8');
    const d2 = temp();
    writeNgp(d2, { n: 3 });
    edit(d2, 'transforms.json', (j) => { j.w = 50; });
    await expectBad(d2, [d2.path()], 'images/frame_0000.png', '48×36', '50×36');
  });
  it('file_path that escapes the folder: ../ and absolute', async () => {
    const d = temp();
    writeBlender(d, { train: 2 }, 8);
    edit(d, 'transforms_train.json', (j) => { j.frames[1].file_path = '../../etc/passwd'; });
    await expectBad(d, [d.path()], 'transforms_train.json', 'frames[1].file_path', 'escapes the dataset folder');
    const d2 = temp();
    writeNgp(d2, { n: 2 });
    edit(d2, 'transforms.json', (j) => { j.frames[0].file_path = '/etc/passwd'; });
    await expectBad(d2, [d2.path()], 'transforms.json', 'frames[0].file_path', 'absolute');
    edit(d2, 'transforms.json', (j) => { j.frames[0].file_path = 'images/../../x.png'; });
    await expectBad(d2, [d2.path()], 'frames[0].file_path', 'escapes');
  });
  it('a symlink leading outside the folder', async () => {
    const d = temp();
    writeNgp(d, { n: 2 });
    const outside = temp();
    writeNgp(outside, { n: 1 });
    const link = d.path('images/frame_0001.png');
    rmSync(link);
    symlinkSync(outside.path('images/frame_0000.png'), link);
    await expectBad(d, [d.path()], 'images/frame_0001.png', 'outside the dataset folder');
  });
  it('unsupported ngp camera model', async () => {
    const d = temp();
    writeNgp(d, { n: 2, extra: { camera_model: 'EQUIRECTANGULAR' } });
    await expectBad(d, [d.path()], 'transforms.json, camera_model', 'unsupported camera model "EQUIRECTANGULAR"');
  });
});

describe('bad input: LLFF', () => {
  it('truncated poses_bounds.npy', async () => {
    const d = temp();
    writeLlff(d, 3);
    const b = readFileSync(d.path('poses_bounds.npy'));
    d.write('poses_bounds.npy', b.subarray(0, b.length - 9));
    await expectBad(d, [d.path()], 'poses_bounds.npy', 'truncated');
  });
  it('wrong shape, NaN, count mismatch', async () => {
    const d = temp();
    writeLlff(d, 3);
    d.write('poses_bounds.npy', writeNpy([3, 15], new Array(45).fill(1)));
    await expectBad(d, [d.path()], 'poses_bounds.npy', 'N×17');
    const vals: number[] = new Array(51).fill(0).map((_, i) => (i % 17 === 16 ? 5 : 1));
    vals[20] = NaN;
    d.write('poses_bounds.npy', writeNpy([3, 17], vals));
    await expectBad(d, [d.path()], 'poses_bounds.npy', 'row 1, column 3', 'NaN');
  });
  it('image count differs from the pose count', async () => {
    const d = temp();
    writeLlff(d, 4);
    rmSync(d.path('images/IMG_1002.JPG'));
    await expectBad(d, [d.path()], 'images', '3 images', '4 poses');
  });
  it('not an npy file', async () => {
    const d = temp();
    writeLlff(d, 2);
    d.write('poses_bounds.npy', 'garbage');
    await expectBad(d, [d.path()], 'poses_bounds.npy', 'not a NumPy');
  });
});

describe('bad input: COLMAP', () => {
  it('unsupported camera model (text and binary)', async () => {
    const d = temp();
    writeColmap(d, { binary: false, cameraModel: { model: 'FOV', modelId: 7, params: [40, 24, 18, 0.9] } });
    await expectBad(d, [d.path()], 'sparse/0/cameras.txt', 'camera 1 model', 'unsupported camera model FOV');
    const d2 = temp();
    writeColmap(d2, { binary: true });
    d2.write('sparse/0/cameras.bin', camerasBin([{ id: 1, modelId: 10, width: 48, height: 36, params: new Array(12).fill(0.1) }]));
    await expectBad(d2, [d2.path()], 'sparse/0/cameras.bin', 'THIN_PRISM_FISHEYE');
  });
  for (const f of ['cameras', 'images', 'points3D']) {
    it(`truncated ${f}.bin`, async () => {
      const d = temp();
      writeColmap(d, { binary: true });
      const b = readFileSync(d.path(`sparse/0/${f}.bin`));
      d.write(`sparse/0/${f}.bin`, b.subarray(0, b.length - 5));
      await expectBad(d, [d.path()], `sparse/0/${f}.bin`, 'truncated');
    });
  }
  it('image referring to a camera that does not exist; bad numbers in text', async () => {
    const d = temp();
    writeColmap(d, { binary: false });
    const t = readFileSync(d.path('sparse/0/images.txt'), 'utf8').replace(/ 1 img_03\.jpg/, ' 7 img_03.jpg');
    d.write('sparse/0/images.txt', t);
    await expectBad(d, [d.path()], 'sparse/0/images.txt', 'camera 7');
    d.write('sparse/0/cameras.txt', '1 PINHOLE 48 36 40 abc 24 18\n');
    await expectBad(d, [d.path()], 'sparse/0/cameras.txt', '"abc" is not a number');
  });
  it('missing image named by the model', async () => {
    const d = temp();
    writeColmap(d, { binary: true });
    rmSync(d.path('images/img_01.jpg'));
    await expectBad(d, [d.path()], 'images/img_01.jpg', 'not found', 'images.bin');
  });
});

describe('bad flags', () => {
  it('--downscale 0, --holdout 1, unknown flags, missing argument', async () => {
    const d = temp();
    writeBlender(d, { train: 2 }, 8);
    await expectBad(d, [d.path(), '--downscale', '0'], '--downscale');
    await expectBad(d, [d.path(), '--holdout', '1'], '--holdout');
    await expectBad(d, [d.path(), '--frobnicate'], 'frobnicate');
    await expectBad(d, [], 'expected 1 argument');
    await expectBad(d, [d.path(), '--downscale', '16'], 'smaller than --downscale 16');
  });
});

describe('the real process', () => {
  it('exits 2 with one line and no stack trace; --debug adds the stack', () => {
    const d = temp();
    writeBlender(d, { train: 2 }, 8);
    d.write('transforms_train.json', '{');
    const r = runProcess(['info', d.path(), '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('transforms_train.json: malformed JSON');
    const dbg = runProcess(['info', d.path(), '--debug']);
    expect(dbg.code).toBe(2);
    expect(dbg.stderr).toMatch(/InputError.*\n\s+at /);
  });
});

describe('bad input: camera values (every loader)', () => {
  it('ngp: a field of view of π or more (negative focal), near beyond far', async () => {
    const d = temp();
    writeNgp(d, { n: 2 });
    edit(d, 'transforms.json', (j) => { delete j.fl_x; delete j.fl_y; j.camera_angle_x = 3.2; });
    await expectBad(d, [d.path()], 'transforms.json, camera_angle_x', 'below π');
    const d2 = temp();
    writeNgp(d2, { n: 2 });
    edit(d2, 'transforms.json', (j) => { j.near = 5; j.far = 2; });
    await expectBad(d2, [d2.path()], 'transforms.json, far', 'greater than near');
  });
  it('ngp: the same image twice, or one view in two splits', async () => {
    const d = temp();
    writeNgp(d, { n: 3 });
    edit(d, 'transforms.json', (j) => { j.frames[2].file_path = j.frames[0].file_path; });
    await expectBad(d, [d.path()], 'transforms.json, frames[2].file_path', 'also frames[0]');
    const d2 = temp();
    writeNgp(d2, { n: 3 });
    edit(d2, 'transforms.json', (j) => { j.train_filenames = ['images/frame_0000.png', 'images/frame_0001.png']; j.test_filenames = ['images/frame_0001.png']; });
    await expectBad(d2, [d2.path()], 'transforms.json, test_filenames[0]', 'already in train_filenames');
  });
  it('ngp / Blender: a matrix whose rotation part is not a rotation', async () => {
    const d = temp();
    writeNgp(d, { n: 2 });
    edit(d, 'transforms.json', (j) => { j.frames[1].transform_matrix[0][1] += 0.5; });
    await expectBad(d, [d.path()], 'frames[1].transform_matrix', 'not a rotation');
  });
  it('COLMAP: every focal length checked (fy = −5), image ids and names unique', async () => {
    const d = temp();
    writeColmap(d, { binary: false });
    d.write('sparse/0/cameras.txt', '1 PINHOLE 48 36 40 -5 24 18\n');
    await expectBad(d, [d.path()], 'sparse/0/cameras.txt, camera 1 params[1]', 'focal length must be positive');
    const d2 = temp();
    const { cams } = writeColmap(d2, { binary: true });
    const ims = cams.map((c, i) => ({ id: 1, ...w2cOpenCV(c), cameraId: 1, name: `img_0${i}.jpg` }));
    d2.write('sparse/0/images.bin', imagesBin(ims));
    await expectBad(d2, [d2.path()], 'sparse/0/images.bin, image 1', 'image id appears twice');
    d2.write('sparse/0/images.bin', imagesBin(ims.map((m, i) => ({ ...m, id: i + 1, name: 'img_00.jpg' }))));
    await expectBad(d2, [d2.path()], 'sparse/0/images.bin, image 2 name', '"img_00.jpg" appears twice');
  });
  it('COLMAP: NaN/Inf points are dropped, points behind every camera fall back to the box (finite near/far)', async () => {
    const d = temp();
    writeColmap(d, { binary: true });
    const pts: V3[] = Array.from({ length: 40 }, (_, i) => [Math.sin(i) * 0.5, Math.cos(i) * 0.5, 0.1 * (i % 5)]);
    pts[3] = [NaN, 0, 0]; pts[7] = [Infinity, 1, 1]; pts[9] = [0, -Infinity, 0];
    d.write('sparse/0/points3D.bin', pointsBin(pts));
    const r = await runMain(['info', d.path(), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.aabb.flat().every(Number.isFinite)).toBe(true);
    expect(info.aabb[1][0]).toBeLessThan(1); // the box is the finite points', not stretched to Infinity
    const behind = temp();
    const { cams } = writeColmap(behind, { binary: true });
    // every point behind every camera: no depths to take near/far from
    const back = cams.map((c) => [2 * c.eye[0] - c.target[0], 2 * c.eye[1] - c.target[1], 2 * c.eye[2] - c.target[2]] as V3);
    behind.write('sparse/0/points3D.bin', pointsBin([...back, ...back, ...back]));
    const r2 = await runMain(['info', behind.path(), '--json']);
    expect(r2.code, r2.stderr).toBe(0);
    const i2 = JSON.parse(r2.stdout);
    expect(Number.isFinite(i2.near) && Number.isFinite(i2.far) && i2.far > i2.near).toBe(true);
  });
  it('LLFF: a pose that is not a rotation; a focal length that overflows', async () => {
    const d = temp();
    writeLlff(d, 3);
    const npy = parseNpy(readFileSync(d.path('poses_bounds.npy')), 'p');
    const rows = Array.from(npy.data);
    rows[17 + 1] *= 3; // row 1: stretch one rotation column entry
    d.write('poses_bounds.npy', writeNpy([3, 17], rows));
    await expectBad(d, [d.path()], 'poses_bounds.npy, row 1, pose', 'not a rotation');
    const rows2 = Array.from(npy.data);
    rows2[4] = 0.75e-300; rows2[9] = 1e-300; // H and W tiny: the image scale (and fx) overflow
    rows2[14] = 1e300;
    d.write('poses_bounds.npy', writeNpy([3, 17], rows2));
    await expectBad(d, [d.path()], 'poses_bounds.npy, row 0, fx', 'positive finite');
  });
});
