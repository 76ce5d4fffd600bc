/**
 * Runs in the page (imported by gpu.test.ts through Vite): every WGSL program against the TypeScript
 * reference on the same inputs — random points plus edge cases (box corners and faces, grid vertices and
 * cell faces), scatter under heavy contention (many points in one cell) — and once on TF.js's own WebGPU
 * device. Returns the worst relative error per kernel.
 */
import { GpuPrograms } from '../../core/gpu/GpuPrograms';
import { trilinearSupport, gatherForward, gatherBackward, makeSupport } from '../../core/field/GridModel';
import { adamMasked } from '../../core/field/ops';
import { Rng } from '../../core/math/rng';
import { relErr, inwardRays } from '../fixtures/parity';

function edgePoints(n: number, R: number, rng: Rng): Float32Array {
  const p = new Float32Array(n * 3);
  for (let i = 0; i < n * 3; i++) {
    const k = i % 7;
    p[i] = k === 0 ? 0 : k === 1 ? 1 : k === 2 ? rng.int(R) / (R - 1) : k === 3 ? (rng.int(R - 1) + 0.5) / (R - 1) : k === 4 ? -0.25 : rng.next();
  }
  return p;
}

/** What every parity section shares: the kernels, the results, one random stream (sections run in order). */
interface Ctx { gk: GpuPrograms; device: GPUDevice; out: Record<string, number | string>; rng: Rng; R: number; n: number; C: number }

export async function runGpuParity(): Promise<Record<string, number | string>> {
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) return { error: 'no WebGPU adapter' };
  const device = await adapter.requestDevice();
  const gk = new GpuPrograms(device);
  device.pushErrorScope('validation'); // a validation error makes a dispatch a silent no-op: report it
  const out: Record<string, number | string> = { adapter: (adapter as unknown as { info?: { description?: string; vendor?: string } }).info?.description || 'unknown' };
  const rng = new Rng(5), R = 9, n = 3000, C = 12;
  const ctx: Ctx = { gk, device, out, rng, R, n, C };

  // support
  const pts = edgePoints(n, R, rng);
  const ref = makeSupport({ K: 8 }, n), cell = new Float64Array(6);
  for (let i = 0; i < n; i++) trilinearSupport(pts[i * 3], pts[i * 3 + 1], pts[i * 3 + 2], R, 0, ref.idx, ref.w, i * 8, 1, cell);
  const bPts = gk.buffer(pts), bIdx = gk.buffer(n * 8 * 4), bW = gk.buffer(n * 8 * 4);
  gk.trilinear(bPts, n, R, bIdx, bW);
  const gIdx = new Int32Array(await gk.read(bIdx, n * 32)), gW = new Float32Array(await gk.read(bW, n * 32));
  let idxMismatch = 0;
  for (let i = 0; i < n * 8; i++) if (gIdx[i] !== ref.idx[i]) idxMismatch++;
  out.trilinear_idx_mismatches = idxMismatch;
  out.trilinear_w = relErr(ref.w, gW, n * 8);

  // gather forward
  const rows = R ** 3, F = Float32Array.from({ length: rows * C }, () => rng.next() * 2 - 1);
  const bF = gk.buffer(F), bOut = gk.buffer(n * C * 4);
  gk.gather(bF, C, 8, bIdx, bW, n, bOut);
  const refOut = new Float32Array(n * C);
  gatherForward(F, C, 8, ref, n, refOut);
  out.gather = relErr(refOut, new Float32Array(await gk.read(bOut, n * C * 4)), n * C);

  // scatter, with contention: half the points crowd into one cell
  const crowd = Float32Array.from(pts);
  for (let i = 0; i < n / 2; i++) crowd.set([0.5 + rng.next() * 0.01, 0.5 + rng.next() * 0.01, 0.5], i * 3);
  const sup = makeSupport({ K: 8 }, n);
  for (let i = 0; i < n; i++) trilinearSupport(crowd[i * 3], crowd[i * 3 + 1], crowd[i * 3 + 2], R, 0, sup.idx, sup.w, i * 8, 1, cell);
  const dOut = Float32Array.from({ length: n * C }, () => rng.next() - 0.5);
  const refDF = new Float32Array(rows * C);
  gatherBackward(F, refDF, C, 8, sup, n, dOut, null);
  const bDF = gk.buffer(rows * C * 4);
  gk.scatter(bDF, C, 8, gk.buffer(sup.idx), gk.buffer(sup.w), n, gk.buffer(dOut));
  out.scatter_contended = relErr(refDF, new Float32Array(await gk.read(bDF, rows * C * 4)), rows * C);

  // Adam (masked)
  const N = 10_001, c1 = new Float32Array(8), c2 = new Float32Array(8);
  for (let t = 1; t < 8; t++) { c1[t] = 1 / (1 - 0.9 ** t); c2[t] = 1 / (1 - 0.99 ** t); }
  const x = Float32Array.from({ length: N }, () => rng.normal()), g = Float32Array.from({ length: N }, (_, i) => (i % 3 ? rng.normal() : 0));
  const ax = Float32Array.from(x), ag = Float32Array.from(g), am = new Float32Array(N), av = new Float32Array(N), at = new Int32Array(N);
  const bx = gk.buffer(x), bg = gk.buffer(g), bm = gk.buffer(N * 4), bv = gk.buffer(N * 4), bt = gk.buffer(N * 4), bc1 = gk.buffer(c1), bc2 = gk.buffer(c2);
  for (let step = 0; step < 3; step++) {
    adamMasked(ax, ag, am, av, at, 0.1, 0.9, 0.99, 1e-8, c1, c2);
    gk.adam(N, bx, bg, bm, bv, bt, bc1, bc2, 0.1, 0.9, 0.99, 1e-8);
    ag.set(g);
    device.queue.writeBuffer(bg, 0, g);
  }
  out.adam = relErr(ax, new Float32Array(await gk.read(bx, N * 4)), N);
  out.adam_counts_equal = String(new Int32Array(await gk.read(bt, N * 4)).every((v, i) => v === at[i]));

  // a decoder layer: 39 → 128 (ReLU) on 1000 rows, and 128 → 3 (no activation)
  for (const [inD, outD, relu] of [[39, 128, true], [128, 3, false]] as const) {
    const rowsN = 1000, X = Float32Array.from({ length: rowsN * inD }, () => rng.normal());
    const W = Float32Array.from({ length: outD * inD }, () => rng.normal() * 0.2), b = Float32Array.from({ length: outD }, () => rng.normal() * 0.1);
    const Y = new Float32Array(rowsN * outD);
    for (let i = 0; i < rowsN; i++) for (let o = 0; o < outD; o++) {
      let acc = b[o];
      for (let k = 0; k < inD; k++) acc += X[i * inD + k] * W[o * inD + k];
      Y[i * outD + o] = relu && acc < 0 ? 0 : acc;
    }
    const bY = gk.buffer(rowsN * outD * 4);
    gk.mlpLayer(gk.buffer(X), gk.buffer(W), gk.buffer(b), bY, rowsN, inD, outD, relu);
    out[`layer_${inD}x${outD}`] = relErr(Y, new Float32Array(await gk.read(bY, rowsN * outD * 4)), rowsN * outD);
  }

  await decoderBackward(ctx);

  await mulfaSupport(ctx);

  await hashSupport(ctx);

  await sampling(ctx);

  await occupancyRefresh(ctx);

  await forwardRender(ctx);

  await fieldSteps(ctx);

  await compositing(ctx);
  // (last: the sections before keep the random inputs their bounds were measured on)
  await contractedSampling(ctx);
  await exposureLoss(ctx);
  await densityTv(ctx);

  const err = await device.popErrorScope();
  out.validation_error = err ? err.message : 'none';

  // the same kernels on TF.js's WebGPU device
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (await tf.setBackend('webgpu')) {
    await tf.ready();
    const tk = GpuPrograms.fromTf(tf.backend());
    const o2 = tk.buffer(n * C * 4);
    tk.gather(tk.buffer(F), C, 8, tk.buffer(ref.idx), tk.buffer(ref.w), n, o2);
    out.gather_on_tfjs_device = relErr(refOut, new Float32Array(await tk.read(o2, n * C * 4)), n * C);
  } else out.gather_on_tfjs_device = 'tfjs webgpu backend unavailable';
  return out;
}

