/**
 * The radiance field (MULFAGRID.md §4): a density grid (1 channel) and a colour feature grid (C channels),
 * both grid models, and a view-dependent decoder. Renders batches of rays by uniform sampling inside the
 * box with empty-space skipping (occupancy grid), DVGO density activation, early ray termination, colour
 * only where the compositing weight matters, and alpha compositing onto a background; with the backward
 * pass of all of it. Buffers are allocated once per batch size and reused (no allocation per sample).
 */
import type { AABB } from '../scene/Scene';
import type { Rng } from '../math/rng';
import { type GridKind, type GridModel, type Param, type Support, makeSupport, gatherForward } from './GridModel';
import { type FieldOps, JS_OPS } from './ops';
import type { Allocator } from '../wasm/Arena';
import { DenseGrid } from './DenseGrid';
import { FourierGrid } from './FourierGrid';
import { HashGrid } from './HashGrid';
import { MulFAGrid, MulFAKernel, MULFA_DEFAULTS, type MulFAConfig } from './MulFAGrid';
import type { DecoderFactory, DecoderImpl } from './Decoder';
import { Occupancy } from '../render/Occupancy';
import { countContracted, countSamples, placeContracted, placeSamples } from '../render/sampling';
import { type SceneSpace, boundedSpace, mapRays, mapsRays, rayRange } from '../scene/space';
import { alphaPass, compositePass, compositeBackward } from '../render/composite';
import { type Awaitable, type Plan, runSync } from '../train/plan';

/**
 * The passes of a render on a backend, in the order RadianceField.renderPlan runs them: the CPU's are the field's
 * own (TypedArray/WebAssembly kernels through FieldOps), WebGPU's record WGSL programs (core/gpu/GpuField.ts).
 */
export interface RenderPasses {
  /**
   * Places the samples of n rays (world rays; `mapped`: the same rays in the grid's space where the space maps
   * them) between near and far (in the grid's space), in occupied cells; returns the sample count.
   */
  sample(n: number, origins: Float32Array, dirs: Float32Array, mapped: { origins: Float32Array; dirs: Float32Array } | null, near: number, far: number): Awaitable<number>;
  /** The density grid's support (corner indices and weights) at the S samples. */
  densitySupport(S: number): void;
  /** Raw density at the samples from the support. */
  density(S: number): void;
  /** DVGO alpha and transmittance along each ray, early termination, the opacities; returns how many samples get colour. */
  alpha(n: number, S: number): number;
  /** The colour grid's support at the samples that get colour (the density's where one kernel serves both). */
  colorSupport(S: number, nc: number): void;
  /** Colour features at those samples. */
  colorFeatures(nc: number): void;
  /** The decoder: features and view directions to colours. */
  decode(nc: number): void;
  /** Alpha compositing onto the background: the rays' colours, opacities (and depths on the CPU). */
  composite(n: number): void;
}

/** The passes of a render's backward (RadianceField.backwardWith), from dL/dC of the rays. */
export interface BackwardPasses {
  /** dL/d(sample colour) and dL/d(raw density) through compositing. */
  compositeBackward(): void;
  /** dL/d(colour features) through the decoder (and the decoder's own gradients). */
  decoderBackward(): void;
  /** The colour grid's feature gradients (and its support weights' where a kernel learns). */
  colorGradients(): void;
  /** The density grid's feature gradients (and its support weights'). */
  densityGradients(): void;
  /** The learned kernels' parameter gradients from the support weights' (MulFAGrid only). */
  kernelGradients(): void;
}

