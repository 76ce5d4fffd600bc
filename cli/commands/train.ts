/** `mulfa train <dataset>`: trains a radiance field, with progress, periodic snapshots and a final evaluation. */
import * as path from 'node:path';
import type { Scene } from '../../core/scene/Scene';
import { Trainer, TRAIN_DEFAULTS } from '../../core/train/Trainer';
import { MAX_LOSS_WEIGHT } from '../../core/train/snapshotHeader';
import { FIT_DECAY_TO_BUDGET, TrainingSession, trainConfigFor, exposureViewsFor, type SliceEnd } from '../../core/train/TrainingSession';
import { evaluateViews } from '../../core/train/backend';
import { backendFlag, openBackend } from '../gpu';
import type { GpuPrograms, GpuCounters } from '../../core/gpu/GpuPrograms';
import { trainDataFromScene, loadViews, evalIndices } from '../../core/train/data';
import { decodeSnapshot } from '../../core/io/snapshot';
import type { GridKind } from '../../core/field/GridModel';
import { parse, intFlag, numFlag, openScene, sceneFlag, UsageError } from '../args';
import { cpuOps } from '../ops';
import * as os from 'node:os';
import { InputError } from '../../core/errors';
import { writeFileAtomic, readFileOrFail, checkWritableFolder } from '../../datasets/node/files';
import { cameraMeta } from './eval';

const MODELS: GridKind[] = ['mulfagrid', 'dense', 'fouriergrid', 'hash'];

/** The options `mulfa train` takes (cli/help.ts documents each). */
export const TRAIN_OPTIONS = {
    model: { type: 'string' }, downscale: { type: 'string' }, holdout: { type: 'string' },
    'time-budget': { type: 'string' }, 'max-steps': { type: 'string' }, resolution: { type: 'string' },
    out: { type: 'string' }, resume: { type: 'string' }, json: { type: 'boolean' }, seed: { type: 'string' },
    'snapshot-every': { type: 'string' }, quiet: { type: 'boolean' }, backend: { type: 'string' },
    'batch-rays': { type: 'string' }, 'skip-eval': { type: 'boolean' }, scene: { type: 'string' }, exposure: { type: 'string' },
    distortion: { type: 'string' },
  } as const;

