// The GTK's dense product on TF.js (core/gtk/tfGram.ts, what `mulfa gtk` runs on the CPU and the GPU) against
// the float64 loops: the product itself, cut into column blocks, and a learned kernel's whole GTK with its Δ.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/math/rng';
import { fullGtk, gtkDelta, gridOutputs, jsGram, symmetricEigenvalues } from '../../../core/gtk/gtk';
import { tfGram } from '../../../core/gtk/tfGram';
import { MulFAGrid, MulFAKernel, MULFA_DEFAULTS } from '../../../core/field/MulFAGrid';
import { initTf } from '../../../cli/tf';

const maxRel = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let e = 0, s = 0;
  for (let i = 0; i < a.length; i++) { e = Math.max(e, Math.abs(a[i] - b[i])); s = Math.max(s, Math.abs(b[i])); }
  return e / s;
};

describe('GTK product on TF.js (wasm)', () => {
  it('J Jᵀ in column blocks equals the float64 product', async () => {
    const tf = await initTf('wasm'), rng = new Rng(3), n = 37, D = 2900;
    const J = Float32Array.from({ length: n * D }, () => rng.normal());
    const ref = await jsGram(J, n, D);
    const blocked = await tfGram(tf, n * 4 * 700)(J, n, D); // five blocks of ≤ 700 columns
    expect(blocked.length).toBe(n * n);
    expect(maxRel(blocked, ref)).toBeLessThan(1e-5);
    expect(Math.abs(blocked[5 * n + 5] - ref[5 * n + 5])).toBeLessThan(1e-3 * ref[5 * n + 5]);
    expect(ref[5 * n + 5]).toBeGreaterThan(2000); // a diagonal entry is ~D: the test compares real sums
    const tensors = tf.memory().numTensors;
    await tfGram(tf)(J, n, D);
    expect(tf.memory().numTensors).toBe(tensors); // nothing left behind
  });

  it('a trained-looking MulFA kernel has the same full GTK, eigenvalues and Δ through TF.js', async () => {
    const tf = await initTf('wasm'), rng = new Rng(5), k = new MulFAKernel(MULFA_DEFAULTS, new Rng(6)), n = 96;
    for (const p of k.params) p.data.forEach((_, i) => (p.data[i] += 0.2 * rng.normal()));
    const grid = new MulFAGrid(6, 3, k);
    grid.features.data.forEach((_, i) => (grid.features.data[i] = rng.normal()));
    const pts = Float32Array.from({ length: n * 3 }, () => rng.next());
    const a = await fullGtk(grid, pts, n), b = await fullGtk(grid, pts, n, tfGram(tf));
    expect(a.kernelParams).toBeGreaterThan(1000);
    expect(maxRel(b.G, a.G)).toBeLessThan(1e-5);
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(b.G[i * n + j]).toBe(b.G[j * n + i]);
    const ea = symmetricEigenvalues(a.G, n), eb = symmetricEigenvalues(b.G, n);
    expect(Math.abs(eb[0] - ea[0]) / ea[0]).toBeLessThan(1e-5);
    const Y = gridOutputs(grid, pts, n);
    const da = gtkDelta(a.G, n, Y), db = gtkDelta(b.G, n, Y);
    expect(Math.abs(db - da) / da).toBeLessThan(1e-3);
  });
});
