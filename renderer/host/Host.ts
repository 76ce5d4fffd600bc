/**
 * Everything the UI needs from the platform, behind one interface: the Electron preload bridge
 * (ElectronHost) or a plain browser tab (BrowserHost). The UI never knows which one it has.
 */
import type { DatasetFS } from '../../datasets/fs';

export interface Host {
  readonly kind: 'electron' | 'browser';
  /** Lets the user pick a dataset folder; null when cancelled. */
  chooseDataset(): Promise<DatasetFS | null>;
  /** Menu commands from the desktop shell (no-op in a browser). */
  onMenu(cb: (event: 'open-demo' | 'dataset', fs?: DatasetFS) => void): void;
}