/**
 * decoder backward (39 → 128 → 3 reference Decoder): dX, dW, db of each layer
 */
async function decoderBackward(ctx: Ctx): Promise<void> {
  const { gk, out, rng } = ctx;
  const { Decoder } = await import('../../core/field/Decoder');
  const dec = new Decoder({ features: 12, viewFreqs: 4, hidden: [128] }, new Rng(3));
  const rowsN = 700, feats = Float32Array.from({ length: rowsN * 12 }, () => rng.normal()), dirs = new Float32Array(rowsN * 3);
  for (let i = 0; i < rowsN; i++) { const d = [rng.normal(), rng.normal(), rng.normal()], l = Math.hypot(...d); dirs.set(d.map((v) => v / l), i * 3); }
  dec.fillInput(rowsN, feats, dirs, null);
  dec.forward(rowsN);
  const X0 = Float32Array.from((dec as unknown as { acts: Float32Array[] }).acts[0].subarray(0, rowsN * 39));
  const H = Float32Array.from((dec as unknown as { acts: Float32Array[] }).acts[1].subarray(0, rowsN * 128));
  const dRgb = Float32Array.from({ length: rowsN * 3 }, () => rng.next() - 0.5);
  const dX0 = Float32Array.from(dec.backward(rowsN, dRgb).subarray(0, rowsN * 39));
  // dL/d(pre-sigmoid), as the decoder computes it
  const dZ = new Float32Array(rowsN * 3);
  for (let i = 0; i < rowsN * 3; i++) { const s = dec.rgb[i]; dZ[i] = dRgb[i] * s * (1 - s); }
  const W0 = dec.weights[0].data, W1 = dec.weights[1].data;
  const bH = gk.buffer(H), bdH = gk.buffer(rowsN * 128 * 4), bdW1 = gk.buffer(3 * 129 * 4);
  gk.mlpLayerBackward(bH, gk.buffer(W1), gk.buffer(dZ), bdH, bdW1, rowsN, 128, 3, true);
  const bdX0 = gk.buffer(rowsN * 39 * 4), bdW0 = gk.buffer(128 * 40 * 4);
  gk.mlpLayerBackward(gk.buffer(X0), gk.buffer(W0), bdH, bdX0, bdW0, rowsN, 39, 128, false);
  const gW1 = new Float32Array(await gk.read(bdW1, 3 * 129 * 4)), gW0 = new Float32Array(await gk.read(bdW0, 128 * 40 * 4));
  const split = (g: Float32Array, outD: number, inD: number) => ({ W: Float32Array.from({ length: outD * inD }, (_, j) => g[Math.floor(j / inD) * (inD + 1) + (j % inD)]),
    b: Float32Array.from({ length: outD }, (_, o) => g[o * (inD + 1) + inD]) });
  const s1 = split(gW1, 3, 128), s0 = split(gW0, 128, 39);
  out.layer_bwd_dX = relErr(dX0, new Float32Array(await gk.read(bdX0, rowsN * 39 * 4)), rowsN * 39);
  out.layer_bwd_dW = Math.max(relErr(dec.weights[1].grad, s1.W, 3 * 128), relErr(dec.weights[0].grad, s0.W, 128 * 39));
  out.layer_bwd_db = Math.max(relErr(dec.biases[1].grad, s1.b, 3), relErr(dec.biases[0].grad, s0.b, 128));
}

/**
 * MulFA support with a non-trivial learned kernel, on edge points
 */
