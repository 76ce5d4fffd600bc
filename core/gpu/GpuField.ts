/// <reference types="@webgpu/types" />
/**
 * A radiance field rendered and differentiated on the GPU: RadianceField's render and backward (renderPlan,
 * backwardWith — the order of the passes, once) on passes that record WGSL programs: sampling with occupancy,
 * supports (dense, FourierGrid, MulFAGrid, hash), density, alpha with early termination, colour features, view
 * encoding, decoder, sigmoid, compositing, and back to the feature scatters and the MulFA kernels' backward. As on
 * the CPU, only the samples whose weight earns colour are decoded: the alpha pass counts and places them on the
 * device, and the colour passes run over that device count (GpuPrograms' DeviceCount: dispatched for the sample
 * count, rows past the colour count exit), so nothing more is read back. Grids, the decoder, the MulFA
 * kernels and the per-photo exposure affines live on the device with their Adam moments (adamGrids, adamDecoder,
 * adamKernels — which also rebuilds the kernels' packed parameters and filter tables —, adamExposure); copyToCpu()
 * brings values and moments back for renders and snapshots.
 */
import type { RadianceField, RenderPasses, BackwardPasses } from '../field/RadianceField';
import { type Adam, ADAM, adamBiasCorrections } from '../optim/Adam';
import { MulFAGrid, type MulFAKernel } from '../field/MulFAGrid';
import { HashGrid } from '../field/HashGrid';
import { FourierGrid } from '../field/FourierGrid';
import type { TfDecoderState } from './TfRuntime';
import { GpuPrograms, mulfaGradLayout, addMulFAGrads, type CompositeBuffers, type SampleBuffers, type MulFADeviceMaps, type DeviceCount, type Rows } from './GpuPrograms';
import { runAsync } from '../train/plan';
import type { Param } from '../field/GridModel';
import { EXPOSURE_PER_VIEW } from '../train/exposure';

/**
 * A MulFA kernel on the device: packed parameters and filter tables (what support and backward read), the
 * backward's gradient output, and for its update (adamKernels) the flat parameters with their Adam moments
 * and the maps between the layouts (GpuPrograms.mulfaDeviceMaps); `js`: its Params' indices in the network optimiser.
 */
interface DeviceKernel {
  k: MulFAKernel; params: GPUBuffer; tables: GPUBuffer; grads: GPUBuffer; total: number;
  maps: MulFADeviceMaps & { buffers: { csr: GPUBuffer; packSrc: GPUBuffer } };
  x: GPUBuffer; m: GPUBuffer; v: GPUBuffer; t: GPUBuffer; js: number[];
}

/** The arrays concatenated. */
function concat<T extends Float32Array | Int32Array>(parts: T[], make: (n: number) => T): T {
  const out = make(parts.reduce((a, p) => a + p.length, 0));
  parts.reduce((o, p) => (out.set(p, o), o + p.length), 0);
  return out;
}

/** Bias-correction tables of Adam by update count (entries past the end use the last, 1 to f32 precision). */
const ADAM_TABLE = 1 << 16;
let adamTables: { c1: Float32Array; c2: Float32Array } | null = null;
function adamCorrections(): { c1: Float32Array; c2: Float32Array } {
  if (!adamTables) {
    adamTables = adamBiasCorrections(ADAM_TABLE);
  }
  return adamTables;
}

/** W [out, in] and b [out] as one [out, in + 1] array (the bias last in each row). */
function packLayer<T extends Float32Array | Int32Array>(W: T, b: T, inD: number, outD: number, make: (n: number) => T): T {
  const p = make(outD * (inD + 1));
  for (let o = 0; o < outD; o++) { p.set(W.subarray(o * inD, (o + 1) * inD), o * (inD + 1)); p[o * (inD + 1) + inD] = b[o]; }
  return p;
}

function unpackLayer<T extends Float32Array | Int32Array>(p: T, W: T, b: T, inD: number, outD: number): void {
  for (let o = 0; o < outD; o++) { W.set(p.subarray(o * (inD + 1), o * (inD + 1) + inD), o * inD); b[o] = p[o * (inD + 1) + inD]; }
}

/** What a step's loss read brings back: the loss, and the counts of its render (samples: before any budget cut; the rays a budget cut). */
export interface LossReport { loss: number; colorSamples: number; samples: number; droppedRays: number }

