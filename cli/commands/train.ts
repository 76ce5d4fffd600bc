/** `mulfa train <dataset>`: trains a radiance field, with progress, periodic snapshots and a final evaluation. */
import * as path from 'node:path';
import type { Scene } from '../../core/scene/Scene';
import { Trainer, TRAIN_DEFAULTS, type TrainConfig, type StepResult } from '../../core/train/Trainer';
import { trainDataFromScene, loadViews, evalIndices } from '../../core/train/data';
import { decodeSnapshot } from '../../core/io/snapshot';
import type { GridKind } from '../../core/field/GridModel';
import { parse, intFlag, numFlag, openScene, UsageError } from '../args';
import { cpuKernels } from '../kernels';
import * as os from 'node:os';
import { InputError } from '../../core/errors';
import { writeFileAtomic, readFileOrFail, checkWritableFolder } from '../fsio';
import { evaluateViews, cameraMeta } from './eval';

const MODELS: GridKind[] = ['mulfagrid', 'dense', 'fouriergrid', 'hash'];

export async function trainCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    model: { type: 'string' }, downscale: { type: 'string' }, holdout: { type: 'string' },
    'time-budget': { type: 'string' }, 'max-steps': { type: 'string' }, resolution: { type: 'string' },
    out: { type: 'string' }, resume: { type: 'string' }, json: { type: 'boolean' }, seed: { type: 'string' },
    'snapshot-every': { type: 'string' }, quiet: { type: 'boolean' },
  }, 1);
  const model = (values.model ?? 'mulfagrid') as GridKind;
  if (!MODELS.includes(model)) throw new UsageError(`--model must be one of ${MODELS.join(', ')}, got "${values.model}"`);
  const maxSteps = intFlag(values['max-steps'], 'max-steps', 1);
  const budget = numFlag(values['time-budget'], 'time-budget', 0) ?? (maxSteps ? Infinity : 300);
  const resolution = intFlag(values.resolution, 'resolution', 8) ?? TRAIN_DEFAULTS.field.resolution;
  const seed = intFlag(values.seed, 'seed', 0) ?? 0;
  const snapshotEvery = numFlag(values['snapshot-every'], 'snapshot-every', 1) ?? 60;
  const out = values.out ?? 'mulfa-out';
  const log = (s: string) => process.stderr.write(s + '\n');

  const scene: Scene = await openScene(positionals[0], {
    downscale: intFlag(values.downscale, 'downscale', 1), holdout: intFlag(values.holdout, 'holdout', 2),
  });
  const data = await trainDataFromScene(scene);
  if (data.views.length === 0) throw new UsageError('the dataset has no training views');
  const kernels = await cpuKernels();
  const meta = { dataset: scene.label, format: scene.format, cameras: cameraMeta(scene) };
  let trainer: Trainer;
  if (values.resume) {
    trainer = Trainer.fromSnapshot(decodeSnapshot(readFileOrFail(values.resume), values.resume), values.resume, data, kernels);
    log(`resumed ${values.resume} at step ${trainer.step}`);
  } else {
    const config: TrainConfig = { ...TRAIN_DEFAULTS, seed, field: { ...TRAIN_DEFAULTS.field, model, resolution },
      decaySteps: maxSteps ?? TRAIN_DEFAULTS.decaySteps };
    trainer = new Trainer(config, data, kernels);
  }
  checkWritableFolder(out); // before a long run, not at its first snapshot
  const save = (name: string) => writeFileAtomic(path.join(out, name), trainer.toSnapshot(meta));
  /** A periodic snapshot that cannot be written is reported; training goes on (the last good one stays). */
  const trySave = (name: string) => {
    try { save(name); } catch (e) { log(`\nwarning: ${(e as Error).message}; training goes on`); }
  };

  let stop = false;
  const onSigint = () => { if (stop) process.exit(130); stop = true; log('\nstopping after this step (Ctrl-C again to quit at once)…'); };
  process.on('SIGINT', onSigint);
  const tty = process.stderr.isTTY && !values.quiet;
  const t0 = performance.now();
  let lastLog = 0, lastSnap = 0, last: StepResult | null = null, psnrAvg = 0;
  const startStep = trainer.step;
  let lastYield = performance.now();
  try {
    while (!stop) {
      // let the event loop run (the SIGINT handler above) every 50 ms: training steps are synchronous
      if (performance.now() - lastYield > 50) {
        await new Promise((r) => setImmediate(r));
        lastYield = performance.now();
        if (stop) break;
      }
      const elapsed = (performance.now() - t0) / 1000;
      if (elapsed >= budget || (maxSteps !== undefined && trainer.step >= maxSteps)) break;
      last = trainer.trainStep();
      psnrAvg = psnrAvg === 0 ? last.psnr : 0.9 * psnrAvg + 0.1 * last.psnr;
      const now = (performance.now() - t0) / 1000;
      const steps = trainer.step - startStep;
      const raysPerSec = (steps * trainer.config.batchRays) / now;
      const eta = Math.max(0, Math.min(budget - now, maxSteps !== undefined ? ((maxSteps - trainer.step) * now) / steps : Infinity));
      const line = `step ${trainer.step}  loss ${last.loss.toFixed(5)}  psnr ${psnrAvg.toFixed(2)}  ${Math.round(raysPerSec)} rays/s  ` +
        `res ${last.resolution}  occ ${(last.occupancy * 100).toFixed(0)}%  eta ${formatSec(eta)}`;
      if (tty) process.stderr.write(`\r${bar(1 - eta / (now + eta))} ${line}\x1b[K`);
      else if (!values.quiet && now - lastLog >= 5) { log(line); lastLog = now; }
      if (now - lastSnap >= snapshotEvery) { trySave('latest.mulfa'); lastSnap = now; }
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (tty) process.stderr.write('\n');
  const seconds = (performance.now() - t0) / 1000;
  const finalFile = await saveFinal(trainer.toSnapshot(meta), path.join(out, 'final.mulfa'), log);
  log(`wrote ${finalFile} after ${trainer.step} steps in ${seconds.toFixed(1)} s`);
  if (stop) return 130;
  const held = await loadViews(scene, evalIndices(scene));
  const ev = evaluateViews(trainer, held);
  if (held.length > 0) log(`held-out views: ${held.length}  PSNR ${ev.psnr.toFixed(2)}  SSIM ${ev.ssim.toFixed(4)}`);
  const result = {
    steps: trainer.step, seconds: Number(seconds.toFixed(2)), train_psnr: Number(psnrAvg.toFixed(3)),
    holdout_psnr: held.length ? Number(ev.psnr.toFixed(3)) : null, holdout_ssim: held.length ? Number(ev.ssim.toFixed(4)) : null,
    holdout_views: held.length, rays_per_sec: Math.round(((trainer.step - startStep) * trainer.config.batchRays) / seconds),
    model: trainer.config.field.model, resolution: trainer.config.field.resolution, snapshot: finalFile,
  };
  if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
  return 0;
}

/**
 * The final snapshot: retried (a full disk may free up, a network share come back), then written to the
 * system's temp folder rather than lost; only when that fails too does the run end without one.
 */
async function saveFinal(bytes: Uint8Array, file: string, log: (s: string) => void, retries = 3): Promise<string> {
  let last: Error | null = null;
  for (let attempt = 0; attempt < retries; attempt++) {
    try {
      writeFileAtomic(file, bytes);
      return file;
    } catch (e) {
      last = e as Error;
      log(`warning: ${last.message}${attempt + 1 < retries ? '; retrying' : ''}`);
      if (attempt + 1 < retries) await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
    }
  }
  const rescue = path.join(os.tmpdir(), `mulfa-final-${process.pid}-${Date.now()}.mulfa`);
  try {
    writeFileAtomic(rescue, bytes);
  } catch {
    throw last!;
  }
  throw new InputError(file, '', `could not be written (${(last as InputError).problem}); the trained field was saved to ${rescue} instead`);
}

function formatSec(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

function bar(frac: number, width = 20): string {
  const f = Math.max(0, Math.min(1, frac));
  const n = Math.round(f * width);
  return `[${'#'.repeat(n)}${'.'.repeat(width - n)}]`;
}