export interface FieldConfig {
  model: GridKind;
  /** Final grid resolution (vertices per axis). */
  resolution: number;
  colorChannels: number;
  decoderHidden: number[];
  viewFreqs: number;
  mulfa: MulFAConfig;
  /** One MulFA kernel for both grids (cheaper) or one each. */
  sharedKernel: boolean;
  /** Learning-rate multiplier of the MulFA kernel relative to the grids' rate. */
  kernelLrScale: number;
  hash: { levels: number; log2TableSize: number; minResolution: number };
  fourierLevels: number;
  /** Alpha of one sample step in empty space at initialisation (DVGO). */
  alphaInit: number;
  /** Sample spacing in voxels of the final grid. */
  stepVoxels: number;
  /** Occupancy cells per axis. */
  occupancyRes: number;
  /** Alpha below which a cell counts as empty. */
  occupancyThreshold: number;
  /** Samples whose compositing weight is below this get no colour (their contribution is < this). */
  colorWeightThreshold: number;
  /** Stop marching when transmittance falls below this. */
  terminationT: number;
}

export const FIELD_DEFAULTS: FieldConfig = {
  model: 'mulfagrid',
  resolution: 96,
  colorChannels: 12,
  decoderHidden: [64],
  viewFreqs: 4,
  mulfa: MULFA_DEFAULTS,
  sharedKernel: true,
  kernelLrScale: 0.01,
  hash: { levels: 12, log2TableSize: 17, minResolution: 8 },
  fourierLevels: 2,
  alphaInit: 1e-3,
  stepVoxels: 0.5,
  occupancyRes: 64,
  occupancyThreshold: 1e-3,
  colorWeightThreshold: 1e-4,
  terminationT: 1e-4,
};

export interface RayBatch {
  n: number;
  /** [n, 3] */
  origins: Float32Array;
  /** [n, 3], unit length */
  dirs: Float32Array;
}

function makeGrid(cfg: FieldConfig, resolution: number, channels: number, kernel: MulFAKernel | null, ownsKernel: boolean): GridModel {
  switch (cfg.model) {
    case 'dense': return new DenseGrid(resolution, channels);
    case 'fouriergrid': return new FourierGrid(resolution, channels, cfg.fourierLevels);
    case 'hash': return new HashGrid({ ...cfg.hash, resolution }, channels);
    case 'mulfagrid': return new MulFAGrid(resolution, channels, kernel!, undefined, ownsKernel);
  }
}

/** Named batch buffers that grow (by 25 % headroom) and are reused, in the kernels' memory. */
class Growable {
  constructor(private readonly alloc: Allocator) {}
  f32(name: string, n: number): Float32Array {
    const cur = this.f[name];
    if (cur && cur.length >= n) return cur;
    if (cur) this.alloc.free(cur);
    return (this.f[name] = this.alloc.f32(Math.ceil(n * 1.25)));
  }
  i32(name: string, n: number): Int32Array {
    const cur = this.i[name];
    if (cur && cur.length >= n) return cur;
    if (cur) this.alloc.free(cur);
    return (this.i[name] = this.alloc.i32(Math.ceil(n * 1.25)));
  }
  support(name: string, K: number, n: number): Support {
    const cur = this.s[name];
    if (cur && cur.capacity >= n && cur.idx.length >= n * K) return cur;
    if (cur) { this.alloc.free(cur.idx); this.alloc.free(cur.w); }
    const cap = Math.ceil(n * 1.25);
    return (this.s[name] = { capacity: cap, idx: this.alloc.i32(cap * K), w: this.alloc.f32(cap * K) });
  }
  dispose(): void {
    for (const a of Object.values(this.f)) this.alloc.free(a);
    for (const a of Object.values(this.i)) this.alloc.free(a);
    for (const s of Object.values(this.s)) { this.alloc.free(s.idx); this.alloc.free(s.w); }
    this.f = {}; this.i = {}; this.s = {};
  }
  private f: Record<string, Float32Array> = {};
  private i: Record<string, Int32Array> = {};
  private s: Record<string, Support> = {};
}

/**
 * The maximum of an R³ vertex table over the vertices touching each cell of an r³ grid (cell c spans vertices
 * ⌊c/r·(R−1)⌋ … ⌈(c+1)/r·(R−1)⌉ on each axis), [r³] x fastest: the box maximum taken one axis at a time (x, then
 * y, then z), the same values as a loop over each box, in O(R³ + R²r + Rr²) instead of O(r³ · box).
 */
