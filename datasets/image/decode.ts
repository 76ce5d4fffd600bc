/**
 * Image decoding that runs unchanged in Node, in a browser tab and in a worker: pure-JS decoders
 * (fast-png for PNG, jpeg-js for JPEG), chosen by measurement (README, "Image decoding").
 * Decoding never guesses: a file that is not a complete PNG/JPEG is refused with an InputError naming it.
 */
import { decode as decodePng, convertIndexedToRgb } from 'fast-png';
import jpeg from 'jpeg-js';
import { Unzlib } from 'fflate';
import { InputError } from '../../core/errors';
import { crc32 } from '../../core/io/crc32';
import { type RGBAImage, BYTE_TO_UNIT } from '../../core/image/RGBAImage';
import type { FileEnds } from '../fs';

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
const PNG_IEND = [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];

/** The largest images accepted (README, "Reliability"): per side, and in pixels. */
export const IMAGE_LIMITS = { side: 16384, pixels: 100e6 } as const;

/** Bytes read from each end of an image file to probe it without reading it whole. */
export const PROBE_HEAD_BYTES = 256 * 1024;
export const PROBE_TAIL_BYTES = 1024;

function checkDimensions(width: number, height: number, file: string, field: string): void {
  if (width === 0 || height === 0) throw new InputError(file, field, `invalid image size ${width}×${height}`);
  if (width > IMAGE_LIMITS.side || height > IMAGE_LIMITS.side || width * height > IMAGE_LIMITS.pixels) {
    throw new InputError(file, field, `image is ${width}×${height}; at most ${IMAGE_LIMITS.side} pixels per side and ` +
      `${IMAGE_LIMITS.pixels / 1e6} megapixels are supported`);
  }
}

/**
 * Probes an image from its first and last bytes (DatasetFS.readEnds): kind, size (within IMAGE_LIMITS),
 * alpha, and that the file ends as a complete PNG/JPEG does. Chunk CRCs and pixel data are checked when the
 * image is decoded. `readWhole` is called only for a JPEG whose frame header lies beyond the head.
 */
export async function probeImageEnds(ends: FileEnds, file: string, readWhole: () => Promise<Uint8Array>): Promise<ImageInfo> {
  const { head, tail, size } = ends;
  if (size === 0) throw new InputError(file, '', 'image file is empty (0 bytes)');
  if (head.length === size) return probeImage(head, file);
  if (PNG_SIGNATURE.every((b, i) => head[i] === b)) {
    const info = pngHeader(head, file);
    if (!PNG_IEND.every((b, i) => tail[tail.length - 12 + i] === b)) throw new InputError(file, 'PNG chunks', 'file is truncated (no IEND chunk at the end)');
    return info;
  }
  if (head[0] === 0xff && head[1] === 0xd8) {
    const frame = jpegFrame(head, file, false);
    if (!frame) return probeImage(await readWhole(), file);
    checkJpegEnd(tail, 0, file);
    const { end: _, ...info } = frame;
    return info;
  }
  throw new InputError(file, '', 'not a PNG or JPEG image (unrecognised file signature)');
}

/** IHDR (first chunk, CRC checked) and, from the chunks within `bytes` before the image data, whether tRNS gives alpha. */
function pngHeader(bytes: Uint8Array, file: string): ImageInfo {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 33 || dv.getUint32(8) !== 13 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') {
    throw new InputError(file, 'IHDR', 'missing PNG header chunk');
  }
  if (crc32(bytes, 12, 29) !== dv.getUint32(29)) throw new InputError(file, 'PNG chunk IHDR', 'CRC mismatch (the file is corrupt)');
  const width = dv.getUint32(16), height = dv.getUint32(20), colorType = bytes[25];
  checkDimensions(width, height, file, 'IHDR');
  let sawTrns = false;
  for (let p = 33; p + 8 <= bytes.length;) {
    const type = String.fromCharCode(bytes[p + 4], bytes[p + 5], bytes[p + 6], bytes[p + 7]);
    if (type === 'tRNS') sawTrns = true;
    if (type === 'IDAT' || type === 'IEND') break;
    p += 12 + dv.getUint32(p);
  }
  return { kind: 'png', width, height, hasAlpha: colorType === 4 || colorType === 6 || sawTrns };
}

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
      checkDimensions(width, height, file, 'IHDR');
      first = false;
    }
    if (type === 'IDAT') sawIdat = true;
    if (type === 'tRNS') sawTrns = true;
    if (type === 'IEND') break;
    p += 12 + len;
  }
  if (!sawIdat) throw new InputError(file, 'IDAT', 'PNG has no image data');
  return { kind: 'png', width, height, hasAlpha: colorType === 4 || colorType === 6 || sawTrns };
}

