/**
 * What a training snapshot's header must hold, checked field by field before anything is allocated from
 * it: types, ranges, and the sizes of the big arrays against what the configuration implies. A crafted
 * header cannot make the reader allocate more than the file's own arrays (plus the batch buffers of a
 * configuration the engine can hold) or train on values it did not check.
 */
import { InputError } from '../errors';
import type { Snapshot } from '../io/snapshot';
import { type Json, asArray, asBoolean, asObject, asString, finite, inRange, integer, numbers, oneOf } from '../io/check';
import type { FieldConfig } from '../field/RadianceField';
import type { GridKind } from '../field/GridModel';
import { MULFA_NORMALISATIONS } from '../field/MulFAGrid';
import type { AABB } from '../scene/Scene';
import { type SceneSpace, SPACE_KINDS, boundedSpace, unboundedSpace } from '../scene/space';
import type { Distortion, Intrinsics } from '../scene/Camera';
import type { TrainConfig } from './Trainer';
import { CPU_MEMORY_LIMIT, estimateMemory, gridRows } from './memory';


/** The largest weight a regulariser (distortion, density TV) may have: what snapshots and `mulfa train` accept. */
export const MAX_LOSS_WEIGHT = 1e3;

/** Largest image side accepted anywhere (datasets, stored cameras, renders). */
export const MAX_IMAGE_SIDE = 16384;

/** A camera stored in a snapshot header (so `mulfa render --view i` and the app need no dataset). */
export interface StoredCamera extends Intrinsics {
  name: string; c2w: number[];
  distortion: Distortion | null;
}

export interface TrainerHeader {
  step: number;
  rng: number[];
  config: TrainConfig;
  resolution: number;
  optSteps: { grid: number; net: number };
  scene: { aabb: AABB; near: number; far: number; background: [number, number, number]; space: SceneSpace };
  cameras: StoredCamera[];
}

const MODELS: readonly GridKind[] = ['dense', 'mulfagrid', 'fouriergrid', 'hash'];
const MAX_STEPS = 1e9;
const GiB = 2 ** 30;

function fieldConfig(v: unknown, file: string): FieldConfig {
  const p = 'config.field', o = asObject(v, file, p);
  const int = (k: string, min: number, max: number, src: Json = o, pre = p) => integer(src[k], file, `${pre}.${k}`, min, max);
  const num = (k: string, min: number, max: number, src: Json = o, pre = p) => inRange(src[k], file, `${pre}.${k}`, min, max);
  const resolution = int('resolution', 8, 1024);
  const mulfa = asObject(o.mulfa, file, `${p}.mulfa`), hash = asObject(o.hash, file, `${p}.hash`);
  const hidden = asArray(o.decoderHidden, file, `${p}.decoderHidden`, 4).map((h, i) => integer(h, file, `${p}.decoderHidden[${i}]`, 1, 1024));
  return {
    model: oneOf(o.model, file, `${p}.model`, MODELS),
    resolution,
    colorChannels: int('colorChannels', 1, 64),
    decoderHidden: hidden,
    viewFreqs: int('viewFreqs', 0, 12),
    mulfa: {
      L: int('L', 1, 12, mulfa, `${p}.mulfa`), M: int('M', 1, 8, mulfa, `${p}.mulfa`), H: int('H', 1, 64, mulfa, `${p}.mulfa`),
      omegaScale: num('omegaScale', 0, 1e4, mulfa, `${p}.mulfa`),
      // (snapshots before the measured alternatives have the default)
      normalise: mulfa.normalise === undefined ? 'exp' : oneOf(mulfa.normalise, file, `${p}.mulfa.normalise`, MULFA_NORMALISATIONS),
    },
    sharedKernel: asBoolean(o.sharedKernel, file, `${p}.sharedKernel`),
    kernelLrScale: num('kernelLrScale', 0, 1e3),
    hash: {
      levels: int('levels', 1, 32, hash, `${p}.hash`), log2TableSize: int('log2TableSize', 4, 24, hash, `${p}.hash`),
      minResolution: int('minResolution', 2, resolution, hash, `${p}.hash`),
    },
    fourierLevels: int('fourierLevels', 0, 8),
    alphaInit: num('alphaInit', 1e-9, 0.999),
    stepVoxels: num('stepVoxels', 0.05, 16),
    occupancyRes: int('occupancyRes', 1, 512),
    occupancyThreshold: num('occupancyThreshold', 0, 1),
    colorWeightThreshold: num('colorWeightThreshold', -1, 1),
    terminationT: num('terminationT', 0, 1),
  };
}

