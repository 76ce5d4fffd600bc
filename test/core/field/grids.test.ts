// Every grid model's gradients (features and learned kernel parameters) against central finite differences.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/math/rng';
import { type GridModel, type Param, makeSupport, gatherForward, gatherBackward } from '../../../core/field/GridModel';
import { DenseGrid } from '../../../core/field/DenseGrid';
import { FourierGrid } from '../../../core/field/FourierGrid';
import { HashGrid } from '../../../core/field/HashGrid';
import { MulFAGrid, MulFAKernel, MULFA_DEFAULTS } from '../../../core/field/MulFAGrid';

function randomize(p: Param, rng: Rng, scale: number): void {
  for (let i = 0; i < p.data.length; i++) p.data[i] = (rng.next() * 2 - 1) * scale;
}

/** loss = Σ r · g(x) over the points, in double precision. */
function loss(model: GridModel, pts: Float32Array, n: number, r: Float64Array): number {
  const s = makeSupport(model, n), out = new Float32Array(n * model.channels);
  model.computeSupport(pts, n, s);
  gatherForward(model.features.data, model.channels, model.K, s, n, out);
  let l = 0;
  for (let i = 0; i < out.length; i++) l += r[i] * out[i];
  return l;
}

function analytic(model: GridModel, pts: Float32Array, n: number, r: Float64Array): void {
  const s = makeSupport(model, n);
  model.computeSupport(pts, n, s);
  const dW = new Float32Array(n * model.K);
  gatherBackward(model.features.data, model.features.grad, model.channels, model.K, s, n, Float32Array.from(r), dW);
  model.kernelBackward(dW, n);
}

function checkGradients(model: GridModel, rng: Rng, opts: { n?: number; probes?: number; eps?: number; tol?: number } = {}): number {
  const n = opts.n ?? 6, probes = opts.probes ?? 40, eps = opts.eps ?? 1e-2, tol = opts.tol ?? 2e-3;
  const pts = Float32Array.from({ length: n * 3 }, () => rng.next());
  pts[0] = 0; pts[1] = 1; pts[2] = 0.5; // on the box border and a cell face
  const r = Float64Array.from({ length: n * model.channels }, () => rng.next() * 2 - 1);
  for (const p of [model.features, ...model.kernelParams]) p.grad.fill(0);
  analytic(model, pts, n, r);
  let worst = 0, checked = 0;
  for (const p of [model.features, ...model.kernelParams]) {
    // probe entries with nonzero gradient first (features are sparse), then random ones
    const nz = [...p.grad.keys()].filter((i) => p.grad[i] !== 0);
    const picks = [...nz.slice(0, probes), ...Array.from({ length: 5 }, () => rng.int(p.data.length))];
    for (const i of picks) {
      const x = p.data[i];
      p.data[i] = x + eps; const lp = loss(model, pts, n, r);
      p.data[i] = x - eps; const lm = loss(model, pts, n, r);
      p.data[i] = x;
      const fd = (lp - lm) / (2 * eps), g = p.grad[i];
      const err = Math.abs(fd - g) / Math.max(1, Math.abs(fd));
      if (err > tol) throw new Error(`${model.kind} ${p.name}[${i}]: analytic ${g}, finite difference ${fd}`);
      worst = Math.max(worst, err);
      checked++;
    }
  }
  expect(checked).toBeGreaterThan(probes);
  return worst;
}

describe('grid model gradients match finite differences', () => {
  it('dense', () => {
    const rng = new Rng(1), g = new DenseGrid(5, 3);
    randomize(g.features, rng, 1);
    checkGradients(g, rng);
  });
  it('fouriergrid', () => {
    const rng = new Rng(2), g = new FourierGrid(4, 2, 2);
    randomize(g.features, rng, 1);
    checkGradients(g, rng);
  });
  it('hash (dense and hashed levels)', () => {
    const rng = new Rng(3), g = new HashGrid({ levels: 3, log2TableSize: 6, minResolution: 3, resolution: 12 }, 2);
    expect(g.levelRes).toEqual([3, 6, 12]);
    randomize(g.features, rng, 1);
    checkGradients(g, rng);
  });
  it('mulfagrid: features and every kernel parameter (A, b, Ω, ψ, a, c)', () => {
    const rng = new Rng(4);
    const kernel = new MulFAKernel({ ...MULFA_DEFAULTS, H: 6, omegaScale: 2 }, rng);
    randomize(kernel.a, rng, 0.5);
    randomize(kernel.c, rng, 0.5);
    const g = new MulFAGrid(5, 2, kernel);
    randomize(g.features, rng, 1);
    const worst = checkGradients(g, rng, { eps: 1e-3, tol: 5e-3, probes: 60 });
    expect(worst).toBeLessThan(5e-3);
    for (const p of kernel.params) expect([...p.grad].some((v) => v !== 0)).toBe(true);
  });
  // the measured alternatives to the positive kernel: Eq. 7–8 as written ('raw') and tri · (1 + s) ('linear')
  for (const normalise of ['raw', 'linear'] as const) {
    it(`mulfagrid normalised '${normalise}': every kernel parameter, the signed normalisation included`, () => {
      const rng = new Rng(normalise === 'raw' ? 14 : 15);
      const kernel = new MulFAKernel({ ...MULFA_DEFAULTS, H: 6, omegaScale: 2, normalise }, rng);
      randomize(kernel.a, rng, 0.3);
      kernel.c.data[0] += 0.2; // raw: 1.2 (sums near 8·1.2), linear: 0.2 (weights may go negative)
      const g = new MulFAGrid(5, 2, kernel);
      randomize(g.features, rng, 1);
      const worst = checkGradients(g, rng, { eps: 1e-3, tol: 5e-3, probes: 60 });
      expect(worst).toBeLessThan(5e-3);
      for (const p of kernel.params) expect([...p.grad].some((v) => v !== 0)).toBe(true);
    });
  }
});

