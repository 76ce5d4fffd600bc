/**
 * The Backend selector's "Auto": WebGPU when the browser offers a hardware GPU adapter and the model runs on
 * it, the CPU otherwise, with one line saying why. A software adapter (SwiftShader, llvmpipe) is never picked:
 * the WebAssembly kernels are far faster than a CPU emulating a GPU.
 */
import type { GridKind } from '../../core/field/GridModel';

export type BackendChoice = { backend: 'cpu' | 'webgpu'; note: string };

interface AdapterInfoLike { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean }

export function isSoftwareAdapter(info: AdapterInfoLike, fallback = false): boolean {
  return fallback || info.isFallbackAdapter === true ||
    /swiftshader|llvmpipe|lavapipe|software|microsoft basic render/i.test(`${info.vendor ?? ''} ${info.architecture ?? ''} ${info.device ?? ''} ${info.description ?? ''}`);
}

export async function chooseBackend(selected: string, model: GridKind): Promise<BackendChoice> {
  if (selected === 'cpu') return { backend: 'cpu', note: 'CPU (chosen)' };
  if (selected === 'webgpu') return { backend: 'webgpu', note: 'WebGPU (chosen)' };
  if (model === 'fouriergrid') return { backend: 'cpu', note: 'auto → CPU: FourierGrid runs on the CPU only' };
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return { backend: 'cpu', note: 'auto → CPU: this browser offers no WebGPU' };
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
  if (!adapter) return { backend: 'cpu', note: 'auto → CPU: no WebGPU adapter' };
  const info = (adapter as GPUAdapter & { info?: AdapterInfoLike }).info ?? {};
  const name = [info.vendor, info.architecture].filter(Boolean).join(' ') || 'unknown GPU';
  if (isSoftwareAdapter(info, (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter === true)) {
    return { backend: 'cpu', note: `auto → CPU: the only WebGPU adapter is a software renderer (${name})` };
  }
  return { backend: 'webgpu', note: `auto → WebGPU (${name})` };
}
