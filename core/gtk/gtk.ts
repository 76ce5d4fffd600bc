/**
 * Grid tangent kernel (MULFAGRID.md §2, §5) of a grid model on a set of points.
 * - Feature GTK (exact, sparse): G_jk = Σ_{i ∈ U(x_j) ∩ U(x_k)} φ(x_j, i) φ(x_k, i), the same for every
 *   channel because channels have their own features.
 * - Full GTK of a learned kernel (MulFAGrid): the feature part plus the kernel parameters' part,
 *   G_jk += (1/C) Σ_c ⟨∂g_c(x_j)/∂θ_kernel, ∂g_c(x_k)/∂θ_kernel⟩ (channels averaged, so the feature part
 *   keeps its per-channel meaning); the gradients come from the engine's own kernel backward pass.
 * - Spectra: eigenvalues (descending), the Fourier magnitudes of GTK rows along a line, spectral breadth
 *   (share of spectral energy above half the Nyquist frequency), and Δ = Yᵀ(G + λI)⁻¹Y / n.
 * Matrices are row-major Float64Array n×n.
 */
import { type GridModel, makeSupport } from '../field/GridModel';
import { symmetricEigenvalues, cholesky, choleskySolve, fftMagnitudes } from './linalg';

/** Rows and summed weights per point (a row appearing twice in U(x), as hash collisions do, counts once). */
function supportLists(grid: GridModel, pts: Float32Array, n: number): Map<number, number>[] {
  const s = makeSupport(grid, n);
  grid.computeSupport(pts, n, s);
  const out: Map<number, number>[] = [];
  for (let j = 0; j < n; j++) {
    const m = new Map<number, number>();
    for (let k = j * grid.K; k < (j + 1) * grid.K; k++) if (s.w[k] !== 0) m.set(s.idx[k], (m.get(s.idx[k]) ?? 0) + s.w[k]);
    out.push(m);
  }
  return out;
}

/** The exact feature GTK (n×n) on points pts [n·3] in normalised box coordinates. */
export function featureGtk(grid: GridModel, pts: Float32Array, n: number): Float64Array {
  const lists = supportLists(grid, pts, n);
  const byRow = new Map<number, { j: number; w: number }[]>();
  lists.forEach((m, j) => m.forEach((w, row) => {
    let l = byRow.get(row);
    if (!l) byRow.set(row, (l = []));
    l.push({ j, w });
  }));
  const G = new Float64Array(n * n);
  for (const l of byRow.values()) {
    for (const a of l) for (const b of l) G[a.j * n + b.j] += a.w * b.w;
  }
  return G;
}

/**
 * Gradients of every channel's output at each point w.r.t. the learned kernel's parameters, from the
 * kernel's backward pass: J [n, C·P] (channel-major within a row). Empty (P = 0) for fixed kernels.
 */
export function kernelJacobian(grid: GridModel, pts: Float32Array, n: number): { J: Float32Array; P: number } {
  const params = grid.kernelParams.length > 0 ? grid.kernelParams : kernelParamsOf(grid);
  const P = params.reduce((a, p) => a + p.data.length, 0);
  const C = grid.channels, K = grid.K, F = grid.features.data;
  const J = new Float32Array(n * C * P); // the kernel's gradients are float32 already
  if (P === 0) return { J, P };
  const s = makeSupport(grid, 1), dW = new Float32Array(K), one = new Float32Array(3);
  const saved = params.map((p) => Float32Array.from(p.grad));
  for (let j = 0; j < n; j++) {
    one.set(pts.subarray(j * 3, j * 3 + 3));
    for (let c = 0; c < C; c++) {
      grid.computeSupport(one, 1, s);
      for (let k = 0; k < K; k++) dW[k] = F[s.idx[k] * C + c];
      for (const p of params) p.grad.fill(0);
      grid.kernelBackward(dW, 1);
      let o = (j * C + c) * P;
      for (const p of params) for (let i = 0; i < p.grad.length; i++) J[o++] = p.grad[i];
    }
  }
  params.forEach((p, i) => p.grad.set(saved[i]));
  return { J, P };
}

/** A grid that shares another grid's kernel lists no kernel parameters; the kernel object still has them. */
function kernelParamsOf(grid: GridModel): GridModel['kernelParams'] {
  const k = (grid as { kernel?: { params?: GridModel['kernelParams'] } }).kernel;
  return k?.params ?? [];
}

