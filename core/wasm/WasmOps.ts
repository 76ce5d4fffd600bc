/**
 * The engine's fused CPU kernels (kernels.c, WebAssembly SIMD) behind FieldOps, on one memory shared by
 * `threads` threads. Grids, batch buffers and optimiser state are allocated in that memory (Arena), so the
 * kernels work in place; small parameters (decoder weights, the MulFA kernel) are packed per call.
 * Arrays that are not in the arena (a caller's own buffers) fall back to the TypeScript reference.
 */
import { KERNELS_WASM } from './kernelsBinary';
import { Arena, type WasmMemory } from './Arena';
import { ThreadPool, WORKER_SOURCE, CTRL_BYTES, type SpawnWorker } from './Threads';
import { type FieldOps, JS_OPS, adamMasked, adamRows, markRows } from '../field/ops';
import type { GridModel, Support, Param } from '../field/GridModel';
import { MulFAGrid, type MulFAKernel, MULFA_NORMALISATIONS } from '../field/MulFAGrid';
import { type DecoderConfig, type DecoderImpl, decoderDims, initDecoderParams, encodeDecoderInput } from '../field/Decoder';
import type { Rng } from '../math/rng';

interface WasmApi {
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  validate(bytes: Uint8Array): boolean;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
}

type Fn = (...args: number[]) => number;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function base64(s: string): Uint8Array {
  const lut = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) lut[B64.charCodeAt(i)] = i;
  const clean = s.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0, acc = 0, o = 0;
  for (let i = 0; i < clean.length; i++) {
    acc = (acc << 6) | lut[clean.charCodeAt(i)];
    bits += 6;
    if (bits >= 8) { bits -= 8; out[o++] = (acc >> bits) & 255; }
  }
  return out;
}

/** Exports callable on workers (index = position). */
const POOL_FNS = ['gather_fwd', 'scatter_rows', 'gather_dw', 'mlp_forward', 'mlp_backward', 'mulfa_support', 'mulfa_backward', 'adam_masked', 'adam_rows'];

export interface WasmOpsOptions {
  /** Threads in all (1 = no workers). Needs SharedArrayBuffer and `spawn`. */
  threads?: number;
  spawn?: SpawnWorker;
  /** Use relaxed SIMD (fused multiply-add) where the engine supports it (default true). */
  relaxed?: boolean;
}

/** Splits [0, n) into T ranges aligned to `align`. */
function split(n: number, T: number, t: number, align = 4): [number, number] {
  const per = Math.ceil(n / T / align) * align;
  return [Math.min(n, t * per), Math.min(n, (t + 1) * per)];
}

const f32 = (x: number) => Math.fround(x);

/**
 * Where the fields of kernels.c's structs sit, in 4-byte words from the struct's start (wasm32: pointers
 * and ints are one word each). Checked against the compiled kernels' own offsetof/sizeof at start-up
 * (STRUCT_CHECKS), so a change on either side fails loudly instead of writing to the wrong field.
 */
const LAYER_WORDS = 7; // Layer: in, out, WT, W, b, X, dX
const MLP = {
  L: 0, layer: (l: number) => 2 + l * LAYER_WORDS, // Mlp: L, pad, layer[8], Y, rgb, dY
  in: 0, out: 1, WT: 2, W: 3, b: 4, X: 5, dX: 6, // within a Layer
  Y: 2 + 8 * LAYER_WORDS, rgb: 3 + 8 * LAYER_WORDS, dY: 4 + 8 * LAYER_WORDS, words: 5 + 8 * LAYER_WORDS,
} as const;
const MULFA_MAXM = 4;
const MULFA = { // MulFA: L, M, H, Z, R, norm, pad[2], A1T, A1, b1, AT[4], A[4], b[4], a, c, pad2, TS[4], TC[4]
  L: 0, M: 1, H: 2, Z: 3, R: 4, norm: 5, A1T: 8, A1: 9, b1: 10, AT: 11, A: 11 + MULFA_MAXM, b: 11 + 2 * MULFA_MAXM,
  a: 11 + 3 * MULFA_MAXM, c: 12 + 3 * MULFA_MAXM, TS: 14 + 3 * MULFA_MAXM, TC: 14 + 4 * MULFA_MAXM, words: 14 + 5 * MULFA_MAXM,
} as const;
/** layout(q) of kernels.c and what the tables above imply, in bytes. */
const STRUCT_CHECKS: [q: number, what: string, bytes: number][] = [
  [0, 'sizeof(Mlp)', MLP.words * 4], [1, 'offsetof(Mlp, Y)', MLP.Y * 4], [2, 'sizeof(MulFA)', MULFA.words * 4],
  [3, 'offsetof(MulFA, TS)', MULFA.TS * 4], [4, 'offsetof(MulFA, c)', MULFA.c * 4], [5, 'sizeof(MulFAGrad)', 80],
  [6, 'offsetof(MulFAGrad, psi)', 64], [7, 'sizeof(Layer)', LAYER_WORDS * 4],
];