describe('kernels', () => {
  it('MulFAGrid starts exactly as trilinear (a = 0, c = 0)', () => {
    const rng = new Rng(5);
    const m = new MulFAGrid(6, 1, new MulFAKernel(MULFA_DEFAULTS, rng)), d = new DenseGrid(6, 1);
    const pts = Float32Array.from({ length: 30 }, () => rng.next());
    const sm = makeSupport(m, 10), sd = makeSupport(d, 10);
    m.computeSupport(pts, 10, sm); d.computeSupport(pts, 10, sd);
    expect(Array.from(sm.idx)).toEqual(Array.from(sd.idx));
    for (let i = 0; i < 80; i++) expect(sm.w[i]).toBeCloseTo(sd.w[i], 6);
  });
  it('at initialisation the raw ratio is a box average (1/8 each) and the linear kernel is trilinear', () => {
    const rng = new Rng(16), pts = Float32Array.from({ length: 30 }, () => rng.next()), d = new DenseGrid(6, 1), sd = makeSupport(d, 10);
    d.computeSupport(pts, 10, sd);
    for (const normalise of ['raw', 'linear'] as const) {
      const m = new MulFAGrid(6, 1, new MulFAKernel({ ...MULFA_DEFAULTS, normalise }, rng)), sm = makeSupport(m, 10);
      m.computeSupport(pts, 10, sm);
      expect(Array.from(sm.idx)).toEqual(Array.from(sd.idx));
      for (let i = 0; i < 80; i++) expect(sm.w[i]).toBeCloseTo(normalise === 'raw' ? 1 / 8 : sd.w[i], 6);
    }
  });
  it('the raw ratio\'s guard: a sum near zero is held at ±1e-3, so weights stay finite and bounded by |φ| / 1e-3', () => {
    const rng = new Rng(17), kernel = new MulFAKernel({ ...MULFA_DEFAULTS, normalise: 'raw' }, rng);
    kernel.c.data[0] = 1e-5; // φ = c at every corner (a = 0): Σφ = 8e-5, inside the guard
    const m = new MulFAGrid(6, 1, kernel), s = makeSupport(m, 4);
    m.computeSupport(Float32Array.from({ length: 12 }, () => rng.next()), 4, s);
    for (let i = 0; i < 32; i++) expect(s.w[i]).toBeCloseTo(1e-5 / 1e-3, 6);
  });
  it('weights sum to one for dense, MulFAGrid (trained kernel) and FourierGrid; hash sums one per level', () => {
    const rng = new Rng(6);
    const kernel = new MulFAKernel(MULFA_DEFAULTS, rng);
    randomize(kernel.a, rng, 2);
    const models: [GridModel, number][] = [[new DenseGrid(7, 1), 1], [new MulFAGrid(7, 1, kernel), 1], [new FourierGrid(5, 1, 3), 1],
      [new HashGrid({ levels: 4, log2TableSize: 8, minResolution: 4, resolution: 32 }, 1), 4]];
    const pts = Float32Array.from({ length: 60 }, () => rng.next() * 1.2 - 0.1);
    for (const [m, expected] of models) {
      const s = makeSupport(m, 20);
      m.computeSupport(pts, 20, s);
      for (let i = 0; i < 20; i++) {
        let sum = 0;
        for (let k = 0; k < m.K; k++) { sum += s.w[i * m.K + k]; expect(s.w[i * m.K + k]).toBeGreaterThanOrEqual(0); }
        expect(sum).toBeCloseTo(expected, 5);
        for (let k = 0; k < m.K; k++) expect(s.idx[i * m.K + k]).toBeLessThan(m.rows);
      }
    }
  });
  it('dense interpolation reproduces a linear function exactly, and vertices exactly', () => {
    const R = 5, g = new DenseGrid(R, 1);
    for (let z = 0; z < R; z++) for (let y = 0; y < R; y++) for (let x = 0; x < R; x++) g.features.data[(z * R + y) * R + x] = 2 * x - y + 0.5 * z;
    const pts = new Float32Array([0.3, 0.7, 0.1, 0.5, 0.5, 0.5, 1, 1, 1, 0, 0, 0]);
    const s = makeSupport(g, 4), out = new Float32Array(4);
    g.computeSupport(pts, 4, s);
    gatherForward(g.features.data, 1, 8, s, 4, out);
    for (let i = 0; i < 4; i++) {
      const u = [0, 1, 2].map((d) => pts[i * 3 + d] * (R - 1));
      expect(out[i]).toBeCloseTo(2 * u[0] - u[1] + 0.5 * u[2], 5);
    }
  });
  it('upsampling a dense grid keeps the function it represents (linear functions exactly)', () => {
    const g = new DenseGrid(3, 1);
    for (let z = 0; z < 3; z++) for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) g.features.data[(z * 3 + y) * 3 + x] = x + 2 * y + 3 * z;
    const up = g.resized(9);
    const rng = new Rng(7), pts = Float32Array.from({ length: 30 }, () => rng.next());
    const a = new Float32Array(10), b = new Float32Array(10);
    for (const [m, out] of [[g, a], [up, b]] as const) {
      const s = makeSupport(m, 10);
      m.computeSupport(pts, 10, s);
      gatherForward(m.features.data, 1, 8, s, 10, out);
    }
    for (let i = 0; i < 10; i++) expect(b[i]).toBeCloseTo(a[i], 5);
  });
});