export class GpuField {
  readonly densityFeatures: GPUBuffer; readonly colorFeatures: GPUBuffer; readonly densityGrad: GPUBuffer; readonly colorGrad: GPUBuffer;
  /** Decoder layers: weights, biases, and their gradients packed per layer ([out, in + 1]). */
  readonly W: GPUBuffer[]; readonly b: GPUBuffer[]; readonly layerGrads: GPUBuffer[];
  readonly dims: number[];
  /** Support size per point (8, or 8 per level for hash grids). */
  readonly K: number;
  private readonly occ: GPUBuffer;
  private readonly occCount: GPUBuffer;
  /** Per-photo exposure affines on the device (values, gradient, Adam moments; `j`: their index in the network optimiser). */
  private readonly exp: { p: Param; V: number; j: number; x: GPUBuffer; g: GPUBuffer; m: GPUBuffer; v: GPUBuffer; t: GPUBuffer } | null = null;
  /** MulFA kernels on the device: [density's (shared)] or [density's, colour's]. */
  private readonly deviceKernels: DeviceKernel[] = [];
  private readonly levelRes: GPUBuffer | null = null;
  private readonly adamState: { m: GPUBuffer[]; v: GPUBuffer[]; t: GPUBuffer[]; c1: GPUBuffer; c2: GPUBuffer };
  /** The decoder layers' Adam moments and counts, packed [out, in + 1] like their gradients. */
  private readonly netAdam: { m: GPUBuffer[]; v: GPUBuffer[]; t: GPUBuffer[] };
  /** Device buffers by lifetime: the field's, per-ray (batch size) and per-sample (sample count). */
  private readonly owned: GPUBuffer[] = [];
  private rayOwned: GPUBuffer[] = [];
  private sampleOwned: GPUBuffer[] = [];
  private rayCap = 0;
  private sampleCap = 0;
  private nRays = 0;
  /** The last render's sample count, or with a sample budget its bound (the budget; the count stays on the device: `ns`). */
  private S = 0;
  private ns: Rows = 0;
  /** The rays of the last render that kept their samples (n, or on the device under a budget). */
  private kept: Rows = 0;
  private budgeted = false;
  /** The last render's coloured-sample count, on the device (its bound: S). */
  private nc: DeviceCount | null = null;
  /** The last forward's hidden activations when TF.js runs the decoder (GpuPrograms.tf), for its backward. */
  private tfState: TfDecoderState | null = null;
  private bg: readonly number[] = [1, 1, 1];
  /** Whether the last render's rays were mapped into the grid's space (the world rays then sit in rayBufs.view). */
  private mapped = false;
  private rayBufs: { rays: GPUBuffer; view: GPUBuffer; jitter: GPUBuffer; target: GPUBuffer; partial: GPUBuffer; rayView: GPUBuffer; egrad: GPUBuffer;
    sb: SampleBuffers; host: { packed: Float32Array } } | null = null;
  /**
   * Per sample: supports, density, features, the decoder's input rows x0 [S, dims[0]] and output y [S, dims[L]] (before the
   * sigmoid) and their gradients dX0, dY; the hidden layers' activations and gradients are made when the WGSL layers first
   * run (`hidden`; TF.js keeps its own).
   */
  private sampleBufs: { idx: GPUBuffer; w: GPUBuffer; cIdx: GPUBuffer; cW: GPUBuffer; raw: GPUBuffer; feats: GPUBuffer; x0: GPUBuffer; y: GPUBuffer; dX0: GPUBuffer; dY: GPUBuffer;
    hidden: { acts: GPUBuffer[]; dActs: GPUBuffer[] } | null;
    rgb: GPUBuffer; cb: CompositeBuffers; dFeat: GPUBuffer; dWd: GPUBuffer; dWc: GPUBuffer } | null = null;

