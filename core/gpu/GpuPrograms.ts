/// <reference types="@webgpu/types" />
/**
 * The engine's kernels in WGSL (shaders/*.wgsl) on a WebGPU device — TF.js's own when its webgpu backend
 * is active (GpuPrograms.fromTf), so tensors and these kernels share buffers. Each method records one
 * compute pass; data stays on the device. The WebAssembly/TypeScript kernels are the reference these
 * are tested against (test/browser/gpu.test.ts).
 */
import trilinearSrc from '../../shaders/trilinear.wgsl';
import gatherSrc from '../../shaders/gather.wgsl';
import scatterSrc from '../../shaders/scatter.wgsl';
import adamSrc from '../../shaders/adam.wgsl';
import mlpLayerSrc from '../../shaders/mlp_layer.wgsl';
import mlpLayerBwdSrc from '../../shaders/mlp_layer_bwd.wgsl';
import mulfaSupportSrc from '../../shaders/mulfa_support.wgsl';
import compositeSrc from '../../shaders/composite.wgsl';
import hashSupportSrc from '../../shaders/hash_support.wgsl';
import samplingSrc from '../../shaders/sampling.wgsl';
import occupancySrc from '../../shaders/occupancy.wgsl';
import encodeSrc from '../../shaders/encode.wgsl';
import sincosSrc from '../../shaders/sincos.wgsl';
import mulfaCommonSrc from '../../shaders/mulfa_common.wgsl';
import mulfaBackwardSrc from '../../shaders/mulfa_backward.wgsl';
import outerReduceSrc from '../../shaders/outer_reduce.wgsl';
import lossSrc from '../../shaders/loss.wgsl';
import exposureSrc from '../../shaders/exposure.wgsl';
import mulfaAdamSrc from '../../shaders/mulfa_adam.wgsl';
import tvSrc from '../../shaders/tv.wgsl';
import type { AABB } from '../scene/Scene';
import type { HashGrid } from '../field/HashGrid';
import type { MulFAKernel } from '../field/MulFAGrid';
import type { Param } from '../field/GridModel';
import type { TfRuntime } from './TfRuntime';

const ROW = 65535; // workgroups per dispatch dimension

/** What the device was asked to do (bench JSON; tests bound them per step). */
export interface GpuCounters { submits: number; dispatches: number; bytesUploaded: number; bytesRead: number }

const UNIFORM_SLOT = 256; // minUniformBufferOffsetAlignment's default

/**
 * A row count the device computed (e.g. how many samples get colour): `bound` (known on the host) sizes the
 * dispatch, the u32 at `offset` of `buf` becomes the program's `n` on the device (copied into its uniform slot
 * before it runs), so rows past it exit at once and nothing waits for a read-back.
 */
export interface DeviceCount { bound: number; buf: GPUBuffer; offset: number }

/** Rows to dispatch for: the count, or a device count's host-side bound. */
export type Rows = number | DeviceCount;
const bound = (n: Rows): number => (typeof n === 'number' ? n : n.bound);

/**
 * The WGSL programs and the runtime around them: pipelines made once; uniforms in one arena buffer (a
 * 256-byte slot per dispatch of a submit, written with one writeBuffer when it is submitted); bind groups
 * cached by pipeline, slot and buffers (a step that repeats the last one's dispatches makes none); between
 * begin() and end() every dispatch, clear and copy is recorded into one command encoder and submitted once;
 * read-back staging buffers pooled by size.
 */
export class GpuPrograms {
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  readonly counters: GpuCounters = { submits: 0, dispatches: 0, bytesUploaded: 0, bytesRead: 0 };
  private enc: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private recording = false;
  private slot = 0;
  private arenaSlots = 512;
  private arena: GPUBuffer;
  private staged = new ArrayBuffer(512 * UNIFORM_SLOT);
  private readonly bindGroups = new Map<string, GPUBindGroup>();
  private readonly ids = new WeakMap<GPUBuffer, number>();
  private nextId = 1;
  private readonly staging = new Map<number, GPUBuffer[]>();
  private afterFlush: (() => void)[] = [];
  /**
   * TF.js's WebGPU backend on this device (TfRuntime.ts), when the decoder's GEMMs run there instead of the WGSL
   * layers (useTf); null: everything is WGSL.
   */
  tf: TfRuntime | null = null;

  constructor(readonly device: GPUDevice) {
    for (const [name, code, entry] of [['trilinear', sincosSrc + trilinearSrc, 'main'], ['gather', gatherSrc, 'main'], ['gather_dot', gatherSrc, 'dot'], ['scatter', scatterSrc, 'main'],
      ['adam', adamSrc, 'main'], ['adam_layer', adamSrc, 'layer'], ['mlp_layer', mlpLayerSrc, 'main'], ['mlp_layer_dx', mlpLayerBwdSrc, 'dx'], ['mlp_layer_dw', mlpLayerBwdSrc, 'dw'],
      ['mulfa_support', sincosSrc + mulfaCommonSrc + mulfaSupportSrc, 'main'], ['mulfa_stage', sincosSrc + mulfaCommonSrc + mulfaBackwardSrc, 'stage'],
      ['outer_reduce', outerReduceSrc, 'reduce'], ['outer_sum', outerReduceSrc, 'sum'], ['alpha_pass', compositeSrc, 'alpha_pass'], ['color_place', compositeSrc, 'color_place'], ['composite', compositeSrc, 'composite'],
      ['composite_backward', compositeSrc, 'backward'], ['distortion_backward', compositeSrc, 'distortion_backward'], ['hash_support', hashSupportSrc, 'main'],
      ['sample_count', samplingSrc, 'count'], ['sample_scan', samplingSrc, 'scan'], ['sample_place', samplingSrc, 'place'],
      ['occupancy', occupancySrc, 'main'], ['encode', sincosSrc + encodeSrc, 'encode'], ['sigmoid', sincosSrc + encodeSrc, 'sigmoid'],
      ['sigmoid_backward', sincosSrc + encodeSrc, 'sigmoid_backward'], ['split', sincosSrc + encodeSrc, 'split'], ['mse', lossSrc, 'mse'], ['mse_exposure', lossSrc, 'mse_exposure'],
      ['exposure_reduce', exposureSrc, 'reduce'], ['exposure_recentre', exposureSrc, 'recentre'],
      ['mulfa_adam', sincosSrc + mulfaAdamSrc, 'adam'], ['mulfa_pack', sincosSrc + mulfaAdamSrc, 'pack'], ['mulfa_tables', sincosSrc + mulfaAdamSrc, 'tabulate'],
      ['tv', tvSrc, 'main']]) {
      const module = device.createShaderModule({ label: name, code });
      this.pipelines.set(name, device.createComputePipeline({ label: name, layout: 'auto', compute: { module, entryPoint: entry } }));
    }
    this.arena = this.makeArena();
  }