function probeJpeg(bytes: Uint8Array, file: string): ImageInfo {
  const { end, ...info } = jpegFrame(bytes, file, true)!;
  checkJpegEnd(bytes, end, file);
  return info;
}

/**
 * The frame header (SOF) of a JPEG, walking the markers in `bytes`. When `complete` is false, `bytes` is only
 * the head of the file and running out of it before the frame returns null (the caller reads more).
 */
function jpegFrame(bytes: Uint8Array, file: string, complete: boolean): (ImageInfo & { end: number }) | null {
  let p = 2;
  while (p + 4 <= bytes.length) {
    if (bytes[p] !== 0xff) throw new InputError(file, 'JPEG markers', `bad marker at byte ${p} (the file is corrupt)`);
    const m = bytes[p + 1];
    if (m === 0xff) { p++; continue; } // fill byte
    if (m === 0xd8 || (m >= 0xd0 && m <= 0xd7) || m === 0x01) { p += 2; continue; }
    const len = (bytes[p + 2] << 8) | bytes[p + 3];
    if (len < 2) throw new InputError(file, 'JPEG markers', `bad segment length at byte ${p} (the file is corrupt)`);
    if (p + 2 + len > bytes.length) {
      if (!complete) return null;
      throw new InputError(file, 'JPEG markers', 'file is truncated');
    }
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      if (m > 0xc2) throw new InputError(file, 'JPEG frame', `unsupported JPEG coding (SOF${m - 0xc0}); use baseline or progressive`);
      const height = (bytes[p + 5] << 8) | bytes[p + 6], width = (bytes[p + 7] << 8) | bytes[p + 8];
      checkDimensions(width, height, file, 'JPEG frame');
      return { kind: 'jpeg', width, height, hasAlpha: false, end: p + 2 + len };
    }
    if (m === 0xda) break; // scan before a frame header
    p += 2 + len;
  }
  if (!complete && p + 4 > bytes.length) return null;
  throw new InputError(file, 'JPEG frame', 'no frame header with the image size');
}

/** A complete JPEG ends with EOI (a little trailing padding allowed); `from` bounds the search. */
function checkJpegEnd(bytes: Uint8Array, from: number, file: string): void {
  for (let i = bytes.length - 2; i >= Math.max(from, bytes.length - 1024); i--) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return;
  }
  throw new InputError(file, 'JPEG data', 'file is truncated (no end-of-image marker)');
}

/**
 * Decodes a PNG (8/16-bit, grey, grey+alpha, RGB, RGBA, palette) or JPEG into float RGBA, area-averaged by
 * an integer `factor` on the way (as downscaleImage does, without a full-size float copy: a 12 MP photo at
 * factor 8 needs its 8-bit pixels and a 0.19 MP float image, not 192 MB of floats).
 */
export function decodeImage(bytes: Uint8Array, file: string, factor = 1): RGBAImage {
  const info = probeImage(bytes, file);
  const raw = info.kind === 'png' ? inflatePng(bytes, file) : null;
  try {
    return raw ? decodePngToFloat(bytes, raw, info, factor) : decodeJpegToFloat(bytes, factor);
  } catch (e) {
    throw new InputError(file, '', `cannot decode image (${e instanceof Error ? e.message : String(e)})`);
  }
}

interface PngRaw { width: number; height: number; depth: number; colorType: number; interlaced: boolean; channels: number; rowBytes: number; data: Uint8Array }

/**
 * A PNG's image data, inflated into a buffer of exactly the size its header implies, plus one byte: data
 * that would inflate beyond it (a 49 KB "zlib bomb" claiming a small image can inflate to gigabytes) is
 * refused as soon as it fills that buffer, so no PNG can make the decoder allocate (or spend time on) more
 * than its header's size.
 */
