// The TF.js decoder (wasm backend) against the TypedArray reference, which the field test checks against
// finite differences: same parameters, same outputs, same gradients.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/math/rng';
import { Decoder } from '../../../core/field/Decoder';
import { tfDecoderFactory } from '../../../cli/tf';

describe('TfDecoder matches the reference decoder', () => {
  it('forward and backward, 1e-4 relative', async () => {
    const cfg = { features: 12, viewFreqs: 4, hidden: [32, 32] };
    const ref = new Decoder(cfg, new Rng(3));
    const tfd = (await tfDecoderFactory())(cfg, new Rng(3));
    const rng = new Rng(9), n = 300;
    const feats = Float32Array.from({ length: n * 12 }, () => rng.next() * 2 - 1);
    const dirs = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) { const d = [rng.normal(), rng.normal(), rng.normal()], l = Math.hypot(...d); dirs.set(d.map((x) => x / l), i * 3); }
    const dRgb = Float32Array.from({ length: n * 3 }, () => rng.next() - 0.5);
    for (const d of [ref, tfd]) { d.fillInput(n, feats, dirs, null); d.forward(n); }
    for (let i = 0; i < n * 3; i++) expect(Math.abs(tfd.rgb[i] - ref.rgb[i])).toBeLessThan(1e-5);
    const dxRef = Float32Array.from(ref.backward(n, dRgb).subarray(0, n * ref.inputDims));
    const dxTf = tfd.backward(n, dRgb);
    const close = (a: ArrayLike<number>, b: ArrayLike<number>, len: number) => {
      let scale = 0;
      for (let i = 0; i < len; i++) scale = Math.max(scale, Math.abs(a[i]));
      for (let i = 0; i < len; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-4 * Math.max(scale, 1e-6));
    };
    close(dxRef, dxTf, n * ref.inputDims);
    ref.params.forEach((p, j) => close(p.grad, tfd.params[j].grad, p.grad.length));
  });
});
