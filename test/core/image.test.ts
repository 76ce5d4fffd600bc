import { describe, expect, it } from 'vitest';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { decodeImage, probeImage } from '../../datasets/image/decode';
import { downscaleImage, compositeOnBackground, createImage } from '../../core/image/RGBAImage';
import { testPixels } from '../fixtures/datasets';

describe('decoding', () => {
  it('8-bit RGBA PNG: exact code/255 values, alpha kept', () => {
    const px = testPixels(9, 7, 3);
    const img = decodeImage(encodePng({ width: 9, height: 7, data: px, channels: 4 }), 'a.png');
    expect(img).toMatchObject({ width: 9, height: 7, hasAlpha: true });
    for (let i = 0; i < px.length; i++) expect(img.data[i]).toBe(Math.fround(px[i] / 255));
  });

  it('16-bit RGB, grey, grey+alpha and palette PNGs', () => {
    const w = 5, h = 4;
    const rgb16 = new Uint16Array(w * h * 3).map((_, i) => (i * 4099) % 65536);
    const a = decodeImage(encodePng({ width: w, height: h, data: rgb16, channels: 3, depth: 16 }), 'b.png');
    expect(a.hasAlpha).toBe(false);
    expect(a.data[4 * 4 + 1]).toBeCloseTo(rgb16[4 * 3 + 1] / 65535, 6);
    expect(a.data[3]).toBe(1);
    const grey = new Uint8Array(w * h).map((_, i) => i * 10);
    const g = decodeImage(encodePng({ width: w, height: h, data: grey, channels: 1 }), 'c.png');
    expect([g.data[4 * 7], g.data[4 * 7 + 1], g.data[4 * 7 + 2], g.data[4 * 7 + 3]]).toEqual([70 / 255, 70 / 255, 70 / 255, 1].map(Math.fround));
    const ga = new Uint8Array(w * h * 2).map((_, i) => (i % 2 ? 255 - i : i * 3));
    const gaImg = decodeImage(encodePng({ width: w, height: h, data: ga, channels: 2 }), 'd.png');
    expect(gaImg.hasAlpha).toBe(true);
    expect(gaImg.data[4 * 2 + 3]).toBe(Math.fround((255 - 5) / 255));
    const palette = [[255, 0, 0], [0, 128, 255], [10, 20, 30]];
    const idx = new Uint8Array(w * h).map((_, i) => i % 3);
    const p = decodeImage(encodePng({ width: w, height: h, data: idx, channels: 1, depth: 8, palette }), 'e.png');
    expect([p.data[4], p.data[5], p.data[6]]).toEqual([0, 128 / 255, 1].map(Math.fround));
  });

  it('JPEG decodes to the encoded pixels within JPEG error', () => {
    const px = testPixels(32, 24, 1, false);
    const img = decodeImage(new Uint8Array(jpeg.encode({ width: 32, height: 24, data: px }, 100).data), 'f.jpg');
    expect(img).toMatchObject({ width: 32, height: 24, hasAlpha: false });
    let err = 0;
    for (let i = 0; i < px.length; i++) if (i % 4 !== 3) err += (img.data[i] - px[i] / 255) ** 2;
    const psnr = -10 * Math.log10(err / (32 * 24 * 3));
    expect(psnr).toBeGreaterThan(30);
  });

  it('probe reads the size without decoding', () => {
    expect(probeImage(encodePng({ width: 13, height: 6, data: testPixels(13, 6, 0), channels: 4 }), 'x.png'))
      .toEqual({ kind: 'png', width: 13, height: 6, hasAlpha: true });
    expect(probeImage(new Uint8Array(jpeg.encode({ width: 17, height: 9, data: testPixels(17, 9, 0, false) }, 80).data), 'y.jpg'))
      .toEqual({ kind: 'jpeg', width: 17, height: 9, hasAlpha: false });
  });
});

describe('area-average downscaling', () => {
  it('averages blocks against hand-computed values and crops the remainder', () => {
    const img = createImage(5, 3);
    // opaque pixels valued by position
    for (let y = 0; y < 3; y++) for (let x = 0; x < 5; x++) {
      const i = (y * 5 + x) * 4;
      img.data.set([x / 10, y / 10, (x + y) / 20, 1], i);
    }
    const d = downscaleImage(img, 2);
    expect([d.width, d.height]).toEqual([2, 1]);
    // block (0..1, 0..1): r = mean(0, .1, 0, .1) = .05; g = mean(0, 0, .1, .1) = .05; b = mean(0, .05, .05, .1) = .05
    expect(d.data[0]).toBeCloseTo(0.05, 6);
    expect(d.data[1]).toBeCloseTo(0.05, 6);
    expect(d.data[2]).toBeCloseTo(0.05, 6);
    // block (2..3, 0..1): r = mean(.2, .3, .2, .3) = .25
    expect(d.data[4]).toBeCloseTo(0.25, 6);
    expect(d.data[7]).toBe(1);
  });

  it('is premultiplied: downscale then composite = composite then downscale', () => {
    const img = createImage(4, 4);
    const px = testPixels(4, 4, 2);
    for (let i = 0; i < px.length; i++) img.data[i] = px[i] / 255;
    img.data[3] = 0; img.data[7] = 0.25;
    const bg = [1, 1, 1] as const;
    const a = compositeOnBackground(downscaleImage(img, 2), bg);
    const full = compositeOnBackground(img, bg);
    const rgba = createImage(4, 4);
    for (let i = 0; i < 16; i++) rgba.data.set([full[i * 3], full[i * 3 + 1], full[i * 3 + 2], 1], i * 4);
    const b = compositeOnBackground(downscaleImage(rgba, 2), bg);
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 6);
  });

  it('factor 1 is the identity and bad factors are refused', () => {
    const img = createImage(3, 3);
    expect(downscaleImage(img, 1)).toBe(img);
    expect(() => downscaleImage(img, 0)).toThrow(/positive integer/);
    expect(() => downscaleImage(img, 4)).toThrow(/smaller/);
  });
});
