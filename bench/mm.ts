import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import * as path from 'node:path';
setWasmPaths(path.resolve('node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');
await tf.setBackend('wasm');
await tf.ready();
console.log('backend', tf.getBackend(), 'simd', await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), 'threads', await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
const N = 65536;
const X = tf.randomNormal([N, 39]), W1 = tf.randomNormal([39, 128]), W2 = tf.randomNormal([128, 128]), W3 = tf.randomNormal([128, 3]);
for (let rep = 0; rep < 3; rep++) {
  const t = performance.now();
  tf.tidy(() => {
    const h1 = tf.relu(tf.matMul(X, W1)); const h2 = tf.relu(tf.matMul(h1, W2)); const o = tf.matMul(h2, W3);
    const dO = tf.onesLike(o);
    const dW3 = tf.matMul(h2, dO, true, false); const dh2 = tf.matMul(dO, W3, false, true);
    const dW2 = tf.matMul(h1, dh2, true, false); const dh1 = tf.matMul(dh2, W2, false, true);
    const dW1 = tf.matMul(X, dh1, true, false); const dX = tf.matMul(dh1, W1, false, true);
    dX.dataSync(); dW1.dataSync(); dW2.dataSync(); dW3.dataSync();
  });
  const ms = performance.now() - t;
  console.log('fwd+bwd', ms.toFixed(0), 'ms for', N, 'samples =>', (N / ms * 1000).toFixed(0), 'samples/s', (N * 130e3 / ms / 1e6).toFixed(1), 'GFLOP/s');
}
