/** DatasetFS over a folder on disk (CLI, Electron main). Symlinks that lead outside the folder are refused. */
import { promises as fsp } from 'node:fs';
import * as nodePath from 'node:path';
import { InputError } from '../../core/errors';
import { type DatasetFS, type DirEntry, confinePath } from '../fs';

export class NodeFS implements DatasetFS {
  readonly label: string;
  private readonly root: string;
  private realRoot: string | null = null;

  constructor(root: string) {
    this.root = nodePath.resolve(root);
    this.label = root;
  }

  private async resolve(path: string): Promise<string> {
    const rel = confinePath(path);
    const abs = nodePath.join(this.root, ...rel.split('/').filter(Boolean));
    this.realRoot ??= await fsp.realpath(this.root).catch(() => this.root);
    const real = await fsp.realpath(abs).catch(() => null);
    if (real && real !== this.realRoot && !real.startsWith(this.realRoot + nodePath.sep)) {
      throw new InputError(rel, '', 'is a link that leads outside the dataset folder');
    }
    return abs;
  }

  async readFile(path: string): Promise<Uint8Array> {
    const abs = await this.resolve(path);
    try {
      const buf = await fsp.readFile(abs);
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (e) {
      throw new InputError(confinePath(path), '', describeFsError(e));
    }
  }

  async stat(path: string): Promise<'file' | 'dir' | null> {
    try {
      const s = await fsp.stat(await this.resolve(path));
      return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : null;
    } catch (e) {
      if (e instanceof InputError) throw e;
      return null;
    }
  }

  async list(path: string): Promise<DirEntry[]> {
    const abs = await this.resolve(path);
    try {
      const entries = await fsp.readdir(abs, { withFileTypes: true });
      const out: DirEntry[] = [];
      for (const e of entries) {
        let isDirectory = e.isDirectory();
        if (e.isSymbolicLink()) isDirectory = (await fsp.stat(nodePath.join(abs, e.name)).catch(() => null))?.isDirectory() ?? false;
        out.push({ name: e.name, isDirectory });
      }
      return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch (e) {
      throw new InputError(confinePath(path) || '.', '', describeFsError(e));
    }
  }
}

function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EISDIR') return 'is a folder, expected a file';
  if (code === 'ENOTDIR') return 'is a file, expected a folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return e instanceof Error ? e.message : String(e);
}
