/**
 * Image decoding that runs unchanged in Node, in a browser tab and in a worker: pure-JS decoders
 * (fast-png for PNG, jpeg-js for JPEG), chosen by measurement (README, "Image decoding").
 * Decoding never guesses: a file that is not a complete PNG/JPEG is refused with an InputError naming it.
 */
import { decode as decodePng, convertIndexedToRgb } from 'fast-png';
import jpeg from 'jpeg-js';
import { InputError } from '../../core/errors';
import { crc32 } from '../../core/io/crc32';
import { type RGBAImage, BYTE_TO_UNIT } from '../../core/image/RGBAImage';

export type ImageKind = 'png' | 'jpeg';

export interface ImageInfo {
  kind: ImageKind;
  width: number;
  height: number;
  hasAlpha: boolean;
}

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'] as const;

export function isImageFileName(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((e) => lower.endsWith(e));
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Reads an image's size and checks its structure without decoding pixels: for PNG every chunk's length
 * and CRC, an IHDR first, IDAT data and the IEND end; for JPEG the SOI, a supported frame header and the
 * EOI end marker. This catches zero-byte, truncated and corrupted files cheaply (about 1 ms per MB).
 */
export function probeImage(bytes: Uint8Array, file: string): ImageInfo {
  if (bytes.length === 0) throw new InputError(file, '', 'image file is empty (0 bytes)');
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return probePng(bytes, file);
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return probeJpeg(bytes, file);
  throw new InputError(file, '', 'not a PNG or JPEG image (unrecognised file signature)');
}

function probePng(bytes: Uint8Array, file: string): ImageInfo {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 8, width = 0, height = 0, colorType = -1, sawIdat = false, sawTrns = false, first = true;
  for (;;) {
    if (p + 12 > bytes.length) throw new InputError(file, 'PNG chunks', 'file is truncated (no IEND chunk)');
    const len = dv.getUint32(p);
    const type = String.fromCharCode(bytes[p + 4], bytes[p + 5], bytes[p + 6], bytes[p + 7]);
    if (p + 12 + len > bytes.length) throw new InputError(file, `PNG chunk ${type}`, 'file is truncated');
    if (crc32(bytes, p + 4, p + 8 + len) !== dv.getUint32(p + 8 + len)) {
      throw new InputError(file, `PNG chunk ${type}`, 'CRC mismatch (the file is corrupt)');
    }
    if (first) {
      if (type !== 'IHDR' || len !== 13) throw new InputError(file, 'IHDR', 'missing PNG header chunk');
      width = dv.getUint32(p + 8);
      height = dv.getUint32(p + 12);
      colorType = bytes[p + 17];
      first = false;
    }
    if (type === 'IDAT') sawIdat = true;
    if (type === 'tRNS') sawTrns = true;
    if (type === 'IEND') break;
    p += 12 + len;
  }
  if (!sawIdat) throw new InputError(file, 'IDAT', 'PNG has no image data');
  if (width === 0 || height === 0) throw new InputError(file, 'IHDR', `invalid image size ${width}×${height}`);
  return { kind: 'png', width, height, hasAlpha: colorType === 4 || colorType === 6 || sawTrns };
}

function probeJpeg(bytes: Uint8Array, file: string): ImageInfo {
  let p = 2, width = 0, height = 0;
  while (p + 4 <= bytes.length) {
    if (bytes[p] !== 0xff) throw new InputError(file, 'JPEG markers', `bad marker at byte ${p} (the file is corrupt)`);
    const m = bytes[p + 1];
    if (m === 0xff) { p++; continue; } // fill byte
    if (m === 0xd8 || (m >= 0xd0 && m <= 0xd7) || m === 0x01) { p += 2; continue; }
    const len = (bytes[p + 2] << 8) | bytes[p + 3];
    if (len < 2 || p + 2 + len > bytes.length) throw new InputError(file, 'JPEG markers', 'file is truncated');
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      if (m > 0xc2) throw new InputError(file, 'JPEG frame', `unsupported JPEG coding (SOF${m - 0xc0}); use baseline or progressive`);
      height = (bytes[p + 5] << 8) | bytes[p + 6];
      width = (bytes[p + 7] << 8) | bytes[p + 8];
      break;
    }
    if (m === 0xda) break; // scan before a frame header
    p += 2 + len;
  }
  if (width === 0 || height === 0) throw new InputError(file, 'JPEG frame', 'no frame header with the image size');
  // The entropy-coded data is not parsed here; a complete file ends with EOI (allow a little trailing padding).
  let eoi = false;
  for (let i = bytes.length - 2; i >= Math.max(p, bytes.length - 1024); i--) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) { eoi = true; break; }
  }
  if (!eoi) throw new InputError(file, 'JPEG data', 'file is truncated (no end-of-image marker)');
  return { kind: 'jpeg', width, height, hasAlpha: false };
}

/** Decodes a PNG (8/16-bit, grey, grey+alpha, RGB, RGBA, palette) or JPEG into float RGBA. */
export function decodeImage(bytes: Uint8Array, file: string): RGBAImage {
  const info = probeImage(bytes, file);
  try {
    return info.kind === 'png' ? decodePngToFloat(bytes, info) : decodeJpegToFloat(bytes);
  } catch (e) {
    throw new InputError(file, '', `cannot decode image (${e instanceof Error ? e.message : String(e)})`);
  }
}

function decodePngToFloat(bytes: Uint8Array, info: ImageInfo): RGBAImage {
  const png = decodePng(bytes);
  let src: Uint8Array | Uint8ClampedArray | Uint16Array = png.data;
  let channels = png.channels;
  let depth: number = png.depth;
  if (png.palette) {
    src = convertIndexedToRgb(png);
    channels = png.palette[0].length;
    depth = 8;
  }
  const n = png.width * png.height;
  const out = new Float32Array(n * 4);
  const hasAlpha = channels === 2 || channels === 4;
  const colour = hasAlpha ? channels - 1 : channels;
  const scale = depth === 16 ? 1 / 65535 : 1 / ((1 << depth) - 1);
  const table = depth === 8 ? BYTE_TO_UNIT : null;
  for (let i = 0, s = 0; i < n; i++, s += channels) {
    const o = i * 4;
    if (table) {
      const r = table[src[s]];
      out[o] = r;
      out[o + 1] = colour === 3 ? table[src[s + 1]] : r;
      out[o + 2] = colour === 3 ? table[src[s + 2]] : r;
      out[o + 3] = hasAlpha ? table[src[s + colour]] : 1;
    } else {
      const r = src[s] * scale;
      out[o] = r;
      out[o + 1] = colour === 3 ? src[s + 1] * scale : r;
      out[o + 2] = colour === 3 ? src[s + 2] * scale : r;
      out[o + 3] = hasAlpha ? src[s + colour] * scale : 1;
    }
  }
  return { width: png.width, height: png.height, data: out, hasAlpha: hasAlpha || info.hasAlpha };
}

function decodeJpegToFloat(bytes: Uint8Array): RGBAImage {
  const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 2048 });
  const n = img.width * img.height;
  const out = new Float32Array(n * 4);
  const s = img.data;
  for (let i = 0; i < n * 4; i++) out[i] = BYTE_TO_UNIT[s[i]];
  return { width: img.width, height: img.height, data: out, hasAlpha: false };
}