async function mulfaSupport(ctx: Ctx): Promise<void> {
  const { gk, out, rng } = ctx;
  const { MulFAKernel, MULFA_DEFAULTS } = await import('../../core/field/MulFAGrid');
  const k = new MulFAKernel({ ...MULFA_DEFAULTS, omegaScale: 4 }, new Rng(5));
  k.a.data.forEach((_, i) => (k.a.data[i] = (rng.next() - 0.5) * 0.5));
  k.c.data[0] = 0.3;
  const Rm = 17, nm = 2000, pm = edgePoints(nm, Rm, rng);
  const refS = makeSupport({ K: 8 }, nm);
  k.computeSupport(pm, nm, Rm, refS);
  const bI = gk.buffer(nm * 32), bWm = gk.buffer(nm * 32);
  gk.mulfaSupport(gk.packMulFA(k, Rm), k, gk.buffer(pm), nm, Rm, bI, bWm);
  const gI = new Int32Array(await gk.read(bI, nm * 32));
  let mis = 0;
  for (let i = 0; i < nm * 8; i++) if (gI[i] !== refS.idx[i]) mis++;
  out.mulfa_idx_mismatches = mis;
  out.mulfa_w = relErr(refS.w, new Float32Array(await gk.read(bWm, nm * 32)), nm * 8);
  // backward: kernel-parameter gradients from random dL/dφ̄ (staged in chunks of 512 points to cover chunking)
  const { mulfaGradLayout, addMulFAGrads } = await import('../../core/gpu/GpuPrograms');
  const dWm = Float32Array.from({ length: nm * 8 }, () => rng.next() - 0.5);
  for (const p of k.params) p.grad.fill(0);
  k.backward(dWm, nm);
  const refG = k.params.map((p) => Float32Array.from(p.grad));
  for (const p of k.params) p.grad.fill(0);
  const gG = gk.buffer(mulfaGradLayout(k).total * 4);
  gk.mulfaBackward(gk.packMulFA(k, Rm), k, gk.buffer(pm), nm, Rm, gk.buffer(dWm), gG, 512);
  addMulFAGrads(k, new Float32Array(await gk.read(gG)));
  let worst = 0;
  // c's gradient is Σ ds = 0 up to rounding (c cancels in the normalisation): measured in units of a's gradient
  const aScale = Math.max(...Array.from(refG[k.params.indexOf(k.a)], Math.abs));
  k.params.forEach((p, j) => {
    const e = relErr(refG[j], p.grad, p.grad.length, p === k.c ? aScale : 1e-6);
    worst = Math.max(worst, e);
    out[`mulfa_bwd_${p.name}`] = e;
  });
  out.mulfa_bwd = worst;
  // dL/dw of a gather (the learned kernel's input): gatherDot against gatherBackward's dW
  const Fm = Float32Array.from({ length: Rm ** 3 * 3 }, () => rng.normal()), dOutM = Float32Array.from({ length: nm * 3 }, () => rng.normal());
  const refDw = new Float32Array(nm * 8).fill(0.25);
  gatherBackward(Fm, new Float32Array(Fm.length), 3, 8, refS, nm, dOutM, refDw);
  const bDw = gk.buffer(new Float32Array(nm * 8).fill(0.25));
  gk.gatherDot(gk.buffer(Fm), 3, 8, bI, nm, gk.buffer(dOutM), bDw);
  out.gather_dot = relErr(refDw, new Float32Array(await gk.read(bDw, nm * 32)), nm * 8);
}

/**
 * hash support (levels dense and hashed)
 */
async function hashSupport(ctx: Ctx): Promise<void> {
  const { gk, out, rng } = ctx;
  const { HashGrid } = await import('../../core/field/HashGrid');
  const hg = new HashGrid({ levels: 6, log2TableSize: 12, minResolution: 4, resolution: 64 }, 2);
  const nh = 1500, ph = edgePoints(nh, 64, rng), K = hg.K;
  const refH = makeSupport(hg, nh);
  hg.computeSupport(ph, nh, refH);
  const bI = gk.buffer(nh * K * 4), bWh = gk.buffer(nh * K * 4);
  gk.hashSupport(hg, gk.buffer(ph), nh, bI, bWh);
  // f32 (GPU) and f64 (reference) cell lookups may pick neighbouring cells for a point on a cell face, with
  // the same interpolated value: compare what the support is for, the interpolation of random features
  const Fh = Float32Array.from({ length: hg.rows * 2 }, () => rng.normal());
  const refO = new Float32Array(nh * 2), gpuO = new Float32Array(nh * 2);
  gatherForward(Fh, 2, K, refH, nh, refO);
  const gS = { capacity: nh, idx: new Int32Array(await gk.read(bI, nh * K * 4)), w: new Float32Array(await gk.read(bWh, nh * K * 4)) };
  gatherForward(Fh, 2, K, gS, nh, gpuO);
  out.hash_interpolation = relErr(refO, gpuO, nh * 2);
  let mis = 0;
  for (let i = 0; i < nh * K; i++) if (gS.idx[i] !== refH.idx[i]) mis++;
  out.hash_face_cell_choices = mis;
}

/**
 * ray sampling with an occupancy grid (half its cells empty) against core/render/sampling.ts
 */
