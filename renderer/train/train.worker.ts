/**
 * Training off the UI thread: the engine's fused WebAssembly kernels (threads when the page is
 * cross-origin isolated, else one), the Trainer, and a loop that trains in slices of ~100 ms so pause,
 * stop, render and snapshot requests are answered between slices. Progress is posted after each slice.
 */
import { WasmKernels } from '../../core/wasm/WasmKernels';
import { WORKER_SOURCE, WEB_WORKER_MAIN, type SpawnWorker } from '../../core/wasm/Threads';
import { Trainer, TRAIN_DEFAULTS, type TrainConfig } from '../../core/train/Trainer';
import type { FromWorker, ToWorker, Progress } from './protocol';
import { bakeField } from '../../core/render/bake';
import { decodeSnapshot } from '../../core/io/snapshot';
import { GpuTrainer } from '../../core/gpu/GpuTrainer';
import { CpuBackend, type TrainBackend } from '../../core/train/backend';

const post = (m: FromWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

const spawn: SpawnWorker = (source, onMessage) => {
  const url = URL.createObjectURL(new Blob([source + WEB_WORKER_MAIN], { type: 'text/javascript' }));
  const w = new Worker(url);
  w.onmessage = (e) => onMessage(e.data);
  return { postMessage: (m) => w.postMessage(m), terminate: () => w.terminate() };
};

let kernels: Promise<WasmKernels> | null = null;
function getKernels(): Promise<WasmKernels> {
  kernels ??= WasmKernels.create({
    threads: (self as unknown as { crossOriginIsolated?: boolean }).crossOriginIsolated ? Math.min(8, navigator.hardwareConcurrency || 1) : 1,
    spawn,
  });
  return kernels;
}

let trainer: Trainer | null = null;
/** The backend running the steps (CPU or WebGPU); `trainer` is its CPU side (synced before CPU renders). */
let run: TrainBackend | null = null;
let inStep: Promise<unknown> | null = null;

/** The CPU trainer with the current parameters. */
async function current(): Promise<Trainer> {
  if (inStep) await inStep; // a WebGPU step in flight: let it finish (renders and snapshots see whole steps)
  if (run) return run.syncToCpu();
  if (!trainer) throw new Error('nothing trained yet');
  return trainer;
}
/**
 * A WebGPU device with the adapter's largest buffers (grids over the 128 MiB default), one per worker.
 * Losing it stops training cleanly: the CPU side keeps the parameters of the last sync, and the user is told.
 */
let device: GPUDevice | null = null;
async function gpuDevice(): Promise<GPUDevice> {
  if (device) return device;
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) throw new Error('WebGPU is not available here: choose the CPU backend');
  const d = await adapter.requestDevice({ requiredLimits: { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxBufferSize: adapter.limits.maxBufferSize } });
  device = d;
  void d.lost.then((info) => {
    device = null;
    if (info.reason === 'destroyed') return;
    if (run?.name === 'webgpu') run = null; // the CPU trainer keeps the last synced parameters
    post({ type: 'error', message: `the GPU device was lost (${info.message || info.reason}); training stopped at step ${trainer?.step ?? 0} — save a snapshot to keep it` });
    if (state === 'training' || state === 'paused') setState('stopped');
  });
  return d;
}

let state: 'idle' | 'training' | 'paused' | 'done' | 'stopped' = 'idle';
let budget = { seconds: Infinity, steps: Infinity };
let trainedMs = 0;
let startStep = 0;

function setState(s: typeof state): void {
  state = s;
  if (s !== 'idle') post({ type: 'state', state: s });
}