  /**
   * Uploads the field's parameters, and the optimisers' moments when given: the grid optimiser's over
   * [density, colour] features, the network optimiser's over [decoder weights…, biases…, kernels…].
   */
  constructor(readonly gk: GpuPrograms, readonly field: RadianceField, gridOpt?: Adam, netOpt?: Adam, exposure?: Param | null) {
    const d = field.density, c = field.color;
    const dec = field.decoder as unknown as { weights?: { data: Float32Array }[]; biases?: { data: Float32Array }[]; dims?: number[] };
    if (!dec.weights || !dec.biases || !dec.dims || dec.dims.length < 2) throw new Error('the WebGPU backend needs the TypedArray/WebAssembly decoder (weights, biases, dims)');
    if (gridOpt && (gridOpt.params[0]?.p !== d.features || gridOpt.params[1]?.p !== c.features)) throw new Error('GpuField: the grid optimiser is not over [density, colour] features');
    this.dims = dec.dims;
    this.K = d.K;
    const buf = (x: Float32Array | Int32Array | number) => GpuField.keep(this.owned, gk.buffer(x));
    this.densityFeatures = buf(d.features.data); this.colorFeatures = buf(c.features.data);
    this.densityGrad = buf(d.features.data.byteLength); this.colorGrad = buf(c.features.data.byteLength);
    this.W = dec.weights.map((p) => buf(p.data)); this.b = dec.biases.map((p) => buf(p.data));
    this.layerGrads = this.W.map((_, l) => buf(this.dims[l + 1] * (this.dims[l] + 1) * 4));
    const L = this.W.length;
    if (netOpt && (netOpt.params[0]?.p !== dec.weights[0] || netOpt.params[L]?.p !== dec.biases[0])) throw new Error('GpuField: the network optimiser does not start with the decoder');
    const packed = (l: number, pick: (j: number) => Float32Array | Int32Array, make: (n: number) => Float32Array | Int32Array) =>
      buf(netOpt ? packLayer(pick(l), pick(L + l), this.dims[l], this.dims[l + 1], make) : this.dims[l + 1] * (this.dims[l] + 1) * 4);
    this.netAdam = {
      m: this.W.map((_, l) => packed(l, (j) => netOpt!.m[j], (n) => new Float32Array(n))),
      v: this.W.map((_, l) => packed(l, (j) => netOpt!.v[j], (n) => new Float32Array(n))),
      t: this.W.map((_, l) => packed(l, (j) => netOpt!.t[j], (n) => new Int32Array(n))),
    };
    this.occ = buf(Int32Array.from(field.occupancy.cells));
    this.occCount = buf(4);
    if (d instanceof MulFAGrid && c instanceof MulFAGrid) {
      for (const k of field.kernels) {
        const p = GpuPrograms.packMulFAData(k, d.resolution), total = mulfaGradLayout(k).total, maps = GpuPrograms.mulfaDeviceMaps(k);
        const js = k.params.map((q) => (netOpt ? netOpt.params.findIndex((e) => e.p === q) : -1)), have = js.every((j) => j >= 0);
        const u32 = (a: Uint32Array) => buf(new Int32Array(a.buffer, a.byteOffset, a.length));
        const moments = (pick: (j: number) => Float32Array | Int32Array, make: (n: number) => Float32Array | Int32Array) =>
          buf(have ? concat(js.map(pick), make) : maps.n * 4);
        this.deviceKernels.push({ k, params: buf(p.params), tables: buf(p.tables), grads: buf(total * 4), total, js: have ? js : [],
          maps: { ...maps, buffers: { csr: u32(maps.csr), packSrc: u32(maps.packSrc) } },
          x: buf(concat(k.params.map((q) => q.data), (n) => new Float32Array(n))),
          m: moments((j) => netOpt!.m[j], (n) => new Float32Array(n)), v: moments((j) => netOpt!.v[j], (n) => new Float32Array(n)),
          t: moments((j) => netOpt!.t[j], (n) => new Int32Array(n)) });
      }
    }
    if (d instanceof HashGrid) this.levelRes = buf(Int32Array.from(d.levelRes));
    if (exposure) {
      const j = netOpt ? netOpt.params.findIndex((e) => e.p === exposure) : -1, bytes = exposure.data.byteLength;
      this.exp = { p: exposure, V: exposure.data.length / EXPOSURE_PER_VIEW, j, x: buf(exposure.data), g: buf(bytes),
        m: buf(j >= 0 ? netOpt!.m[j] : bytes), v: buf(j >= 0 ? netOpt!.v[j] : bytes), t: buf(j >= 0 ? netOpt!.t[j] : bytes) };
    }
    const sizes = [d.features.data.length, c.features.data.length], { c1, c2 } = adamCorrections();
    this.adamState = {
      m: sizes.map((n, j) => buf(gridOpt ? gridOpt.m[j] : n * 4)), v: sizes.map((n, j) => buf(gridOpt ? gridOpt.v[j] : n * 4)),
      t: sizes.map((n, j) => buf(gridOpt ? gridOpt.t[j] : n * 4)), c1: buf(c1), c2: buf(c2),
    };
  }

  private static keep<T extends GPUBuffer>(list: GPUBuffer[], b: T): T {
    list.push(b);
    return b;
  }

  private static release(list: GPUBuffer[]): void {
    for (const b of list) b.destroy();
    list.length = 0;
  }

  /** Frees every device buffer of this field. */
  dispose(): void {
    if (this.tfState) this.gk.tf?.release(this.tfState);
    this.tfState = null;
    for (const list of [this.owned, this.rayOwned, this.sampleOwned]) GpuField.release(list);
    this.rayBufs = null;
    this.sampleBufs = null;
  }

  /** Buffers per ray (n rays, worst-case sample count for sampling); growing them drops the per-sample ones. */
  private ensureRays(n: number): NonNullable<GpuField['rayBufs']> {
    if (this.rayBufs && n <= this.rayCap) return this.rayBufs;
    const f = this.field, gk = this.gk, ext = Math.max(...f.boxExtent);
    // a box: at most its diagonal in steps; contracted rays (unbounded) may cross the shell in, the foreground and
    // the shell out again, each grid step about one step long: twice that bound
    const perRay = Math.ceil(((f.space.fg ? 2 : 1) * Math.sqrt(3) * ext) / f.stepSize) + 1;
    GpuField.release(this.rayOwned);
    GpuField.release(this.sampleOwned); // the composite buffers are sized by the ray count too
    this.sampleBufs = null;
    this.rayCap = n;
    const sb = gk.sampleBuffers(n, n * perRay);
    Object.values(sb).forEach((b) => GpuField.keep(this.rayOwned, b));
    const rb = (bytes: number) => GpuField.keep(this.rayOwned, gk.buffer(bytes));
    // partial: the loss's sums per 64 rays, then the colour count, the sample count and the rays kept (read back
    // together, a step late)
    this.rayBufs = { rays: rb(n * 24), view: rb(n * 24), jitter: rb(n * 4), target: rb(n * 12), partial: rb(Math.ceil(n / 64) * 4 + 12), rayView: rb(n * 4),
      egrad: rb(n * 48), sb,
      // host-side staging for the rays' uploads, made once per capacity (no allocation per render)
      host: { packed: new Float32Array(n * 6) } };
    return this.rayBufs;
  }

