/** Draws an RGB float image ([h · w · 3], [0, 1]) into a canvas, resizing it to w × h. */
export function drawRgb(canvas: HTMLCanvasElement, rgb: Float32Array, w: number, h: number): void {
  canvas.width = w; canvas.height = h;
  const img = new ImageData(w, h);
  for (let p = 0; p < w * h; p++) {
    for (let c = 0; c < 3; c++) img.data[p * 4 + c] = Math.round(Math.min(1, Math.max(0, rgb[p * 3 + c])) * 255);
    img.data[p * 4 + 3] = 255;
  }
  canvas.getContext('2d')!.putImageData(img, 0, 0);
}
