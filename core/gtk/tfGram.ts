/**
 * The GTK's dense product J Jᵀ (core/gtk/gtk.ts, Gram) on TF.js: its WebAssembly backend (XNNPACK) on the
 * CPU, its WebGPU backend on the GPU, in float32. TF.js is passed in (core does not choose a backend);
 * J is cut into column blocks so no tensor exceeds `maxBytes` (a WebGPU binding's limit), and the blocks'
 * products are summed on the backend.
 */
import type * as tfc from '@tensorflow/tfjs-core';
import type { Gram } from './gtk';

export function tfGram(tf: typeof tfc, maxBytes = 64 * 2 ** 20): Gram {
  return async (J, n, D) => {
    const cols = Math.max(1, Math.min(D, Math.floor(maxBytes / (4 * Math.max(1, n)))));
    let G: tfc.Tensor2D | null = null;
    const block = new Float32Array(n * cols);
    for (let c0 = 0; c0 < D; c0 += cols) {
      const w = Math.min(cols, D - c0), b = block.subarray(0, n * w);
      for (let r = 0; r < n; r++) b.set(J.subarray(r * D + c0, r * D + c0 + w), r * w);
      const next: tfc.Tensor2D = tf.tidy(() => {
        const t = tf.tensor2d(b, [n, w]);
        // an explicit transpose and a plain product: the wasm backend's transposed-operand matMul runs ~9× slower
        // (1.5 vs 13.6 GMAC/s here, bench/gram.ts)
        const p = tf.matMul(t, tf.transpose(t));
        return (G ? tf.add(G, p) : p) as tfc.Tensor2D;
      });
      G?.dispose();
      G = next;
    }
    if (!G) return new Float32Array(n * n);
    const out = (await G.data()) as Float32Array;
    G.dispose();
    return out;
  };
}
