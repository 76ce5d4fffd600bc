/// <reference types="@webgpu/types" />
/**
 * A dense radiance field rendered and differentiated on the GPU, chaining the WGSL kernels exactly as
 * RadianceField does on the CPU: sampling with occupancy → support → density → alpha → colour features →
 * view encoding → decoder → sigmoid → composite, and back (composite → sigmoid → decoder layers → feature and
 * density scatters). Parameters are uploaded from the CPU field; gradients stay on the device until read.
 * Dense grids and one hidden decoder layer for now (the MulFA kernel's backward is not in WGSL yet).
 */
import type { RadianceField } from '../field/RadianceField';
import { GpuKernels, type CompositeBuffers, type SampleBuffers } from './GpuKernels';
import { adamMasked } from '../field/kernels';

export class GpuField {
  readonly Fd: GPUBuffer; readonly Fc: GPUBuffer; readonly dFd: GPUBuffer; readonly dFc: GPUBuffer;
  readonly W: GPUBuffer[]; readonly b: GPUBuffer[]; readonly dWb: GPUBuffer[];
  private readonly occ: GPUBuffer;
  private cap = 0;
  private nRays = 0;
  private S = 0;
  private bufs: { rays: GPUBuffer; sb: SampleBuffers; idx: GPUBuffer; w: GPUBuffer; raw: GPUBuffer; feats: GPUBuffer; X: GPUBuffer; H: GPUBuffer;
    Y: GPUBuffer; rgb: GPUBuffer; cb: CompositeBuffers; dY: GPUBuffer; dH: GPUBuffer; dX: GPUBuffer; dFeat: GPUBuffer } | null = null;
  readonly dims: number[];

  constructor(readonly gk: GpuKernels, readonly field: RadianceField) {
    if (field.density.kind !== 'dense' || field.color.kind !== 'dense') throw new Error('GpuField supports dense grids so far');
    const dec = field.decoder as unknown as { weights?: { data: Float32Array }[]; biases?: { data: Float32Array }[]; dims?: number[] };
    if (!dec.weights || !dec.biases || !dec.dims || dec.dims.length !== 3) throw new Error('GpuField needs a decoder with one hidden layer');
    this.dims = dec.dims;
    this.Fd = gk.buffer(field.density.features.data); this.Fc = gk.buffer(field.color.features.data);
    this.dFd = gk.buffer(field.density.features.data.byteLength); this.dFc = gk.buffer(field.color.features.data.byteLength);
    this.W = dec.weights.map((p) => gk.buffer(p.data)); this.b = dec.biases.map((p) => gk.buffer(p.data));
    this.dWb = [0, 1].map((l) => gk.buffer(this.dims[l + 1] * (this.dims[l] + 1) * 4));
    this.occ = gk.buffer(Int32Array.from(field.occupancy.cells));
  }

  private ensure(n: number): NonNullable<GpuField['bufs']> {
    const f = this.field, ext = Math.max(...[0, 1, 2].map((k) => f.aabb[1][k] - f.aabb[0][k]));
    const perRay = Math.ceil((Math.sqrt(3) * ext) / f.stepSize) + 1, cap = n * perRay;
    if (this.bufs && cap <= this.cap) return this.bufs;
    const gk = this.gk, C = f.color.channels, [D, Hd] = this.dims;
    this.cap = cap;
    this.bufs = { rays: gk.buffer(n * 24), sb: gk.sampleBuffers(n, cap), idx: gk.buffer(cap * 32), w: gk.buffer(cap * 32), raw: gk.buffer(cap * 4),
      feats: gk.buffer(cap * C * 4), X: gk.buffer(cap * D * 4), H: gk.buffer(cap * Hd * 4), Y: gk.buffer(cap * 12), rgb: gk.buffer(cap * 12),
      cb: gk.compositeBuffers(n, cap), dY: gk.buffer(cap * 12), dH: gk.buffer(cap * Hd * 4), dX: gk.buffer(cap * D * 4), dFeat: gk.buffer(cap * C * 4) };
    return this.bufs;
  }

  private options(bg: readonly number[]) {
    const f = this.field;
    return { shift: f.shift, interval: f.interval, thrW: f.config.colorWeightThreshold, thrT: f.config.terminationT, background: bg };
  }

  private bg: readonly number[] = [1, 1, 1];

  /** Renders n rays (origins, unit directions [n, 3]; jitter [n] fractions of a step); returns the sample count. */
  async render(n: number, origins: Float32Array, dirs: Float32Array, near: number, far: number, bg: readonly number[], jitter: Float32Array): Promise<number> {
    const gk = this.gk, f = this.field, b = this.ensure(n), C = f.color.channels, [D, Hd] = this.dims;
    const rays = new Float32Array(n * 6);
    for (let r = 0; r < n; r++) { rays.set(origins.subarray(r * 3, r * 3 + 3), r * 6); rays.set(dirs.subarray(r * 3, r * 3 + 3), r * 6 + 3); }
    gk.device.queue.writeBuffer(b.rays, 0, rays);
    gk.sample(n, b.rays, gk.buffer(jitter), this.occ, f.occupancy.res, f.aabb, near, far, f.stepSize, b.sb);
    const S = new Int32Array(await gk.read(b.sb.rayStart, (n + 1) * 4))[n];
    gk.trilinear(b.sb.pts, S, f.density.resolution, b.idx, b.w);
    gk.gather(this.Fd, 1, 8, b.idx, b.w, S, b.raw);
    gk.gather(this.Fc, C, 8, b.idx, b.w, S, b.feats);
    gk.encode(S, b.feats, C, b.rays, b.sb.rayT, f.config.viewFreqs, D, b.X);
    gk.dense(b.X, this.W[0], this.b[0], b.H, S, D, Hd, true);
    gk.dense(b.H, this.W[1], this.b[1], b.Y, S, Hd, 3, false);
    gk.sigmoid(S, b.Y, 3, b.rgb);
    gk.compositeForward(n, b.sb.rayStart, b.raw, b.rgb, b.cb, this.options(bg));
    this.nRays = n; this.S = S; this.bg = bg;
    return S;
  }

