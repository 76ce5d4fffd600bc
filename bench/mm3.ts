import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as path from 'node:path';
setWasmPaths(path.resolve('node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');
await tf.setBackend('wasm');
const N = 65536;
const Xd = new Float32Array(N * 39).map(() => Math.random());
const W1 = tf.randomNormal([39, 128]), W2 = tf.randomNormal([128, 128]), W3 = tf.randomNormal([128, 3]);
const W1t = tf.transpose(W1), W2t = tf.transpose(W2), W3t = tf.transpose(W3);
for (let rep = 0; rep < 4; rep++) {
  const t = performance.now();
  tf.tidy(() => {
    const X = tf.tensor2d(Xd, [N, 39]);
    const h1 = tf.relu(tf.matMul(X, W1)); const h2 = tf.relu(tf.matMul(h1, W2)); const o = tf.matMul(h2, W3);
    o.dataSync();
    const dO = tf.onesLike(o);
    const dh2 = tf.mul(tf.matMul(dO, W3t), tf.step(h2)); const dW3 = tf.matMul(tf.transpose(h2), dO);
    const dh1 = tf.mul(tf.matMul(dh2, W2t), tf.step(h1)); const dW2 = tf.matMul(tf.transpose(h1), dh2);
    const dX = tf.matMul(dh1, W1t); const dW1 = tf.matMul(tf.transpose(X), dh1);
    dX.dataSync(); dW1.dataSync(); dW2.dataSync(); dW3.dataSync();
  });
  const ms = performance.now() - t;
  console.log('fwd+bwd', ms.toFixed(0), 'ms =>', (N / ms * 1000).toFixed(0), 'samples/s', (N * 130e3 / ms / 1e6).toFixed(1), 'GFLOP/s');
}
