/**
 * `npm run bench:gpu -- [--json] [--quick]`: the WebGPU engine headless in Node (Dawn, the npm `webgpu`
 * package) on the machine's GPU adapter (set VK_ICD_FILENAMES to measure SwiftShader instead).
 *   step   — the standard step (R = 96, 12 channels, 39 → 128 → 128 → 3, 128 samples per ray, all kept):
 *            samples/s at 4096 rays and at a GPU-sized batch (--big-rays, default 32768), dense and mulfagrid,
 *            with the decoder's GEMMs on each runtime (--decoders wgsl,tfjs: the engine's WGSL layers, TF.js's);
 *   train  — end-to-end training rays/s on the demo scene (GpuTrainer, default settings, --batch rays), for
 *            --train-seconds (10) per model and decoder runtime;
 *   psnr   — held-out PSNR at 60 / 180 / 300 s (--checkpoints) on a full-resolution 800×800 Blender-format
 *            scene written on the spot (bench/blenderScene.ts: 100 train views, --holdout 5 → 20 held out),
 *            evaluated on the device (evaluation time not counted); the default model (--psnr-models).
 *   gemm   — what TF.js might own, each against the engine's WGSL on the same device: the decoder's layers
 *            (39 → 128, 128 → 128, 128 → 3 at --rows rows) forward and backward, the loss, the decoder's Adam.
 *   gram   — the GTK's dense product J Jᵀ (1024 points × 13,836 kernel-gradient columns) on TF.js webgpu
 *            against the TypeScript float64 loops (bench/gram.ts; `mulfa gtk --backend webgpu`).
 * Every part reports per step what the device was asked to do: submits, dispatches, bytes uploaded and read
 * back. Options: --only step,train,psnr,gemm,gram; --models; --reps; --train-seconds; --scene DIR (reuse a scene);
 * --quick, a smoke run for SwiftShader (256-ray steps, 10 s of training, a 64×64 scene of 20 views, checkpoints at
 * 10 and 20 s: 9.6 minutes on 2 cores through .gpupack/run.sh with one decoder runtime; at 200×200 it ran past 30).
 */
import { parseArgs } from 'node:util';
import * as os from 'node:os';
import { benchGram } from './gram';
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { nodeGpu } from '../cli/gpu';
import { cpuOps } from '../cli/ops';
import { openDevice, adapterName } from '../core/gpu/adapter';
import { GpuPrograms, type GpuCounters } from '../core/gpu/GpuPrograms';
import { GpuField } from '../core/gpu/GpuField';
import { GpuTrainer, DECODER_GEMMS, type DecoderGemms } from '../core/gpu/GpuTrainer';
import { tfOnDevice, type TfRuntime } from '../core/gpu/TfRuntime';
import type { Tensor2D } from '@tensorflow/tfjs-core';
import { RadianceField, FIELD_DEFAULTS } from '../core/field/RadianceField';
import type { GridKind } from '../core/field/GridModel';
import { Adam } from '../core/optim/Adam';
import { Rng } from '../core/math/rng';
import { trainConfigFor } from '../core/train/TrainingSession';
import { trainDataFromScene, loadViews, evalIndices } from '../core/train/data';
import { loadDemo, loadScene } from '../datasets/load';
import { NodeFS } from '../datasets/node/NodeFS';
import { psnr } from '../core/metrics';
import { axisRays } from './rays';
import { writeDemoBlender } from './blenderScene';