  /** Buffers per sample, grown (25 % headroom) to the sample count of the batch. */
  private ensureSamples(S: number): NonNullable<GpuField['sampleBufs']> {
    if (this.sampleBufs && S <= this.sampleCap) return this.sampleBufs;
    GpuField.release(this.sampleOwned);
    const gk = this.gk, buf = (bytes: number) => GpuField.keep(this.sampleOwned, gk.buffer(bytes));
    const cap = Math.max(1024, Math.ceil(S * 1.25)), C = this.field.color.channels, K = this.K;
    const sepColor = this.deviceKernels.length > 1;
    const idx = buf(cap * K * 4), w = buf(cap * K * 4);
    const cb = gk.compositeBuffers(this.rayCap, cap);
    Object.values(cb).forEach((b) => GpuField.keep(this.sampleOwned, b));
    this.sampleCap = cap;
    this.sampleBufs = { idx, w, cIdx: sepColor ? buf(cap * 32) : idx, cW: sepColor ? buf(cap * 32) : w, raw: buf(cap * 4), feats: buf(cap * C * 4),
      x0: buf(cap * this.dims[0] * 4), dX0: buf(cap * this.dims[0] * 4), y: buf(cap * this.dims[this.dims.length - 1] * 4),
      dY: buf(cap * this.dims[this.dims.length - 1] * 4), hidden: null, rgb: buf(cap * 12), cb,
      dFeat: buf(cap * C * 4), dWd: buf(this.deviceKernels.length ? cap * 32 : 16), dWc: buf(sepColor ? cap * 32 : 16) };
    return this.sampleBufs;
  }

  /**
   * Every layer's activations and gradients for the WGSL layers ([x0, hidden…, y], [dX0, hidden…, dY]); the hidden
   * layers' buffers are made the first time they run on these sample buffers.
   */
  private layerBufs(b: NonNullable<GpuField['sampleBufs']>): { acts: GPUBuffer[]; dActs: GPUBuffer[] } {
    const make = () => this.dims.slice(1, -1).map((d) => GpuField.keep(this.sampleOwned, this.gk.buffer(this.sampleCap * d * 4)));
    const h = (b.hidden ??= { acts: make(), dActs: make() });
    return { acts: [b.x0, ...h.acts, b.y], dActs: [b.dX0, ...h.dActs, b.dY] };
  }

  private options(bg: readonly number[]) {
    const f = this.field;
    return { shift: f.shift, interval: f.interval, thrW: f.config.colorWeightThreshold, thrT: f.config.terminationT, background: bg };
  }

  /**
   * Renders n rays (origins, unit directions [n, 3]; jitter [n] fractions of a step) with RadianceField.renderPlan
   * on the device's passes; returns the sample count. `target` [n, 3] (training) goes up with the rays for loss(),
   * `rayView` [n] (the training view of each ray) for the exposure affines.
   *
   * Without a `budget` the sample count is read back (one submit and wait) to size the per-sample buffers. With
   * one, nothing is read: the per-sample buffers hold `budget` samples, the rays whose samples fit whole keep them
   * and the rest get none and leave the loss (shaders/sampling.wgsl's scan); every per-sample dispatch runs over
   * the device's count. Returns the budget then; loss() reports the count and the rays kept, a step late.
   */
  async render(n: number, origins: Float32Array, dirs: Float32Array, near: number, far: number, bg: readonly number[], jitter: Float32Array,
    target?: Float32Array, rayView?: Int32Array, budget?: number): Promise<number> {
    const c = this.call;
    c.jitter = jitter; c.target = target; c.rayView = rayView; c.budget = budget !== undefined ? Math.max(1, Math.ceil(budget)) : 0;
    this.bg = bg;
    return runAsync(this.field.renderPlan(this.renderPasses, n, origins, dirs, near, far));
  }

  /** The render's inputs that only the device's passes use. */
  private readonly call: { jitter: Float32Array; target?: Float32Array; rayView?: Int32Array; budget: number } = { jitter: new Float32Array(0), budget: 0 };

