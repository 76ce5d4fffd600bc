/// <reference types="@webgpu/types" />
/**
 * WebGPU in Node: Dawn through the npm `webgpu` package (its binaries ship in the package). On a machine
 * with a GPU, Dawn finds the system's Vulkan (or Metal, D3D12) driver; without one, setting
 * VK_ICD_FILENAMES to a software Vulkan driver (Debian Chromium's SwiftShader,
 * /usr/lib/chromium/vk_swiftshader_icd.json) gives an adapter that `--backend webgpu` can use and `auto`
 * never picks. The package is loaded only when a command asks for WebGPU.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chooseBackend, openDevice, BACKEND_CHOICES, type BackendChoice } from '../core/gpu/adapter';
import { UsageError } from './args';
import type { Trainer } from '../core/train/Trainer';
import { CpuBackend, type TrainBackend } from '../core/train/backend';
import { GpuTrainer } from '../core/gpu/GpuTrainer';

let gpuPromise: Promise<GPU | null> | null = null;

/** Node's WebGPU entry point (null when the package or its binary cannot load here, with the reason logged once). */
export function nodeGpu(log?: (s: string) => void): Promise<GPU | null> {
  gpuPromise ??= (async () => {
    try {
      // Vulkan's window-system probing complains on headless machines without a runtime folder
      if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = mkdtempSync(path.join(os.tmpdir(), 'mulfa-xdg-'));
      const { create, globals } = await import('webgpu');
      Object.assign(globalThis, globals); // GPUBufferUsage, GPUMapMode, … as in a browser
      const gpu = create([]);
      // a WebGPU host's navigator.gpu, which TF.js's WebGPU backend looks for (Node ≥ 21 has a navigator of its own)
      const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator ?? {};
      if (!nav.gpu) Object.defineProperty(globalThis, 'navigator', { value: Object.assign(Object.create(nav), { gpu }), configurable: true, writable: true });
      return gpu;
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

/**
 * Whether this machine may have a GPU driver for Dawn. On Linux without a GPU device node (DRM render
 * node, NVIDIA, WSL's dxg) and no Vulkan driver named in the environment there is none: `auto` then skips
 * loading Dawn (which would only print the Vulkan loader's complaints about software drivers).
 */
function mayHaveGpu(): boolean {
  if (process.platform !== 'linux' || process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES) return true;
  const any = (dir: string, re: RegExp) => { try { return readdirSync(dir).some((f) => re.test(f)); } catch { return false; } };
  return any('/dev/dri', /^renderD\d+$/) || any('/dev', /^(nvidia\d+|dxg)$/);
}

/** Resolves --backend; `auto` says in one line why it took the CPU. */
export async function resolveBackend(selected: string, log: (s: string) => void): Promise<BackendChoice> {
  if (selected === 'auto' && !mayHaveGpu()) {
    const note = 'auto → CPU: no GPU on this machine (no /dev/dri render node or /dev/nvidia*)';
    log(note);
    return { backend: 'cpu', note };
  }
  const choice = await chooseBackend(selected, selected === 'cpu' ? null : await nodeGpu(log), 'Node');
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

/**
 * The backend the user chose (--backend; auto: a hardware GPU, else the CPU, saying why) over `trainer`.
 * A configuration the device cannot hold, or no adapter, is a usage error (exit 2). `onLost` hears a
 * device loss (or an uncaught GPU error) later on.
 */
export async function openBackend(selected: string, trainer: Trainer, log: (s: string) => void, onLost: (message: string) => void = (m) => log(`GPU: ${m}`)): Promise<TrainBackend> {
  const choice = await resolveBackend(selected, log);
  if (choice.backend === 'cpu') return new CpuBackend(trainer);
  const { device, adapter } = await nodeDevice(onLost);
  try {
    const b = GpuTrainer.resume(device, trainer);
    await b.ready();
    log(`on WebGPU (${adapter}); ${b.decoderNote || `the decoder's GEMMs on ${b.decoderGemms === 'tfjs' ? 'TF.js' : 'the engine\'s WGSL'}`}`);
    return b;
  } catch (e) {
    device.destroy();
    throw new UsageError((e as Error).message);
  }
}