async function sampling(ctx: Ctx): Promise<void> {
  const { gk, out, rng } = ctx;
  const { countSamples, placeSamples } = await import('../../core/render/sampling');
  const { Occupancy } = await import('../../core/render/Occupancy');
  const nr = 800, aabb: [number[], number[]] = [[-1.5, -1.5, -1.5], [1.5, 1.5, 1.5]], step = 0.05;
  const occ = new Occupancy(16);
  for (let i = 0; i < occ.cells.length; i++) occ.cells[i] = rng.next() < 0.5 ? 1 : 0;
  const origins = new Float32Array(nr * 3), dirs = new Float32Array(nr * 3), jit = new Float32Array(nr);
  for (let r = 0; r < nr; r++) {
    const d = [rng.normal(), rng.normal(), rng.normal()], l = Math.hypot(...d);
    dirs.set(d.map((v) => v / l), r * 3);
    origins.set(d.map((v) => (-4 * v) / l + (rng.next() - 0.5) * 2), r * 3);
    jit[r] = rng.next();
  }
  const tStart = new Float32Array(nr), tCount = new Int32Array(nr), box = new Float64Array(2);
  let q = 0;
  const jitOf = (r: number) => jit[r];
  // the reference draws jitter only for rays that hit the box: hand it the per-ray values in ray order
  const hits: number[] = [];
  countSamples(nr, origins, dirs, aabb as never, 2, 6, step, null, tStart, tCount, box);
  for (let r = 0; r < nr; r++) if (tCount[r] > 0 || tStart[r] !== 0) hits.push(r);
  const total = countSamples(nr, origins, dirs, aabb as never, 2, 6, step, () => jitOf(hits[q++]), tStart, tCount, box);
  const rs = new Int32Array(nr + 1), pts = new Float32Array(total * 3), sRay = new Int32Array(total), sT = new Float32Array(total);
  const S = placeSamples(nr, origins, dirs, aabb as never, step, occ, tStart, tCount, rs, pts, sRay, sT);
  const rays = new Float32Array(nr * 6);
  for (let r = 0; r < nr; r++) { rays.set(origins.subarray(r * 3, r * 3 + 3), r * 6); rays.set(dirs.subarray(r * 3, r * 3 + 3), r * 6 + 3); }
  const sb = gk.sampleBuffers(nr, total + 16);
  gk.sample(nr, gk.buffer(rays), gk.buffer(jit), gk.buffer(Int32Array.from(occ.cells)), 16, aabb as never, 2, 6, step, sb);
  const grs = new Int32Array(await gk.read(sb.rayStart, (nr + 1) * 4)), gp = new Float32Array(await gk.read(sb.pts, (total + 16) * 12));
  let raysDiffer = 0, worst = 0;
  for (let r = 0; r < nr; r++) {
    const k = rs[r + 1] - rs[r];
    if (grs[r + 1] - grs[r] !== k) { raysDiffer++; continue; }
    for (let j = 0; j < k * 3; j++) worst = Math.max(worst, Math.abs(gp[grs[r] * 3 + j] - pts[rs[r] * 3 + j]));
  }
  out.sampling_total = `${grs[nr]} vs ${S}`;
  out.sampling_rays_differing = raysDiffer / nr;
  out.sampling_point_error = worst;
}

/** Unbounded scenes' contracted walk (core/render/sampling.ts countContracted/placeContracted) against the device's. */
async function contractedSampling(ctx: Ctx): Promise<void> {
  const { gk, out, rng } = ctx;
  const { countContracted, placeContracted } = await import('../../core/render/sampling');
  const { CONTRACTED_BOX } = await import('../../core/scene/space');
  const { Occupancy } = await import('../../core/render/Occupancy');
  const nr = 400, step = 0.04;
  const occ = new Occupancy(16);
  for (let i = 0; i < occ.cells.length; i++) occ.cells[i] = rng.next() < 0.6 ? 1 : 0;
  // foreground-relative rays from inside the foreground and from the shell (cameras around an object), every way
  const origins = new Float32Array(nr * 3), dirs = new Float32Array(nr * 3), jit = new Float32Array(nr);
  for (let r = 0; r < nr; r++) {
    const d = [rng.normal(), rng.normal(), rng.normal()], l = Math.hypot(...d);
    dirs.set(d.map((v) => v / l), r * 3);
    origins.set([0, 1, 2].map(() => (rng.next() - 0.5) * (r % 2 ? 4 : 1.6)), r * 3);
    jit[r] = rng.next();
  }
  const tStart = new Float32Array(nr), tCount = new Int32Array(nr);
  let q = 0;
  const total = countContracted(nr, origins, dirs, 0.1, 1e30, step, () => jit[q++], tStart, tCount);
  const rs = new Int32Array(nr + 1), pts = new Float32Array(total * 3), sRay = new Int32Array(total), sT = new Float32Array(total);
  const S = placeContracted(nr, origins, dirs, CONTRACTED_BOX, step, occ, tStart, tCount, rs, pts, sRay, sT);
  const rays = new Float32Array(nr * 6);
  for (let r = 0; r < nr; r++) { rays.set(origins.subarray(r * 3, r * 3 + 3), r * 6); rays.set(dirs.subarray(r * 3, r * 3 + 3), r * 6 + 3); }
  const sb = gk.sampleBuffers(nr, total + 4096);
  gk.sample(nr, gk.buffer(rays), gk.buffer(jit), gk.buffer(Int32Array.from(occ.cells)), 16, CONTRACTED_BOX, 0.1, 1e30, step, sb, true);
  const grs = new Int32Array(await gk.read(sb.rayStart, (nr + 1) * 4)), gp = new Float32Array(await gk.read(sb.pts, (total + 4096) * 12));
  let raysDiffer = 0, worst = 0;
  for (let r = 0; r < nr; r++) {
    const k = rs[r + 1] - rs[r];
    if (grs[r + 1] - grs[r] !== k) { raysDiffer++; continue; }
    for (let j = 0; j < k * 3; j++) worst = Math.max(worst, Math.abs(gp[grs[r] * 3 + j] - pts[rs[r] * 3 + j]));
  }
  out.contracted_total = `${grs[nr]} vs ${S}`;
  out.contracted_rays_differing = raysDiffer / nr;
  out.contracted_point_error = worst;
}

/**
 * The loss through per-photo exposure affines (shaders/loss.wgsl mse_exposure) against core/train/exposure.ts, and
 * their update on the device (shaders/exposure.wgsl: per-view sums, Adam, recentring) against the CPU's.
 */
