// The whole render (sampling, density activation, compositing, decoder, grids, kernel) against finite
// differences, for every grid model; plus properties of the compositing.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/math/rng';
import { RadianceField, FIELD_DEFAULTS, vertexBoxMax, type FieldConfig, type RayBatch } from '../../../core/field/RadianceField';
import type { Param } from '../../../core/field/GridModel';
import type { AABB } from '../../../core/scene/Scene';

const AABB1: AABB = [[-1, -1, -1], [1, 1, 1]];

function tinyConfig(model: FieldConfig['model'], extra: Partial<FieldConfig> = {}): FieldConfig {
  return {
    ...FIELD_DEFAULTS, model, resolution: 6, colorChannels: 3, decoderHidden: [8], viewFreqs: 2,
    mulfa: { L: 2, M: 2, H: 5, omegaScale: 2 }, hash: { levels: 2, log2TableSize: 5, minResolution: 3 }, fourierLevels: 1,
    stepVoxels: 0.7, colorWeightThreshold: -1, terminationT: 0, alphaInit: 0.1, ...extra,
  };
}

function rays(rng: Rng, n: number): RayBatch {
  const origins = new Float32Array(n * 3), dirs = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const o = [rng.next() * 2 - 1, rng.next() * 2 - 1, 3];
    const t = [rng.next() - 0.5, rng.next() - 0.5, rng.next() - 0.5];
    const d = [t[0] - o[0], t[1] - o[1], t[2] - o[2]], len = Math.hypot(d[0], d[1], d[2]);
    origins.set(o, i * 3);
    dirs.set(d.map((x) => x / len), i * 3);
  }
  return { n, origins, dirs };
}

function fill(p: Param, rng: Rng, scale: number, offset = 0): void {
  for (let i = 0; i < p.data.length; i++) p.data[i] = offset + (rng.next() * 2 - 1) * scale;
}

function setup(model: FieldConfig['model'], extra: Partial<FieldConfig> = {}) {
  const rng = new Rng(11);
  const f = new RadianceField(tinyConfig(model, extra), AABB1, rng);
  fill(f.density.features, rng, 2, 0.5);
  fill(f.color.features, rng, 1);
  for (const k of f.kernels) { fill(k.a, rng, 0.5); fill(k.c, rng, 0.3); }
  return { f, rng, batch: rays(rng, 5) };
}

function lossOf(f: RadianceField, batch: RayBatch, r: Float64Array): number {
  const rgb = f.render(batch, 0.1, 10, [1, 1, 1], null);
  let l = 0;
  for (let i = 0; i < batch.n * 3; i++) l += r[i] * rgb[i];
  return l;
}

describe('radiance field gradients match finite differences', () => {
  // every sample coloured here (tinyConfig: no skipping, no termination): the colour grid uses the density
  // grid's support (all but separate MulFA kernels); skipping and termination have their own test below
  for (const [model, extra] of [['dense', {}], ['mulfagrid', {}], ['mulfagrid', { sharedKernel: false }], ['fouriergrid', {}], ['hash', {}]] as const) {
    const label = 'sharedKernel' in extra ? ' (separate kernels)' : '';
    it(`${model}${label}`, () => {
      const { f, rng, batch } = setup(model, extra);
      const r = Float64Array.from({ length: batch.n * 3 }, () => rng.next() * 2 - 1);
      f.render(batch, 0.1, 10, [1, 1, 1], null);
      expect(f.stats.samples).toBeGreaterThan(20);
      expect(f.stats.colorSamples).toBe(f.stats.samples);
      f.backward(Float32Array.from(r));
      const groups = f.paramGroups();
      const params = [...groups.grids, ...groups.decoder];
      // With ~1000 samples × hidden units, some ReLU pre-activation may sit within eps of its kink, where a
      // central difference straddles the kink. So: every probe is recorded, a wrong gradient shows up as many
      // mismatches and a large median error; at most one probe in 25 may disagree (a kink), and the
      // disagreeing ones are printed.
      const errs: number[] = [], bad: string[] = [];
      let checked = 0;
      for (const p of params) {
        const nz = [...p.grad.keys()].filter((i) => p.grad[i] !== 0).slice(0, 12);
        expect(nz.length, `${p.name} has gradient`).toBeGreaterThan(0);
        for (const i of nz) {
          const x = p.data[i], eps = 1e-3;
          p.data[i] = x + eps; const lp = lossOf(f, batch, r);
          p.data[i] = x - eps; const lm = lossOf(f, batch, r);
          p.data[i] = x;
          const fd = (lp - lm) / (2 * eps);
          const err = Math.abs(fd - p.grad[i]) / Math.max(1, Math.abs(fd));
          errs.push(err);
          if (err > 3e-3) bad.push(`${p.name}[${i}] analytic ${p.grad[i]} vs ${fd}`);
          checked++;
        }
      }
      errs.sort((a, b) => a - b);
      expect(errs[Math.floor(errs.length / 2)]).toBeLessThan(1e-4);
      expect(bad.length, bad.join('; ')).toBeLessThanOrEqual(Math.floor(checked / 25));
      expect(checked).toBeGreaterThan(30);
    });
  }
});

