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