export class WasmOps implements FieldOps {
  readonly name = 'wasm';
  readonly arena: Arena;
  private readonly fn: Record<string, Fn>;
  private readonly mulfa = new WeakMap<MulFAKernel, MulFABlock>();
  private readonly lastPts = new WeakMap<MulFAKernel, { pts: Float32Array; R: number }>();
  /** Per thread: MulFA point state and backward staging (addresses). */
  private readonly mulfaState: number[] = [];
  private readonly mulfaScratch: number[] = [];

  private constructor(readonly memory: WasmMemory, exports: Record<string, unknown>, readonly pool: ThreadPool | null,
    /** Which build runs: shared/private memory, relaxed (FMA) or plain SIMD. */
    readonly variant: string) {
    this.fn = exports as Record<string, Fn>;
    const heap = (exports.__heap_base as { value: number }).value;
    this.arena = new Arena(memory, heap + (pool ? pool.workers.length * CTRL_BYTES + 64 : 0),
      typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer);
    for (const [q, what, bytes] of STRUCT_CHECKS) {
      const got = this.fn.layout(q);
      if (got !== bytes) throw new Error(`kernel struct layout: ${what} is ${got} bytes in kernels.c, ${bytes} in WasmOps.ts`);
    }
    for (let t = 0; t < this.threads; t++) {
      this.mulfaState.push(this.arena.alloc(this.fn.layout(8)));
      this.mulfaScratch.push(this.arena.alloc(this.fn.layout(9)));
    }
  }

  /** Loads the kernels; with threads > 1 and a spawner, starts threads − 1 workers on shared memory. */
  static async create(opts: WasmOpsOptions = {}): Promise<WasmOps> {
    const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const canShare = typeof SharedArrayBuffer !== 'undefined';
    const T = canShare && opts.spawn ? Math.max(1, Math.min(16, opts.threads ?? 1)) : 1;
    const shared = canShare;
    // private memory cannot grow without detaching every view: reserve 1 GiB up front (pages are committed on use)
    const memory = shared ? new WA.Memory({ initial: 256, maximum: 65536, shared: true }) : new WA.Memory({ initial: 16384, maximum: 16384 });
    const names = (shared ? ['sharedRelaxed', 'shared'] : ['privateRelaxed', 'private']) as (keyof typeof KERNELS_WASM)[];
    const candidates = opts.relaxed === false ? names.slice(1) : names;
    const variant = candidates.find((v) => WA.validate(base64(KERNELS_WASM[v])));
    if (!variant) throw new Error('this JavaScript engine cannot run the WebAssembly SIMD kernels');
    const module = new WA.Module(base64(KERNELS_WASM[variant]));
    const inst = new WA.Instance(module, { env: { memory } });
    const heap = (inst.exports.__heap_base as { value: number }).value;
    let pool: ThreadPool | null = null;
    if (T > 1) {
      const ctrlBase = Math.ceil(heap / 64) * 64;
      const workers = [], views = [];
      const readies: Promise<void>[] = [];
      for (let w = 0; w < T - 1; w++) {
        const ctrl = ctrlBase + w * CTRL_BYTES;
        let ready!: () => void;
        readies.push(new Promise<void>((res) => (ready = res)));
        const h = opts.spawn!(WORKER_SOURCE, (m) => { if (m === 'ready') ready(); });
        h.postMessage({ module, memory, ctrl, names: POOL_FNS });
        workers.push(h);
        views.push({ I: new Int32Array(memory.buffer, ctrl, 8), A: new Float64Array(memory.buffer, ctrl + 32, 16) });
      }
      await Promise.all(readies);
      pool = new ThreadPool(workers, views, POOL_FNS);
    }
    return new WasmOps(memory, inst.exports, pool, variant);
  }