export function vertexBoxMax(F: Float32Array, R: number, r: number): Float32Array {
  const lo = Int32Array.from({ length: r }, (_, c) => Math.max(0, Math.floor((c / r) * (R - 1))));
  const hi = Int32Array.from({ length: r }, (_, c) => Math.min(R - 1, Math.ceil(((c + 1) / r) * (R - 1))));
  const ax = new Float32Array(R * R * r), ay = new Float32Array(R * r * r), out = new Float32Array(r * r * r);
  for (let zy = 0; zy < R * R; zy++) { // along x: [vz, vy, cx]
    const row = zy * R;
    for (let c = 0; c < r; c++) {
      let m = -Infinity;
      for (let v = lo[c]; v <= hi[c]; v++) if (F[row + v] > m) m = F[row + v];
      ax[zy * r + c] = m;
    }
  }
  for (let z = 0; z < R; z++) for (let c = 0; c < r; c++) for (let x = 0; x < r; x++) { // along y: [vz, cy, cx]
    let m = -Infinity;
    for (let v = lo[c]; v <= hi[c]; v++) { const a = ax[(z * R + v) * r + x]; if (a > m) m = a; }
    ay[(z * r + c) * r + x] = m;
  }
  for (let c = 0; c < r; c++) for (let yx = 0; yx < r * r; yx++) { // along z: [cz, cy, cx]
    let m = -Infinity;
    for (let v = lo[c]; v <= hi[c]; v++) { const a = ay[v * r * r + yx]; if (a > m) m = a; }
    out[c * r * r + yx] = m;
  }
  return out;
}

export class RadianceField {
  density: GridModel;
  color: GridModel;
  readonly decoder: DecoderImpl;
  readonly occupancy: Occupancy;
  readonly kernels: MulFAKernel[];
  /** softplus shift so that empty space starts at alphaInit per step. */
  readonly shift: number;
  private readonly ws: Growable;
  private readonly box = new Float64Array(2);
  // last forward pass
  private nRays = 0; private nSamples = 0; private nColor = 0;
  private colorAliasesDensity = false;
  private bg: [number, number, number] = [1, 1, 1];
  /** The last render's jitter source (null: half steps) and world directions; the last backward's dL/dC. */
  private jitter: Rng | null = null;
  private worldDirs: Float32Array = new Float32Array(0);
  private dRgb: Float32Array = new Float32Array(0);
  /** Per-ray rendered colour [n, 3], accumulated opacity [n] and expected depth [n] of the last render. */
  rgb = new Float32Array(0);
  opacity = new Float32Array(0);
  depth = new Float32Array(0);
  stats = { samples: 0, colorSamples: 0 };
  /** The distortion loss's weight per ray in the next backward (core/render/composite.ts Distortion); 0: none. */
  distortion = 0;
  /** The space the grids live in (core/scene/space.ts); `aabb` is its box. Rays are mapped into it to be sampled. */
  space: SceneSpace;

  constructor(readonly config: FieldConfig, readonly aabb: AABB, rng: Rng, startResolution = config.resolution,
    readonly k: FieldOps = JS_OPS, makeDecoder: DecoderFactory = k.makeDecoder) {
    this.ws = new Growable(k.alloc);
    this.space = boundedSpace(aabb);
    this.kernels = [];
    let dk: MulFAKernel | null = null, ck: MulFAKernel | null = null;
    if (config.model === 'mulfagrid') {
      dk = new MulFAKernel(config.mulfa, rng, config.kernelLrScale);
      ck = config.sharedKernel ? dk : new MulFAKernel(config.mulfa, rng, config.kernelLrScale);
      this.kernels.push(dk);
      if (ck !== dk) this.kernels.push(ck);
    }
    this.density = this.adopt(makeGrid(config, startResolution, 1, dk, true));
    this.color = this.adopt(makeGrid(config, startResolution, config.colorChannels, ck, ck !== dk));
    this.decoder = makeDecoder({ features: config.colorChannels, viewFreqs: config.viewFreqs, hidden: config.decoderHidden }, rng);
    this.occupancy = new Occupancy(config.occupancyRes);
    // α = 1 − exp(−softplus(raw + shift) · stepVoxels), raw = 0 at init
    const s0 = -Math.log(1 - config.alphaInit) / config.stepVoxels;
    this.shift = Math.log(Math.expm1(s0));
  }

