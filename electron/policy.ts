/**
 * The desktop app's security policy as plain functions (no Electron import), so the main process, the
 * build configs and the tests share one definition: the Content-Security-Policy, which pages may talk to
 * the main process, which URLs may leave the app, and when a development server URL is honoured.
 */

/** Origins the app may open in the system browser (links in help text); everything else is refused. */
export const EXTERNAL_ORIGINS = ['https://arxiv.org', 'https://github.com'] as const;

/**
 * The CSP. `dev` adds the Vite dev server's WebSocket (hot reload) and nothing else; `meta` leaves out the
 * directives a <meta> CSP cannot carry (frame-ancestors is honoured only as a header).
 */
export function contentSecurityPolicy(opts: { dev: boolean; meta: boolean }): string {
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self' blob:",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    `connect-src 'self'${opts.dev ? ' ws://localhost:* ws://127.0.0.1:*' : ''}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    ...(opts.meta ? [] : ["frame-ancestors 'none'"]),
  ].join('; ');
}

/** A Vite plugin that writes the CSP into index.html's <meta http-equiv="Content-Security-Policy">. */
export function cspMetaPlugin(): { name: string; transformIndexHtml: { order: 'pre'; handler: (html: string, ctx: { server?: unknown }) => string } } {
  return {
    name: 'mulfa-csp',
    transformIndexHtml: {
      order: 'pre',
      handler: (html, ctx) => {
        const csp = contentSecurityPolicy({ dev: ctx.server !== undefined, meta: true });
        const out = html.replace(/(<meta http-equiv="Content-Security-Policy"\s+content=")[^"]*(")/, `$1${csp}$2`);
        if (out === html && !html.includes(csp)) throw new Error('index.html has no Content-Security-Policy <meta> to fill in');
        return out;
      },
    },
  };
}

/** May this URL be opened in the system browser? https, an allowed origin, no credentials in it. */
export function allowedExternalUrl(url: string): boolean {
  let u: URL;
  try { u = new URL(url); } catch { return false; }
  return u.protocol === 'https:' && u.username === '' && u.password === '' && (EXTERNAL_ORIGINS as readonly string[]).includes(u.origin);
}

/**
 * The development server URL (electron-vite sets ELECTRON_RENDERER_URL): honoured only in an unpackaged
 * app and only on the loopback interface; a packaged app always loads its own files.
 */
export function devRendererUrl(env: string | undefined, packaged: boolean): string | null {
  if (packaged || !env) return null;
  try {
    const u = new URL(env);
    return u.protocol === 'http:' && (u.hostname === 'localhost' || u.hostname === '127.0.0.1') ? u.href : null;
  } catch {
    return null;
  }
}

/**
 * Is an IPC message from the app's own page? The sender must be the window's top frame (not an iframe or
 * another window) showing the app: its file URL, or the dev server's origin when one is in use.
 */
export function trustedSenderUrl(frameUrl: string, app: { indexFileUrl: string; devUrl: string | null }): boolean {
  let u: URL;
  try { u = new URL(frameUrl); } catch { return false; }
  if (app.devUrl) return u.origin === new URL(app.devUrl).origin;
  return u.protocol === 'file:' && u.pathname === new URL(app.indexFileUrl).pathname;
}

/** A taskbar progress value from the renderer: a number in [0, 1], or −1 to clear; anything else is refused (null). */
export function progressValue(x: unknown): number | null {
  return typeof x === 'number' && (x === -1 || (x >= 0 && x <= 1)) ? x : null;
}

/** Notification text from the renderer: two strings, trimmed to 120 and 400 characters, no control characters. */
export function noticeText(title: unknown, body: unknown): { title: string; body: string } | null {
  if (typeof title !== 'string' || typeof body !== 'string' || title.trim() === '') return null;
  // eslint-disable-next-line no-control-regex
  const clean = (s: string, n: number) => s.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, n);
  return { title: clean(title, 120), body: clean(body, 400) };
}