  get alloc(): Arena { return this.arena; }

  get threads(): number { return this.pool ? this.pool.threads : 1; }

  dispose(): void { this.pool?.dispose(); }

  /** Runs export `name` on every thread with per-thread arguments. */
  private par(name: string, argsFor: (t: number) => number[]): void {
    const f = this.fn[name];
    if (!this.pool) { f(...argsFor(0)); return; }
    this.pool.run(name, argsFor, (a) => f(...a));
  }

  private owns(...arrays: ArrayBufferView[]): boolean {
    return arrays.every((a) => this.arena.owns(a));
  }

  gatherForward(F: Float32Array, C: number, K: number, s: Support, n: number, out: Float32Array): void {
    if (!this.owns(F, s.idx, s.w, out)) return JS_OPS.gatherForward(F, C, K, s, n, out);
    const T = this.threads;
    this.par('gather_fwd', (t) => [F.byteOffset, C, K, s.idx.byteOffset, s.w.byteOffset, ...split(n, T, t), out.byteOffset]);
  }

  gatherBackward(F: Float32Array, dF: Float32Array, C: number, K: number, s: Support, n: number, dOut: Float32Array,
    dW: Float32Array | null): void {
    if (!this.owns(F, dF, s.idx, s.w, dOut) || (dW && !this.owns(dW))) return JS_OPS.gatherBackward(F, dF, C, K, s, n, dOut, dW);
    const T = this.threads, rows = F.length / C;
    this.par('scatter_rows', (t) => [dF.byteOffset, C, K, s.idx.byteOffset, s.w.byteOffset, n, dOut.byteOffset, ...split(rows, T, t, 1)]);
    if (dW) this.par('gather_dw', (t) => [F.byteOffset, C, K, s.idx.byteOffset, ...split(n, T, t), dOut.byteOffset, dW.byteOffset]);
  }

  support(grid: GridModel, pts: Float32Array, n: number, s: Support): void {
    if (!(grid instanceof MulFAGrid) || !this.owns(pts, s.idx, s.w)) {
      if (grid instanceof MulFAGrid) this.lastPts.delete(grid.kernel);
      return grid.computeSupport(pts, n, s);
    }
    const k = grid.kernel, R = grid.resolution;
    const blk = this.block(k);
    blk.pack(R);
    this.lastPts.set(k, { pts, R });
    const T = this.threads;
    this.par('mulfa_support', (t) => [blk.ptr, pts.byteOffset, ...split(n, T, t), s.idx.byteOffset, s.w.byteOffset, this.mulfaState[t]]);
  }

  kernelBackward(grid: GridModel, dW: Float32Array, n: number): void {
    const last = grid instanceof MulFAGrid ? this.lastPts.get(grid.kernel) : undefined;
    if (!(grid instanceof MulFAGrid) || !last || !this.owns(dW)) return grid.kernelBackward(dW, n);
    const k = grid.kernel, blk = this.block(k), T = this.threads;
    blk.pack(last.R); // parameters are unchanged since the forward pass; tables for its resolution
    blk.zeroGrads(T);
    this.par('mulfa_backward', (t) => [blk.ptr, last.pts.byteOffset, ...split(n, T, t), dW.byteOffset, blk.gradPtr[t], this.mulfaState[t],
      this.mulfaScratch[t]]);
    blk.addGrads(T);
  }

