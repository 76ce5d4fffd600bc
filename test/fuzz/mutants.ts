/**
 * Structure-aware mutants of every file kind the app and the CLI read: dataset JSON, poses_bounds.npy,
 * COLMAP models (binary and text), PNG and JPEG images, and snapshots. Each mutant is a pure function of
 * (seed, case index), so a failure found by a long run is reproduced by its number alone.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../../core/math/rng';
import { pngChunks, pngFromChunks } from '../fixtures/png';
import { Trainer, TRAIN_DEFAULTS } from '../../core/train/Trainer';
import { FIELD_DEFAULTS } from '../../core/field/RadianceField';
import { trainDataFromScene } from '../../core/train/data';
import { loadDemoScene } from '../../datasets/demo/DemoScene';
import { splitSnapshot, joinSnapshot } from '../fixtures/snapshots';
import { TempDir, writeBlender, writeNgp, writeLlff, writeColmap, pngBytes, jpegBytes } from '../fixtures/datasets';

export type Files = Map<string, Uint8Array>;
export type Target = 'dataset' | 'snapshot' | 'image';
export interface Mutant { kind: string; target: Target; files: Files; file: string; what: string }

/** The valid inputs mutants start from. */
export interface Seeds { datasets: Record<string, Files>; snapshot: Uint8Array; png: Uint8Array; pngAlpha: Uint8Array; jpeg: Uint8Array }

function readTree(root: string): Files {
  const out: Files = new Map();
  const walk = (dir: string) => {
    for (const n of readdirSync(dir)) {
      const p = path.join(dir, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(path.relative(root, p).split(path.sep).join('/'), new Uint8Array(readFileSync(p)));
    }
  };
  walk(root);
  return out;
}

export async function makeSeeds(): Promise<Seeds> {
  const datasets: Record<string, Files> = {};
  const make = (name: string, write: (d: TempDir) => void) => {
    const d = new TempDir();
    try { write(d); datasets[name] = readTree(d.root); } finally { d.dispose(); }
  };
  make('blender', (d) => writeBlender(d, { train: 3, test: 1 }, 8));
  make('ngp', (d) => writeNgp(d, { n: 3 }));
  make('ngp-jpeg', (d) => writeNgp(d, { n: 2, jpeg: true }));
  make('llff', (d) => writeLlff(d, 3));
  make('colmap-bin', (d) => writeColmap(d, { binary: true, n: 3 }));
  make('colmap-txt', (d) => writeColmap(d, { binary: false, n: 3 }));
  const scene = loadDemoScene({ size: 12, train: 3, val: 0, test: 0 });
  const config = { ...TRAIN_DEFAULTS, batchRays: 32, upsampleSteps: [1], occupancyWarmup: 1, occupancyEvery: 1,
    field: { ...FIELD_DEFAULTS, resolution: 10, colorChannels: 3, decoderHidden: [4], viewFreqs: 1, occupancyRes: 4,
      mulfa: { L: 1, M: 1, H: 4, omegaScale: 4 } } };
  const t = new Trainer(config, await trainDataFromScene(scene));
  t.trainStep(); t.trainStep();
  const cameras = [{ name: 'v', c2w: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 4, 1], width: 6, height: 4, fx: 8, fy: 8, cx: 3, cy: 2, distortion: null }];
  const snapshot = t.toSnapshot({ cameras });
  t.dispose();
  return { datasets, snapshot, png: pngBytes(9, 7, 1, false), pngAlpha: pngBytes(8, 8, 2, true), jpeg: jpegBytes(16, 8, 3) };
}

// ------------------------------------------------------------------ values

const INTERESTING_NUMBERS = [0, -0, 1, -1, 0.5, -5, 2 ** 31, 2 ** 32, 2 ** 53, 1e300, -1e300, 1e-300, 3.2, 40000, 1e9, 65536, 700, 16385];
const INTERESTING_STRINGS = ['NaN', 'Infinity', '-Infinity', '', '../../etc/passwd', '/etc/passwd', 'a'.repeat(5000), '\u0000', 'images/../../x.png', 'C:\\x'];

function pick<T>(rng: Rng, a: readonly T[]): T { return a[rng.int(a.length)]; }

