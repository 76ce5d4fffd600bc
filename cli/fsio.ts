/** Writes that never leave a broken file: temp file in the same folder, fsync, rename over the target. */
import { openSync, writeSync, fsyncSync, closeSync, renameSync, rmSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../core/errors';

export function writeFileAtomic(file: string, bytes: Uint8Array): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.tmp-${process.pid}-${Date.now()}`);
  let fd = -1;
  try {
    fd = openSync(tmp, 'w');
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
}

export function readFileOrFail(file: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(file, '', code === 'ENOENT' ? 'not found' : code === 'EISDIR' ? 'is a folder, expected a file' : (e as Error).message);
  }
}