const { values } = parseArgs({ options: {
  json: { type: 'boolean' }, quick: { type: 'boolean' }, only: { type: 'string' }, models: { type: 'string' }, reps: { type: 'string' },
  'big-rays': { type: 'string' }, batch: { type: 'string' }, 'train-seconds': { type: 'string' }, checkpoints: { type: 'string' },
  scene: { type: 'string' }, size: { type: 'string' }, views: { type: 'string' }, rows: { type: 'string' },
  'scene-part': { type: 'string' }, 'psnr-models': { type: 'string' }, decoders: { type: 'string' },
} });
const quick = values.quick === true; // a smoke run (SwiftShader): small sizes, short times
const only = new Set((values.only ?? 'gemm,gram,step,train,psnr').split(','));
const models = (values.models ?? 'dense,mulfagrid').split(',') as GridKind[];
/** The decoder's GEMMs in the step and training parts: the engine's WGSL layers, TF.js's (core/gpu/TfRuntime.ts), or both side by side. */
const decoders = (values.decoders ?? 'wgsl,tfjs').split(',') as DecoderGemms[];
/** TF.js on the engine's device, made once (the gemm part and the step's TF.js runs share it). */
let tfRuntime: Promise<TfRuntime> | null = null;
const tfRt = () => (tfRuntime ??= tfOnDevice(device));
const reps = Number(values.reps ?? (quick ? 1 : 5));
const bigRays = Number(values['big-rays'] ?? (quick ? 256 : 32768));
const batch = Number(values.batch ?? (quick ? 256 : 8192));
const trainSeconds = Number(values['train-seconds'] ?? 10); // per model and decoder runtime
const checkpoints = (values.checkpoints ?? (quick ? '10,20' : '60,180,300')).split(',').map(Number);
const log = (s: string) => process.stderr.write(s + '\n');
const sceneSize = Number(values.size ?? (quick ? 64 : 800)), sceneViews = Number(values.views ?? (quick ? 20 : 100));

// --scene-part k/K --scene DIR: render a share of the scene's views and exit (run.sh starts one per core)
if (values['scene-part']) {
  const [k, K] = values['scene-part'].split('/').map(Number);
  writeDemoBlender(values.scene!, sceneSize, sceneViews, () => {}, [k, K]);
  process.exit(0);
}

const gpu = await nodeGpu(log);
const { device, adapter } = await openDevice(gpu, (m) => { log(`device lost: ${m}`); process.exit(3); });
const info = (await gpu!.requestAdapter({ powerPreference: 'high-performance' }))!;
const out: Record<string, unknown> = {
  adapter, adapter_info: { vendor: info.info.vendor, architecture: info.info.architecture, device: info.info.device, description: info.info.description },
  limits: { maxBufferSize: device.limits.maxBufferSize, maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize },
  cpu: os.cpus()[0]?.model, quick,
};
log(`WebGPU adapter: ${adapter} (${adapterName(info)})`);

if (only.has('gemm')) out.gemm = await gemm(Number(values.rows ?? (quick ? 2048 : 262144)), batch);
if (only.has('gram')) out.gram = await benchGram(log, { points: quick ? 256 : 1024, gpu, wasm: false });

/**
 * What TF.js's WebGPU backend might own in the step, each against the engine's WGSL on the same device
 * (tfOnDevice: TF.js on the engine's device), timed from submit to onSubmittedWorkDone, median of reps:
 * the decoder's layers (forward with bias and ReLU; backward dX = dY·W, dW = dYᵀ·X, db = Σ dY) at `rows` rows,
 * the loss (dL/dC and the squared-error sum of `rays` rays) and the decoder's Adam step (39→128→128→3).
 */
