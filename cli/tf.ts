/// <reference types="@webgpu/types" />
/**
 * TF.js in Node: the wasm backend (SIMD; its binaries ship in the npm package, loaded from node_modules) and
 * the webgpu backend on Dawn (the npm `webgpu` package, cli/gpu.ts). Used by `mulfa gtk` for the GTK's dense
 * product (core/gtk/tfGram.ts) and by the decoder benchmark and tests (core/field/TfDecoder.ts).
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { DecoderFactory } from '../core/field/Decoder';
import { TfDecoder } from '../core/field/TfDecoder';

export type TfBackend = 'wasm' | 'webgpu';
const started = new Map<TfBackend, Promise<void>>();

/** TF.js on `backend` (made current); throws a message naming what is missing when it cannot start. */
export async function initTf(backend: TfBackend = 'wasm', gpu?: GPU | null): Promise<typeof tf> {
  let ready = started.get(backend);
  if (!ready) {
    ready = backend === 'wasm' ? startWasm() : startWebgpu(gpu);
    started.set(backend, ready);
    ready.catch(() => started.delete(backend));
  }
  await ready;
  if (tf.getBackend() !== backend && !(await tf.setBackend(backend))) throw new Error(`TF.js could not switch to its ${backend} backend`);
  return tf;
}

async function startWasm(): Promise<void> {
  const require = createRequire(import.meta.url);
  const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
  setWasmPaths(dist + path.sep);
  if (!(await tf.setBackend('wasm'))) throw new Error('TF.js wasm backend failed to initialise');
  await tf.ready();
}

async function startWebgpu(gpu: GPU | null | undefined): Promise<void> {
  if (!gpu) throw new Error('TF.js webgpu backend: no WebGPU in this Node');
  // the backend registers itself only where navigator.gpu exists when it loads: nodeGpu (cli/gpu.ts), which gave `gpu`, set it
  if ((globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu !== gpu) throw new Error('TF.js webgpu backend: navigator.gpu is not the WebGPU from nodeGpu');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js webgpu backend failed to initialise (no adapter or device)');
  await tf.ready();
}

/** A decoder factory on the initialised TF.js backend. */
export async function tfDecoderFactory(): Promise<DecoderFactory> {
  await initTf('wasm');
  return (config, rng) => new TfDecoder(tf, config, rng);
}
