// GTK assembly and the paper's theory, checked in code (MULFAGRID.md §2): the eigensolver, Cholesky and FFT
// against known answers; (a) invariance of the feature GTK under training, (b) gradient-descent dynamics
// predicted by Y + exp(−ηGt)(O(0) − Y), (c) GTK entries equal inner products of the engine's gradients.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/math/rng';
import { symmetricEigenvalues, cholesky, choleskySolve, fft, fftMagnitudes } from '../../../core/gtk/linalg';
import { featureGtk, fullGtk, gtkDelta, gridOutputs, spectralBreadth, rowSpectrum, linePoints } from '../../../core/gtk/gtk';
import { DenseGrid } from '../../../core/field/DenseGrid';
import { FourierGrid } from '../../../core/field/FourierGrid';
import { HashGrid } from '../../../core/field/HashGrid';
import { MulFAGrid, MulFAKernel, MULFA_DEFAULTS } from '../../../core/field/MulFAGrid';
import { type GridModel, makeSupport, gatherForward, gatherBackward } from '../../../core/field/GridModel';
import { Adam } from '../../../core/optim/Adam';

/** A random orthogonal matrix (Gram–Schmidt of a Gaussian matrix), row-major. */
function orthogonal(n: number, rng: Rng): Float64Array {
  const Q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const v = Array.from({ length: n }, () => rng.normal());
    for (let j = 0; j < i; j++) {
      let d = 0;
      for (let k = 0; k < n; k++) d += v[k] * Q[j * n + k];
      for (let k = 0; k < n; k++) v[k] -= d * Q[j * n + k];
    }
    const l = Math.hypot(...v);
    for (let k = 0; k < n; k++) Q[i * n + k] = v[k] / l;
  }
  return Q;
}

/** Q diag(lam) Qᵀ. */
function withSpectrum(lam: number[], rng: Rng): Float64Array {
  const n = lam.length, Q = orthogonal(n, rng), A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += Q[k * n + i] * lam[k] * Q[k * n + j];
    A[i * n + j] = s;
  }
  return A;
}

function randomPoints(n: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n * 3 }, () => rng.next());
}

describe('linear algebra', () => {
  it('symmetric eigenvalues of matrices with known spectra', () => {
    const rng = new Rng(1);
    for (const n of [1, 2, 7, 60]) {
      const lam = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 0 : rng.normal() * 10)); // with repeated zeros
      const got = symmetricEigenvalues(withSpectrum(lam, rng), n);
      const want = [...lam].sort((a, b) => b - a);
      want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 8));
    }
  });

  it('Cholesky solves A x = b; a singular matrix needs a ridge', () => {
    const rng = new Rng(2), n = 30;
    const A = withSpectrum(Array.from({ length: n }, () => 0.5 + rng.next()), rng);
    const b = Array.from({ length: n }, () => rng.normal());
    const x = choleskySolve(cholesky(A, n), n, b);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += A[i * n + k] * x[k];
      expect(s).toBeCloseTo(b[i], 9);
    }
    const S = withSpectrum([1, 1, 0], rng);
    expect(() => cholesky(S, 3)).toThrow(/positive definite/);
    expect(() => cholesky(S, 3, 1e-9)).not.toThrow();
  });

  it('FFT equals the direct DFT', () => {
    const rng = new Rng(3), n = 64;
    const x = Array.from({ length: n }, () => rng.normal());
    const re = Float64Array.from(x), im = new Float64Array(n);
    fft(re, im);
    for (const k of [0, 1, 5, 31, 32, 63]) {
      let r = 0, i = 0;
      for (let t = 0; t < n; t++) { r += x[t] * Math.cos((-2 * Math.PI * k * t) / n); i += x[t] * Math.sin((-2 * Math.PI * k * t) / n); }
      expect(re[k]).toBeCloseTo(r, 9);
      expect(im[k]).toBeCloseTo(i, 9);
    }
    const mag = fftMagnitudes(Array.from({ length: 16 }, (_, t) => Math.cos((2 * Math.PI * 3 * t) / 16)));
    expect(mag[3]).toBeCloseTo(8, 9);
    expect(spectralBreadth(mag)).toBeLessThan(1e-20); // all energy at frequency 3 < 4 (half of Nyquist 8)
  });
});