  adam(x: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, t: Int32Array, lr: number, b1: number, b2: number,
    eps: number, c1: Float32Array, c2: Float32Array): void {
    if (!this.owns(x, g, m, v, t, c1, c2)) return adamMasked(x, g, m, v, t, lr, b1, b2, eps, c1, c2);
    const T = x.length < 65536 ? 1 : this.threads;
    const args = (th: number) => [x.byteOffset, g.byteOffset, m.byteOffset, v.byteOffset, t.byteOffset, ...split(x.length, T, th),
      lr, b1, b2, eps, c1.byteOffset, c2.byteOffset];
    if (T === 1) this.fn.adam_masked(...args(0));
    else this.par('adam_masked', args);
  }

  adamRows(x: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, t: Int32Array, touched: Uint8Array, lr: number, b1: number,
    b2: number, eps: number, c1: Float32Array, c2: Float32Array): void {
    if (!this.owns(x, g, m, v, t, touched, c1, c2)) return adamRows(x, g, m, v, t, touched, lr, b1, b2, eps, c1, c2);
    const rows = touched.length, T = rows < 16384 ? 1 : this.threads;
    const args = (th: number) => [x.byteOffset, g.byteOffset, m.byteOffset, v.byteOffset, t.byteOffset, touched.byteOffset, x.length / rows,
      ...split(rows, T, th), lr, b1, b2, eps, c1.byteOffset, c2.byteOffset];
    if (T === 1) this.fn.adam_rows(...args(0));
    else this.par('adam_rows', args);
  }

  markRows(idx: Int32Array, n: number, touched: Uint8Array): void {
    if (!this.owns(idx, touched)) return markRows(idx, n, touched);
    this.fn.mark_rows(idx.byteOffset, n, touched.byteOffset);
  }

  readonly makeDecoder = (config: DecoderConfig, rng: Rng): DecoderImpl => new WasmDecoder(this, config, rng);

  private block(k: MulFAKernel): MulFABlock {
    let b = this.mulfa.get(k);
    if (!b) this.mulfa.set(k, (b = new MulFABlock(this, k)));
    return b;
  }

  /** @internal */
  callMlp(name: 'mlp_forward' | 'mlp_backward', argsFor: (t: number) => number[]): void {
    this.par(name, argsFor);
  }
}

const pad4 = (n: number) => Math.ceil(n / 4) * 4;

/** A MulFA kernel's parameters and filter tables in kernel memory (the C struct MulFA) and per-thread gradients. */
class MulFABlock {
  readonly ptr: number;
  readonly gradPtr: number[] = [];
  private readonly hdr: Int32Array;
  private readonly hdrF: Float32Array;
  private readonly A1T: Float32Array; private readonly A1: Float32Array; private readonly b1: Float32Array;
  private readonly AT: Float32Array[] = []; private readonly A: Float32Array[] = []; private readonly b: Float32Array[] = [];
  private readonly a: Float32Array;
  private TS: Float32Array[] = []; private TC: Float32Array[] = [];
  private tabR = 0;
  private readonly grads: { A1: Float32Array; b1: Float32Array; A: Float32Array[]; b: Float32Array[]; a: Float32Array; c: Float32Array;
    omega: Float32Array[]; psi: Float32Array[]; all: Float32Array[] }[] = [];

