// The fused WebAssembly kernels against the TypeScript reference (which the field tests check against
// finite differences): same inputs, same outputs and gradients, on one thread and on two.
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../core/math/rng';
import { type Support, gatherForward, gatherBackward } from '../../../core/field/GridModel';
import { MulFAKernel, MulFAGrid, MULFA_DEFAULTS } from '../../../core/field/MulFAGrid';
import { Decoder } from '../../../core/field/Decoder';
import { RadianceField, FIELD_DEFAULTS, type FieldConfig } from '../../../core/field/RadianceField';
import { JS_OPS, adamMasked, adamRows } from '../../../core/field/ops';
import type { GridKind } from '../../../core/field/GridModel';
import { WasmOps } from '../../../core/wasm/WasmOps';
import { cpuOps } from '../../../cli/ops';

/** |a − b| ≤ tol · max(max|a|, floor) elementwise. */
function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, n: number, tol: number, what: string, floor = 1e-6): void {
  let scale = floor;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(a[i]));
  let worst = 0, at = -1;
  for (let i = 0; i < n; i++) {
    const e = Math.abs(a[i] - b[i]);
    if (!(e <= worst)) { worst = e; at = i; }
  }
  expect(worst / scale, `${what}: worst at ${at}: ${a[at]} vs ${b[at]} (scale ${scale})`).toBeLessThanOrEqual(tol);
}

const configs: [string, () => Promise<WasmOps>][] = [
  ['1 thread', () => cpuOps(1)],
  ['2 threads', () => cpuOps(2)],
  ['2 threads, plain SIMD (no fused multiply-add)', () => cpuOps(2, false)],
];

/** Points with edge cases: box corners and faces, vertices and cell faces of an R grid, and random ones. */
function points(n: number, R: number, rng: Rng): Float32Array {
  const p = new Float32Array(n * 3);
  for (let i = 0; i < n * 3; i++) {
    const kind = i % 7;
    p[i] = kind === 0 ? 0 : kind === 1 ? 1 : kind === 2 ? rng.int(R) / (R - 1) : kind === 3 ? -0.1 : rng.next();
  }
  return p;
}