describe('compositing', () => {
  it('empty space shows the background; opacity is 0', () => {
    const { f, batch } = setup('dense');
    f.density.features.data.fill(-100);
    const rgb = f.render(batch, 0.1, 10, [0.2, 0.4, 0.6], null);
    for (let i = 0; i < batch.n; i++) {
      expect(f.opacity[i]).toBeLessThan(1e-6);
      expect(rgb[i * 3]).toBeCloseTo(0.2, 5);
      expect(rgb[i * 3 + 2]).toBeCloseTo(0.6, 5);
    }
  });
  it('an opaque field shows the decoder colour and the depth where the ray enters the box', () => {
    const { f } = setup('dense');
    f.density.features.data.fill(100);
    const batch: RayBatch = { n: 1, origins: new Float32Array([0, 0, 3]), dirs: new Float32Array([0, 0, -1]) };
    f.render(batch, 0.1, 10, [1, 1, 1], null);
    expect(f.opacity[0]).toBeCloseTo(1, 5);
    expect(f.depth[0]).toBeGreaterThan(2);   // box face at distance 2
    expect(f.depth[0]).toBeLessThan(2 + f.stepSize);
  });
  it('the occupancy bound (vertex maximum per cell, one axis at a time) equals the maximum over each cell\'s vertex box', () => {
    const rng = new Rng(12);
    for (const [R, r] of [[17, 4], [24, 64], [96, 64], [9, 9], [2, 3]]) { // coarser and finer cells than vertices
      const F = Float32Array.from({ length: R ** 3 }, () => rng.normal());
      const lo = (c: number) => Math.max(0, Math.floor((c / r) * (R - 1))), hi = (c: number) => Math.min(R - 1, Math.ceil(((c + 1) / r) * (R - 1)));
      const got = vertexBoxMax(F, R, r);
      let bad = 0;
      for (let z = 0; z < r; z++) for (let y = 0; y < r; y++) for (let x = 0; x < r; x++) {
        let m = -Infinity;
        for (let vz = lo(z); vz <= hi(z); vz++) for (let vy = lo(y); vy <= hi(y); vy++) for (let vx = lo(x); vx <= hi(x); vx++) m = Math.max(m, F[(vz * R + vy) * R + vx]);
        if (got[(z * r + y) * r + x] !== m) bad++;
      }
      expect(bad, `R ${R}, r ${r}`).toBe(0);
    }
  });
  it('occupancy skipping changes nothing where the density is negligible', () => {
    const { f, batch } = setup('dense', { occupancyRes: 4 });
    // density high only in the lower octant x<0,y<0,z<0; elsewhere empty
    const R = f.density.resolution, F = f.density.features.data;
    for (let z = 0; z < R; z++) for (let y = 0; y < R; y++) for (let x = 0; x < R; x++) {
      F[(z * R + y) * R + x] = x < 2 && y < 2 && z < 2 ? 3 : -60;
    }
    const before = Float32Array.from(f.render(batch, 0.1, 10, [1, 1, 1], null).subarray(0, 15));
    const samplesBefore = f.stats.samples;
    f.refreshOccupancy();
    expect(f.occupancy.fraction()).toBeLessThan(0.5);
    const after = f.render(batch, 0.1, 10, [1, 1, 1], null);
    expect(f.stats.samples).toBeLessThan(samplesBefore);
    for (let i = 0; i < 15; i++) expect(after[i]).toBeCloseTo(before[i], 5);
  });
});