  constructor(private readonly wk: WasmOps, readonly k: MulFAKernel) {
    const { L, M, H } = k.config, Z = k.Z, al = wk.arena;
    if (H % 4 || Z % 4 || H > 32 || Z > 48 || M > 4) throw new Error(`MulFA kernel L=${L} M=${M} H=${H} is outside the fused kernel's limits`);
    this.ptr = al.alloc(MULFA.words * 4);
    this.hdr = new Int32Array(al.memory.buffer, this.ptr, MULFA.words);
    this.hdrF = new Float32Array(al.memory.buffer, this.ptr, MULFA.words);
    this.A1T = al.f32(Z * H); this.A1 = al.f32(H * Z); this.b1 = al.f32(H); this.a = al.f32(H);
    for (let m = 1; m < M; m++) { this.AT[m] = al.f32(H * H); this.A[m] = al.f32(H * H); this.b[m] = al.f32(H); }
    const h = this.hdr;
    h[MULFA.L] = L; h[MULFA.M] = M; h[MULFA.H] = H; h[MULFA.Z] = Z; h[MULFA.R] = 0; h[MULFA.norm] = MULFA_NORMALISATIONS.indexOf(k.normalise);
    h[MULFA.A1T] = this.A1T.byteOffset; h[MULFA.A1] = this.A1.byteOffset; h[MULFA.b1] = this.b1.byteOffset;
    for (let m = 1; m < M; m++) { h[MULFA.AT + m] = this.AT[m].byteOffset; h[MULFA.A + m] = this.A[m].byteOffset; h[MULFA.b + m] = this.b[m].byteOffset; }
    h[MULFA.a] = this.a.byteOffset;
  }

  /** Copies the current parameters (and the filter tables for resolution R) into kernel memory. */
  pack(R: number): void {
    const k = this.k, { M, H } = k.config, Z = k.Z, al = this.wk.arena;
    const A1 = k.A[0].data;
    this.A1.set(A1);
    for (let h = 0; h < H; h++) for (let j = 0; j < Z; j++) this.A1T[j * H + h] = A1[h * Z + j];
    this.b1.set(k.b[0].data);
    for (let m = 1; m < M; m++) {
      const A = k.A[m].data;
      this.A[m].set(A);
      for (let h = 0; h < H; h++) for (let j = 0; j < H; j++) this.AT[m][j * H + h] = A[h * H + j];
      this.b[m].set(k.b[m].data);
    }
    this.a.set(k.a.data);
    this.hdrF[MULFA.c] = k.c.data[0];
    if (this.tabR !== R) {
      for (const t of [...this.TS, ...this.TC]) al.free(t);
      this.TS = []; this.TC = [];
      for (let m = 0; m < M; m++) { this.TS.push(al.f32(3 * R * H)); this.TC.push(al.f32(3 * R * H)); }
      for (let m = 0; m < M; m++) { this.hdr[MULFA.TS + m] = this.TS[m].byteOffset; this.hdr[MULFA.TC + m] = this.TC[m].byteOffset; }
      this.tabR = R;
    }
    this.hdr[MULFA.R] = R;
    const tab = k.filterTables(R);
    for (let m = 0; m < M; m++) { this.TS[m].set(tab.S[m]); this.TC[m].set(tab.C[m]); }
  }

  zeroGrads(T: number): void {
    const { M, H } = this.k.config, Z = this.k.Z, al = this.wk.arena;
    while (this.grads.length < T) {
      const g = { A1: al.f32(H * Z), b1: al.f32(H), A: [] as Float32Array[], b: [] as Float32Array[], a: al.f32(H), c: al.f32(4),
        omega: [] as Float32Array[], psi: [] as Float32Array[], all: [] as Float32Array[] };
      for (let m = 0; m < M; m++) {
        g.omega.push(al.f32(3 * H)); g.psi.push(al.f32(H));
        if (m > 0) { g.A[m] = al.f32(H * H); g.b[m] = al.f32(H); }
      }
      g.all = [g.A1, g.b1, g.a, g.c, ...g.omega, ...g.psi, ...g.A.filter(Boolean), ...g.b.filter(Boolean)];
      const ptr = al.alloc(80), P = new Int32Array(al.memory.buffer, ptr, 20);
      P[0] = g.A1.byteOffset; P[1] = g.b1.byteOffset;
      for (let m = 1; m < M; m++) { P[2 + m] = g.A[m].byteOffset; P[6 + m] = g.b[m].byteOffset; }
      P[10] = g.a.byteOffset; P[11] = g.c.byteOffset;
      for (let m = 0; m < M; m++) { P[12 + m] = g.omega[m].byteOffset; P[16 + m] = g.psi[m].byteOffset; }
      this.grads.push(g);
      this.gradPtr.push(ptr);
    }
    for (let t = 0; t < T; t++) for (const a of this.grads[t].all) a.fill(0);
  }