async function gemm(rows: number, rays: number): Promise<Record<string, unknown>> {
  const rt = await tfRt(), tf = rt.tf;
  const gk = new GpuPrograms(device);
  const time = async (f: () => void | (() => void)) => {
    const ts: number[] = [];
    for (let r = 0; r <= reps; r++) {
      const t = performance.now();
      const cleanup = rt.block(gk, () => f()); // TF.js's ops submitted at the end of the block
      await device.queue.onSubmittedWorkDone();
      if (r > 0) ts.push(performance.now() - t);
      if (cleanup) cleanup();
    }
    return ts.sort((a, b) => a - b)[Math.floor(ts.length / 2)];
  };
  const rnd = (n: number) => Float32Array.from({ length: n }, () => Math.random() - 0.5);
  const res: Record<string, unknown> = { rows };
  const dims = [39, 128, 128, 3];
  for (let l = 0; l < 3; l++) {
    const inD = dims[l], outD = dims[l + 1], relu = l < 2;
    const xs = rnd(rows * inD), ws = rnd(outD * inD), bs = rnd(outD), dys = rnd(rows * outD);
    const X = gk.buffer(xs), W = gk.buffer(ws), b = gk.buffer(bs), Y = gk.buffer(rows * outD * 4), dY = gk.buffer(dys), dX = gk.buffer(rows * inD * 4),
      dWb = gk.buffer(outD * (inD + 1) * 4);
    const wgslF = await time(() => gk.mlpLayer(X, W, b, Y, rows, inD, outD, relu));
    const wgslB = await time(() => gk.mlpLayerBackward(X, W, dY, dX, dWb, rows, inD, outD, relu));
    const tX = rt.view(X, [rows, inD]) as Tensor2D, tW = rt.view(W, [outD, inD]) as Tensor2D, tb = rt.view(b, [outD]), tdY = rt.view(dY, [rows, outD]) as Tensor2D;
    const tfF = await time(() => { const y = tf.fused.matMul({ a: tX, b: tW, transposeB: true, bias: tb, activation: relu ? 'relu' : 'linear' }); return () => y.dispose(); });
    const tfB = await time(() => { const g = tf.tidy(() => [tf.matMul(tdY, tW), tf.matMul(tdY, tX, true, false), tf.sum(tdY, 0)]); return () => g.forEach((t) => t.dispose()); });
    for (const x of [X, W, b, Y, dY, dX, dWb]) x.destroy();
    tf.dispose([tX, tW, tb, tdY]);
    const rate = (ms: number) => Math.round(rows / (ms / 1000));
    res[`${inD}x${outD}`] = { wgsl_forward_rows_per_sec: rate(wgslF), tfjs_forward_rows_per_sec: rate(tfF), wgsl_backward_rows_per_sec: rate(wgslB), tfjs_backward_rows_per_sec: rate(tfB) };
    log(`layer ${inD}→${outD}, ${rows} rows: forward WGSL ${rate(wgslF)} vs TF.js ${rate(tfF)} rows/s; backward WGSL ${rate(wgslB)} vs TF.js ${rate(tfB)}`);
  }
  { // the loss: dL/dC = 2(C − T)/(3n) in place of C, and the squared errors summed
    const C = gk.buffer(rnd(rays * 3)), T = gk.buffer(rnd(rays * 3)), partial = gk.buffer(Math.ceil(rays / 64) * 4);
    const wgsl = await time(() => gk.mse(rays, C, T, partial));
    const tC = rt.view(C, [rays, 3]), tT = rt.view(T, [rays, 3]);
    const tfl = await time(() => { const r = tf.tidy(() => { const e = tf.sub(tC, tT); return [tf.mul(e, 2 / (3 * rays)), tf.sum(tf.square(e))]; }); return () => tf.dispose(r); });
    tf.dispose([tC, tT]);
    for (const x of [C, T, partial]) x.destroy();
    res.loss = { rays, wgsl_ms: Number(wgsl.toFixed(3)), tfjs_ms: Number(tfl.toFixed(3)) };
    log(`loss, ${rays} rays: WGSL ${wgsl.toFixed(3)} ms vs TF.js ${tfl.toFixed(3)} ms`);
  }
  { // the decoder's Adam step: the engine's masked Adam per layer (packed [out, in + 1]) against TF.js's ops on W and b
    const b1 = 0.9, b2 = 0.99, eps = 1e-15, lr = 1e-3;
    const sizes = [0, 1, 2].map((l) => dims[l + 1] * (dims[l] + 1));
    const bufs = sizes.map((n) => ({ x: gk.buffer(rnd(n)), g: gk.buffer(rnd(n)), m: gk.buffer(n * 4), v: gk.buffer(n * 4), t: gk.buffer(n * 4), b: gk.buffer(rnd(dims[1])) }));
    const c1 = gk.buffer(Float32Array.from({ length: 1024 }, (_, i) => 1 - b1 ** (i + 1))), c2 = gk.buffer(Float32Array.from({ length: 1024 }, (_, i) => 1 - b2 ** (i + 1)));
    const wgsl = await time(() => bufs.forEach((q, l) => gk.adamLayer(dims[l], dims[l + 1], q.x, q.b, q.g, q.m, q.v, q.t, c1, c2, lr, b1, b2, eps)));
    const vars = sizes.map((n) => ({ x: tf.variable(tf.tensor1d(rnd(n))), m: tf.variable(tf.zeros([n])), v: tf.variable(tf.zeros([n])), g: tf.tensor1d(rnd(n)) }));
    let step = 0;
    const tfa = await time(() => {
      step++;
      tf.tidy(() => {
        for (const q of vars) { // the same update, op by op (what tf.train.adam records per variable)
          q.m.assign(tf.add(tf.mul(q.m, b1), tf.mul(q.g, 1 - b1)));
          q.v.assign(tf.add(tf.mul(q.v, b2), tf.mul(tf.square(q.g), 1 - b2)));
          q.x.assign(tf.sub(q.x, tf.div(tf.mul(q.m, lr / (1 - b1 ** step)), tf.add(tf.sqrt(tf.div(q.v, 1 - b2 ** step)), eps))));
        }
      });
    });
    vars.forEach((q) => tf.dispose([q.x, q.m, q.v, q.g]));
    bufs.forEach((q) => Object.values(q).forEach((x) => x.destroy()));
    res.decoder_adam = { parameters: sizes.reduce((a, x) => a + x, 0), wgsl_ms: Number(wgsl.toFixed(3)), tfjs_ms: Number(tfa.toFixed(3)) };
    log(`decoder Adam, ${sizes.reduce((a, x) => a + x, 0)} parameters: WGSL ${wgsl.toFixed(3)} ms vs TF.js ${tfa.toFixed(3)} ms`);
  }
  return res;
}

