/**
 * Everything the UI needs from the platform, behind one interface: the Electron preload bridge
 * (ElectronHost) or a plain browser tab (BrowserHost). The UI never knows which one it has.
 */
import type { DatasetFS } from '../../datasets/fs';

export type MenuEvent = 'open-demo' | 'dataset' | 'open-snapshot' | 'save-snapshot' | 'export-video' | 'export-mesh' | 'shortcuts' |
  'new-from-photos' | 'new-from-video';

/** Where a "new scene from photos" run is: a COLMAP stage's fraction done, or one of its log lines. */
export type SceneProgress = { stage: 'photos' | 'features' | 'matching' | 'mapping'; fraction: number } | { line: string };

/** What the browser says instead of making a scene from photos (COLMAP runs on the computer, not in a tab). */
export const NEW_SCENE_IN_BROWSER = 'Making a scene from photos runs COLMAP on this computer, which a browser tab cannot do: use the ' +
  'desktop app (npm start), or run "npx mulfa process <photos-folder> --out <dataset>" and open the dataset it writes.';

export interface Host {
  readonly kind: 'electron' | 'browser';
  /** Lets the user pick a dataset folder; null when cancelled. */
  chooseDataset(): Promise<DatasetFS | null>;
  /** Menu commands from the desktop shell (no-op in a browser). */
  onMenu(cb: (event: MenuEvent, fs?: DatasetFS) => void): void;
  /**
   * A new dataset from a folder of photos or a video, through COLMAP (desktop app: its dialogs choose the input and
   * the new folder): the dataset, opened; null when a dialog was cancelled. The browser host throws NEW_SCENE_IN_BROWSER.
   */
  newScene(kind: 'photos' | 'video', progress: (p: SceneProgress) => void): Promise<DatasetFS | null>;
  /** Stops a running newScene (its promise rejects with "cancelled"). */
  cancelNewScene(): void;
  /** Offers bytes to the user as a file (a download in the browser, the save dialog of Electron's downloads). */
  saveFile(name: string, bytes: Uint8Array): void;
  /** Progress of a long task in the taskbar/dock (Electron); null clears it. The window title shows it everywhere. */
  setProgress(fraction: number | null): void;
  /** A system notification when a long run or export finishes (Electron; a browser tab only if already permitted). */
  notify(title: string, body: string): void;
}

/** Saves through a download link (both hosts: Electron shows its save dialog for downloads). */
export function downloadFile(name: string, bytes: Uint8Array): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