  /**
   * Whether colour reuses the density grid's support: grids of one kind at one resolution whose support does not
   * depend on the channels (dense, FourierGrid, hash), or MulFA grids sharing one kernel — not MulFA grids with
   * a kernel each.
   */
  get sharesSupport(): boolean {
    const d = this.density, c = this.color;
    if (d.kind !== c.kind || d.resolution !== c.resolution || d.K !== c.K) return false;
    return d instanceof MulFAGrid ? c instanceof MulFAGrid && d.kernel === c.kernel : true;
  }

  /** The grid box's edge lengths (in the grid's space). */
  get boxExtent(): [number, number, number] {
    return [0, 1, 2].map((k) => this.aabb[1][k] - this.aabb[0][k]) as [number, number, number];
  }

  /** World size of one voxel of the final grid (the unit of sample spacing and density). */
  get voxelSize(): number {
    const ext = Math.max(...this.boxExtent);
    return ext / (this.config.resolution - 1);
  }

  /** World distance between samples: stepVoxels voxels of the current grid (coarser grids take longer steps). */
  get stepSize(): number {
    const ext = Math.max(...this.boxExtent);
    return (this.config.stepVoxels * ext) / (this.density.resolution - 1);
  }

  /**
   * Sample interval in voxels of the final grid, the unit density is measured in (DVGO's voxel-size ratio):
   * α = 1 − exp(−softplus(raw + shift) · interval), so opacity per world distance does not change when the
   * grid is upsampled and the step shrinks.
   */
  get interval(): number {
    return this.stepSize / this.voxelSize;
  }

  /** Parameter groups: grid features, kernel parameters (lr scaled), decoder. */
  paramGroups(): { grids: Param[]; decoder: Param[] } {
    return {
      grids: [this.density.features, this.color.features, ...this.density.kernelParams, ...this.color.kernelParams],
      decoder: this.decoder.params,
    };
  }

  /** Moves a grid's feature table and gradient into the kernels' memory. */
  private adopt(g: GridModel): GridModel {
    const a = this.k.alloc, p = g.features;
    const data = a.f32(p.data.length);
    data.set(p.data);
    p.data = data;
    p.grad = a.f32(p.data.length);
    // a byte per row (Param.touched), in the kernels' memory too (8 bytes of padding for their 8-byte tests); only for
    // tables of several channels: on a one-channel table (density) a byte per row saves nothing over reading the
    // gradient itself, and the whole-table pass measured faster
    if (g.channels > 1) {
      const words = a.i32(Math.ceil(g.rows / 4) + 2);
      this.touchedWords.set(p, words);
      p.touched = new Uint8Array(words.buffer, words.byteOffset, g.rows);
    }
    return g;
  }

  private release(g: GridModel): void {
    const p = g.features, words = this.touchedWords.get(p);
    this.k.alloc.free(p.data);
    this.k.alloc.free(p.grad);
    if (words) this.k.alloc.free(words);
    this.touchedWords.delete(p);
  }

  /** The allocations behind the feature tables' touched-row bytes. */
  private readonly touchedWords = new Map<Param, Int32Array>();

  /** Progressive upsampling: both grids to a new resolution, features resampled. */
  upsample(resolution: number): void {
    if (!this.density.resized || !this.color.resized) return;
    const d = this.density, c = this.color;
    this.density = this.adopt(d.resized!(resolution));
    this.color = this.adopt(c.resized!(resolution));
    this.release(d);
    this.release(c);
  }

