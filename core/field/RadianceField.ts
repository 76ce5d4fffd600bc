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
  /** Per-ray rendered colour [n, 3], accumulated opacity [n] and expected depth [n] of the last render. */
  rgb = new Float32Array(0);
  opacity = new Float32Array(0);
  depth = new Float32Array(0);
  stats = { samples: 0, colorSamples: 0 };
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

  /** Whether colour reuses the density grid's support (one shared MulFA kernel at the same resolution). */
  get sharesSupport(): boolean {
    return this.density instanceof MulFAGrid && this.color instanceof MulFAGrid && this.density.kernel === this.color.kernel &&
      this.density.resolution === this.color.resolution;
  }

  /** World size of one voxel of the final grid (the unit of sample spacing and density). */
  get voxelSize(): number {
    const ext = Math.max(...[0, 1, 2].map((k) => this.aabb[1][k] - this.aabb[0][k]));
    return ext / (this.config.resolution - 1);
  }

  /** World distance between samples: stepVoxels voxels of the current grid (coarser grids take longer steps). */
  get stepSize(): number {
    const ext = Math.max(...[0, 1, 2].map((k) => this.aabb[1][k] - this.aabb[0][k]));
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
    return g;
  }

  private release(g: GridModel): void {
    this.k.alloc.free(g.features.data);
    this.k.alloc.free(g.features.grad);
  }

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
   * Renders rays: fills this.rgb/opacity/depth. `jitter` (training) offsets each ray's samples by a random
   * fraction of a step; without it samples sit at half steps (deterministic).
   */
  render(rays: RayBatch, near: number, far: number, background: readonly [number, number, number], rng: Rng | null): Float32Array {
    const { n, dirs } = rays;
    const ws = this.ws, box = this.box, step = this.stepSize, occ = this.occupancy, aabb = this.aabb;
    // rays in the grid's space (world rays as they are when bounded); the decoder sees the world directions
    let origins = rays.origins, mDirs = dirs;
    if (mapsRays(this.space)) {
      origins = ws.f32('mOrigins', n * 3); mDirs = ws.f32('mDirs', n * 3);
      mapRays(this.space, n, rays.origins, dirs, origins, mDirs);
      ({ near, far } = rayRange(this.space, near, far));
    }
    this.nRays = n;
    this.bg = [background[0], background[1], background[2]];
    // ---- sampling: count first to size buffers
    const rayStart = ws.i32('rayStart', n + 1);
    const tStart = ws.f32('tStart', n), tCount = ws.i32('tCount', n);
    const jitter = rng ? () => rng.next() : null, contracted = !!this.space.fg;
    const total = contracted ? countContracted(n, origins, mDirs, near, far, step, jitter, tStart, tCount)
      : countSamples(n, origins, mDirs, aabb, near, far, step, jitter, tStart, tCount, box);
    const pts = ws.f32('pts', total * 3), sRay = ws.i32('sRay', total), sT = ws.f32('sT', total);
    const S = (contracted ? placeContracted : placeSamples)(n, origins, mDirs, aabb, step, occ, tStart, tCount, rayStart, pts, sRay, sT);
    this.nSamples = S;
    // ---- density
    const dens = this.density, dSup = ws.support('dSup', dens.K, S);
    const raw = ws.f32('raw', S);
    this.k.support(dens, pts, S, dSup);
    this.k.gatherForward(dens.features.data, 1, dens.K, dSup, S, raw);
    const alpha = ws.f32('alpha', S), Tk = ws.f32('Tk', S), colorOf = ws.i32('colorOf', S);
    const rayEnd = ws.i32('rayEnd', n);
    const colorSample = ws.i32('colorSample', S);
    const sv = this.interval, shift = this.shift;
    const thrW = this.config.colorWeightThreshold, thrT = this.config.terminationT;
    const opacity = (this.opacity = this.opacity.length >= n ? this.opacity : new Float32Array(n));
    const nc = alphaPass(n, rayStart, raw, shift, sv, thrW, thrT, alpha, Tk, colorOf, colorSample, rayEnd, opacity);
    this.nColor = nc;
    this.stats = { samples: S, colorSamples: nc };
    // ---- colour for the samples that matter
    const col = this.color, C = col.channels;
    const feats = ws.f32('feats', nc * C);
    let cSup: Support;
    // every sample gets colour and the kernel is shared: the colour support is the density support
    this.colorAliasesDensity = this.sharesSupport && nc === S;
    if (this.colorAliasesDensity) {
      cSup = dSup;
    } else if (this.sharesSupport) {
      cSup = ws.support('cSup', col.K, nc);
      for (let j = 0; j < nc; j++) {
        const s = colorSample[j];
        for (let k = 0; k < col.K; k++) { cSup.idx[j * col.K + k] = dSup.idx[s * dens.K + k]; cSup.w[j * col.K + k] = dSup.w[s * dens.K + k]; }
      }
    } else {
      const cPts = ws.f32('cPts', nc * 3);
      for (let j = 0; j < nc; j++) { const s = colorSample[j]; cPts[j * 3] = pts[s * 3]; cPts[j * 3 + 1] = pts[s * 3 + 1]; cPts[j * 3 + 2] = pts[s * 3 + 2]; }
      cSup = ws.support('cSup', col.K, nc);
      this.k.support(col, cPts, nc, cSup);
    }
    this.k.gatherForward(col.features.data, C, col.K, cSup, nc, feats);
    const cRay = ws.i32('cRay', nc);
    for (let j = 0; j < nc; j++) cRay[j] = sRay[colorSample[j]];
    this.decoder.fillInput(nc, feats, dirs, cRay);
    const sampleRgb = this.decoder.forward(nc);
    // ---- composite
    const out = (this.rgb = this.rgb.length >= n * 3 ? this.rgb : new Float32Array(n * 3));
    const depth = (this.depth = this.depth.length >= n ? this.depth : new Float32Array(n));
    compositePass(n, rayStart, rayEnd, colorOf, Tk, alpha, sampleRgb, sT, opacity, background, out, depth);
    return out;
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

  backward(dRgb: Float32Array): void {
    const ws = this.ws, n = this.nRays, S = this.nSamples, nc = this.nColor;
    const rayStart = ws.i32('rayStart', 0), rayEnd = ws.i32('rayEnd', 0);
    const alpha = ws.f32('alpha', 0), Tk = ws.f32('Tk', 0), colorOf = ws.i32('colorOf', 0), raw = ws.f32('raw', 0);
    const colorSample = ws.i32('colorSample', 0);
    const sampleRgb = this.decoder.rgb;
    const dSampleRgb = ws.f32('dSampleRgb', nc * 3);
    const dRaw = ws.f32('dRaw', S);
    dRaw.fill(0, 0, S);
    const sv = this.interval, shift = this.shift, bg = this.bg;
    compositeBackward(n, rayStart, rayEnd, colorOf, alpha, Tk, raw, shift, sv, sampleRgb, bg, dRgb, dSampleRgb, dRaw);
    // colour branch
    const dIn = this.decoder.backward(nc, dSampleRgb);
    const col = this.color, C = col.channels, D = this.decoder.inputDims;
    const dFeat = ws.f32('dFeat', nc * C);
    for (let j = 0; j < nc; j++) for (let c = 0; c < C; c++) dFeat[j * C + c] = dIn[j * D + c];
    const dens = this.density, dSup = ws.support('dSup', dens.K, 0);
    const alias = this.colorAliasesDensity;
    const cSup = alias ? dSup : ws.support('cSup', col.K, 0);
    const learnsKernel = dens.kernelParams.length > 0 || col.kernelParams.length > 0;
    const dWd = learnsKernel ? ws.f32('dWd', S * dens.K) : null;
    if (dWd) dWd.fill(0, 0, S * dens.K);
    // with one support, both gradients w.r.t. the kernel weights accumulate into dWd directly
    const dWc = !learnsKernel ? null : alias ? dWd : ws.f32('dWc', nc * col.K);
    if (dWc && !alias) dWc.fill(0, 0, nc * col.K);
    this.k.gatherBackward(col.features.data, col.features.grad, C, col.K, cSup, nc, dFeat, dWc);
    this.k.gatherBackward(dens.features.data, dens.features.grad, 1, dens.K, dSup, S, dRaw, dWd);
    if (!learnsKernel) return;
    if (alias) {
      this.k.kernelBackward(dens, dWd!, S);
    } else if (this.sharesSupport) {
      for (let j = 0; j < nc; j++) {
        const s = colorSample[j];
        for (let k = 0; k < dens.K; k++) dWd![s * dens.K + k] += dWc![j * col.K + k];
      }
      this.k.kernelBackward(dens, dWd!, S);
    } else {
      this.k.kernelBackward(dens, dWd!, S);
      this.k.kernelBackward(col, dWc!, nc);
    }
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
      const R = dens.resolution, F = dens.features.data;
      const lo = (c: number) => Math.max(0, Math.floor((c / r) * (R - 1)));
      const hi = (c: number) => Math.min(R - 1, Math.ceil(((c + 1) / r) * (R - 1)));
      maxRaw = (x, y, z) => {
        let m = -Infinity;
        for (let vz = lo(z), z1 = hi(z); vz <= z1; vz++) for (let vy = lo(y), y1 = hi(y); vy <= y1; vy++) {
          const row = (vz * R + vy) * R;
          for (let vx = lo(x), x1 = hi(x); vx <= x1; vx++) if (F[row + vx] > m) m = F[row + vx];
        }
        return m;
      };
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
