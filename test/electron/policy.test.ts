import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { allowedExternalUrl, contentSecurityPolicy, cspMetaPlugin, devRendererUrl, trustedSenderUrl } from '../../electron/policy';
import { applyFuses } from '../../electron/fuses';
import { TempDir } from '../fixtures/datasets';

const REPO = path.resolve(import.meta.dirname, '../..');

describe('desktop security policy', () => {
  it('the CSP in a built page allows no WebSocket; the dev server one only on loopback; frame-ancestors only as a header', () => {
    const html = readFileSync(path.join(REPO, 'renderer/index.html'), 'utf8');
    const built = cspMetaPlugin().transformIndexHtml.handler(html, {});
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]*)"/.exec(built)![1];
    expect(meta).toBe(contentSecurityPolicy({ dev: false, meta: true }));
    expect(meta).not.toMatch(/ws:/);
    expect(meta).toMatch(/default-src 'self'/);
    expect(meta).toMatch(/object-src 'none'/);
    expect(meta).not.toMatch(/'unsafe-eval'/); // only 'wasm-unsafe-eval'
    const dev = cspMetaPlugin().transformIndexHtml.handler(html, { server: {} });
    expect(dev).toMatch(/connect-src 'self' ws:\/\/localhost:\* ws:\/\/127\.0\.0\.1:\*/);
    expect(contentSecurityPolicy({ dev: false, meta: false })).toMatch(/frame-ancestors 'none'/);
    expect(() => cspMetaPlugin().transformIndexHtml.handler('<html></html>', {})).toThrow(/no Content-Security-Policy/);
  });

  it('only allow-listed https origins go to the system browser', () => {
    expect(allowedExternalUrl('https://arxiv.org/abs/2403.20002')).toBe(true);
    expect(allowedExternalUrl('https://github.com/x/y')).toBe(true);
    for (const bad of ['http://arxiv.org/', 'https://evil.example/', 'https://arxiv.org.evil.example/', 'https://user:pw@github.com/',
      'file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'not a url']) expect(allowedExternalUrl(bad), bad).toBe(false);
  });

  it('the dev server URL is honoured only unpackaged and on loopback', () => {
    expect(devRendererUrl('http://localhost:5173/', false)).toBe('http://localhost:5173/');
    expect(devRendererUrl('http://127.0.0.1:5173', false)).toBe('http://127.0.0.1:5173/');
    expect(devRendererUrl('http://localhost:5173/', true)).toBeNull();
    expect(devRendererUrl('https://evil.example/', false)).toBeNull();
    expect(devRendererUrl('file:///tmp/x.html', false)).toBeNull();
    expect(devRendererUrl(undefined, false)).toBeNull();
  });

  it('IPC is accepted only from the app page', () => {
    const app = { indexFileUrl: 'file:///opt/mulfa/out/renderer/index.html', devUrl: null };
    expect(trustedSenderUrl('file:///opt/mulfa/out/renderer/index.html', app)).toBe(true);
    expect(trustedSenderUrl('file:///opt/mulfa/out/renderer/index.html#x', app)).toBe(true);
    expect(trustedSenderUrl('file:///tmp/evil.html', app)).toBe(false);
    expect(trustedSenderUrl('https://evil.example/', app)).toBe(false);
    const dev = { ...app, devUrl: 'http://localhost:5173/' };
    expect(trustedSenderUrl('http://localhost:5173/index.html', dev)).toBe(true);
    expect(trustedSenderUrl('http://localhost:5174/', dev)).toBe(false);
    expect(trustedSenderUrl('', dev)).toBe(false);
  });

  it('fuses: the packaged binary gets RunAsNode off, cookie encryption on, app only from asar', async () => {
    // a stand-in binary with Electron's fuse sentinel and a 9-fuse wire, all enabled
    const d = new TempDir();
    const wire = Buffer.from('111111111');
    const bin = Buffer.concat([Buffer.alloc(100, 7), Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'), Buffer.from([1, wire.length]), wire, Buffer.alloc(50)]);
    writeFileSync(d.path('electron'), bin);
    await applyFuses(d.path('electron'));
    const after = readFileSync(d.path('electron'));
    const at = after.indexOf('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX') + 34;
    // order: RunAsNode, CookieEncryption, NODE_OPTIONS, inspect args, asar integrity, only-asar, browser V8 snapshot, file protocol, wasm traps
    expect(after.subarray(at, at + 9).toString()).toBe('010011101');
    d.dispose();
  });
});