// Colour-weight skipping and early termination on (thresholds high enough that this tiny scene skips colour
// and terminates rays). The rendered function is piecewise smooth: a probe whose perturbation flips a skip or
// termination decision measures a jump, not a derivative, so each probe checks the decisions are the same at
// every evaluation and is otherwise set aside (and counted). Tolerance is relative (1 %), plus the finite
// difference's own error estimated from two step sizes and the float32 loss's resolution (~2e-4 here),
// never an absolute 1e-3 for every gradient below 1. As in the test above, a ReLU kink within a step of a
// probe may make one probe in 25 disagree.
describe('gradients with colour skipping and early termination on', () => {
  const decisions = (f: RadianceField) => {
    const { weight, n } = f.lastSamples();
    let zero = 0;
    for (let i = 0; i < n; i++) if (weight[i] === 0) zero++;
    return `${f.stats.samples}/${f.stats.colorSamples}/${zero}`;
  };
  for (const model of ['dense', 'mulfagrid', 'hash'] as const) {
    it(model, () => {
      const { f, rng, batch } = setup(model, { colorWeightThreshold: 0.05, terminationT: 0.3, stepVoxels: 0.3, alphaInit: 0.02 });
      fill(f.density.features, rng, 6, 0); // clear and dense regions: low-weight samples and opaque ones
      const r = Float64Array.from({ length: batch.n * 3 }, () => rng.next() * 2 - 1);
      const l0 = lossOf(f, batch, r);
      const base = decisions(f);
      // the loss is computed from float32 colours: differences below a few of its ulps are noise
      const noise = (8 * 2 ** -23 * Math.max(1, Math.abs(l0))) / 4e-3;
      const [S, nc, terminated] = base.split('/').map(Number);
      expect(nc, 'some samples skip colour').toBeLessThan(S);
      expect(nc, 'some samples keep colour').toBeGreaterThan(10);
      expect(terminated, 'some rays terminate early').toBeGreaterThan(0);
      f.backward(Float32Array.from(r));
      const groups = f.paramGroups();
      let checked = 0, flipped = 0;
      const relErr: number[] = [], bad: string[] = [];
      for (const p of [...groups.grids, ...groups.decoder]) {
        // every grid entry the rays touch (skipped and terminated samples included), 10 of each network's
        const nz = [...p.grad.keys()].filter((i) => p.grad[i] !== 0).slice(0, groups.grids.includes(p) && p.name === 'features' ? 400 : 10);
        expect(nz.length, `${p.name} has gradient`).toBeGreaterThan(0);
        for (const i of nz) {
          const x = p.data[i], g = p.grad[i];
          const at = (eps: number) => { p.data[i] = x + eps; const l = lossOf(f, batch, r); const d = decisions(f); p.data[i] = x; return { l, d }; };
          const e1 = 4e-3, probes = [at(e1), at(-e1), at(e1 / 2), at(-e1 / 2)];
          if (probes.some((q) => q.d !== base)) { flipped++; continue; }
          const fd1 = (probes[0].l - probes[1].l) / (2 * e1), fd2 = (probes[2].l - probes[3].l) / e1;
          const fdErr = Math.abs(fd1 - fd2);
          const err = Math.abs(g - fd2);
          if (err > 1e-2 * Math.abs(fd2) + 4 * fdErr + noise) bad.push(`${p.name}[${i}] analytic ${g} vs ${fd2} (±${fdErr.toExponential(1)})`);
          if (Math.abs(fd2) > 1e-2) relErr.push(err / Math.abs(fd2));
          checked++;
        }
      }
      relErr.sort((a, b) => a - b);
      expect(checked, `probes with stable decisions (${flipped} set aside)`).toBeGreaterThan(3 * flipped);
      expect(checked).toBeGreaterThan(30);
      expect(relErr[Math.floor(relErr.length / 2)], 'median relative error where |dL/dθ| > 0.01').toBeLessThan(2e-3);
      expect(bad.length, bad.join('; ')).toBeLessThanOrEqual(Math.floor(checked / 25));
    });
  }
});