/** Counter differences per step. */
function perStep(a: GpuCounters, b: GpuCounters, steps: number): GpuCounters {
  const d = (k: keyof GpuCounters) => Math.round((b[k] - a[k]) / steps);
  return { submits: d('submits'), dispatches: d('dispatches'), bytesUploaded: d('bytesUploaded'), bytesRead: d('bytesRead') };
}

/** The standard step on the device: render, loss, backward, Adam on everything; median of reps. */
async function standardStep(model: GridKind, rays: number, decoder: DecoderGemms): Promise<Record<string, unknown>> {
  const R = 96, SAMPLES = 128, rng = new Rng(1);
  const field = new RadianceField({ ...FIELD_DEFAULTS, model, resolution: R, colorChannels: 12, decoderHidden: [128, 128],
    stepVoxels: (R - 1) / (SAMPLES + 0.5), colorWeightThreshold: -1, terminationT: 0 }, [[-1.5, -1.5, -1.5], [1.5, 1.5, 1.5]], rng, R);
  const gk = new GpuPrograms(device);
  gk.useTf(decoder === 'tfjs' ? await tfRt() : null);
  const gf = new GpuField(gk, field);
  const net = new Adam([{ params: [...field.decoder.params, ...field.kernels.flatMap((k) => k.params)], lr: 1e-3 }]);
  const { origins, dirs } = axisRays(rays, rng);
  const target = Float32Array.from({ length: rays * 3 }, () => rng.next()), jitter = new Float32Array(rays).fill(0.5);
  const times: number[] = [];
  let samples = 0, c0 = { ...gk.counters };
  for (let r = 0; r <= reps; r++) {
    if (r === 1) c0 = { ...gk.counters };
    const t = performance.now();
    gk.begin();
    // the first step reads its sample count; the timed ones run on it as their budget (the same rays each step), one submit
    const s = await gf.render(rays, origins, dirs, 0, 10, [1, 1, 1], jitter, target, undefined, r > 0 ? samples : undefined);
    if (r === 0) samples = s;
    const loss = gf.loss();
    gf.backward();
    gf.adamGrids(0.1);
    gf.adamDecoder(1e-3, net);
    gf.adamKernels(1e-3);
    gk.end();
    if ((await loss()).droppedRays > 0) throw new Error('the standard step dropped rays under its own sample count');
    await device.queue.onSubmittedWorkDone();
    if (r > 0) times.push(performance.now() - t);
  }
  const ms = times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
  const counters = perStep(c0, gk.counters, reps);
  gf.dispose();
  field.dispose();
  return { rays, samples, ms_per_step: Number(ms.toFixed(1)), samples_per_sec: Math.round(samples / (ms / 1000)), per_step: counters };
}

