/**
 * The hot loops of the radiance field behind one interface: grid supports, gather/scatter, the learned
 * kernel's backward pass, the decoder and Adam. JS_OPS is the TypedArray reference (core/field);
 * WasmOps (core/wasm) runs the same math as fused WebAssembly SIMD kernels on several threads and
 * is tested against this reference. The field and trainer do not know which one they have.
 */
import { type GridModel, type Support, gatherForward, gatherBackward } from './GridModel';
import type { DecoderFactory } from './Decoder';
import { Decoder } from './Decoder';
import { type Allocator, JS_ALLOCATOR } from '../wasm/Arena';

export interface FieldOps {
  readonly name: string;
  /** Where the field's grids and batch buffers live (kernels may need them in their memory). */
  readonly alloc: Allocator;
  readonly threads: number;
  support(grid: GridModel, pts: Float32Array, n: number, s: Support): void;
  kernelBackward(grid: GridModel, dW: Float32Array, n: number): void;
  gatherForward(F: Float32Array, C: number, K: number, s: Support, n: number, out: Float32Array): void;
  gatherBackward(F: Float32Array, dF: Float32Array, C: number, K: number, s: Support, n: number, dOut: Float32Array,
    dW: Float32Array | null): void;
  /** Masked Adam on one array (see core/optim/Adam.ts); c1/c2 the bias-correction tables by update count. */
  adam(x: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, t: Int32Array, lr: number, b1: number, b2: number,
    eps: number, c1: Float32Array, c2: Float32Array): void;
  /**
   * The same masked Adam on a [rows, C] table, reading only the rows whose `touched` byte is set (a superset of
   * the rows with a nonzero gradient), and clearing those bytes.
   */
  adamRows(x: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, t: Int32Array, touched: Uint8Array, lr: number, b1: number,
    b2: number, eps: number, c1: Float32Array, c2: Float32Array): void;
  /** touched[idx[i]] = 1 for i < n: the rows a support's gather/scatter reaches. */
  markRows(idx: Int32Array, n: number, touched: Uint8Array): void;
  readonly makeDecoder: DecoderFactory;
}

export function adamRows(x: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, t: Int32Array, touched: Uint8Array, lr: number,
  b1: number, b2: number, eps: number, c1: Float32Array, c2: Float32Array, r0 = 0, r1 = touched.length): void {
  const C = x.length / touched.length;
  for (let r = r0; r < r1; r++) {
    if (!touched[r]) continue;
    touched[r] = 0;
    adamMasked(x, g, m, v, t, lr, b1, b2, eps, c1, c2, r * C, r * C + C);
  }
}

export function markRows(idx: Int32Array, n: number, touched: Uint8Array): void {
  for (let i = 0; i < n; i++) touched[idx[i]] = 1;
}

export function adamMasked(x: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, t: Int32Array, lr: number,
  b1: number, b2: number, eps: number, c1: Float32Array, c2: Float32Array, i0 = 0, i1 = x.length): void {
  for (let i = i0; i < i1; i++) {
    const gi = g[i];
    if (gi === 0) continue;
    const ti = ++t[i];
    const mi = (m[i] = b1 * m[i] + (1 - b1) * gi);
    const vi = (v[i] = b2 * v[i] + (1 - b2) * gi * gi);
    const mh = mi * c1[ti], vh = vi * c2[ti];
    x[i] -= (lr * mh) / (Math.sqrt(vh) + eps);
    g[i] = 0;
  }
}

export const JS_OPS: FieldOps = {
  name: 'js',
  alloc: JS_ALLOCATOR,
  threads: 1,
  support: (grid, pts, n, s) => grid.computeSupport(pts, n, s),
  kernelBackward: (grid, dW, n) => grid.kernelBackward(dW, n),
  gatherForward,
  gatherBackward,
  adam: adamMasked,
  adamRows,
  markRows,
  makeDecoder: (c, r) => new Decoder(c, r),
};