  /** Returns the field's memory to the kernels' allocator (the field is unusable afterwards). */
  dispose(): void {
    this.release(this.density);
    this.release(this.color);
    this.ws.dispose();
    this.decoder.dispose?.();
  }

  /**
   * Renders rays on any backend's passes (RenderPasses): the order of a render, once — rays mapped into the grid's
   * space, samples placed (occupancy, jitter), the density grid's support and values, DVGO alpha with early
   * termination (choosing the samples whose weight earns colour), the colour grid's support (shared with the
   * density's where one kernel serves both) and features, the view-dependent decoder, compositing. Returns the
   * sample count. Drive it with runSync (CPU: render) or runAsync (WebGPU: core/gpu/GpuField.ts).
   */
  *renderPlan(p: RenderPasses, n: number, origins: Float32Array, dirs: Float32Array, near: number, far: number): Plan<number> {
    // rays in the grid's space (world rays as they are when bounded); the decoder sees the world directions
    let mapped: { origins: Float32Array; dirs: Float32Array } | null = null;
    if (mapsRays(this.space)) {
      mapped = { origins: this.ws.f32('mOrigins', n * 3), dirs: this.ws.f32('mDirs', n * 3) };
      mapRays(this.space, n, origins, dirs, mapped.origins, mapped.dirs);
      ({ near, far } = rayRange(this.space, near, far));
    }
    const S = (yield p.sample(n, origins, dirs, mapped, near, far)) as number;
    p.densitySupport(S);
    p.density(S);
    const nc = p.alpha(n, S);
    p.colorSupport(S, nc);
    p.colorFeatures(nc);
    p.decode(nc);
    p.composite(n);
    return S;
  }

  /**
   * The gradients of the last render on any backend's passes, from dL/dC (set by the caller): compositing, the
   * decoder, the colour and density grids' features, then the learned kernels from both grids' weight gradients.
   */
  backwardWith(p: BackwardPasses): void {
    p.compositeBackward();
    p.decoderBackward();
    p.colorGradients();
    p.densityGradients();
    if (this.kernels.length) p.kernelGradients();
  }

  /**
   * Renders rays: fills this.rgb/opacity/depth. `jitter` (training) offsets each ray's samples by a random
   * fraction of a step; without it samples sit at half steps (deterministic).
   */
  render(rays: RayBatch, near: number, far: number, background: readonly [number, number, number], rng: Rng | null): Float32Array {
    this.bg = [background[0], background[1], background[2]];
    this.jitter = rng;
    this.worldDirs = rays.dirs;
    runSync(this.renderPlan(this.cpuRender, rays.n, rays.origins, rays.dirs, near, far));
    return this.rgb;
  }

