/// <reference types="@webgpu/types" />
/**
 * The GTK lab's dense product J Jᵀ (core/gtk/gtk.ts, Gram) in the app, as `mulfa gtk --backend auto` does it:
 * TF.js's WebGPU backend on a hardware adapter (never a software one), else its WebAssembly backend (XNNPACK,
 * one thread: 6.3× the TypeScript loops, `npm run bench -- --only gram`), else the TypeScript float64 product.
 * Chosen once per worker; `on` names the choice for the lab's progress line.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { type Gram, jsGram } from '../../core/gtk/gtk';
import { tfGram } from '../../core/gtk/tfGram';
import { chooseBackend } from '../../core/gpu/adapter';

export interface GramChoice { gram: Gram; on: string }

let chosen: Promise<GramChoice> | null = null;

/** The fastest product this host offers (see above), and why the others were passed over. */
export function appGram(): Promise<GramChoice> {
  return (chosen ??= choose());
}

async function choose(): Promise<GramChoice> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  const why: string[] = [];
  const auto = await chooseBackend('auto', gpu, 'this worker');
  if (auto.backend === 'webgpu') {
    try {
      if (await tf.setBackend('webgpu')) { await tf.ready(); return { gram: tfGram(tf), on: 'TF.js webgpu' }; }
      why.push('TF.js webgpu did not start');
    } catch (e) { why.push(`TF.js webgpu: ${e instanceof Error ? e.message : String(e)}`); }
  }
  try {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // one thread: no worker script to serve, and the trainer has the cores
    setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmUrl, 'tfjs-backend-wasm-simd.wasm': simdUrl, 'tfjs-backend-wasm-threaded-simd.wasm': threadedUrl });
    if (await tf.setBackend('wasm')) { await tf.ready(); return { gram: tfGram(tf), on: 'TF.js wasm' }; }
    why.push('TF.js wasm did not start');
  } catch (e) { why.push(`TF.js wasm: ${e instanceof Error ? e.message : String(e)}`); }
  return { gram: jsGram, on: `TypeScript (float64; ${why.join('; ')})` };
}
