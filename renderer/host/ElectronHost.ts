/** Host over the preload bridge (electron/preload.ts): files stay in the main process, read on demand. */
import { InputError } from '../../core/errors';
import type { DatasetFS, DirEntry, FileEnds } from '../../datasets/fs';
import { type Host, type MenuEvent, type SceneProgress, downloadFile } from './Host';

type Result<T> = { ok: true; value: T } | { ok: false; error: string };
interface Bridge {
  chooseDataset(): Promise<Result<{ token: string; name: string } | null>>;
  readFile(token: string, path: string, maxBytes?: number): Promise<Result<Uint8Array>>;
  readEnds(token: string, path: string, headBytes: number, tailBytes: number): Promise<Result<FileEnds>>;
  stat(token: string, path: string): Promise<Result<'file' | 'dir' | null>>;
  list(token: string, path: string): Promise<Result<DirEntry[]>>;
  onMenu(cb: (event: MenuEvent | 'dataset-opened', payload?: unknown) => void): void;
  setProgress(fraction: number): Promise<Result<void>>;
  newScene(kind: 'photos' | 'video'): Promise<Result<{ token: string; name: string } | null>>;
  cancelNewScene(): Promise<Result<boolean>>;
  onNewSceneProgress(cb: (p: unknown) => void): void;
  notify(title: string, body: string): Promise<Result<void>>;
}

function unwrap<T>(r: Result<T>): T {
  if (!r.ok) {
    // main formats InputErrors as "file, field: problem"; keep the text as the problem
    throw new InputError('', '', r.error);
  }
  return r.value;
}

class BridgeFS implements DatasetFS {
  constructor(private readonly bridge: Bridge, private readonly token: string, readonly label: string) {}
  async readFile(path: string, maxBytes?: number) { return unwrap(await this.bridge.readFile(this.token, path, maxBytes)); }
  async readEnds(path: string, headBytes: number, tailBytes: number) { return unwrap(await this.bridge.readEnds(this.token, path, headBytes, tailBytes)); }
  async stat(path: string) { return unwrap(await this.bridge.stat(this.token, path)); }
  async list(path: string) { return unwrap(await this.bridge.list(this.token, path)); }
}

export class ElectronHost implements Host {
  readonly kind = 'electron' as const;
  private sceneProgress: ((p: SceneProgress) => void) | null = null;

  constructor(private readonly bridge: Bridge) {
    this.bridge.onNewSceneProgress((p) => { if (this.sceneProgress && isSceneProgress(p)) this.sceneProgress(p); });
  }

  static available(): boolean {
    return typeof window !== 'undefined' && 'mulfa' in window;
  }

  static fromWindow(): ElectronHost {
    return new ElectronHost((window as unknown as { mulfa: Bridge }).mulfa);
  }

  async chooseDataset(): Promise<DatasetFS | null> {
    const granted = unwrap(await this.bridge.chooseDataset());
    return granted ? new BridgeFS(this.bridge, granted.token, granted.name) : null;
  }

  onMenu(cb: (event: MenuEvent, fs?: DatasetFS) => void): void {
    this.bridge.onMenu((event, payload) => {
      if (event !== 'dataset-opened') cb(event);
      else {
        const g = payload as { token: string; name: string };
        cb('dataset', new BridgeFS(this.bridge, g.token, g.name));
      }
    });
  }

  async newScene(kind: 'photos' | 'video', progress: (p: SceneProgress) => void): Promise<DatasetFS | null> {
    this.sceneProgress = progress;
    try {
      const granted = unwrap(await this.bridge.newScene(kind));
      return granted ? new BridgeFS(this.bridge, granted.token, granted.name) : null;
    } finally {
      this.sceneProgress = null;
    }
  }

  cancelNewScene(): void {
    void this.bridge.cancelNewScene();
  }

  saveFile(name: string, bytes: Uint8Array): void {
    downloadFile(name, bytes);
  }

  setProgress(fraction: number | null): void {
    void this.bridge.setProgress(fraction === null ? -1 : Math.min(1, Math.max(0, fraction)));
  }

  notify(title: string, body: string): void {
    void this.bridge.notify(title, body);
  }
}

function isSceneProgress(p: unknown): p is SceneProgress {
  const o = p as Record<string, unknown> | null;
  return !!o && (typeof o.line === 'string' || (typeof o.stage === 'string' && typeof o.fraction === 'number'));
}
