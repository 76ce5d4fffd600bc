import { type Param, makeParam } from './GridModel';
import type { Rng } from '../math/rng';

/**
 * The view-dependent colour decoder: rgb = sigmoid(MLP([features, PE(view direction)])) with ReLU hidden
 * layers. PE(d) = [d, sin(2^k d), cos(2^k d)] for k < viewFreqs (3 + 6·viewFreqs dims; 27 for 4).
 * Weights are row-major [out, in]; buffers for a batch are allocated once per capacity and reused.
 */
export interface DecoderConfig {
  features: number;
  viewFreqs: number;
  hidden: number[];
}

export function viewEncodingDims(viewFreqs: number): number {
  return 3 + 6 * viewFreqs;
}

/** What the field needs from a decoder implementation (JS reference here, TF.js in TfDecoder.ts). */
export interface DecoderImpl {
  readonly params: Param[];
  readonly inputDims: number;
  /** rgb of the last forward: [n, 3] (valid up to n). */
  readonly rgb: Float32Array;
  fillInput(n: number, feats: Float32Array, dirs: Float32Array, dirIndex: Int32Array | null): void;
  forward(n: number): Float32Array;
  backward(n: number, dRgb: Float32Array): Float32Array;
  /** Releases buffers held outside the JavaScript heap (kernel memory, tensors). */
  dispose?(): void;
}

/** Builds the decoder (the TypedArray reference by default; TfDecoder where TF.js is initialised). */
export type DecoderFactory = (config: DecoderConfig, rng: Rng) => DecoderImpl;

export function decoderDims(config: DecoderConfig): number[] {
  return [config.features + viewEncodingDims(config.viewFreqs), ...config.hidden, 3];
}

/** He-uniform weights ([out, in] row-major) and zero biases, drawn from rng in a fixed order. */
export function initDecoderParams(dims: number[], rng: Rng): { weights: Param[]; biases: Param[] } {
  const weights: Param[] = [], biases: Param[] = [];
  for (let l = 0; l + 1 < dims.length; l++) {
    const fanIn = dims[l], fanOut = dims[l + 1];
    const lim = Math.sqrt(6 / fanIn);
    weights.push(makeParam(`decoder.W${l}`, Float32Array.from({ length: fanIn * fanOut }, () => (rng.next() * 2 - 1) * lim)));
    biases.push(makeParam(`decoder.b${l}`, new Float32Array(fanOut)));
  }
  return { weights, biases };
}

/**
 * Writes [features, PE(direction)] rows into X [n, dims]. Samples of one ray come in runs (dirIndex repeats),
 * so the encoding is computed once per run and copied.
 */
export function encodeDecoderInput(X: Float32Array, D: number, F: number, viewFreqs: number, n: number, feats: Float32Array,
  dirs: Float32Array, dirIndex: Int32Array | null): void {
  const P = 3 + 6 * viewFreqs;
  let prev = -1, prevRow = 0;
  for (let i = 0; i < n; i++) {
    const o = i * D;
    for (let f = 0; f < F; f++) X[o + f] = feats[i * F + f];
    const ray = dirIndex ? dirIndex[i] : i;
    if (ray === prev) {
      X.copyWithin(o + F, prevRow + F, prevRow + F + P);
      continue;
    }
    prev = ray; prevRow = o;
    const r = ray * 3;
    let j = o + F;
    for (let a = 0; a < 3; a++) X[j++] = dirs[r + a];
    for (let k = 0; k < viewFreqs; k++) {
      const s = 2 ** k;
      for (let a = 0; a < 3; a++) { X[j] = Math.sin(s * dirs[r + a]); X[j + 3] = Math.cos(s * dirs[r + a]); j++; }
      j += 3;
    }
  }
}

