/**
 * Runs in the page (bench/web.ts): WGSL kernel throughput at the standard step's sizes on whatever WebGPU
 * adapter the browser has (SwiftShader here). Each kernel: one warm-up, then the median of `reps` timed
 * dispatches (submit → onSubmittedWorkDone).
 */
import { GpuKernels } from '../core/gpu/GpuKernels';

export async function benchGpuKernels(points: number, rows: number, reps: number): Promise<Record<string, unknown>> {
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) return { error: 'no WebGPU adapter' };
  const device = await adapter.requestDevice({ requiredLimits: { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxBufferSize: adapter.limits.maxBufferSize } });
  const gk = new GpuKernels(device);
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
    dense_forward: await time(() => gk.dense(X, W, b, Y, rows, 40, 128, true)),
    dense_backward: await time(() => gk.denseBackward(X, W, Y, dX, dWb, rows, 40, 128, false)),
  };
  const perSec = (n: number, t: number) => Math.round(n / (t / 1000));
  return {
    adapter: (adapter as unknown as { info?: { description?: string; vendor?: string; architecture?: string } }).info ?? null,
    points, rows,
    samples_per_sec: { support: perSec(points, ms.support), gather: perSec(points, ms.gather), scatter: perSec(points, ms.scatter),
      dense_forward_39x128: perSec(rows, ms.dense_forward), dense_backward_39x128: perSec(rows, ms.dense_backward) },
    ms,
  };
}

/** End-to-end training rays/s on WebGPU (GpuTrainer, dense) on the demo scene at the given settings. */
export async function benchGpuTraining(steps: number, batch: number, resolution: number): Promise<Record<string, unknown>> {
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
  const config = { ...TRAIN_DEFAULTS, batchRays: batch, field: { ...TRAIN_DEFAULTS.field, model: 'dense' as const, resolution } };
  const g = GpuTrainer.create(device, config, data);
  await g.trainStep(); // warm-up (pipelines, buffers)
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) await g.trainStep();
  const sec = (performance.now() - t0) / 1000;
  return { rays_per_sec: Math.round((steps * batch) / sec), steps, batch, resolution, seconds: Number(sec.toFixed(1)) };
}
