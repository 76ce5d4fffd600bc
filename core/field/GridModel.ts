/**
 * Grid models share one shape (MULFAGRID.md §1): an index function U(x) giving K feature rows, and a
 * kernel function giving their weights, so g(x) = Σ_k w_k(x) · F[idx_k(x)] with F a [rows, C] table.
 * Every model here is linear in its features F; MulFAGrid's weights also depend on learned kernel
 * parameters. The gather (forward) and scatter (backward) are therefore shared by all models; each model
 * only says how to compute its support (idx, w) and, when its kernel learns, how to push dL/dw back.
 * Points are given in normalised box coordinates p ∈ [0, 1]³ (outside values are clamped).
 */

/** A learnable array with its gradient (same length), optimised by Adam with its own learning rate. */
export interface Param {
  name: string;
  data: Float32Array;
  grad: Float32Array;
  /** Multiplies the optimiser's base learning rate of the group this parameter belongs to. */
  lrScale: number;
  /**
   * For a feature table [rows, C]: a byte per row, set by the backward for every row a support reaches (a superset
   * of the rows with a nonzero gradient), so Adam reads only those (FieldOps.adamRows) and clears them. Whatever
   * else writes this gradient must mark its rows too (density TV writes only where the gradient is nonzero).
   */
  touched?: Uint8Array;
}

export function makeParam(name: string, data: Float32Array, lrScale = 1): Param {
  return { name, data, grad: new Float32Array(data.length), lrScale };
}

export type GridKind = 'dense' | 'mulfagrid' | 'fouriergrid' | 'hash';

/** Per-batch support of a grid model: for n points, K (row, weight) pairs each. */
export interface Support {
  /** Maximum points this buffer holds. */
  capacity: number;
  /** Rows of the feature table: [capacity · K]. */
  idx: Int32Array;
  /** Kernel weights: [capacity · K]. */
  w: Float32Array;
}

export interface GridModel {
  readonly kind: GridKind;
  /** Output channels C. */
  readonly channels: number;
  /** Support size K (entries of U(x) per point). */
  readonly K: number;
  /** Rows of the feature table. */
  readonly rows: number;
  /** The feature table F: [rows · C] (with its gradient). */
  readonly features: Param;
  /** Learnable kernel parameters (empty for fixed kernels). */
  readonly kernelParams: Param[];
  /** Resolution along each axis (finest level for hash). */
  readonly resolution: number;
  /** Fills support.idx/w for points pts [n · 3]; keeps what kernelBackward needs. */
  computeSupport(pts: Float32Array, n: number, support: Support): void;
  /** Accumulates kernel-parameter gradients from dL/dw [n · K] of the last computeSupport (no-op for fixed kernels). */
  kernelBackward(dW: Float32Array, n: number): void;
  /** A new model of the same kind at another resolution with features resampled (progressive upsampling). */
  resized?(resolution: number): GridModel;
}

export function makeSupport(model: { K: number }, capacity: number): Support {
  return { capacity, idx: new Int32Array(capacity * model.K), w: new Float32Array(capacity * model.K) };
}

/** out[n · C] = Σ_k w_k F[idx_k]. */
export function gatherForward(F: Float32Array, C: number, K: number, s: Support, n: number, out: Float32Array): void {
  const { idx, w } = s;
  out.fill(0, 0, n * C);
  for (let i = 0; i < n; i++) {
    const o = i * C;
    for (let k = i * K, kEnd = k + K; k < kEnd; k++) {
      const wk = w[k];
      if (wk === 0) continue;
      const r = idx[k] * C;
      for (let c = 0; c < C; c++) out[o + c] += wk * F[r + c];
    }
  }
}

/** dF[idx_k] += w_k · dOut; and, when dW is given, dW_k = ⟨dOut, F[idx_k]⟩ (for learned kernels). */
export function gatherBackward(F: Float32Array, dF: Float32Array, C: number, K: number, s: Support, n: number,
  dOut: Float32Array, dW: Float32Array | null): void {
  const { idx, w } = s;
  for (let i = 0; i < n; i++) {
    const o = i * C;
    for (let k = i * K, kEnd = k + K; k < kEnd; k++) {
      const wk = w[k], r = idx[k] * C;
      let dot = 0;
      for (let c = 0; c < C; c++) {
        const g = dOut[o + c];
        dF[r + c] += wk * g;
        dot += g * F[r + c];
      }
      if (dW) dW[k] += dot;
    }
  }
}

/**
 * Trilinear cell lookup of p ∈ [0, 1] on an axis with R vertices: the lower vertex index and the fraction.
 * Writes into out[0], out[1] (no allocation).
 */
export function cellOf(p: number, R: number, out: Float64Array, o: number): void {
  let u = (p < 0 ? 0 : p > 1 ? 1 : p) * (R - 1);
  let i = Math.floor(u);
  if (i > R - 2) i = R - 2;
  u -= i;
  out[o] = i;
  out[o + 1] = u;
}

/** Dense-grid row of vertex (x, y, z) in an R³ grid, x fastest. */
export function vertexRow(x: number, y: number, z: number, R: number): number {
  return (z * R + y) * R + x;
}

/** Trilinear support: 8 corners of the cell of p, x fastest (corner bit 0 = x, 1 = y, 2 = z). */
export function trilinearSupport(px: number, py: number, pz: number, R: number, base: number, idx: Int32Array, w: Float32Array,
  o: number, scale: number, cell: Float64Array): void {
  cellOf(px, R, cell, 0); cellOf(py, R, cell, 2); cellOf(pz, R, cell, 4);
  const x0 = cell[0], fx = cell[1], y0 = cell[2], fy = cell[3], z0 = cell[4], fz = cell[5];
  const r0 = base + vertexRow(x0, y0, z0, R);
  const RR = R * R;
  idx[o] = r0;           w[o] = (1 - fx) * (1 - fy) * (1 - fz) * scale;
  idx[o + 1] = r0 + 1;   w[o + 1] = fx * (1 - fy) * (1 - fz) * scale;
  idx[o + 2] = r0 + R;   w[o + 2] = (1 - fx) * fy * (1 - fz) * scale;
  idx[o + 3] = r0 + R + 1; w[o + 3] = fx * fy * (1 - fz) * scale;
  idx[o + 4] = r0 + RR;  w[o + 4] = (1 - fx) * (1 - fy) * fz * scale;
  idx[o + 5] = r0 + RR + 1; w[o + 5] = fx * (1 - fy) * fz * scale;
  idx[o + 6] = r0 + RR + R; w[o + 6] = (1 - fx) * fy * fz * scale;
  idx[o + 7] = r0 + RR + R + 1; w[o + 7] = fx * fy * fz * scale;
}

/** Trilinear resampling of a dense [R³, C] table to [R2³, C] (progressive upsampling). */
export function resampleDense(F: Float32Array, R: number, C: number, R2: number): Float32Array {
  const out = new Float32Array(R2 * R2 * R2 * C);
  const cell = new Float64Array(6), idx = new Int32Array(8), w = new Float32Array(8);
  for (let z = 0; z < R2; z++) for (let y = 0; y < R2; y++) for (let x = 0; x < R2; x++) {
    trilinearSupport(x / (R2 - 1), y / (R2 - 1), z / (R2 - 1), R, 0, idx, w, 0, 1, cell);
    const o = vertexRow(x, y, z, R2) * C;
    for (let k = 0; k < 8; k++) for (let c = 0; c < C; c++) out[o + c] += w[k] * F[idx[k] * C + c];
  }
  return out;
}