/** Plain TypedArray reference implementation (also the fallback when TF.js is not initialised). */
export class Decoder implements DecoderImpl {
  readonly params: Param[];
  readonly weights: Param[];
  readonly biases: Param[];
  readonly dims: number[];
  private capacity = 0;
  /** Activations per layer: acts[0] = input [n, dims[0]], acts[l] = post-ReLU [n, dims[l]]; last = pre-sigmoid. */
  private acts: Float32Array[] = [];
  private grads: Float32Array[] = [];
  /** rgb after sigmoid: [n, 3]. */
  rgb = new Float32Array(0);

  constructor(readonly config: DecoderConfig, rng: Rng) {
    this.dims = decoderDims(config);
    ({ weights: this.weights, biases: this.biases } = initDecoderParams(this.dims, rng));
    this.params = [...this.weights, ...this.biases];
  }

  get inputDims(): number { return this.dims[0]; }

  private ensure(n: number): void {
    if (n <= this.capacity) return;
    this.capacity = Math.max(n, Math.ceil(this.capacity * 1.5));
    this.acts = this.dims.map((d) => new Float32Array(this.capacity * d));
    this.grads = this.dims.map((d) => new Float32Array(this.capacity * d));
    this.rgb = new Float32Array(this.capacity * 3);
  }

  /** The input buffer [n, inputDims] for n samples, to be filled by fillInput before forward. */
  input(n: number): Float32Array {
    this.ensure(n);
    return this.acts[0];
  }

  /** Writes features [n, F] and PE of per-sample directions (dirs [?, 3] indexed by dirIndex) into the input. */
  fillInput(n: number, feats: Float32Array, dirs: Float32Array, dirIndex: Int32Array | null): void {
    encodeDecoderInput(this.input(n), this.dims[0], this.config.features, this.config.viewFreqs, n, feats, dirs, dirIndex);
  }

  /** rgb [n, 3] for the input filled above. */
  forward(n: number): Float32Array {
    const L = this.dims.length - 1;
    for (let l = 0; l < L; l++) {
      const inD = this.dims[l], outD = this.dims[l + 1];
      const X = this.acts[l], Y = this.acts[l + 1], W = this.weights[l].data, b = this.biases[l].data;
      const relu = l + 1 < L;
      for (let i = 0; i < n; i++) {
        const xo = i * inD, yo = i * outD;
        for (let o = 0; o < outD; o++) {
          let acc = b[o];
          const wo = o * inD;
          for (let k = 0; k < inD; k++) acc += X[xo + k] * W[wo + k];
          Y[yo + o] = relu && acc < 0 ? 0 : acc;
        }
      }
    }
    const out = this.acts[L];
    for (let i = 0; i < n * 3; i++) this.rgb[i] = 1 / (1 + Math.exp(-out[i]));
    return this.rgb;
  }

  /** Given dL/drgb [n, 3], accumulates parameter gradients and returns dL/dinput [n, inputDims]. */
  backward(n: number, dRgb: Float32Array): Float32Array {
    const L = this.dims.length - 1;
    const gTop = this.grads[L];
    for (let i = 0; i < n * 3; i++) { const s = this.rgb[i]; gTop[i] = dRgb[i] * s * (1 - s); }
    for (let l = L - 1; l >= 0; l--) {
      const inD = this.dims[l], outD = this.dims[l + 1];
      const X = this.acts[l], dY = this.grads[l + 1], dX = this.grads[l];
      const W = this.weights[l].data, dW = this.weights[l].grad, db = this.biases[l].grad;
      dX.fill(0, 0, n * inD);
      for (let i = 0; i < n; i++) {
        const xo = i * inD, yo = i * outD;
        for (let o = 0; o < outD; o++) {
          const g = dY[yo + o];
          if (g === 0) continue;
          db[o] += g;
          const wo = o * inD;
          for (let k = 0; k < inD; k++) { dW[wo + k] += g * X[xo + k]; dX[xo + k] += g * W[wo + k]; }
        }
      }
      if (l > 0) for (let i = 0; i < n * inD; i++) if (X[i] <= 0) dX[i] = 0; // ReLU of the layer below
    }
    return this.grads[0];
  }
}
