/**
 * File access the main process grants the renderer: only inside folders the user chose in a dialog (or
 * dropped on the window), each known by an opaque token. Every IPC argument is validated here, so this
 * module is the whole attack surface of the bridge; it has no Electron import and is unit-tested.
 */
import { randomUUID } from 'node:crypto';
import * as nodePath from 'node:path';
import { InputError } from '../core/errors';
import { NodeFS } from '../datasets/node/NodeFS';
import { type DirEntry, type FileEnds, FILE_LIMITS } from '../datasets/fs';

export interface GrantedFolder { token: string; name: string }

const MAX_PATH_LENGTH = 4096;
const MAX_ENDS_BYTES = 4 * 2 ** 20;

export class FolderAccess {
  private readonly folders = new Map<string, NodeFS>();

  /** Called only with a path that came from a native dialog or a drop, never from the renderer. */
  grant(absPath: string): GrantedFolder {
    const token = randomUUID();
    this.folders.set(token, new NodeFS(absPath));
    return { token, name: nodePath.basename(absPath) };
  }

  private folder(token: unknown): NodeFS {
    if (typeof token !== 'string' || !this.folders.has(token)) throw new InputError('', 'token', 'unknown folder (open it first)');
    return this.folders.get(token)!;
  }

  private static path(p: unknown): string {
    if (typeof p !== 'string' || p.length > MAX_PATH_LENGTH || p.includes('\0')) throw new InputError('', 'path', 'must be a relative path string');
    return p; // NodeFS confines it (no absolute paths, no ../ escapes, no links leading outside)
  }

  /** A byte count the renderer asks for: a whole number within [0, max]; undefined takes `fallback`. */
  private static bytes(v: unknown, field: string, max: number, fallback?: number): number {
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw new InputError('', field, `must be a whole number of bytes up to ${max}`);
    return v;
  }

  async readFile(token: unknown, path: unknown, maxBytes?: unknown): Promise<Uint8Array> {
    const fs = this.folder(token), p = FolderAccess.path(path);
    return fs.readFile(p, FolderAccess.bytes(maxBytes, 'maxBytes', FILE_LIMITS.fileBytes, FILE_LIMITS.fileBytes));
  }
  async readEnds(token: unknown, path: unknown, headBytes: unknown, tailBytes: unknown): Promise<FileEnds> {
    const fs = this.folder(token), p = FolderAccess.path(path);
    return fs.readEnds(p, FolderAccess.bytes(headBytes, 'headBytes', MAX_ENDS_BYTES), FolderAccess.bytes(tailBytes, 'tailBytes', MAX_ENDS_BYTES));
  }
  async stat(token: unknown, path: unknown): Promise<'file' | 'dir' | null> { return this.folder(token).stat(FolderAccess.path(path)); }
  async list(token: unknown, path: unknown): Promise<DirEntry[]> { return this.folder(token).list(FolderAccess.path(path)); }
}
