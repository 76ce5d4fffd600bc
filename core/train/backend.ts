/**
 * What a training loop drives, whichever backend runs the steps: the CPU backend (the Trainer with its
 * WebAssembly/TypeScript kernels) or WebGPU (core/gpu/GpuTrainer.ts). Both keep a CPU Trainer with the
 * data, configuration, random stream, optimisers and evaluation; syncToCpu() brings it up to date (with
 * the grid optimiser's state for snapshots), after which renders, bakes and snapshots are backend-neutral.
 */
import { type Trainer, type StepResult, type TrainView, viewRgb } from './Trainer';
import type { Camera } from '../scene/Camera';
import { psnr, ssim } from '../metrics';

export interface TrainBackend {
  /** 'cpu' or 'webgpu'. */
  readonly name: string;
  readonly trainer: Trainer;
  trainStep(): Promise<StepResult>;
  /** Renders a whole camera with the current parameters (pixel centres, no jitter): rgb [h · w · 3]. */
  renderView(cam: Camera): Promise<Float32Array>;
  /** The CPU trainer with the current parameters (and optimiser moments when `optimizer`). */
  syncToCpu(optimizer?: boolean): Promise<Trainer>;
  /** Frees the backend's resources (device buffers); the trainer stays usable. */
  dispose(): void;
}

export class CpuBackend implements TrainBackend {
  readonly name = 'cpu';
  constructor(readonly trainer: Trainer) {}
  async trainStep(): Promise<StepResult> { return this.trainer.trainStep(); }
  async renderView(cam: Camera): Promise<Float32Array> { return this.trainer.renderView(cam); }
  async syncToCpu(): Promise<Trainer> { return this.trainer; }
  dispose(): void {}
}

/** PSNR and SSIM of each view rendered by the backend, and their means. */
export async function evaluateViews(backend: TrainBackend, views: TrainView[]): Promise<{ psnr: number; ssim: number; perView: { psnr: number; ssim: number }[] }> {
  const perView: { psnr: number; ssim: number }[] = [];
  for (const v of views) {
    const rgb = await backend.renderView(v.camera);
    const ref = viewRgb(v);
    perView.push({ psnr: psnr(rgb, ref), ssim: ssim(rgb, ref, v.camera.width, v.camera.height) });
  }
  const mean = (k: 'psnr' | 'ssim') => perView.reduce((a, v) => a + v[k], 0) / Math.max(1, perView.length);
  return { psnr: mean('psnr'), ssim: mean('ssim'), perView };
}
