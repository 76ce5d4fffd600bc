import type { Param } from '../field/GridModel';
import { type FieldOps, JS_OPS } from '../field/ops';

/**
 * Adam over groups of parameters, each with its own base learning rate. Entries whose gradient is exactly
 * zero are skipped (no moment decay, no step), as in DVGO's masked Adam: grid vertices that no ray touched
 * this step keep their values and moments. Gradients are zeroed after the step. The update runs on the
 * field's ops (in place, threaded, when the arrays live in their memory).
 */
export interface AdamGroup { params: Param[]; lr: number }

/** Adam's constants, for every optimiser of the engine (CPU and WebGPU alike). */
export const ADAM = { beta1: 0.9, beta2: 0.99, eps: 1e-8 } as const;

/** Bias corrections 1 / (1 − β₁ᵗ) and 1 / (1 − β₂ᵗ) for update counts t < n (index 0 unused). */
export function adamBiasCorrections(n: number, alloc: (n: number) => Float32Array = (k) => new Float32Array(k)): { c1: Float32Array; c2: Float32Array } {
  const c1 = alloc(n), c2 = alloc(n);
  for (let t = 1; t < n; t++) { c1[t] = 1 / (1 - ADAM.beta1 ** t); c2[t] = 1 / (1 - ADAM.beta2 ** t); }
  return { c1, c2 };
}

export class Adam {
  readonly beta1 = ADAM.beta1;
  readonly beta2 = ADAM.beta2;
  readonly eps = ADAM.eps;
  step = 0;
  /** Per entry: first and second moments and how many updates it has had (bias correction per entry). */
  readonly m: Float32Array[];
  readonly v: Float32Array[];
  readonly t: Int32Array[];
  readonly params: { p: Param; group: number }[];
  /** Bias corrections 1 / (1 − β^t) by update count t (index 0 unused). */
  private c1: Float32Array;
  private c2: Float32Array;

  constructor(readonly groups: AdamGroup[], readonly ops: FieldOps = JS_OPS) {
    const a = ops.alloc;
    this.params = groups.flatMap((g, gi) => g.params.map((p) => ({ p, group: gi })));
    this.m = this.params.map(({ p }) => a.f32(p.data.length));
    this.v = this.params.map(({ p }) => a.f32(p.data.length));
    this.t = this.params.map(({ p }) => a.i32(p.data.length));
    this.c1 = a.f32(0); this.c2 = a.f32(0);
  }

  /** Returns the moment buffers to the ops' allocator. */
  dispose(): void {
    const a = this.ops.alloc;
    for (const x of [...this.m, ...this.v, ...this.t, this.c1, this.c2]) a.free(x);
  }

  /** One update with the groups' learning rates times `lrFactor` (decay schedule). */
  update(lrFactor = 1): void {
    this.step++;
    const b1 = this.beta1, b2 = this.beta2, eps = this.eps;
    if (this.c1.length <= this.step) {
      const a = this.ops.alloc;
      a.free(this.c1); a.free(this.c2);
      ({ c1: this.c1, c2: this.c2 } = adamBiasCorrections(Math.max(1024, this.c1.length * 2), (k) => a.f32(k)));
    }
    this.params.forEach(({ p, group }, j) => {
      const lr = this.groups[group].lr * p.lrScale * lrFactor;
      if (p.touched) this.ops.adamRows(p.data, p.grad, this.m[j], this.v[j], this.t[j], p.touched, lr, b1, b2, eps, this.c1, this.c2);
      else this.ops.adam(p.data, p.grad, this.m[j], this.v[j], this.t[j], lr, b1, b2, eps, this.c1, this.c2);
    });
  }
}
