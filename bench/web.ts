/**
 * `npm run bench:web [-- --points n] [--rows n] [--reps n] [--step-rays n] [--train-steps n]`: WGSL program throughput in
 * Chromium (WebGPU; SwiftShader on machines without a GPU) side by side with the same kernels on the CPU
 * backend in Node (WebAssembly, all cores), and the ratio; the engine's standard step (dense and MulFAGrid;
 * `--step-rays` rays × 128 samples on the GPU — 4096 is the standard, SwiftShader needs fewer — against the
 * CPU's 4096 × 128) and end-to-end training rays/s on the demo for both models. The last stdout line is one
 * JSON object.
 */
import { parseArgs } from 'node:util';
import { startWebApp, REPO } from '../test/browser/harness';
import { cpuOps } from '../cli/ops';
import type { Support } from '../core/field/GridModel';
import { MulFAKernel, MulFAGrid, MULFA_DEFAULTS } from '../core/field/MulFAGrid';
import { Rng } from '../core/math/rng';
import { DenseGrid } from '../core/field/DenseGrid';

const { values } = parseArgs({ options: { points: { type: 'string' }, rows: { type: 'string' }, reps: { type: 'string' }, 'step-rays': { type: 'string' },
  'train-steps': { type: 'string' } } });
const stepRays = Number(values['step-rays'] ?? 64), trainSteps = Number(values['train-steps'] ?? 2);
const points = Number(values.points ?? 524288), rows = Number(values.rows ?? 65536), reps = Number(values.reps ?? 5);
const log = (s: string) => process.stderr.write(s + '\n');

/** The MulFA kernel (defaults) on an eighth of the points, as on the GPU side. */
function mulfa(k: Awaited<ReturnType<typeof cpuOps>>, pts: Float32Array, s: Support): Record<string, number> {
  const mp = Math.max(256, points >> 3), R = 96;
  const grid = new MulFAGrid(R, 1, new MulFAKernel(MULFA_DEFAULTS, new Rng(1)));
  const dW = k.alloc.f32(mp * 8).fill(0.01);
  const t = (f: () => void) => { f(); const a = performance.now(); for (let r = 0; r < reps; r++) f(); return (performance.now() - a) / reps; };
  const sup = t(() => k.support(grid, pts, mp, s));
  const bwd = t(() => k.kernelBackward(grid, dW, mp));
  return { mulfa_support: Math.round(mp / (sup / 1000)), mulfa_backward: Math.round(mp / (bwd / 1000)) };
}

async function cpu(): Promise<Record<string, number>> {
  const k = await cpuOps();
  const R = 96, C = 12, a = k.alloc;
  const grid = new DenseGrid(R, C);
  const pts = a.f32(points * 3);
  for (let i = 0; i < pts.length; i++) pts[i] = Math.random();
  const s: Support = { capacity: points, idx: a.i32(points * 8), w: a.f32(points * 8) };
  const F = a.f32(R ** 3 * C).fill(0.1), dF = a.f32(R ** 3 * C), out = a.f32(points * C);
  grid.features.data = F;
  const dec = k.makeDecoder({ features: 12, viewFreqs: 4, hidden: [128] }, { next: () => 0.5, normal: () => 0 } as never);
  const feats = new Float32Array(rows * 12).fill(0.5), dirs = new Float32Array(rows * 3).fill(0.577);
  dec.fillInput(rows, feats, dirs, null);
  const time = (f: () => void) => {
    f();
    const ts: number[] = [];
    for (let r = 0; r < reps; r++) { const t = performance.now(); f(); ts.push(performance.now() - t); }
    return ts.sort((x, y) => x - y)[Math.floor(ts.length / 2)];
  };
  const perSec = (n: number, t: number) => Math.round(n / (t / 1000));
  // the CPU decoder runs the whole MLP (39 → 128 → 3): the 128 → 3 layer adds about 1 % of its work
  return {
    support: perSec(points, time(() => k.support(grid, pts, points, s))),
    gather: perSec(points, time(() => k.gatherForward(F, C, 8, s, points, out))),
    scatter: perSec(points, time(() => k.gatherBackward(F, dF, C, 8, s, points, out, null))),
    layer_forward_39x128: perSec(rows, time(() => dec.forward(rows))),
    layer_backward_39x128: perSec(rows, time(() => dec.backward(rows, new Float32Array(rows * 3).fill(0.01)))),
    ...mulfa(k, pts, s),
  };
}

