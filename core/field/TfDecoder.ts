/**
 * The decoder MLP on TensorFlow.js (its `wasm` backend in Node and workers: XNNPACK SIMD GEMMs, about 10×
 * the plain TypedArray loops here; `webgpu` later). Same math and parameters as the reference Decoder:
 * weights live in the Params (so Adam and snapshots see plain arrays), are uploaded once per forward, and
 * the activations stay as tensors between forward and backward. Transposed products are formed with an
 * explicit transpose, because the wasm backend's transposed-A matMul is far slower than a transpose plus
 * a plain matMul (measured in bench/decoder.ts).
 */
import type * as tfc from '@tensorflow/tfjs-core';
import type { Param } from './GridModel';
import type { Rng } from '../math/rng';
import { type DecoderConfig, type DecoderImpl, decoderDims, initDecoderParams, encodeDecoderInput } from './Decoder';

export type TF = typeof tfc;

export class TfDecoder implements DecoderImpl {
  readonly params: Param[];
  readonly weights: Param[];
  readonly biases: Param[];
  readonly dims: number[];
  rgb = new Float32Array(0);
  private X = new Float32Array(0);
  private dX = new Float32Array(0);
  private saved: tfc.Tensor2D[] = [];
  private wT: tfc.Tensor2D[] = [];

  constructor(readonly tf: TF, readonly config: DecoderConfig, rng: Rng) {
    this.dims = decoderDims(config);
    ({ weights: this.weights, biases: this.biases } = initDecoderParams(this.dims, rng));
    this.params = [...this.weights, ...this.biases];
  }

  get inputDims(): number { return this.dims[0]; }

  fillInput(n: number, feats: Float32Array, dirs: Float32Array, dirIndex: Int32Array | null): void {
    const D = this.dims[0];
    if (this.X.length < n * D) this.X = new Float32Array(Math.ceil(n * 1.25) * D);
    encodeDecoderInput(this.X, D, this.config.features, this.config.viewFreqs, n, feats, dirs, dirIndex);
  }

  private release(): void {
    for (const t of this.saved) t.dispose();
    for (const t of this.wT) t.dispose();
    this.saved = []; this.wT = [];
  }

  forward(n: number): Float32Array {
    const tf = this.tf, L = this.dims.length - 1;
    this.release();
    if (this.rgb.length < n * 3) this.rgb = new Float32Array(Math.ceil(n * 1.25) * 3);
    if (n === 0) return this.rgb;
    const X = tf.tensor2d(this.X.subarray(0, n * this.dims[0]), [n, this.dims[0]]);
    this.saved.push(X);
    let h: tfc.Tensor2D = X;
    for (let l = 0; l < L; l++) {
      // W: [out, in] row-major, i.e. the transposed weight matrix of h · Wᵀ; keep Wᵀ for the backward pass
      const W = tf.tensor2d(this.weights[l].data, [this.dims[l + 1], this.dims[l]]);
      const Wt = tf.transpose(W);
      W.dispose();
      this.wT.push(Wt);
      const b = tf.tensor1d(this.biases[l].data);
      const z = tf.tidy(() => tf.add(tf.matMul(h, Wt), b)) as tfc.Tensor2D;
      b.dispose();
      if (l + 1 < L) {
        const a = tf.relu(z);
        z.dispose();
        this.saved.push(a);
        h = a;
      } else {
        const s = tf.sigmoid(z);
        z.dispose();
        this.rgb.set(s.dataSync() as Float32Array);
        this.saved.push(s);
      }
    }
    return this.rgb;
  }

  backward(n: number, dRgb: Float32Array): Float32Array {
    const tf = this.tf, L = this.dims.length - 1, D = this.dims[0];
    if (this.dX.length < n * D) this.dX = new Float32Array(Math.ceil(n * 1.25) * D);
    if (n === 0) return this.dX;
    const grads = tf.tidy(() => {
      const s = this.saved[L];
      let g = tf.mul(tf.tensor2d(dRgb.subarray(0, n * 3), [n, 3]), tf.mul(s, tf.sub(1, s))) as tfc.Tensor2D;
      const out: { dW: tfc.Tensor; db: tfc.Tensor }[] = [];
      for (let l = L - 1; l >= 0; l--) {
        const a = this.saved[l]; // input of layer l
        out[l] = { dW: tf.matMul(tf.transpose(g), a), db: tf.sum(g, 0) };
        let gIn = tf.matMul(g, this.wT[l], false, true) as tfc.Tensor2D; // g · W
        if (l > 0) gIn = tf.mul(gIn, tf.step(a)) as tfc.Tensor2D;
        g = gIn;
      }
      return { out, dX: g };
    });
    for (let l = 0; l < L; l++) {
      const dW = grads.out[l].dW.dataSync() as Float32Array, db = grads.out[l].db.dataSync() as Float32Array;
      const gw = this.weights[l].grad, gb = this.biases[l].grad;
      for (let i = 0; i < dW.length; i++) gw[i] += dW[i];
      for (let i = 0; i < db.length; i++) gb[i] += db[i];
      grads.out[l].dW.dispose(); grads.out[l].db.dispose();
    }
    this.dX.set(grads.dX.dataSync() as Float32Array);
    grads.dX.dispose();
    this.release();
    return this.dX;
  }
}