function inflatePng(bytes: Uint8Array, file: string): PngRaw {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = dv.getUint32(16), height = dv.getUint32(20), depth = bytes[24], colorType = bytes[25], interlaced = bytes[28] === 1;
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[colorType];
  if (!channels || ![1, 2, 4, 8, 16].includes(depth)) throw new InputError(file, 'IHDR', `unsupported PNG colour type ${colorType} / bit depth ${depth}`);
  const rowBytes = Math.ceil((width * channels * depth) / 8);
  let bound = (rowBytes + 1) * height;
  if (interlaced) { // Adam7: each of the 7 passes has its own rows, each with a filter byte and rounding
    bound = 0;
    for (const [x0, y0, dx, dy] of [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]]) {
      const w = Math.ceil((width - x0) / dx), h = Math.ceil((height - y0) / dy);
      if (w > 0 && h > 0) bound += (Math.ceil((w * channels * depth) / 8) + 1) * h;
    }
  }
  // Inflate IDAT data in pieces into the exact-size buffer; stop at the first byte beyond it.
  const out = new Uint8Array(bound + 1);
  let filled = 0, over = false;
  const z = new Unzlib((chunk) => {
    const n = Math.min(chunk.length, out.length - filled);
    out.set(n === chunk.length ? chunk : chunk.subarray(0, n), filled);
    filled += n;
    if (n < chunk.length || filled > bound) { over = true; throw new Error('over'); }
  });
  // deflate inflates at most ~1032× its input: a 64 KiB piece yields at most ~66 MB before the check
  // (smaller pieces cost more time than they save: fflate allocates per push)
  const piece = () => 65536;
  try {
    for (let p = 8; p + 12 <= bytes.length && !over;) {
      const len = dv.getUint32(p);
      const type = String.fromCharCode(bytes[p + 4], bytes[p + 5], bytes[p + 6], bytes[p + 7]);
      if (type === 'IEND') break;
      if (type === 'IDAT') {
        for (let o = 0; o < len && !over;) { const n = piece(); z.push(bytes.subarray(p + 8 + o, p + 8 + Math.min(len, o + n)), false); o += n; }
      }
      p += 12 + len;
    }
  } catch (e) {
    if (!over) throw new InputError(file, 'IDAT', `image data is corrupt (${e instanceof Error ? e.message : String(e)})`);
  }
  const data = out.subarray(0, filled);
  if (over || data.length > bound) throw new InputError(file, 'IDAT', `image data inflates to more than the ${bound} bytes its ${width}×${height} header implies`);
  if (data.length < bound) throw new InputError(file, 'IDAT', `image data is incomplete (${data.length} of ${bound} bytes)`);
  return { width, height, depth, colorType, interlaced, channels, rowBytes, data };
}