if (only.has('step')) {
  const step: Record<string, unknown> = {};
  for (const model of models) {
    for (const rays of quick ? [bigRays] : [4096, bigRays]) {
      for (const d of decoders) {
        const r = await standardStep(model, rays, d), key = `${model}_${rays}_${d}`;
        step[key] = r;
        log(`standard step ${model}, ${rays} rays × 128, decoder on ${d}: ${r.samples_per_sec} samples/s (${r.ms_per_step} ms)`);
      }
    }
  }
  out.step = step;
}

/** GpuTrainer on a scene for `seconds` (or to the checkpoints, evaluating the held-out views on the device). */
async function train(model: GridKind, data: Awaited<ReturnType<typeof trainDataFromScene>>, seconds: number[], evalViews: Awaited<ReturnType<typeof loadViews>> = [],
  decoder: DecoderGemms = DECODER_GEMMS) {
  const config = trainConfigFor({ model, resolution: 96, seed: 0, maxSteps: 0, batchRays: batch });
  const g = GpuTrainer.create(device, config, data, await cpuOps());
  g.decoderGemms = decoder;
  const gk = g.gk, results: Record<string, unknown>[] = [];
  const evalCounters: GpuCounters = { submits: 0, dispatches: 0, bytesUploaded: 0, bytesRead: 0 };
  let trained = 0, c0 = { ...gk.counters }, s0 = 0, samples = 0, colorSamples = 0;
  for (const until of seconds) {
    while (trained < until * 1000) {
      const t = performance.now();
      const r = await g.trainStep();
      trained += performance.now() - t;
      samples += r.samples; colorSamples += r.colorSamples; // (the colour count comes back a step late)
      if (g.step === 5) { c0 = { ...gk.counters }; s0 = 5; }
    }
    const row: Record<string, unknown> = { seconds: until, steps: g.step, rays_per_sec: Math.round((g.step * batch) / (trained / 1000)),
      samples_per_ray: Number((samples / (g.step * batch)).toFixed(1)), color_samples_per_ray: Number((colorSamples / (g.step * batch)).toFixed(1)),
      dropped_rays: g.droppedRays };
    const trainedCounters = { ...gk.counters };
    for (const k of Object.keys(evalCounters) as (keyof GpuCounters)[]) trainedCounters[k] -= evalCounters[k];
    row.per_step = perStep(c0, trainedCounters, Math.max(1, g.step - s0));
    if (evalViews.length) {
      const e0 = { ...gk.counters };
      let sum = 0;
      for (const v of evalViews) sum += psnr(await g.renderView(v.camera), v.rgb);
      row.holdout_psnr = Number((sum / evalViews.length).toFixed(2));
      for (const k of Object.keys(evalCounters) as (keyof GpuCounters)[]) evalCounters[k] += gk.counters[k] - e0[k];
    }
    results.push(row);
    log(`${model} (decoder on ${decoder}): ${JSON.stringify(row)}`);
  }
  g.dispose();
  g.trainer.dispose();
  return results;
}

if (only.has('train')) {
  const data = await trainDataFromScene(await loadDemo({}));
  const t: Record<string, unknown> = {};
  for (const model of models) for (const d of decoders) t[`${model}_${d}`] = (await train(model, data, [trainSeconds], [], d))[0];
  out.train = { batch_rays: batch, ...t };
}

if (only.has('psnr')) {
  const size = sceneSize, views = sceneViews;
  const dir = values.scene ?? path.join(os.tmpdir(), `mulfa-blender-${size}-${views}`);
  if (!existsSync(path.join(dir, 'transforms_train.json'))) {
    const t0 = performance.now();
    writeDemoBlender(dir, size, views, log);
    log(`wrote the ${size}×${size} Blender-format scene (${views} views) to ${dir} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  const scene = await loadScene(new NodeFS(dir), { holdout: 5 });
  const data = await trainDataFromScene(scene), held = await loadViews(scene, evalIndices(scene));
  const p: Record<string, unknown> = { scene: `${size}×${size}, ${data.views.length} train / ${held.length} held out (--holdout 5)`, batch_rays: batch };
  for (const model of (values['psnr-models'] ?? 'mulfagrid').split(',') as GridKind[]) p[model] = await train(model, data, checkpoints, held);
  out.psnr = p;
}

device.destroy();
process.stdout.write((values.json ? JSON.stringify(out) : JSON.stringify(out, null, 1)) + '\n');
process.exit(0);
