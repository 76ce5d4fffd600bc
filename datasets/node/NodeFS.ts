/**
 * DatasetFS over a folder on disk (CLI, Electron main). Symlinks that lead outside the folder are refused
 * (and listed as neither file nor folder, without saying where they point); only regular files are read,
 * opened without blocking (a FIFO named like an image must not hang the loader) and checked for size before
 * a byte is read.
 */
import { constants, promises as fsp } from 'node:fs';
import * as nodePath from 'node:path';
import { InputError } from '../../core/errors';
import { type DatasetFS, type DirEntry, type FileEnds, FILE_LIMITS, checkFileSize, confinePath } from '../fs';

// O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting (0 where the platform has none)
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

export class NodeFS implements DatasetFS {
  readonly label: string;
  private readonly root: string;
  private realRoot: string | null = null;

  constructor(root: string) {
    this.root = nodePath.resolve(root);
    this.label = root;
  }

  private async rootReal(): Promise<string> {
    return (this.realRoot ??= await fsp.realpath(this.root).catch(() => this.root));
  }

  private inside(realRoot: string, real: string): boolean {
    return real === realRoot || real.startsWith(realRoot + nodePath.sep);
  }

  private async resolve(path: string): Promise<string> {
    const rel = confinePath(path);
    const abs = nodePath.join(this.root, ...rel.split('/').filter(Boolean));
    const realRoot = await this.rootReal();
    const real = await fsp.realpath(abs).catch(() => null);
    if (real && !this.inside(realRoot, real)) throw new InputError(rel, '', 'is a link that leads outside the dataset folder');
    return abs;
  }

  /** Opens a regular file for reading; anything else (folder, FIFO, device, socket) is refused by name. */
  private async open(path: string): Promise<{ fh: fsp.FileHandle; size: number }> {
    const rel = confinePath(path);
    const abs = await this.resolve(path);
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(abs, OPEN_FLAGS);
    } catch (e) {
      throw new InputError(rel, '', describeFsError(e));
    }
    const st = await fh.stat();
    if (!st.isFile()) {
      await fh.close();
      throw new InputError(rel, '', st.isDirectory() ? 'is a folder, expected a file' : 'is not a regular file (a pipe, device or socket); refusing to read it');
    }
    return { fh, size: st.size };
  }

  async readFile(path: string, maxBytes: number = FILE_LIMITS.fileBytes): Promise<Uint8Array> {
    const { fh, size } = await this.open(path);
    try {
      checkFileSize(confinePath(path), size, maxBytes);
      return await readAt(fh, 0, size, size);
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(confinePath(path), '', describeFsError(e));
    } finally {
      await fh.close();
    }
  }

  async readEnds(path: string, headBytes: number, tailBytes: number): Promise<FileEnds> {
    const { fh, size } = await this.open(path);
    try {
      return { head: await readAt(fh, 0, headBytes, size), tail: await readAt(fh, Math.max(0, size - tailBytes), tailBytes, size), size };
    } catch (e) {
      throw new InputError(confinePath(path), '', describeFsError(e));
    } finally {
      await fh.close();
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

  /**
   * Entries of a folder. A symlink counts as what it points to only when that lies inside the dataset
   * folder; one leading outside is listed as a plain entry (so loaders name it and refuse it when used),
   * and its target is never revealed.
   */
  async list(path: string): Promise<DirEntry[]> {
    const abs = await this.resolve(path);
    try {
      const entries = await fsp.readdir(abs, { withFileTypes: true });
      const realRoot = await this.rootReal();
      const out: DirEntry[] = [];
      for (const e of entries) {
        let isDirectory = e.isDirectory();
        if (e.isSymbolicLink()) {
          const target = await fsp.realpath(nodePath.join(abs, e.name)).catch(() => null);
          isDirectory = target !== null && this.inside(realRoot, target) && ((await fsp.stat(target).catch(() => null))?.isDirectory() ?? false);
        }
        out.push({ name: e.name, isDirectory });
      }
      return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch (e) {
      throw new InputError(confinePath(path) || '.', '', describeFsError(e));
    }
  }
}

/** Up to n bytes at pos of a file of `size` bytes (fewer if it shrank while reading). */
async function readAt(fh: fsp.FileHandle, pos: number, n: number, size: number): Promise<Uint8Array> {
  const b = new Uint8Array(Math.max(0, Math.min(n, size - pos)));
  let off = 0;
  while (off < b.length) {
    const { bytesRead } = await fh.read(b, off, b.length - off, pos + off);
    if (bytesRead === 0) break;
    off += bytesRead;
  }
  return off === b.length ? b : b.subarray(0, off);
}

function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EISDIR') return 'is a folder, expected a file';
  if (code === 'ENOTDIR') return 'is a file, expected a folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ELOOP') return 'is a link that loops';
  return e instanceof Error ? e.message : String(e);
}
