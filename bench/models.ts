/**
 * Grid models side by side on one scene: held-out PSNR/SSIM at equal training time and at equal steps, from one
 * run per model (evaluation time not counted).
 *
 *   npm run bench:models -- [SCENE] [--downscale n] [--holdout k] [--scene bounded|unbounded|forward]
 *       [--models dense,mulfagrid,fouriergrid,hash] [--seconds 60,180,600] [--steps 500,1000,2000] [--resolution 96] [--seed s]
 *       [--fit-decay] [--json]
 *
 * SCENE is a dataset folder or `demo` (default). A model may carry settings after colons — training ones (TrainConfig)
 * or the field's (FieldConfig, `mulfa.x` the kernel's): `mulfagrid:kernelLrScale=1:sharedKernel=false:mulfa.omegaScale=4`,
 * `dense:tvDensity=1e-4`, a list as numbers joined by '+' (`dense:decoderHidden=64+64`). With --seconds the run
 * lasts the longest checkpoint under the CLI's time-budget schedule (learning rate decaying over the default
 * 3,000 steps and upsampling at steps 100 and 300, or with --fit-decay the schedule fitted to the longest checkpoint
 * as `mulfa train --time-budget` has it: upsampling at 10 % and 30 % of it, the decay over the steps it will hold,
 * core/train/TrainingSession.ts BudgetSchedule); with --steps alone it lasts the last step under `--max-steps`'s
 * schedule (decay over that many).
 * Step checkpoints a model does not reach in the time are left out of its row.
 */
import { parseArgs } from 'node:util';
import * as os from 'node:os';
import { Trainer, type TrainConfig } from '../core/train/Trainer';
import { trainConfigFor, exposureViewsFor, BudgetSchedule } from '../core/train/TrainingSession';
import { trainDataFromScene, loadViews, evalIndices } from '../core/train/data';
import type { GridKind } from '../core/field/GridModel';
import { openScene, sceneFlag } from '../cli/args';
import type { SpaceKind } from '../core/scene/space';
import { cpuOps } from '../cli/ops';
import { Rng } from '../core/math/rng';
import { makeSupport, trilinearSupport } from '../core/field/GridModel';

