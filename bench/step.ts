/**
 * The standard training step of the engine issue: both grids at R = 96 over the box, 12 colour channels,
 * decoder 39 → 128 → 128 → 3, 4096 rays × 128 samples per ray, every sample kept (no skipping), one
 * forward + backward + Adam update of everything. Median of `reps` timed steps after one warm-up step.
 * Also end-to-end training throughput with skipping on (default training settings) on the demo scene.
 */
import { Rng } from '../core/math/rng';
import { axisRays } from './rays';
import { RadianceField, FIELD_DEFAULTS, type FieldConfig } from '../core/field/RadianceField';
import { Adam } from '../core/optim/Adam';
import type { FieldOps } from '../core/field/ops';
import type { GridKind } from '../core/field/GridModel';
import { cpuOps } from '../cli/ops';
import { loadDemo } from '../datasets/load';
import { Trainer, TRAIN_DEFAULTS } from '../core/train/Trainer';
import { trainDataFromScene, loadViews, evalIndices } from '../core/train/data';

const RAYS = 4096, SAMPLES = 128, R = 96;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

type Timed = Record<string, number>;

/** Wraps obj[name] so that its wall time adds up in times[label]. */
function timeMethod(obj: Record<string, unknown>, name: string, times: Timed, label = name): void {
  const f = (obj[name] as (...a: unknown[]) => unknown).bind(obj);
  obj[name] = (...a: unknown[]) => {
    const t = performance.now();
    const r = f(...a);
    times[label] = (times[label] ?? 0) + performance.now() - t;
    return r;
  };
}

/** The kernels with every hot entry point timed into `times` (per-kernel shares of the step). */
function timedKernels(k: FieldOps, times: Timed): FieldOps {
  const t = Object.create(k) as FieldOps & Record<string, unknown>;
  for (const [name, label] of [['support', 'grid support (index + kernel weights)'], ['kernelBackward', 'learned kernel backward'],
    ['gatherForward', 'gather (interpolation)'], ['gatherBackward', 'scatter (interpolation backward)'], ['adam', 'Adam']]) {
    t[name] = (k as unknown as Record<string, unknown>)[name];
    timeMethod(t, name, times, label);
  }
  return t;
}

export async function standardStep(model: GridKind, reps: number, log: (s: string) => void, kernels?: FieldOps) {
  const cfg: FieldConfig = { ...FIELD_DEFAULTS, model, resolution: R, colorChannels: 12, decoderHidden: [128, 128],
    stepVoxels: (R - 1) / (SAMPLES + 0.5), colorWeightThreshold: -1, terminationT: 0 };
  const rng = new Rng(1);
  const base = kernels ?? (await cpuOps());
  const parts: Timed = {};
  const k = timedKernels(base, parts);
  const field = new RadianceField(cfg, [[-1.5, -1.5, -1.5], [1.5, 1.5, 1.5]], rng, R, k);
  const dec = field.decoder as unknown as Record<string, unknown>;
  timeMethod(dec, 'fillInput', parts, 'decoder input encoding');
  timeMethod(dec, 'forward', parts, 'decoder forward');
  timeMethod(dec, 'backward', parts, 'decoder backward');
  const g = field.paramGroups();
  const opt = new Adam([{ params: g.grids, lr: 0.1 }, { params: g.decoder, lr: 1e-3 }], k);
  // axis-aligned rays across the whole box: exactly SAMPLES samples each
  const { origins, dirs } = axisRays(RAYS, rng);
  const dRgb = Float32Array.from({ length: RAYS * 3 }, () => (rng.next() - 0.5) * 1e-3);
  const times: number[] = [];
  const perPart: Record<string, number[]> = {};
  for (let r = 0; r <= reps; r++) {
    for (const key of Object.keys(parts)) parts[key] = 0;
    const t = performance.now();
    field.render({ n: RAYS, origins, dirs }, 0, 10, [1, 1, 1], rng);
    field.backward(dRgb);
    opt.update();
    const ms = performance.now() - t;
    if (field.stats.samples !== RAYS * SAMPLES) throw new Error(`expected ${RAYS * SAMPLES} samples, got ${field.stats.samples}`);
    if (r > 0) {
      times.push(ms);
      for (const [key, v] of Object.entries(parts)) (perPart[key] ??= []).push(v);
    }
    log(`  ${model} step ${r === 0 ? '(warm-up)' : r}: ${(ms / 1000).toFixed(2)} s`);
  }
  const ms = median(times);
  field.dispose();
  opt.dispose();
  // per kernel: median ms per step, share of the step, and samples/s through that kernel alone
  const perKernel: Record<string, { ms: number; share: number; samples_per_sec: number }> = {};
  let accounted = 0;
  for (const [key, v] of Object.entries(perPart)) {
    const m = median(v);
    accounted += m;
    perKernel[key] = { ms: Math.round(m), share: Number((m / ms).toFixed(3)), samples_per_sec: Math.round((RAYS * SAMPLES) / (m / 1000)) };
  }
  perKernel['rest (sampling, compositing, loss, copies)'] = { ms: Math.round(ms - accounted), share: Number(((ms - accounted) / ms).toFixed(3)),
    samples_per_sec: Math.round((RAYS * SAMPLES) / ((ms - accounted) / 1000)) };
  const rate = (t: number) => Math.round((RAYS * SAMPLES) / (t / 1000));
  // median, with the spread over the repetitions: compare a ratio against a target only outside it
  return { samples_per_sec: rate(ms), samples_per_sec_min: rate(Math.max(...times)), samples_per_sec_max: rate(Math.min(...times)),
    ms_per_step: Math.round(ms), ms_per_step_min: Math.round(Math.min(...times)), ms_per_step_max: Math.round(Math.max(...times)), reps,
    backend: `${base.name}${'variant' in base ? ` (${String(base.variant)})` : ''}, ${base.threads} thread(s)`, kernels: perKernel };
}

