/**
 * Everything the UI needs from the platform, behind one interface: the Electron preload bridge
 * (ElectronHost) or a plain browser tab (BrowserHost). The UI never knows which one it has.
 */
import type { DatasetFS } from '../../datasets/fs';

export type MenuEvent = 'open-demo' | 'dataset' | 'open-snapshot' | 'save-snapshot' | 'export-video' | 'export-mesh' | 'shortcuts';

export interface Host {
  readonly kind: 'electron' | 'browser';
  /** Lets the user pick a dataset folder; null when cancelled. */
  chooseDataset(): Promise<DatasetFS | null>;
  /** Menu commands from the desktop shell (no-op in a browser). */
  onMenu(cb: (event: MenuEvent, fs?: DatasetFS) => void): void;
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