/** Reverses PNG's per-row filters (non-interlaced image): samples [height · rowBytes]. */
function unfilterPng(raw: PngRaw): Uint8Array {
  const { height, rowBytes, data } = raw;
  const bpp = Math.max(1, (raw.channels * raw.depth) >> 3);
  const out = new Uint8Array(height * rowBytes);
  for (let y = 0; y < height; y++) {
    const filter = data[y * (rowBytes + 1)], src = y * (rowBytes + 1) + 1, o = y * rowBytes, prev = o - rowBytes;
    switch (filter) {
      case 0: out.set(data.subarray(src, src + rowBytes), o); break;
      case 1: for (let i = 0; i < rowBytes; i++) out[o + i] = data[src + i] + (i >= bpp ? out[o + i - bpp] : 0); break;
      case 2: for (let i = 0; i < rowBytes; i++) out[o + i] = data[src + i] + (y > 0 ? out[prev + i] : 0); break;
      case 3:
        for (let i = 0; i < rowBytes; i++) {
          const a = i >= bpp ? out[o + i - bpp] : 0, b = y > 0 ? out[prev + i] : 0;
          out[o + i] = data[src + i] + ((a + b) >> 1);
        }
        break;
      case 4:
        for (let i = 0; i < rowBytes; i++) {
          const a = i >= bpp ? out[o + i - bpp] : 0, b = y > 0 ? out[prev + i] : 0, c = i >= bpp && y > 0 ? out[prev + i - bpp] : 0;
          const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
          out[o + i] = data[src + i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
        }
        break;
      default: throw new Error(`row ${y} has an unknown filter type ${filter}`);
    }
  }
  return out;
}

/**
 * Float RGBA from decoded samples (`channels` per pixel: grey, grey+alpha, RGB or RGBA; `unit` maps a sample
 * to [0, 1]), area-averaged by `factor` with colour weighted by alpha, as core's downscaleImage.
 */
function samplesToFloat(src: ArrayLike<number>, width: number, height: number, channels: number, unit: (v: number) => number,
  factor: number, fileHasAlpha: boolean): RGBAImage {
  const hasAlpha = channels === 2 || channels === 4;
  const colour = hasAlpha ? channels - 1 : channels;
  const w = Math.floor(width / factor), h = Math.floor(height / factor);
  if (w < 1 || h < 1) throw new RangeError(`image ${width}×${height} is smaller than the downscale factor ${factor}`);
  const out = new Float32Array(w * h * 4);
  if (factor === 1) {
    for (let i = 0, s = 0, n = w * h; i < n; i++, s += channels) {
      const o = i * 4, r = unit(src[s]);
      out[o] = r;
      out[o + 1] = colour === 3 ? unit(src[s + 1]) : r;
      out[o + 2] = colour === 3 ? unit(src[s + 2]) : r;
      out[o + 3] = hasAlpha ? unit(src[s + colour]) : 1;
    }
  } else {
    const inv = 1 / (factor * factor);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let r = 0, g = 0, b = 0, a = 0;
        for (let dy = 0; dy < factor; dy++) {
          let s = ((y * factor + dy) * width + x * factor) * channels;
          for (let dx = 0; dx < factor; dx++, s += channels) {
            const al = hasAlpha ? unit(src[s + colour]) : 1;
            const cr = unit(src[s]);
            r += cr * al;
            g += (colour === 3 ? unit(src[s + 1]) : cr) * al;
            b += (colour === 3 ? unit(src[s + 2]) : cr) * al;
            a += al;
          }
        }
        const o = (y * w + x) * 4;
        if (a > 0) { out[o] = r / a; out[o + 1] = g / a; out[o + 2] = b / a; }
        out[o + 3] = a * inv;
      }
    }
  }
  return { width: w, height: h, data: out, hasAlpha: hasAlpha || fileHasAlpha };
}

const byteUnit = (v: number) => BYTE_TO_UNIT[v];

/**
 * PNG to float RGBA. The common photo layouts (8/16-bit grey, grey+alpha, RGB, RGBA, not interlaced, no
 * tRNS) are unfiltered here from the bounded inflate; palette, sub-byte depths, interlacing and tRNS go
 * through fast-png (after the bounded inflate has checked the data's size).
 */
function decodePngToFloat(bytes: Uint8Array, raw: PngRaw, info: ImageInfo, factor: number): RGBAImage {
  const simple = !raw.interlaced && (raw.depth === 8 || raw.depth === 16) && raw.colorType !== 3 && !(info.hasAlpha && (raw.colorType === 0 || raw.colorType === 2));
  if (simple) {
    const px = unfilterPng(raw);
    if (raw.depth === 8) return samplesToFloat(px, raw.width, raw.height, raw.channels, byteUnit, factor, info.hasAlpha);
    const s16 = new Uint16Array(px.length >> 1);
    for (let i = 0; i < s16.length; i++) s16[i] = (px[2 * i] << 8) | px[2 * i + 1];
    return samplesToFloat(s16, raw.width, raw.height, raw.channels, (v) => v / 65535, factor, info.hasAlpha);
  }
  const png = decodePng(bytes);
  let src: Uint8Array | Uint8ClampedArray | Uint16Array = png.data;
  let channels = png.channels;
  let depth: number = png.depth;
  if (png.palette) {
    src = convertIndexedToRgb(png);
    channels = png.palette[0].length;
    depth = 8;
  }
  const scale = depth === 16 ? 1 / 65535 : 1 / ((1 << depth) - 1);
  return samplesToFloat(src, png.width, png.height, channels, depth === 8 ? byteUnit : (v) => v * scale, factor, info.hasAlpha);
}

function decodeJpegToFloat(bytes: Uint8Array, factor: number): RGBAImage {
  const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: IMAGE_LIMITS.pixels / 1e6, maxMemoryUsageInMB: 1024 });
  return samplesToFloat(img.data, img.width, img.height, 3, byteUnit, factor, false);
}
