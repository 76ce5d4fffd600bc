/**
 * Browser tests: the web build served by Vite, driven in Debian's Chromium with playwright-core.
 * The flags give WebGL2 and WebGPU through SwiftShader on machines without a GPU.
 */
import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';

export const REPO = path.resolve(import.meta.dirname, '../..');
export const ARTIFACTS = path.join(REPO, 'test-artifacts');

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu-sandbox', '--enable-unsafe-webgpu', '--enable-features=Vulkan',
  '--use-vulkan=swiftshader', '--use-angle=swiftshader', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

export interface WebApp { server: ViteDevServer; browser: Browser; url: string; close(): Promise<void> }

export async function startWebApp(): Promise<WebApp> {
  const server = await createServer({
    configFile: path.join(REPO, 'renderer/vite.config.ts'),
    server: { port: 0, strictPort: false, hmr: false },
    logLevel: 'error',
  });
  await server.listen();
  const address = server.httpServer!.address();
  const port = typeof address === 'object' && address ? address.port : 5173;
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS, headless: true });
  return {
    server, browser, url: `http://127.0.0.1:${port}/`,
    async close() { await browser.close(); await server.close(); },
  };
}

/** A new page that fails the test on uncaught page errors (collected in `errors`); console errors (failed loads included) in `consoleErrors`. */
export async function newPage(app: WebApp, viewport = { width: 1280, height: 800 }): Promise<{ page: Page; errors: string[]; consoleErrors: string[] }> {
  const page = await app.browser.newPage({ viewport });
  const errors: string[] = [], consoleErrors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`${m.text()} (${m.location().url})`); });
  page.on('requestfailed', (r) => consoleErrors.push(`request failed: ${r.url()}`));
  page.on('response', (r) => { if (r.status() >= 400) consoleErrors.push(`HTTP ${r.status()}: ${r.url()}`); });
  return { page, errors, consoleErrors };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
