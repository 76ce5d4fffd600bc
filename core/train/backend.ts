/**
 * What a training loop drives, whichever backend runs the steps: the CPU backend (the Trainer with its
 * WebAssembly/TypeScript kernels) or WebGPU (core/gpu/GpuTrainer.ts). Both keep a CPU Trainer with the
 * data, configuration, random stream, optimisers and evaluation; syncToCpu() brings it up to date (with
 * the grid optimiser's state for snapshots), after which renders, bakes and snapshots are backend-neutral.
 */
import type { Trainer, StepResult } from './Trainer';

export interface TrainBackend {
  /** 'cpu' or 'webgpu'. */
  readonly name: string;
  readonly trainer: Trainer;
  trainStep(): Promise<StepResult>;
  /** The CPU trainer with the current parameters (and optimiser moments when `optimizer`). */
  syncToCpu(optimizer?: boolean): Promise<Trainer>;
  /** Frees the backend's resources (device buffers); the trainer stays usable. */
  dispose(): void;
}

export class CpuBackend implements TrainBackend {
  readonly name = 'cpu';
  constructor(readonly trainer: Trainer) {}
  async trainStep(): Promise<StepResult> { return this.trainer.trainStep(); }
  async syncToCpu(): Promise<Trainer> { return this.trainer; }
  dispose(): void {}
}