  /** Adds the threads' gradients (in thread order) to the kernel's parameter gradients. */
  addGrads(T: number): void {
    const k = this.k, { M, H } = k.config;
    const add = (dst: Param, src: Float32Array) => { const d = dst.grad; for (let i = 0; i < d.length; i++) d[i] += src[i]; };
    for (let t = 0; t < T; t++) {
      const g = this.grads[t];
      add(k.A[0], g.A1); add(k.b[0], g.b1); add(k.a, g.a);
      k.c.grad[0] += g.c[0];
      for (let m = 0; m < M; m++) {
        if (m > 0) { add(k.A[m], g.A[m]); add(k.b[m], g.b[m]); }
        add(k.psi[m], g.psi[m]);
        const og = k.omega[m].grad, src = g.omega[m];
        for (let h = 0; h < H; h++) for (let ax = 0; ax < 3; ax++) og[h * 3 + ax] += src[ax * H + h];
      }
    }
  }
}

/**
 * The decoder MLP on the fused kernels: widths padded to multiples of 4 (zero weights in the padding), rows
 * split across threads, per-thread weight gradients summed in thread order. inputDims is the padded width.
 */
export class WasmDecoder implements DecoderImpl {
  readonly params: Param[];
  readonly weights: Param[];
  readonly biases: Param[];
  readonly dims: number[];
  readonly pdims: number[];
  rgb: Float32Array = new Float32Array(0);
  private capacity = 0;
  private readonly net: number;
  private readonly hdr: Int32Array;
  private readonly WT: Float32Array[] = []; private readonly W: Float32Array[] = []; private readonly b: Float32Array[] = [];
  private X: Float32Array[] = []; private dX: Float32Array[] = [];
  private Y: Float32Array = new Float32Array(0); private dY: Float32Array = new Float32Array(0);
  private dRgb: Float32Array = new Float32Array(0);
  private readonly dW: Float32Array[][] = []; private readonly db: Float32Array[][] = [];
  private readonly ptrs: Int32Array[] = [];

  constructor(private readonly wk: WasmOps, readonly config: DecoderConfig, rng: Rng) {
    this.dims = decoderDims(config);
    this.pdims = this.dims.map(pad4);
    ({ weights: this.weights, biases: this.biases } = initDecoderParams(this.dims, rng));
    this.params = [...this.weights, ...this.biases];
    const al = wk.arena, L = this.dims.length - 1;
    if (L > 8) throw new Error('decoder deeper than 8 layers');
    this.net = al.alloc(MLP.words * 4);
    this.hdr = new Int32Array(al.memory.buffer, this.net, MLP.words);
    this.hdr[MLP.L] = L;
    for (let l = 0; l < L; l++) {
      const i = this.pdims[l], o = this.pdims[l + 1];
      this.WT.push(al.f32(i * o)); this.W.push(al.f32(o * i)); this.b.push(al.f32(o));
      const ly = MLP.layer(l);
      this.hdr[ly + MLP.in] = i; this.hdr[ly + MLP.out] = o;
      this.hdr[ly + MLP.WT] = this.WT[l].byteOffset; this.hdr[ly + MLP.W] = this.W[l].byteOffset; this.hdr[ly + MLP.b] = this.b[l].byteOffset;
    }
  }

  get inputDims(): number { return this.pdims[0]; }

  dispose(): void {
    const al = this.wk.arena;
    for (const a of [...this.X, ...this.dX, this.Y, this.dY, this.rgb, this.dRgb, ...this.WT, ...this.W, ...this.b, ...this.dW.flat(),
      ...this.db.flat(), ...this.ptrs]) al.free(a);
    al.release(this.net);
    this.capacity = 0;
  }

