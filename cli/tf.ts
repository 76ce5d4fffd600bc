/** TF.js in Node: the wasm backend (SIMD; its binaries ship in the npm package), loaded from node_modules. */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { DecoderFactory } from '../core/field/Decoder';
import { TfDecoder } from '../core/field/TfDecoder';

let ready: Promise<void> | null = null;

export function initTf(): Promise<void> {
  ready ??= (async () => {
    const require = createRequire(import.meta.url);
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
    setWasmPaths(dist + path.sep);
    if (!(await tf.setBackend('wasm'))) throw new Error('TF.js wasm backend failed to initialise');
    await tf.ready();
  })();
  return ready;
}

/** A decoder factory on the initialised TF.js backend. */
export async function tfDecoderFactory(): Promise<DecoderFactory> {
  await initTf();
  return (config, rng) => new TfDecoder(tf, config, rng);
}
