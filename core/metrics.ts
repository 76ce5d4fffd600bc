/**
 * Image metrics on [0, 1] colours (MULFAGRID.md §4): PSNR = −10 log10(MSE); SSIM with an 11-tap Gaussian
 * window (σ = 1.5), K1 = 0.01, K2 = 0.03, per channel, averaged (the usual NeRF evaluation), valid region only.
 */
export function mse(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) { const d = a[i] - b[i]; s += d * d; }
  return s / a.length;
}

export function psnrFromMse(m: number): number {
  return -10 * Math.log10(Math.max(m, 1e-12));
}

export function psnr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return psnrFromMse(mse(a, b));
}

const WIN = 11;
const GAUSS = (() => {
  const g = new Float64Array(WIN);
  let s = 0;
  for (let i = 0; i < WIN; i++) { g[i] = Math.exp(-((i - 5) ** 2) / (2 * 1.5 * 1.5)); s += g[i]; }
  for (let i = 0; i < WIN; i++) g[i] /= s;
  return g;
})();

/** SSIM of two RGB images [h·w·3]. */
export function ssim(a: ArrayLike<number>, b: ArrayLike<number>, width: number, height: number): number {
  if (width < WIN || height < WIN) return NaN;
  const C1 = 0.01 ** 2, C2 = 0.03 ** 2;
  const ow = width - WIN + 1, oh = height - WIN + 1;
  let total = 0;
  const chan = new Float64Array(width * height * 5), tmp = new Float64Array(ow * height * 5);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < width * height; i++) {
      const x = a[i * 3 + c], y = b[i * 3 + c];
      chan[i * 5] = x; chan[i * 5 + 1] = y; chan[i * 5 + 2] = x * x; chan[i * 5 + 3] = y * y; chan[i * 5 + 4] = x * y;
    }
    // separable Gaussian filter, valid region
    for (let yy = 0; yy < height; yy++) for (let xx = 0; xx < ow; xx++) for (let q = 0; q < 5; q++) {
      let s = 0;
      for (let k = 0; k < WIN; k++) s += GAUSS[k] * chan[((yy * width) + xx + k) * 5 + q];
      tmp[(yy * ow + xx) * 5 + q] = s;
    }
    for (let yy = 0; yy < oh; yy++) for (let xx = 0; xx < ow; xx++) {
      const f = [0, 0, 0, 0, 0];
      for (let q = 0; q < 5; q++) { let s = 0; for (let k = 0; k < WIN; k++) s += GAUSS[k] * tmp[((yy + k) * ow + xx) * 5 + q]; f[q] = s; }
      const [mx, my, xx2, yy2, xy] = f;
      const vx = xx2 - mx * mx, vy = yy2 - my * my, cxy = xy - mx * my;
      total += ((2 * mx * my + C1) * (2 * cxy + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2));
    }
  }
  return total / (3 * ow * oh);
}
