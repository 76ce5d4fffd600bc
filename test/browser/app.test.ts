// The web build in headless Chromium: the demo loads, images decode in the browser exactly as in Node,
// a malformed dataset shows the CLI's message and the app recovers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { startWebApp, newPage, screenshot, chromiumAvailable, REPO, type WebApp } from './harness';
import { TempDir, writeBlender, pngBytes, jpegBytes } from '../fixtures/datasets';
import { decodeImage } from '../../datasets/image/decode';

let app: WebApp;

/** Clicks "Open dataset…" and picks a folder in the file chooser, as a user would. */
async function chooseFolder(page: Page, dir: string): Promise<void> {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('#open-dataset')]);
  await chooser.setFiles(dir);
}
const dirs: TempDir[] = [];

describe.skipIf(!chromiumAvailable() && !process.env.CI)('web app in Chromium', () => {
  beforeAll(async () => { app = await startWebApp(); });
  afterAll(async () => { await app?.close(); dirs.forEach((d) => d.dispose()); });

  it('opens on the demo scene with its views', async () => {
    const { page, errors } = await newPage(app);
    await page.goto(app.url);
    await page.waitForSelector('body[data-state="loaded"]', { timeout: 60_000 });
    expect(await page.textContent('#dataset-title')).toContain('demo');
    expect(await page.locator('#thumbs canvas').count()).toBe(12);
    // a thumbnail shows the rendered objects, not a blank canvas
    const nonWhite = await page.evaluate(() => {
      const c = document.querySelector('#thumbs canvas') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] < 250 || d[i + 1] < 250 || d[i + 2] < 250) n++;
      return n / (d.length / 4);
    });
    expect(nonWhite).toBeGreaterThan(0.1);
    await screenshot(page, 'app-demo');
    expect(errors).toEqual([]);
    await page.close();
  });

  for (const [width, height] of [[1400, 900], [1024, 700]]) {
    it(`viewer-first at ${width}×${height}: the viewport fills the window, panels dock and collapse, no console errors`, async () => {
      const { page, errors, consoleErrors } = await newPage(app, { width, height });
      await page.goto(app.url);
      await page.waitForSelector('body[data-state="loaded"]', { timeout: 60_000 });
      await page.waitForSelector('body[data-images="hung"]', { timeout: 60_000 });
      const rect = (sel: string) => page.evaluate((s) => { const r = document.querySelector(s)!.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; }, sel);
      // the viewport: the largest thing on screen, its drawing buffer following its size × device pixel ratio
      const vp = await rect('#viewport');
      expect(vp.w * vp.h).toBeGreaterThan(0.3 * width * height);
      expect(vp.h).toBeGreaterThan(0.8 * height);
      const buffer = await page.evaluate(() => { const c = document.querySelector('#viewport') as HTMLCanvasElement; return [c.width, c.height, devicePixelRatio]; });
      expect(Math.abs(buffer[0] - vp.w * buffer[2])).toBeLessThanOrEqual(1);
      expect(Math.abs(buffer[1] - vp.h * buffer[2])).toBeLessThanOrEqual(1);
      // docks beside it, the status bar at the bottom edge, nothing scrolls the page
      const left = await rect('#left-dock'), right = await rect('#right-dock'), bar = await rect('#statusbar');
      expect(left.x + left.w).toBeLessThanOrEqual(vp.x + 1);
      expect(right.x).toBeGreaterThanOrEqual(vp.x + vp.w - 1);
      expect(bar.y + bar.h).toBeCloseTo(height, 0);
      expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeLessThanOrEqual(height);
      // before training the viewport shows the training images in their frusta (not only lines on black)
      const colourful = await page.evaluate(() => {
        const c = document.querySelector('#viewport') as HTMLCanvasElement, gl = (window as unknown as { __mulfa: { viewport: { renderer: { getContext(): WebGL2RenderingContext }; renderNow(): void } } }).__mulfa.viewport;
        gl.renderNow();
        const ctx = gl.renderer.getContext(), px = new Uint8Array(c.width * c.height * 4);
        ctx.readPixels(0, 0, c.width, c.height, ctx.RGBA, ctx.UNSIGNED_BYTE, px);
        let n = 0;
        for (let i = 0; i < px.length; i += 4) if (Math.max(px[i], px[i + 1], px[i + 2]) - Math.min(px[i], px[i + 1], px[i + 2]) > 60) n++;
        return n / (px.length / 4);
      });
      expect(colourful).toBeGreaterThan(0.01);
      // clicking a training thumbnail looks through that camera
      await page.click('#thumbs canvas:nth-child(3)');
      const [eye, cam] = await page.evaluate(() => {
        const m = (window as unknown as { __mulfa: { viewport: { camera: { position: { toArray(): number[] } } }; panel: unknown } }).__mulfa;
        return [m.viewport.camera.position.toArray(), Array.from(document.querySelectorAll('#thumbs canvas')).length];
      });
      expect(cam).toBe(12);
      const demo = (await import('../../datasets/demo/DemoScene')).demoCameras();
      const c2w = demo.cameras[demo.splits.train[2]].c2w;
      expect(Math.hypot(eye[0] - c2w[12], eye[1] - c2w[13], eye[2] - c2w[14])).toBeLessThan(1e-5);
      expect(await page.isVisible('#pick-thumb')).toBe(true);
      // panels collapse and open; docks hide
      expect(await page.isVisible('#gtk-compute')).toBe(false);
      await page.click('#gtk summary');
      expect(await page.isVisible('#gtk-compute')).toBe(true);
      await page.click('#toggle-left');
      expect(await page.isVisible('#left-dock')).toBe(false);
      expect((await rect('#viewport')).w).toBeGreaterThan(vp.w + 200);
      await page.keyboard.press('[');
      expect(await page.isVisible('#left-dock')).toBe(true);
      // every control in the panels and the toolbar explains itself (units and defaults)
      const untitled = await page.evaluate(() => Array.from(document.querySelectorAll('.panel input, .panel select, .panel button, #toolbar button, .overlay-bar input, .overlay-bar button'))
        .filter((el) => !(el as HTMLElement).hidden && (el as HTMLInputElement).type !== 'file')
        .filter((el) => !(el as HTMLElement).title && !(el.closest('label') as HTMLElement | null)?.title).map((el) => el.id || el.outerHTML.slice(0, 60)));
      expect(untitled).toEqual([]);
      // the keyboard help overlay
      await page.keyboard.press('?');
      expect(await page.isVisible('#help-overlay')).toBe(true);
      expect(await page.locator('#shortcut-table tr').count()).toBeGreaterThanOrEqual(10);
      await screenshot(page, `app-help-${width}x${height}`);
      await page.keyboard.press('Escape');
      expect(await page.isVisible('#help-overlay')).toBe(false);
      // the title names the scene; the icon is served
      expect(await page.title()).toBe('built-in demo scene — MulFA Studio');
      const icon = await page.evaluate(async () => { const r = await fetch((document.querySelector('link[rel=icon]') as HTMLLinkElement).href); return [r.status, (await r.text()).slice(0, 4)]; });
      expect(icon).toEqual([200, '<svg']);
      await screenshot(page, `app-${width}x${height}`);
      expect(errors).toEqual([]);
      expect(consoleErrors).toEqual([]);
      await page.close();
    });
  }

  it('decodes PNG and JPEG in the browser to the same floats as in Node', async () => {
    const { page } = await newPage(app);
    await page.goto(app.url);
    const files = { 'a.png': pngBytes(23, 17, 4), 'b.png': pngBytes(16, 9, 2, false), 'c.jpg': jpegBytes(24, 16, 3) };
    for (const [name, bytes] of Object.entries(files)) {
      // a string, so the test runner does not rewrite the dynamic import
      const browser = await page.evaluate(`(async () => {
        const mod = await import('/@fs${REPO}/datasets/image/decode.ts');
        const img = mod.decodeImage(new Uint8Array(${JSON.stringify(Array.from(bytes))}), '${name}');
        return { width: img.width, height: img.height, hasAlpha: img.hasAlpha, data: Array.from(img.data) };
      })()`) as { width: number; height: number; hasAlpha: boolean; data: number[] };
      const node = decodeImage(bytes, name);
      expect(browser).toMatchObject({ width: node.width, height: node.height, hasAlpha: node.hasAlpha });
      expect(browser.data).toEqual(Array.from(node.data));
    }
    await page.close();
  });

  it('a malformed dataset shows a clear error and the app stays usable', async () => {
    const { page, errors } = await newPage(app);
    await page.goto(app.url);
    await page.waitForSelector('body[data-state="loaded"]', { timeout: 60_000 });
    const d = new TempDir();
    dirs.push(d);
    writeBlender(d, { train: 3 }, 8);
    const json = JSON.parse(readFileSync(d.path('transforms_train.json'), 'utf8'));
    json.frames[1].transform_matrix = [[1, 0, 0]];
    d.json('transforms_train.json', json);
    await chooseFolder(page, d.path());
    await page.waitForSelector('body[data-state="error"]');
    const message = await page.textContent('#error');
    expect(message).toContain('transforms_train.json, frames[1].transform_matrix: must be 4×4 numbers');
    expect(await page.isVisible('#error')).toBe(true);
    await screenshot(page, 'app-bad-dataset');
    // still usable: the demo opens again and the error goes away
    await page.click('#open-demo');
    await page.waitForSelector('body[data-state="loaded"]');
    expect(await page.isVisible('#error')).toBe(false);
    // and a good folder opens
    const good = new TempDir();
    dirs.push(good);
    writeBlender(good, { train: 4, test: 1 }, 16);
    await chooseFolder(page, good.path());
    await page.waitForSelector('body[data-state="loaded"] #dataset-title:has-text("blender")');
    expect(await page.locator('#thumbs canvas').count()).toBe(4);
    // "From photos…" needs the desktop app's COLMAP: the tab says so and how to do it, and keeps the scene
    await page.click('#new-from-photos');
    await page.waitForSelector('#error:not([hidden])');
    expect(await page.textContent('#error')).toMatch(/runs COLMAP on this computer.*npx mulfa process <photos-folder> --out <dataset>/);
    expect(await page.isVisible('#new-scene')).toBe(false);
    expect(await page.textContent('#dataset-title')).toContain('blender');
    expect(errors).toEqual([]);
    await page.close();
  });
});