  /** The device's passes of a render (RadianceField.renderPlan); the colour passes run over the device's colour count (`nc`'s bound is S). */
  private readonly renderPasses: RenderPasses = {
    sample: async (n, origins, dirs, mapped, near, far) => {
      const gk = this.gk, f = this.field, r = this.ensureRays(n), { jitter, target, rayView, budget } = this.call;
      const pack = (o: Float32Array, d: Float32Array) => {
        const rays = r.host.packed;
        for (let i = 0; i < n; i++) { rays.set(o.subarray(i * 3, i * 3 + 3), i * 6); rays.set(d.subarray(i * 3, i * 3 + 3), i * 6 + 3); }
        return rays.subarray(0, n * 6);
      };
      // rays in the grid's space for sampling; the decoder sees the world directions (r.view)
      gk.write(r.rays, mapped ? pack(mapped.origins, mapped.dirs) : pack(origins, dirs));
      if (mapped) gk.write(r.view, pack(origins, dirs));
      gk.write(r.jitter, jitter.subarray(0, n));
      if (target) gk.write(r.target, target.subarray(0, n * 3));
      if (rayView) gk.write(r.rayView, rayView.subarray(0, n));
      this.mapped = !!mapped;
      this.nRays = n;
      this.budgeted = budget > 0;
      if (budget > 0) { // sized from the budget: nothing read back, per-sample dispatches over the device's count
        this.ensureSamples(budget);
        gk.sample(n, r.rays, r.jitter, this.occ, f.occupancy.res, f.aabb, near, far, f.stepSize, r.sb, !!f.space.fg, budget);
        this.S = budget; this.ns = gk.sampledCount(r.sb, n, budget); this.kept = gk.keptRays(r.sb, n);
        return budget;
      }
      gk.sample(n, r.rays, r.jitter, this.occ, f.occupancy.res, f.aabb, near, far, f.stepSize, r.sb, !!f.space.fg);
      const S = new Int32Array(await gk.read(r.sb.rayStart, 4, n * 4))[0]; // rayStart[n]: the sample count
      this.ensureSamples(S);
      this.S = this.ns = S; this.kept = n;
      return S;
    },
    densitySupport: () => {
      const gk = this.gk, f = this.field, b = this.sampleBufs!, pts = this.rayBufs!.sb.pts, R = f.density.resolution, dk = this.deviceKernels, S = this.ns;
      if (dk.length) gk.mulfaSupport(dk[0], dk[0].k, pts, S, R, b.idx, b.w);
      else if (this.levelRes) gk.hashSupport(f.density as HashGrid, pts, S, b.idx, b.w, this.levelRes);
      else gk.trilinear(pts, S, R, b.idx, b.w, 0, f.density instanceof FourierGrid ? f.density.levels : 0);
    },
    density: () => {
      const b = this.sampleBufs!;
      this.gk.gather(this.densityFeatures, 1, this.K, b.idx, b.w, this.ns, b.raw);
    },
    alpha: (n) => {
      const cb = this.sampleBufs!.cb;
      this.gk.alphaPass(n, this.rayBufs!.sb.rayStart, this.sampleBufs!.raw, cb, this.options(this.bg));
      this.nc = this.gk.colorCount(cb, n, this.S);
      return this.S; // the bound: the count itself stays on the device
    },
    // the colour support at every sample, its rows picked through cb.colorSample by the colour passes: with one kernel
    // (or none) the density's support buffers serve colour too (cIdx, cW alias idx, w)
    colorSupport: () => {
      const dk = this.deviceKernels, b = this.sampleBufs!;
      if (dk.length > 1) this.gk.mulfaSupport(dk[1], dk[1].k, this.rayBufs!.sb.pts, this.ns, this.field.density.resolution, b.cIdx, b.cW);
    },
    colorFeatures: () => {
      const b = this.sampleBufs!;
      this.gk.gather(this.colorFeatures, this.field.color.channels, this.K, b.cIdx, b.cW, this.nc!, b.feats, b.cb.colorSample);
    },
    decode: () => {
      const gk = this.gk, b = this.sampleBufs!, r = this.rayBufs!, dims = this.dims, L = this.W.length, nc = this.nc!;
      gk.encode(nc, b.feats, this.field.color.channels, this.mapped ? r.view : r.rays, r.sb.rayT, this.field.config.viewFreqs, dims[0], b.x0, b.cb.colorSample);
      if (gk.tf) { // TF.js's GEMMs over the bound (its shapes live on the host; rows past the count are not read)
        if (this.tfState) gk.tf.release(this.tfState);
        this.tfState = gk.tf.decoderForward(gk, b.x0, this.W, this.b, b.y, nc.bound, dims);
      } else {
        const { acts } = this.layerBufs(b);
        for (let l = 0; l < L; l++) gk.mlpLayer(acts[l], this.W[l], this.b[l], acts[l + 1], nc, dims[l], dims[l + 1], l + 1 < L);
      }
      gk.sigmoid(nc, b.y, dims[L], b.rgb);
    },
    composite: (n) => this.gk.composite(n, this.sampleBufs!.rgb, this.sampleBufs!.cb, this.options(this.bg)),
  };

  /** Rendered colours of the last render [n, 3]. */
  async rgb(): Promise<Float32Array> {
    return new Float32Array(await this.gk.read(this.sampleBufs!.cb.io, this.nRays * 12));
  }

