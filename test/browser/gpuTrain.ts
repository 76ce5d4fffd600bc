/**
 * Runs in the page (gpu.test.ts): the same short training run on the demo scene with the CPU trainer and
 * with GpuTrainer on WebGPU (same configuration, same number of steps, rays drawn the same way), and the
 * held-out PSNR each reaches.
 */
import { GpuKernels } from '../../core/gpu/GpuKernels';
import { GpuTrainer } from '../../core/gpu/GpuTrainer';
import { Trainer, TRAIN_DEFAULTS, type TrainConfig } from '../../core/train/Trainer';
import { trainDataFromScene, loadViews, evalIndices } from '../../core/train/data';
import { loadDemo } from '../../datasets/load';
import { cameraRays, makeRayBatch } from '../../core/render/rays';
import { psnr } from '../../core/metrics';
import { JS_KERNELS } from '../../core/field/kernels';

export async function runGpuTraining(steps: number, batch: number): Promise<Record<string, number | string>> {
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) return { error: 'no WebGPU adapter' };
  const gk = new GpuKernels(await adapter.requestDevice());
  const scene = loadDemo({ downscale: 4 });
  const data = await trainDataFromScene(scene), held = (await loadViews(scene, evalIndices(scene))).slice(0, 4);
  const config: TrainConfig = { ...TRAIN_DEFAULTS, batchRays: batch, upsampleSteps: [], decaySteps: steps,
    field: { ...TRAIN_DEFAULTS.field, model: 'dense', resolution: 24, decoderHidden: [16], occupancyRes: 16 } };
  const out: Record<string, number | string> = {};
  // CPU
  let t0 = performance.now();
  const cpu = new Trainer(config, data, JS_KERNELS);
  for (let s = 0; s < steps; s++) cpu.trainStep();
  out.cpu_psnr = held.reduce((a, v) => a + cpu.evaluate(v).psnr, 0) / held.length;
  out.cpu_seconds = (performance.now() - t0) / 1000;
  // GPU: a fresh field with the same initialisation, trained step by step on the device
  t0 = performance.now();
  const g = GpuTrainer.create(gk.device, config, data);
  for (let s = 0; s < steps; s++) await g.trainStep();
  const gf = g.field;
  let sum = 0;
  for (const v of held) {
    const cam = v.camera, n = cam.width * cam.height, rb = makeRayBatch(n);
    cameraRays(cam, 0, n, rb);
    await gf.render(n, rb.origins, rb.dirs, data.near, data.far, data.background, new Float32Array(n).fill(0.5));
    sum += psnr(await gf.rgb(), v.rgb);
  }
  out.gpu_psnr = sum / held.length;
  out.gpu_seconds = (performance.now() - t0) / 1000;
  return out;
}