  /** The device of TF.js's active webgpu backend (`tf.backend()` after `tf.setBackend('webgpu')`). */
  static fromTf(backend: unknown): GpuPrograms {
    const device = (backend as { device?: GPUDevice }).device;
    if (!device) throw new Error('TF.js is not on its webgpu backend');
    return new GpuPrograms(device);
  }

  private makeArena(): GPUBuffer {
    return this.device.createBuffer({ label: 'uniforms', size: this.arenaSlots * UNIFORM_SLOT, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  }

  /** A storage buffer holding `data` (or `bytes` zeros). */
  buffer(data: Float32Array | Int32Array | number, extraUsage = 0): GPUBuffer {
    const size = Math.max(16, Math.ceil((typeof data === 'number' ? data : data.byteLength) / 4) * 4);
    const buf = this.device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST | extraUsage,
      mappedAtCreation: typeof data !== 'number' });
    if (typeof data !== 'number') {
      new Uint8Array(buf.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      buf.unmap();
      this.counters.bytesUploaded += data.byteLength;
    }
    return buf;
  }

  /**
   * Writes `data` into `buf` at `offset` bytes, in order with what was recorded before (a pending recording
   * is submitted first). `data` is copied (it may live in shared WebAssembly memory, which writeBuffer does not take).
   */
  write(buf: GPUBuffer, data: Float32Array | Int32Array | Uint32Array, offset = 0): void {
    if (this.enc) this.flush();
    const copy = data.buffer instanceof ArrayBuffer ? data : data.slice();
    this.device.queue.writeBuffer(buf, offset, copy.buffer, copy.byteOffset, copy.byteLength);
    this.counters.bytesUploaded += data.byteLength;
  }

  /** Records everything until end() into one command encoder (reads in between submit what came before). */
  begin(): void {
    this.recording = true;
  }

  /** Submits what was recorded since begin(). */
  end(): void {
    this.flush();
    this.recording = false;
  }

  private encoder(): GPUCommandEncoder {
    return (this.enc ??= this.device.createCommandEncoder());
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
  }

  /** Submits the recorded commands with their uniforms. */
  private flush(): void {
    if (!this.enc) return;
    this.endPass();
    if (this.slot > 0) this.device.queue.writeBuffer(this.arena, 0, this.staged, 0, this.slot * UNIFORM_SLOT);
    this.device.queue.submit([this.enc.finish()]);
    this.counters.submits++;
    this.enc = null;
    this.slot = 0;
    const after = this.afterFlush;
    this.afterFlush = [];
    for (const f of after) f();
  }

  /** Submits what was recorded so far (another user of the queue, e.g. TF.js, goes next); recording goes on. */
  submitRecorded(): void {
    this.flush();
  }

  /** Runs `f` once everything recorded so far is submitted (at once when nothing is pending). */
  afterSubmit(f: () => void): void {
    if (this.enc) this.afterFlush.push(f);
    else f();
  }

  /**
   * Runs the decoder's GEMMs through TF.js on this device (`rt` from tfOnDevice(this.device)); null: WGSL again.
   * Switch between renders, not between a render and its backward (each runs its own runtime's backward).
   */
  useTf(rt: TfRuntime | null): void {
    if (rt && rt.device !== this.device) throw new Error('TF.js runs on another device than the engine');
    this.tf = rt;
  }

  /** Copies `bytes` of a buffer from `offset` (a multiple of 4) back to the CPU, after everything recorded or queued before. */
  async read(buf: GPUBuffer, bytes = buf.size, offset = 0): Promise<ArrayBuffer> {
    return this.readLater(buf, bytes, offset)();
  }

  /**
   * Records a copy of `buf` into a pooled staging buffer and returns a function that maps it (call it after
   * the copy was submitted — at once, or a step later so the device never waits for the CPU).
   */
  readLater(buf: GPUBuffer, bytes = buf.size, offset = 0): () => Promise<ArrayBuffer> {
    const size = Math.ceil(bytes / 4) * 4, pool = this.staging.get(size) ?? [];
    this.staging.set(size, pool);
    const staging = pool.pop() ?? this.device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.copy(buf, offset, staging, 0, size);
    this.counters.bytesRead += size;
    return async () => {
      if (this.enc) this.flush();
      await staging.mapAsync(GPUMapMode.READ);
      const out = staging.getMappedRange(0, bytes).slice(0);
      staging.unmap();
      pool.push(staging);
      return out;
    };
  }

  private id(b: GPUBuffer): number {
    let i = this.ids.get(b);
    if (i === undefined) this.ids.set(b, (i = this.nextId++));
    return i;
  }

  /**
   * One dispatch; `buffers` bind from binding 1 on (null: a binding this entry point does not use). A DeviceCount
   * among the uniforms is written as its bound and replaced on the device by its count.
   */
  private run(name: string, uniforms: (number | { f: number } | DeviceCount)[], buffers: (GPUBuffer | null)[], threads: number | [number, number]): void {
    const pipe = this.pipelines.get(name)!;
    if (this.slot >= this.arenaSlots) { // more dispatches than slots in one recording: submit them, then grow
      this.flush();
      this.arena.destroy();
      this.arenaSlots *= 2;
      this.staged = new ArrayBuffer(this.arenaSlots * UNIFORM_SLOT);
      this.arena = this.makeArena();
      this.bindGroups.clear();
    }
    const slot = this.slot++;
    const u = new Uint32Array(this.staged, slot * UNIFORM_SLOT, 64), f = new Float32Array(this.staged, slot * UNIFORM_SLOT, 64);
    const counts: [number, DeviceCount][] = [];
    uniforms.forEach((v, i) => {
      if (typeof v === 'number') u[i] = v;
      else if ('f' in v) f[i] = v.f;
      else { u[i] = v.bound; counts.push([i, v]); }
    });
    const uBytes = Math.max(16, Math.ceil(uniforms.length / 4) * 16);
    const key = `${name}|${slot}|${buffers.map((b) => (b ? this.id(b) : 0)).join(',')}`;
    let bind = this.bindGroups.get(key);
    if (!bind) {
      if (this.bindGroups.size > 4096) this.bindGroups.clear(); // buffers come and go (growth, upsampling)
      const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.arena, offset: slot * UNIFORM_SLOT, size: uBytes } }];
      buffers.forEach((buffer, i) => { if (buffer) entries.push({ binding: i + 1, resource: { buffer } }); });
      bind = this.device.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries });
      this.bindGroups.set(key, bind);
    }
    if (counts.length) { // after the staged uniforms land (written at submit, before the commands run)
      this.endPass();
      for (const [i, c] of counts) this.encoder().copyBufferToBuffer(c.buf, c.offset, this.arena, slot * UNIFORM_SLOT + i * 4, 4);
    }
    const pass = (this.pass ??= this.encoder().beginComputePass());
    pass.setPipeline(pipe);
    pass.setBindGroup(0, bind);
    if (Array.isArray(threads)) pass.dispatchWorkgroups(threads[0], threads[1]);
    else {
      const groups = Math.ceil(threads / 64);
      pass.dispatchWorkgroups(Math.min(groups, ROW), Math.max(1, Math.ceil(groups / ROW)));
    }
    this.counters.dispatches++;
    if (!this.recording) this.flush();
  }

  /** Dense-grid support: idx, w [n·8] for points [n·3] on an R³ grid (rows offset by base); FourierGrid's with fourierLevels L > 0 ([n·8(2L+1)]). */
  trilinear(pts: GPUBuffer, n: Rows, R: number, idx: GPUBuffer, w: GPUBuffer, base = 0, fourierLevels = 0): void {
    this.run('trilinear', [n, R, base, fourierLevels], [pts, idx, w], bound(n));
  }

  /**
   * out [n, C] = Σ_k w_k F[idx_k] (shaders/gather.wgsl). With `sel` (e.g. the samples that get colour), row i's
   * support is row sel[i] of idx, w.
   */
  gather(F: GPUBuffer, C: number, K: number, idx: GPUBuffer, w: GPUBuffer, n: Rows, out: GPUBuffer, sel?: GPUBuffer): void {
    this.run('gather', [n, C, K, sel ? 1 : 0], [F, idx, w, out, null, sel ?? idx], bound(n) * C);
  }

  /**
   * dW [n·K] += ⟨dOut[i], F[idx_k]⟩: the gradient of a learned kernel's weights (gatherBackward's dW). With `sel`,
   * row i's support and dW row are row sel[i]'s (each selected once), dOut's is row i.
   */
  gatherDot(F: GPUBuffer, C: number, K: number, idx: GPUBuffer, n: Rows, dOut: GPUBuffer, dW: GPUBuffer, sel?: GPUBuffer): void {
    this.run('gather_dot', [n, C, K, sel ? 1 : 0], [F, idx, null, dOut, dW, sel ?? idx], bound(n) * K);
  }

  /** dF += scatter of w · dOut (atomic compare-exchange float adds); with `sel`, row i's support is row sel[i]'s. */
  scatter(dF: GPUBuffer, C: number, K: number, idx: GPUBuffer, w: GPUBuffer, n: Rows, dOut: GPUBuffer, sel?: GPUBuffer): void {
    this.run('scatter', [n, C, K, sel ? 1 : 0], [dF, idx, w, dOut, sel ?? idx], bound(n) * K * C);
  }

  adam(n: number, x: GPUBuffer, g: GPUBuffer, m: GPUBuffer, v: GPUBuffer, t: GPUBuffer, c1: GPUBuffer, c2: GPUBuffer, lr: number, b1: number, b2: number, eps: number): void {
    this.run('adam', [n, 0, 0, 0, { f: lr }, { f: b1 }, { f: b2 }, { f: eps }], [x, g, m, v, t, c1, c2], n);
  }

  /**
   * Adam on one decoder layer: W [outD, inD] and b [outD] from the packed gradient dWb [outD, inD + 1]
   * (mlpLayerBackward's), moments and counts packed like it; clears dWb.
   */
  adamLayer(inD: number, outD: number, W: GPUBuffer, b: GPUBuffer, dWb: GPUBuffer, m: GPUBuffer, v: GPUBuffer, t: GPUBuffer, c1: GPUBuffer, c2: GPUBuffer,
    lr: number, b1: number, b2: number, eps: number): void {
    const n = outD * (inD + 1);
    this.run('adam_layer', [n, inD + 1, 0, 0, { f: lr }, { f: b1 }, { f: b2 }, { f: eps }], [W, dWb, m, v, t, c1, c2, b], n);
  }

  /**
   * Backward of `dense`: dX = dY · W (times the ReLU mask X > 0 of the layer below when maskRelu), and
   * dWb [outD, inD + 1] += [dYᵀ X | Σ dY] (weight gradient with the bias gradient as its last column).
   */
  mlpLayerBackward(X: GPUBuffer, W: GPUBuffer, dY: GPUBuffer, dX: GPUBuffer, dWb: GPUBuffer, n: Rows, inD: number, outD: number, maskRelu: boolean,
    rowsPerChunk = 256): void {
    const u = [n, inD, outD, maskRelu ? 1 : 0, rowsPerChunk, 0, 0, 0], b = bound(n);
    this.run('mlp_layer_dx', u, [X, W, dY, dX, null], [Math.ceil(inD / 16), Math.ceil(b / 16)]);
    this.run('mlp_layer_dw', u, [X, null, dY, null, dWb], [Math.ceil((outD * (inD + 1)) / 64), Math.max(1, Math.ceil(b / rowsPerChunk))]);
  }

  /**
   * The MulFA kernel's parameters packed for shaders/mulfa_common.wgsl (A1ᵀ, b1, then Aᵀ_m and b_m, a, c)
   * and its filter tables for resolution R (per layer: sin then cos, [3, R, 16]). H must be 16, M ≤ 4.
   */
  static packMulFAData(k: MulFAKernel, R: number): { params: Float32Array<ArrayBuffer>; tables: Float32Array<ArrayBuffer> } {
    const { M, H } = k.config, Z = k.Z;
    if (H !== 16) throw new Error(`the WGSL MulFA kernel is written for H = 16, got ${H}`);
    if (M < 1 || M > 4) throw new Error(`the WGSL MulFA kernel takes 1 to 4 filter layers, got ${M}`);
    if (Z > 48) throw new Error(`the WGSL MulFA kernel takes at most 8 frequencies per axis, got ${k.config.L}`);
    const p = new Float32Array(Z * 16 + 16 + (M - 1) * 272 + 17);
    let o = 0;
    for (let j = 0; j < Z; j++) for (let h = 0; h < 16; h++) p[o++] = k.A[0].data[h * Z + j];
    p.set(k.b[0].data, o); o += 16;
    for (let m = 1; m < M; m++) {
      for (let j = 0; j < 16; j++) for (let h = 0; h < 16; h++) p[o++] = k.A[m].data[h * 16 + j];
      p.set(k.b[m].data, o); o += 16;
    }
    p.set(k.a.data, o); o += 16;
    p[o] = k.c.data[0];
    const tab = k.filterTables(R), T = new Float32Array(M * 2 * 3 * R * 16);
    for (let m = 0; m < M; m++) { T.set(tab.S[m], m * 2 * 3 * R * 16); T.set(tab.C[m], (m * 2 + 1) * 3 * R * 16); }
    return { params: p, tables: T };
  }

  packMulFA(k: MulFAKernel, R: number): { params: GPUBuffer; tables: GPUBuffer } {
    const d = GpuPrograms.packMulFAData(k, R);
    return { params: this.buffer(d.params), tables: this.buffer(d.tables) };
  }

  /**
   * Backward of the MulFA kernel for n points on an R³ grid given dL/dφ̄ (dW [n·8]): the parameter
   * gradients, summed over points without atomics (shaders/mulfa_backward.wgsl stages per-corner factors
   * for `pointsPerStage` points at a time, shaders/outer_reduce.wgsl sums their outer products per chunk
   * of 256 points, then over chunks in order), are added to `grads` [mulfaGradLayout(k).total] — read it
   * and hand it to addMulFAGrads.
   */
  mulfaBackward(packed: { params: GPUBuffer; tables: GPUBuffer }, k: MulFAKernel, pts: GPUBuffer, n: number, R: number, dW: GPUBuffer,
    grads: GPUBuffer, pointsPerStage = 8192): void {
    if (n === 0) return;
    const { L, M } = k.config, Z = k.Z, lay = mulfaGradLayout(k), W = lay.W, CR = 2048;
    if ((pointsPerStage * 8) % CR !== 0) throw new Error('pointsPerStage must be a multiple of 256');
    const stagePts = Math.min(pointsPerStage, Math.ceil(n / 256) * 256), chunks = Math.ceil((n * 8) / CR);
    const sc = this.scratch;
    const need = { st: stagePts * 8 * W * 4, zp: stagePts * Z * 4, partial: chunks * lay.total * 4 };
    for (const key of ['st', 'zp', 'partial'] as const) {
      if (!sc[key] || sc[key]!.size < need[key]) { if (sc[key]) { this.flush(); sc[key]!.destroy(); } sc[key] = this.buffer(need[key]); }
    }
    for (let first = 0; first < n; first += stagePts) {
      const np = Math.min(stagePts, n - first), rows = np * 8;
      this.run('mulfa_stage', [np, first, R, L, M, Z, W, 0], [pts, packed.params, packed.tables, dW, sc.st!, sc.zp!], np);
      for (const g of lay.groups) {
        const fromSt = g.y === 'st';
        this.run('outer_reduce', [rows, CR, W, g.xOff, g.xw, g.yOff, g.yw, fromSt ? W : Z, fromSt ? 1 : 8, g.outOff, lay.total, (first * 8) / CR, 0, 0, 0, 0],
          [sc.st!, fromSt ? sc.st! : sc.zp!, sc.partial!, null], [Math.ceil(rows / CR), 1]);
      }
    }
    this.run('outer_sum', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, lay.total, 0, chunks, 0, 0, 0], [null, null, sc.partial!, grads], lay.total);
  }

  private readonly scratch: { st?: GPUBuffer; zp?: GPUBuffer; partial?: GPUBuffer } = {};

  /** MulFAGrid support: idx, w [n·8] for points [n·3] with the packed kernel (packMulFA) on an R³ grid. */
  mulfaSupport(packed: { params: GPUBuffer; tables: GPUBuffer }, k: MulFAKernel, pts: GPUBuffer, n: Rows, R: number, idx: GPUBuffer, w: GPUBuffer): void {
    this.run('mulfa_support', [n, R, k.config.L, k.config.M, k.Z, 0, 0, 0], [pts, packed.params, packed.tables, idx, w], bound(n));
  }

  /** Hash-grid support: idx, w [n · 8 · levels] for points [n·3] (the grid's level resolutions and table size). */
  hashSupport(grid: HashGrid, pts: GPUBuffer, n: Rows, idx: GPUBuffer, w: GPUBuffer, levelRes?: GPUBuffer): void {
    const levels = grid.levelRes.length, T = 2 ** grid.config.log2TableSize;
    const lr = levelRes ?? this.buffer(Int32Array.from(grid.levelRes));
    this.run('hash_support', [n, levels, T, 0], [pts, lr, idx, w], bound(n) * levels);
    if (!levelRes) { this.flush(); lr.destroy(); } // destroyed once the queued dispatch has run
  }

  /**
   * Ray sampling with the occupancy grid (shaders/sampling.wgsl): rays [n·6] (origin, direction), jitter [n]
   * (fraction of a step), occupancy [res³] as u32 0/1; `contracted`: unbounded scenes' walk (core/render/sampling.ts). Fills b.rayStart [n + 1] (b.rayStart[n] = S),
   * b.pts [S·3] (normalised) and b.rayT [S·2] (ray index, t); b must hold `capacity` samples. With a `budget` (> 0): the rays
   * whose samples fit whole in the first `budget` rows keep them, the rest get none (rayStart[n] = the kept samples,
   * rayStart[n + 1] = the count before, rayStart[n + 2] = the rays kept: see sampledCount, keptRays).
   */
  sample(n: number, rays: GPUBuffer, jitter: GPUBuffer, occ: GPUBuffer, occRes: number, aabb: AABB, near: number, far: number, step: number,
    b: SampleBuffers, contracted = false, budget = 0): void {
    const u = [n, occRes, contracted ? 1 : 0, budget, { f: aabb[0][0] }, { f: aabb[0][1] }, { f: aabb[0][2] }, { f: 0 }, { f: aabb[1][0] }, { f: aabb[1][1] }, { f: aabb[1][2] },
      { f: 0 }, { f: near }, { f: far }, { f: step }, { f: 0 }];
    this.run('sample_count', u, [rays, jitter, occ, b.tc, b.rayStart], n);
    this.run('sample_scan', u, [null, null, null, null, b.rayStart], [1, 1]);
    this.run('sample_place', u, [rays, null, occ, b.tc, b.rayStart, b.pts, b.rayT], n);
  }

  /**
   * Occupancy refresh from a dense/MulFA density grid (R³ raw values): cells [res³] 0/1 where the vertex
   * maximum exceeds rawThr (see RadianceField.refreshOccupancy for the threshold); count[0] += occupied cells.
   */
  refreshOccupancy(F: GPUBuffer, R: number, res: number, rawThr: number, cells: GPUBuffer, count: GPUBuffer): void {
    this.run('occupancy', [res, R, 0, 0, { f: rawThr }, { f: 0 }, { f: 0 }, { f: 0 }], [F, cells, count], res ** 3);
  }

  /**
   * Decoder input rows X [n, Dp] = [colour features (C) | PE of the sample's ray direction] (shaders/encode.wgsl);
   * with `sel`, row i's sample (its ray) is sel[i].
   */
  encode(n: Rows, feats: GPUBuffer, C: number, rays: GPUBuffer, rayT: GPUBuffer, freqs: number, Dp: number, X: GPUBuffer, sel?: GPUBuffer): void {
    this.run('encode', [n, C, freqs, Dp, 0, sel ? 1 : 0, 0, 0], [feats, rays, rayT, X, null, null, sel ?? rayT], bound(n));
  }

  /** rgb [n, 3] = sigmoid of the first 3 of each Y row (width outD). */
  sigmoid(n: Rows, Y: GPUBuffer, outD: number, rgb: GPUBuffer): void {
    this.run('sigmoid', [n, 0, 0, 0, outD, 0, 0, 0], [null, null, null, null, Y, rgb], bound(n));
  }

  /** dY [n, outD] = dRgb · rgb (1 − rgb) in the first 3 columns (rgb: the forward's sigmoid output). */
  sigmoidBackward(n: Rows, dRgb: GPUBuffer, rgb: GPUBuffer, outD: number, dY: GPUBuffer): void {
    this.run('sigmoid_backward', [n, 0, 0, 0, outD, 0, 0, 0], [dRgb, null, null, dY, null, rgb], bound(n));
  }

  /** dFeat [n, C] = the first C columns of dX [n, Dp]. */
  splitFeatures(n: Rows, dX: GPUBuffer, C: number, Dp: number, dFeat: GPUBuffer): void {
    this.run('split', [n, C, 0, Dp, 0, 0, 0, 0], [null, null, null, dFeat, dX, null], bound(n) * C);
  }

  /** Copies `bytes` from src at srcOffset into dst at dstOffset (multiples of 4), in order with the dispatches. */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    this.endPass();
    this.encoder().copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
    if (!this.recording) this.flush();
  }

  /** Zeroes a buffer (in order with the dispatches). */
  clear(buf: GPUBuffer): void {
    this.endPass();
    this.encoder().clearBuffer(buf);
    if (!this.recording) this.flush();
  }

  /**
   * io [n·3] (rendered colours) becomes dL/dC of the mean squared error against target [n·3]; partial [⌈n/64⌉] the
   * squared-error sums. Rays from `kept` on (a budgeted sample() dropped them) add nothing and get dL/dC = 0.
   */
  mse(n: number, io: GPUBuffer, target: GPUBuffer, partial: GPUBuffer, kept: Rows = n): void {
    this.run('mse', [n, kept, 0, 0], [io, target, partial], n);
  }

  /**
   * The MulFA kernel's update on the device (shaders/mulfa_adam.wgsl): masked Adam on its flat parameters x
   * [maps.n] from mulfaBackward's `grads` (through the maps' CSR gradient map), then the packed parameters and
   * filter tables the support and backward programs read, rebuilt from x. `grads` is left as it was (clear it).
   */
  mulfaAdam(maps: MulFADeviceMaps & { buffers: { csr: GPUBuffer; packSrc: GPUBuffer } }, R: number, x: GPUBuffer, grads: GPUBuffer,
    m: GPUBuffer, v: GPUBuffer, t: GPUBuffer, c1: GPUBuffer, c2: GPUBuffer, lr: number, b1: number, b2: number, eps: number,
    packed: { params: GPUBuffer; tables: GPUBuffer }): void {
    const o = maps.omegaOff, p = maps.psiOff, M = maps.M, B = maps.buffers;
    const u = (n: number) => [n, R, M, 0, { f: lr }, { f: b1 }, { f: b2 }, { f: eps }, o[0] ?? 0, o[1] ?? 0, o[2] ?? 0, o[3] ?? 0, p[0] ?? 0, p[1] ?? 0, p[2] ?? 0, p[3] ?? 0];
    this.run('mulfa_adam', u(maps.n), [x, grads, m, v, t, c1, c2, B.csr], maps.n);
    this.run('mulfa_pack', u(maps.packSrc.length), [x, null, null, null, null, null, null, null, B.packSrc, packed.params], maps.packSrc.length);
    this.run('mulfa_tables', u(0), [x, null, null, null, null, null, null, null, null, null, packed.tables], M * 3 * R * 16);
  }

  /**
   * How a MulFA kernel's parameters map onto the device's buffers, found by probing the host-side packers
   * (so they cannot drift from packMulFAData and mulfaGradLayout): the flat parameter vector is k.params
   * concatenated; csr lists, per flat entry i, the entries of mulfaBackward's output that add to it (csr[i] …
   * csr[i + 1] − 1 index csr itself, after the n + 1 starts); packSrc gives, per packed parameter, its flat entry; omegaOff/psiOff where Ω_m and ψ_m start.
   */
  static mulfaDeviceMaps(k: MulFAKernel): MulFADeviceMaps {
    const n = k.params.reduce((a, p) => a + p.data.length, 0), start = new Map<Param, number>();
    k.params.reduce((o, p) => (start.set(p, o), o + p.data.length), 0);
    const lay = mulfaGradLayout(k), saved = k.params.map((p) => [p.data.slice(), p.grad.slice()] as const);
    // gradient entries → flat entries
    const lists: number[][] = Array.from({ length: n }, () => []), one = new Float32Array(lay.total);
    for (const p of k.params) p.grad.fill(0);
    for (let q = 0; q < lay.total; q++) {
      one[q] = 1;
      addMulFAGrads(k, one);
      one[q] = 0;
      for (const p of k.params) {
        for (let i = 0; i < p.grad.length; i++) if (p.grad[i] !== 0) { lists[start.get(p)! + i].push(q); p.grad[i] = 0; }
      }
    }
    const csr = new Uint32Array(n + 1 + lists.reduce((a, l) => a + l.length, 0));
    csr[0] = n + 1;
    lists.forEach((l, i) => { csr.set(l, csr[i]); csr[i + 1] = csr[i] + l.length; });
    // packed parameters → flat entries (every flat entry tagged with its index + 1; exact in f32 below 2^24)
    for (const p of k.params) for (let i = 0; i < p.data.length; i++) p.data[i] = start.get(p)! + i + 1;
    const tagged = GpuPrograms.packMulFAData(k, 2).params;
    const packSrc = Uint32Array.from(tagged, (v) => v - 1);
    k.params.forEach((p, i) => { p.data.set(saved[i][0]); p.grad.set(saved[i][1]); });
    return { n, M: k.config.M, csr, packSrc, omegaOff: k.omega.map((p) => start.get(p)!), psiOff: k.psi.map((p) => start.get(p)!) };
  }

  /** Sums the per-ray exposure terms egrad [n · 12] of mseExposure into the views' gradients g [V · 12] (rayView [n] u32). */
  exposureReduce(n: number, V: number, g: GPUBuffer, egrad: GPUBuffer, rayView: GPUBuffer): void {
    this.run('exposure_reduce', [n, V, 0, 0], [null, g, egrad, rayView], V * 12);
  }

  /** Subtracts the mean affine over the V views from each (core/train/exposure.ts recentreExposure). */
  exposureRecentre(V: number, x: GPUBuffer): void {
    this.run('exposure_recentre', [0, V, 0, 0], [x], 12);
  }

  /** mse() through per-photo exposure affines (shaders/loss.wgsl mse_exposure): exposure [V·12], rayView [n] u32, egrad [n·12] out. */
  mseExposure(n: number, io: GPUBuffer, target: GPUBuffer, partial: GPUBuffer, exposure: GPUBuffer, rayView: GPUBuffer, egrad: GPUBuffer, kept: Rows = n): void {
    this.run('mse_exposure', [n, kept, 0, 0], [io, target, partial, exposure, rayView, egrad], n);
  }

  /** The samples of the last sample() over n rays, on the device (what the per-sample dispatches run over; `bound`: their host-side size). */
  sampledCount(b: SampleBuffers, n: number, bound: number): DeviceCount {
    return { bound, buf: b.rayStart, offset: n * 4 };
  }

  /** The rays of the last budgeted sample() over n rays that kept their samples, on the device. */
  keptRays(b: SampleBuffers, n: number): DeviceCount {
    return { bound: n, buf: b.rayStart, offset: (n + 2) * 4 };
  }

  sampleBuffers(n: number, capacity: number): SampleBuffers {
    return { tc: this.buffer(n * 8), rayStart: this.buffer((n + 3) * 4), pts: this.buffer(capacity * 12), rayT: this.buffer(capacity * 8) };
  }

  /** Buffers of one composite pass over n rays and S samples (see shaders/composite.wgsl). */
  compositeBuffers(n: number, S: number): CompositeBuffers {
    return { st: this.buffer(S * 8), colorOf: this.buffer(S * 4), colorSample: this.buffer(S * 4), colorStart: this.buffer((n + 1) * 4),
      range: this.buffer(n * 8), opacity: this.buffer(n * 4), io: this.buffer(n * 12), dSampleRgb: this.buffer(S * 12), dRaw: this.buffer(S * 4) };
  }

  private compositeUniforms(n: number, o: CompositeOptions): (number | { f: number })[] {
    return [n, 0, 0, 0, { f: o.shift }, { f: o.interval }, { f: o.thrW }, { f: o.thrT }, { f: o.background[0] }, { f: o.background[1] }, { f: o.background[2] }, { f: 0 },
      0, 0, 0, 0]; // (the distortion pass's box extent)
  }

  /** α, T, the samples that get colour, ray ends and opacity; then io = composited colour [n·3] from their colours rgb [nc·3]. */
  compositeForward(n: number, rayStart: GPUBuffer, raw: GPUBuffer, rgb: GPUBuffer, b: CompositeBuffers, o: CompositeOptions): void {
    this.alphaPass(n, rayStart, raw, b, o);
    this.composite(n, rgb, b, o);
  }

  /**
   * α, T, ray ends and opacity of n rays, and the samples whose weight T·α earns colour, as the CPU's alphaPass
   * (core/render/composite.ts) chooses them and in its order: per ray counted, scanned into b.colorStart [n + 1]
   * (colorStart[n] = nc, see colorCount), then b.colorSample [nc] (their samples) and b.colorOf [S] (their rows, −1
   * for none) placed. Three dispatches, nothing read back.
   */
  alphaPass(n: number, rayStart: GPUBuffer, raw: GPUBuffer, b: CompositeBuffers, o: CompositeOptions): void {
    const u = this.compositeUniforms(n, o);
    this.run('alpha_pass', u, [rayStart, raw, b.st, b.colorOf, b.range, b.opacity, null, null, null, null, b.colorStart], n);
    this.run('sample_scan', [n, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [null, null, null, null, b.colorStart], [1, 1]); // shaders/sampling.wgsl's scan
    this.run('color_place', u, [null, null, null, b.colorOf, b.range, null, null, null, null, null, b.colorStart, b.colorSample], n);
  }

  /** How many samples of the last alphaPass over n rays get colour (on the device), dispatches sized by `S` (the sample count). */
  colorCount(b: CompositeBuffers, n: number, S: number): DeviceCount {
    return { bound: S, buf: b.colorStart, offset: n * 4 };
  }

  /** io = composited colour [n·3] after alphaPass, from the coloured samples' colours rgb [nc·3]. */
  composite(n: number, rgb: GPUBuffer, b: CompositeBuffers, o: CompositeOptions): void {
    this.run('composite', this.compositeUniforms(n, o), [null, null, b.st, b.colorOf, b.range, b.opacity, rgb, b.io], n);
  }

  /** With dL/dC written into b.io: dSampleRgb [nc·3] (every row written) and dRaw [S]. */
  compositeBackward(n: number, raw: GPUBuffer, rgb: GPUBuffer, b: CompositeBuffers, o: CompositeOptions): void {
    this.run('composite_backward', this.compositeUniforms(n, o), [null, raw, b.st, b.colorOf, b.range, null, rgb, b.io, b.dSampleRgb, b.dRaw], n);
  }

  /**
   * After compositeBackward: dRaw [S] += the distortion loss's gradient (weight λ per ray, sample spacing `step`,
   * distances along the samples' points pts [S·3] times the box extent `ext`; core/render/composite.ts distortionBackward).
   */
  distortionBackward(n: number, raw: GPUBuffer, pts: GPUBuffer, b: CompositeBuffers, o: CompositeOptions, lambda: number, step: number, ext: readonly number[]): void {
    const u = this.compositeUniforms(n, o);
    u[2] = { f: lambda }; u[3] = { f: step };
    u[12] = { f: ext[0] }; u[13] = { f: ext[1] }; u[14] = { f: ext[2] };
    this.run('distortion_backward', u, [null, raw, b.st, null, b.range, null, null, null, null, b.dRaw, null, null, pts], n);
  }

  /** The density TV's gradient (shaders/tv.wgsl, core/train/tv.ts): g += λ Σ_j (x_i − x_j) where g ≠ 0, on an R³ grid. */
  tv(x: GPUBuffer, g: GPUBuffer, R: number, lambda: number): void {
    this.run('tv', [R * R * R, R, 0, 0, { f: lambda }], [x, g], R * R * R);
  }

  /** Y [n, outD] = act(X [n, inD] · Wᵀ + b), W [outD, inD] row-major (the decoder's layout). */
  mlpLayer(X: GPUBuffer, W: GPUBuffer, b: GPUBuffer, Y: GPUBuffer, n: Rows, inD: number, outD: number, relu: boolean): void {
    this.run('mlp_layer', [n, inD, outD, relu ? 1 : 0], [X, W, b, Y], [Math.ceil(outD / 16), Math.ceil(bound(n) / 16)]);
  }
}