  /**
   * The mean squared error of the last render against its target (render's `target`), on the device: the
   * rendered colours become dL/dC for backward(); returns a function that maps the loss (call it after
   * end(), e.g. a step later).
   */
  loss(exposure = false): () => Promise<LossReport> {
    const gk = this.gk, r = this.rayBufs!, n = this.nRays, cb = this.sampleBufs!.cb, parts = Math.ceil(n / 64), S = this.S, budgeted = this.budgeted;
    if (exposure && !this.exp) throw new Error('GpuField: no exposure affines on the device');
    if (exposure) gk.mseExposure(n, cb.io, r.target, r.partial, this.exp!.x, r.rayView, r.egrad, this.kept);
    else gk.mse(n, cb.io, r.target, r.partial, this.kept);
    gk.copy(cb.colorStart, n * 4, r.partial, parts * 4, 4); // the colour count rides along
    if (budgeted) gk.copy(r.sb.rayStart, (n + 1) * 4, r.partial, parts * 4 + 4, 8); // and the budget's sample count and rays kept
    const read = gk.readLater(r.partial, parts * 4 + (budgeted ? 12 : 4));
    return async () => {
      const got = await read(), counts = new Int32Array(got, parts * 4, budgeted ? 3 : 1);
      return { loss: new Float32Array(got, 0, parts).reduce((a, x) => a + x, 0) / (n * 3), colorSamples: counts[0],
        samples: budgeted ? counts[1] : S, droppedRays: budgeted ? n - counts[2] : 0 };
    };
  }

  /** How many samples of the last render got colour (read back: tests and tools). */
  async colorSamples(): Promise<number> {
    return new Int32Array(await this.gk.read(this.sampleBufs!.cb.colorStart, 4, this.nRays * 4))[0];
  }

  /**
   * Gradients of the last render for dL/dC [n, 3] (none: loss() left them on the device), accumulated into
   * densityGrad, colorGrad, layerGrads and the kernels' gradient buffers (RadianceField.backwardWith on the device's passes).
   */
  backward(dRgb?: Float32Array): void {
    if (dRgb) this.gk.write(this.sampleBufs!.cb.io, dRgb.subarray(0, this.nRays * 3));
    this.field.backwardWith(this.backwardPasses);
  }

  /** The device's passes of a backward (RadianceField.backwardWith). */
  private readonly backwardPasses: BackwardPasses = {
    compositeBackward: () => {
      const b = this.sampleBufs!; // writes every coloured row of dSampleRgb
      this.gk.compositeBackward(this.nRays, b.raw, b.rgb, b.cb, this.options(this.bg));
      const f = this.field; // the distortion loss's weight for this backward (set by the trainer, as on the CPU)
      if (f.distortion > 0) this.gk.distortionBackward(this.nRays, b.raw, this.rayBufs!.sb.pts, b.cb, this.options(this.bg), f.distortion, f.stepSize, f.boxExtent);
    },
    decoderBackward: () => {
      const gk = this.gk, b = this.sampleBufs!, nc = this.nc!, dims = this.dims, L = this.W.length;
      if (gk.tf && this.tfState) {
        gk.clear(b.dY); // the rows past the count must add nothing to TF.js's dW, db (taken over the bound)
        gk.sigmoidBackward(nc, b.cb.dSampleRgb, b.rgb, dims[L], b.dY);
        gk.tf.decoderBackward(gk, this.tfState, b.x0, this.W, b.dY, this.layerGrads, b.dX0, nc.bound, dims);
        this.tfState = null;
      } else {
        const { acts, dActs } = this.layerBufs(b);
        gk.sigmoidBackward(nc, b.cb.dSampleRgb, b.rgb, dims[L], b.dY);
        for (let l = L - 1; l >= 0; l--) gk.mlpLayerBackward(acts[l], this.W[l], dActs[l + 1], dActs[l], this.layerGrads[l], nc, dims[l], dims[l + 1], l > 0);
      }
      gk.splitFeatures(nc, b.dX0, this.field.color.channels, dims[0], b.dFeat);
    },
    colorGradients: () => {
      const b = this.sampleBufs!;
      this.gk.scatter(this.colorGrad, this.field.color.channels, this.K, b.cIdx, b.cW, this.nc!, b.dFeat, b.cb.colorSample);
    },
    densityGradients: () => {
      const b = this.sampleBufs!;
      this.gk.scatter(this.densityGrad, 1, this.K, b.idx, b.w, this.ns, b.cb.dRaw);
    },
    // dL/dw of the kernel weights (before any update of F) at every sample, then the kernels' backward; under a
    // sample budget the backward runs over all of it (its stages are sized on the host): rows past the device's
    // count have dL/dw = 0 (cleared, not gathered) and add nothing
    kernelGradients: () => {
      const gk = this.gk, b = this.sampleBufs!, dk = this.deviceKernels, S = this.S, C = this.field.color.channels, nc = this.nc!, sel = b.cb.colorSample;
      const pts = this.rayBufs!.sb.pts, R = this.field.density.resolution;
      gk.clear(b.dWd);
      gk.gatherDot(this.densityFeatures, 1, 8, b.idx, this.ns, b.cb.dRaw, b.dWd);
      if (dk.length === 1) {
        gk.gatherDot(this.colorFeatures, C, 8, b.idx, nc, b.dFeat, b.dWd, sel); // into the coloured samples' rows
        gk.mulfaBackward(dk[0], dk[0].k, pts, S, R, b.dWd, dk[0].grads);
      } else {
        gk.mulfaBackward(dk[0], dk[0].k, pts, S, R, b.dWd, dk[0].grads);
        gk.clear(b.dWc);
        gk.gatherDot(this.colorFeatures, C, 8, b.cIdx, nc, b.dFeat, b.dWc, sel);
        gk.mulfaBackward(dk[1], dk[1].k, pts, S, R, b.dWc, dk[1].grads);
      }
    },
  };

