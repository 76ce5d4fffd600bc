/** The engine's fused WebAssembly kernels in Node: one worker thread per extra core, on shared memory. */
import { Worker } from 'node:worker_threads';
import * as os from 'node:os';
import * as v8 from 'node:v8';
import { WasmOps } from '../core/wasm/WasmOps';
import type { SpawnWorker } from '../core/wasm/Threads';

export const spawnNodeWorker: SpawnWorker = (source, onMessage) => {
  const main = `const { parentPort } = require('node:worker_threads');
parentPort.once('message', (m) => serve(m, (x) => parentPort.postMessage(x)));`;
  const w = new Worker(source + main, { eval: true });
  // keep the process alive until the worker has started; afterwards it must not hold the process open
  w.on('message', (m) => { if (m === 'ready') w.unref(); onMessage(m); });
  return { postMessage: (m) => w.postMessage(m), terminate: () => void w.terminate() };
};

// Relaxed SIMD (fused multiply-add) ships from V8 11.4 (Node 22); Node 20's V8 has it behind this flag.
// Set before any module is compiled; harmless where it is already on.
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

const cache = new Map<string, Promise<WasmOps>>();

/** Kernels with `threads` threads in all (default: every core; MULFA_THREADS overrides). Shared per process. */
export function cpuOps(threads?: number, relaxed = true): Promise<WasmOps> {
  const env = Number(process.env.MULFA_THREADS);
  const T = threads ?? (Number.isInteger(env) && env > 0 ? env : os.availableParallelism());
  const key = `${T}:${relaxed}`;
  let k = cache.get(key);
  if (!k) cache.set(key, (k = WasmOps.create({ threads: T, spawn: spawnNodeWorker, relaxed })));
  return k;
}