async function exposureLoss(ctx: Ctx): Promise<void> {
  const { gk, out, rng } = ctx;
  const { applyExposure, exposureBackward, makeExposure, recentreExposure } = await import('../../core/train/exposure');
  const { Adam, ADAM, adamBiasCorrections } = await import('../../core/optim/Adam');
  const { mseLoss } = await import('../../core/train/Trainer');
  const n = 1000, V = 7;
  const p = makeExposure(V);
  for (let i = 0; i < p.data.length; i++) p.data[i] = 0.3 * (rng.next() - 0.5);
  const rgb = Float32Array.from({ length: n * 3 }, () => rng.next()), tgt = Float32Array.from({ length: n * 3 }, () => rng.next());
  const view = Int32Array.from({ length: n }, () => rng.int(V));
  const exposed = new Float32Array(n * 3), dExposed = new Float32Array(n * 3), dRgb = new Float32Array(n * 3);
  applyExposure(p.data, n, rgb, view, exposed);
  const mse = mseLoss(exposed, tgt, n, dExposed);
  exposureBackward(p, n, rgb, view, dExposed, dRgb);
  const io = gk.buffer(rgb), partial = gk.buffer(Math.ceil(n / 64) * 4), egrad = gk.buffer(n * 48), x = gk.buffer(p.data), viewB = gk.buffer(view);
  gk.mseExposure(n, io, gk.buffer(tgt), partial, x, viewB, egrad);
  const gd = new Float32Array(await gk.read(io, n * 12)), gl = new Float32Array(await gk.read(partial)).reduce((a, x) => a + x, 0) / (n * 3);
  const g = gk.buffer(V * 48);
  gk.exposureReduce(n, V, g, egrad, viewB);
  out.exposure_loss = Math.abs(gl - mse) / mse;
  out.exposure_drgb = relErr(dRgb, gd, n * 3);
  out.exposure_grad = relErr(p.grad, new Float32Array(await gk.read(g, V * 48)), p.grad.length);
  // one step: the CPU's Adam and recentring, the device's
  const before = Float32Array.from(p.data), lr = 1e-3, { c1, c2 } = adamBiasCorrections(1024);
  new Adam([{ params: [p], lr }]).update(1);
  recentreExposure(p.data);
  gk.adam(V * 12, x, g, gk.buffer(V * 48), gk.buffer(V * 48), gk.buffer(V * 48), gk.buffer(c1), gk.buffer(c2), lr * p.lrScale, ADAM.beta1, ADAM.beta2, ADAM.eps);
  gk.exposureRecentre(V, x);
  const after = new Float32Array(await gk.read(x, V * 48));
  const moved = p.data.reduce((a, v, i) => Math.max(a, Math.abs(v - before[i])), 0);
  out.exposure_step = relErr(p.data.map((v, i) => v - before[i]), after.map((v, i) => v - before[i]), V * 12);
  out.exposure_moved = moved;
}

/** The density TV's gradient on the device (shaders/tv.wgsl) against core/train/tv.ts: only touched vertices, edges and corners included. */
async function densityTv(ctx: Ctx): Promise<void> {
  const { gk, out, rng } = ctx;
  const { addTvGrad } = await import('../../core/train/tv');
  const R = 11, N = R ** 3, lambda = 0.37;
  const x = Float32Array.from({ length: N }, () => rng.normal()), g = Float32Array.from({ length: N }, () => (rng.next() < 0.4 ? rng.normal() : 0));
  const bx = gk.buffer(x), bg = gk.buffer(g), ref = Float32Array.from(g);
  addTvGrad(x, ref, R, lambda);
  gk.tv(bx, bg, R, lambda);
  const dev = new Float32Array(await gk.read(bg, N * 4));
  out.tv = relErr(ref.map((v, i) => v - g[i]), dev.map((v, i) => v - g[i]), N); // the added term, relative to its largest entry
  out.tv_untouched_changed = dev.reduce((a, v, i) => a + (g[i] === 0 && v !== 0 ? 1 : 0), 0);
}

/**
 * occupancy refresh against RadianceField.refreshOccupancy (dense density grid, R = 33, 16³ cells)
 */
async function occupancyRefresh(ctx: Ctx): Promise<void> {
  const { gk, out, rng } = ctx;
  const { RadianceField, FIELD_DEFAULTS } = await import('../../core/field/RadianceField');
  const f = new RadianceField({ ...FIELD_DEFAULTS, model: 'dense', resolution: 33, occupancyRes: 16, decoderHidden: [8] }, [[-1, -1, -1], [1, 1, 1]], new Rng(1));
  const Fd = f.density.features.data;
  for (let i = 0; i < Fd.length; i++) Fd[i] = rng.normal() * 3 - 6;
  f.refreshOccupancy();
  const cellsB = gk.buffer(16 ** 3 * 4), countB = gk.buffer(4);
  gk.refreshOccupancy(gk.buffer(Fd), 33, 16, f.occupancyRawThreshold, cellsB, countB);
  const gc = new Uint32Array(await gk.read(cellsB, 16 ** 3 * 4));
  let mis = 0;
  for (let i = 0; i < gc.length; i++) if (gc[i] !== f.occupancy.cells[i]) mis++;
  out.occupancy_mismatches = mis;
  out.occupancy_count = `${new Uint32Array(await gk.read(countB, 4))[0]} vs ${f.occupancy.occupiedCount}`;
}

/**
 * a whole forward render on the GPU (sampling → support → density → alpha and the samples that get colour →
 * their colour features → view encoding → decoder → sigmoid, over the device's colour count → composite) against
 * RadianceField.render of a dense field
 */
