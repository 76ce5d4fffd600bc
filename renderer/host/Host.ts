/**
 * Everything the UI needs from the platform, behind one interface: the Electron preload bridge
 * (ElectronHost) or a plain browser tab (BrowserHost). The UI never knows which one it has.
 */
import type { DatasetFS } from '../../datasets/fs';

export type MenuEvent = 'open-demo' | 'dataset' | 'open-snapshot' | 'save-snapshot' | 'export-video';

export interface Host {
  readonly kind: 'electron' | 'browser';
  /** Lets the user pick a dataset folder; null when cancelled. */
  chooseDataset(): Promise<DatasetFS | null>;
  /** Menu commands from the desktop shell (no-op in a browser). */
  onMenu(cb: (event: MenuEvent, fs?: DatasetFS) => void): void;
  /** Offers bytes to the user as a file (a download in the browser, the save dialog of Electron's downloads). */
  saveFile(name: string, bytes: Uint8Array): void;
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