function interestingValue(rng: Rng, like: unknown): unknown {
  switch (rng.int(8)) {
    case 0: return pick(rng, INTERESTING_NUMBERS);
    case 1: return pick(rng, INTERESTING_STRINGS);
    case 2: return null;
    case 3: return [];
    case 4: return {};
    case 5: return typeof like === 'number' ? like * pick(rng, [-1, 0, 1e6, 1e-6, 1.5, 2 ** 20]) : like;
    case 6: return Array.isArray(like) && like.length > 0 ? Array.from({ length: pick(rng, [0, 1, 2, 5, 3000]) }, () => like[0]) : true;
    default: return typeof like === 'number' ? Math.floor(like) + 0.5 : rng.next() < 0.5 ? 'x' : 7;
  }
}

/** Every (container, key) in a JSON tree. */
function slots(v: unknown, out: [Record<string, unknown> | unknown[], string | number][] = []): typeof out {
  if (Array.isArray(v)) v.forEach((x, i) => { out.push([v, i]); slots(x, out); });
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) { out.push([v as Record<string, unknown>, k]); slots(x, out); }
  return out;
}

/** Changes 1–3 values of a JSON document: retyped, extreme, removed, duplicated. */
export function mutateJson(rng: Rng, doc: unknown): { doc: unknown; what: string } {
  const whats: string[] = [];
  for (let k = 1 + rng.int(3); k > 0; k--) {
    const all = slots(doc);
    if (all.length === 0) break;
    const [c, key] = pick(rng, all);
    const old = (c as Record<string | number, unknown>)[key];
    if (rng.next() < 0.15 && !Array.isArray(c)) { delete (c as Record<string, unknown>)[key as string]; whats.push(`delete ${key}`); continue; }
    const v = interestingValue(rng, old);
    (c as Record<string | number, unknown>)[key] = v;
    whats.push(`${key}=${JSON.stringify(v)?.slice(0, 30)}`);
  }
  return { doc, what: whats.join(' ') };
}

function bytesMutation(rng: Rng, b: Uint8Array): { bytes: Uint8Array; what: string } {
  const out = b.slice();
  switch (rng.int(4)) {
    case 0: { const n = rng.int(b.length); return { bytes: b.slice(0, n), what: `truncate to ${n}` }; }
    case 1: { for (let k = 0; k < 1 + rng.int(8); k++) out[rng.int(out.length)] ^= 1 << rng.int(8); return { bytes: out, what: 'flip bits' }; }
    case 2: {
      // an interesting 8-, 4- or 1-byte value at a random aligned place (counts, ids, sizes, floats)
      const dv = new DataView(out.buffer), size = pick(rng, [8, 4, 1] as const), at = Math.floor(rng.int(Math.max(1, out.length - size)) / size) * size;
      if (at + size > out.length) return { bytes: out, what: 'noop' };
      if (size === 8) rng.next() < 0.5 ? dv.setFloat64(at, pick(rng, [NaN, Infinity, -1, -5, 1e300, 0]), true) : dv.setBigUint64(at, BigInt(pick(rng, [0, 1, 2 ** 32, 2 ** 40, 2 ** 62])), true);
      else if (size === 4) dv.setInt32(at, pick(rng, [-1, 0, 0x7fffffff, 65536, 16385]), true);
      else out[at] = pick(rng, [0, 0xff, 0x7f]);
      return { bytes: out, what: `value${size * 8}@${at}` };
    }
    default: { const at = rng.int(b.length), n = 1 + rng.int(64); return { bytes: new Uint8Array([...b.subarray(0, at), ...b.subarray(at + n)]), what: `cut ${n}@${at}` }; }
  }
}

// ------------------------------------------------------------------ images

const bombs = new Map<number, Uint8Array>();

/**
 * zlib data that inflates to about `mib` MiB of zeros, written directly (fast, small): one fixed-Huffman
 * deflate block holding a literal 0 and then length-258, distance-1 matches (13 bits per 258 bytes).
 */