  /**
   * One masked Adam step of the MulFA kernels on the device from their gradients of backward() (`lr`: the network
   * group's rate × the decay; the kernels' own scale applied here), and their packed parameters and filter tables
   * rebuilt there (before, their gradients came back each step and the updated kernels and tables went up).
   */
  adamKernels(lr: number): void {
    const A = this.adamState, R = this.field.density.resolution;
    for (const d of this.deviceKernels) {
      this.gk.mulfaAdam(d.maps, R, d.x, d.grads, d.m, d.v, d.t, A.c1, A.c2, lr * d.k.params[0].lrScale, ADAM.beta1, ADAM.beta2, ADAM.eps, d);
      this.gk.clear(d.grads);
    }
  }

  /** Adds the device's MulFA kernel gradients to the CPU parameters' .grad and clears them on the device (parity tests and benches). */
  async readKernelGrads(): Promise<void> {
    for (const m of this.deviceKernels) {
      addMulFAGrads(m.k, new Float32Array(await this.gk.read(m.grads, m.total * 4)));
      this.gk.clear(m.grads);
    }
  }

  /** Adds the device's decoder gradients to the CPU parameters' .grad and clears them on the device (parity tests; training keeps them there). */
  async readDecoderGrads(): Promise<void> {
    const dec = this.field.decoder as unknown as { weights: { grad: Float32Array }[]; biases: { grad: Float32Array }[] };
    for (let l = 0; l < this.W.length; l++) {
      const g = new Float32Array(await this.gk.read(this.layerGrads[l])), W = new Float32Array(dec.weights[l].grad.length), b = new Float32Array(dec.biases[l].grad.length);
      unpackLayer(g, W, b, this.dims[l], this.dims[l + 1]);
      W.forEach((x, i) => (dec.weights[l].grad[i] += x));
      b.forEach((x, i) => (dec.biases[l].grad[i] += x));
      this.gk.clear(this.layerGrads[l]);
    }
  }

  /** One masked Adam step of the decoder layers on the device (the network optimiser's settings; `lr` its group rate × the decay). */
  adamDecoder(lr: number, opt: Adam): void {
    const dec = this.field.decoder as unknown as { weights: { lrScale: number }[]; biases: { lrScale: number }[] }, A = this.adamState, N = this.netAdam;
    for (let l = 0; l < this.W.length; l++) {
      this.gk.adamLayer(this.dims[l], this.dims[l + 1], this.W[l], this.b[l], this.layerGrads[l], N.m[l], N.v[l], N.t[l], A.c1, A.c2,
        lr * dec.weights[l].lrScale, opt.beta1, opt.beta2, opt.eps);
    }
  }

  /**
   * The exposure affines' step on the device after loss(true): the rays' terms summed per view, one masked
   * Adam step (`lr`: the network group's rate × the decay; the affines' own scale applied here), the mean
   * recentred to the identity — what Trainer.trainStep does on the CPU, with nothing read back.
   */
  adamExposure(lr: number): void {
    const e = this.exp, r = this.rayBufs!, A = this.adamState;
    if (!e) return;
    this.gk.exposureReduce(this.nRays, e.V, e.g, r.egrad, r.rayView);
    this.gk.adam(e.V * EXPOSURE_PER_VIEW, e.x, e.g, e.m, e.v, e.t, A.c1, A.c2, lr * e.p.lrScale, ADAM.beta1, ADAM.beta2, ADAM.eps);
    this.gk.exposureRecentre(e.V, e.x);
  }

  /** Adds the density grid's total variation with this weight to its gradient (Trainer.stepPlan's addTv; dense and MulFA layouts). */
  addTv(weight: number): void {
    this.gk.tv(this.densityFeatures, this.densityGrad, this.field.density.resolution, weight);
  }

