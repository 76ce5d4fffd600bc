/**
 * Training off the UI thread: the engine's fused WebAssembly kernels (threads when the page is
 * cross-origin isolated, else one) or WebGPU, and core's TrainingSession run in slices of ~100 ms so pause,
 * stop, render and snapshot requests are answered between slices. Progress is posted after each slice.
 */
import { WasmOps } from '../../core/wasm/WasmOps';
import { WORKER_SOURCE, WEB_WORKER_MAIN, type SpawnWorker } from '../../core/wasm/Threads';
import { Trainer } from '../../core/train/Trainer';
import { FIT_DECAY_TO_BUDGET, TrainingSession, trainConfigFor, exposureViewsFor, type SliceEnd } from '../../core/train/TrainingSession';
import type { FromWorker, ToWorker, Progress } from './protocol';
import { extractMesh, extractPoints } from '../../core/mesh/extract';
import { bakeField } from '../../core/render/bake';
import { decodeSnapshot } from '../../core/io/snapshot';
import { GpuTrainer } from '../../core/gpu/GpuTrainer';
import { openDevice } from '../../core/gpu/adapter';
import { CpuBackend, type TrainBackend } from '../../core/train/backend';

const post = (m: FromWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

const spawn: SpawnWorker = (source, onMessage) => {
  const url = URL.createObjectURL(new Blob([source + WEB_WORKER_MAIN], { type: 'text/javascript' }));
  const w = new Worker(url);
  w.onmessage = (e) => onMessage(e.data);
  return { postMessage: (m) => w.postMessage(m), terminate: () => w.terminate() };
};

let ops: Promise<WasmOps> | null = null;
function getOps(): Promise<WasmOps> {
  ops ??= WasmOps.create({
    threads: (self as unknown as { crossOriginIsolated?: boolean }).crossOriginIsolated ? Math.min(8, navigator.hardwareConcurrency || 1) : 1,
    spawn,
  });
  return ops;
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
  const d = (await openDevice(navigator.gpu, (message) => {
    device = null;
    if (run?.name === 'webgpu') run = null; // the CPU trainer keeps the last synced parameters
    post({ type: 'error', message: `the GPU failed (${message}); training stopped at step ${trainer?.step ?? 0} — save a snapshot to keep it` });
    if (state === 'training' || state === 'paused') setState('stopped');
  })).device;
  device = d;
  void d.lost.then(() => { if (device === d) device = null; });
  return d;
}

let state: 'idle' | 'training' | 'paused' | 'done' | 'stopped' = 'idle';
/** The loop's policy (budgets, slices, ETA, smoothed PSNR) is core's TrainingSession, as in the CLI. */
let session: TrainingSession | null = null;

function setState(s: typeof state): void {
  state = s;
  if (s !== 'idle') post({ type: 'state', state: s });
}

/** Trains in ~100 ms slices while the state is 'training', posting progress after each. */
async function loop(): Promise<void> {
  while (trainer && session && state === 'training') {
    const s = session;
    let end: SliceEnd;
    try {
      const slice = s.runSlice(100);
      inStep = slice.catch(() => null);
      end = await slice;
      inStep = null;
    } catch (err) {
      inStep = null;
      post({ type: 'error', message: `training stopped at step ${trainer.step}: ${err instanceof Error ? err.message : String(err)}` });
      setState('stopped');
      break;
    }
    const p = s.progress();
    const progress: Progress = { ...p, memory: s.backend.name === 'webgpu' ? 0 : (await getOps()).arena.inUse };
    post({ type: 'progress', progress });
    if (end === 'budget') { setState('done'); break; }
    await new Promise((r) => setTimeout(r, 0)); // let queued messages (pause, stop, render) in
  }
}

/** Frees the running backend and its trainer (before a new start or load). */
function disposeRun(): void {
  run?.dispose();
  trainer?.dispose();
  run = null; trainer = null; session = null;
}

/** A new session for the backend now running (the budgets of the user's settings; none when loaded); tells the UI. */
async function startSession(backend: TrainBackend, k: WasmOps, timeBudget: number, maxSteps: number): Promise<void> {
  run = backend;
  trainer = backend.trainer;
  session = new TrainingSession(backend, { timeBudgetSec: timeBudget > 0 ? timeBudget : Infinity, maxSteps: maxSteps > 0 ? maxSteps : Infinity,
    clock: () => performance.now(), fitDecayToBudget: FIT_DECAY_TO_BUDGET });
  if (backend instanceof GpuTrainer) { // where the decoder's GEMMs run (TF.js on the device; the WGSL layers, saying why, where it cannot start)
    await backend.ready();
    const where = backend.decoderNote || `decoder GEMMs on ${backend.decoderGemms === 'tfjs' ? 'TF.js' : 'WGSL'}`;
    post({ type: 'ready', backend: `webgpu (${trainer.config.field.model}; ${where})`, threads: 1 });
  } else post({ type: 'ready', backend: `${k.name} (${k.variant})`, threads: k.threads });
}

self.onmessage = async (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  try {
    switch (msg.type) {
      case 'start': {
        const k = await getOps();
        disposeRun();
        const s = msg.settings;
        const config = trainConfigFor({ model: s.model, resolution: s.resolution, seed: s.seed, maxSteps: s.maxSteps, space: msg.data.space?.kind,
          exposureViews: exposureViewsFor(msg.data) });
        const backend = s.backend === 'webgpu' ? GpuTrainer.create(await gpuDevice(), config, msg.data, k) : new CpuBackend(new Trainer(config, msg.data, k));
        await startSession(backend, k, s.timeBudget, s.maxSteps);
        setState('training');
        void loop();
        break;
      }
      case 'load': {
        const k = await getOps();
        disposeRun();
        const loaded = Trainer.fromSnapshot(decodeSnapshot(msg.bytes, msg.name), msg.name, msg.data, k);
        await startSession(msg.backend === 'webgpu' ? GpuTrainer.resume(await gpuDevice(), loaded) : new CpuBackend(loaded), k, 0, 0);
        setState('paused');
        break;
      }
      case 'pause': if (state === 'training') setState('paused'); break;
      case 'resume': if (state === 'paused') { setState('training'); void loop(); } break;
      case 'stop': if (state === 'training' || state === 'paused') { session?.requestStop(); setState('stopped'); } break;
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
      case 'mesh': case 'points': {
        const t = await current();
        let last = -1;
        const onProgress = (f: number) => {
          const pct = Math.floor(f * 100);
          if (pct !== last) { last = pct; post({ type: 'exportProgress', id: msg.id, fraction: f }); }
        };
        const cams = t.data.views.map((v) => v.camera);
        if (msg.type === 'mesh') {
          const mesh = extractMesh(t.field, { resolution: msg.resolution, threshold: msg.threshold, onProgress,
            viewpoints: cams.map((c) => [c.c2w[12], c.c2w[13], c.c2w[14]]) });
          post({ type: 'mesh', id: msg.id, mesh }, [mesh.positions.buffer, mesh.normals.buffer, mesh.colors.buffer, mesh.indices.buffer]);
        } else {
          const cloud = extractPoints(t.field, cams, t.data, { rays: msg.rays, minWeight: msg.minWeight, onProgress });
          post({ type: 'points', id: msg.id, cloud }, [cloud.positions.buffer, cloud.colors.buffer]);
        }
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
    post({ type: 'error', message: err instanceof Error ? err.message : String(err), ...('id' in msg ? { id: msg.id } : {}) });
  }
};

export {};
