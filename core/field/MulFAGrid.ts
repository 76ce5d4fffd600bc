import { type GridModel, type Param, type Support, makeParam, cellOf, vertexRow, resampleDense } from './GridModel';
import type { Rng } from '../math/rng';

/**
 * MulFAGrid (MULFAGRID.md §3): U(x) = the 8 cell corners, with a learned kernel, a multiplicative filter
 * network (MFN) of the query and the vertex:
 *   z₁ = γ(u) = [sin(2^k π u_d), cos(2^k π u_d)]  (u in grid units, k < L)                     Eq. 6
 *   z_{m+1} = (A_m z_m + b_m) ⊙ sin(Ω_m p_i + ψ_m), m = 1..M  (p_i the vertex in [−1, 1]³)      Eq. 7
 *   s(x, i) = aᵀ z_{M+1} + c
 * Kernel (ours): φ(x, i) = tri(x, i) · exp(s(x, i)), normalised over the 8 corners (Eq. 8):
 *   φ̄(x, i) = φ(x, i) / max(Σ_j φ(x, j), ε).
 * Positive by construction, so the normalising sum cannot cross zero (the failure MULFAGRID.md measured
 * for the raw ratio), and with a = 0, c = 0 at initialisation it starts exactly as trilinear
 * interpolation; training then bends the weights. The choice and its measurements are in the README.
 * Two other normalisations, measured against it (config.normalise; here and in the WebAssembly kernels — WebGPU
 * refuses them):
 *   'raw'    — Eq. 7–8 as written: φ(x, i) = s(x, i) with c = 1 at initialisation (a box average, 1/8 each),
 *              φ̄ = φ / (sign(Σφ) · max(|Σφ|, ε)), ε = 1e-3 (MULFAGRID.md's reference);
 *   'linear' — φ(x, i) = tri(x, i) · (1 + s(x, i)): the first-order version of ours, trilinear at
 *              initialisation, free to go negative, guarded as 'raw'.
 */
export interface MulFAConfig {
  /** Fourier frequencies per axis (L). */
  L: number;
  /** Filter layers (M). */
  M: number;
  /** Hidden width (H). */
  H: number;
  /** Std of the filter frequencies Ω at initialisation (radians per unit of p ∈ [−1, 1]). */
  omegaScale: number;
  /** How the kernel's values become weights (see above): 'exp' (ours; the default when absent), 'raw' or 'linear'. */
  normalise?: MulFANormalise;
}

export type MulFANormalise = 'exp' | 'raw' | 'linear';
export const MULFA_NORMALISATIONS: readonly MulFANormalise[] = ['exp', 'raw', 'linear'];

export const MULFA_DEFAULTS: MulFAConfig = { L: 4, M: 3, H: 16, omegaScale: 8, normalise: 'exp' };

const EPS = 1e-6;
/** The guard of the signed normalisations ('raw', 'linear'): |Σφ| below it is held at ±EPS_SIGNED. */
const EPS_SIGNED = 1e-3;
const S_CLAMP = 15;

/** The learned kernel: parameters, weights for a batch of points, and its backward pass. */
export class MulFAKernel {
  readonly params: Param[];
  readonly Z: number;
  /** A[m]: [H · in_m] (in_1 = Z, else H); b[m], psi[m]: [H]; omega[m]: [H · 3]; a: [H]; c: [1]. */
  readonly A: Param[]; readonly b: Param[]; readonly omega: Param[]; readonly psi: Param[];
  readonly a: Param; readonly c: Param;
  /** config.normalise, 'exp' when absent. */
  readonly normalise: MulFANormalise;
  // scratch (per point), allocated once
  private readonly z1: Float64Array; private readonly h1: Float64Array;
  private readonly zs: Float64Array[]; private readonly hs: Float64Array[]; private readonly gs: Float64Array[];
  private readonly th: Float64Array[];
  private readonly phi = new Float64Array(8); private readonly tri = new Float64Array(8); private readonly sv = new Float64Array(8);
  private readonly cell = new Float64Array(6);
  private readonly dz: Float64Array; private readonly dh: Float64Array; private readonly dh1: Float64Array;
  private readonly pv = new Float64Array(24);
  private lastPts: Float32Array | null = null;
  private lastR = 0;
  /** Σ_j φ(x, j) of the last point() (before normalisation). */
  private lastSum = 0;
  /** Per layer m: sin/cos of Ω_m[h, axis] · p(v) for every axis and vertex index v ([3, R, H]; ψ folded into x). */
  private tabS: Float64Array[] = [];
  private tabC: Float64Array[] = [];
  private tabR = 0;
  private tabKey: Float32Array | null = null;