  /** One masked Adam step of both grids on the device (core/optim/Adam.ts); clears their gradients. */
  adamGrids(lr: number): void {
    const f = this.field, A = this.adamState;
    [[this.densityFeatures, this.densityGrad, f.density.features.data.length], [this.colorFeatures, this.colorGrad, f.color.features.data.length]].forEach(([x, g, n], j) =>
      this.gk.adam(n as number, x as GPUBuffer, g as GPUBuffer, A.m[j], A.v[j], A.t[j], A.c1, A.c2, lr, ADAM.beta1, ADAM.beta2, ADAM.eps));
  }

  /**
   * Occupancy from the density grid: on the device for dense and MulFA grids (vertex maxima); for hash
   * grids and FourierGrids the density table is read back and the CPU field's lattice evaluation is used. The CPU field's
   * occupied count follows (its cells are refreshed by the next copyToCpu).
   */
  async refreshOccupancy(): Promise<void> {
    const f = this.field, gk = this.gk;
    if (f.density instanceof HashGrid || f.density instanceof FourierGrid) { // not a vertex-maximum bound: the CPU field's lattice evaluation
      f.density.features.data.set(new Float32Array(await gk.read(this.densityFeatures, f.density.features.data.byteLength)));
      f.refreshOccupancy();
      gk.write(this.occ, Int32Array.from(f.occupancy.cells));
      return;
    }
    gk.clear(this.occCount);
    gk.refreshOccupancy(this.densityFeatures, f.density.resolution, f.occupancy.res, f.occupancyRawThreshold, this.occ, this.occCount);
    f.occupancy.occupiedCount = new Uint32Array(await gk.read(this.occCount, 4))[0];
  }

  /** Copies the grids and the decoder (and, with the optimisers, their Adam moments) into the CPU field and optimisers. */
  async copyToCpu(gridOpt?: Adam, netOpt?: Adam): Promise<void> {
    const f = this.field, gk = this.gk, read = gk.read.bind(gk), L = this.W.length;
    const dec = f.decoder as unknown as { weights: { data: Float32Array }[]; biases: { data: Float32Array }[] };
    for (let l = 0; l < L; l++) {
      dec.weights[l].data.set(new Float32Array(await read(this.W[l], dec.weights[l].data.byteLength)));
      dec.biases[l].data.set(new Float32Array(await read(this.b[l], dec.biases[l].data.byteLength)));
      if (!netOpt) continue;
      const inD = this.dims[l], outD = this.dims[l + 1], N = this.netAdam;
      unpackLayer(new Float32Array(await read(N.m[l])), netOpt.m[l], netOpt.m[L + l], inD, outD);
      unpackLayer(new Float32Array(await read(N.v[l])), netOpt.v[l], netOpt.v[L + l], inD, outD);
      unpackLayer(new Int32Array(await read(N.t[l])), netOpt.t[l], netOpt.t[L + l], inD, outD);
    }
    f.density.features.data.set(new Float32Array(await read(this.densityFeatures, f.density.features.data.byteLength)));
    f.color.features.data.set(new Float32Array(await read(this.colorFeatures, f.color.features.data.byteLength)));
    f.occupancy.cells.set(new Uint32Array(await read(this.occ, f.occupancy.cells.length * 4))); // u32 per cell → 0/1 bytes
    f.occupancy.occupiedCount = f.occupancy.cells.reduce((a, c) => a + c, 0);
    for (const dk of this.deviceKernels) {
      const split = (all: Float32Array | Int32Array, into: (i: number) => Float32Array | Int32Array) =>
        dk.k.params.reduce((o, q, i) => (into(i).set(all.subarray(o, o + q.data.length)), o + q.data.length), 0);
      split(new Float32Array(await read(dk.x, dk.maps.n * 4)), (i) => dk.k.params[i].data);
      if (!netOpt || !dk.js.length) continue;
      split(new Float32Array(await read(dk.m, dk.maps.n * 4)), (i) => netOpt.m[dk.js[i]]);
      split(new Float32Array(await read(dk.v, dk.maps.n * 4)), (i) => netOpt.v[dk.js[i]]);
      split(new Int32Array(await read(dk.t, dk.maps.n * 4)), (i) => netOpt.t[dk.js[i]]);
    }
    const e = this.exp;
    if (e) {
      e.p.data.set(new Float32Array(await read(e.x, e.p.data.byteLength)));
      if (netOpt && e.j >= 0) {
        netOpt.m[e.j].set(new Float32Array(await read(e.m, e.p.data.byteLength)));
        netOpt.v[e.j].set(new Float32Array(await read(e.v, e.p.data.byteLength)));
        netOpt.t[e.j].set(new Int32Array(await read(e.t, e.p.data.byteLength)));
      }
    }
    if (!gridOpt) return;
    const A = this.adamState;
    for (let j = 0; j < 2; j++) {
      gridOpt.m[j].set(new Float32Array(await read(A.m[j], gridOpt.m[j].byteLength)));
      gridOpt.v[j].set(new Float32Array(await read(A.v[j], gridOpt.v[j].byteLength)));
      gridOpt.t[j].set(new Int32Array(await read(A.t[j], gridOpt.t[j].byteLength)));
    }
  }
}