export async function trainCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, TRAIN_OPTIONS, 1);
  const model = (values.model ?? 'mulfagrid') as GridKind;
  if (!MODELS.includes(model)) throw new UsageError(`--model must be one of ${MODELS.join(', ')}, got "${values.model}"`);
  const maxSteps = intFlag(values['max-steps'], 'max-steps', 1);
  const budget = numFlag(values['time-budget'], 'time-budget', 0) ?? (maxSteps ? Infinity : 300);
  const resolution = intFlag(values.resolution, 'resolution', 8) ?? TRAIN_DEFAULTS.field.resolution;
  const seed = intFlag(values.seed, 'seed', 0) ?? 0;
  if (values.exposure !== undefined && !['on', 'off', 'auto'].includes(values.exposure)) throw new UsageError(`--exposure must be on, off or auto, got "${values.exposure}"`);
  const exposure = values.exposure === 'on' ? true : values.exposure === 'off' ? false : undefined;
  const batchRays = intFlag(values['batch-rays'], 'batch-rays', 1);
  const distortion = numFlag(values.distortion, 'distortion', 0);
  if (distortion !== undefined && distortion > MAX_LOSS_WEIGHT) throw new UsageError(`--distortion must be ≤ ${MAX_LOSS_WEIGHT}, got "${values.distortion}"`);
  const snapshotEvery = numFlag(values['snapshot-every'], 'snapshot-every', 1) ?? 60;
  const out = values.out ?? 'mulfa-out';
  const selected = backendFlag(values.backend);
  const log = (s: string) => process.stderr.write(s + '\n');

  const scene: Scene = await openScene(positionals[0], {
    downscale: intFlag(values.downscale, 'downscale', 1), holdout: intFlag(values.holdout, 'holdout', 2), scene: sceneFlag(values.scene),
  });
  const data = await trainDataFromScene(scene);
  if (data.views.length === 0) throw new UsageError('the dataset has no training views');
  const ops = await cpuOps();
  const meta = { dataset: scene.label, format: scene.format, cameras: cameraMeta(scene) };
  const trainer = values.resume
    ? Trainer.fromSnapshot(decodeSnapshot(readFileOrFail(values.resume), values.resume), values.resume, data, ops)
    : new Trainer(trainConfigFor({ model, resolution, seed, maxSteps: maxSteps ?? 0, batchRays, space: data.space?.kind,
      exposureViews: exposureViewsFor(data, exposure) }), data, ops);
  if (values.resume) log(`resumed ${values.resume} at step ${trainer.step}`);
  if (distortion !== undefined) trainer.config.distortion = distortion; // over the space's default or the snapshot's
  checkWritableFolder(out); // before a long run, not at its first snapshot
  const latest = path.join(out, 'latest.mulfa');
  let lost: string | null = null, wroteLatest = false;
  const backend = await openBackend(selected, trainer, log, (message) => { lost = message; session.requestStop(); });
  const session = new TrainingSession(backend, { timeBudgetSec: budget, maxSteps, snapshotEverySec: snapshotEvery,
    clock: () => performance.now(), fitDecayToBudget: FIT_DECAY_TO_BUDGET });
  const deviceLost = () => new UsageError(`the GPU failed (${lost}) at step ${trainer.step}; ` +
    (wroteLatest ? `the last snapshot ${latest} is intact — resume with --resume ${latest}` : 'no snapshot had been written yet'));
  const counters = (backend as { gk?: GpuPrograms }).gk?.counters, c0 = counters ? { ...counters } : null, s0 = trainer.step;
  let stopped: boolean;
  try {
    stopped = await runInTerminal(session, log, !values.quiet, async () => {
      // a periodic snapshot that cannot be written is reported; training goes on (the last good one stays)
      const bytes = (await backend.syncToCpu(true)).toSnapshot({ ...meta, backend: backend.name });
      try { writeFileAtomic(latest, bytes); wroteLatest = true; } catch (e) { log(`\nwarning: ${(e as Error).message}; training goes on`); }
    });
  } catch (e) {
    if (lost !== null) throw deviceLost();
    throw e;
  }
  if (lost !== null) throw deviceLost();
  // what the device was asked per step (snapshot copies and occupancy refreshes included; evaluation not)
  const perStep = counters && c0 ? Object.fromEntries((Object.keys(c0) as (keyof GpuCounters)[]).map((k) =>
    [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), Math.round((100 * (counters[k] - c0[k])) / Math.max(1, trainer.step - s0)) / 100])) : null;
  const finalBytes = (await backend.syncToCpu(true)).toSnapshot({ ...meta, backend: backend.name });
  const finalFile = await saveFinal(finalBytes, path.join(out, 'final.mulfa'), log);
  log(`wrote ${finalFile} after ${trainer.step} steps in ${session.seconds.toFixed(1)} s`);
  if (stopped) return 130;
  const held = values['skip-eval'] ? [] : await loadViews(scene, evalIndices(scene));
  const ev = await evaluateViews(backend, held);
  if (held.length > 0) log(`held-out views: ${held.length}  PSNR ${ev.psnr.toFixed(2)}  SSIM ${ev.ssim.toFixed(4)}`);
  const p = session.progress(), decoderGemms = (backend as { decoderGemms?: string }).decoderGemms; // (WebGPU: where the decoder's GEMMs ran)
  const result = {
    steps: trainer.step, seconds: Number(p.seconds.toFixed(2)), train_psnr: Number(p.psnr.toFixed(3)),
    holdout_psnr: held.length ? Number(ev.psnr.toFixed(3)) : null, holdout_ssim: held.length ? Number(ev.ssim.toFixed(4)) : null,
    holdout_views: held.length, rays_per_sec: Math.round(p.raysPerSec),
    model: trainer.config.field.model, resolution: trainer.config.field.resolution, snapshot: finalFile, backend: backend.name,
    ...(perStep ? { gpu_per_step: perStep } : {}),
    ...(decoderGemms ? { decoder_gemms: decoderGemms } : {}),
  };
  backend.dispose();
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

/**
 * Runs the session to its end in the terminal: a progress bar on a TTY (a line every 5 s otherwise), periodic
 * snapshots through `snapshot`, Ctrl-C asking the session to stop after the current step (a second Ctrl-C
 * quits at once). Slices of 50 ms keep Ctrl-C answered while steps are synchronous. True when stopped by Ctrl-C.
 */
async function runInTerminal(session: TrainingSession, log: (s: string) => void, show: boolean, snapshot: () => Promise<void>): Promise<boolean> {
  const onSigint = () => {
    if (session.stopping) process.exit(130);
    session.requestStop();
    log('\nstopping after this step (Ctrl-C again to quit at once)…');
  };
  process.on('SIGINT', onSigint);
  const tty = process.stderr.isTTY && show;
  let lastLog = 0, end: SliceEnd = 'more';
  try {
    while (end === 'more') {
      end = await session.runSlice(50);
      const p = session.progress();
      const line = `step ${p.step}  loss ${p.loss.toFixed(5)}  psnr ${p.psnr.toFixed(2)}  ${Math.round(p.raysPerSec)} rays/s  ` +
        `res ${p.resolution}  occ ${(p.occupancy * 100).toFixed(0)}%  eta ${formatSec(p.eta)}`;
      if (tty) process.stderr.write(`\r${bar(1 - p.eta / (p.seconds + p.eta))} ${line}\x1b[K`);
      else if (show && p.seconds - lastLog >= 5) { log(line); lastLog = p.seconds; }
      if (session.takeSnapshotDue()) await snapshot();
      await new Promise((r) => setImmediate(r)); // let the event loop run the SIGINT handler
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (tty) process.stderr.write('\n');
  return end === 'stopped';
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
