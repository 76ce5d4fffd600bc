/**
 * How dataset loaders reach files: one small interface with a Node implementation (datasets/node/)
 * and browser/Electron ones (renderer/). Paths are POSIX-style, relative to the dataset root, and every
 * path goes through `confinePath`, so nothing a dataset file says can reach outside the folder the user
 * opened.
 */
import { InputError } from '../core/errors';

export interface DirEntry {
  name: string;
  isDirectory: boolean;
}

/** What a dataset may hold; anything larger is refused before it is read (README, "Reliability"). */
export const FILE_LIMITS = {
  /** Any file read whole (JSON, COLMAP models, poses). */
  fileBytes: 512 * 2 ** 20,
  /** One image file. */
  imageFileBytes: 200 * 2 ** 20,
} as const;

/** The first and last bytes of a file and its size (probing images without reading them whole). */
export interface FileEnds { head: Uint8Array; tail: Uint8Array; size: number }

export interface DatasetFS {
  /** Shown to the user (a folder path or a name). */
  readonly label: string;
  /**
   * Whole file; throws InputError(file, '', 'file not found') when it is missing, and refuses anything that
   * is not a regular file (a FIFO or device would block or never end) or is larger than maxBytes
   * (FILE_LIMITS.fileBytes by default) before reading it.
   */
  readFile(path: string, maxBytes?: number): Promise<Uint8Array>;
  /** Up to headBytes from the start and tailBytes from the end (they may overlap on a small file), and the size. */
  readEnds(path: string, headBytes: number, tailBytes: number): Promise<FileEnds>;
  /** 'file', 'dir' or null when nothing is there. */
  stat(path: string): Promise<'file' | 'dir' | null>;
  /** Entries of a folder, sorted by name; throws InputError when it is not a folder. */
  list(path: string): Promise<DirEntry[]>;
}

/**
 * Normalises a dataset-relative path and refuses absolute paths and `..` escapes.
 * `file` and `field` say where the path came from, for the error message.
 */
export function confinePath(path: string, file = path, field = ''): string {
  const p = path.replace(/\\/g, '/');
  if (p.startsWith('/') || /^[a-zA-Z]:/.test(p) || p.startsWith('//')) {
    throw new InputError(file, field, `path "${path}" is absolute; dataset paths must stay inside the dataset folder`);
  }
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length === 0) throw new InputError(file, field, `path "${path}" escapes the dataset folder`);
      parts.pop();
    } else {
      parts.push(seg);
    }
  }
  return parts.join('/');
}

/** Refuses a file larger than maxBytes, naming it and the limit. */
export function checkFileSize(path: string, size: number, maxBytes: number): void {
  if (size > maxBytes) {
    throw new InputError(path, '', `file is ${(size / 2 ** 20).toFixed(1)} MiB, larger than the ${(maxBytes / 2 ** 20).toFixed(0)} MiB allowed`);
  }
}

/** The ends of an in-memory file (helper for implementations that hold bytes). */
export function endsOf(bytes: Uint8Array, headBytes: number, tailBytes: number): FileEnds {
  return { head: bytes.subarray(0, headBytes), tail: bytes.subarray(Math.max(0, bytes.length - tailBytes)), size: bytes.length };
}

/** Joins dataset-relative paths (the result is confined). */
export function joinPath(...parts: string[]): string {
  return confinePath(parts.filter((s) => s.length > 0).join('/'));
}

export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Reads and parses a JSON file, with a clear error naming the file and the position. */
export async function readJson(fs: DatasetFS, path: string): Promise<unknown> {
  const bytes = await fs.readFile(path);
  const text = new TextDecoder().decode(bytes);
  if (text.trim().length === 0) throw new InputError(path, '', 'file is empty');
  try {
    return JSON.parse(text);
  } catch (e) {
    // Python's json module writes NaN/Infinity, which JSON forbids. Parse them as strings so the
    // field that holds one can be named ("must be a finite number, found NaN") instead of the file.
    const relaxed = quoteNonFinite(text);
    if (relaxed !== text) {
      try { return JSON.parse(relaxed); } catch { /* report the original error */ }
    }
    throw new InputError(path, '', `malformed JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** Replaces bare NaN, Infinity and -Infinity tokens (outside strings) with strings. */
function quoteNonFinite(text: string): string {
  let out = '', inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      out += ch;
      if (ch === '\\') { out += text[++i] ?? ''; continue; }
      if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') { inString = true; out += ch; continue; }
    const m = /^(-?Infinity|NaN)/.exec(text.slice(i, i + 9));
    if (m) { out += `"${m[1]}"`; i += m[1].length - 1; continue; }
    out += ch;
  }
  return out;
}

/**
 * A DatasetFS over files held by the page: bytes (tests) or Blobs/Files (a folder picked or dropped in the
 * browser), which are read lazily, only the parts asked for.
 */
export class MemoryFS implements DatasetFS {
  private readonly files = new Map<string, Uint8Array | Blob>();
  constructor(readonly label: string, files: Record<string, Uint8Array | Blob | string> = {}) {
    for (const [k, v] of Object.entries(files)) this.write(k, v);
  }
  write(path: string, data: Uint8Array | Blob | string): void {
    this.files.set(confinePath(path), typeof data === 'string' ? new TextEncoder().encode(data) : data);
  }
  private get(path: string): Uint8Array | Blob {
    const p = confinePath(path);
    const f = this.files.get(p);
    if (!f) throw new InputError(p, '', 'file not found');
    return f;
  }
  async readFile(path: string, maxBytes: number = FILE_LIMITS.fileBytes): Promise<Uint8Array> {
    const f = this.get(path);
    checkFileSize(confinePath(path), f instanceof Uint8Array ? f.length : f.size, maxBytes);
    return f instanceof Uint8Array ? f : new Uint8Array(await f.arrayBuffer());
  }
  async readEnds(path: string, headBytes: number, tailBytes: number): Promise<FileEnds> {
    const f = this.get(path);
    if (f instanceof Uint8Array) return endsOf(f, headBytes, tailBytes);
    const part = async (a: number, b: number) => new Uint8Array(await f.slice(a, b).arrayBuffer());
    return { head: await part(0, headBytes), tail: await part(Math.max(0, f.size - tailBytes), f.size), size: f.size };
  }
  async stat(path: string): Promise<'file' | 'dir' | null> {
    const p = confinePath(path);
    if (this.files.has(p)) return 'file';
    const prefix = p === '' ? '' : p + '/';
    for (const k of this.files.keys()) if (k.startsWith(prefix)) return 'dir';
    return null;
  }
  async list(path: string): Promise<DirEntry[]> {
    const p = confinePath(path);
    const prefix = p === '' ? '' : p + '/';
    const seen = new Map<string, boolean>();
    for (const k of this.files.keys()) {
      if (!k.startsWith(prefix)) continue;
      const rest = k.slice(prefix.length);
      const i = rest.indexOf('/');
      seen.set(i < 0 ? rest : rest.slice(0, i), i >= 0);
    }
    if (seen.size === 0 && !(await this.stat(p))) throw new InputError(p || '.', '', 'folder not found');
    return [...seen.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([name, isDirectory]) => ({ name, isDirectory }));
  }
}
