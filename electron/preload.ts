/**
 * The typed bridge the renderer sees as `window.mulfa` (renderer/host/ElectronHost.ts). Only these calls
 * exist; the main process validates every argument.
 */
import { contextBridge, ipcRenderer } from 'electron';

type Result<T> = { ok: true; value: T } | { ok: false; error: string };

const MENU_EVENTS = ['open-demo', 'open-snapshot', 'save-snapshot', 'export-video', 'export-mesh', 'shortcuts', 'new-from-photos', 'new-from-video'] as const;
type MenuEvent = (typeof MENU_EVENTS)[number];

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
  onMenu: (cb: (event: MenuEvent | 'dataset-opened', payload?: unknown) => void) => {
    for (const event of MENU_EVENTS) ipcRenderer.on(`menu:${event}`, () => cb(event));
    ipcRenderer.on('menu:dataset-opened', (_e, p) => cb('dataset-opened', p));
  },
  /** "New Scene from Photos/Video…": main's dialogs, then COLMAP; the new dataset granted (null: a dialog was cancelled). */
  newScene: (kind: 'photos' | 'video') => call<{ token: string; name: string } | null>('process:start', kind),
  cancelNewScene: () => call<boolean>('process:cancel'),
  onNewSceneProgress: (cb: (p: unknown) => void) => { ipcRenderer.on('process:progress', (_e, p) => cb(p)); },
  /** Taskbar/dock progress in [0, 1]; −1 clears it. */
  setProgress: (fraction: number) => call<void>('app:progress', fraction),
  notify: (title: string, body: string) => call<void>('app:notify', title, body),
};

export type MulfaBridge = typeof bridge;

contextBridge.exposeInMainWorld('mulfa', bridge);