  /** The CPU's passes of a render (TypedArray or WebAssembly kernels through this.k), over the field's batch buffers. */
  private readonly cpuRender: RenderPasses = {
    sample: (n, worldOrigins, worldDirs, mapped, near, far) => {
      const ws = this.ws, origins = mapped ? mapped.origins : worldOrigins, dirs = mapped ? mapped.dirs : worldDirs;
      this.nRays = n;
      // count first to size buffers
      const rayStart = ws.i32('rayStart', n + 1);
      const tStart = ws.f32('tStart', n), tCount = ws.i32('tCount', n);
      const rng = this.jitter, jitter = rng ? () => rng.next() : null, contracted = !!this.space.fg, step = this.stepSize;
      const total = contracted ? countContracted(n, origins, dirs, near, far, step, jitter, tStart, tCount)
        : countSamples(n, origins, dirs, this.aabb, near, far, step, jitter, tStart, tCount, this.box);
      const pts = ws.f32('pts', total * 3), sRay = ws.i32('sRay', total), sT = ws.f32('sT', total);
      const S = (contracted ? placeContracted : placeSamples)(n, origins, dirs, this.aabb, step, this.occupancy, tStart, tCount, rayStart, pts, sRay, sT);
      this.nSamples = S;
      return S;
    },
    densitySupport: (S) => this.k.support(this.density, this.ws.f32('pts', 0), S, this.ws.support('dSup', this.density.K, S)),
    density: (S) => this.k.gatherForward(this.density.features.data, 1, this.density.K, this.ws.support('dSup', this.density.K, S), S, this.ws.f32('raw', S)),
    alpha: (n, S) => {
      const ws = this.ws;
      const alpha = ws.f32('alpha', S), Tk = ws.f32('Tk', S), colorOf = ws.i32('colorOf', S), rayEnd = ws.i32('rayEnd', n), colorSample = ws.i32('colorSample', S);
      const opacity = (this.opacity = this.opacity.length >= n ? this.opacity : new Float32Array(n));
      const nc = alphaPass(n, ws.i32('rayStart', 0), ws.f32('raw', 0), this.shift, this.interval, this.config.colorWeightThreshold, this.config.terminationT,
        alpha, Tk, colorOf, colorSample, rayEnd, opacity);
      this.nColor = nc;
      this.stats = { samples: S, colorSamples: nc };
      return nc;
    },
    colorSupport: (S, nc) => {
      const ws = this.ws, dens = this.density, col = this.color, dSup = ws.support('dSup', dens.K, 0), colorSample = ws.i32('colorSample', 0);
      // every sample gets colour and the support is shared: the colour support is the density support
      this.colorAliasesDensity = this.sharesSupport && nc === S;
      if (this.colorAliasesDensity) return;
      const cSup = ws.support('cSup', col.K, nc);
      if (this.sharesSupport) { // the density support's rows of the coloured samples, copied a run of consecutive samples at a time
        const K = col.K;
        for (let j = 0; j < nc;) {
          let e = j + 1;
          while (e < nc && colorSample[e] === colorSample[e - 1] + 1) e++;
          const s0 = colorSample[j] * K, s1 = (colorSample[e - 1] + 1) * K;
          cSup.idx.set(dSup.idx.subarray(s0, s1), j * K);
          cSup.w.set(dSup.w.subarray(s0, s1), j * K);
          j = e;
        }
      } else {
        const pts = ws.f32('pts', 0), cPts = ws.f32('cPts', nc * 3);
        for (let j = 0; j < nc; j++) { const s = colorSample[j]; cPts[j * 3] = pts[s * 3]; cPts[j * 3 + 1] = pts[s * 3 + 1]; cPts[j * 3 + 2] = pts[s * 3 + 2]; }
        this.k.support(col, cPts, nc, cSup);
      }
    },
    colorFeatures: (nc) => {
      const col = this.color;
      this.k.gatherForward(col.features.data, col.channels, col.K, this.colorSupport(), nc, this.ws.f32('feats', nc * col.channels));
    },
    decode: (nc) => {
      const ws = this.ws, cRay = ws.i32('cRay', nc), sRay = ws.i32('sRay', 0), colorSample = ws.i32('colorSample', 0);
      for (let j = 0; j < nc; j++) cRay[j] = sRay[colorSample[j]];
      this.decoder.fillInput(nc, ws.f32('feats', 0), this.worldDirs, cRay);
      this.decoder.forward(nc);
    },
    composite: (n) => {
      const ws = this.ws;
      const out = (this.rgb = this.rgb.length >= n * 3 ? this.rgb : new Float32Array(n * 3));
      const depth = (this.depth = this.depth.length >= n ? this.depth : new Float32Array(n));
      compositePass(n, ws.i32('rayStart', 0), ws.i32('rayEnd', 0), ws.i32('colorOf', 0), ws.f32('Tk', 0), ws.f32('alpha', 0), this.decoder.rgb, ws.f32('sT', 0),
        this.opacity, this.bg, out, depth);
    },
  };