async function forwardRender(ctx: Ctx): Promise<void> {
  const { gk, out, n } = ctx;
  const { RadianceField, FIELD_DEFAULTS } = await import('../../core/field/RadianceField');
  const R = 17, C = 12, hidden = 32, aabb: [number[], number[]] = [[-1, -1, -1], [1, 1, 1]];
  const f = new RadianceField({ ...FIELD_DEFAULTS, model: 'dense', resolution: R, colorChannels: C, decoderHidden: [hidden], occupancyRes: 16 },
    aabb as never, new Rng(2));
  const r2 = new Rng(4);
  f.density.features.data.forEach((_, i) => (f.density.features.data[i] = r2.normal() * 2 - 1));
  f.color.features.data.forEach((_, i) => (f.color.features.data[i] = r2.normal()));
  f.refreshOccupancy();
  const nr = 300, { origins, dirs } = inwardRays(nr, r2);
  const bg: [number, number, number] = [1, 1, 1], near = 0.1, far = 10;
  const ref = Float32Array.from(f.render({ n: nr, origins, dirs }, near, far, bg, null).subarray(0, nr * 3));
  const cap = f.stats.samples + 64;
  // GPU
  const rays = new Float32Array(nr * 6);
  for (let r = 0; r < nr; r++) { rays.set(origins.subarray(r * 3, r * 3 + 3), r * 6); rays.set(dirs.subarray(r * 3, r * 3 + 3), r * 6 + 3); }
  const bRays = gk.buffer(rays), sb = gk.sampleBuffers(nr, cap);
  gk.sample(nr, bRays, gk.buffer(new Float32Array(nr).fill(0.5)), gk.buffer(Int32Array.from(f.occupancy.cells)), 16, aabb as never, near, far, f.stepSize, sb);
  const S = new Int32Array(await gk.read(sb.rayStart, (nr + 1) * 4))[nr];
  const bIdx = gk.buffer(cap * 32), bW = gk.buffer(cap * 32), raw = gk.buffer(cap * 4), feats = gk.buffer(cap * C * 4);
  gk.trilinear(sb.pts, S, R, bIdx, bW);
  gk.gather(gk.buffer(f.density.features.data), 1, 8, bIdx, bW, S, raw);
  const cb = gk.compositeBuffers(nr, cap), o = { shift: f.shift, interval: f.interval, thrW: f.config.colorWeightThreshold, thrT: f.config.terminationT, background: bg };
  gk.alphaPass(nr, sb.rayStart, raw, cb, o);
  const nc = gk.colorCount(cb, nr, S), sel = cb.colorSample;
  gk.gather(gk.buffer(f.color.features.data), C, 8, bIdx, bW, nc, feats, sel);
  const dec = f.decoder as unknown as { weights: { data: Float32Array }[]; biases: { data: Float32Array }[] };
  const Dp = 39, X = gk.buffer(cap * Dp * 4), H = gk.buffer(cap * hidden * 4), Y = gk.buffer(cap * 3 * 4), rgb = gk.buffer(cap * 12);
  gk.encode(nc, feats, C, bRays, sb.rayT, 4, Dp, X, sel);
  gk.mlpLayer(X, gk.buffer(dec.weights[0].data), gk.buffer(dec.biases[0].data), H, nc, Dp, hidden, true);
  gk.mlpLayer(H, gk.buffer(dec.weights[1].data), gk.buffer(dec.biases[1].data), Y, nc, hidden, 3, false);
  gk.sigmoid(nc, Y, 3, rgb);
  gk.composite(nr, rgb, cb, o);
  out.render_samples = `${S} vs ${f.stats.samples}`;
  out.render_color_samples = `${new Int32Array(await gk.read(cb.colorStart, 4, nr * 4))[0]} vs ${f.stats.colorSamples} of ${S}`;
  out.render = relErr(ref, new Float32Array(await gk.read(cb.io, nr * 12)), nr * 3);
}

/**
 * a whole forward + backward through GpuField against RadianceField.render/backward, per model
 */
async function fieldSteps(ctx: Ctx): Promise<void> {
  const { gk, device, out, n } = ctx;
  const { RadianceField, FIELD_DEFAULTS } = await import('../../core/field/RadianceField');
  const { GpuField } = await import('../../core/gpu/GpuField');
  const aabb: [number[], number[]] = [[-1, -1, -1], [1, 1, 1]];
  const variants = [['dense', {}], ['mulfagrid', {}], ['mulfagrid_separate', { sharedKernel: false }], ['hash', { hash: { levels: 4, log2TableSize: 10, minResolution: 4 } }],
    ['fouriergrid', { fourierLevels: 2 }], ['dense_2layers', { decoderHidden: [32, 24] as number[] }]] as const;
  for (const [name, extra] of variants) {
    const model = name === 'mulfagrid_separate' ? 'mulfagrid' : name === 'dense_2layers' ? 'dense' : name;
    const f = new RadianceField({ ...FIELD_DEFAULTS, model, resolution: 13, colorChannels: 12, decoderHidden: [32], occupancyRes: 16,
      mulfa: { ...FIELD_DEFAULTS.mulfa, omegaScale: 4 }, ...extra }, aabb as never, new Rng(6));
    const r3 = new Rng(8);
    f.density.features.data.forEach((_, i) => (f.density.features.data[i] = r3.normal() * 2 - 1));
    f.color.features.data.forEach((_, i) => (f.color.features.data[i] = r3.normal()));
    for (const k of f.kernels) k.a.data.forEach((_, i) => (k.a.data[i] = (r3.next() - 0.5) * 0.5));
    f.refreshOccupancy();
    const nr = 200, { origins, dirs } = inwardRays(nr, r3);
    const bg = [1, 1, 1] as [number, number, number];
    const gf = new GpuField(gk, f); // parameters uploaded before the CPU pass touches gradients
    const ref = Float32Array.from(f.render({ n: nr, origins, dirs }, 0.1, 10, bg, null).subarray(0, nr * 3));
    const dRgb = Float32Array.from({ length: nr * 3 }, () => r3.next() - 0.5);
    f.backward(dRgb);
    await gf.render(nr, origins, dirs, 0.1, 10, bg, new Float32Array(nr).fill(0.5));
    const tag = name === 'dense' ? '' : `_${name}`;
    out[`step_render${tag}`] = relErr(ref, await gf.rgb(), nr * 3);
    out[`step_color_samples${tag}`] = `${await gf.colorSamples()} vs ${f.stats.colorSamples} of ${f.stats.samples}`;
    gf.backward(dRgb);
    out[`step_grad_density${tag}`] = relErr(f.density.features.grad, new Float32Array(await gk.read(gf.densityGrad)), f.density.features.grad.length);
    out[`step_grad_color${tag}`] = relErr(f.color.features.grad, new Float32Array(await gk.read(gf.colorGrad)), f.color.features.grad.length);
    // decoder and kernel gradients: the CPU's, then the device's read into the same (zeroed) arrays
    const net = [...f.decoder.params, ...f.kernels.flatMap((k) => k.params)];
    const cpuG = net.map((p) => Float32Array.from(p.grad));
    net.forEach((p) => p.grad.fill(0));
    await gf.readDecoderGrads();
    await gf.readKernelGrads();
    let dec = 0, ker = 0;
    net.forEach((p, j) => {
      const isKernel = j >= f.decoder.params.length;
      // c's gradient cancels to rounding (normalised weights): compare it in units of a's
      const floor = p.name === 'kernel.c' ? Math.max(...Array.from(cpuG[j - 1], Math.abs)) : 1e-6;
      const e = relErr(cpuG[j], p.grad, p.grad.length, floor);
      if (isKernel) ker = Math.max(ker, e); else dec = Math.max(dec, e);
    });
    out[`step_grad_decoder${tag}`] = dec;
    if (f.kernels.length) out[`step_grad_kernel${tag}`] = ker;
    out[`step_samples${tag}`] = f.stats.samples;
    if (f.kernels.length) await kernelUpdate(f, gf, nr, origins, dirs, bg, dRgb, tag, out);
    await sampleBudget(f, gf, gk, nr, origins, dirs, bg, dRgb, tag, out);
    gf.dispose();
  }
}

