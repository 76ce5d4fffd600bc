/**
 * Splitting a kernel call across threads that share one WebAssembly memory. Each worker holds its own
 * instance of the kernel module on the shared memory and waits on a control block (Atomics); the calling
 * thread posts a call (export index + numeric arguments) to every worker, runs its own part, then waits
 * for them. Platform code only spawns the workers (Node worker_threads or Web Workers) from WORKER_SOURCE.
 * Atomics.wait blocks the caller, which Node allows on any thread and browsers only in workers: in a
 * browser page's main thread the pool is not used (one thread).
 */

export interface WorkerHandle {
  postMessage(msg: unknown): void;
  terminate(): void;
}

/** Starts a worker running `source` (plain JavaScript); `onMessage` receives what it posts back. */
export type SpawnWorker = (source: string, onMessage: (msg: unknown) => void) => WorkerHandle;

/** Control block per worker, Int32 words: 0 call sequence, 1 export index (−1 quits), 2 argc, 3 done sequence, 4 error. Then 16 f64 args. */
export const CTRL_BYTES = 32 + 16 * 8;

/**
 * The worker program: defines `serve(init, post)`, which instantiates the module on the shared memory and
 * serves calls until told to quit. The platform's spawner appends the line that hands it the first message
 * and a way to post back (see cli/ops.ts, renderer for Web Workers).
 */
export const WORKER_SOURCE = `
function serve({ module, memory, ctrl, names }, post) {
  const inst = new WebAssembly.Instance(module, { env: { memory } });
  const fns = names.map((n) => inst.exports[n]);
  const I = new Int32Array(memory.buffer, ctrl, 8);
  const A = new Float64Array(memory.buffer, ctrl + 32, 16);
  post('ready');
  let seen = 0;
  for (;;) {
    Atomics.wait(I, 0, seen);
    seen = Atomics.load(I, 0);
    const f = I[1];
    if (f < 0) break;
    const argc = I[2], args = [];
    for (let i = 0; i < argc; i++) args.push(A[i]);
    try { fns[f](...args); } catch (e) { I[4] = 1; }
    Atomics.store(I, 3, seen);
    Atomics.notify(I, 3);
  }
  post('done');
}
`;

/** What a Web Worker appends to WORKER_SOURCE. */
export const WEB_WORKER_MAIN = `self.addEventListener('message', (e) => serve(e.data, (m) => self.postMessage(m)), { once: true });`;

export class ThreadPool {
  private seq = 0;
  private readonly ctrl: Int32Array[];
  private readonly args: Float64Array[];

  /** `ctrlViews` are the workers' control blocks, in shared memory; `names` the exports they can call. */
  constructor(readonly workers: WorkerHandle[], ctrlViews: { I: Int32Array; A: Float64Array }[], readonly names: string[]) {
    this.ctrl = ctrlViews.map((c) => c.I);
    this.args = ctrlViews.map((c) => c.A);
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  /**
   * Runs `fn` with argsFor(t) on thread t = 0..threads−1 (t = 0 here, others on the workers) and returns
   * when all are done. A worker that traps or does not answer within `timeoutMs` fails the call.
   */
  run(fn: string, argsFor: (t: number) => number[], local: (args: number[]) => void, timeoutMs = 120_000): void {
    const f = this.names.indexOf(fn);
    if (f < 0) throw new Error(`kernel ${fn} is not callable on workers`);
    const seq = ++this.seq;
    this.workers.forEach((_, w) => {
      const a = argsFor(w + 1), I = this.ctrl[w], A = this.args[w];
      if (a.length > A.length) throw new Error('too many kernel arguments');
      for (let i = 0; i < a.length; i++) A[i] = a[i];
      I[1] = f; I[2] = a.length; I[4] = 0;
      Atomics.store(I, 0, seq);
      Atomics.notify(I, 0);
    });
    local(argsFor(0));
    const deadline = Date.now() + timeoutMs;
    this.workers.forEach((_, w) => {
      const I = this.ctrl[w];
      for (;;) {
        const done = Atomics.load(I, 3);
        if (done === seq) break;
        if (Date.now() > deadline) throw new Error(`kernel worker ${w + 1} did not finish ${fn}`);
        Atomics.wait(I, 3, done, 1000);
      }
      if (I[4]) throw new Error(`kernel ${fn} failed on worker ${w + 1}`);
    });
  }

  dispose(): void {
    for (const I of this.ctrl) {
      I[1] = -1;
      Atomics.store(I, 0, ++this.seq);
      Atomics.notify(I, 0);
    }
    for (const w of this.workers) w.terminate();
  }
}