describe('GTK', () => {
  const models = (): [string, () => GridModel][] => [
    ['dense', () => new DenseGrid(6, 2)],
    ['fouriergrid', () => new FourierGrid(6, 2, 1)],
    ['hash', () => new HashGrid({ levels: 3, log2TableSize: 5, minResolution: 3, resolution: 9 }, 2)],
  ];

  it('feature GTK of a dense grid on vertices is the identity, between vertices the trilinear products', () => {
    const g = new DenseGrid(5, 1);
    const pts = Float32Array.from([0, 0, 0, 0.25, 0, 0, 0.125, 0, 0]); // vertices 0 and 1, and halfway between
    const G = featureGtk(g, pts, 3);
    expect(Array.from(G)).toEqual([1, 0, 0.5, 0, 1, 0.5, 0.5, 0.5, 0.5]);
  });

  /** The feature GTK from the engine's own backward pass (channel 0): J[j] = ∂g₀(x_j)/∂w, G = J Jᵀ. */
  function engineFeatureGtk(grid: GridModel, pts: Float32Array, n: number): Float64Array {
    const C = grid.channels, s = makeSupport(grid, n), dOut = new Float32Array(n * C), J: Float64Array[] = [];
    grid.computeSupport(pts, n, s);
    const saved = grid.features.grad.slice();
    for (let j = 0; j < n; j++) {
      grid.features.grad.fill(0); dOut.fill(0); dOut[j * C] = 1;
      gatherBackward(grid.features.data, grid.features.grad, C, grid.K, s, n, dOut, null);
      J.push(Float64Array.from(grid.features.grad));
    }
    grid.features.grad.set(saved);
    const G = new Float64Array(n * n);
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) { let d = 0; for (let i = 0; i < J[a].length; i++) d += J[a][i] * J[b][i]; G[a * n + b] = d; }
    return G;
  }

  function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
    let d = 0;
    for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
    return d;
  }

  /** 20 Adam steps of the features towards a target; returns how far the features moved (max |Δw|). */
  function trainFeatures(grid: GridModel, pts: Float32Array, n: number): number {
    const before = grid.features.data.slice();
    const opt = new Adam([{ params: [grid.features], lr: 0.1 }]);
    const s = makeSupport(grid, n), C = grid.channels, out = new Float32Array(n * C), dOut = new Float32Array(n * C);
    for (let step = 0; step < 20; step++) {
      grid.computeSupport(pts, n, s);
      gatherForward(grid.features.data, C, grid.K, s, n, out);
      for (let i = 0; i < n * C; i++) dOut[i] = out[i] - Math.sin(i);
      gatherBackward(grid.features.data, grid.features.grad, C, grid.K, s, n, dOut, null);
      opt.update();
    }
    return maxDiff(before, grid.features.data);
  }

  const withMulfa = (): [string, () => GridModel][] => [...models(), ['mulfagrid', () => new MulFAGrid(6, 2, new MulFAKernel(MULFA_DEFAULTS, new Rng(6)))]];

  it.each(withMulfa())('(a) invariance: training moves the features of %s, and its feature GTK from the engine\'s gradients stays the same', async (_, make) => {
    const rng = new Rng(4), grid = make(), n = 40;
    grid.features.data.forEach((_, i) => (grid.features.data[i] = rng.normal()));
    const pts = randomPoints(n, rng);
    const G0 = engineFeatureGtk(grid, pts, n);
    expect(maxDiff(G0, featureGtk(grid, pts, n))).toBeLessThan(1e-6); // the sparse formula is the engine's J Jᵀ
    const full0 = (await fullGtk(grid, pts, n)).G;
    expect(trainFeatures(grid, pts, n)).toBeGreaterThan(0.5); // the features really changed
    const G1 = engineFeatureGtk(grid, pts, n);
    expect(maxDiff(G1, G0)).toBeLessThan(1e-9);
    expect(maxDiff(featureGtk(grid, pts, n), G1)).toBeLessThan(1e-6);
    // a learned kernel's part of the GTK reads the features (∂g/∂θ = Σ ∂φ/∂θ · w): it must see them move
    const fullChange = maxDiff((await fullGtk(grid, pts, n)).G, full0);
    if (grid.kernelParams.length > 0) expect(fullChange).toBeGreaterThan(1e-3);
    else expect(fullChange).toBeLessThan(1e-9);
  });

  it('a learned (MulFA) kernel changes its full GTK when its parameters train', async () => {
    const rng = new Rng(5), k = new MulFAKernel(MULFA_DEFAULTS, new Rng(6)), grid = new MulFAGrid(6, 1, k), n = 20;
    grid.features.data.forEach((_, i) => (grid.features.data[i] = rng.normal()));
    const pts = randomPoints(n, rng);
    const G0 = (await fullGtk(grid, pts, n)).G;
    k.a.data[0] = 0.5; // one kernel step's worth of change
    const G1 = (await fullGtk(grid, pts, n)).G;
    let diff = 0;
    for (let i = 0; i < n * n; i++) diff = Math.max(diff, Math.abs(G1[i] - G0[i]));
    expect(diff).toBeGreaterThan(1e-3);
  });

  it('(b) dynamics: gradient descent follows Y + exp(−ηGt)(O(0) − Y)', () => {
    const rng = new Rng(7), grid = new DenseGrid(5, 1), n = 24;
    grid.features.data.forEach((_, i) => (grid.features.data[i] = rng.normal() * 0.3));
    const pts = randomPoints(n, rng);
    const Y = Float64Array.from({ length: n }, () => rng.normal());
    const G = featureGtk(grid, pts, n);
    const lmax = symmetricEigenvalues(G, n)[0];
    const eta = 0.02 / lmax, T = 400;
    const O0 = gridOutputs(grid, pts, n);
    // plain gradient descent on ½‖O − Y‖² over the features
    const s = makeSupport(grid, n), out = new Float32Array(n), dOut = new Float32Array(n);
    grid.computeSupport(pts, n, s);
    for (let t = 0; t < T; t++) {
      gatherForward(grid.features.data, 1, grid.K, s, n, out);
      for (let i = 0; i < n; i++) dOut[i] = out[i] - Y[i];
      grid.features.grad.fill(0);
      gatherBackward(grid.features.data, grid.features.grad, 1, grid.K, s, n, dOut, null);
      for (let i = 0; i < grid.features.data.length; i++) grid.features.data[i] -= eta * grid.features.grad[i];
    }
    const O = gridOutputs(grid, pts, n);
    // prediction: exp(−ηGT) by scaling and squaring (Taylor to 12 terms on ηGT / 2^s)
    const E = expm(G.map((v) => -eta * T * v), n);
    let err = 0, scale = 0;
    for (let i = 0; i < n; i++) {
      let p = Y[i];
      for (let k = 0; k < n; k++) p += E[i * n + k] * (O0[k] - Y[k]);
      err = Math.max(err, Math.abs(p - O[i]));
      scale = Math.max(scale, Math.abs(O0[i] - Y[i]));
    }
    // discrete steps vs the continuous flow differ by O(T (η λ)²): here below 1 % of the initial residual
    expect(err / scale).toBeLessThan(0.01);
    // and the training really moved the outputs (the test is not vacuous)
    let moved = 0;
    for (let i = 0; i < n; i++) moved = Math.max(moved, Math.abs(O[i] - O0[i]));
    expect(moved / scale).toBeGreaterThan(0.1);
  });

  it('(c) GTK entries equal inner products of the engine backward pass gradients (MulFA, features + kernel)', async () => {
    const rng = new Rng(8), k = new MulFAKernel(MULFA_DEFAULTS, new Rng(9)), C = 3, n = 10;
    const grid = new MulFAGrid(5, C, k);
    grid.features.data.forEach((_, i) => (grid.features.data[i] = rng.normal()));
    k.a.data.forEach((_, i) => (k.a.data[i] = rng.normal() * 0.3));
    const pts = randomPoints(n, rng);
    const { G } = await fullGtk(grid, pts, n);
    // gradient of g_c(x_j) w.r.t. (features, kernel) from gatherBackward + kernelBackward, one point at a time
    const params = [grid.features, ...k.params];
    const grads: Float64Array[][] = [];
    const s = makeSupport(grid, 1), dOut = new Float32Array(C), dW = new Float32Array(8);
    for (let j = 0; j < n; j++) {
      grads.push([]);
      for (let c = 0; c < C; c++) {
        for (const p of params) p.grad.fill(0);
        grid.computeSupport(pts.subarray(j * 3, j * 3 + 3), 1, s);
        dOut.fill(0); dOut[c] = 1; dW.fill(0);
        gatherBackward(grid.features.data, grid.features.grad, C, 8, s, 1, dOut, dW);
        grid.kernelBackward(dW, 1);
        grads[j].push(Float64Array.from(params.flatMap((p) => Array.from(p.grad))));
      }
    }
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) {
      let dot = 0;
      for (let c = 0; c < C; c++) for (let i = 0; i < grads[a][c].length; i++) dot += grads[a][c][i] * grads[b][c][i];
      expect(G[a * n + b]).toBeCloseTo(dot / C, 6);
    }
  });

  it('Δ = Yᵀ(G + λI)⁻¹Y / n, and spectra along a line', () => {
    const G = Float64Array.from([2, 1, 1, 2]), Y = [1, -1];
    // (G)⁻¹ = [[2, −1], [−1, 2]] / 3 → Yᵀ G⁻¹ Y = (2 + 2 + 2) / 3 = 2 → Δ = 1
    expect(gtkDelta(G, 2, Y, 0)).toBeCloseTo(1, 12);
    const grid = new DenseGrid(9, 1), m = 64;
    const line = linePoints([0, 0.5, 0.5], [1, 0.5, 0.5], m);
    const spec = rowSpectrum(featureGtk(grid, line, m), m);
    expect(spec.length).toBe(33);
    const breadth = spectralBreadth(spec);
    expect(breadth).toBeGreaterThan(0);
    expect(breadth).toBeLessThan(0.5);
  });
});

/** Matrix exponential of a symmetric matrix by scaling and squaring. */
function expm(A: Float64Array, n: number): Float64Array {
  let norm = 0;
  for (let i = 0; i < n; i++) { let r = 0; for (let k = 0; k < n; k++) r += Math.abs(A[i * n + k]); norm = Math.max(norm, r); }
  const s = Math.max(0, Math.ceil(Math.log2(norm)) + 1);
  const B = A.map((v) => v / 2 ** s);
  const mul = (X: Float64Array, Y: Float64Array) => {
    const Z = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) { const x = X[i * n + k]; for (let j = 0; j < n; j++) Z[i * n + j] += x * Y[k * n + j]; }
    return Z;
  };
  let E = new Float64Array(n * n), term = new Float64Array(n * n);
  for (let i = 0; i < n; i++) { E[i * n + i] = 1; term[i * n + i] = 1; }
  for (let k = 1; k <= 12; k++) {
    term = mul(term, B).map((v) => v / k);
    E = E.map((v, i) => v + term[i]);
  }
  for (let i = 0; i < s; i++) E = mul(E, E);
  return E;
}