  /** The colour support of the last render (the density's when they alias). */
  private colorSupport(): Support {
    return this.colorAliasesDensity ? this.ws.support('dSup', this.density.K, 0) : this.ws.support('cSup', this.color.K, 0);
  }

  /**
   * The samples of the last render, their compositing weights T·α (0 after early termination) and their rays:
   * points in normalised box coordinates [S, 3], weights [S], ray index [S] (copies). Used to pick points where
   * the field matters (GTK points, point-cloud export).
   */
  lastSamples(): { pts: Float32Array; weight: Float32Array; ray: Int32Array; n: number } {
    const ws = this.ws, S = this.nSamples, n = this.nRays;
    const pts = Float32Array.from(ws.f32('pts', 0).subarray(0, S * 3)), weight = new Float32Array(S), ray = new Int32Array(S);
    const rayStart = ws.i32('rayStart', 0), rayEnd = ws.i32('rayEnd', 0), alpha = ws.f32('alpha', 0), Tk = ws.f32('Tk', 0);
    for (let r = 0; r < n; r++) {
      for (let s = rayStart[r]; s < rayStart[r + 1]; s++) ray[s] = r;
      for (let s = rayStart[r]; s < rayEnd[r]; s++) weight[s] = Tk[s] * alpha[s];
    }
    return { pts, weight, ray, n: S };
  }

  /** Gradients of the last render from dL/dC [n, 3], accumulated into every parameter's .grad. */
  backward(dRgb: Float32Array): void {
    this.dRgb = dRgb;
    this.densityWeightGrads()?.fill(0, 0, this.nSamples * this.density.K);
    if (!this.colorAliasesDensity) this.colorWeightGrads()?.fill(0, 0, this.nColor * this.color.K);
    this.backwardWith(this.cpuBackward);
  }

  /** The CPU's passes of a backward (see backwardWith). */
  private readonly cpuBackward: BackwardPasses = {
    compositeBackward: () => {
      const ws = this.ws, S = this.nSamples, dRaw = ws.f32('dRaw', S);
      dRaw.fill(0, 0, S);
      compositeBackward(this.nRays, ws.i32('rayStart', 0), ws.i32('rayEnd', 0), ws.i32('colorOf', 0), ws.f32('alpha', 0), ws.f32('Tk', 0), ws.f32('raw', 0),
        this.shift, this.interval, this.decoder.rgb, this.bg, this.dRgb, ws.f32('dSampleRgb', this.nColor * 3), dRaw,
        this.distortion > 0 ? { pts: ws.f32('pts', 0), ext: this.boxExtent, lambda: this.distortion, step: this.stepSize } : undefined);
    },
    decoderBackward: () => {
      const nc = this.nColor, dIn = this.decoder.backward(nc, this.ws.f32('dSampleRgb', 0));
      const C = this.color.channels, D = this.decoder.inputDims, dFeat = this.ws.f32('dFeat', nc * C);
      for (let j = 0; j < nc; j++) for (let c = 0; c < C; c++) dFeat[j * C + c] = dIn[j * D + c];
    },
    colorGradients: () => {
      const col = this.color, nc = this.nColor;
      const sup = this.colorSupport();
      this.k.gatherBackward(col.features.data, col.features.grad, col.channels, col.K, sup, nc, this.ws.f32('dFeat', 0), this.colorWeightGrads());
      if (col.features.touched) this.k.markRows(sup.idx, nc * col.K, col.features.touched);
    },
    densityGradients: () => {
      const dens = this.density, S = this.nSamples;
      const sup = this.ws.support('dSup', dens.K, 0);
      this.k.gatherBackward(dens.features.data, dens.features.grad, 1, dens.K, sup, S, this.ws.f32('dRaw', 0), this.densityWeightGrads());
      if (dens.features.touched) this.k.markRows(sup.idx, S * dens.K, dens.features.touched);
    },
    kernelGradients: () => {
      const ws = this.ws, dens = this.density, col = this.color, S = this.nSamples, nc = this.nColor;
      const dWd = ws.f32('dWd', 0), dWc = this.colorAliasesDensity ? dWd : ws.f32('dWc', 0);
      if (this.colorAliasesDensity) { // with one support, both gradients w.r.t. the kernel weights accumulated into dWd directly
        this.k.kernelBackward(dens, dWd, S);
      } else if (this.sharesSupport) {
        const colorSample = ws.i32('colorSample', 0);
        for (let j = 0; j < nc; j++) {
          const s = colorSample[j];
          for (let k = 0; k < dens.K; k++) dWd[s * dens.K + k] += dWc[j * col.K + k];
        }
        this.k.kernelBackward(dens, dWd, S);
      } else {
        this.k.kernelBackward(dens, dWd, S);
        this.k.kernelBackward(col, dWc, nc);
      }
    },
  };