  /** The filter tables for the current Ω, ψ on an R-vertex grid: per layer, sin and cos as [3, R, H]. */
  filterTables(R: number): { S: Float64Array[]; C: Float64Array[] } {
    this.buildTables(R);
    return { S: this.tabS, C: this.tabC };
  }

  /** Rebuilds the filter tables for the current Ω, ψ on an R-vertex grid (3·R·M·H sin/cos, ~1 ms). */
  private buildTables(R: number): void {
    const { M, H } = this.config;
    if (this.tabR !== R) {
      this.tabS = Array.from({ length: M }, () => new Float64Array(3 * R * H));
      this.tabC = Array.from({ length: M }, () => new Float64Array(3 * R * H));
      this.tabR = R;
      this.tabKey = null;
    }
    // unchanged Ω and ψ since the last build (e.g. many small batches between optimiser steps): keep the tables
    const key = Float32Array.from([...this.omega.flatMap((p) => Array.from(p.data)), ...this.psi.flatMap((p) => Array.from(p.data))]);
    if (this.tabKey && this.tabKey.length === key.length && this.tabKey.every((v, i) => Object.is(v, key[i]))) return;
    this.tabKey = key;
    const s = 2 / (R - 1);
    for (let m = 0; m < M; m++) {
      const om = this.omega[m].data, ps = this.psi[m].data, TS = this.tabS[m], TC = this.tabC[m];
      for (let axis = 0; axis < 3; axis++) {
        for (let v = 0; v < R; v++) {
          const p = v * s - 1;
          for (let h = 0; h < H; h++) {
            const ang = om[h * 3 + axis] * p + (axis === 0 ? ps[h] : 0);
            TS[(axis * R + v) * H + h] = Math.sin(ang);
            TC[(axis * R + v) * H + h] = Math.cos(ang);
          }
        }
      }
    }
  }