function trainConfig(v: unknown, file: string): TrainConfig {
  const o = asObject(v, file, 'config');
  const int = (k: string, min: number, max: number) => integer(o[k], file, `config.${k}`, min, max);
  return {
    field: fieldConfig(o.field, file),
    seed: int('seed', 0, 2 ** 32 - 1),
    batchRays: int('batchRays', 1, 65536),
    lrGrid: inRange(o.lrGrid, file, 'config.lrGrid', 0, 1e3),
    lrDecoder: inRange(o.lrDecoder, file, 'config.lrDecoder', 0, 1e3),
    decaySteps: inRange(o.decaySteps, file, 'config.decaySteps', 1e-3, 1e12),
    upsampleSteps: asArray(o.upsampleSteps, file, 'config.upsampleSteps', 16).map((s, i) => integer(s, file, `config.upsampleSteps[${i}]`, 0, MAX_STEPS)),
    // snapshots from before budget-fitted upsampling have fixed steps
    fitUpsampling: o.fitUpsampling === undefined ? false : asBoolean(o.fitUpsampling, file, 'config.fitUpsampling'),
    occupancyEvery: int('occupancyEvery', 1, MAX_STEPS),
    occupancyWarmup: int('occupancyWarmup', 0, MAX_STEPS),
    // snapshots from before exposure compensation have none
    exposureViews: o.exposureViews === undefined ? 0 : int('exposureViews', 0, 1 << 20),
    tvDensity: o.tvDensity === undefined ? 0 : inRange(o.tvDensity, file, 'config.tvDensity', 0, MAX_LOSS_WEIGHT),
    // snapshots from before the distortion loss have none
    distortion: o.distortion === undefined ? 0 : inRange(o.distortion, file, 'config.distortion', 0, MAX_LOSS_WEIGHT),
  };
}

function aabb(v: unknown, file: string, field: string): AABB {
  const a = asArray(v, file, field);
  if (a.length !== 2) throw new InputError(file, field, `must be [[x, y, z], [x, y, z]], found ${a.length} corners`);
  const lo = numbers(a[0], file, `${field}[0]`, 3), hi = numbers(a[1], file, `${field}[1]`, 3);
  for (let i = 0; i < 3; i++) if (!(lo[i] < hi[i])) throw new InputError(file, field, `minimum must be below maximum on every axis (axis ${i}: ${lo[i]} ≥ ${hi[i]})`);
  return [lo as [number, number, number], hi as [number, number, number]];
}

function sceneInfo(v: unknown, file: string): TrainerHeader['scene'] {
  const o = asObject(v, file, 'scene');
  const near = inRange(o.near, file, 'scene.near', 0, 1e12);
  const far = finite(o.far, file, 'scene.far');
  if (!(far > near)) throw new InputError(file, 'scene.far', `must be greater than scene.near (${near}), found ${far}`);
  const bg = numbers(o.background, file, 'scene.background', 3);
  bg.forEach((c, i) => inRange(c, file, `scene.background[${i}]`, 0, 1));
  const box = aabb(o.aabb, file, 'scene.aabb');
  // version 1 snapshots have no space: their scenes were bounded boxes
  const space = o.space === undefined ? boundedSpace(box) : sceneSpaceChecked(o.space, file, 'scene.space');
  return { aabb: box, near, far, background: bg as [number, number, number], space };
}