  /** dL/dw of the density support's weights where a kernel learns (zeroed by backward); null otherwise. */
  private densityWeightGrads(): Float32Array | null {
    return this.kernels.length ? this.ws.f32('dWd', this.nSamples * this.density.K) : null;
  }

  /** dL/dw of the colour support's weights (the density's buffer where they alias) where a kernel learns; null otherwise. */
  private colorWeightGrads(): Float32Array | null {
    if (!this.kernels.length) return null;
    return this.colorAliasesDensity ? this.densityWeightGrads() : this.ws.f32('dWc', this.nColor * this.color.K);
  }

  /**
   * Marks occupancy cells whose density can exceed the threshold. For dense and MulFAGrid density grids the
   * interpolation weights are a convex combination of the cell's vertices, so the maximum over the vertices
   * touching an occupancy cell bounds the density anywhere in it (exact, conservative). Other models are
   * evaluated on a 3×3×3 lattice per cell (shared between neighbours) and max-pooled.
   */
  /** The raw density above which a cell counts as occupied (alpha of one step > occupancyThreshold). */
  get occupancyRawThreshold(): number {
    const sigmaThr = -Math.log(1 - this.config.occupancyThreshold) / this.interval;
    return Math.log(Math.expm1(sigmaThr)) - this.shift;
  }

  refreshOccupancy(): void {
    const occ = this.occupancy, r = occ.res;
    const rawThr = this.occupancyRawThreshold;
    const dens = this.density;
    let maxRaw: (x: number, y: number, z: number) => number;
    if (dens instanceof DenseGrid || dens instanceof MulFAGrid) {
      const box = vertexBoxMax(dens.features.data, dens.resolution, r);
      maxRaw = (x, y, z) => box[(z * r + y) * r + x];
    } else {
      const L = 2 * r + 1, N = L * L * L;
      const pts = new Float32Array(N * 3);
      for (let z = 0, i = 0; z < L; z++) for (let y = 0; y < L; y++) for (let x = 0; x < L; x++, i++) {
        pts[i * 3] = x / (L - 1); pts[i * 3 + 1] = y / (L - 1); pts[i * 3 + 2] = z / (L - 1);
      }
      const sup = makeSupport(dens, N), raw = new Float32Array(N);
      dens.computeSupport(pts, N, sup);
      gatherForward(dens.features.data, 1, dens.K, sup, N, raw);
      maxRaw = (x, y, z) => {
        let m = -Infinity;
        for (let dz = 0; dz < 3; dz++) for (let dy = 0; dy < 3; dy++) for (let dx = 0; dx < 3; dx++) {
          const v = raw[((2 * z + dz) * L + 2 * y + dy) * L + 2 * x + dx];
          if (v > m) m = v;
        }
        return m;
      };
    }
    let count = 0;
    for (let z = 0; z < r; z++) for (let y = 0; y < r; y++) for (let x = 0; x < r; x++) {
      const on = maxRaw(x, y, z) > rawThr ? 1 : 0;
      occ.cells[(z * r + y) * r + x] = on;
      count += on;
    }
    occ.occupiedCount = count;
  }
}
