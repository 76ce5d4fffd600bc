/**
 * The typed bridge the renderer sees as `window.mulfa` (renderer/host/ElectronHost.ts). Only these calls
 * exist; the main process validates every argument.
 */
import { contextBridge, ipcRenderer } from 'electron';

type Result<T> = { ok: true; value: T } | { ok: false; error: string };

async function call<T>(channel: string, ...args: unknown[]): Promise<Result<T>> {
  return ipcRenderer.invoke(channel, ...args) as Promise<Result<T>>;
}

const bridge = {
  chooseDataset: () => call<{ token: string; name: string } | null>('dataset:choose'),
  readFile: (token: string, path: string, maxBytes?: number) => call<Uint8Array>('dataset:readFile', token, path, maxBytes),
  readEnds: (token: string, path: string, headBytes: number, tailBytes: number) =>
    call<{ head: Uint8Array; tail: Uint8Array; size: number }>('dataset:readEnds', token, path, headBytes, tailBytes),
  stat: (token: string, path: string) => call<'file' | 'dir' | null>('dataset:stat', token, path),
  list: (token: string, path: string) => call<{ name: string; isDirectory: boolean }[]>('dataset:list', token, path),
  onMenu: (cb: (event: 'open-demo' | 'dataset-opened' | 'open-snapshot' | 'save-snapshot' | 'export-video', payload?: unknown) => void) => {
    ipcRenderer.on('menu:open-demo', () => cb('open-demo'));
    ipcRenderer.on('menu:dataset-opened', (_e, p) => cb('dataset-opened', p));
    ipcRenderer.on('menu:open-snapshot', () => cb('open-snapshot'));
    ipcRenderer.on('menu:save-snapshot', () => cb('save-snapshot'));
    ipcRenderer.on('menu:export-video', () => cb('export-video'));
  },
};

export type MulfaBridge = typeof bridge;

contextBridge.exposeInMainWorld('mulfa', bridge);