/**
 * The MulFA kernels' update on the device (GpuField.adamKernels: masked Adam from the backward's gradients, packed
 * parameters and filter tables rebuilt there) against the CPU's Adam on the same gradients (the device's, read into
 * the kernels by readKernelGrads: Adam's first step is ±lr wherever a gradient is not zero, so gradients that differ
 * at rounding level, as c's, would test the gradients again, not the update): the parameters' change, and a
 * render with the updated kernels (which reads the rebuilt packed parameters and tables).
 */
async function kernelUpdate(f: import('../../core/field/RadianceField').RadianceField, gf: import('../../core/gpu/GpuField').GpuField,
  nr: number, origins: Float32Array, dirs: Float32Array, bg: [number, number, number], dRgb: Float32Array, tag: string, out: Record<string, unknown>): Promise<void> {
  const { Adam } = await import('../../core/optim/Adam');
  gf.backward(dRgb); // the kernels' gradients on the device again (readKernelGrads cleared them)
  const kp = f.kernels.flatMap((k) => k.params), lr = 1; // × the kernels' rate scale (0.01): steps of ~0.01
  const before = kp.map((p) => Float32Array.from(p.data));
  new Adam([{ params: kp, lr }]).update(1);
  const cpuAfter = kp.map((p) => Float32Array.from(p.data));
  const ref = Float32Array.from(f.render({ n: nr, origins, dirs }, 0.1, 10, bg, null).subarray(0, nr * 3));
  gf.adamKernels(lr); // a field made without optimisers: zero moments, as the fresh CPU Adam
  await gf.render(nr, origins, dirs, 0.1, 10, bg, new Float32Array(nr).fill(0.5));
  out[`step_render_after_kernel_adam${tag}`] = relErr(ref, await gf.rgb(), nr * 3);
  await gf.copyToCpu(); // the device's kernel parameters into the CPU kernels
  let worst = 0, moved = 0;
  kp.forEach((p, j) => {
    const dCpu = cpuAfter[j].map((v, i) => v - before[j][i]), dGpu = p.data.map((v, i) => v - before[j][i]);
    moved = Math.max(moved, ...Array.from(dCpu, Math.abs));
    worst = Math.max(worst, relErr(dCpu, dGpu, dCpu.length, 1e-3));
  });
  out[`step_kernel_adam${tag}`] = worst;
  out[`step_kernel_adam_moved${tag}`] = moved;
}

/**
 * A render under a sample budget (GpuTrainer's steps: per-sample buffers sized without reading the count back)
 * against the same render with the count read: a budget the samples fit in gives the same colours bit for bit and
 * the same gradients; one they do not fit in keeps the rays whose samples fit whole (as many as the CPU's per-ray
 * counts allow) with the same colours, leaves the rest with none (the background) and out of the loss (dL/dC = 0),
 * and the loss read reports the whole count and the rays dropped.
 */
async function sampleBudget(f: import('../../core/field/RadianceField').RadianceField, gf: import('../../core/gpu/GpuField').GpuField,
  gk: GpuPrograms, nr: number, origins: Float32Array, dirs: Float32Array, bg: [number, number, number], dRgb: Float32Array, tag: string,
  out: Record<string, unknown>): Promise<void> {
  const jitter = new Float32Array(nr).fill(0.5);
  const grads = async () => {
    const g = [new Float32Array(await gk.read(gf.densityGrad)), new Float32Array(await gk.read(gf.colorGrad))];
    gk.clear(gf.densityGrad); gk.clear(gf.colorGrad);
    return g;
  };
  const S = await gf.render(nr, origins, dirs, 0.1, 10, bg, jitter);
  const rgb = await gf.rgb();
  await grads(); // what earlier checks left
  gf.backward(dRgb);
  const ref = await grads();
  const read0 = gk.counters.bytesRead;
  await gf.render(nr, origins, dirs, 0.1, 10, bg, jitter, undefined, undefined, S);
  out[`budget_render_bytes_read${tag}`] = gk.counters.bytesRead - read0;
  const same = await gf.rgb();
  out[`budget_rgb${tag}`] = Math.max(...Array.from(rgb, (v, i) => Math.abs(v - same[i])));
  gf.backward(dRgb);
  const g = await grads();
  out[`budget_grad${tag}`] = Math.max(relErr(ref[0], g[0], ref[0].length), relErr(ref[1], g[1], ref[1].length));
  // half the samples: the CPU's per-ray counts say how many rays fit whole
  const budget = Math.floor(S / 2), counts = new Int32Array(nr);
  for (const r of f.lastSamples().ray) counts[r]++;
  let fit = 0;
  for (let acc = 0; fit < nr && acc + counts[fit] <= budget; fit++) acc += counts[fit];
  const target = Float32Array.from({ length: nr * 3 }, (_, i) => (i % 7) / 7);
  await gf.render(nr, origins, dirs, 0.1, 10, bg, jitter, target, undefined, budget);
  const cut = await gf.rgb();
  const report = gf.loss();
  const dC = await gf.rgb(), rep = await report(), kept = nr - rep.droppedRays;
  out[`budget_kept${tag}`] = `${kept} vs ${fit} of ${nr}`;
  out[`budget_samples${tag}`] = `${rep.samples} vs ${S}`;
  let keptDiff = 0, droppedBg = 0, dKept = 0, dDropped = 0;
  for (let i = 0; i < nr * 3; i++) {
    if (i < kept * 3) {
      keptDiff = Math.max(keptDiff, Math.abs(cut[i] - rgb[i]));
      dKept = Math.max(dKept, Math.abs(dC[i] - (2 * (cut[i] - target[i])) / (3 * nr)) * nr);
    } else {
      droppedBg = Math.max(droppedBg, Math.abs(cut[i] - bg[i % 3]));
      dDropped = Math.max(dDropped, Math.abs(dC[i]));
    }
  }
  out[`budget_kept_rgb${tag}`] = keptDiff;
  out[`budget_dropped_not_background${tag}`] = droppedBg;
  out[`budget_kept_dloss${tag}`] = dKept;
  out[`budget_dropped_dloss${tag}`] = dDropped;
}