type MulFAGradLayout = { W: number; total: number;
  groups: { xOff: number; xw: number; y: 'st' | 'zp'; yOff: number; yw: number; outOff: number; add: (g: Float32Array, o: number) => void }[] };
const layouts = new WeakMap<MulFAKernel, MulFAGradLayout>();

/** Where each MulFA parameter gradient sits in mulfaBackward's output, and the staging row width W (built once per kernel). */
export function mulfaGradLayout(k: MulFAKernel): MulFAGradLayout {
  let lay = layouts.get(k);
  if (!lay) layouts.set(k, (lay = buildLayout(k)));
  return lay;
}

function buildLayout(k: MulFAKernel): MulFAGradLayout {
  const M = k.config.M, Z = k.Z, W = 4 + 48 * M;
  const groups: MulFAGradLayout['groups'] = [];
  let off = 0;
  const group = (xOff: number, xw: number, y: 'st' | 'zp', yOff: number, yw: number, add: (g: Float32Array, o: number) => void) => {
    groups.push({ xOff, xw, y, yOff, yw, outOff: off, add });
    off += xw * (yw + 1);
  };
  group(0, 1, 'st', 1, 16, (g, o) => { for (let h = 0; h < 16; h++) k.a.grad[h] += g[o + h]; k.c.grad[0] += g[o + 16]; });
  for (let m = 0; m < M; m++) {
    group(17 + 16 * m, 16, 'st', 17 + 16 * M, 3, (g, o) => {
      for (let h = 0; h < 16; h++) {
        for (let a = 0; a < 3; a++) k.omega[m].grad[h * 3 + a] += g[o + h * 4 + a];
        k.psi[m].grad[h] += g[o + h * 4 + 3];
      }
    });
  }
  for (let m = 1; m < M; m++) {
    const x = 20 + 16 * M + 32 * (m - 1);
    group(x, 16, 'st', x + 16, 16, (g, o) => {
      for (let h = 0; h < 16; h++) {
        for (let j = 0; j < 16; j++) k.A[m].grad[h * 16 + j] += g[o + h * 17 + j];
        k.b[m].grad[h] += g[o + h * 17 + 16];
      }
    });
  }
  group(20 + 16 * M + 32 * (M - 1), 16, 'zp', 0, Z, (g, o) => {
    for (let h = 0; h < 16; h++) {
      for (let j = 0; j < Z; j++) k.A[0].grad[h * Z + j] += g[o + h * (Z + 1) + j];
      k.b[0].grad[h] += g[o + h * (Z + 1) + Z];
    }
  });
  return { W, total: off, groups };
}

