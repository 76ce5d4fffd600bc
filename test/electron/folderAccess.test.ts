import { afterAll, describe, expect, it } from 'vitest';
import { symlinkSync } from 'node:fs';
import { FolderAccess } from '../../electron/folderAccess';
import { TempDir } from '../fixtures/datasets';

const dirs: TempDir[] = [];
afterAll(() => dirs.forEach((d) => d.dispose()));

describe('FolderAccess (IPC file access of the desktop app)', () => {
  const access = new FolderAccess();
  const d = new TempDir(), outside = new TempDir();
  dirs.push(d, outside);
  d.write('a/b.txt', 'inside');
  outside.write('secret.txt', 'secret');
  symlinkSync(outside.path('secret.txt'), d.path('link.txt'));
  const { token } = access.grant(d.path());

  it('reads files inside the granted folder', async () => {
    expect(new TextDecoder().decode(await access.readFile(token, 'a/b.txt'))).toBe('inside');
    expect(await access.stat(token, 'a')).toBe('dir');
    expect((await access.list(token, '')).map((e) => e.name)).toEqual(['a', 'link.txt']);
  });
  it('refuses escapes: ../, absolute paths, links that lead outside', async () => {
    await expect(access.readFile(token, '../' + outside.root.split('/').pop() + '/secret.txt')).rejects.toThrow(/escapes/);
    await expect(access.readFile(token, outside.path('secret.txt'))).rejects.toThrow(/absolute/);
    await expect(access.readFile(token, 'link.txt')).rejects.toThrow(/outside the dataset folder/);
  });
  it('validates arguments: unknown tokens, non-strings, NUL bytes', async () => {
    await expect(access.readFile('not-a-token', 'a/b.txt')).rejects.toThrow(/unknown folder/);
    await expect(access.readFile(42, 'a/b.txt')).rejects.toThrow(/unknown folder/);
    await expect(access.readFile(token, { path: 'a' })).rejects.toThrow(/relative path string/);
    await expect(access.readFile(token, 'a\0b')).rejects.toThrow(/relative path string/);
  });
});

describe('FolderAccess: partial reads, limits and links', () => {
  const access = new FolderAccess();
  const d = new TempDir(), outside = new TempDir();
  dirs.push(d, outside);
  d.write('img.bin', new Uint8Array(1000).map((_, i) => i & 255));
  outside.write('dir/secret.txt', 'secret');
  symlinkSync(outside.path('dir'), d.path('linkdir'));
  const { token } = access.grant(d.path());

  it('reads the ends of a file and its size; byte counts are validated', async () => {
    const e = await access.readEnds(token, 'img.bin', 4, 2);
    expect([...e.head, ...e.tail, e.size]).toEqual([0, 1, 2, 3, (998 & 255), (999 & 255), 1000]);
    await expect(access.readEnds(token, 'img.bin', -1, 2)).rejects.toThrow(/headBytes/);
    await expect(access.readEnds(token, 'img.bin', 4, 1e12)).rejects.toThrow(/tailBytes/);
    await expect(access.readFile(token, 'img.bin', 10)).rejects.toThrow(/larger than/);
    await expect(access.readFile(token, 'img.bin', 'all')).rejects.toThrow(/maxBytes/);
  });
  it('a link to a folder outside is listed as a plain entry, never followed or revealed', async () => {
    const list = await access.list(token, '');
    expect(list).toContainEqual({ name: 'linkdir', isDirectory: false });
    expect(JSON.stringify(list)).not.toContain(outside.root);
    await expect(access.list(token, 'linkdir')).rejects.toThrow(/outside the dataset folder/);
  });
});