export function zlibBomb(mib: number): Uint8Array {
  const cached = bombs.get(mib);
  if (cached) return cached;
  const matches = Math.ceil((mib * 2 ** 20 - 1) / 258), total = 1 + 258 * matches;
  const out = new Uint8Array(2 + Math.ceil((3 + 8 + 13 * matches + 7) / 8) + 1 + 4);
  out[0] = 0x78; out[1] = 0x01;
  let pos = 2, acc = 0, nbits = 0;
  const bits = (v: number, n: number) => { // LSB-first packing
    acc |= v << nbits; nbits += n;
    while (nbits >= 8) { out[pos++] = acc & 255; acc >>>= 8; nbits -= 8; }
  };
  const huff = (code: number, n: number) => { // Huffman codes go most significant bit first
    let r = 0;
    for (let i = 0; i < n; i++) r |= ((code >> i) & 1) << (n - 1 - i);
    bits(r, n);
  };
  bits(1, 1); bits(1, 2); // final block, fixed Huffman
  huff(0x30, 8); // literal 0
  for (let i = 0; i < matches; i++) { huff(0xc5, 8); huff(0, 5); } // length 258 (code 285), distance 1 (code 0)
  huff(0, 7); // end of block
  if (nbits > 0) bits(0, 8 - nbits);
  const adler = (((total % 65521) << 16) | 1) >>> 0; // a = 1 + Σ0, b = Σa over every byte
  out[pos++] = adler >>> 24; out[pos++] = (adler >>> 16) & 255; out[pos++] = (adler >>> 8) & 255; out[pos++] = adler & 255;
  const bomb = out.subarray(0, pos);
  bombs.set(mib, bomb);
  return bomb;
}

/** PNG mutants with valid CRCs (so they reach the decoder): header fields, bombs, chunk order, data. */
export function mutatePng(rng: Rng, b: Uint8Array): { bytes: Uint8Array; what: string } {
  const chunks = pngChunks(b);
  const ihdr = chunks[0][1].slice(), dv = new DataView(ihdr.buffer);
  switch (rng.int(6)) {
    case 0: {
      const field = pick(rng, [0, 4, 8, 9, 10, 11, 12]);
      if (field < 8) dv.setUint32(field, pick(rng, [0, 1, 3, 100000, 16385, 2 ** 31, 0xffffffff]));
      else ihdr[field] = pick(rng, [0, 1, 2, 3, 4, 6, 7, 16, 255]);
      chunks[0] = ['IHDR', ihdr];
      return { bytes: pngFromChunks(chunks), what: `IHDR byte ${field}` };
    }
    case 1: {
      const mib = pick(rng, [1, 64, 1536]);
      const idat = zlibBomb(mib);
      return { bytes: pngFromChunks([chunks[0], ['IDAT', idat], ['IEND', new Uint8Array(0)]]), what: `zlib bomb ${mib} MiB` };
    }
    case 2: { const i = rng.int(chunks.length); chunks.splice(i, 1); return { bytes: pngFromChunks(chunks), what: `drop chunk ${i}` }; }
    case 3: { const i = rng.int(chunks.length); chunks.splice(rng.int(chunks.length), 0, chunks[i]); return { bytes: pngFromChunks(chunks), what: `duplicate chunk ${i}` }; }
    case 4: {
      const i = chunks.findIndex(([t]) => t === 'IDAT');
      chunks[i] = ['IDAT', bytesMutation(rng, chunks[i][1]).bytes];
      return { bytes: pngFromChunks(chunks), what: 'IDAT data' };
    }
    default: return bytesMutation(rng, b);
  }
}

/** JPEG mutants: frame size, segment lengths, markers, truncation. */
export function mutateJpeg(rng: Rng, b: Uint8Array): { bytes: Uint8Array; what: string } {
  const out = b.slice();
  const sof = out.findIndex((x, i) => x === 0xff && (out[i + 1] === 0xc0 || out[i + 1] === 0xc2));
  const r = rng.int(3);
  if (r === 0 && sof > 0) {
    const at = sof + 5 + 2 * rng.int(2);
    out[at] = 0xff; out[at + 1] = rng.int(256);
    return { bytes: out, what: 'SOF size' };
  }
  if (r === 1) {
    const segs: number[] = [];
    for (let i = 2; i + 3 < out.length; i++) if (out[i] === 0xff && out[i + 1] >= 0xc0 && out[i + 1] !== 0xff) segs.push(i);
    if (segs.length) { const at = pick(rng, segs); out[at + 2] = rng.int(256); out[at + 3] = rng.int(256); return { bytes: out, what: `segment length @${at}` }; }
  }
  return bytesMutation(rng, b);
}

// ------------------------------------------------------------------ datasets and snapshots