/** A MulFA kernel's device layout maps (GpuPrograms.mulfaDeviceMaps). */
export interface MulFADeviceMaps { n: number; M: number; csr: Uint32Array; packSrc: Uint32Array; omegaOff: number[]; psiOff: number[] }

/** Adds mulfaBackward's output (read back) to the kernel's parameter gradients. */
export function addMulFAGrads(k: MulFAKernel, g: Float32Array): void {
  for (const grp of mulfaGradLayout(k).groups) grp.add(g, grp.outOff);
}

export interface CompositeOptions { shift: number; interval: number; thrW: number; thrT: number; background: readonly number[] }

/**
 * st [S] (α, T); colorOf [S] (the sample's colour row or −1), colorSample [nc] (the row's sample), colorStart [n + 1]
 * (each ray's first colour row; [n] = nc); range [n] (first sample, end after termination); opacity [n]; io [n·3]
 * (colours, then dL/dC); dSampleRgb [nc·3]; dRaw [S].
 */
export interface CompositeBuffers {
  st: GPUBuffer; colorOf: GPUBuffer; colorSample: GPUBuffer; colorStart: GPUBuffer; range: GPUBuffer; opacity: GPUBuffer; io: GPUBuffer;
  dSampleRgb: GPUBuffer; dRaw: GPUBuffer;
}

export interface SampleBuffers { tc: GPUBuffer; rayStart: GPUBuffer; pts: GPUBuffer; rayT: GPUBuffer }
