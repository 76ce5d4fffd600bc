/**
 * One algorithm, two kinds of backend. A plan is a generator that yields each pass's result: a value on the CPU
 * (its kernels return at once), a promise on WebGPU (a pass may wait on the device). runSync drives a plan whose
 * passes never wait (the CPU Trainer's step stays synchronous), runAsync one whose passes may. So the training
 * step and the camera render are written once (core/train/Trainer.ts) and the backends only supply their passes.
 */

/** A value, or a promise of it where a backend waits on a device. */
export type Awaitable<T> = T | Promise<T>;

/** A plan: yields what its passes return and receives it back settled; returns its result. */
export type Plan<T> = Generator<unknown, T, unknown>;

/** Runs a plan whose passes return values (a promise is a backend error: this driver cannot wait). */
export function runSync<T>(plan: Plan<T>): T {
  let r = plan.next();
  while (!r.done) {
    if (r.value instanceof Promise) throw new Error('runSync: a pass returned a promise (drive this plan with runAsync)');
    r = plan.next(r.value);
  }
  return r.value;
}

/** Runs a plan whose passes may return promises, awaiting each before the plan goes on. */
export async function runAsync<T>(plan: Plan<T>): Promise<T> {
  let r = plan.next();
  while (!r.done) r = plan.next(await r.value);
  return r.value;
}
