import { describe, it, expect } from 'vitest';
import { addTvGrad } from '../../../core/train/tv';
import { Rng } from '../../../core/math/rng';

/** L = λ/2 · Σ over the grid's edges (w_i − w_j)², by brute force. */
function tvLoss(w: Float32Array | Float64Array, R: number, lambda: number): number {
  let L = 0;
  const at = (x: number, y: number, z: number) => w[(z * R + y) * R + x];
  for (let z = 0; z < R; z++) for (let y = 0; y < R; y++) for (let x = 0; x < R; x++) {
    if (x + 1 < R) L += (at(x, y, z) - at(x + 1, y, z)) ** 2;
    if (y + 1 < R) L += (at(x, y, z) - at(x, y + 1, z)) ** 2;
    if (z + 1 < R) L += (at(x, y, z) - at(x, y, z + 1)) ** 2;
  }
  return (lambda / 2) * L;
}

describe('density total variation', () => {
  it('adds dL/dw to touched vertices (finite differences), leaves untouched ones alone', () => {
    const R = 5, n = R ** 3, rng = new Rng(7), lambda = 0.3;
    const w = Float32Array.from({ length: n }, () => rng.normal() * 2);
    const grad = new Float32Array(n);
    for (let i = 0; i < n; i += 2) grad[i] = 1e-3; // every other vertex touched by "rays"
    const before = grad.slice();
    expect(addTvGrad(w, grad, R, lambda)).toBe(Math.ceil(n / 2));
    const w64 = Float64Array.from(w), h = 1e-4;
    for (let i = 0; i < n; i++) {
      if (before[i] === 0) { expect(grad[i]).toBe(0); continue; }
      w64[i] += h; const up = tvLoss(w64, R, lambda);
      w64[i] -= 2 * h; const down = tvLoss(w64, R, lambda);
      w64[i] += h;
      expect(grad[i] - before[i]).toBeCloseTo((up - down) / (2 * h), 3);
    }
  });

  it('a constant grid has no variation to smooth', () => {
    const R = 4, w = new Float32Array(R ** 3).fill(3), grad = new Float32Array(R ** 3).fill(1);
    addTvGrad(w, grad, R, 10);
    expect([...grad].every((g) => g === 1)).toBe(true);
  });
});
