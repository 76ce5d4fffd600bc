/**
 * Snapshot file format (`.mulfa`), version 2. Everything needed to render, evaluate or resume training
 * exactly: the configuration, the grids, the kernel, the decoder, the occupancy grid, the optimiser state and
 * the random generator's state.
 *
 *   offset 0   8 bytes   magic "MULFASNP"
 *          8   u32 LE    format version (2; version 1 files are read too: their scenes are bounded boxes)
 *         12   u32 LE    header length H (bytes of UTF-8 JSON)
 *         16   H bytes   header JSON: { version, created, step, rng, config, scene, resolution, arrays: [...] }
 *              padding   zero bytes up to a multiple of 8
 *              blobs     each array's bytes at its header `offset` (relative to the blob start), 8-aligned
 *   end − 4    u32 LE    CRC-32 of every byte before it
 *
 * Arrays are little-endian `f32`, `i32` or `u8`, named like `field.density.features`, `opt.grid.m.0`.
 * A file whose size, magic, version or checksum is wrong is refused with an error naming the problem, and the
 * array table is checked (offsets whole, aligned, in bounds, not overlapping) before anything is copied.
 * What the arrays and the rest of the header must hold is the reader's to check (Trainer.fromSnapshot).
 */
import { InputError } from '../errors';
import { crc32 } from './crc32';
import { utf8Encode, utf8Decode } from './utf8';
import { asArray, asObject, asString, integer, oneOf } from './check';

export const SNAPSHOT_MAGIC = 'MULFASNP';
export const SNAPSHOT_VERSION = 2;
/** Versions this build reads: 1 had no `scene.space` (every scene a bounded box); 2 stores it. */
export const SNAPSHOT_VERSIONS_READ: readonly number[] = [1, 2];

export type ArrayData = Float32Array | Int32Array | Uint8Array;

export interface SnapshotArrayInfo { name: string; dtype: 'f32' | 'i32' | 'u8'; offset: number; length: number }

export interface SnapshotHeader {
  version: number;
  created: string;
  [key: string]: unknown;
}

export interface Snapshot {
  header: SnapshotHeader;
  arrays: Map<string, ArrayData>;
}

function dtypeOf(a: ArrayData): SnapshotArrayInfo['dtype'] {
  return a instanceof Float32Array ? 'f32' : a instanceof Int32Array ? 'i32' : 'u8';
}

export function encodeSnapshot(header: Omit<SnapshotHeader, 'version' | 'arrays'>, arrays: Map<string, ArrayData>): Uint8Array {
  const infos: SnapshotArrayInfo[] = [];
  let off = 0;
  for (const [name, a] of arrays) {
    infos.push({ name, dtype: dtypeOf(a), offset: off, length: a.length });
    off += Math.ceil(a.byteLength / 8) * 8;
  }
  const json = utf8Encode(JSON.stringify({ ...header, version: SNAPSHOT_VERSION, arrays: infos }));
  const blobStart = Math.ceil((16 + json.length) / 8) * 8;
  const out = new Uint8Array(blobStart + off + 4);
  out.set(utf8Encode(SNAPSHOT_MAGIC), 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, SNAPSHOT_VERSION, true);
  dv.setUint32(12, json.length, true);
  out.set(json, 16);
  let i = 0;
  for (const a of arrays.values()) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), blobStart + infos[i++].offset);
  }
  dv.setUint32(out.length - 4, crc32(out, 0, out.length - 4), true);
  return out;
}

/** Parses and verifies a snapshot; `file` names it in errors. Arrays are copies (aligned, owned). */
export function decodeSnapshot(bytes: Uint8Array, file: string): Snapshot {
  if (bytes.length < 20) throw new InputError(file, '', 'not a MulFA snapshot (file too short)');
  const magic = utf8Decode(bytes.subarray(0, 8));
  if (magic !== SNAPSHOT_MAGIC) throw new InputError(file, '', 'not a MulFA snapshot (bad magic bytes)');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (!SNAPSHOT_VERSIONS_READ.includes(version)) {
    throw new InputError(file, 'version', `unsupported snapshot version ${version} (this build reads ${SNAPSHOT_VERSIONS_READ.join(' and ')})`);
  }
  const stored = dv.getUint32(bytes.length - 4, true);
  if (crc32(bytes, 0, bytes.length - 4) !== stored) throw new InputError(file, 'checksum', 'snapshot is corrupt or truncated (CRC mismatch)');
  const hlen = dv.getUint32(12, true);
  if (hlen > MAX_HEADER_BYTES) throw new InputError(file, 'header', `header of ${hlen} bytes is larger than the ${MAX_HEADER_BYTES} allowed`);
  if (16 + hlen > bytes.length - 4) throw new InputError(file, 'header', 'snapshot is truncated');
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8Decode(bytes.subarray(16, 16 + hlen)));
  } catch {
    throw new InputError(file, 'header', 'malformed snapshot header');
  }
  const header = asObject(parsed, file, 'header') as SnapshotHeader;
  const blobStart = Math.ceil((16 + hlen) / 8) * 8;
  const infos = arrayTable(header.arrays, file, blobStart, bytes.length - 4);
  const arrays = new Map<string, ArrayData>();
  for (const a of infos) {
    const start = blobStart + a.offset, end = start + a.length * DTYPE_BYTES[a.dtype];
    const copy = bytes.slice(start, end).buffer;
    arrays.set(a.name, a.dtype === 'f32' ? new Float32Array(copy) : a.dtype === 'i32' ? new Int32Array(copy) : new Uint8Array(copy));
  }
  return { header, arrays };
}

const MAX_HEADER_BYTES = 16 * 2 ** 20;
const MAX_ARRAYS = 4096;
const DTYPE_BYTES = { f32: 4, i32: 4, u8: 1 } as const;

/**
 * The header's array table, checked before any array is copied: names unique, offsets whole and 8-aligned,
 * every array inside the blob region, no two arrays sharing bytes (so the arrays together are never larger
 * than the file).
 */
function arrayTable(v: unknown, file: string, blobStart: number, blobEnd: number): SnapshotArrayInfo[] {
  const list = asArray(v, file, 'arrays', MAX_ARRAYS);
  const names = new Set<string>();
  const infos = list.map((entry, i): SnapshotArrayInfo => {
    const o = asObject(entry, file, `arrays[${i}]`);
    const name = asString(o.name, file, `arrays[${i}].name`, 200);
    if (names.has(name)) throw new InputError(file, `arrays[${i}].name`, `"${name}" appears twice`);
    names.add(name);
    const dtype = oneOf(o.dtype, file, `arrays[${i}].dtype`, ['f32', 'i32', 'u8'] as const);
    const offset = integer(o.offset, file, `arrays[${i}].offset`, 0, blobEnd);
    if (offset % 8 !== 0) throw new InputError(file, `arrays[${i}].offset`, `must be a multiple of 8, found ${offset}`);
    const length = integer(o.length, file, `arrays[${i}].length`, 0, blobEnd);
    if (blobStart + offset + length * DTYPE_BYTES[dtype] > blobEnd) throw new InputError(file, name, 'lies outside the file (snapshot is truncated or corrupt)');
    return { name, dtype, offset, length };
  });
  const byOffset = [...infos].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < byOffset.length; i++) {
    const prev = byOffset[i - 1];
    if (prev.offset + prev.length * DTYPE_BYTES[prev.dtype] > byOffset[i].offset) {
      throw new InputError(file, byOffset[i].name, `overlaps ${prev.name} (each array must have its own bytes)`);
    }
  }
  return infos;
}