function datasetMutant(rng: Rng, name: string, seed: Files): Mutant {
  const files: Files = new Map(seed);
  const keys = [...files.keys()];
  const file = pick(rng, keys);
  const b = files.get(file)!;
  let what: string;
  if (file.endsWith('.json')) {
    if (rng.next() < 0.8) {
      const m = mutateJson(rng, JSON.parse(new TextDecoder().decode(b)));
      files.set(file, new TextEncoder().encode(JSON.stringify(m.doc)));
      what = m.what;
    } else { const m = bytesMutation(rng, b); files.set(file, m.bytes); what = m.what; }
  } else if (file.endsWith('.png')) {
    const m = mutatePng(rng, b); files.set(file, m.bytes); what = m.what;
  } else if (/\.jpe?g$/i.test(file)) {
    const m = mutateJpeg(rng, b); files.set(file, m.bytes); what = m.what;
  } else if (file.endsWith('.txt')) {
    const tokens = new TextDecoder().decode(b).split(/(\s+)/);
    for (let k = 0; k < 1 + rng.int(3); k++) {
      const i = rng.int(tokens.length);
      tokens[i] = String(pick(rng, [...INTERESTING_NUMBERS.map(String), 'nan', 'inf', '-inf', '', 'x', '1e400', 'FULL_OPENCV']));
    }
    files.set(file, new TextEncoder().encode(tokens.join(''))); what = 'tokens';
  } else if (file.endsWith('.npy')) {
    if (rng.next() < 0.4) {
      const text = new TextDecoder('latin1').decode(b.subarray(0, 128));
      const header = text.replace(/\(\d+, 17\)/, `(${pick(rng, [0, 1, 1000000, 2 ** 40])}, ${pick(rng, [17, 15, 0])})`)
        .replace(/'<f8'/, pick(rng, ["'<f8'", "'<f4'", "'>f8'", "'|O'"]));
      const nb = Uint8Array.from(header, (c) => c.charCodeAt(0) & 255);
      const out = b.slice(); out.set(nb.subarray(0, 128));
      files.set(file, out); what = 'npy header';
    } else { const m = bytesMutation(rng, b); files.set(file, m.bytes); what = m.what; }
  } else {
    const m = bytesMutation(rng, b); files.set(file, m.bytes); what = m.what;
  }
  if (rng.next() < 0.05) { files.delete(pick(rng, keys)); what += ' + a file removed'; }
  return { kind: name, target: 'dataset', files, file, what };
}

function snapshotMutant(rng: Rng, snap: Uint8Array): Mutant {
  const raw = splitSnapshot(snap);
  let bytes: Uint8Array, what: string;
  const r = rng.int(4);
  if (r === 0) {
    // array table: offsets, lengths, dtypes, names, aliases
    const a = pick(rng, raw.header.arrays as Record<string, unknown>[]);
    const key = pick(rng, ['offset', 'length', 'dtype', 'name', 'alias']);
    if (key === 'alias') { for (let i = 0; i < pick(rng, [2, 300]); i++) raw.header.arrays.push({ ...a, name: `${a.name}#${i}` }); }
    else a[key] = interestingValue(rng, a[key]);
    bytes = joinSnapshot(raw); what = `arrays ${String(a.name)}.${key}`;
  } else if (r === 1) {
    const m = mutateJson(rng, raw.header); bytes = joinSnapshot(raw, JSON.stringify(m.doc)); what = `header ${m.what}`;
  } else if (r === 2) {
    const dv = new DataView(raw.blob.buffer);
    for (let k = 0; k < 1 + rng.int(4); k++) dv.setFloat32(4 * rng.int(raw.blob.length / 4), pick(rng, [NaN, Infinity, -1, 1e38, 0, 3]), true);
    bytes = joinSnapshot(raw); what = 'blob values';
  } else {
    const m = bytesMutation(rng, snap); bytes = m.bytes; what = `raw ${m.what}`;
  }
  return { kind: 'snapshot', target: 'snapshot', files: new Map([['s.mulfa', bytes]]), file: 's.mulfa', what };
}

const DATASET_KINDS = ['blender', 'ngp', 'ngp-jpeg', 'llff', 'colmap-bin', 'colmap-txt'];

/** Mutant number `index` of the run with `seed`. */
export function mutant(seeds: Seeds, seed: number, index: number): Mutant {
  const rng = new Rng((seed * 1000003 + index) >>> 0);
  const r = rng.int(10);
  if (r < 6) { const name = DATASET_KINDS[index % DATASET_KINDS.length]; return datasetMutant(rng, name, seeds.datasets[name]); }
  if (r < 8) return snapshotMutant(rng, seeds.snapshot);
  const which = rng.int(3);
  const base = [seeds.png, seeds.pngAlpha, seeds.jpeg][which];
  const m = which < 2 ? mutatePng(rng, base) : mutateJpeg(rng, base);
  const file = which < 2 ? 'x.png' : 'x.jpg';
  return { kind: which < 2 ? 'png' : 'jpeg', target: 'image', files: new Map([[file, m.bytes]]), file, what: m.what };
}