  private ensure(n: number): void {
    if (n <= this.capacity) return;
    const al = this.wk.arena, L = this.dims.length - 1;
    for (const a of [...this.X, ...this.dX, this.Y, this.dY, this.rgb, this.dRgb]) al.free(a);
    const cap = (this.capacity = Math.max(pad4(n), pad4(Math.ceil(this.capacity * 1.5))));
    this.X = []; this.dX = [];
    for (let l = 0; l < L; l++) { this.X.push(al.f32(cap * this.pdims[l])); this.dX.push(al.f32(cap * this.pdims[l])); }
    this.Y = al.f32(cap * this.pdims[L]); this.dY = al.f32(cap * this.pdims[L]);
    this.rgb = al.f32(cap * 3); this.dRgb = al.f32(cap * 3);
    for (let l = 0; l < L; l++) { const ly = MLP.layer(l); this.hdr[ly + MLP.X] = this.X[l].byteOffset; this.hdr[ly + MLP.dX] = this.dX[l].byteOffset; }
    this.hdr[MLP.Y] = this.Y.byteOffset; this.hdr[MLP.rgb] = this.rgb.byteOffset; this.hdr[MLP.dY] = this.dY.byteOffset;
  }

  fillInput(n: number, feats: Float32Array, dirs: Float32Array, dirIndex: Int32Array | null): void {
    this.ensure(n);
    encodeDecoderInput(this.X[0], this.pdims[0], this.config.features, this.config.viewFreqs, n, feats, dirs, dirIndex);
  }

  /** Packs Wᵀ and W (padded) and b for the kernels. */
  private pack(): void {
    const L = this.dims.length - 1;
    for (let l = 0; l < L; l++) {
      const i0 = this.dims[l], o0 = this.dims[l + 1], i = this.pdims[l], o = this.pdims[l + 1];
      const src = this.weights[l].data, WT = this.WT[l], W = this.W[l];
      for (let r = 0; r < o0; r++) for (let c = 0; c < i0; c++) { const v = src[r * i0 + c]; W[r * i + c] = v; WT[c * o + r] = v; }
      this.b[l].set(this.biases[l].data);
    }
  }

  forward(n: number): Float32Array {
    this.ensure(Math.max(n, 4));
    this.pack();
    const T = this.wk.threads;
    this.wk.callMlp('mlp_forward', (t) => [this.net, ...split(n, T, t)]);
    return this.rgb;
  }

  backward(n: number, dRgb: Float32Array): Float32Array {
    const T = this.wk.threads, L = this.dims.length - 1, al = this.wk.arena;
    while (this.dW.length < T) {
      const dW = [], db = [];
      for (let l = 0; l < L; l++) { dW.push(al.f32(this.pdims[l] * this.pdims[l + 1])); db.push(al.f32(this.pdims[l + 1])); }
      const p = al.i32(16);
      for (let l = 0; l < L; l++) { p[l] = dW[l].byteOffset; p[8 + l] = db[l].byteOffset; }
      this.dW.push(dW); this.db.push(db); this.ptrs.push(p);
    }
    for (let t = 0; t < T; t++) { for (const a of this.dW[t]) a.fill(0); for (const a of this.db[t]) a.fill(0); }
    let dR = dRgb;
    if (!al.owns(dRgb)) { this.dRgb.set(dRgb.subarray(0, n * 3)); dR = this.dRgb; }
    this.wk.callMlp('mlp_backward', (t) => [this.net, ...split(n, T, t), dR.byteOffset, this.ptrs[t].byteOffset, this.ptrs[t].byteOffset + 32]);
    for (let l = 0; l < L; l++) {
      const i0 = this.dims[l], o0 = this.dims[l + 1], i = this.pdims[l];
      const gw = this.weights[l].grad, gb = this.biases[l].grad;
      for (let t = 0; t < T; t++) {
        const dW = this.dW[t][l], db = this.db[t][l];
        for (let r = 0; r < o0; r++) { gb[r] += db[r]; for (let c = 0; c < i0; c++) gw[r * i0 + c] += dW[r * i + c]; }
      }
    }
    return this.dX[0];
  }
}

export { f32 };
