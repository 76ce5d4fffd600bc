/** Host for a browser tab: a folder <input> or a dropped folder; files are read lazily, only the parts needed. */
import { MemoryFS, type DatasetFS } from '../../datasets/fs';
import { InputError } from '../../core/errors';
import { type Host, downloadFile, NEW_SCENE_IN_BROWSER } from './Host';

export class BrowserHost implements Host {
  readonly kind = 'browser' as const;

  constructor(private readonly folderInput: HTMLInputElement) {}

  chooseDataset(): Promise<DatasetFS | null> {
    const input = this.folderInput;
    return new Promise((resolve) => {
      input.value = '';
      input.onchange = async () => resolve(input.files && input.files.length > 0 ? await filesToFS(input.files) : null);
      input.oncancel = () => resolve(null);
      input.click();
    });
  }

  onMenu(): void {}

  newScene(): Promise<DatasetFS | null> {
    return Promise.reject(new InputError('', '', NEW_SCENE_IN_BROWSER));
  }

  cancelNewScene(): void {}

  saveFile(name: string, bytes: Uint8Array): void {
    downloadFile(name, bytes);
  }

  setProgress(): void {}

  notify(title: string, body: string): void {
    // never asks for permission (that would be a prompt out of nowhere); the app shows its own toast as well
    if (typeof Notification !== 'undefined' && Notification.permission === 'granted' && document.hidden) new Notification(title, { body });
  }
}

/** Files from a folder <input> (webkitRelativePath "folder/sub/file") as a DatasetFS rooted at "folder". */
export async function filesToFS(files: FileList | File[]): Promise<DatasetFS> {
  const list = Array.from(files);
  const root = (list[0] as File & { webkitRelativePath?: string }).webkitRelativePath?.split('/')[0] ?? 'dataset';
  const fs = new MemoryFS(root);
  for (const f of list) {
    const rel = ((f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name).split('/').slice(1).join('/') || f.name;
    fs.write(rel, f);
  }
  return fs;
}

/** A dropped folder (File and Directory Entries API) as a DatasetFS rooted at it. */
export async function entryToFS(dir: FileSystemDirectoryEntry): Promise<DatasetFS> {
  const fs = new MemoryFS(dir.name);
  const readAll = (d: FileSystemDirectoryEntry) => new Promise<FileSystemEntry[]>((resolve, reject) => {
    const reader = d.createReader(), out: FileSystemEntry[] = [];
    const next = () => reader.readEntries((batch) => { if (batch.length === 0) resolve(out); else { out.push(...batch); next(); } }, reject);
    next();
  });
  const walk = async (d: FileSystemDirectoryEntry, prefix: string): Promise<void> => {
    for (const e of await readAll(d)) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory) await walk(e as FileSystemDirectoryEntry, rel);
      else {
        fs.write(rel, await new Promise<File>((resolve, reject) => (e as FileSystemFileEntry).file(resolve, reject)));
      }
    }
  };
  await walk(dir, '');
  return fs;
}
