/// <reference types="@webgpu/types" />
/**
 * Choosing and opening a WebGPU device, the same for every host: the app's worker (the browser's
 * navigator.gpu) and the CLI (Dawn through the npm `webgpu` package, cli/gpu.ts). "auto" takes WebGPU only
 * on a hardware adapter and when the model runs there; otherwise the CPU, with one line saying why. A
 * software adapter (SwiftShader, llvmpipe) is never picked by auto: the WebAssembly kernels are far
 * faster than a CPU emulating a GPU. Choosing `webgpu` explicitly takes whatever adapter there is. Every
 * model trains on both (MulFA kernels on WebGPU need H = 16, M ≤ 4, L ≤ 8: GpuTrainer.check).
 */

export type BackendName = 'cpu' | 'webgpu';
export type BackendChoice = { backend: BackendName; note: string };
export const BACKEND_CHOICES = ['auto', 'cpu', 'webgpu'] as const;

export interface AdapterInfoLike { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean }

export function isSoftwareAdapter(info: AdapterInfoLike, fallback = false): boolean {
  return fallback || info.isFallbackAdapter === true ||
    /swiftshader|llvmpipe|lavapipe|software|microsoft basic render/i.test(`${info.vendor ?? ''} ${info.architecture ?? ''} ${info.device ?? ''} ${info.description ?? ''}`);
}

/** The adapter's name for messages ("nvidia hopper", "google swiftshader"). */
export function adapterName(adapter: GPUAdapter): string {
  const info = adapterInfo(adapter);
  return [info.vendor, info.architecture].filter(Boolean).join(' ') || info.description || 'unknown GPU';
}

function adapterInfo(adapter: GPUAdapter): AdapterInfoLike {
  return (adapter as GPUAdapter & { info?: AdapterInfoLike }).info ?? {};
}

/** The high-performance adapter of `gpu` (null: none, or the request failed). */
export async function requestAdapter(gpu: GPU | undefined | null): Promise<GPUAdapter | null> {
  if (!gpu) return null;
  return gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
}

/**
 * Resolves a selection ('auto' | 'cpu' | 'webgpu'). `gpu` is the host's WebGPU entry point
 * (undefined: none; `where` names the host in the reason).
 */
export async function chooseBackend(selected: string, gpu: GPU | undefined | null, where = 'this browser'): Promise<BackendChoice> {
  if (selected === 'cpu') return { backend: 'cpu', note: 'CPU (chosen)' };
  if (selected === 'webgpu') return { backend: 'webgpu', note: 'WebGPU (chosen)' };
  if (!gpu) return { backend: 'cpu', note: `auto → CPU: ${where} offers no WebGPU` };
  const adapter = await requestAdapter(gpu);
  if (!adapter) return { backend: 'cpu', note: 'auto → CPU: no WebGPU adapter' };
  const name = adapterName(adapter);
  if (isSoftwareAdapter(adapterInfo(adapter), (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter === true)) {
    return { backend: 'cpu', note: `auto → CPU: the only WebGPU adapter is a software renderer (${name})` };
  }
  return { backend: 'webgpu', note: `auto → WebGPU (${name})` };
}

/**
 * A device with the adapter's largest buffers (grids beyond the 128 MiB default). `onLost` hears a loss
 * that was not asked for (not destroy()) and the first uncaught GPU error (a validation or out-of-memory
 * error no one scoped: the results can no longer be trusted). Throws a message the user can act on when
 * there is no adapter.
 */
export async function openDevice(gpu: GPU | undefined | null, onLost?: (message: string) => void): Promise<{ device: GPUDevice; adapter: string }> {
  const adapter = await requestAdapter(gpu);
  if (!adapter) throw new Error('no WebGPU adapter is available here: use the CPU backend (--backend cpu)');
  const device = await adapter.requestDevice({ requiredLimits: { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxBufferSize: adapter.limits.maxBufferSize } });
  void device.lost.then((info) => { if (info.reason !== 'destroyed') onLost?.(`device lost: ${info.message || String(info.reason)}`); });
  let failed = false;
  device.onuncapturederror = (e: GPUUncapturedErrorEvent) => {
    if (!failed) onLost?.(`GPU error: ${e.error.message.split('\n')[0]}`);
    failed = true;
  };
  return { device, adapter: adapterName(adapter) };
}
