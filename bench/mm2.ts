import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as path from 'node:path';
setWasmPaths(path.resolve('node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');
await tf.setBackend('wasm');
const N = 65536;
const X = tf.randomNormal([N, 128]), W = tf.randomNormal([128, 128]);
for (let rep = 0; rep < 3; rep++) {
  const t = performance.now();
  tf.tidy(() => { tf.matMul(X, W).dataSync(); });
  const ms = performance.now() - t;
  console.log('NN 128x128', ms.toFixed(0), 'ms', (N * 128 * 128 * 2 / ms / 1e6).toFixed(1), 'GFLOP/s');
}
for (let rep = 0; rep < 2; rep++) {
  const t = performance.now();
  tf.tidy(() => { tf.matMul(X, X, true, false).dataSync(); });
  const ms = performance.now() - t;
  console.log('TN (dW)', ms.toFixed(0), 'ms', (N * 128 * 128 * 2 / ms / 1e6).toFixed(1), 'GFLOP/s');
}