/**
 * The Gram matrix J Jᵀ (n×n, row-major) of J [n, D]: the dense product at the heart of the full GTK. The
 * TypeScript one here accumulates in float64; core/gtk/tfGram.ts runs it through TF.js (WebAssembly or
 * WebGPU) in float32.
 */
export type Gram = (J: Float32Array, n: number, D: number) => Promise<Float64Array | Float32Array>;

export const jsGram: Gram = async (J, n, D) => {
  const G = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    const ra = a * D;
    for (let b = 0; b <= a; b++) {
      const rb = b * D;
      let s = 0;
      for (let i = 0; i < D; i++) s += J[ra + i] * J[rb + i];
      G[a * n + b] = s;
      G[b * n + a] = s;
    }
  }
  return G;
};

/** Full GTK: the feature GTK plus, for learned kernels, (1/C) Σ_c J_c J_cᵀ (the product by `gram`). */
export async function fullGtk(grid: GridModel, pts: Float32Array, n: number, gram: Gram = jsGram): Promise<{ G: Float64Array; kernelParams: number }> {
  const G = featureGtk(grid, pts, n);
  const { J, P } = kernelJacobian(grid, pts, n);
  if (P === 0) return { G, kernelParams: 0 };
  const JJ = await gram(J, n, grid.channels * P), half = 0.5 / grid.channels;
  // symmetrised: a float32 product need not be exactly symmetric, and the eigen solver and Cholesky assume it
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) G[a * n + b] += (JJ[a * n + b] + JJ[b * n + a]) * half;
  return { G, kernelParams: P };
}

/** Grid outputs (channel `c`) at the points: the labels for Δ. */
export function gridOutputs(grid: GridModel, pts: Float32Array, n: number, c = 0): Float64Array {
  const s = makeSupport(grid, n);
  grid.computeSupport(pts, n, s);
  const y = new Float64Array(n), F = grid.features.data, C = grid.channels;
  for (let j = 0; j < n; j++) for (let k = j * grid.K; k < (j + 1) * grid.K; k++) y[j] += s.w[k] * F[s.idx[k] * C + c];
  return y;
}

/** The ridge used for Δ when none is given: 1e-6 of the mean diagonal (stated in every report). */
export function defaultRidge(G: Float64Array, n: number): number {
  let tr = 0;
  for (let i = 0; i < n; i++) tr += G[i * n + i];
  return 1e-6 * (tr / n) + 1e-12;
}

/** Δ = Yᵀ (G + λI)⁻¹ Y / n (Cholesky). */
export function gtkDelta(G: Float64Array, n: number, Y: ArrayLike<number>, ridge = defaultRidge(G, n)): number {
  const L = cholesky(G, n, ridge);
  const x = choleskySolve(L, n, Y);
  let s = 0;
  for (let i = 0; i < n; i++) s += Y[i] * x[i];
  return s / n;
}

export { symmetricEigenvalues };

/** Mean Fourier magnitude (frequencies 0..m/2) of the rows of a GTK on m points along a line. */
export function rowSpectrum(G: Float64Array, m: number): Float64Array {
  let acc: Float64Array | null = null;
  for (let j = 0; j < m; j++) {
    const mag = fftMagnitudes(G.subarray(j * m, (j + 1) * m));
    if (!acc) acc = new Float64Array(mag.length);
    for (let k = 0; k < mag.length; k++) acc[k] += mag[k] / m;
  }
  return acc ?? new Float64Array(0);
}

/** Share of spectral energy (Σ|F|²) above half the Nyquist frequency (the DC term excluded). */
export function spectralBreadth(spectrum: ArrayLike<number>): number {
  const K = spectrum.length - 1; // index K is Nyquist
  let total = 0, high = 0;
  for (let k = 1; k <= K; k++) {
    const e = spectrum[k] * spectrum[k];
    total += e;
    if (k > K / 2) high += e;
  }
  return total > 0 ? high / total : 0;
}

/** m points on the segment a → b (normalised box coordinates), endpoints included. */
export function linePoints(a: readonly number[], b: readonly number[], m: number): Float32Array {
  const p = new Float32Array(m * 3);
  for (let i = 0; i < m; i++) {
    const t = m > 1 ? i / (m - 1) : 0;
    for (let d = 0; d < 3; d++) p[i * 3 + d] = a[d] + t * (b[d] - a[d]);
  }
  return p;
}