export async function benchStep(log: (s: string) => void, opts: { reps?: number; models?: GridKind[] } = {}) {
  const reps = opts.reps ?? 5;
  const step: Record<string, unknown> = {};
  for (const m of opts.models ?? (['dense', 'mulfagrid', 'fouriergrid', 'hash'] as GridKind[])) {
    step[m] = await standardStep(m, reps, log);
    log(`${m}: ${JSON.stringify(step[m])}`);
  }
  return { config: { resolution: R, channels: 12, decoder: '39-128-128-3', rays: RAYS, samples_per_ray: SAMPLES, skipping: false }, step };
}

/** End-to-end training rays/s with the default settings (skipping on) on the demo scene, per model. */
export async function benchTrain(log: (s: string) => void, opts: { seconds?: number; models?: GridKind[] } = {}) {
  const seconds = opts.seconds ?? 30;
  const scene = loadDemo();
  const data = await trainDataFromScene(scene);
  const out: Record<string, unknown> = {};
  for (const model of opts.models ?? (['dense', 'mulfagrid'] as GridKind[])) {
    const t = new Trainer({ ...TRAIN_DEFAULTS, field: { ...TRAIN_DEFAULTS.field, model } }, data, await cpuOps());
    const t0 = performance.now();
    let samples = 0, colorSamples = 0;
    while (performance.now() - t0 < seconds * 1000) { const r = t.trainStep(); samples += r.samples; colorSamples += r.colorSamples; }
    const s = (performance.now() - t0) / 1000;
    // what was measured: the resolution reached in the time (progressive upsampling) and the decoder
    out[model] = { rays_per_sec: Math.round((t.step * t.config.batchRays) / s), steps: t.step, seconds: Number(s.toFixed(1)),
      resolution_reached: t.field.density.resolution, final_resolution: t.config.field.resolution,
      decoder: [t.config.field.colorChannels + 3 + 6 * t.config.field.viewFreqs, ...t.config.field.decoderHidden, 3].join('-'),
      samples_per_ray: Number((samples / (t.step * t.config.batchRays)).toFixed(1)), color_samples_per_ray: Number((colorSamples / (t.step * t.config.batchRays)).toFixed(1)) };
    log(`${model}: ${JSON.stringify(out[model])}`);
  }
  return out;
}

/** Demo-scene held-out PSNR after 60/180/300 s of training with the default settings (evaluation time not counted). */
export async function benchPsnr(log: (s: string) => void, opts: { models?: GridKind[]; checkpoints?: number[] } = {}) {
  const checkpoints = opts.checkpoints ?? [60, 180, 300];
  const scene = loadDemo();
  const data = await trainDataFromScene(scene);
  const held = await loadViews(scene, evalIndices(scene));
  const out: Record<string, Record<string, number>> = {};
  for (const model of opts.models ?? (['mulfagrid', 'dense'] as GridKind[])) {
    const t = new Trainer({ ...TRAIN_DEFAULTS, field: { ...TRAIN_DEFAULTS.field, model } }, data, await cpuOps());
    out[model] = {};
    let trained = 0;
    for (const c of checkpoints) {
      const t0 = performance.now();
      while (trained + (performance.now() - t0) / 1000 < c) t.trainStep();
      trained += (performance.now() - t0) / 1000;
      const psnr = held.reduce((a, v) => a + t.evaluate(v).psnr, 0) / held.length;
      out[model][`psnr_${c}s`] = Number(psnr.toFixed(2));
      out[model][`steps_${c}s`] = t.step;
      log(`${model} after ${c} s (${t.step} steps): held-out PSNR ${psnr.toFixed(2)} dB over ${held.length} views`);
    }
  }
  return out;
}