const { values, positionals } = parseArgs({ allowPositionals: true, options: {
  downscale: { type: 'string' }, holdout: { type: 'string' }, scene: { type: 'string' }, models: { type: 'string' },
  seconds: { type: 'string' }, steps: { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' }, resolution: { type: 'string' }, 'fit-decay': { type: 'boolean' },
} });
const log = (s: string) => process.stderr.write(s + '\n');
const list = (s: string | undefined) => (s ? s.split(',').map(Number).filter((x) => x > 0).sort((a, b) => a - b) : []);
const seconds = list(values.seconds ?? (values.steps ? undefined : '60,180,600'));
const steps = list(values.steps);
const where = positionals[0] ?? 'demo';

/** `model[:key=value]*` → the training configuration (keys are FieldConfig fields, `mulfa.x` the kernel's). */
function configFor(spec: string, space: SpaceKind | undefined, exposureViews: number): TrainConfig {
  const [model, ...sets] = spec.split(':');
  const maxSteps = seconds.length ? 0 : steps[steps.length - 1];
  const c = trainConfigFor({ model: model as GridKind, resolution: Number(values.resolution ?? 96), seed: Number(values.seed ?? 0), maxSteps, space, exposureViews });
  const field: Record<string, unknown> = { ...c.field, mulfa: { ...c.field.mulfa } };
  const top: Record<string, unknown> = { ...c };
  for (const s of sets) {
    const [key, raw] = s.split('=');
    const [head, sub] = key.split('.');
    // a training setting (tvDensity, lrGrid, …) or a field one (kernelLrScale, mulfa.omegaScale, mulfa.normalise, …)
    const target = (!sub && head !== 'field' && head in top ? top : sub ? field[head] : field) as Record<string, unknown>;
    const name = sub ?? head;
    if (!target || !(name in target)) throw new Error(`unknown setting "${key}" in ${spec}`);
    // numbers and booleans, or a word where the setting is one (mulfa.normalise=raw)
    // (a list, e.g. decoderHidden=64+64, as numbers joined by '+')
    const value = typeof target[name] === 'string' ? raw : Array.isArray(target[name]) ? (raw ?? '').split('+').map(Number)
      : raw === 'true' ? true : raw === 'false' ? false : Number(raw);
    const bad = (v: unknown) => typeof v === 'number' && !Number.isFinite(v);
    if (raw === undefined || bad(value) || (Array.isArray(value) && value.some(bad))) throw new Error(`bad setting "${s}" in ${spec}`);
    target[name] = value;
  }
  return { ...(top as unknown as TrainConfig), field: field as unknown as TrainConfig['field'] };
}

const scene = await openScene(where, { downscale: values.downscale ? Number(values.downscale) : undefined,
  holdout: values.holdout ? Number(values.holdout) : 2, scene: sceneFlag(values.scene) });
const data = await trainDataFromScene(scene);
const held = await loadViews(scene, evalIndices(scene));
const ops = await cpuOps();
log(`${scene.label}: ${data.views.length} training views, ${held.length} held out, space ${data.space?.kind ?? 'bounded'}`);

type Point = { psnr: number; ssim: number; steps: number; seconds: number };
const rows: Record<string, { at_seconds: Record<string, Point>; at_steps: Record<string, Point> }> = {};
for (const spec of (values.models ?? 'dense,mulfagrid,fouriergrid,hash').split(',')) {
  const t = new Trainer(configFor(spec, data.space?.kind, exposureViewsFor(data)), data, ops);
  const row = { at_seconds: {} as Record<string, Point>, at_steps: {} as Record<string, Point> };
  rows[spec] = row;
  const evaluate = (): Point => {
    let p = 0, s = 0;
    for (const v of held) { const e = t.evaluate(v); p += e.psnr; s += e.ssim; }
    return { psnr: Number((p / held.length).toFixed(2)), ssim: Number((s / held.length).toFixed(4)), steps: t.step, seconds: Number(trained.toFixed(1)) };
  };
  let trained = 0, si = 0, ki = 0;
  const fitted = values['fit-decay'] && seconds.length ? new BudgetSchedule(t, seconds[seconds.length - 1]) : null;
  const endSec = seconds.length ? seconds[seconds.length - 1] : Infinity;
  const endStep = seconds.length ? Infinity : steps[steps.length - 1];
  while (si < seconds.length || (ki < steps.length && trained < endSec)) {
    const t0 = performance.now();
    t.trainStep();
    trained += (performance.now() - t0) / 1000;
    fitted?.update(trained);
    if (ki < steps.length && t.step === steps[ki]) {
      row.at_steps[steps[ki]] = evaluate();
      log(`${spec} step ${t.step} (${trained.toFixed(0)} s): ${row.at_steps[steps[ki]].psnr} dB`);
      ki++;
    }
    while (si < seconds.length && trained >= seconds[si]) {
      row.at_seconds[seconds[si]] = evaluate();
      log(`${spec} ${seconds[si]} s (${t.step} steps): ${row.at_seconds[seconds[si]].psnr} dB`);
      si++;
    }
    if (t.step >= endStep) break;
  }
  if (t.field.kernels.length) (row as Record<string, unknown>).kernel_vs_trilinear = kernelDeviation(t);
  t.dispose();
}

/**
 * How far the learned MulFA kernels moved from trilinear interpolation: the mean over 4,096 random points of
 * ½ Σ_corners |φ̄ − trilinear| (0: trilinear; 1: disjoint), per kernel.
 */
function kernelDeviation(t: Trainer): number[] {
  const n = 4096, R = t.field.density.resolution, rng = new Rng(1);
  const pts = Float32Array.from({ length: n * 3 }, () => rng.next());
  const s = makeSupport({ K: 8 }, n), tri = makeSupport({ K: 8 }, 1), cell = new Float64Array(6);
  return t.field.kernels.map((k) => {
    k.computeSupport(pts, n, R, s);
    let d = 0;
    for (let i = 0; i < n; i++) {
      trilinearSupport(pts[i * 3], pts[i * 3 + 1], pts[i * 3 + 2], R, 0, tri.idx, tri.w, 0, 1, cell);
      for (let c = 0; c < 8; c++) d += Math.abs(s.w[i * 8 + c] - tri.w[c]) / 2;
    }
    return Number((d / n).toFixed(4));
  });
}

const result = { machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version },
  scene: scene.label, train_views: data.views.length, held_out: held.length, space: data.space?.kind ?? 'bounded', models: rows };
process.stdout.write(JSON.stringify(result, values.json ? undefined : null, values.json ? undefined : 2) + '\n');
