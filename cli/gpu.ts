/// <reference types="@webgpu/types" />
/**
 * WebGPU in Node: Dawn through the npm `webgpu` package (its binaries ship in the package). On a machine
 * with a GPU, Dawn finds the system's Vulkan (or Metal, D3D12) driver; without one, setting
 * VK_ICD_FILENAMES to a software Vulkan driver (Debian Chromium's SwiftShader,
 * /usr/lib/chromium/vk_swiftshader_icd.json) gives an adapter that `--backend webgpu` can use and `auto`
 * never picks. The package is loaded only when a command asks for WebGPU.
 */
import type { GridKind } from '../core/field/GridModel';
import { chooseBackend, openDevice, BACKEND_CHOICES, type BackendChoice } from '../core/gpu/adapter';
import { UsageError } from './args';

let gpuPromise: Promise<GPU | null> | null = null;

/** Node's WebGPU entry point (null when the package or its binary cannot load here, with the reason logged once). */
export function nodeGpu(log?: (s: string) => void): Promise<GPU | null> {
  gpuPromise ??= (async () => {
    try {
      const { create, globals } = await import('webgpu');
      Object.assign(globalThis, globals); // GPUBufferUsage, GPUMapMode, … as in a browser
      return create([]);
    } catch (e) {
      log?.(`WebGPU for Node could not load (${(e as Error).message.split('\n')[0]})`);
      return null;
    }
  })();
  return gpuPromise;
}

/** Checks a --backend value. */
export function backendFlag(value: string | undefined): string {
  const v = value ?? 'auto';
  if (!(BACKEND_CHOICES as readonly string[]).includes(v)) throw new UsageError(`--backend must be one of ${BACKEND_CHOICES.join(', ')}, got "${value}"`);
  return v;
}

/** Resolves --backend for a model; `auto` says in one line why it took the CPU. */
export async function resolveBackend(selected: string, model: GridKind, log: (s: string) => void): Promise<BackendChoice> {
  const choice = await chooseBackend(selected, model, selected === 'cpu' ? null : await nodeGpu(log), 'Node');
  if (selected === 'auto') log(choice.note);
  return choice;
}

/** A device for --backend webgpu, or a UsageError that says what to do (exit 2). */
export async function nodeDevice(onLost: (message: string) => void): Promise<{ device: GPUDevice; adapter: string }> {
  const gpu = await nodeGpu();
  if (!gpu) throw new UsageError('WebGPU is not available in this Node (the webgpu package did not load): use --backend cpu');
  try {
    return await openDevice(gpu, onLost);
  } catch (e) {
    throw new UsageError(`${(e as Error).message}${process.env.VK_ICD_FILENAMES ? '' : ' (no GPU driver found; a software Vulkan driver can be named with VK_ICD_FILENAMES)'}`);
  }
}
