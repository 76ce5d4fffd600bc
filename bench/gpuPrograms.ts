/**
 * Runs in the page (bench/web.ts): WGSL program throughput at the standard step's sizes on whatever WebGPU
 * adapter the browser has (SwiftShader here). Each kernel: one warm-up, then the median of `reps` timed
 * dispatches (submit → onSubmittedWorkDone).
 */
import { GpuPrograms } from '../core/gpu/GpuPrograms';
import { axisRays } from './rays';

export async function benchGpuPrograms(points: number, rows: number, reps: number): Promise<Record<string, unknown>> {
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) return { error: 'no WebGPU adapter' };
  const device = await adapter.requestDevice({ requiredLimits: { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxBufferSize: adapter.limits.maxBufferSize } });
  const gk = new GpuPrograms(device);
  const R = 96, C = 12;
  const pts = new Float32Array(points * 3);
  for (let i = 0; i < pts.length; i++) pts[i] = Math.random();
  const bPts = gk.buffer(pts), bIdx = gk.buffer(points * 32), bW = gk.buffer(points * 32);
  const bF = gk.buffer(new Float32Array(R ** 3 * C).fill(0.1)), bDF = gk.buffer(R ** 3 * C * 4), bOut = gk.buffer(points * C * 4);
  const X = gk.buffer(new Float32Array(rows * 40).fill(0.5)), W = gk.buffer(new Float32Array(128 * 40).fill(0.01)), b = gk.buffer(new Float32Array(128));
  const Y = gk.buffer(rows * 128 * 4), dX = gk.buffer(rows * 40 * 4), dWb = gk.buffer(128 * 41 * 4);
  const time = async (f: () => void) => {
    f();
    await device.queue.onSubmittedWorkDone();
    const ts: number[] = [];
    for (let r = 0; r < reps; r++) {
      const t = performance.now();
      f();
      await device.queue.onSubmittedWorkDone();
      ts.push(performance.now() - t);
    }
    return ts.sort((a, c) => a - c)[Math.floor(ts.length / 2)];
  };
  const ms = {
    support: await time(() => gk.trilinear(bPts, points, R, bIdx, bW)),
    gather: await time(() => gk.gather(bF, C, 8, bIdx, bW, points, bOut)),
    scatter: await time(() => gk.scatter(bDF, C, 8, bIdx, bW, points, bOut)),
    layer_forward: await time(() => gk.mlpLayer(X, W, b, Y, rows, 40, 128, true)),
    layer_backward: await time(() => gk.mlpLayerBackward(X, W, Y, dX, dWb, rows, 40, 128, false)),
  };
  // the MulFA kernel (L = 4, M = 3, H = 16) on an eighth of the points: support, and backward from dL/dφ̄
  const { MulFAKernel, MULFA_DEFAULTS } = await import('../core/field/MulFAGrid');
  const { Rng } = await import('../core/math/rng');
  const { mulfaGradLayout } = await import('../core/gpu/GpuPrograms');
  const mk = new MulFAKernel(MULFA_DEFAULTS, new Rng(1)), mp = Math.max(256, points >> 3), packed = gk.packMulFA(mk, R);
  const bDw = gk.buffer(new Float32Array(mp * 8).fill(0.01)), bG = gk.buffer(mulfaGradLayout(mk).total * 4);
  const msM = {
    mulfa_support: await time(() => gk.mulfaSupport(packed, mk, bPts, mp, R, bIdx, bW)),
    mulfa_backward: await time(() => gk.mulfaBackward(packed, mk, bPts, mp, R, bDw, bG)),
  };
  const perSec = (n: number, t: number) => Math.round(n / (t / 1000));
  return {
    adapter: (adapter as unknown as { info?: { description?: string; vendor?: string; architecture?: string } }).info ?? null,
    points, rows,
    samples_per_sec: { support: perSec(points, ms.support), gather: perSec(points, ms.gather), scatter: perSec(points, ms.scatter),
      layer_forward_39x128: perSec(rows, ms.layer_forward), layer_backward_39x128: perSec(rows, ms.layer_backward),
      mulfa_support: perSec(mp, msM.mulfa_support), mulfa_backward: perSec(mp, msM.mulfa_backward) },
    ms: { ...ms, ...msM },
  };
}