const app = await startWebApp();
try {
  const page = await app.browser.newPage();
  await page.goto(app.url);
  log(`WebGPU kernels in Chromium: ${points} points, ${rows} decoder rows, median of ${reps}`);
  const gpu = await page.evaluate(`(async () => (await import('/@fs${REPO}/bench/gpuPrograms.ts')).benchGpuPrograms(${points}, ${rows}, ${reps}))()`) as {
    samples_per_sec: Record<string, number>; adapter: unknown };
  log(`webgpu: ${JSON.stringify(gpu.samples_per_sec)}`);
  const c = await cpu();
  log(`cpu (wasm, Node): ${JSON.stringify(c)}`);
  const ratio = Object.fromEntries(Object.entries(gpu.samples_per_sec ?? {}).map(([k2, v]) => [k2, Number((v / c[k2]).toFixed(3))]));
  // the standard step on both backends
  const { standardStep } = await import('./step');
  const step: Record<string, unknown> = {};
  for (const model of ['dense', 'mulfagrid'] as const) {
    const g = await page.evaluate(`(async () => (await import('/@fs${REPO}/bench/gpuPrograms.ts')).benchGpuStep('${model}', ${stepRays}, 2))()`) as { samples_per_sec: number };
    log(`webgpu standard step ${model}: ${JSON.stringify(g)}`);
    const c2 = await standardStep(model, 2, log);
    step[model] = { webgpu: g, cpu: { samples_per_sec: c2.samples_per_sec, ms_per_step: c2.ms_per_step, backend: c2.backend },
      webgpu_over_cpu: Number((g.samples_per_sec / c2.samples_per_sec).toFixed(4)) };
    log(`standard step ${model}: ${JSON.stringify(step[model])}`);
  }
  // end-to-end training rays/s on the demo, same settings on both backends
  const { Trainer, TRAIN_DEFAULTS } = await import('../core/train/Trainer');
  const { trainDataFromScene } = await import('../core/train/data');
  const { loadDemo } = await import('../datasets/load');
  const train: Record<string, unknown> = {};
  for (const model of ['dense', 'mulfagrid'] as const) {
    const E = { model, steps: trainSteps, batch: 1024, resolution: 48 };
    const gpuTrain = await page.evaluate(`(async () => (await import('/@fs${REPO}/bench/gpuPrograms.ts')).benchGpuTraining(${E.steps}, ${E.batch}, ${E.resolution}, '${model}'))()`) as
      { rays_per_sec: number };
    log(`webgpu training ${model}: ${JSON.stringify(gpuTrain)}`);
    const t = new Trainer({ ...TRAIN_DEFAULTS, batchRays: E.batch, upsampleSteps: [], field: { ...TRAIN_DEFAULTS.field, model, resolution: E.resolution } },
      await trainDataFromScene(loadDemo()), await cpuOps());
    t.trainStep();
    const t0 = performance.now();
    for (let s2 = 0; s2 < 30; s2++) t.trainStep();
    const cpuTrain = { rays_per_sec: Math.round((30 * E.batch) / ((performance.now() - t0) / 1000)) };
    log(`cpu training ${model}: ${JSON.stringify(cpuTrain)}`);
    train[model] = { config: E, webgpu: gpuTrain, cpu: cpuTrain, webgpu_over_cpu: Number((gpuTrain.rays_per_sec / cpuTrain.rays_per_sec).toFixed(4)) };
  }
  process.stdout.write(JSON.stringify({ webgpu: gpu, cpu: { samples_per_sec: c }, webgpu_over_cpu: ratio, standard_step: step, train }) + '\n');
} finally {
  await app.close();
  process.exit(0);
}
