/**
 * A decoded image: RGBA floats in [0, 1], colour still sRGB-encoded (as NeRF-style models train on it),
 * straight (not premultiplied) alpha. data: [height * width * 4], row-major from the top-left pixel.
 */
export interface RGBAImage {
  width: number;
  height: number;
  data: Float32Array;
  /** False when the file had no alpha channel (alpha is then 1 everywhere). */
  hasAlpha: boolean;
}

/** sRGB 8-bit code -> float, exact 1/255 steps (a table so decoding allocates nothing per pixel). */
export const BYTE_TO_UNIT = /* @__PURE__ */ (() => {
  const t = new Float32Array(256);
  for (let i = 0; i < 256; i++) t[i] = i / 255;
  return t;
})();

export function createImage(width: number, height: number, hasAlpha = true): RGBAImage {
  return { width, height, data: new Float32Array(width * height * 4), hasAlpha };
}

/**
 * Area-average downscaling by an integer factor: each output pixel is the mean of a factor×factor block.
 * Colour is averaged premultiplied by alpha (then divided back), so compositing the result on a background
 * equals downscaling the composite. Rows and columns that do not fill a whole block are cropped.
 */
export function downscaleImage(src: RGBAImage, factor: number): RGBAImage {
  if (!Number.isInteger(factor) || factor < 1) throw new RangeError(`downscale factor must be a positive integer, got ${factor}`);
  if (factor === 1) return src;
  const w = Math.floor(src.width / factor), h = Math.floor(src.height / factor);
  if (w < 1 || h < 1) throw new RangeError(`image ${src.width}×${src.height} is smaller than the downscale factor ${factor}`);
  const out = createImage(w, h, src.hasAlpha);
  const s = src.data, d = out.data, sw = src.width;
  const inv = 1 / (factor * factor);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let dy = 0; dy < factor; dy++) {
        let i = ((y * factor + dy) * sw + x * factor) * 4;
        for (let dx = 0; dx < factor; dx++, i += 4) {
          const al = s[i + 3];
          r += s[i] * al; g += s[i + 1] * al; b += s[i + 2] * al; a += al;
        }
      }
      const o = (y * w + x) * 4;
      if (a > 0) {
        d[o] = r / a; d[o + 1] = g / a; d[o + 2] = b / a;
      } else {
        d[o] = d[o + 1] = d[o + 2] = 0;
      }
      d[o + 3] = a * inv;
    }
  }
  return out;
}

/** RGB composited over a constant background: out [height * width * 3]. */
export function compositeOnBackground(img: RGBAImage, bg: readonly [number, number, number], out?: Float32Array): Float32Array {
  const n = img.width * img.height;
  const o = out ?? new Float32Array(n * 3);
  const s = img.data;
  for (let i = 0; i < n; i++) {
    const a = s[i * 4 + 3];
    o[i * 3] = s[i * 4] * a + bg[0] * (1 - a);
    o[i * 3 + 1] = s[i * 4 + 1] * a + bg[1] * (1 - a);
    o[i * 3 + 2] = s[i * 4 + 2] * a + bg[2] * (1 - a);
  }
  return o;
}
