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

export interface DatasetFS {
  /** Shown to the user (a folder path or a name). */
  readonly label: string;
  /** Whole file; throws InputError(file, '', 'file not found') when it is missing. */
  readFile(path: string): Promise<Uint8Array>;
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

/** An in-memory DatasetFS (tests, drag-and-drop uploads in the browser). */
export class MemoryFS implements DatasetFS {
  private readonly files = new Map<string, Uint8Array>();
  constructor(readonly label: string, files: Record<string, Uint8Array | string> = {}) {
    for (const [k, v] of Object.entries(files)) this.write(k, v);
  }
  write(path: string, data: Uint8Array | string): void {
    this.files.set(confinePath(path), typeof data === 'string' ? new TextEncoder().encode(data) : data);
  }
  async readFile(path: string): Promise<Uint8Array> {
    const p = confinePath(path);
    const f = this.files.get(p);
    if (!f) throw new InputError(p, '', 'file not found');
    return f;
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
