/** Messages between the UI and the training worker (renderer/train/train.worker.ts). */
import type { TrainData } from '../../core/train/Trainer';
import type { GridKind } from '../../core/field/GridModel';
import type { Camera } from '../../core/scene/Camera';
import type { BakedField } from '../../core/render/bake';
import type { SessionProgress } from '../../core/train/TrainingSession';
import type { MeshData, PointCloud } from '../../core/mesh/extract';

export interface TrainSettings {
  model: GridKind;
  resolution: number;
  /** Seconds of training (Infinity: until stopped) and/or a step budget. */
  timeBudget: number;
  maxSteps: number;
  seed: number;
  /** 'cpu': WebAssembly kernels; 'webgpu': GpuTrainer (dense model so far). */
  backend: 'cpu' | 'webgpu';
}

export type ToWorker =
  | { type: 'start'; data: TrainData; settings: TrainSettings }
  /** Continue from a .mulfa snapshot on this data (paused; 'resume' trains on). */
  | { type: 'load'; bytes: Uint8Array; name: string; data: TrainData; backend?: 'cpu' | 'webgpu' }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  /** Render a camera with the current field (exact engine render); answered by 'rendered' with the same id. */
  | { type: 'render'; id: number; camera: Camera }
  /** The whole training state as a .mulfa snapshot; answered by 'snapshot'. */
  | { type: 'snapshot'; id: number }
  /** The field baked into 3D textures for the viewport (core/render/bake.ts); answered by 'baked'. */
  | { type: 'bake'; id: number; size: number; eye: number[] }
  /** Marching cubes of the field (core/mesh/extract.ts); 'exportProgress' while it runs, then 'mesh'. */
  | { type: 'mesh'; id: number; resolution: number; threshold: number }
  /** A point cloud of high-weight samples along training rays; 'exportProgress', then 'points'. */
  | { type: 'points'; id: number; rays: number; minWeight: number };

/** A training session's progress (core/train/TrainingSession.ts) and the kernel memory in use (bytes). */
export type Progress = SessionProgress & { memory: number };

export type FromWorker =
  | { type: 'ready'; backend: string; threads: number }
  | { type: 'progress'; progress: Progress }
  | { type: 'state'; state: 'training' | 'paused' | 'done' | 'stopped' }
  | { type: 'rendered'; id: number; rgb: Float32Array; width: number; height: number; ms: number }
  | { type: 'snapshot'; id: number; bytes: Uint8Array }
  | { type: 'baked'; id: number; baked: BakedField; near: number; far: number; background: [number, number, number]; ms: number }
  | { type: 'exportProgress'; id: number; fraction: number }
  | { type: 'mesh'; id: number; mesh: MeshData }
  | { type: 'points'; id: number; cloud: PointCloud }
  | { type: 'error'; message: string; id?: number };