function sceneSpaceChecked(v: unknown, file: string, field: string): SceneSpace {
  const o = asObject(v, file, field);
  const kind = oneOf(o.kind, file, `${field}.kind`, SPACE_KINDS);
  const box = aabb(o.box, file, `${field}.box`);
  if (kind === 'bounded') return { kind, box, ndc: null };
  if (kind === 'unbounded') {
    const fg = asObject(o.fg, file, `${field}.fg`);
    const centre = numbers(fg.centre, file, `${field}.fg.centre`, 3) as [number, number, number];
    return unboundedSpace({ centre, half: inRange(fg.half, file, `${field}.fg.half`, 1e-9, 1e12) }, file);
  }
  const f = asObject(o.ndc, file, `${field}.ndc`);
  const w2c = numbers(f.w2c, file, `${field}.ndc.w2c`, 12);
  // the rotation must be orthonormal (the inverse used for world positions is its transpose)
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
    const d = w2c[i * 4] * w2c[j * 4] + w2c[i * 4 + 1] * w2c[j * 4 + 1] + w2c[i * 4 + 2] * w2c[j * 4 + 2];
    if (Math.abs(d - (i === j ? 1 : 0)) > 1e-4) throw new InputError(file, `${field}.ndc.w2c`, 'rotation must be orthonormal');
  }
  return { kind, box, ndc: { w2c, ax: inRange(f.ax, file, `${field}.ndc.ax`, 1e-6, 1e6), ay: inRange(f.ay, file, `${field}.ndc.ay`, 1e-6, 1e6),
    near: inRange(f.near, file, `${field}.ndc.near`, 1e-9, 1e12) } };
}

/** A camera stored in a snapshot, checked as a dataset's camera would be. */
export function storedCameraChecked(v: unknown, file: string, field: string): StoredCamera {
  const o = asObject(v, file, field);
  const c2w = numbers(o.c2w, file, `${field}.c2w`, 16);
  const side = (k: string) => integer(o[k], file, `${field}.${k}`, 1, MAX_IMAGE_SIDE);
  const focal = (k: string) => inRange(o[k], file, `${field}.${k}`, 1e-6, 1e9);
  let distortion: Distortion | null = null;
  if (o.distortion !== null && o.distortion !== undefined) {
    const d = asObject(o.distortion, file, `${field}.distortion`);
    const k = (n: string) => finite(d[n], file, `${field}.distortion.${n}`);
    distortion = { model: oneOf(d.model, file, `${field}.distortion.model`, ['opencv', 'fisheye'] as const),
      k1: k('k1'), k2: k('k2'), k3: k('k3'), k4: k('k4'), p1: k('p1'), p2: k('p2') };
  }
  return { name: asString(o.name, file, `${field}.name`, 1024), c2w, width: side('width'), height: side('height'), fx: focal('fx'), fy: focal('fy'),
    cx: finite(o.cx, file, `${field}.cx`), cy: finite(o.cy, file, `${field}.cy`), distortion };
}

/**
 * Checks a training snapshot's header and the sizes of its big arrays against the configuration, before
 * the trainer allocates anything. The per-array checks (every array present, lengths, finite values) follow
 * in Trainer.fromSnapshot once the exact layout exists.
 */
export function readTrainerHeader(snap: Snapshot, file: string): TrainerHeader {
  const h = snap.header as Json;
  const config = trainConfig(h.config, file);
  const f = config.field;
  const step = integer(h.step, file, 'step', 0, MAX_STEPS);
  const rng = numbers(h.rng, file, 'rng', 4).map((x, i) => integer(x, file, `rng[${i}]`, -(2 ** 31), 2 ** 32 - 1));
  if (rng.every((x) => x === 0)) throw new InputError(file, 'rng', 'random generator state must not be all zero');
  const resolution = integer(h.resolution, file, 'resolution', 8, f.resolution);
  const opt = asObject(h.optSteps, file, 'optSteps');
  const optSteps = { grid: integer(opt.grid, file, 'optSteps.grid', 0, step), net: integer(opt.net, file, 'optSteps.net', 0, step) };
  const cameras = h.cameras === undefined ? [] : asArray(h.cameras, file, 'cameras', 100_000).map((c, i) => storedCameraChecked(c, file, `cameras[${i}]`));

  const scene = sceneInfo(h.scene, file);
  const need = estimateMemory(config, scene.space.kind);
  if (need > CPU_MEMORY_LIMIT) {
    throw new InputError(file, 'config', `needs about ${(need / GiB).toFixed(1)} GiB of engine memory, more than the ${CPU_MEMORY_LIMIT / GiB} GiB it can hold`);
  }
  const rows = gridRows(f, resolution);
  const expect = (name: string, length: number) => {
    const a = snap.arrays.get(name);
    if (!a) throw new InputError(file, name, 'missing from the snapshot');
    if (a.length !== length) throw new InputError(file, name, `has ${a.length} values, the configuration implies ${length}`);
  };
  expect('field.density.features', rows);
  expect('field.color.features', rows * f.colorChannels);
  expect('field.occupancy', f.occupancyRes ** 3);
  return { step, rng, config, resolution, optSteps, scene, cameras };
}
