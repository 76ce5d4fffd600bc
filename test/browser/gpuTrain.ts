/**
 * Runs in the page (gpu.test.ts): the same short training run on the demo scene with the CPU trainer and
 * with GpuTrainer on WebGPU (same configuration, same number of steps, rays drawn the same way), and the
 * held-out PSNR each reaches. With a distortion weight, also the CPU run without it (cpu_psnr_plain), so a test
 * can tell that the device applied the loss.
 */
import { GpuPrograms } from '../../core/gpu/GpuPrograms';
import { GpuTrainer } from '../../core/gpu/GpuTrainer';
import { Trainer, TRAIN_DEFAULTS, type TrainConfig } from '../../core/train/Trainer';
import { trainDataFromScene, loadViews, evalIndices } from '../../core/train/data';
import { loadDemo } from '../../datasets/load';
import { cameraRays, makeRayBatch } from '../../core/render/rays';
import { psnr } from '../../core/metrics';
import { JS_OPS } from '../../core/field/ops';

export async function runGpuTraining(steps: number, batch: number, model: 'dense' | 'mulfagrid' | 'hash' = 'dense',
  upsampleSteps: number[] = [], distortion = 0): Promise<Record<string, number | string>> {
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) return { error: 'no WebGPU adapter' };
  const gk = new GpuPrograms(await adapter.requestDevice());
  const scene = loadDemo({ downscale: 4 });
  const data = await trainDataFromScene(scene), held = (await loadViews(scene, evalIndices(scene))).slice(0, 4);
  const config: TrainConfig = { ...TRAIN_DEFAULTS, batchRays: batch, upsampleSteps, decaySteps: steps, distortion,
    field: { ...TRAIN_DEFAULTS.field, model, resolution: 24, decoderHidden: [16], occupancyRes: 16, hash: { levels: 6, log2TableSize: 12, minResolution: 4 } } };
  const out: Record<string, number | string> = {};
  // CPU
  let t0 = performance.now();
  const cpu = new Trainer(config, data, JS_OPS);
  for (let s = 0; s < steps; s++) cpu.trainStep();
  out.cpu_psnr = held.reduce((a, v) => a + cpu.evaluate(v).psnr, 0) / held.length;
  out.cpu_seconds = (performance.now() - t0) / 1000;
  if (distortion > 0) {
    const plain = new Trainer({ ...config, distortion: 0 }, data, JS_OPS);
    for (let s = 0; s < steps; s++) plain.trainStep();
    out.cpu_psnr_plain = held.reduce((a, v) => a + plain.evaluate(v).psnr, 0) / held.length;
  }
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
  out.gpu_resolution = g.trainer.field.density.resolution;
  out.gpu_seconds = (performance.now() - t0) / 1000;
  out.decoder_gemms = g.decoderGemms + (g.decoderNote ? ` (${g.decoderNote})` : '');
  return out;
}

/**
 * Resuming on WebGPU from a snapshot taken on WebGPU: train `a` steps, snapshot (grids and their Adam
 * moments synced from the device), train `b` more; then restore the snapshot into a new trainer on the
 * device and train the same `b` steps. The two runs should end at the same parameters up to the order of
 * the device's float additions.
 */
export async function runGpuResume(a: number, b: number, model: 'dense' | 'mulfagrid'): Promise<Record<string, number | string>> {
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) return { error: 'no WebGPU adapter' };
  const device = await adapter.requestDevice();
  const { decodeSnapshot } = await import('../../core/io/snapshot');
  const scene = loadDemo({ downscale: 4 });
  const data = await trainDataFromScene(scene);
  const config: TrainConfig = { ...TRAIN_DEFAULTS, batchRays: 128, upsampleSteps: [], decaySteps: 100,
    field: { ...TRAIN_DEFAULTS.field, model, resolution: 16, decoderHidden: [16], occupancyRes: 16 } };
  const g = GpuTrainer.create(device, config, data);
  for (let s = 0; s < a; s++) await g.trainStep();
  const snap = (await g.syncToCpu(true)).toSnapshot();
  for (let s = 0; s < b; s++) await g.trainStep();
  const A = await g.syncToCpu(true);
  const r = GpuTrainer.resume(device, Trainer.fromSnapshot(decodeSnapshot(snap, 'resume.mulfa'), 'resume.mulfa', data));
  for (let s = 0; s < b; s++) await r.trainStep();
  const B = await r.syncToCpu(true);
  const out: Record<string, number | string> = { steps: `${A.step} vs ${B.step}` };
  const diff = (x: ArrayLike<number>, y: ArrayLike<number>) => { let m = 0, s = 1e-6; for (let i = 0; i < x.length; i++) { m = Math.max(m, Math.abs(x[i] - y[i])); s = Math.max(s, Math.abs(x[i])); } return m / s; };
  out.density = diff(A.field.density.features.data, B.field.density.features.data);
  out.color = diff(A.field.color.features.data, B.field.color.features.data);
  out.decoder = Math.max(...A.field.decoder.params.map((p, j) => diff(p.data, B.field.decoder.params[j].data)));
  out.grid_moments = diff(A.optimizers.grid.v[0], B.optimizers.grid.v[0]);
  // without the grid moments the resumed run would differ by far more: restart them and compare
  const C = Trainer.fromSnapshot(decodeSnapshot(snap, 'resume.mulfa'), 'resume.mulfa', data);
  for (const arr of [...C.optimizers.grid.m, ...C.optimizers.grid.v]) arr.fill(0);
  for (const arr of C.optimizers.grid.t) arr.fill(0);
  const rc = GpuTrainer.resume(device, C);
  for (let s = 0; s < b; s++) await rc.trainStep();
  out.density_without_moments = diff(A.field.density.features.data, (await rc.syncToCpu()).field.density.features.data);
  return out;
}