  /** Rendered colours of the last render [n, 3]. */
  async rgb(): Promise<Float32Array> {
    return new Float32Array(await this.gk.read(this.bufs!.cb.io, this.nRays * 12));
  }

  private adamState: { m: GPUBuffer[]; v: GPUBuffer[]; t: GPUBuffer[]; c1: GPUBuffer; c2: GPUBuffer; step: number; cap: number } | null = null;
  private decAdam: { m: Float32Array[]; v: Float32Array[]; t: Int32Array[]; c1: Float32Array; c2: Float32Array } | null = null;
  /** Adam's bias corrections by update count, shared by the device (grids) and CPU (decoder) updates. */
  private readonly tables = (() => {
    const cap = 1 << 16, c1 = new Float32Array(cap), c2 = new Float32Array(cap);
    for (let t = 1; t < cap; t++) { c1[t] = 1 / (1 - 0.9 ** t); c2[t] = 1 / (1 - 0.99 ** t); }
    return { c1, c2 };
  })();

  /**
   * One Adam step (masked, as core/optim/Adam.ts): grids on the device with `lrGrid`, the small decoder on
   * the CPU with `lrDecoder` (its gradients read back, its weights uploaded again). Gradients are cleared.
   */
  async adam(lrGrid: number, lrDecoder: number): Promise<void> {
    const gk = this.gk, f = this.field, b1 = 0.9, b2 = 0.99, eps = 1e-8;
    if (!this.adamState) {
      const cap = this.tables.c1.length;
      const sizes = [f.density.features.data.length, f.color.features.data.length];
      this.adamState = { m: sizes.map((n) => gk.buffer(n * 4)), v: sizes.map((n) => gk.buffer(n * 4)), t: sizes.map((n) => gk.buffer(n * 4)),
        c1: gk.buffer(this.tables.c1), c2: gk.buffer(this.tables.c2), step: 0, cap };
    }
    const A = this.adamState;
    [[this.Fd, this.dFd], [this.Fc, this.dFc]].forEach(([x, g], j) => gk.adam(j === 0 ? f.density.features.data.length : f.color.features.data.length,
      x, g, A.m[j], A.v[j], A.t[j], A.c1, A.c2, lrGrid, b1, b2, eps));
    // decoder on the CPU
    const dec = f.decoder as unknown as { weights: { data: Float32Array }[]; biases: { data: Float32Array }[] };
    const params = [...dec.weights, ...dec.biases];
    this.decAdam ??= { m: params.map((p) => new Float32Array(p.data.length)), v: params.map((p) => new Float32Array(p.data.length)),
      t: params.map((p) => new Int32Array(p.data.length)), c1: this.tables.c1, c2: this.tables.c2 };
    const D = this.decAdam;
    for (let l = 0; l < 2; l++) {
      const inD = this.dims[l], outD = this.dims[l + 1], g = new Float32Array(await gk.read(this.dWb[l]));
      gk.clear(this.dWb[l]);
      const gW = Float32Array.from({ length: outD * inD }, (_, j) => g[Math.floor(j / inD) * (inD + 1) + (j % inD)]);
      const gb = Float32Array.from({ length: outD }, (_, o) => g[o * (inD + 1) + inD]);
      for (const [k, grad] of [[l, gW], [2 + l, gb]] as const) adamMasked(params[k].data, grad, D.m[k], D.v[k], D.t[k], lrDecoder, b1, b2, eps, D.c1, D.c2);
      gk.device.queue.writeBuffer(this.W[l], 0, Float32Array.from(dec.weights[l].data));
      gk.device.queue.writeBuffer(this.b[l], 0, Float32Array.from(dec.biases[l].data));
    }
    A.step++;
  }

  /** Occupancy from the device's density grid (every few steps, as the trainer does). */
  refreshOccupancy(): void {
    const f = this.field;
    this.gk.refreshOccupancy(this.Fd, f.density.resolution, f.occupancy.res, f.occupancyRawThreshold, this.occ, this.gk.buffer(4));
  }

  /** Gradients of the last render for dL/dC [n, 3], accumulated into dFd, dFc, dWb. */
  backward(dRgb: Float32Array): void {
    const gk = this.gk, b = this.bufs!, f = this.field, n = this.nRays, S = this.S, C = f.color.channels, [D, Hd] = this.dims;
    gk.device.queue.writeBuffer(b.cb.io, 0, Float32Array.from(dRgb.subarray(0, n * 3)));
    gk.clear(b.cb.dSampleRgb);
    gk.compositeBackward(n, b.raw, b.rgb, b.cb, this.options(this.bg));
    gk.sigmoidBackward(S, b.cb.dSampleRgb, b.rgb, 3, b.dY);
    gk.denseBackward(b.H, this.W[1], b.dY, b.dH, this.dWb[1], S, Hd, 3, true);
    gk.denseBackward(b.X, this.W[0], b.dH, b.dX, this.dWb[0], S, D, Hd, false);
    gk.splitFeatures(S, b.dX, C, D, b.dFeat);
    gk.scatter(this.dFc, C, 8, b.idx, b.w, S, b.dFeat);
    gk.scatter(this.dFd, 1, 8, b.idx, b.w, S, b.cb.dRaw);
  }
}
