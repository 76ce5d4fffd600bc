/**
 * Node file I/O shared by the CLI and the Electron main process. Writes never leave a broken file: a temp file in the target's folder with a unique random name,
 * created exclusively (O_EXCL, O_NOFOLLOW: a planted file or symlink makes the open fail instead of being
 * followed), written, fsynced, renamed over the target, and the folder fsynced so the rename survives a
 * crash. Any failure removes the temp file and leaves the previous target intact.
 */
import { constants, openSync, writeSync, fsyncSync, closeSync, renameSync, rmSync, mkdirSync, readFileSync, statSync, fstatSync, mkdtempSync, accessSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { InputError } from '../../core/errors';

const EXCLUSIVE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

/** Creates the folder (and parents) a file will be written to; a failure is the user's to fix (exit 2). */
export function ensureFolder(folder: string, forFile = folder): void {
  try {
    mkdirSync(folder, { recursive: true });
  } catch (e) {
    throw new InputError(forFile, '', `cannot create the folder ${folder} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Fails early (before a long run) when files cannot be created in `folder`. */
export function checkWritableFolder(folder: string): void {
  ensureFolder(folder);
  try {
    if (!statSync(folder).isDirectory()) throw new Error('not a folder');
    accessSync(folder, constants.W_OK);
  } catch (e) {
    throw new InputError(folder, '', `cannot write into this folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

function fsyncFolder(folder: string): void {
  let fd = -1;
  try {
    fd = openSync(folder, constants.O_RDONLY);
    fsyncSync(fd);
  } catch {
    // some platforms (Windows) cannot open or fsync a folder; the rename is still atomic
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** A fresh, unique name beside `file` for its temp file. */
export function tempNameFor(file: string): string {
  const abs = path.resolve(file);
  return path.join(path.dirname(abs), `.${path.basename(abs)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
}

export function writeFileAtomic(file: string, bytes: Uint8Array): void {
  const folder = path.dirname(path.resolve(file));
  ensureFolder(folder, file);
  const tmp = tempNameFor(file);
  let fd = -1;
  try {
    fd = openSync(tmp, EXCLUSIVE, 0o644);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, file);
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    rmSync(tmp, { force: true });
    throw new InputError(file, '', `cannot write (${(e as Error).message}); the previous file, if any, is unchanged`);
  }
  fsyncFolder(folder);
}

/**
 * A private temp folder beside `file` (random name, created by us, mode 0700) for a program that writes its
 * own output (ffmpeg): `commit(tmpFile)` renames its result over `file` and removes the folder; `discard()`
 * removes everything.
 */
export function privateTempFolder(file: string): { dir: string; commit(tmpFile: string): void; discard(): void } {
  const folder = path.dirname(path.resolve(file));
  ensureFolder(folder, file);
  let dir: string;
  try {
    dir = mkdtempSync(path.join(folder, `.${path.basename(file)}.tmp-`));
  } catch (e) {
    throw new InputError(file, '', `cannot write in ${folder} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const discard = () => rmSync(dir, { recursive: true, force: true });
  return {
    dir,
    commit(tmpFile: string) {
      try {
        const fd = openSync(tmpFile, constants.O_RDONLY);
        try { fsyncSync(fd); } finally { closeSync(fd); }
        renameSync(tmpFile, file);
      } catch (e) {
        discard();
        throw new InputError(file, '', `cannot write (${(e as Error).message}); the previous file, if any, is unchanged`);
      }
      discard();
      fsyncFolder(folder);
    },
    discard,
  };
}

/** Largest file read whole by the CLI (snapshots, camera paths): the engine cannot hold more than 4 GiB. */
export const MAX_READ_BYTES = 4 * 2 ** 30;

/** A whole regular file (not a FIFO or device), refused with a clear message when missing or too large. */
export function readFileOrFail(file: string, maxBytes = MAX_READ_BYTES): Uint8Array {
  let fd = -1;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    const st = fstatSync(fd);
    if (st.isDirectory()) throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
    if (!st.isFile()) throw new InputError(file, '', 'is not a regular file (a pipe, device or socket); refusing to read it');
    if (st.size > maxBytes) throw new InputError(file, '', `file is ${(st.size / 2 ** 20).toFixed(0)} MiB, larger than the ${(maxBytes / 2 ** 20).toFixed(0)} MiB allowed`);
    return new Uint8Array(readFileSync(fd));
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(file, '', code === 'ENOENT' ? 'not found' : code === 'EISDIR' ? 'is a folder, expected a file' : code === 'EACCES' ? 'permission denied' : (e as Error).message);
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}