  constructor(readonly config: MulFAConfig, rng: Rng, lrScale = 0.01) {
    const { L, M, H } = config;
    this.Z = 2 * L * 3;
    const uniform = (n: number, lim: number) => Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * lim);
    this.A = []; this.b = []; this.omega = []; this.psi = [];
    for (let m = 0; m < M; m++) {
      const fanIn = m === 0 ? this.Z : H;
      this.A.push(makeParam(`kernel.A${m + 1}`, uniform(H * fanIn, Math.sqrt(6 / fanIn)), lrScale));
      this.b.push(makeParam(`kernel.b${m + 1}`, uniform(H, 1 / Math.sqrt(fanIn)), lrScale));
      this.omega.push(makeParam(`kernel.omega${m + 1}`, Float32Array.from({ length: H * 3 }, () => rng.normal() * config.omegaScale), lrScale));
      this.psi.push(makeParam(`kernel.psi${m + 1}`, uniform(H, Math.PI), lrScale));
    }
    this.a = makeParam('kernel.a', new Float32Array(H), lrScale);
    this.normalise = config.normalise ?? 'exp';
    this.c = makeParam('kernel.c', new Float32Array([this.normalise === 'raw' ? 1 : 0]), lrScale);
    this.params = [...this.A, ...this.b, ...this.omega, ...this.psi, this.a, this.c];
    this.z1 = new Float64Array(this.Z); this.h1 = new Float64Array(H);
    const perCorner = () => Array.from({ length: M }, () => new Float64Array(8 * H));
    this.zs = perCorner(); this.hs = perCorner(); this.gs = perCorner(); this.th = perCorner();
    this.dz = new Float64Array(H); this.dh = new Float64Array(H); this.dh1 = new Float64Array(H);
  }

  /**
   * Forward for one point at grid resolution R: fills zs/hs/gs/th per corner, tri, s, phi (normalised) and
   * returns the lower corner row. Shared by computeSupport and the backward pass (which recomputes).
   */
  private point(px: number, py: number, pz: number, R: number): number {
    const { L, M, H } = this.config, cell = this.cell;
    cellOf(px, R, cell, 0); cellOf(py, R, cell, 2); cellOf(pz, R, cell, 4);
    // Eq. 6: γ(u), u in grid units
    const u = [cell[0] + cell[1], cell[2] + cell[3], cell[4] + cell[5]];
    for (let d = 0, j = 0; d < 3; d++) {
      for (let k = 0; k < L; k++) {
        const ang = Math.PI * 2 ** k * u[d];
        this.z1[j++] = Math.sin(ang);
        this.z1[j++] = Math.cos(ang);
      }
    }
    const A1 = this.A[0].data, b1 = this.b[0].data, Z = this.Z;
    for (let h = 0; h < H; h++) {
      let acc = b1[h];
      for (let j = 0; j < Z; j++) acc += A1[h * Z + j] * this.z1[j];
      this.h1[h] = acc;
    }
    const s = 2 / (R - 1);
    let sum = 0;
    for (let c = 0; c < 8; c++) {
      const bx = c & 1, by = (c >> 1) & 1, bz = c >> 2;
      this.pv[c * 3] = (cell[0] + bx) * s - 1; this.pv[c * 3 + 1] = (cell[2] + by) * s - 1; this.pv[c * 3 + 2] = (cell[4] + bz) * s - 1;
      this.tri[c] = (bx ? cell[1] : 1 - cell[1]) * (by ? cell[3] : 1 - cell[3]) * (bz ? cell[5] : 1 - cell[5]);
      for (let m = 0; m < M; m++) {
        const hm = this.hs[m], gm = this.gs[m], zm = this.zs[m], tm = this.th[m];
        const TS = this.tabS[m], TC = this.tabC[m];
        const ox = (cell[0] + bx) * H, oy = (R + cell[2] + by) * H, oz = (2 * R + cell[4] + bz) * H;
        for (let h = 0; h < H; h++) {
          const hv = m === 0 ? this.h1[h] : hm[c * H + h]; // h_1 is shared by the corners
          // sin and cos of θ = Ω_x p_x + ψ + Ω_y p_y + Ω_z p_z by angle addition from per-axis tables
          const sx = TS[ox + h], cx = TC[ox + h], sy = TS[oy + h], cy = TC[oy + h], sz = TS[oz + h], cz = TC[oz + h];
          const sxy = sx * cy + cx * sy, cxy = cx * cy - sx * sy;
          const g = sxy * cz + cxy * sz;
          tm[c * H + h] = cxy * cz - sxy * sz; gm[c * H + h] = g;
          if (m === 0) hm[c * H + h] = hv;
          zm[c * H + h] = hv * g; // z_{m+2} in the paper's numbering
        }
        if (m + 1 < M) {
          const A = this.A[m + 1].data, bb = this.b[m + 1].data, next = this.hs[m + 1];
          for (let h = 0; h < H; h++) {
            let acc = bb[h];
            for (let j = 0; j < H; j++) acc += A[h * H + j] * zm[c * H + j];
            next[c * H + h] = acc;
          }
        }
      }
      const a = this.a.data, zl = this.zs[M - 1];
      let sv = this.c.data[0];
      for (let h = 0; h < H; h++) sv += a[h] * zl[c * H + h];
      const norm = this.normalise;
      if (norm === 'raw') {
        this.sv[c] = sv;
        this.phi[c] = sv;
      } else if (norm === 'linear') {
        this.sv[c] = sv;
        this.phi[c] = this.tri[c] * (1 + sv);
      } else {
        sv = sv > S_CLAMP ? S_CLAMP : sv < -S_CLAMP ? -S_CLAMP : sv;
        this.sv[c] = sv;
        this.phi[c] = this.tri[c] * Math.exp(sv);
      }
      sum += this.phi[c];
    }
    const inv = 1 / (this.normalise === 'exp' ? Math.max(sum, EPS) : Math.sign(sum || 1) * Math.max(Math.abs(sum), EPS_SIGNED));
    for (let c = 0; c < 8; c++) this.phi[c] *= inv;
    this.lastSum = sum;
    return vertexRow(cell[0], cell[2], cell[4], R);
  }

  /** Support (8 corners, normalised weights) of n points on an R³ grid; remembers pts for the backward pass. */
  computeSupport(pts: Float32Array, n: number, R: number, s: Support): void {
    const RR = R * R;
    this.buildTables(R);
    for (let i = 0; i < n; i++) {
      const r0 = this.point(pts[i * 3], pts[i * 3 + 1], pts[i * 3 + 2], R);
      const o = i * 8;
      s.idx[o] = r0; s.idx[o + 1] = r0 + 1; s.idx[o + 2] = r0 + R; s.idx[o + 3] = r0 + R + 1;
      s.idx[o + 4] = r0 + RR; s.idx[o + 5] = r0 + RR + 1; s.idx[o + 6] = r0 + RR + R; s.idx[o + 7] = r0 + RR + R + 1;
      for (let c = 0; c < 8; c++) s.w[o + c] = this.phi[c];
    }
    this.lastPts = pts;
    this.lastR = R;
  }

  /** Accumulates kernel gradients from dL/dφ̄ (dW [n · 8]) for the points of the last computeSupport. */
  backward(dW: Float32Array, n: number): void {
    const pts = this.lastPts;
    if (!pts) throw new Error('MulFAKernel.backward before computeSupport');
    const { M, H } = this.config, Z = this.Z, R = this.lastR;
    this.buildTables(R);
    for (let i = 0; i < n; i++) {
      this.point(pts[i * 3], pts[i * 3 + 1], pts[i * 3 + 2], R);
      // through the normalisation φ̄_c = φ_c / S (phi holds φ̄): dφ_c = (dφ̄_c − Σ_j dφ̄_j φ̄_j) / S; where the guard
      // holds S at ±ε it is a constant: dφ_c = dφ̄_c / S̃
      const norm = this.normalise, S = this.lastSum;
      if (norm === 'exp' && S < EPS) continue; // guarded region: weights are treated as constant
      const guarded = norm !== 'exp' && Math.abs(S) < EPS_SIGNED;
      const inv = guarded ? 1 / (Math.sign(S || 1) * EPS_SIGNED) : 1 / S;
      let dot = 0;
      if (!guarded) for (let c = 0; c < 8; c++) dot += dW[i * 8 + c] * this.phi[c];
      this.dh1.fill(0);
      for (let c = 0; c < 8; c++) {
        // ds_c = dφ_c · dφ_c/ds_c: φ_c = tri_c e^{s_c} → (dφ̄_c − dot) φ̄_c; φ_c = s_c → (dφ̄_c − dot) / S; φ_c = tri_c (1 + s_c) → · tri_c
        const sv = this.sv[c];
        let ds: number;
        if (norm === 'exp') {
          if (sv <= -S_CLAMP || sv >= S_CLAMP) continue;
          ds = (dW[i * 8 + c] - dot) * this.phi[c];
        } else {
          ds = (dW[i * 8 + c] - dot) * inv * (norm === 'linear' ? this.tri[c] : 1);
        }
        if (ds === 0) continue;
        this.c.grad[0] += ds;
        const a = this.a.data, ag = this.a.grad, zl = this.zs[M - 1];
        for (let h = 0; h < H; h++) { ag[h] += ds * zl[c * H + h]; this.dz[h] = ds * a[h]; }
        for (let m = M - 1; m >= 0; m--) {
          const hm = this.hs[m], gm = this.gs[m], tm = this.th[m];
          const omg = this.omega[m].grad, psg = this.psi[m].grad;
          const p0 = this.pv[c * 3], p1 = this.pv[c * 3 + 1], p2 = this.pv[c * 3 + 2];
          for (let h = 0; h < H; h++) {
            const dzh = this.dz[h];
            this.dh[h] = dzh * gm[c * H + h];
            const dt = dzh * hm[c * H + h] * tm[c * H + h]; // tm holds cos θ
            omg[h * 3] += dt * p0; omg[h * 3 + 1] += dt * p1; omg[h * 3 + 2] += dt * p2;
            psg[h] += dt;
          }
          if (m === 0) {
            for (let h = 0; h < H; h++) this.dh1[h] += this.dh[h];
          } else {
            // h_m = A_m z_{m} + b_m with z_m = zs[m − 1]
            const A = this.A[m].data, Ag = this.A[m].grad, bg = this.b[m].grad, zin = this.zs[m - 1];
            this.dz.fill(0);
            for (let h = 0; h < H; h++) {
              const d = this.dh[h];
              if (d === 0) continue;
              bg[h] += d;
              for (let j = 0; j < H; j++) {
                Ag[h * H + j] += d * zin[c * H + j];
                this.dz[j] += d * A[h * H + j];
              }
            }
          }
        }
      }
      const A1g = this.A[0].grad, b1g = this.b[0].grad;
      for (let h = 0; h < H; h++) {
        const d = this.dh1[h];
        b1g[h] += d;
        for (let j = 0; j < Z; j++) A1g[h * Z + j] += d * this.z1[j];
      }
    }
  }
}

/** A dense feature grid whose interpolation weights come from a (possibly shared) MulFAKernel. */
export class MulFAGrid implements GridModel {
  readonly kind = 'mulfagrid' as const;
  readonly K = 8;
  readonly rows: number;
  readonly features: Param;
  readonly kernelParams: Param[];

  constructor(readonly resolution: number, readonly channels: number, readonly kernel: MulFAKernel, features?: Float32Array,
    /** False for a grid that reuses another grid's kernel (its parameters are owned and updated there). */
    ownsKernel = true) {
    this.rows = resolution ** 3;
    this.features = makeParam('features', features ?? new Float32Array(this.rows * channels));
    this.kernelParams = ownsKernel ? kernel.params : [];
  }

  computeSupport(pts: Float32Array, n: number, s: Support): void {
    this.kernel.computeSupport(pts, n, this.resolution, s);
  }

  kernelBackward(dW: Float32Array, n: number): void {
    this.kernel.backward(dW, n);
  }

  resized(resolution: number): MulFAGrid {
    return new MulFAGrid(resolution, this.channels, this.kernel,
      resampleDense(this.features.data, this.resolution, this.channels, resolution), this.kernelParams.length > 0);
  }
}
