import type { Param } from '../field/GridModel';

/**
 * Adam over groups of parameters, each with its own base learning rate. Entries whose gradient is exactly
 * zero are skipped (no moment decay, no step), as in DVGO's masked Adam: grid vertices that no ray touched
 * this step keep their values and moments. Gradients are zeroed after the step.
 */
export interface AdamGroup { params: Param[]; lr: number }

export interface AdamState { step: number; m: Float32Array[]; v: Float32Array[]; t: Int32Array[] }

export class Adam {
  readonly beta1 = 0.9;
  readonly beta2 = 0.99;
  readonly eps = 1e-8;
  step = 0;
  /** Per entry: first and second moments and how many updates it has had (bias correction per entry). */
  readonly m: Float32Array[];
  readonly v: Float32Array[];
  readonly t: Int32Array[];
  readonly params: { p: Param; group: number }[];
  private readonly c1: number[] = [NaN];
  private readonly c2: number[] = [NaN];

  constructor(readonly groups: AdamGroup[]) {
    this.params = groups.flatMap((g, gi) => g.params.map((p) => ({ p, group: gi })));
    this.m = this.params.map(({ p }) => new Float32Array(p.data.length));
    this.v = this.params.map(({ p }) => new Float32Array(p.data.length));
    this.t = this.params.map(({ p }) => new Int32Array(p.data.length));
  }

  /** One update with the groups' learning rates times `lrFactor` (decay schedule). */
  update(lrFactor = 1): void {
    this.step++;
    const b1 = this.beta1, b2 = this.beta2, eps = this.eps;
    // bias corrections 1 / (1 − β^t) by per-entry update count t ≤ step, tabulated (no pow per entry)
    while (this.c1.length <= this.step) {
      const t = this.c1.length;
      this.c1.push(1 / (1 - b1 ** t));
      this.c2.push(1 / (1 - b2 ** t));
    }
    const c1 = this.c1, c2 = this.c2;
    this.params.forEach(({ p, group }, j) => {
      const lr = this.groups[group].lr * p.lrScale * lrFactor;
      const x = p.data, g = p.grad, m = this.m[j], v = this.v[j], t = this.t[j];
      for (let i = 0; i < x.length; i++) {
        const gi = g[i];
        if (gi === 0) continue;
        const ti = ++t[i];
        const mi = (m[i] = b1 * m[i] + (1 - b1) * gi);
        const vi = (v[i] = b2 * v[i] + (1 - b2) * gi * gi);
        const mh = mi * c1[ti], vh = vi * c2[ti];
        x[i] -= (lr * mh) / (Math.sqrt(vh) + eps);
        g[i] = 0;
      }
    });
  }
}