async function loop(): Promise<void> {
  let last: ReturnType<Trainer['trainStep']> | null = null, psnr = 0;
  while (trainer && state === 'training') {
    const t0 = performance.now();
    try {
      do {
        if (!run) throw new Error('the training backend is gone');
        const step = run.trainStep();
        inStep = step.catch(() => null);
        last = await step;
        inStep = null;
        psnr = psnr === 0 ? last.psnr : 0.9 * psnr + 0.1 * last.psnr;
      } while (performance.now() - t0 < 100 && trainer.step < budget.steps && state === 'training');
    } catch (err) {
      post({ type: 'error', message: `training stopped at step ${trainer.step}: ${err instanceof Error ? err.message : String(err)}` });
      setState('stopped');
      break;
    }
    trainedMs += performance.now() - t0;
    const seconds = trainedMs / 1000, steps = trainer.step - startStep;
    const eta = Math.max(0, Math.min(budget.seconds - seconds, Number.isFinite(budget.steps) ? ((budget.steps - trainer.step) * seconds) / Math.max(1, steps) : Infinity));
    const progress: Progress = { step: trainer.step, loss: last.loss, psnr, raysPerSec: (steps * trainer.config.batchRays) / seconds, seconds, eta,
      resolution: last.resolution, occupancy: last.occupancy, memory: run?.name === 'webgpu' ? 0 : (await getKernels()).arena.inUse };
    post({ type: 'progress', progress });
    if (seconds >= budget.seconds || trainer.step >= budget.steps) { setState('done'); break; }
    await new Promise((r) => setTimeout(r, 0)); // let queued messages (pause, stop, render) in
  }
}

self.onmessage = async (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  try {
    switch (msg.type) {
      case 'start': {
        const k = await getKernels();
        run?.dispose();
        trainer?.dispose();
        run = null;
        const s = msg.settings;
        const config: TrainConfig = { ...TRAIN_DEFAULTS, seed: s.seed, field: { ...TRAIN_DEFAULTS.field, model: s.model, resolution: s.resolution },
          decaySteps: Number.isFinite(s.maxSteps) && s.maxSteps > 0 ? s.maxSteps : TRAIN_DEFAULTS.decaySteps };
        budget = { seconds: s.timeBudget > 0 ? s.timeBudget : Infinity, steps: s.maxSteps > 0 ? s.maxSteps : Infinity };
        trainedMs = 0;
        startStep = 0;
        if (s.backend === 'webgpu') {
          run = GpuTrainer.create(await gpuDevice(), config, msg.data, k);
          trainer = run.trainer;
          post({ type: 'ready', backend: `webgpu (${config.field.model})`, threads: 1 });
          setState('training');
          void loop();
          break;
        }
        trainer = new Trainer(config, msg.data, k);
        run = new CpuBackend(trainer);
        post({ type: 'ready', backend: `${k.name} (${k.variant})`, threads: k.threads });
        setState('training');
        void loop();
        break;
      }
      case 'load': {
        const k = await getKernels();
        run?.dispose();
        trainer?.dispose();
        run = null;
        trainer = Trainer.fromSnapshot(decodeSnapshot(msg.bytes, msg.name), msg.name, msg.data, k);
        budget = { seconds: Infinity, steps: Infinity };
        trainedMs = 0;
        startStep = trainer.step;
        if (msg.backend === 'webgpu') {
          run = GpuTrainer.resume(await gpuDevice(), trainer);
          post({ type: 'ready', backend: `webgpu (${trainer.config.field.model})`, threads: 1 });
        } else {
          run = new CpuBackend(trainer);
          post({ type: 'ready', backend: `${k.name} (${k.variant})`, threads: k.threads });
        }
        setState('paused');
        break;
      }
      case 'pause': if (state === 'training') setState('paused'); break;
      case 'resume': if (state === 'paused') { setState('training'); void loop(); } break;
      case 'stop': if (state === 'training' || state === 'paused') setState('stopped'); break;
      case 'render': {
        const t = await current();
        const t0 = performance.now();
        const rgb = t.renderView(msg.camera);
        post({ type: 'rendered', id: msg.id, rgb, width: msg.camera.width, height: msg.camera.height, ms: performance.now() - t0 }, [rgb.buffer]);
        break;
      }
      case 'bake': {
        const t = await current();
        const t0 = performance.now();
        const baked = bakeField(t.field, Math.min(msg.size, t.field.density.resolution), msg.eye);
        const { near, far, background } = t.data;
        post({ type: 'baked', id: msg.id, baked, near, far, background, ms: performance.now() - t0 }, [baked.density.buffer, baked.rgb.buffer]);
        break;
      }
      case 'snapshot': {
        if (inStep) await inStep;
        const t = run ? await run.syncToCpu(true) : await current();
        const bytes = t.toSnapshot({ backend: run?.name ?? 'cpu' });
        post({ type: 'snapshot', id: msg.id, bytes }, [bytes.buffer]);
        break;
      }
    }
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
};

export {};