describe.each(configs)('WebAssembly kernels, %s', (label, make) => {
  it('loads the expected build', async () => {
    const wk = await make();
    expect(wk.variant).toBe(label.includes('plain') ? 'shared' : 'sharedRelaxed');
    expect(wk.threads).toBe(label.startsWith('1') ? 1 : 2);
  });

  it('gather forward/backward match the reference for C = 1, 3, 12', async () => {
    const wk = await make(), a = wk.arena, rng = new Rng(4), rows = 500, n = 777, K = 8;
    for (const C of [1, 3, 12]) {
      const F = a.f32(rows * C), dF = a.f32(rows * C), dFr = new Float32Array(rows * C);
      F.forEach((_, i) => (F[i] = rng.next() * 2 - 1));
      const s: Support = { capacity: n, idx: a.i32(n * K), w: a.f32(n * K) };
      for (let i = 0; i < n * K; i++) { s.idx[i] = rng.int(rows); s.w[i] = rng.next(); }
      const out = a.f32(n * C), ref = new Float32Array(n * C);
      wk.gatherForward(F, C, K, s, n, out);
      gatherForward(F, C, K, s, n, ref);
      expectClose(ref, out, n * C, 1e-6, `forward C=${C}`);
      const dOut = a.f32(n * C);
      dOut.forEach((_, i) => (dOut[i] = rng.next() - 0.5));
      const dW = a.f32(n * K), dWr = new Float32Array(n * K);
      wk.gatherBackward(F, dF, C, K, s, n, dOut, dW);
      gatherBackward(F, dFr, C, K, s, n, dOut, dWr);
      expectClose(dFr, dF, rows * C, 1e-6, `dF C=${C}`);
      expectClose(dWr, dW, n * K, 1e-6, `dW C=${C}`);
      for (const x of [F, dF, s.idx, s.w, out, dOut, dW]) a.free(x);
    }
  });

  // ours (exp), and the measured alternatives: the raw ratio (c near 1: sums ~8; and c near 0: every sum inside the guard) and tri · (1 + s)
  it.each([['exp', 0.3], ['raw', 1.3], ['raw', 1e-5], ['linear', 0.3]] as const)('MulFA kernel (%s, c = %s) weights and parameter gradients match the reference (faces, borders, random)', async (normalise, c) => {
    const wk = await make(), a = wk.arena, R = 17, n = 600;
    const rng = new Rng(11);
    const ref = new MulFAKernel({ ...MULFA_DEFAULTS, omegaScale: 4, normalise }, new Rng(5));
    // a non-trivial kernel: random a, c (the initial a = 0 makes it plain trilinear)
    ref.a.data.forEach((_, i) => (ref.a.data[i] = (rng.next() - 0.5) * (c < 1e-3 ? 1e-6 : 0.5)));
    ref.c.data[0] = c;
    const grid = new MulFAGrid(R, 1, ref);
    const pts = a.f32(n * 3);
    pts.set(points(n, R, rng));
    const sRef: Support = { capacity: n, idx: new Int32Array(n * 8), w: new Float32Array(n * 8) };
    const sW: Support = { capacity: n, idx: a.i32(n * 8), w: a.f32(n * 8) };
    ref.computeSupport(pts, n, R, sRef);
    wk.support(grid, pts, n, sW);
    expect(Array.from(sW.idx)).toEqual(Array.from(sRef.idx));
    expectClose(sRef.w, sW.w, n * 8, 2e-5, 'weights');
    const dW = a.f32(n * 8);
    dW.forEach((_, i) => (dW[i] = rng.next() - 0.5));
    ref.backward(dW, n);
    const refGrads = ref.params.map((p) => Float32Array.from(p.grad));
    for (const p of ref.params) p.grad.fill(0);
    wk.kernelBackward(grid, dW, n);
    // kernel.c's gradient is Σ_c (dφ̄_c − ⟨dφ̄, φ̄⟩) φ̄_c = 0 up to rounding: compare against the largest gradient
    const big = Math.max(...refGrads.map((g) => g.reduce((m, x) => Math.max(m, Math.abs(x)), 0)));
    ref.params.forEach((p, j) => expectClose(refGrads[j], p.grad, p.grad.length, 2e-4, p.name, big * 1e-3));
  });

  it('decoder forward/backward match the reference decoder', async () => {
    const wk = await make(), n = 301;
    const cfg = { features: 12, viewFreqs: 4, hidden: [32, 32] };
    const ref = new Decoder(cfg, new Rng(3)), dec = wk.makeDecoder(cfg, new Rng(3));
    const rng = new Rng(9);
    const feats = Float32Array.from({ length: n * 12 }, () => rng.next() * 2 - 1);
    const dirs = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) { const d = [rng.normal(), rng.normal(), rng.normal()], l = Math.hypot(...d); dirs.set(d.map((x) => x / l), i * 3); }
    const dRgb = Float32Array.from({ length: n * 3 }, () => rng.next() - 0.5);
    for (const d of [ref, dec]) { d.fillInput(n, feats, dirs, null); d.forward(n); }
    expectClose(ref.rgb, dec.rgb, n * 3, 1e-5, 'rgb');
    const dxRef = ref.backward(n, dRgb), dx = dec.backward(n, dRgb);
    const D = ref.inputDims, Dp = dec.inputDims;
    const dxC = new Float32Array(n * D);
    for (let i = 0; i < n; i++) for (let k = 0; k < D; k++) dxC[i * D + k] = dx[i * Dp + k];
    expectClose(dxRef, dxC, n * D, 1e-4, 'dX');
    ref.params.forEach((p, j) => expectClose(p.grad, dec.params[j].grad, p.grad.length, 1e-4, p.name));
  });

  it('masked Adam matches the reference', async () => {
    const wk = await make(), a = wk.arena, n = 100_003, rng = new Rng(2);
    const c1 = a.f32(8), c2 = a.f32(8);
    for (let t = 1; t < 8; t++) { c1[t] = 1 / (1 - 0.9 ** t); c2[t] = 1 / (1 - 0.99 ** t); }
    const mk = () => ({ x: a.f32(n), g: a.f32(n), m: a.f32(n), v: a.f32(n), t: a.i32(n) });
    const A = mk(), B = { x: new Float32Array(n), g: new Float32Array(n), m: new Float32Array(n), v: new Float32Array(n), t: new Int32Array(n) };
    for (let step = 0; step < 3; step++) {
      for (let i = 0; i < n; i++) { const g = i % 3 === 0 ? 0 : rng.next() - 0.5; A.g[i] = g; B.g[i] = g; }
      wk.adam(A.x, A.g, A.m, A.v, A.t, 0.1, 0.9, 0.99, 1e-8, c1, c2);
      adamMasked(B.x, B.g, B.m, B.v, B.t, 0.1, 0.9, 0.99, 1e-8, c1, c2);
    }
    expectClose(B.x, A.x, n, 1e-5, 'x');
    expect(Array.from(A.t.subarray(0, 9))).toEqual(Array.from(B.t.subarray(0, 9)));
    expect(A.g.every((g) => g === 0)).toBe(true);
  });

  it('Adam over the touched rows only: the same as masked Adam over the whole table, marks cleared', async () => {
    const wk = await make(), a = wk.arena, rows = 40_003, C = 3, n = rows * C, rng = new Rng(5);
    const c1 = a.f32(8), c2 = a.f32(8);
    for (let t = 1; t < 8; t++) { c1[t] = 1 / (1 - 0.9 ** t); c2[t] = 1 / (1 - 0.99 ** t); }
    const mk = () => ({ x: a.f32(n), g: a.f32(n), m: a.f32(n), v: a.f32(n), t: a.i32(n) });
    const A = mk(), B = mk(), J = mk(), T = mk(); // kernels: rows, whole table; TypeScript: rows, whole table
    const words = a.i32(Math.ceil(rows / 4) + 2), touched = new Uint8Array(words.buffer, words.byteOffset, rows), jsTouched = new Uint8Array(rows);
    for (let step = 0; step < 3; step++) {
      // a sparse step: runs of untouched rows (the 8-byte skips), touched rows with some zero gradients
      const idx = a.i32(5000);
      for (let i = 0; i < idx.length; i++) idx[i] = i % 2 ? rng.int(rows) : Math.min(rows - 1, 20_000 + rng.int(64));
      wk.markRows(idx, idx.length, touched);
      for (const r of idx) {
        jsTouched[r] = 1;
        for (let c = 0; c < C; c++) { const g = (r + c) % 5 === 0 ? 0 : rng.next() - 0.5; for (const X of [A, B, J, T]) X.g[r * C + c] = g; }
      }
      wk.adamRows(A.x, A.g, A.m, A.v, A.t, touched, 0.1, 0.9, 0.99, 1e-8, c1, c2);
      wk.adam(B.x, B.g, B.m, B.v, B.t, 0.1, 0.9, 0.99, 1e-8, c1, c2);
      adamRows(J.x, J.g, J.m, J.v, J.t, jsTouched, 0.1, 0.9, 0.99, 1e-8, c1, c2);
      adamMasked(T.x, T.g, T.m, T.v, T.t, 0.1, 0.9, 0.99, 1e-8, c1, c2);
    }
    expect(A.x.some((x) => x !== 0)).toBe(true);
    for (const [name, X, W] of [['kernels', A, B], ['TypeScript', J, T]] as const) {
      expect(X.x.every((x, i) => x === W.x[i]), `${name}: x`).toBe(true);
      expect(X.m.every((x, i) => x === W.m[i]) && X.v.every((x, i) => x === W.v[i]) && X.t.every((x, i) => x === W.t[i]), `${name}: moments`).toBe(true);
      expect(X.g.every((g) => g === 0), `${name}: gradients cleared`).toBe(true);
    }
    expect(touched.every((b) => b === 0) && jsTouched.every((b) => b === 0)).toBe(true);
  });

  it.each(['dense', 'mulfagrid', 'hash', 'fouriergrid'] as GridKind[])('a whole render + backward of a %s field matches', async (model) => {
    const wk = await make();
    const cfg: FieldConfig = { ...FIELD_DEFAULTS, model, resolution: 12, colorChannels: 4, decoderHidden: [16],
      hash: { levels: 3, log2TableSize: 8, minResolution: 4 } };
    const aabb: [number[], number[]] = [[-1, -1, -1], [1, 1, 1]];
    const fields = [JS_OPS, wk].map((k) => new RadianceField(cfg, aabb as never, new Rng(7), 12, k));
    const rng = new Rng(1), n = 64;
    // non-trivial density and colour
    for (const f of fields) {
      const r2 = new Rng(3);
      for (const g of [f.density, f.color]) g.features.data.forEach((_, i) => (g.features.data[i] = r2.normal()));
      for (const k of f.kernels) k.a.data.forEach((_, i) => (k.a.data[i] = r2.normal() * 0.2));
    }
    const origins = new Float32Array(n * 3), dirs = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      const d = [rng.normal(), rng.normal(), rng.normal()], l = Math.hypot(...d);
      dirs.set(d.map((x) => x / l), i * 3);
      origins.set(d.map((x) => (-3 * x) / l + (rng.next() - 0.5) * 0.5), i * 3);
    }
    const dRgb = Float32Array.from({ length: n * 3 }, () => rng.next() - 0.5);
    const outs = fields.map((f) => {
      const rgb = Float32Array.from(f.render({ n, origins, dirs }, 0, 10, [1, 1, 1], null).subarray(0, n * 3));
      f.backward(dRgb);
      return rgb;
    });
    expect(fields[1].stats.samples).toBe(fields[0].stats.samples);
    expectClose(outs[0], outs[1], n * 3, 1e-4, 'rgb');
    const g0 = fields[0].paramGroups(), g1 = fields[1].paramGroups();
    [...g0.grids, ...g0.decoder].forEach((p, j) => {
      const q = [...g1.grids, ...g1.decoder][j];
      expectClose(p.grad, q.grad, p.grad.length, 2e-3, `${model} ${p.name}`);
    });
    fields[1].dispose();
  });
});

afterAll(async () => { for (const [, m] of configs) (await m()).dispose(); });