/**
 * compositing forward and backward against core/render/composite.ts (the field's own loops)
 */
async function compositing(ctx: Ctx): Promise<void> {
  const { gk, device, out, rng } = ctx;
  const { alphaPass, compositePass, compositeBackward } = await import('../../core/render/composite');
  const nr = 500, counts = Array.from({ length: nr }, () => rng.int(60));
  const rs = new Int32Array(nr + 1);
  for (let r = 0; r < nr; r++) rs[r + 1] = rs[r] + counts[r];
  const S = rs[nr], raw = Float32Array.from({ length: S }, () => rng.normal() * 3);
  const o = { shift: -4, interval: 0.5, thrW: 1e-4, thrT: 1e-3, background: [1, 0.5, 0.25] };
  const alpha = new Float32Array(S), Tk = new Float32Array(S), colorOf = new Int32Array(S), colorSample = new Int32Array(S);
  const rayEnd = new Int32Array(nr), opacity = new Float32Array(nr);
  const nc = alphaPass(nr, rs, raw, o.shift, o.interval, o.thrW, o.thrT, alpha, Tk, colorOf, colorSample, rayEnd, opacity);
  const rgbAll = Float32Array.from({ length: S * 3 }, () => rng.next()), rgbC = new Float32Array(nc * 3);
  for (let j = 0; j < nc; j++) rgbC.set(rgbAll.subarray(colorSample[j] * 3, colorSample[j] * 3 + 3), j * 3);
  const refOut = new Float32Array(nr * 3), depth = new Float32Array(nr);
  compositePass(nr, rs, rayEnd, colorOf, Tk, alpha, rgbC, new Float32Array(S), opacity, o.background, refOut, depth);
  const dRgb = Float32Array.from({ length: nr * 3 }, () => rng.next() - 0.5);
  const dC = new Float32Array(nc * 3), dRaw = new Float32Array(S);
  compositeBackward(nr, rs, rayEnd, colorOf, alpha, Tk, raw, o.shift, o.interval, rgbC, o.background, dRgb, dC, dRaw);
  const bufs = gk.compositeBuffers(nr, S), bRaw = gk.buffer(raw), bRgb = gk.buffer(rgbC);
  gk.compositeForward(nr, gk.buffer(rs), bRaw, bRgb, bufs, o);
  out.composite = relErr(refOut, new Float32Array(await gk.read(bufs.io, nr * 12)), nr * 3);
  // the same samples get colour, in the same rows
  const gpuNc = new Int32Array(await gk.read(bufs.colorStart, 4, nr * 4))[0], gpuSel = new Int32Array(await gk.read(bufs.colorSample, S * 4));
  let rowMismatch = Math.abs(gpuNc - nc);
  for (let j = 0; j < Math.min(nc, gpuNc); j++) if (gpuSel[j] !== colorSample[j]) rowMismatch++;
  out.composite_color_rows = `${gpuNc} vs ${nc}`;
  out.composite_color_row_mismatches = rowMismatch;
  const range = new Int32Array(await gk.read(bufs.range, nr * 8));
  let endMismatch = 0;
  for (let r = 0; r < nr; r++) if (range[r * 2 + 1] !== rayEnd[r]) endMismatch++;
  out.composite_ray_end_mismatches = endMismatch;
  device.queue.writeBuffer(bufs.io, 0, dRgb);
  gk.compositeBackward(nr, bRaw, bRgb, bufs, o);
  out.composite_bwd_rgb = relErr(dC, new Float32Array(await gk.read(bufs.dSampleRgb, nc * 12)), nc * 3);
  const gpuDRaw = new Float32Array(await gk.read(bufs.dRaw, S * 4));
  out.composite_bwd_raw = relErr(dRaw, gpuDRaw, S);
  // the distortion loss's gradient, added by its own pass after the backward (distances along the points' polyline;
  // random points: rays that bend, as contracted ones do); its own random stream, so later sections see the same data
  const { distortionBackward } = await import('../../core/render/composite');
  const r2 = new Rng(21), pts = Float32Array.from({ length: S * 3 }, () => r2.next()), ext = [2, 1, 0.5], lambda = 0.3, step = 0.02;
  const refD = Float32Array.from(dRaw);
  distortionBackward(nr, rs, rayEnd, alpha, Tk, raw, o.shift, o.interval, { pts, ext, lambda, step }, refD);
  gk.distortionBackward(nr, bRaw, gk.buffer(pts), bufs, o, lambda, step, ext);
  const gotD = new Float32Array(await gk.read(bufs.dRaw, S * 4));
  out.distortion_bwd_raw = relErr(refD.map((v, i) => v - dRaw[i]), gotD.map((v, i) => v - gpuDRaw[i]), S);
}
