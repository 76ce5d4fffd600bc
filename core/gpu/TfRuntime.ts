/// <reference types="@webgpu/types" />
/**
 * TF.js's WebGPU backend on the engine's device: the decoder's dense GEMMs (forward with bias and activation
 * fused, backward dX = dY·W and dW = dYᵀ·X, db = Σ dY) run as TF.js ops over the engine's own buffers, which
 * TF.js sees as zero-copy tensors. The sparse kernels stay WGSL (GpuPrograms); the two take turns on the one
 * queue: a TF.js block submits what the engine recorded before it, records its ops, submits them, and the
 * results the engine needs are copied into its buffers in its next recording — so the queue's order is the
 * program's order.
 *
 * TF.js needs shapes on the host: its GEMMs run over a row count's bound (the sample budget), not the device's
 * count; the rows past the count are harmless — their dL/dY is zero (GpuField clears the decoder's output
 * gradient before the sigmoid's backward writes the counted rows), so they add nothing to dW and db.
 */
import type * as tfc from '@tensorflow/tfjs-core';
import type { GpuPrograms } from './GpuPrograms';

type TF = typeof tfc;
interface TfWebgpuBackend { device: GPUDevice; commandEncoder: unknown; endComputePassEncoder(): void; submitQueue(): void;
  tensorMap: { get(id: object): { resource?: unknown } | undefined } }

/** The decoder's layers on the device through TF.js: what one forward keeps for its backward. */
export interface TfDecoderState { hidden: tfc.Tensor2D[] }

/** Loads TF.js and makes its WebGPU backend run on `device` (the engine's); the same TF.js serves every later call. */
export async function tfOnDevice(device: GPUDevice): Promise<TfRuntime> {
  const tf = await import('@tensorflow/tfjs-core');
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  const current = tf.findBackend('webgpu') as unknown as TfWebgpuBackend | null;
  if (current?.device !== device) {
    // the backend checks navigator.gpu when it is made; any WebGPU host has one (Node: cli/gpu.ts sets it)
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
    tf.registerBackend('webgpu', () => new WebGPUBackend(device));
  }
  if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js could not start its WebGPU backend on the engine\'s device');
  await tf.ready();
  return new TfRuntime(tf, tf.backend() as unknown as TfWebgpuBackend);
}

export class TfRuntime {
  /** TF.js ops the engine asked for (each about one of TF.js's dispatches; counted into GpuPrograms' dispatches). */
  ops = 0;

  constructor(readonly tf: TF, private readonly backend: TfWebgpuBackend) {}

  get device(): GPUDevice { return this.backend.device; }

  /** A float32 tensor over the first rows of an engine buffer (no copy; the engine keeps owning it). */
  view(buf: GPUBuffer, shape: number[]): tfc.Tensor {
    return this.tf.tensor({ buffer: buf, zeroCopy: true }, shape, 'float32');
  }

  /** The device buffer holding a TF.js tensor's values (valid until the tensor is disposed). */
  bufferOf(t: tfc.Tensor): GPUBuffer {
    const res = this.backend.tensorMap.get(t.dataId)?.resource;
    if (!res || typeof (res as GPUBuffer).mapAsync !== 'function') throw new Error('TF.js tensor is not in a WebGPU buffer');
    return res as GPUBuffer;
  }

  /**
   * Runs `ops` (TF.js calls) in order with the engine's work: submits what `gk` recorded, runs them, submits
   * TF.js's commands. Returns what `ops` returned.
   */
  block<T>(gk: GpuPrograms, ops: () => T): T {
    gk.submitRecorded();
    const ops0 = this.ops, out = ops();
    if (this.backend.commandEncoder) {
      this.backend.endComputePassEncoder();
      this.backend.submitQueue();
      gk.counters.submits++;
    }
    gk.counters.dispatches += this.ops - ops0;
    return out;
  }

  /**
   * The decoder forward over `rows` rows: X [rows, dims[0]] (an engine buffer), layers W[l] [dims[l+1], dims[l]],
   * b[l], ReLU between layers; the last layer's pre-activation lands in `out` [rows, dims[L]] (the engine's sigmoid
   * follows). Returns the hidden activations, kept on the device for backward (release() them after).
   */
  decoderForward(gk: GpuPrograms, X: GPUBuffer, W: GPUBuffer[], b: GPUBuffer[], out: GPUBuffer, rows: number, dims: number[]): TfDecoderState {
    const tf = this.tf, L = W.length;
    const layers = this.block(gk, () => tf.tidy(() => { // every layer's output; the hidden ones after their ReLU
      const zs: tfc.Tensor2D[] = [];
      let h = this.view(X, [rows, dims[0]]) as tfc.Tensor2D;
      for (let l = 0; l < L; l++) {
        h = tf.fused.matMul({ a: h, b: this.view(W[l], [dims[l + 1], dims[l]]) as tfc.Tensor2D, transposeB: true,
          bias: this.view(b[l], [dims[l + 1]]), activation: l + 1 < L ? 'relu' : 'linear' }) as tfc.Tensor2D;
        zs.push(h);
        this.ops++;
      }
      return zs;
    }));
    const last = layers.pop()!, hidden = layers;
    gk.copy(this.bufferOf(last), 0, out, 0, rows * dims[L] * 4);
    gk.afterSubmit(() => last.dispose());
    return { hidden };
  }

  /**
   * The decoder backward: dOut [rows, dims[L]] (dL/d pre-activation of the last layer, zero past the counted rows),
   * the forward's X and kept activations; dWb[l] [dims[l+1], dims[l] + 1] += [dYᵀ·X | Σ dY], dX [rows, dims[0]] =
   * dY·W[0]. Releases the forward's state.
   */
  decoderBackward(gk: GpuPrograms, state: TfDecoderState, X: GPUBuffer, W: GPUBuffer[], dOut: GPUBuffer, dWb: GPUBuffer[], dX: GPUBuffer,
    rows: number, dims: number[]): void {
    const tf = this.tf, L = W.length;
    const outs = this.block(gk, () => tf.tidy(() => {
      const res: tfc.Tensor[] = [];
      let dY = this.view(dOut, [rows, dims[L]]) as tfc.Tensor2D;
      for (let l = L - 1; l >= 0; l--) {
        const Wl = this.view(W[l], [dims[l + 1], dims[l]]) as tfc.Tensor2D;
        const x = l > 0 ? state.hidden[l - 1] : this.view(X, [rows, dims[0]]) as tfc.Tensor2D;
        const g = tf.concat([tf.matMul(dY, x, true, false), tf.reshape(tf.sum(dY, 0), [dims[l + 1], 1])], 1);
        res[l] = tf.add(this.view(dWb[l], [dims[l + 1], dims[l] + 1]), g);
        const d = tf.matMul(dY, Wl);
        dY = (l > 0 ? tf.mul(d, tf.step(x)) : d) as tfc.Tensor2D;
        this.ops += l > 0 ? 7 : 6;
      }
      res.push(dY);
      return res;
    }));
    for (let l = 0; l < L; l++) gk.copy(this.bufferOf(outs[l]), 0, dWb[l], 0, dims[l + 1] * (dims[l] + 1) * 4);
    gk.copy(this.bufferOf(outs[L]), 0, dX, 0, rows * dims[0] * 4);
    gk.afterSubmit(() => { tf.dispose(outs); this.release(state); });
  }

  /** Frees a forward's kept activations. */
  release(state: TfDecoderState): void {
    this.tf.dispose(state.hidden);
    state.hidden = [];
  }
}
