// Per-photo exposure affines (core/train/exposure.ts): their backward against finite differences, their mean
// pinned to the identity, and on photos taken at different exposures they learn each photo's gain while the
// field learns the scene; snapshots keep them.
import { describe, expect, it } from 'vitest';
import { applyExposure, exposureBackward, makeExposure, recentreExposure, EXPOSURE_PER_VIEW } from '../../../core/train/exposure';
import { Rng } from '../../../core/math/rng';
import { loadDemo } from '../../../datasets/load';
import { loadViews, evalIndices } from '../../../core/train/data';
import { Trainer, TRAIN_DEFAULTS, type TrainData } from '../../../core/train/Trainer';
import { exposureViewsFor, trainConfigFor } from '../../../core/train/TrainingSession';
import { decodeSnapshot } from '../../../core/io/snapshot';

describe('exposure affines', () => {
  it('backward matches finite differences (the affines and the colours)', () => {
    const rng = new Rng(1), V = 3, n = 7;
    const p = makeExposure(V);
    for (let i = 0; i < p.data.length; i++) p.data[i] = 0.2 * (rng.next() - 0.5);
    const rgb = Float32Array.from({ length: n * 3 }, () => rng.next()), view = Int32Array.from({ length: n }, () => rng.int(V));
    const w = Float64Array.from({ length: n * 3 }, () => rng.next() - 0.5);
    const out = new Float32Array(n * 3);
    const loss = () => { applyExposure(p.data, n, rgb, view, out); return out.reduce((a, x, i) => a + x * w[i], 0); };
    const dOut = Float32Array.from(w), dRgb = new Float32Array(n * 3);
    exposureBackward(p, n, rgb, view, dOut, dRgb);
    const h = 1e-2; // the loss is linear in each argument: central differences are exact up to rounding
    for (const [arr, grad] of [[p.data, p.grad], [rgb, dRgb]] as const) {
      for (let i = 0; i < arr.length; i++) {
        const x = arr[i];
        arr[i] = x + h; const a = loss(); arr[i] = x - h; const b = loss(); arr[i] = x;
        // M is learned on its diagonal only (a gain per channel): off it, no gradient
        const frozen = arr === p.data && [1, 2, 3, 5, 6, 7].includes(i % 12);
        expect(grad[i]).toBeCloseTo(frozen ? 0 : (a - b) / (2 * h), 4);
      }
    }
  });

  it('recentring keeps their mean at the identity', () => {
    const p = makeExposure(4);
    p.data.forEach((_, i) => { p.data[i] = Math.sin(i); });
    recentreExposure(p.data);
    for (let j = 0; j < EXPOSURE_PER_VIEW; j++) {
      let s = 0;
      for (let v = 0; v < 4; v++) s += p.data[v * EXPOSURE_PER_VIEW + j];
      expect(Math.abs(s)).toBeLessThan(1e-6);
    }
  });

  it('photos at different exposures: each photo\'s gain is learned; snapshots keep them', async () => {
    const scene = loadDemo({ downscale: 8 });
    const black = { ...scene, background: [0, 0, 0] as [number, number, number] }; // photos: no white backdrop
    const views = await loadViews(black, scene.splits.train);
    const gains = views.map((_, i) => 0.7 + 0.6 * ((i * 7) % 12) / 11); // 0.7 … 1.3, mean 1
    views.forEach((v, i) => { for (let k = 0; k < v.rgb.length; k++) v.rgb[k] = Math.min(1, v.rgb[k] * gains[i]); });
    const data: TrainData = { views, aabb: scene.aabb, near: scene.near, far: scene.far, background: [0, 0, 0], captured: true };
    const held = await loadViews(black, evalIndices(scene));
    const run = (on: boolean) => {
      const cfg = trainConfigFor({ model: 'dense', resolution: 32, seed: 1, maxSteps: 600, batchRays: 256, exposureViews: exposureViewsFor(data, on) });
      const t = new Trainer(cfg, data);
      for (let s = 0; s < 600; s++) t.trainStep();
      return { t, psnr: held.reduce((a, v) => a + t.evaluate(v).psnr, 0) / held.length };
    };
    expect(exposureViewsFor(data)).toBe(views.length); // captured photos: on by default
    expect(exposureViewsFor({ ...data, captured: false })).toBe(0);
    const on = run(true);
    // the learned gains (mean diagonal of I + M) follow the photos' gains; M stays diagonal
    const P = on.t.exposure!.data, learned = views.map((_, v) => 1 + (P[v * 12] + P[v * 12 + 4] + P[v * 12 + 8]) / 3);
    const corr = correlation(learned, gains), slope = corr * Math.sqrt(variance(learned) / variance(gains));
    console.log(`learned vs true gains: correlation ${corr.toFixed(3)}, slope ${slope.toFixed(3)}; held-out ${on.psnr.toFixed(2)} dB`);
    expect(corr).toBeGreaterThan(0.75); // 0.85 measured
    expect(slope).toBeGreaterThan(0.7); expect(slope).toBeLessThan(1.3); // 1.00
    for (let v = 0; v < views.length; v++) for (const j of [1, 2, 3, 5, 6, 7]) expect(P[v * 12 + j]).toBe(0);
    expect(on.psnr).toBeGreaterThan(25); // the field learned the scene (30.9 dB)
    // a snapshot carries them; evaluation-only restores (no training views) need none of the views
    const snap = decodeSnapshot(on.t.toSnapshot(), 'x.mulfa');
    const back = Trainer.fromSnapshot(snap, 'x.mulfa', data);
    expect(Array.from(back.exposure!.data)).toEqual(Array.from(on.t.exposure!.data));
    expect(Trainer.fromSnapshot(snap, 'x.mulfa', null).evaluate(held[0]).psnr).toBeCloseTo(on.t.evaluate(held[0]).psnr, 9);
    expect(() => Trainer.fromSnapshot(snap, 'x.mulfa', { ...data, views: views.slice(1) })).toThrow(/x\.mulfa, config\.exposureViews: .*exposures for \d+ training views/);
    expect(TRAIN_DEFAULTS.exposureViews).toBe(0);
  }, 120_000);
});

function variance(a: number[]): number {
  const m = a.reduce((s, x) => s + x, 0) / a.length;
  return a.reduce((s, x) => s + (x - m) ** 2, 0) / a.length;
}

function correlation(a: number[], b: number[]): number {
  const ma = a.reduce((s, x) => s + x, 0) / a.length, mb = b.reduce((s, x) => s + x, 0) / b.length;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < a.length; i++) { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) ** 2; sbb += (b[i] - mb) ** 2; }
  return sab / Math.sqrt(saa * sbb);
}