/** End-to-end training rays/s on WebGPU (GpuTrainer) on the demo scene at the given settings. */
export async function benchGpuTraining(steps: number, batch: number, resolution: number, model: 'dense' | 'mulfagrid' = 'dense'): Promise<Record<string, unknown>> {
  const { GpuTrainer } = await import('../core/gpu/GpuTrainer');
  const { Trainer, TRAIN_DEFAULTS } = await import('../core/train/Trainer');
  const { trainDataFromScene } = await import('../core/train/data');
  const { loadDemo } = await import('../datasets/load');
  void Trainer;
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) return { error: 'no WebGPU adapter' };
  const device = await adapter.requestDevice({ requiredLimits: { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxBufferSize: adapter.limits.maxBufferSize } });
  const data = await trainDataFromScene(loadDemo());
  const config = { ...TRAIN_DEFAULTS, batchRays: batch, upsampleSteps: [], field: { ...TRAIN_DEFAULTS.field, model, resolution } };
  const g = GpuTrainer.create(device, config, data);
  await g.trainStep(); // warm-up (pipelines, buffers)
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) await g.trainStep();
  const sec = (performance.now() - t0) / 1000;
  g.dispose();
  device.destroy();
  return { rays_per_sec: Math.round((steps * batch) / sec), steps, batch, resolution, model, seconds: Number(sec.toFixed(1)) };
}

/**
 * The engine issue's standard step on WebGPU (bench/step.ts): both grids at R = 96, 12 colour channels,
 * decoder 39 → 128 → 128 → 3, `rays` axis-aligned rays × 128 samples, every sample kept; one forward +
 * backward + Adam update of everything (grids on the device, decoder and kernel on the CPU as in training).
 * Median of `reps` steps after a warm-up; each step waits for the device to finish.
 */
export async function benchGpuStep(model: 'dense' | 'mulfagrid' | 'hash', rays: number, reps: number): Promise<Record<string, unknown>> {
  const { RadianceField, FIELD_DEFAULTS } = await import('../core/field/RadianceField');
  const { GpuField } = await import('../core/gpu/GpuField');
  const { Adam } = await import('../core/optim/Adam');
  const { Rng } = await import('../core/math/rng');
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) return { error: 'no WebGPU adapter' };
  const device = await adapter.requestDevice({ requiredLimits: { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxBufferSize: adapter.limits.maxBufferSize } });
  const R = 96, SAMPLES = 128, rng = new Rng(1);
  const field = new RadianceField({ ...FIELD_DEFAULTS, model, resolution: R, colorChannels: 12, decoderHidden: [128, 128],
    stepVoxels: (R - 1) / (SAMPLES + 0.5), colorWeightThreshold: -1, terminationT: 0 }, [[-1.5, -1.5, -1.5], [1.5, 1.5, 1.5]], rng, R);
  const gf = new GpuField(new GpuPrograms(device), field);
  const net = new Adam([{ params: [...field.decoder.params, ...field.kernels.flatMap((k) => k.params)], lr: 1e-3 }]);
  const { origins, dirs } = axisRays(rays, rng);
  const dRgb = Float32Array.from({ length: rays * 3 }, () => (rng.next() - 0.5) * 1e-3), jitter = new Float32Array(rays).fill(0.5);
  const times: number[] = [];
  let samples = 0;
  for (let r = 0; r <= reps; r++) {
    const t = performance.now();
    samples = await gf.render(rays, origins, dirs, 0, 10, [1, 1, 1], jitter);
    gf.backward(dRgb);
    gf.adamGrids(0.1);
    gf.adamDecoder(1e-3, net);
    gf.adamKernels(1e-3);
    await device.queue.onSubmittedWorkDone();
    if (r > 0) times.push(performance.now() - t);
  }
  const ms = times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
  gf.dispose();
  device.destroy();
  return { model, rays, samples, reps, ms_per_step: Math.round(ms), samples_per_sec: Math.round(samples / (ms / 1000)) };
}
